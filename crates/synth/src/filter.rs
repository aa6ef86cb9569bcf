//! `kakugo synth filter`: keeps the records that pass, in their order, and counts the others
//! by reason.
//!
//! Filters, applied in this order (each record is counted under the first it fails):
//! 1. `wrong_language`: the language identifier places the prompt or the response in another
//!    language than the target (`--language`, else the record's own);
//! 2. `length_ratio`: for translated prompts (records with `source_text`), tokens of the
//!    translation ÷ tokens of the English original outside `[min, max]` (Kakugo keeps 0.75×–25×),
//!    counted with a reference tokenizer;
//! 3. `exact_duplicate`: the same prompt as an earlier kept record;
//! 4. `near_duplicate`: character-5-gram Jaccard similarity of the prompt with an earlier kept
//!    record's ≥ the threshold. Candidates come from MinHash LSH (64 hashes in 16 bands of 4,
//!    which finds a pair at Jaccard 0.8 with probability 1 − (1 − 0.8⁴)¹⁶ ≈ 0.9996); every
//!    candidate pair is confirmed with the exact Jaccard, so nothing is dropped on a hash alone.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use super::lid::LanguageId;
use super::quality::jaccard;
use super::record::SftRecord;
use kakugo_core::Result;
use kakugo_model::tokenizer::Tokenizer;

const BANDS: usize = 16;
const ROWS: usize = 4;

pub struct FilterOptions<'a> {
    pub language: Option<&'a str>,
    pub lid: Option<&'a LanguageId>,
    /// (min, max) token ratio and the tokenizer that counts.
    pub ratio: Option<((f64, f64), &'a Tokenizer)>,
    pub exact_duplicates: bool,
    /// Jaccard threshold for near duplicates.
    pub near_duplicates: Option<f64>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct FilterReport {
    pub input: usize,
    pub kept: usize,
    pub dropped: BTreeMap<String, usize>,
}

fn shingles(text: &str) -> HashSet<u64> {
    let chars: Vec<char> = text.to_lowercase().chars().collect();
    let k = 5.min(chars.len().max(1));
    chars
        .windows(k)
        .map(|w| {
            let s: String = w.iter().collect();
            fnv(s.as_bytes())
        })
        .collect()
}

fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// splitmix64: the i-th hash function of the MinHash signature.
fn mix(x: u64, i: u64) -> u64 {
    let mut z = x ^ i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn signature(set: &HashSet<u64>) -> [u64; BANDS * ROWS] {
    let mut sig = [u64::MAX; BANDS * ROWS];
    for &x in set {
        for (i, s) in sig.iter_mut().enumerate() {
            *s = (*s).min(mix(x, i as u64));
        }
    }
    sig
}

/// Token ratio of a translation to its source.
pub fn token_ratio(tokenizer: &Tokenizer, translation: &str, source: &str) -> Result<f64> {
    let t = tokenizer.encode(translation)?.len() as f64;
    let s = tokenizer.encode(source)?.len().max(1) as f64;
    Ok(t / s)
}

/// Applies the filters; returns the kept records and the report.
pub fn filter(
    records: Vec<SftRecord>,
    opts: &FilterOptions<'_>,
) -> Result<(Vec<SftRecord>, FilterReport)> {
    let mut report = FilterReport {
        input: records.len(),
        ..Default::default()
    };
    let mut kept: Vec<SftRecord> = Vec::new();
    let mut prompts_seen = HashSet::new();
    let mut kept_shingles: Vec<HashSet<u64>> = Vec::new();
    let mut buckets: HashMap<(usize, [u64; ROWS]), Vec<usize>> = HashMap::new();
    for r in records {
        let target = opts.language.unwrap_or(&r.language);
        let mut reason = None;
        if let Some(lid) = opts.lid.filter(|l| l.knows(target)) {
            if lid.identify(&r.prompt).language != target
                || lid.identify(&r.response).language != target
            {
                reason = Some("wrong_language");
            }
        }
        if reason.is_none() {
            if let (Some(((lo, hi), tok)), Some(src)) = (opts.ratio, &r.source_text) {
                let ratio = token_ratio(tok, &r.prompt, src)?;
                if !(lo..=hi).contains(&ratio) {
                    reason = Some("length_ratio");
                }
            }
        }
        if reason.is_none() && opts.exact_duplicates && prompts_seen.contains(&r.prompt) {
            reason = Some("exact_duplicate");
        }
        let mut sig = None;
        let mut set = None;
        if reason.is_none() {
            if let Some(threshold) = opts.near_duplicates {
                let s = shingles(&r.prompt);
                let g = signature(&s);
                let mut candidates: HashSet<usize> = HashSet::new();
                for b in 0..BANDS {
                    let key: [u64; ROWS] = g[b * ROWS..(b + 1) * ROWS].try_into().expect("band");
                    if let Some(v) = buckets.get(&(b, key)) {
                        candidates.extend(v);
                    }
                }
                if candidates
                    .iter()
                    .any(|&k| jaccard(&s, &kept_shingles[k]) >= threshold)
                {
                    reason = Some("near_duplicate");
                }
                sig = Some(g);
                set = Some(s);
            }
        }
        match reason {
            Some(why) => *report.dropped.entry(why.to_string()).or_default() += 1,
            None => {
                prompts_seen.insert(r.prompt.clone());
                if let (Some(g), Some(s)) = (sig, set) {
                    let k = kept_shingles.len();
                    kept_shingles.push(s);
                    for b in 0..BANDS {
                        let key: [u64; ROWS] =
                            g[b * ROWS..(b + 1) * ROWS].try_into().expect("band");
                        buckets.entry((b, key)).or_default().push(k);
                    }
                }
                kept.push(r);
            }
        }
    }
    report.kept = kept.len();
    Ok((kept, report))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(p: &str) -> SftRecord {
        SftRecord::new("s", "kaz_Cyrl", "topic", "x", "", "m", p, "жауап")
    }

    #[test]
    fn exact_and_near_duplicates() {
        let base = "Қазақ халқының дәстүрлі тағамдары туралы толық айтып беріңізші";
        let near = "Қазақ халқының дәстүрлі тағамдары туралы толық айтып беріңіз";
        let other = "Абай Құнанбайұлының өлеңдерінің негізгі тақырыптары қандай?";
        assert!(jaccard(&shingles(base), &shingles(near)) > 0.9);
        let recs = vec![rec(base), rec(base), rec(near), rec(other)];
        let opts = FilterOptions {
            language: None,
            lid: None,
            ratio: None,
            exact_duplicates: true,
            near_duplicates: Some(0.8),
        };
        let (kept, report) = filter(recs.clone(), &opts).unwrap();
        assert_eq!(
            kept.iter().map(|r| r.prompt.as_str()).collect::<Vec<_>>(),
            [base, other]
        );
        assert_eq!(report.dropped["exact_duplicate"], 1);
        assert_eq!(report.dropped["near_duplicate"], 1);
        let (kept, _) = filter(
            recs,
            &FilterOptions {
                near_duplicates: None,
                ..opts
            },
        )
        .unwrap();
        assert_eq!(kept.len(), 3);
    }
}
