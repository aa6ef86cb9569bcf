//! Confidence intervals for a binomial proportion (an accuracy, a win rate).
//!
//! All take `successes` out of `trials` and a two-sided `confidence` level such as 0.95
//! (statsmodels' `alpha = 1 - confidence`), and return bounds clipped to [0, 1].

use serde::{Deserialize, Serialize};

use crate::error::{check_open_unit, Result, StatsError};
use crate::special::{beta_inc_complement_inv, beta_inc_inv, normal_quantile_upper};

/// A two-sided interval around a point estimate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    /// The point estimate (here `successes / trials`).
    pub estimate: f64,
    /// Lower bound.
    pub lower: f64,
    /// Upper bound.
    pub upper: f64,
}

fn check_counts(successes: u64, trials: u64, confidence: f64) -> Result<()> {
    if trials == 0 {
        return Err(StatsError::InvalidArgument(
            "a proportion interval needs at least one trial".into(),
        ));
    }
    if successes > trials {
        return Err(StatsError::InvalidArgument(format!(
            "successes = {successes} exceed trials = {trials}"
        )));
    }
    check_open_unit(confidence, "confidence level")
}

/// `z_{1 - alpha/2}` for a two-sided interval at `confidence = 1 - alpha`.
fn two_sided_z(confidence: f64) -> f64 {
    normal_quantile_upper((1.0 - confidence) / 2.0)
}

/// Wilson score interval (Wilson, JASA 1927):
/// `(p̂ + z²/2n ± z sqrt(p̂(1-p̂)/n + z²/4n²)) / (1 + z²/n)` with `z = z_{1-α/2}`, as
/// `statsmodels.stats.proportion.proportion_confint(method="wilson")`.
pub fn wilson(successes: u64, trials: u64, confidence: f64) -> Result<Interval> {
    check_counts(successes, trials, confidence)?;
    let n = trials as f64;
    let q = successes as f64 / n;
    let crit = two_sided_z(confidence);
    let crit2 = crit * crit;
    let denom = 1.0 + crit2 / n;
    let center = (q + crit2 / (2.0 * n)) / denom;
    let dist = crit * (q * (1.0 - q) / n + crit2 / (4.0 * n * n)).sqrt() / denom;
    Ok(Interval {
        estimate: q,
        lower: (center - dist).clamp(0.0, 1.0),
        upper: (center + dist).clamp(0.0, 1.0),
    })
}

/// Wilson score interval with continuity correction (Newcombe, "Two-sided confidence
/// intervals for the single proportion", Statistics in Medicine 1998, method 4):
///
/// `L = (2np̂ + z² - 1 - z sqrt(z² - 2 - 1/n + 4p̂(n(1-p̂) + 1))) / (2(n + z²))`,
/// `U = (2np̂ + z² + 1 + z sqrt(z² + 2 - 1/n + 4p̂(n(1-p̂) - 1))) / (2(n + z²))`,
/// with `L = 0` when `p̂ = 0` and `U = 1` when `p̂ = 1`. statsmodels has no such method; the
/// fixture evaluates Newcombe's formula independently in Python (it is also R's
/// `prop.test(correct = TRUE)` interval).
pub fn wilson_cc(successes: u64, trials: u64, confidence: f64) -> Result<Interval> {
    check_counts(successes, trials, confidence)?;
    let n = trials as f64;
    let q = successes as f64 / n;
    let z = two_sided_z(confidence);
    let z2 = z * z;
    let denom = 2.0 * (n + z2);
    let lower = if successes == 0 {
        0.0
    } else {
        let inner = z2 - 2.0 - 1.0 / n + 4.0 * q * (n * (1.0 - q) + 1.0);
        (2.0 * n * q + z2 - 1.0 - z * inner.max(0.0).sqrt()) / denom
    };
    let upper = if successes == trials {
        1.0
    } else {
        let inner = z2 + 2.0 - 1.0 / n + 4.0 * q * (n * (1.0 - q) - 1.0);
        (2.0 * n * q + z2 + 1.0 + z * inner.max(0.0).sqrt()) / denom
    };
    Ok(Interval {
        estimate: q,
        lower: lower.clamp(0.0, 1.0),
        upper: upper.clamp(0.0, 1.0),
    })
}

/// Clopper–Pearson "exact" interval (Clopper & Pearson, Biometrika 1934):
/// `[Beta⁻¹(α/2; k, n-k+1), Beta⁻¹(1-α/2; k+1, n-k)]`, 0 when `k = 0` and 1 when `k = n`,
/// as `proportion_confint(method="beta")`.
pub fn clopper_pearson(successes: u64, trials: u64, confidence: f64) -> Result<Interval> {
    check_counts(successes, trials, confidence)?;
    let (k, n) = (successes as f64, trials as f64);
    let tail = (1.0 - confidence) / 2.0;
    let lower = if successes == 0 {
        0.0
    } else {
        beta_inc_inv(k, n - k + 1.0, tail)
    };
    let upper = if successes == trials {
        1.0
    } else {
        // Solved on the upper tail directly (scipy's beta.isf), not as ppf(1 - tail).
        beta_inc_complement_inv(k + 1.0, n - k, tail)
    };
    if lower.is_nan() || upper.is_nan() {
        return Err(StatsError::NoConvergence("Clopper-Pearson beta inverse"));
    }
    Ok(Interval {
        estimate: k / n,
        lower,
        upper,
    })
}

/// Normal-approximation (Wald) interval `p̂ ± z sqrt(p̂(1-p̂)/n)`, clipped to [0, 1], as
/// `proportion_confint(method="normal")`. Degenerate (zero width) at 0 and n successes;
/// prefer [`wilson`].
pub fn normal_approx(successes: u64, trials: u64, confidence: f64) -> Result<Interval> {
    check_counts(successes, trials, confidence)?;
    let n = trials as f64;
    let q = successes as f64 / n;
    let dist = two_sided_z(confidence) * (q * (1.0 - q) / n).sqrt();
    Ok(Interval {
        estimate: q,
        lower: (q - dist).clamp(0.0, 1.0),
        upper: (q + dist).clamp(0.0, 1.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_arguments() {
        assert!(wilson(1, 0, 0.95).is_err());
        assert!(wilson(3, 2, 0.95).is_err());
        assert!(wilson(1, 2, 1.0).is_err());
        assert!(wilson(1, 2, 0.0).is_err());
        assert!(wilson(1, 2, f64::NAN).is_err());
        assert!(wilson_cc(3, 2, 0.95).is_err());
        assert!(clopper_pearson(1, 0, 0.95).is_err());
        assert!(normal_approx(1, 2, -0.5).is_err());
    }

    #[test]
    fn intervals_contain_estimate() {
        for (k, n) in [(0u64, 1u64), (1, 1), (3, 10), (50, 100), (999, 1000)] {
            for f in [wilson, wilson_cc, clopper_pearson, normal_approx] {
                let i = f(k, n, 0.9).unwrap();
                assert!(
                    i.lower <= i.estimate && i.estimate <= i.upper,
                    "{k}/{n}: {i:?}"
                );
            }
        }
    }
}
