//! Seeded nonparametric bootstrap over items (Efron & Tibshirani, *An Introduction to the
//! Bootstrap*, 1993): a percentile interval for any statistic, and paired bootstrap rank
//! intervals for several systems scored on the same items.
//!
//! Resampling uses ChaCha8 seeded from a `u64`, so the same seed gives the same result on
//! every platform and run (a CI verdict must not flicker). The numbers cannot match
//! numpy's generator; the tests check the bootstrap's properties instead.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::error::{check_finite, check_open_unit, Result, StatsError};

/// A bootstrap percentile interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BootstrapInterval {
    /// The statistic on the original items.
    pub estimate: f64,
    /// `(1 - confidence)/2` quantile of the bootstrap distribution.
    pub lower: f64,
    /// `(1 + confidence)/2` quantile of the bootstrap distribution.
    pub upper: f64,
    /// Standard deviation of the bootstrap replicates (the bootstrap standard error).
    pub standard_error: f64,
    /// Number of resamples drawn.
    pub resamples: usize,
}

fn check_resampling(n_items: usize, resamples: usize, confidence: f64) -> Result<()> {
    if n_items == 0 {
        return Err(StatsError::Empty("bootstrap items"));
    }
    if resamples < 2 {
        return Err(StatsError::InvalidArgument(
            "the bootstrap needs at least 2 resamples".into(),
        ));
    }
    check_open_unit(confidence, "confidence level")
}

/// Draw `n` item indices with replacement.
fn resample(rng: &mut ChaCha8Rng, n: usize, out: &mut [usize]) {
    for slot in out.iter_mut() {
        *slot = rng.gen_range(0..n);
    }
}

/// Linear-interpolation quantile of sorted data (numpy's default `method="linear"`).
fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// Percentile bootstrap interval for `statistic`, a function of the item indices in one
/// (re)sample: it is called once with `0..n_items` for the estimate and then once per
/// resample with `n_items` indices drawn with replacement.
///
/// Errors: no items, fewer than 2 resamples, confidence outside (0, 1), or the statistic
/// returning NaN/infinity on any resample.
pub fn bootstrap_interval<F>(
    n_items: usize,
    mut statistic: F,
    resamples: usize,
    confidence: f64,
    seed: u64,
) -> Result<BootstrapInterval>
where
    F: FnMut(&[usize]) -> f64,
{
    check_resampling(n_items, resamples, confidence)?;
    let identity: Vec<usize> = (0..n_items).collect();
    let estimate = statistic(&identity);
    if !estimate.is_finite() {
        return Err(StatsError::NotFinite(
            "bootstrap statistic on the original items",
        ));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut indices = vec![0usize; n_items];
    let mut replicates = Vec::with_capacity(resamples);
    for _ in 0..resamples {
        resample(&mut rng, n_items, &mut indices);
        replicates.push(statistic(&indices));
    }
    check_finite(&replicates, "bootstrap statistic on a resample")?;
    replicates.sort_by(f64::total_cmp);
    let tail = (1.0 - confidence) / 2.0;
    let mean = replicates.iter().sum::<f64>() / resamples as f64;
    let var = replicates
        .iter()
        .map(|r| (r - mean) * (r - mean))
        .sum::<f64>()
        / (resamples - 1) as f64;
    Ok(BootstrapInterval {
        estimate,
        lower: quantile_sorted(&replicates, tail),
        upper: quantile_sorted(&replicates, 1.0 - tail),
        standard_error: var.sqrt(),
        resamples,
    })
}

/// Percentile bootstrap interval for the mean of per-item `values` (e.g. 0/1 correctness
/// for an accuracy, or per-item chrF++).
pub fn bootstrap_mean_interval(
    values: &[f64],
    resamples: usize,
    confidence: f64,
    seed: u64,
) -> Result<BootstrapInterval> {
    if values.is_empty() {
        return Err(StatsError::Empty("bootstrap values"));
    }
    check_finite(values, "bootstrap values")?;
    bootstrap_interval(
        values.len(),
        |idx| idx.iter().map(|&i| values[i]).sum::<f64>() / idx.len() as f64,
        resamples,
        confidence,
        seed,
    )
}

/// One system's place in a ranking with its bootstrap rank interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SystemRank {
    /// Index of the system in the input.
    pub system: usize,
    /// Mean score over all items.
    pub mean: f64,
    /// Rank on the full data (1 = best; tied means share the average rank).
    pub rank: f64,
    /// Lower end of the rank interval (best plausible rank).
    pub rank_lower: f64,
    /// Upper end of the rank interval (worst plausible rank).
    pub rank_upper: f64,
    /// Group of systems tied within noise, 0 for the best group (see [`bootstrap_ranks`]).
    pub group: usize,
}

