//! Language identification: a character n-gram naive Bayes classifier over the 205 SIB-200
//! languages, trained from the SIB-200 train split.
//!
//! Each text is lower-cased and padded with a space at both ends; its features are all
//! character n-grams of orders 1–3 (with n-grams of multiplicity). A language `l` scores
//! `Σ_g log P(g | l)` with additive smoothing, `P(g | l) = (c_lg + α) / (N_l + α·V)`, where
//! `c_lg` counts n-gram `g` in language `l`'s training text, `N_l` all its n-grams and `V` the
//! n-grams seen in any language; the prediction is the best-scoring language. Scoring is sparse:
//! every language starts from `n · log(α / (N_l + α·V))` and only languages that saw `g` get a
//! correction, so one text costs its n-grams' posting lists, not 205 look-ups per n-gram.
//!
//! SIB-200's 205 languages include close neighbours (nine Arabic varieties, `zho_Hans` /
//! `zho_Hant`, Bokmål / Nynorsk); the held-out accuracy on the SIB-200 test split is measured
//! at training time, stored with the model and reported by `kakugo synth stats` (README:
//! "Synthesis").
//!
//! The trained model is cached as `$KAKUGO_CACHE/lid/sib200-<hash>.bin`, keyed by the sha256 of
//! the training and test files and the classifier version, so it is trained once per data set.
//!
//! The same identifier measures the off-target rate of translations ([`LanguageId::off_target_rate`]):
//! the share of outputs not identified as the language they should be in.
//!
//! ```
//! use kakugo_data::lid::LanguageId;
//! let lid = LanguageId::train(
//!     &["eng_Latn".into(), "deu_Latn".into()],
//!     &[(0, "the cat sat on the mat and the dog ran"), (1, "die Katze saß auf der Matte und der Hund lief")],
//! );
//! assert_eq!(lid.identify("the dog sat").language, "eng_Latn");
//! assert_eq!(lid.identify("der Hund lief").language, "deu_Latn");
//! ```

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::{sib200, DataSource, LoadedFiles, Split};
use kakugo_core::store::atomic::write_atomic;
use kakugo_core::store::hash::sha256_bytes;
use kakugo_core::{Error, Result};

/// Bump when features or smoothing change, so cached models are retrained.
const VERSION: &str = "kakugo-lid-1 orders=1..3 alpha=0.5 lowercase pad";
const MAX_ORDER: usize = 3;
const ALPHA: f64 = 0.5;
const MAGIC: &[u8] = b"KAKUGO-LID\n";

/// A prediction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Identification {
    /// FLORES-200 code of the best language.
    pub language: String,
    /// Mean per-n-gram log-likelihood margin over the second best (0 for empty text): a
    /// confidence that does not grow with text length.
    pub margin: f64,
}

/// Accuracy on the held-out split, measured when the model was trained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeldOut {
    /// e.g. "SIB-200 test".
    pub split: String,
    pub n: usize,
    pub correct: usize,
    pub accuracy: f64,
    /// Languages with the lowest accuracy, worst first (code, accuracy, most common confusion).
    pub worst: Vec<(String, f64, String)>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Header {
    version: String,
    labels: Vec<String>,
    data_sha256: String,
    heldout: Option<HeldOut>,
    n_grams: usize,
    n_postings: usize,
}

pub struct LanguageId {
    labels: Vec<String>,
    /// Per language: `log(α / (N_l + α·V))`, the log-probability of an unseen n-gram.
    unseen: Vec<f32>,
    /// n-gram hash → range in `postings`.
    index: HashMap<u64, (u32, u32)>,
    /// (language, `log((c_lg + α) / α)`) per n-gram, grouped by n-gram.
    postings: Vec<(u16, f32)>,
    data_sha256: String,
    heldout: Option<HeldOut>,
}

