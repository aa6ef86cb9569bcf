//! `kakugo synth stats`: how much, how varied, how on-language and how fluent a data set is.
//!
//! Per data set, for prompts and responses separately:
//! - **length**: characters, as min / p25 / median / p75 / max / mean;
//! - **distinct-n** (Li et al., 2016): distinct word n-grams ÷ all word n-grams, n = 1, 2
//!   (words = whitespace-separated tokens);
//! - **self-similarity**: mean Jaccard similarity of the character-3-gram sets of all pairs in a
//!   seeded sample of up to `sample` texts (0 = all different, 1 = all identical);
//! - **language fidelity**: share of texts the language identifier ([`super::lid`]) places in
//!   the target language (texts of the records' own `language` unless `--language` is given);
//! - **perplexity** (optional, with a reference model): `exp(−Σ log p(response | prompt) / Σ
//!   tokens)` over a seeded sample, the response scored as a continuation of `prompt + "\n"`.
//!
//! Plus duplicate rates (exact prompts; exact prompt–response pairs).
//!
//! **Combined z-score** (when several files are compared), in the spirit of the intrinsic half
//! of the Polyglot Score (PolyglotTeachers): for each measure `m` in {prompt diversity =
//! 1 − prompt self-similarity, response diversity = 1 − response self-similarity, language
//! fidelity (mean of prompts and responses), −log1p(perplexity) when every file has one},
//! `z_m(f) = (m(f) − mean_m) / sd_m` across the files (population sd; 0 when sd = 0), and
//! `combined(f) = mean_m z_m(f)`. The paper's rubric score (an LLM judge) is not included.

use std::collections::{BTreeMap, HashSet};

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::lid::LanguageId;
use super::record::SftRecord;
use kakugo_core::Result;
use kakugo_model::{ChoiceGroup, LanguageModel};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Distribution {
    pub min: usize,
    pub p25: usize,
    pub median: usize,
    pub p75: usize,
    pub max: usize,
    pub mean: f64,
}

