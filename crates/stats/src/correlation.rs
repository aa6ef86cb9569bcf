//! Correlation between two paired samples: Pearson's r, Spearman's rho and Kendall's tau-b,
//! each with its two-sided p-value, matching `scipy.stats.pearsonr`, `spearmanr` and
//! `kendalltau` (default `method="auto"`).
//!
//! Typical use: does an automatic metric (chrF++) track human or LLM-judge scores across
//! systems or items?
//!
//! Where scipy returns NaN (a constant input), these return [`StatsError::Undefined`].

use serde::{Deserialize, Serialize};

use crate::error::{check_finite, check_same_len, Result, StatsError};
use crate::special::{beta_inc_pair, normal_sf, student_t_sf};

/// A correlation coefficient with its two-sided p-value for `H0: no association`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Correlation {
    /// The coefficient, in [-1, 1].
    pub statistic: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// Number of pairs.
    pub n: usize,
}

fn check_pairs(x: &[f64], y: &[f64]) -> Result<()> {
    check_same_len(x.len(), y.len(), "correlation pairs")?;
    if x.is_empty() {
        return Err(StatsError::Empty("correlation pairs"));
    }
    if x.len() < 2 {
        return Err(StatsError::InvalidArgument(
            "correlation needs at least 2 pairs".into(),
        ));
    }
    check_finite(x, "correlation sample")?;
    check_finite(y, "correlation sample")?;
    if x.iter().all(|v| *v == x[0]) || y.iter().all(|v| *v == y[0]) {
        return Err(StatsError::Undefined(
            "a sample is constant; its correlation is not defined",
        ));
    }
    Ok(())
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// Pearson's r computed as scipy does (centred, scaled by the largest deviation before
/// the norm to avoid overflow), clipped to [-1, 1]; |r| within 4 ulp of 1 is snapped to
/// ±1 (see the comment in the body).
fn pearson_r(x: &[f64], y: &[f64]) -> f64 {
    let (mx, my) = (mean(x), mean(y));
    let xm: Vec<f64> = x.iter().map(|v| v - mx).collect();
    let ym: Vec<f64> = y.iter().map(|v| v - my).collect();
    let norm = |v: &[f64]| {
        let scale = v.iter().fold(0.0f64, |m, d| m.max(d.abs()));
        scale
            * v.iter()
                .map(|d| (d / scale) * (d / scale))
                .sum::<f64>()
                .sqrt()
    };
    let (nx, ny) = (norm(&xm), norm(&ym));
    let r: f64 = xm.iter().zip(&ym).map(|(a, b)| (a / nx) * (b / ny)).sum();
    // Collinear data come out as 1 - 2e-16 or 1 depending on summation order. The
    // p-value depends on 1 - |r|, so that rounding residue would turn into an arbitrary
    // tiny p (1e-47 instead of 0): within 4 ulp of ±1, report exactly ±1.
    if 1.0 - r.abs() <= 4.0 * f64::EPSILON {
        return r.signum();
    }
    r.clamp(-1.0, 1.0)
}

/// Pearson product-moment correlation with the exact two-sided p-value under bivariate
/// normality: `p = 2 P(B > (|r| + 1)/2)` for `B ~ Beta(n/2 - 1, n/2 - 1)` (equivalently the
/// t-test with n - 2 degrees of freedom), as `scipy.stats.pearsonr`. With two pairs
/// `r = ±1` and `p = 1`.
///
/// Errors: fewer than 2 pairs, mismatched lengths, non-finite values; `Undefined` for a
/// constant sample.
pub fn pearson(x: &[f64], y: &[f64]) -> Result<Correlation> {
    check_pairs(x, y)?;
    let n = x.len();
    let r = pearson_r(x, y);
    if n == 2 {
        return Ok(Correlation {
            statistic: r.round(),
            p_value: 1.0,
            n,
        });
    }
    let ab = n as f64 / 2.0 - 1.0;
    // As scipy: the beta variable is (|r| + 1) / 2; 1 - that is exact (Sterbenz).
    let u = (r.abs() + 1.0) / 2.0;
    let p_value = 2.0 * beta_inc_pair(ab, ab, u, 1.0 - u).1;
    Ok(Correlation {
        statistic: r,
        p_value,
        n,
    })
}

/// Ranks with ties replaced by their average (1-based), as `scipy.stats.rankdata`'s
/// default `method="average"`. NaN values are not allowed (checked by callers).
pub fn average_ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && values[order[end]] == values[order[start]] {
            end += 1;
        }
        // Positions start+1 ..= end (1-based) share their mean.
        let rank = (start + 1 + end) as f64 / 2.0;
        for &i in &order[start..end] {
            ranks[i] = rank;
        }
        start = end;
    }
    ranks
}