/// FNV-1a, stable across runs and platforms (the model file stores these hashes).
fn fnv(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The n-gram hashes of a text (orders 1..=MAX_ORDER over lower-cased, space-padded chars).
fn features(text: &str) -> Vec<u64> {
    let mut chars: Vec<char> = vec![' '];
    let mut last_space = true;
    for c in text.chars().flat_map(char::to_lowercase) {
        let c = if c.is_whitespace() { ' ' } else { c };
        if c == ' ' && last_space {
            continue;
        }
        last_space = c == ' ';
        chars.push(c);
    }
    if !last_space {
        chars.push(' ');
    }
    let mut out = Vec::with_capacity(chars.len() * MAX_ORDER);
    let mut buf = String::new();
    for start in 0..chars.len() {
        buf.clear();
        for n in 1..=MAX_ORDER {
            let Some(&c) = chars.get(start + n - 1) else {
                break;
            };
            buf.push(c);
            if n == 1 && c == ' ' {
                continue;
            }
            out.push(fnv(buf.as_bytes()) ^ (n as u64));
        }
    }
    out
}

impl LanguageId {
    /// Trains from `(label index, text)` pairs.
    pub fn train(labels: &[String], texts: &[(usize, &str)]) -> LanguageId {
        let mut counts: Vec<HashMap<u64, u32>> = vec![HashMap::new(); labels.len()];
        let mut totals = vec![0u64; labels.len()];
        for &(label, text) in texts {
            for f in features(text) {
                *counts[label].entry(f).or_default() += 1;
                totals[label] += 1;
            }
        }
        let mut triples: Vec<(u64, u16, f32)> = Vec::new();
        for (l, c) in counts.iter().enumerate() {
            for (&g, &n) in c {
                let bonus = ((f64::from(n) + ALPHA) / ALPHA).ln() as f32;
                triples.push((g, l as u16, bonus));
            }
        }
        triples.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut index = HashMap::new();
        let mut postings = Vec::with_capacity(triples.len());
        let mut i = 0;
        while i < triples.len() {
            let g = triples[i].0;
            let start = postings.len() as u32;
            while i < triples.len() && triples[i].0 == g {
                postings.push((triples[i].1, triples[i].2));
                i += 1;
            }
            index.insert(g, (start, postings.len() as u32 - start));
        }
        let v = index.len() as f64;
        let unseen = totals
            .iter()
            .map(|&n| (ALPHA / (n as f64 + ALPHA * v)).ln() as f32)
            .collect();
        LanguageId {
            labels: labels.to_vec(),
            unseen,
            index,
            postings,
            data_sha256: String::new(),
            heldout: None,
        }
    }

    /// The languages it knows (FLORES-200 codes).
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    pub fn knows(&self, code: &str) -> bool {
        self.labels.iter().any(|l| l == code)
    }

    /// Held-out accuracy measured at training time (`None` for models trained by [`Self::train`]).
    pub fn heldout(&self) -> Option<&HeldOut> {
        self.heldout.as_ref()
    }

    /// sha256 of the data it was trained and tested on.
    pub fn data_sha256(&self) -> &str {
        &self.data_sha256
    }

    /// Per-language scores (log-likelihoods) and the number of n-grams.
    fn scores(&self, text: &str) -> (Vec<f64>, usize) {
        let feats = features(text);
        let n = feats.len() as f64;
        let mut scores: Vec<f64> = self.unseen.iter().map(|&u| f64::from(u) * n).collect();
        for f in &feats {
            if let Some(&(start, len)) = self.index.get(f) {
                for &(l, bonus) in &self.postings[start as usize..(start + len) as usize] {
                    scores[l as usize] += f64::from(bonus);
                }
            }
        }
        (scores, feats.len())
    }

    /// The most likely language of `text`.
    pub fn identify(&self, text: &str) -> Identification {
        let (scores, n) = self.scores(text);
        let mut best = 0;
        let mut second = f64::NEG_INFINITY;
        for (i, &s) in scores.iter().enumerate() {
            if s > scores[best] {
                second = scores[best];
                best = i;
            } else if i != best && s > second {
                second = s;
            }
        }
        let margin = if n == 0 || !second.is_finite() {
            0.0
        } else {
            (scores[best] - second) / n as f64
        };
        Identification {
            language: self.labels[best].clone(),
            margin,
        }
    }

    /// Share of `texts` not identified as `expected` (a FLORES-200 code this model knows).
    pub fn off_target_rate<S: AsRef<str>>(&self, texts: &[S], expected: &str) -> Result<f64> {
        if !self.knows(expected) {
            return Err(Error::usage(format!(
                "the language identifier does not know `{expected}` (it knows the {} SIB-200 languages)",
                self.labels.len()
            )));
        }
        if texts.is_empty() {
            return Ok(0.0);
        }
        let off = texts
            .iter()
            .filter(|t| self.identify(t.as_ref()).language != expected)
            .count();
        Ok(off as f64 / texts.len() as f64)
    }

    /// Loads the model for the SIB-200 data under `sib200_root` from `cache_dir/lid/`, or trains
    /// it (and measures its test accuracy) and caches it.
    pub fn for_sib200(sib200_root: &Path, cache_dir: &Path) -> Result<LanguageId> {
        let source = DataSource::local(sib200_root);
        let languages: Vec<&'static kakugo_core::lang::Language> = kakugo_core::lang::all()
            .iter()
            .filter(|l| l.in_sib200)
            .collect();
        // Hash first (cheap), load the cached model when it matches.
        let mut hashes = String::from(VERSION);
        let mut paths = Vec::new();
        for l in &languages {
            for split in ["train", "test"] {
                let p = sib200_root.join(l.code).join(format!("{split}.tsv"));
                let bytes = std::fs::read(&p).map_err(|e| Error::io(&p, e))?;
                hashes.push_str(&format!("\n{} {}", l.code, sha256_bytes(&bytes)));
                paths.push(p);
            }
        }
        let data_sha256 = sha256_bytes(hashes.as_bytes());
        let cached = cache_dir
            .join("lid")
            .join(format!("sib200-{}.bin", &data_sha256[..16]));
        if cached.exists() {
            match Self::read(&cached) {
                Ok(m) if m.data_sha256 == data_sha256 => return Ok(m),
                Ok(_) => tracing::warn!("{}: trained on other data; retraining", cached.display()),
                Err(e) => tracing::warn!("{e}; retraining"),
            }
        }
        let started = std::time::Instant::now();
        let labels: Vec<String> = languages.iter().map(|l| l.code.to_string()).collect();
        let mut files = LoadedFiles::default();
        let mut train = Vec::new();
        let mut test = Vec::new();
        for (i, l) in languages.iter().enumerate() {
            for doc in sib200::load(&source, l, Split::Train, &mut files)? {
                train.push((i, doc.fields["text"].clone()));
            }
            for doc in sib200::load(&source, l, Split::Test, &mut files)? {
                test.push((i, doc.fields["text"].clone()));
            }
        }
        let train_refs: Vec<(usize, &str)> = train.iter().map(|(i, t)| (*i, t.as_str())).collect();
        let mut model = Self::train(&labels, &train_refs);
        model.data_sha256 = data_sha256;
        model.heldout = Some(model.evaluate("SIB-200 test", &test));
        let h = model.heldout.as_ref().expect("just set");
        tracing::info!(
            "trained the language identifier on {} SIB-200 train sentences in {:.1}s; held-out accuracy {:.4} ({} / {})",
            train.len(),
            started.elapsed().as_secs_f64(),
            h.accuracy,
            h.correct,
            h.n
        );
        model.write(&cached)?;
        Ok(model)
    }

    /// Accuracy on labelled texts.
    pub fn evaluate(&self, split: &str, texts: &[(usize, String)]) -> HeldOut {
        let mut per: Vec<(usize, usize, HashMap<usize, usize>)> =
            vec![(0, 0, HashMap::new()); self.labels.len()];
        let mut correct = 0;
        for (gold, text) in texts {
            let predicted = self.identify(text).language;
            let p = self
                .labels
                .iter()
                .position(|l| *l == predicted)
                .unwrap_or(0);
            per[*gold].1 += 1;
            if p == *gold {
                correct += 1;
                per[*gold].0 += 1;
            } else {
                *per[*gold].2.entry(p).or_default() += 1;
            }
        }
        let mut worst: Vec<(String, f64, String)> = per
            .iter()
            .enumerate()
            .filter(|(_, p)| p.1 > 0)
            .map(|(i, (c, n, conf))| {
                let confusion = conf
                    .iter()
                    .max_by_key(|(l, k)| (**k, std::cmp::Reverse(**l)))
                    .map(|(l, _)| self.labels[*l].clone())
                    .unwrap_or_default();
                (self.labels[i].clone(), *c as f64 / *n as f64, confusion)
            })
            .collect();
        worst.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        worst.truncate(10);
        HeldOut {
            split: split.to_string(),
            n: texts.len(),
            correct,
            accuracy: if texts.is_empty() {
                0.0
            } else {
                correct as f64 / texts.len() as f64
            },
            worst,
        }
    }

    /// Binary layout: magic, header JSON line, then `unseen` (f32), then per n-gram
    /// (hash u64, count u32, count × (language u16, bonus f32)), all little-endian.
    fn write(&self, path: &Path) -> Result<()> {
        let header = Header {
            version: VERSION.into(),
            labels: self.labels.clone(),
            data_sha256: self.data_sha256.clone(),
            heldout: self.heldout.clone(),
            n_grams: self.index.len(),
            n_postings: self.postings.len(),
        };
        let mut out = Vec::with_capacity(self.postings.len() * 6 + self.index.len() * 12);
        out.extend_from_slice(MAGIC);
        serde_json::to_writer(&mut out, &header).expect("header serialises");
        out.push(b'\n');
        for u in &self.unseen {
            out.extend_from_slice(&u.to_le_bytes());
        }
        let mut grams: Vec<(&u64, &(u32, u32))> = self.index.iter().collect();
        grams.sort_unstable();
        for (g, &(start, len)) in grams {
            out.write_all(&g.to_le_bytes()).expect("vec write");
            out.extend_from_slice(&len.to_le_bytes());
            for (l, b) in &self.postings[start as usize..(start + len) as usize] {
                out.extend_from_slice(&l.to_le_bytes());
                out.extend_from_slice(&b.to_le_bytes());
            }
        }
        write_atomic(path, &out)
    }

    fn read(path: &Path) -> Result<LanguageId> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let bad = |m: &str| Error::file(path, format!("language identifier model: {m}"));
        let rest = bytes.strip_prefix(MAGIC).ok_or_else(|| bad("bad magic"))?;
        let nl = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(|| bad("no header"))?;
        let header: Header =
            serde_json::from_slice(&rest[..nl]).map_err(|e| bad(&format!("header: {e}")))?;
        if header.version != VERSION {
            return Err(bad(&format!(
                "version `{}`, expected `{VERSION}`",
                header.version
            )));
        }
        let mut r = Reader(&rest[nl + 1..]);
        let unseen = (0..header.labels.len())
            .map(|_| r.f32())
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| bad("truncated"))?;
        let mut index = HashMap::with_capacity(header.n_grams);
        let mut postings = Vec::with_capacity(header.n_postings);
        for _ in 0..header.n_grams {
            let g = r.u64().ok_or_else(|| bad("truncated"))?;
            let len = r.u32().ok_or_else(|| bad("truncated"))?;
            let start = postings.len() as u32;
            for _ in 0..len {
                let l = r.u16().ok_or_else(|| bad("truncated"))?;
                let b = r.f32().ok_or_else(|| bad("truncated"))?;
                if usize::from(l) >= header.labels.len() {
                    return Err(bad("language index out of range"));
                }
                postings.push((l, b));
            }
            index.insert(g, (start, len));
        }
        if !r.0.is_empty() {
            return Err(bad("trailing bytes"));
        }
        Ok(LanguageId {
            labels: header.labels,
            unseen,
            index,
            postings,
            data_sha256: header.data_sha256,
            heldout: header.heldout,
        })
    }
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let (head, tail) = self.0.split_at_checked(N)?;
        self.0 = tail;
        head.try_into().ok()
    }
    fn u16(&mut self) -> Option<u16> {
        self.take().map(u16::from_le_bytes)
    }
    fn u32(&mut self) -> Option<u32> {
        self.take().map(u32::from_le_bytes)
    }
    fn u64(&mut self) -> Option<u64> {
        self.take().map(u64::from_le_bytes)
    }
    fn f32(&mut self) -> Option<f32> {
        self.take().map(f32::from_le_bytes)
    }
}

