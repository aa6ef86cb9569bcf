//! Metrics: one metric, one module; per-item sufficient statistics summed for corpus scores.
//!
//! - [`accuracy`]: multiple-choice picks under four length normalisations; mean ± stderr.
//! - [`chrf`]: chrF / chrF++ exactly as sacrebleu 2.6.0.
//! - [`bleu`]: BLEU with 13a tokenization and exponential smoothing, as sacrebleu 2.6.0.
//! - [`bootstrap`]: seeded bootstrap standard errors from per-item statistics or values.
//! - [`segments`]: parallel hypothesis/reference files, read as sacrebleu's command line does.
//!
//! [`Metric`] is what a suite names (serde reads it from TOML, so an unknown name fails when
//! the suite is read and the error lists the valid ones). A corpus metric (chrF++, chrF, BLEU)
//! keeps per-item statistics and scores their sum; a mean metric (the accuracies) averages
//! per-item values. [`Score`] carries a value with its label and signature and prints them
//! like sacrebleu.
//!
//! ```
//! use kakugo_metrics::Metric;
//! let m: Metric = serde_json::from_str("\"chrf++\"").unwrap();
//! assert!(m.is_corpus());
//! let s = m.segment_stats("a dog ran", &["the dog runs"]).unwrap();
//! // sacrebleu 2.6.0: CHRF(word_order=2).sentence_score("a dog ran", ["the dog runs"])
//! assert!((m.corpus_score(&s).unwrap() - 20.69588906416028).abs() < 1e-9);
//! ```

pub mod accuracy;
pub mod bleu;
pub mod bootstrap;
pub mod chrf;
pub mod ngram;
pub mod segments;

use serde::{Deserialize, Serialize};

pub use accuracy::{mean_stderr, Normalization};
pub use bootstrap::bootstrap_stderr;

use bleu::Bleu;
use chrf::ChrF;

/// The sacrebleu release whose behaviour the sacrebleu-style metrics reproduce.
pub const SACREBLEU_VERSION: &str = "2.6.0";
/// Recorded in every signature, so a score says which kakugo computed it.
pub const KAKUGO_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The metrics a suite can ask for. Unknown names fail when the suite is read, listing these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Metric {
    /// Accuracy: the choice with the highest summed log-probability.
    #[serde(rename = "acc")]
    Acc,
    /// Accuracy after dividing each choice's log-probability by its length in characters
    /// (Unicode scalar values, as lm-evaluation-harness's `len(choice)`).
    #[serde(rename = "acc_norm")]
    AccNorm,
    /// Accuracy after dividing by the length in UTF-8 bytes.
    #[serde(rename = "acc_bytes")]
    AccBytes,
    /// Accuracy after dividing by the number of continuation tokens.
    #[serde(rename = "acc_tokens")]
    AccTokens,
    /// chrF++ (sacrebleu `CHRF(word_order=2)`), corpus level.
    #[serde(rename = "chrf++")]
    ChrfPlusPlus,
    /// chrF (sacrebleu `CHRF()`, word order 0), corpus level.
    #[serde(rename = "chrf")]
    Chrf,
    /// BLEU (sacrebleu `BLEU()`: 13a tokens, exponential smoothing), corpus level.
    #[serde(rename = "bleu")]
    Bleu,
    /// Share of translations (en→xx) that the character n-gram language identifier
    /// (`synth::lid`, trained on SIB-200) places in another language than the target, in
    /// points: 100 per off-target item, averaged. Lower is better.
    #[serde(rename = "off_target")]
    OffTarget,
}

impl Metric {
    pub const ALL: [Metric; 8] = [
        Metric::Acc,
        Metric::AccNorm,
        Metric::AccBytes,
        Metric::AccTokens,
        Metric::ChrfPlusPlus,
        Metric::Chrf,
        Metric::Bleu,
        Metric::OffTarget,
    ];