/// Spearman's rank correlation: Pearson's r of the average ranks (so ties are handled),
/// with the two-sided p-value of `t = rho sqrt((n-2)/((1+rho)(1-rho)))` against Student's
/// t with n - 2 degrees of freedom, as `scipy.stats.spearmanr`.
///
/// With two pairs scipy returns a NaN p-value (0 degrees of freedom); this returns
/// `p = 1`, the exact permutation p-value for two items, like [`pearson`] does.
///
/// Errors: as [`pearson`].
pub fn spearman(x: &[f64], y: &[f64]) -> Result<Correlation> {
    check_pairs(x, y)?;
    let n = x.len();
    let rs = pearson_r(&average_ranks(x), &average_ranks(y));
    if n == 2 {
        return Ok(Correlation {
            statistic: rs.round(),
            p_value: 1.0,
            n,
        });
    }
    let dof = (n - 2) as f64;
    let spread = (1.0 + rs) * (1.0 - rs);
    let p_value = if spread <= 0.0 {
        0.0
    } else {
        let t = rs * (dof / spread).max(0.0).sqrt();
        2.0 * student_t_sf(t.abs(), dof)
    };
    Ok(Correlation {
        statistic: rs,
        p_value,
        n,
    })
}

/// Tie statistics for one variable, as scipy's `count_rank_tie`:
/// `(sum t(t-1)/2, sum t(t-1)(t-2), sum t(t-1)(2t+5))` over groups of `t` tied values.
fn tie_stats(values: &[f64]) -> (u64, f64, f64) {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let (mut pairs, mut s0, mut s1) = (0u64, 0.0, 0.0);
    let mut start = 0;
    while start < sorted.len() {
        let mut end = start + 1;
        while end < sorted.len() && sorted[end] == sorted[start] {
            end += 1;
        }
        let t = (end - start) as u64;
        if t > 1 {
            pairs += t * (t - 1) / 2;
            let tf = t as f64;
            s0 += tf * (tf - 1.0) * (tf - 2.0);
            s1 += tf * (tf - 1.0) * (2.0 * tf + 5.0);
        }
        start = end;
    }
    (pairs, s0, s1)
}

/// Exact two-sided null p-value of Kendall's statistic with `c` concordant pairs among `n`
/// untied items (scipy's `_kendall_p_exact`: Kendall, *Rank Correlation Methods*, 1970;
/// the counts of permutations with at most `c` inversions by the Mahonian recurrence).
fn kendall_p_exact(n: u64, c: u64) -> f64 {
    let tot = n * (n - 1) / 2;
    let c = c.min(tot - c);
    let factorial = |m: u64| (1..=m).fold(1.0f64, |acc, i| acc * i as f64);
    let prob = if n <= 2 {
        1.0
    } else if c == 0 {
        if n < 171 {
            2.0 / factorial(n)
        } else {
            0.0
        }
    } else if c == 1 {
        if n < 172 {
            2.0 / factorial(n - 1)
        } else {
            0.0
        }
    } else if 4 * c == n * (n - 1) {
        1.0
    } else {
        let c = c as usize;
        let mut new = vec![0.0f64; c + 1];
        new[0] = 1.0;
        new[1] = 1.0;
        for j in 3..=n as usize {
            let mut acc = 0.0;
            for v in new.iter_mut() {
                acc += *v;
                *v = acc;
            }
            if n >= 171 {
                for v in new.iter_mut() {
                    *v /= j as f64;
                }
            }
            if j <= c {
                let snapshot = new.clone();
                for i in j..=c {
                    new[i] -= snapshot[i - j];
                }
            }
        }
        let total: f64 = new.iter().sum();
        if n < 171 {
            2.0 * total / factorial(n)
        } else {
            total
        }
    };
    prob.clamp(0.0, 1.0)
}