/// Result of [`bootstrap_ranks`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankBootstrap {
    /// One entry per system, best point estimate first.
    pub systems: Vec<SystemRank>,
    /// `win_fraction[i][j]`: fraction of resamples in which system `i` (input index) had
    /// a strictly better mean than system `j`, ties counting one half.
    pub win_fraction: Vec<Vec<f64>>,
    /// Number of resamples drawn.
    pub resamples: usize,
}

/// Ranks (1 = best) of `means`, ties sharing their average rank.
fn rank_means(means: &[f64], higher_is_better: bool, out: &mut [f64]) {
    for (i, slot) in out.iter_mut().enumerate() {
        let (mut better, mut tied) = (0usize, 0usize);
        for (j, &m) in means.iter().enumerate() {
            if j == i {
                continue;
            }
            let beats = if higher_is_better {
                m > means[i]
            } else {
                m < means[i]
            };
            if beats {
                better += 1;
            } else if m == means[i] {
                tied += 1;
            }
        }
        *slot = 1.0 + better as f64 + tied as f64 / 2.0;
    }
}

/// Paired bootstrap of system rankings: `scores[system][item]`, every system scored on
/// the same items. Each resample draws items with replacement (the same items for all
/// systems, which keeps the pairing), recomputes every system's mean and ranks them.
///
/// * `rank_lower` / `rank_upper` are the `(1 - confidence)/2` and `(1 + confidence)/2`
///   quantiles of a system's bootstrap ranks, taken conservatively as order statistics
///   (numpy's `method="lower"` / `"higher"`), so they are ranks that actually occurred.
/// * Groups ("tied within noise"): systems in order of their full-data mean; each group is
///   led by its best system, and the next system joins the current group when its rank
///   interval overlaps the leader's (`rank_lower <= leader.rank_upper`), otherwise it
///   starts a new group. So a group means "not separable from its leader at this
///   confidence".
///
/// Errors: no systems or no items, ragged rows, non-finite scores, fewer than 2
/// resamples, confidence outside (0, 1).
pub fn bootstrap_ranks<R: AsRef<[f64]>>(
    scores: &[R],
    higher_is_better: bool,
    resamples: usize,
    confidence: f64,
    seed: u64,
) -> Result<RankBootstrap> {
    if scores.is_empty() {
        return Err(StatsError::Empty("systems"));
    }
    let n_items = scores[0].as_ref().len();
    for row in scores {
        crate::error::check_same_len(row.as_ref().len(), n_items, "items per system")?;
        check_finite(row.as_ref(), "system scores")?;
    }
    check_resampling(n_items, resamples, confidence)?;
    let k = scores.len();
    let mean_over =
        |row: &[f64], idx: &[usize]| idx.iter().map(|&i| row[i]).sum::<f64>() / idx.len() as f64;

    let identity: Vec<usize> = (0..n_items).collect();
    let means: Vec<f64> = scores
        .iter()
        .map(|r| mean_over(r.as_ref(), &identity))
        .collect();
    let mut point_rank = vec![0.0; k];
    rank_means(&means, higher_is_better, &mut point_rank);

    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut indices = vec![0usize; n_items];
    let mut sample_means = vec![0.0; k];
    let mut sample_ranks = vec![0.0; k];
    let mut ranks: Vec<Vec<f64>> = vec![Vec::with_capacity(resamples); k];
    let mut wins = vec![vec![0.0f64; k]; k];
    for _ in 0..resamples {
        resample(&mut rng, n_items, &mut indices);
        for (m, row) in sample_means.iter_mut().zip(scores) {
            *m = mean_over(row.as_ref(), &indices);
        }
        rank_means(&sample_means, higher_is_better, &mut sample_ranks);
        for s in 0..k {
            ranks[s].push(sample_ranks[s]);
            for t in 0..k {
                if s == t {
                    continue;
                }
                let (a, b) = (sample_means[s], sample_means[t]);
                let better = if higher_is_better { a > b } else { a < b };
                if better {
                    wins[s][t] += 1.0;
                } else if a == b {
                    wins[s][t] += 0.5;
                }
            }
        }
    }
    let tail = (1.0 - confidence) / 2.0;
    let last = (resamples - 1) as f64;
    let mut systems: Vec<SystemRank> = (0..k)
        .map(|s| {
            let r = &mut ranks[s];
            r.sort_by(f64::total_cmp);
            SystemRank {
                system: s,
                mean: means[s],
                rank: point_rank[s],
                rank_lower: r[(last * tail).floor() as usize],
                rank_upper: r[(last * (1.0 - tail)).ceil() as usize],
                group: 0,
            }
        })
        .collect();
    systems.sort_by(|a, b| a.rank.total_cmp(&b.rank).then(a.system.cmp(&b.system)));
    let mut group = 0;
    let mut leader_upper = systems[0].rank_upper;
    for s in systems.iter_mut().skip(1) {
        if s.rank_lower > leader_upper {
            group += 1;
            leader_upper = s.rank_upper;
        }
        s.group = group;
    }
    let win_fraction = wins
        .into_iter()
        .map(|row| row.into_iter().map(|w| w / resamples as f64).collect())
        .collect();
    Ok(RankBootstrap {
        systems,
        win_fraction,
        resamples,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors() {
        assert!(bootstrap_mean_interval(&[], 100, 0.95, 1).is_err());
        assert!(bootstrap_mean_interval(&[1.0], 1, 0.95, 1).is_err());
        assert!(bootstrap_mean_interval(&[1.0], 100, 1.0, 1).is_err());
        assert!(bootstrap_mean_interval(&[f64::NAN], 100, 0.9, 1).is_err());
        assert!(bootstrap_interval(3, |_| f64::NAN, 10, 0.9, 1).is_err());
        let empty: [Vec<f64>; 0] = [];
        assert!(bootstrap_ranks(&empty, true, 10, 0.9, 1).is_err());
        assert!(bootstrap_ranks(&[vec![1.0], vec![1.0, 2.0]], true, 10, 0.9, 1).is_err());
        assert!(bootstrap_ranks(&[Vec::<f64>::new()], true, 10, 0.9, 1).is_err());
    }

    #[test]
    fn quantile_matches_numpy_linear() {
        let data = [1.0, 2.0, 3.0, 4.0];
        // numpy.quantile([1,2,3,4], 0.1) == 1.3
        assert!((quantile_sorted(&data, 0.1) - 1.3).abs() < 1e-12);
        assert_eq!(quantile_sorted(&data, 1.0), 4.0);
    }

    #[test]
    fn ranks_average_ties() {
        let mut out = [0.0; 3];
        rank_means(&[0.5, 0.9, 0.5], true, &mut out);
        assert_eq!(out, [2.5, 1.0, 2.5]);
        rank_means(&[0.5, 0.9, 0.5], false, &mut out);
        assert_eq!(out, [1.5, 3.0, 1.5]);
    }
}