    /// The name a suite uses (the serde name).
    pub fn name(self) -> &'static str {
        match self {
            Metric::Acc => "acc",
            Metric::AccNorm => "acc_norm",
            Metric::AccBytes => "acc_bytes",
            Metric::AccTokens => "acc_tokens",
            Metric::ChrfPlusPlus => "chrf++",
            Metric::Chrf => "chrf",
            Metric::Bleu => "bleu",
            Metric::OffTarget => "off_target",
        }
    }

    /// The metric called `name`, if any.
    pub fn from_name(name: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.name() == name)
    }

    /// Corpus metrics are computed from summed per-item statistics, not averaged.
    pub fn is_corpus(self) -> bool {
        matches!(self, Metric::ChrfPlusPlus | Metric::Chrf | Metric::Bleu)
    }

    /// Metrics of generated translations (the corpus metrics and the off-target rate), as
    /// opposed to the accuracies of multiple-choice tasks.
    pub fn for_translation(self) -> bool {
        self.normalization().is_none()
    }

    /// For an accuracy metric, how choices are normalised before they are compared.
    pub fn normalization(self) -> Option<Normalization> {
        match self {
            Metric::Acc => Some(Normalization::None),
            Metric::AccNorm => Some(Normalization::Chars),
            Metric::AccBytes => Some(Normalization::Bytes),
            Metric::AccTokens => Some(Normalization::Tokens),
            Metric::ChrfPlusPlus | Metric::Chrf | Metric::Bleu | Metric::OffTarget => None,
        }
    }

    /// Every setting that determines the value, and the kakugo version: sacrebleu's signature
    /// (one reference) for the corpus metrics, e.g.
    /// `acc_norm|norm:chars|agg:mean|kakugo:0.1.0` for the accuracies.
    pub fn signature(self) -> String {
        match (self, self.normalization()) {
            (Metric::ChrfPlusPlus, _) => ChrF::chrf_plus_plus().signature(1),
            (Metric::Chrf, _) => ChrF::plain().signature(1),
            (Metric::Bleu, _) => Bleu::corpus().signature(1),
            (Metric::OffTarget, _) => {
                format!("off_target|lid:sib200-char-ngram|agg:mean|kakugo:{KAKUGO_VERSION}")
            }
            (_, Some(norm)) => format!(
                "{}|norm:{}|agg:mean|kakugo:{KAKUGO_VERSION}",
                self.name(),
                norm.name()
            ),
            (_, None) => unreachable!("every mean metric has a normalisation"),
        }
    }

    /// Per-item sufficient statistics of a corpus metric; `None` for a mean metric.
    pub fn segment_stats(self, hyp: &str, refs: &[&str]) -> Option<Vec<f64>> {
        match self {
            Metric::ChrfPlusPlus => Some(ChrF::chrf_plus_plus().segment_stats(hyp, refs)),
            Metric::Chrf => Some(ChrF::plain().segment_stats(hyp, refs)),
            Metric::Bleu => Some(Bleu::corpus().segment_stats(hyp, refs)),
            _ => None,
        }
    }

    /// Corpus score (0–100) from summed statistics; `None` for a mean metric.
    pub fn corpus_score(self, summed_stats: &[f64]) -> Option<f64> {
        match self {
            Metric::ChrfPlusPlus => Some(ChrF::chrf_plus_plus().score(summed_stats)),
            Metric::Chrf => Some(ChrF::plain().score(summed_stats)),
            Metric::Bleu => Some(Bleu::corpus().score(summed_stats)),
            _ => None,
        }
    }
}

impl std::fmt::Display for Metric {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Corpus score, in points (0–100), of a corpus metric (`chrf++`, `chrf`, `bleu`) from its
/// summed per-item sufficient statistics (`ItemScore::stats`). `None` for any other name.
/// Reports and `kakugo compare` resample per-item statistics and call this.
pub fn corpus_score_from_stats(metric: &str, summed_stats: &[f64]) -> Option<f64> {
    Metric::from_name(metric)?.corpus_score(summed_stats)
}

/// Element-wise sum of per-item statistics (`width` zeros when there are none).
pub fn sum_stats(items: &[Vec<f64>], width: usize) -> Vec<f64> {
    let mut sum = vec![0.0; width];
    for s in items {
        for (a, b) in sum.iter_mut().zip(s) {
            *a += b;
        }
    }
    sum
}

/// A score with its label and signature, printed as sacrebleu prints one.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    /// `chrF2++`, `BLEU`, ...
    pub name: String,
    /// 0–100.
    pub value: f64,
    pub signature: String,
    /// What sacrebleu prints after the value (BLEU's precisions and brevity penalty).
    pub verbose: Option<String>,
}

