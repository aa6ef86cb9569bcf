//! Power, minimum detectable effect (MDE) and sample size, by normal approximation.
//!
//! Two settings:
//!
//! * **One sample, known SD** (a mean difference, or one accuracy against a fixed
//!   baseline with `sd = sqrt(p(1-p))`): the two-sided z-test. Its power at effect `δ` with
//!   `n` items is `Φ(λ - z) + Φ(-λ - z)` with `λ = δ sqrt(n) / σ` and `z = z_{1-α/2}`, both
//!   tails included exactly as `statsmodels.stats.power.NormalIndPower(ratio=0)`. The MDE
//!   and the sample size are the exact solutions of that equation (one root `λ*` serves
//!   both: `MDE = λ* σ / sqrt(n)`, `n = (λ* σ / δ)²`), not the textbook one-tail shortcut
//!   `(z_{1-α/2} + z_{power}) σ / sqrt(n)`.
//!
//! * **Paired accuracies (McNemar)**: two systems on the same items, `ψ = p10 + p01` the
//!   discordance rate and `δ = p10 - p01` the accuracy difference. Connor (1987), "Sample
//!   size for testing differences in proportions for the paired-sample design", Biometrics
//!   43:207–211: `n = (z_{1-α/2} sqrt(ψ) + z_{power} sqrt(ψ - δ²))² / δ²`, i.e.
//!   power `= Φ((δ sqrt(n) - z_{1-α/2} sqrt(ψ)) / sqrt(ψ - δ²))`. Solving for δ gives the
//!   closed form used by [`mcnemar_mde`]:
//!   `δ = sqrt(ψ) (sqrt(n) z_a + z_b sqrt(n + z_b² - z_a²)) / (n + z_b²)`.
//!
//! All functions take `alpha` (two-sided level, e.g. 0.05) and `power` (e.g. 0.8).

use serde::{Deserialize, Serialize};

use crate::error::{check_open_unit, Result, StatsError};
use crate::special::{
    bisect_monotone, normal_cdf, normal_quantile, normal_quantile_upper, normal_sf,
};

/// The conventional target power.
pub const DEFAULT_POWER: f64 = 0.8;

/// A required number of items.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SampleSize {
    /// The real-valued solution of the power equation.
    pub exact: f64,
    /// Items to collect: `ceil(exact)`.
    pub items: u64,
}

impl SampleSize {
    fn from_exact(exact: f64) -> Result<SampleSize> {
        if !exact.is_finite() || exact > u64::MAX as f64 {
            return Err(StatsError::InvalidArgument(
                "required sample size is not finite".into(),
            ));
        }
        Ok(SampleSize {
            exact,
            items: exact.ceil() as u64,
        })
    }
}

fn check_positive(value: f64, what: &str) -> Result<()> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(StatsError::InvalidArgument(format!(
            "{what} must be positive and finite, got {value}"
        )))
    }
}

fn check_alpha_power(alpha: f64, power: f64) -> Result<()> {
    check_open_unit(alpha, "alpha")?;
    check_open_unit(power, "power")?;
    Ok(())
}

/// Power of the two-sided one-sample z-test for standardized shift `lambda = δ sqrt(n)/σ`.
fn z_test_power(lambda: f64, alpha: f64) -> f64 {
    let crit = normal_quantile_upper(alpha / 2.0);
    normal_sf(crit - lambda) + normal_cdf(-crit - lambda)
}

/// The `λ* >= 0` with `z_test_power(λ*) = power` (requires `power > alpha`: at λ = 0 the
/// test rejects with probability alpha).
fn z_test_lambda(alpha: f64, power: f64) -> Result<f64> {
    check_alpha_power(alpha, power)?;
    if power <= alpha {
        return Err(StatsError::InvalidArgument(format!(
            "power ({power}) must exceed alpha ({alpha}): a test with no effect already rejects with probability alpha"
        )));
    }
    // Power is increasing in λ; the root lies below z_{1-α/2} + z_{power} + 1.
    let hi = normal_quantile_upper(alpha / 2.0) + normal_quantile(power).max(0.0) + 1.0;
    Ok(bisect_monotone(
        |l| z_test_power(l, alpha),
        power,
        0.0,
        hi,
        true,
    ))
}