/// The default data and cache locations: `<data>/sib200` and `$KAKUGO_CACHE`.
pub fn default_paths(data_root: &Path) -> (PathBuf, PathBuf) {
    (data_root.join("sib200"), kakugo_core::paths::cache_dir())
}

impl LanguageId {
    /// The identifier for the SIB-200 copy under `data_root` ([`default_paths`]), trained on
    /// first use and cached; a clear error when the data root holds no SIB-200.
    pub fn for_data_root(data_root: &Path) -> Result<LanguageId> {
        let (sib200, cache) = default_paths(data_root);
        if !sib200.is_dir() {
            return Err(Error::usage_hint(
                format!(
                    "{} does not exist: the language identifier trains on SIB-200",
                    sib200.display()
                ),
                "pass --data or set KAKUGO_DATA to the directory holding sib200/",
            ));
        }
        LanguageId::for_sib200(&sib200, &cache)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_are_padded_lowercase_ngrams() {
        // "Ab" → " ab " : 1-grams a, b (space skipped); 2-grams " a", "ab", "b "; 3-grams " ab", "ab ".
        assert_eq!(features("Ab").len(), 2 + 3 + 2);
        assert_eq!(features("Ab"), features("  ab  "));
        assert!(features("").is_empty());
    }

    #[test]
    fn writes_and_reads_back_identically() {
        let labels = vec!["eng_Latn".to_string(), "kaz_Cyrl".to_string()];
        let mut lid = LanguageId::train(
            &labels,
            &[
                (0, "good morning, how are you"),
                (1, "қайырлы таң, қалыңыз қалай"),
            ],
        );
        lid.data_sha256 = "x".into();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.bin");
        lid.write(&path).unwrap();
        let back = LanguageId::read(&path).unwrap();
        for text in ["how are you", "қалай", "таң"] {
            assert_eq!(back.identify(text), lid.identify(text));
        }
        assert_eq!(back.identify("қалай").language, "kaz_Cyrl");
        assert_eq!(
            lid.off_target_rate(&["how", "қалай"], "eng_Latn").unwrap(),
            0.5
        );
        // A cut-off file is an error naming it, not a panic.
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
        let err = LanguageId::read(&path).err().unwrap().to_string();
        assert!(err.contains("m.bin") && err.contains("truncated"), "{err}");
    }
}
