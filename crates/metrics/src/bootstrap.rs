//! Seeded bootstrap standard errors (Efron & Tibshirani 1993; Koehn 2004 for MT metrics).
//!
//! Each of `resamples` draws picks `n` items with replacement from the `n` items, using
//! ChaCha8 seeded explicitly, so the same inputs and seed give the same error on every
//! machine. A corpus metric scores the summed per-item statistics of each draw (nothing is
//! re-tokenized, as in sacrebleu's `significance.py`); a mean metric averages the drawn
//! values. The standard error is the sample standard deviation of the draws' scores.
//! [`bootstrap_scores`] returns the draws themselves, for confidence intervals.
//!
//! ```
//! use kakugo_metrics::bootstrap::{bootstrap_mean_stderr, DEFAULT_RESAMPLES};
//! let values = [100.0, 0.0, 100.0, 100.0, 0.0, 100.0];
//! let a = bootstrap_mean_stderr(&values, DEFAULT_RESAMPLES, 1234);
//! assert_eq!(a, bootstrap_mean_stderr(&values, DEFAULT_RESAMPLES, 1234));
//! assert!((a - 19.2).abs() < 2.0); // analytic: sample std / √n = 21.1, population form 19.2
//! ```

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::accuracy::sample_std;

/// Resamples used when a caller has no reason to choose (sacrebleu's default, too).
pub const DEFAULT_RESAMPLES: usize = 1000;

/// Calls `f` once per draw with how many times each of the `n` items was drawn.
fn for_each_draw(n: usize, resamples: usize, seed: u64, mut f: impl FnMut(&[u32])) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut counts = vec![0u32; n];
    for _ in 0..resamples {
        counts.fill(0);
        for _ in 0..n {
            counts[rng.gen_range(0..n)] += 1;
        }
        f(&counts);
    }
}

/// The corpus score of each draw: `score` of the summed statistics of the drawn items.
/// Empty when there are no items. Every item's statistics must have the same length.
pub fn bootstrap_scores(
    stats: &[Vec<f64>],
    score: impl Fn(&[f64]) -> f64,
    resamples: usize,
    seed: u64,
) -> Vec<f64> {
    let Some(width) = stats.first().map(Vec::len) else {
        return Vec::new();
    };
    let mut scores = Vec::with_capacity(resamples);
    let mut sum = vec![0.0; width];
    for_each_draw(stats.len(), resamples, seed, |counts| {
        sum.fill(0.0);
        for (item, &k) in stats.iter().zip(counts) {
            if k > 0 {
                let k = f64::from(k);
                for (a, b) in sum.iter_mut().zip(item) {
                    *a += k * b;
                }
            }
        }
        scores.push(score(&sum));
    });
    scores
}

/// Bootstrap standard error of a corpus score from per-item statistics (0 for fewer than
/// two items).
pub fn bootstrap_stderr(
    stats: &[Vec<f64>],
    score: impl Fn(&[f64]) -> f64,
    resamples: usize,
    seed: u64,
) -> f64 {
    if stats.len() < 2 {
        return 0.0;
    }
    sample_std(&bootstrap_scores(stats, score, resamples, seed))
}

/// Bootstrap standard error of the mean of per-item values (0 for fewer than two items).
pub fn bootstrap_mean_stderr(values: &[f64], resamples: usize, seed: u64) -> f64 {
    if values.len() < 2 {
        return 0.0;
    }
    let n = values.len() as f64;
    let mut means = Vec::with_capacity(resamples);
    for_each_draw(values.len(), resamples, seed, |counts| {
        let total: f64 = values
            .iter()
            .zip(counts)
            .map(|(v, &k)| f64::from(k) * v)
            .sum();
        means.push(total / n);
    });
    sample_std(&means)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chrf::ChrF;

    #[test]
    fn draws_are_deterministic_and_seed_dependent() {
        let stats: Vec<Vec<f64>> = (0..50).map(|i| vec![i as f64, 1.0]).collect();
        let mean_of = |s: &[f64]| s[0] / s[1];
        let a = bootstrap_scores(&stats, mean_of, 200, 7);
        assert_eq!(a, bootstrap_scores(&stats, mean_of, 200, 7));
        assert_ne!(a, bootstrap_scores(&stats, mean_of, 200, 8));
        // Each draw has exactly n items.
        for_each_draw(50, 10, 3, |c| assert_eq!(c.iter().sum::<u32>(), 50));
    }

    #[test]
    fn ratio_bootstrap_agrees_with_mean_bootstrap() {
        // A corpus "metric" that is the mean of its items resamples exactly like the mean.
        let values: Vec<f64> = (0..40).map(|i| ((i * 37) % 11) as f64).collect();
        let stats: Vec<Vec<f64>> = values.iter().map(|&v| vec![v, 1.0]).collect();
        let corpus = bootstrap_stderr(&stats, |s| s[0] / s[1], 500, 11);
        let mean = bootstrap_mean_stderr(&values, 500, 11);
        assert!((corpus - mean).abs() < 1e-9, "{corpus} vs {mean}");
        // and both are near the analytic value sample_std / √n (about 10% off at most).
        let analytic = sample_std(&values) / (values.len() as f64).sqrt();
        assert!((mean / analytic - 1.0).abs() < 0.1, "{mean} vs {analytic}");
    }

    #[test]
    fn chrf_stderr_is_finite_and_zero_for_identical_items() {
        let c = ChrF::chrf_plus_plus();
        let same: Vec<Vec<f64>> = (0..20)
            .map(|_| c.segment_stats("a cat", &["a cat"]))
            .collect();
        assert_eq!(bootstrap_stderr(&same, |s| c.score(s), 100, 1), 0.0);
        assert_eq!(bootstrap_stderr(&same[..1], |s| c.score(s), 100, 1), 0.0);
    }
}