/// Power of the two-sided one-sample z-test to detect a true shift `effect` (either sign)
/// with `n` items of standard deviation `sd` at level `alpha` (statsmodels
/// `NormalIndPower().power(effect / sd, n, alpha, ratio=0)`).
pub fn one_sample_power(effect: f64, sd: f64, n: f64, alpha: f64) -> Result<f64> {
    if !effect.is_finite() {
        return Err(StatsError::NotFinite("effect"));
    }
    check_positive(sd, "standard deviation")?;
    check_positive(n, "number of items")?;
    check_open_unit(alpha, "alpha")?;
    Ok(z_test_power(effect.abs() * n.sqrt() / sd, alpha))
}

/// Minimum detectable effect (in the units of `sd`) of the two-sided one-sample z-test
/// with `n` items at level `alpha` and the given `power`.
pub fn one_sample_mde(n: f64, sd: f64, alpha: f64, power: f64) -> Result<f64> {
    check_positive(n, "number of items")?;
    check_positive(sd, "standard deviation")?;
    Ok(z_test_lambda(alpha, power)? * sd / n.sqrt())
}

/// Items needed for the two-sided one-sample z-test to detect `mde` (same units as `sd`).
pub fn one_sample_sample_size(mde: f64, sd: f64, alpha: f64, power: f64) -> Result<SampleSize> {
    check_positive(mde, "minimum detectable effect")?;
    check_positive(sd, "standard deviation")?;
    let lambda = z_test_lambda(alpha, power)?;
    let root = lambda * sd / mde;
    SampleSize::from_exact(root * root)
}

fn check_proportion(p: f64) -> Result<f64> {
    if p > 0.0 && p < 1.0 {
        Ok((p * (1.0 - p)).sqrt())
    } else {
        Err(StatsError::InvalidArgument(format!(
            "baseline proportion must lie strictly between 0 and 1, got {p}"
        )))
    }
}

/// MDE for one accuracy against a fixed baseline `p` with `n` items: [`one_sample_mde`] with
/// `sd = sqrt(p (1 - p))`.
pub fn proportion_mde(n: f64, p: f64, alpha: f64, power: f64) -> Result<f64> {
    one_sample_mde(n, check_proportion(p)?, alpha, power)
}

/// Items needed to detect a change of `mde` in an accuracy near `p`: [`one_sample_sample_size`]
/// with `sd = sqrt(p (1 - p))`.
pub fn proportion_sample_size(mde: f64, p: f64, alpha: f64, power: f64) -> Result<SampleSize> {
    one_sample_sample_size(mde, check_proportion(p)?, alpha, power)
}

fn check_discordance(discordance: f64) -> Result<()> {
    if discordance > 0.0 && discordance <= 1.0 {
        Ok(())
    } else {
        Err(StatsError::InvalidArgument(format!(
            "discordance rate must lie in (0, 1], got {discordance}"
        )))
    }
}

/// Connor's approximate power of McNemar's test for an accuracy difference `effect` with
/// `n` paired items and discordance rate `discordance` (`|effect| <= discordance`).
pub fn mcnemar_power(effect: f64, discordance: f64, n: f64, alpha: f64) -> Result<f64> {
    check_discordance(discordance)?;
    check_positive(n, "number of items")?;
    check_open_unit(alpha, "alpha")?;
    let d = effect.abs();
    if !d.is_finite() || d > discordance {
        return Err(StatsError::InvalidArgument(format!(
            "|effect| ({d}) cannot exceed the discordance rate ({discordance})"
        )));
    }
    let spread = discordance - d * d;
    if spread <= 0.0 {
        // Every discordant pair goes one way: the test statistic is deterministic.
        return Ok(1.0);
    }
    let z_a = normal_quantile_upper(alpha / 2.0);
    Ok(normal_cdf(
        (d * n.sqrt() - z_a * discordance.sqrt()) / spread.sqrt(),
    ))
}