/// Kendall's tau-b with the two-sided p-value as `scipy.stats.kendalltau` (default
/// `method="auto"`): the exact null distribution when neither sample has ties and
/// `n <= 33` (or at most one discordant/concordant pair), otherwise the normal
/// approximation with the tie-corrected variance (Kendall 1970, eq. 4.4).
///
/// `tau_b = (C - D) / sqrt((P - T_x)(P - T_y))` with `P = n(n-1)/2` pairs and `T` the
/// pairs tied in each variable. Pairs are counted directly, O(n²).
///
/// Errors: as [`pearson`].
pub fn kendall_tau_b(x: &[f64], y: &[f64]) -> Result<Correlation> {
    check_pairs(x, y)?;
    let n = x.len();
    let (mut dis, mut xtie, mut ytie, mut ntie) = (0u64, 0u64, 0u64, 0u64);
    for i in 0..n {
        for j in (i + 1)..n {
            let dx = x[i].partial_cmp(&x[j]).unwrap_or(std::cmp::Ordering::Equal);
            let dy = y[i].partial_cmp(&y[j]).unwrap_or(std::cmp::Ordering::Equal);
            use std::cmp::Ordering::Equal;
            match (dx == Equal, dy == Equal) {
                (true, true) => {
                    xtie += 1;
                    ytie += 1;
                    ntie += 1;
                }
                (true, false) => xtie += 1,
                (false, true) => ytie += 1,
                (false, false) => {
                    if dx != dy {
                        dis += 1;
                    }
                }
            }
        }
    }
    let nu = n as u64;
    let tot = nu * (nu - 1) / 2;
    if xtie == tot || ytie == tot {
        return Err(StatsError::Undefined(
            "a sample is constant; its correlation is not defined",
        ));
    }
    let con_minus_dis = tot as f64 - xtie as f64 - ytie as f64 + ntie as f64 - 2.0 * dis as f64;
    let tau = (con_minus_dis / ((tot - xtie) as f64).sqrt() / ((tot - ytie) as f64).sqrt())
        .clamp(-1.0, 1.0);
    let exact = xtie == 0 && ytie == 0 && (n <= 33 || dis.min(tot - dis) <= 1);
    let p_value = if exact {
        kendall_p_exact(nu, tot - dis)
    } else {
        let (_, x0, x1) = tie_stats(x);
        let (_, y0, y1) = tie_stats(y);
        let nf = n as f64;
        let m = nf * (nf - 1.0);
        let var = (m * (2.0 * nf + 5.0) - x1 - y1) / 18.0
            + (2.0 * xtie as f64 * ytie as f64) / m
            + x0 * y0 / (9.0 * m * (nf - 2.0));
        let z = con_minus_dis / var.sqrt();
        2.0 * normal_sf(z.abs())
    };
    Ok(Correlation {
        statistic: tau,
        p_value,
        n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_input() {
        for f in [pearson, spearman, kendall_tau_b] {
            assert!(matches!(f(&[], &[]), Err(StatsError::Empty(_))));
            assert!(f(&[1.0], &[2.0]).is_err());
            assert!(matches!(
                f(&[1.0, 2.0], &[1.0]),
                Err(StatsError::LengthMismatch { .. })
            ));
            assert!(matches!(
                f(&[1.0, f64::NAN], &[1.0, 2.0]),
                Err(StatsError::NotFinite(_))
            ));
            assert!(matches!(
                f(&[3.0, 3.0, 3.0], &[1.0, 2.0, 3.0]),
                Err(StatsError::Undefined(_))
            ));
            assert!(matches!(
                f(&[1.0, 2.0, 3.0], &[0.5, 0.5, 0.5]),
                Err(StatsError::Undefined(_))
            ));
        }
    }

    #[test]
    fn average_ranks_handle_ties() {
        assert_eq!(
            average_ranks(&[10.0, 20.0, 10.0, 5.0]),
            vec![2.5, 4.0, 2.5, 1.0]
        );
    }

    #[test]
    fn two_pairs_have_p_one() {
        let s = spearman(&[1.0, 2.0], &[3.0, 1.0]).unwrap();
        assert_eq!((s.statistic, s.p_value), (-1.0, 1.0));
        let p = pearson(&[1.0, 2.0], &[3.0, 1.0]).unwrap();
        assert_eq!((p.statistic, p.p_value), (-1.0, 1.0));
    }
}