impl Score {
    /// sacrebleu's text line: `chrF2++|nrefs:1|…|version:2.6.0|kakugo:0.1.0 = 63.11`, or
    /// `chrF2++ = 63.11` without the signature (Python's `str(score)`).
    pub fn text(&self, width: usize, with_signature: bool) -> String {
        let mut out = self.name.clone();
        if with_signature {
            out.push('|');
            out.push_str(&self.signature);
        }
        out.push_str(&format!(" = {:.width$}", self.value));
        if let Some(v) = &self.verbose {
            out.push(' ');
            out.push_str(v);
        }
        out
    }

    /// sacrebleu's JSON object: name, score rounded to `width` decimals, signature, the
    /// verbose part if any, then each signature field as a string.
    pub fn json(&self, width: usize) -> serde_json::Value {
        let rounded: f64 = format!("{:.width$}", self.value)
            .parse()
            .expect("a formatted float parses");
        let mut d = serde_json::Map::new();
        d.insert("name".into(), self.name.clone().into());
        d.insert("score".into(), rounded.into());
        d.insert("signature".into(), self.signature.clone().into());
        if let Some(v) = &self.verbose {
            d.insert("verbose_score".into(), v.clone().into());
        }
        for field in self.signature.split('|') {
            if let Some((k, v)) = field.split_once(':') {
                d.insert(k.into(), v.into());
            }
        }
        serde_json::Value::Object(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_serde() {
        for m in Metric::ALL {
            let parsed: Metric = serde_json::from_str(&format!("\"{}\"", m.name())).unwrap();
            assert_eq!(parsed, m);
            assert_eq!(Metric::from_name(m.name()), Some(m));
            assert_eq!(
                serde_json::to_string(&m).unwrap(),
                format!("\"{}\"", m.name())
            );
        }
    }

    #[test]
    fn unknown_metric_lists_the_valid_ones() {
        #[derive(Deserialize)]
        struct Task {
            #[allow(dead_code)]
            metrics: Vec<Metric>,
        }
        let err = toml::from_str::<Task>("metrics = [\"chrf\", \"accuracy\"]")
            .err()
            .expect("unknown metric must fail")
            .to_string();
        for m in Metric::ALL {
            assert!(err.contains(&format!("`{}`", m.name())), "{err}");
        }
        assert!(err.contains("accuracy"), "{err}");
    }

    #[test]
    fn corpus_and_mean_metrics() {
        assert!(Metric::Bleu.is_corpus() && Metric::Chrf.is_corpus());
        assert!(!Metric::AccBytes.is_corpus());
        assert_eq!(Metric::AccTokens.segment_stats("a", &["a"]), None);
        assert_eq!(corpus_score_from_stats("acc", &[1.0]), None);
        assert_eq!(corpus_score_from_stats("chrF++", &[1.0]), None);
        let s = Metric::Bleu.segment_stats("a b c d", &["a b c d"]).unwrap();
        assert!((corpus_score_from_stats("bleu", &s).unwrap() - 100.0).abs() < 1e-9);
        assert_eq!(
            Metric::AccNorm.signature(),
            format!("acc_norm|norm:chars|agg:mean|kakugo:{KAKUGO_VERSION}")
        );
        assert!(Metric::ChrfPlusPlus.signature().contains("|nw:2|"));
        assert!(Metric::Chrf.signature().contains("|nw:0|"));
    }

    #[test]
    fn score_prints_like_sacrebleu() {
        let s = Score {
            name: "chrF2++".into(),
            value: 63.11_4,
            signature: "nrefs:1|case:mixed".into(),
            verbose: None,
        };
        assert_eq!(s.text(2, false), "chrF2++ = 63.11");
        assert_eq!(s.text(2, true), "chrF2++|nrefs:1|case:mixed = 63.11");
        assert_eq!(
            s.json(2).to_string(),
            r#"{"name":"chrF2++","score":63.11,"signature":"nrefs:1|case:mixed","nrefs":"1","case":"mixed"}"#
        );
    }
}