/// Minimum detectable accuracy difference for McNemar's test with `n` paired items and
/// expected discordance rate `discordance` (Connor 1987, solved in closed form; see the
/// module docs).
///
/// Errors: `n <= z²_{1-α/2}` (the formula has no valid root there), or when no difference
/// at this discordance rate is detectable (the MDE would exceed `discordance`).
pub fn mcnemar_mde(n: f64, discordance: f64, alpha: f64, power: f64) -> Result<f64> {
    check_positive(n, "number of items")?;
    check_discordance(discordance)?;
    check_alpha_power(alpha, power)?;
    let z_a = normal_quantile_upper(alpha / 2.0);
    let z_b = normal_quantile(power);
    if n <= z_a * z_a {
        return Err(StatsError::InvalidArgument(format!(
            "n = {n} is too small for a test at alpha = {alpha} (needs n > {})",
            z_a * z_a
        )));
    }
    let mde = discordance.sqrt() * (n.sqrt() * z_a + z_b * (n + z_b * z_b - z_a * z_a).sqrt())
        / (n + z_b * z_b);
    if mde > discordance {
        return Err(StatsError::Undefined(
            "no accuracy difference is detectable: the MDE would exceed the discordance rate",
        ));
    }
    Ok(mde)
}

/// Paired items needed for McNemar's test to detect accuracy difference `mde` at
/// discordance rate `discordance` (Connor 1987).
pub fn mcnemar_sample_size(
    mde: f64,
    discordance: f64,
    alpha: f64,
    power: f64,
) -> Result<SampleSize> {
    check_positive(mde, "minimum detectable effect")?;
    check_discordance(discordance)?;
    check_alpha_power(alpha, power)?;
    if mde > discordance {
        return Err(StatsError::InvalidArgument(format!(
            "the difference ({mde}) cannot exceed the discordance rate ({discordance})"
        )));
    }
    let z_a = normal_quantile_upper(alpha / 2.0);
    let z_b = normal_quantile(power);
    let root = z_a * discordance.sqrt() + z_b * (discordance - mde * mde).sqrt();
    SampleSize::from_exact(root * root / (mde * mde))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_arguments() {
        assert!(one_sample_mde(0.0, 1.0, 0.05, 0.8).is_err());
        assert!(one_sample_mde(100.0, -1.0, 0.05, 0.8).is_err());
        assert!(one_sample_mde(100.0, 1.0, 0.05, 0.01).is_err());
        assert!(one_sample_mde(100.0, 1.0, 1.5, 0.8).is_err());
        assert!(one_sample_sample_size(0.0, 1.0, 0.05, 0.8).is_err());
        assert!(proportion_mde(100.0, 1.0, 0.05, 0.8).is_err());
        assert!(mcnemar_mde(2.0, 0.2, 0.05, 0.8).is_err());
        assert!(mcnemar_mde(100.0, 0.0, 0.05, 0.8).is_err());
        assert!(mcnemar_sample_size(0.3, 0.2, 0.05, 0.8).is_err());
        assert!(mcnemar_power(0.3, 0.2, 100.0, 0.05).is_err());
        assert!(one_sample_power(f64::NAN, 1.0, 10.0, 0.05).is_err());
    }

    #[test]
    fn mde_and_sample_size_are_inverse() {
        let mde = one_sample_mde(400.0, 0.5, 0.05, 0.8).unwrap();
        let n = one_sample_sample_size(mde, 0.5, 0.05, 0.8).unwrap();
        assert!((n.exact - 400.0).abs() < 1e-9);
        let power = one_sample_power(mde, 0.5, 400.0, 0.05).unwrap();
        assert!((power - 0.8).abs() < 1e-12);

        let mde = mcnemar_mde(500.0, 0.3, 0.05, 0.8).unwrap();
        let n = mcnemar_sample_size(mde, 0.3, 0.05, 0.8).unwrap();
        assert!((n.exact - 500.0).abs() < 1e-8);
        assert!((mcnemar_power(mde, 0.3, 500.0, 0.05).unwrap() - 0.8).abs() < 1e-12);
    }
}