impl Distribution {
    /// Nearest-rank percentiles of `values`; `None` when empty.
    pub fn of(values: &[usize]) -> Option<Distribution> {
        if values.is_empty() {
            return None;
        }
        let mut v = values.to_vec();
        v.sort_unstable();
        let rank = |p: f64| v[((p * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1];
        Some(Distribution {
            min: v[0],
            p25: rank(0.25),
            median: rank(0.5),
            p75: rank(0.75),
            max: v[v.len() - 1],
            mean: v.iter().sum::<usize>() as f64 / v.len() as f64,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TextStats {
    pub chars: Option<Distribution>,
    pub distinct_1: f64,
    pub distinct_2: f64,
    pub self_similarity: f64,
    /// Share identified as the target language (`None` when the identifier lacks it).
    pub language_fidelity: Option<f64>,
    /// Most frequent identified languages (code, share), top 3.
    pub identified: Vec<(String, f64)>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DataStats {
    pub file: String,
    pub records: usize,
    pub languages: BTreeMap<String, usize>,
    pub strategies: BTreeMap<String, usize>,
    pub duplicate_prompt_rate: f64,
    pub duplicate_pair_rate: f64,
    pub prompts: TextStats,
    pub responses: TextStats,
    pub perplexity: Option<f64>,
    /// Across the files given together; `None` for a single file.
    pub combined_z: Option<f64>,
}

/// Distinct word n-grams ÷ total word n-grams over `texts`.
pub fn distinct_n(texts: &[&str], n: usize) -> f64 {
    let mut seen = HashSet::new();
    let mut total = 0usize;
    for t in texts {
        let words: Vec<&str> = t.split_whitespace().collect();
        for w in words.windows(n) {
            total += 1;
            seen.insert(w.join(" "));
        }
    }
    if total == 0 {
        0.0
    } else {
        seen.len() as f64 / total as f64
    }
}

fn char_trigrams(text: &str) -> HashSet<String> {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() < 3 {
        return std::iter::once(text.to_string()).collect();
    }
    chars.windows(3).map(|w| w.iter().collect()).collect()
}

/// Jaccard similarity of two sets (1 for two empty sets).
pub fn jaccard<T: std::hash::Hash + Eq>(a: &HashSet<T>, b: &HashSet<T>) -> f64 {
    let inter = a.intersection(b).count();
    let union = a.len() + b.len() - inter;
    if union == 0 {
        1.0
    } else {
        inter as f64 / union as f64
    }
}

/// Mean pairwise character-3-gram Jaccard over a seeded sample of at most `sample` texts.
pub fn self_similarity(texts: &[&str], sample: usize, seed: u64) -> f64 {
    let mut idx: Vec<usize> = (0..texts.len()).collect();
    idx.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    idx.truncate(sample);
    let sets: Vec<HashSet<String>> = idx.iter().map(|&i| char_trigrams(texts[i])).collect();
    let mut sum = 0.0;
    let mut pairs = 0usize;
    for i in 0..sets.len() {
        for j in i + 1..sets.len() {
            sum += jaccard(&sets[i], &sets[j]);
            pairs += 1;
        }
    }
    if pairs == 0 {
        0.0
    } else {
        sum / pairs as f64
    }
}

fn text_stats(
    texts: &[&str],
    expected: &[&str],
    lid: Option<&LanguageId>,
    sample: usize,
    seed: u64,
) -> TextStats {
    let lengths: Vec<usize> = texts.iter().map(|t| t.chars().count()).collect();
    let (fidelity, identified) = match lid {
        Some(lid) if expected.iter().all(|e| lid.knows(e)) && !texts.is_empty() => {
            let mut counts: BTreeMap<String, usize> = BTreeMap::new();
            let mut hits = 0usize;
            for (t, e) in texts.iter().zip(expected) {
                let got = lid.identify(t).language;
                hits += usize::from(got == *e);
                *counts.entry(got).or_default() += 1;
            }
            let mut top: Vec<(String, f64)> = counts
                .into_iter()
                .map(|(l, c)| (l, c as f64 / texts.len() as f64))
                .collect();
            top.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            top.truncate(3);
            (Some(hits as f64 / texts.len() as f64), top)
        }
        _ => (None, Vec::new()),
    };
    TextStats {
        chars: Distribution::of(&lengths),
        distinct_1: distinct_n(texts, 1),
        distinct_2: distinct_n(texts, 2),
        self_similarity: self_similarity(texts, sample, seed),
        language_fidelity: fidelity,
        identified,
    }
}

/// Options of [`stats`].
pub struct StatsOptions<'a> {
    /// Target language (FLORES code) instead of each record's `language`.
    pub language: Option<&'a str>,
    pub lid: Option<&'a LanguageId>,
    /// Texts sampled for self-similarity.
    pub sample: usize,
    pub seed: u64,
    /// Reference model for perplexity and how many records to score.
    pub ppl_model: Option<&'a mut dyn LanguageModel>,
    pub ppl_sample: usize,
}

/// The measures of one data set (`combined_z` is filled by [`combine`]).
pub fn stats(file: &str, records: &[SftRecord], opts: StatsOptions<'_>) -> Result<DataStats> {
    let prompts: Vec<&str> = records.iter().map(|r| r.prompt.as_str()).collect();
    let responses: Vec<&str> = records.iter().map(|r| r.response.as_str()).collect();
    let expected: Vec<&str> = records
        .iter()
        .map(|r| opts.language.unwrap_or(r.language.as_str()))
        .collect();
    let mut languages = BTreeMap::new();
    let mut strategies = BTreeMap::new();
    for r in records {
        *languages.entry(r.language.clone()).or_default() += 1;
        *strategies.entry(r.strategy.clone()).or_default() += 1;
    }
    let rate = |distinct: usize| {
        if records.is_empty() {
            0.0
        } else {
            1.0 - distinct as f64 / records.len() as f64
        }
    };
    let distinct_prompts = prompts.iter().collect::<HashSet<_>>().len();
    let distinct_pairs = records
        .iter()
        .map(|r| (&r.prompt, &r.response))
        .collect::<HashSet<_>>()
        .len();
    let perplexity = match opts.ppl_model {
        Some(model) if !records.is_empty() => {
            let mut idx: Vec<usize> = (0..records.len()).collect();
            idx.shuffle(&mut ChaCha8Rng::seed_from_u64(opts.seed));
            idx.truncate(opts.ppl_sample.max(1));
            let groups: Vec<ChoiceGroup> = idx
                .iter()
                .map(|&i| ChoiceGroup {
                    context: format!("{}\n", records[i].prompt),
                    continuations: vec![records[i].response.clone()],
                })
                .collect();
            let scores = model.loglikelihood(&groups)?;
            let (lp, n) = scores
                .iter()
                .flatten()
                .fold((0.0, 0usize), |(lp, n), s| (lp + s.logprob, n + s.n_tokens));
            (n > 0).then(|| (-lp / n as f64).exp())
        }
        _ => None,
    };
    Ok(DataStats {
        file: file.to_string(),
        records: records.len(),
        languages,
        strategies,
        duplicate_prompt_rate: rate(distinct_prompts),
        duplicate_pair_rate: rate(distinct_pairs),
        prompts: text_stats(&prompts, &expected, opts.lid, opts.sample, opts.seed),
        responses: text_stats(&responses, &expected, opts.lid, opts.sample, opts.seed),
        perplexity,
        combined_z: None,
    })
}

/// Fills `combined_z` of each data set (see the module doc) when there are at least two.
pub fn combine(sets: &mut [DataStats]) {
    if sets.len() < 2 {
        return;
    }
    let mut measures: Vec<Vec<f64>> = vec![
        sets.iter()
            .map(|s| 1.0 - s.prompts.self_similarity)
            .collect(),
        sets.iter()
            .map(|s| 1.0 - s.responses.self_similarity)
            .collect(),
    ];
    if sets
        .iter()
        .all(|s| s.prompts.language_fidelity.is_some() && s.responses.language_fidelity.is_some())
    {
        measures.push(
            sets.iter()
                .map(|s| {
                    (s.prompts.language_fidelity.unwrap_or(0.0)
                        + s.responses.language_fidelity.unwrap_or(0.0))
                        / 2.0
                })
                .collect(),
        );
    }
    if sets.iter().all(|s| s.perplexity.is_some()) {
        measures.push(
            sets.iter()
                .map(|s| -(s.perplexity.unwrap_or(0.0)).ln_1p())
                .collect(),
        );
    }
    let z: Vec<Vec<f64>> = measures.iter().map(|m| zscores(m)).collect();
    for (i, s) in sets.iter_mut().enumerate() {
        s.combined_z = Some(z.iter().map(|m| m[i]).sum::<f64>() / z.len() as f64);
    }
}

/// `(x − mean) / sd` with the population sd; all zeros when sd = 0.
pub fn zscores(xs: &[f64]) -> Vec<f64> {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n).sqrt();
    xs.iter()
        .map(|x| if sd > 0.0 { (x - mean) / sd } else { 0.0 })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_on_known_inputs() {
        // 4 unigrams, 3 distinct; 2 bigrams... "a b a" → bigrams "a b","b a" distinct 2 of 2.
        assert_eq!(distinct_n(&["a b a", "c"], 1), 0.75);
        assert_eq!(distinct_n(&["a b a", "c"], 2), 1.0);
        let d = Distribution::of(&[5, 1, 3, 2, 4]).unwrap();
        assert_eq!(
            (d.min, d.p25, d.median, d.p75, d.max, d.mean),
            (1, 2, 3, 4, 5, 3.0)
        );
        // "abcd" → {abc, bcd}; "abce" → {abc, bce}: 1 shared of 3.
        assert!((self_similarity(&["abcd", "abce"], 10, 0) - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(self_similarity(&["same text", "same text"], 10, 0), 1.0);
        assert_eq!(zscores(&[1.0, 3.0]), [-1.0, 1.0]);
        assert_eq!(zscores(&[2.0, 2.0]), [0.0, 0.0]);
    }

    #[test]
    fn duplicates_and_combined_score() {
        let r =
            |p: &str, resp: &str| SftRecord::new("s", "kaz_Cyrl", "topic", "x", "", "m", p, resp);
        let recs = vec![
            r("a b c", "x y"),
            r("a b c", "x y"),
            r("a b c", "z w"),
            r("d e f", "q"),
        ];
        let opts = || StatsOptions {
            language: None,
            lid: None,
            sample: 100,
            seed: 1,
            ppl_model: None,
            ppl_sample: 0,
        };
        let s = stats("f", &recs, opts()).unwrap();
        assert_eq!(
            (s.records, s.duplicate_prompt_rate, s.duplicate_pair_rate),
            (4, 0.5, 0.25)
        );
        assert_eq!(s.prompts.language_fidelity, None);
        let varied = vec![r("one thing", "alpha"), r("quite another", "omega")];
        let mut both = vec![s, stats("g", &varied, opts()).unwrap()];
        combine(&mut both);
        // The varied set is more diverse on both measures: z = +1 each, the other −1.
        let (a, b) = (both[0].combined_z.unwrap(), both[1].combined_z.unwrap());
        assert!(
            (a + 1.0).abs() < 1e-12 && (b - 1.0).abs() < 1e-12,
            "{a} {b}"
        );
    }
}
