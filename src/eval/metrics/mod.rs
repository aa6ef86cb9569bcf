//! Metrics: one metric, one module; per-item sufficient statistics summed for corpus scores.

pub mod chrf;

/// Corpus score, in points (0–100), of a corpus metric from its summed per-item sufficient
/// statistics (`ItemScore::stats`). `None` for a metric that is not a corpus metric.
/// Reports and `kakugo compare` resample per-item statistics and call this.
pub fn corpus_score_from_stats(metric: &str, summed_stats: &[f64]) -> Option<f64> {
    match metric {
        "chrf++" => Some(chrf::ChrF::chrf_plus_plus().score(summed_stats)),
        "chrf" => Some(chrf::ChrF::plain().score(summed_stats)),
        _ => None,
    }
}

use rand::{Rng, SeedableRng};
use serde::Deserialize;

/// The metrics a suite can ask for. Unknown names fail when the suite is read, listing these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
pub enum Metric {
    /// Accuracy: the choice with the highest summed log-probability.
    #[serde(rename = "acc")]
    Acc,
    /// Accuracy after dividing each choice's log-probability by its length in characters
    /// (Unicode scalar values, as lm-evaluation-harness's `len(choice)`).
    #[serde(rename = "acc_norm")]
    AccNorm,
    /// chrF++ (sacrebleu `CHRF(word_order=2)`), corpus level.
    #[serde(rename = "chrf++")]
    ChrfPlusPlus,
    /// chrF (word order 0), corpus level.
    #[serde(rename = "chrf")]
    Chrf,
}

impl Metric {
    pub fn name(self) -> &'static str {
        match self {
            Metric::Acc => "acc",
            Metric::AccNorm => "acc_norm",
            Metric::ChrfPlusPlus => "chrf++",
            Metric::Chrf => "chrf",
        }
    }

    /// Corpus metrics are computed from summed per-item statistics, not averaged.
    pub fn is_corpus(self) -> bool {
        matches!(self, Metric::ChrfPlusPlus | Metric::Chrf)
    }

    pub fn signature(self) -> String {
        match self {
            Metric::Acc => format!("acc|mean|kakugo:{}", env!("CARGO_PKG_VERSION")),
            Metric::AccNorm => format!(
                "acc_norm|per-char|mean|kakugo:{}",
                env!("CARGO_PKG_VERSION")
            ),
            Metric::ChrfPlusPlus => chrf::ChrF::chrf_plus_plus().signature(1),
            Metric::Chrf => chrf::ChrF::plain().signature(1),
        }
    }
}

/// Mean and its standard error (sample standard deviation / √n, as lm-evaluation-harness).
pub fn mean_stderr(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    if values.is_empty() {
        return (0.0, 0.0);
    }
    let mean = values.iter().sum::<f64>() / n;
    if values.len() < 2 {
        return (mean, 0.0);
    }
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, (var / n).sqrt())
}

/// Bootstrap standard error of a corpus score: `resamples` draws of the items with
/// replacement (ChaCha8 from `seed`), the score of each draw's summed statistics, their
/// standard deviation.
pub fn bootstrap_stderr(
    stats: &[Vec<f64>],
    score: impl Fn(&[f64]) -> f64,
    resamples: usize,
    seed: u64,
) -> f64 {
    if stats.len() < 2 {
        return 0.0;
    }
    let width = stats[0].len();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let scores: Vec<f64> = (0..resamples)
        .map(|_| {
            let mut sum = vec![0.0; width];
            for _ in 0..stats.len() {
                let s = &stats[rng.gen_range(0..stats.len())];
                for (a, b) in sum.iter_mut().zip(s) {
                    *a += b;
                }
            }
            score(&sum)
        })
        .collect();
    let (_, se) = mean_stderr(&scores);
    se * (scores.len() as f64).sqrt()
}
