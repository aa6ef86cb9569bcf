//! Multiple-comparison corrections: Bonferroni, Holm and Benjamini–Hochberg.
//!
//! A CI run compares many languages at once; correcting the per-language p-values keeps
//! the chance of a false "regression" verdict under control. The adjusted p-values and
//! the reject decisions match `statsmodels.stats.multitest.multipletests` exactly,
//! including its threshold comparisons (so a p-value exactly at a threshold is decided
//! the same way), monotonicity enforcement and clipping at 1.

use serde::{Deserialize, Serialize};

use crate::error::{check_open_unit, Result, StatsError};

/// Which correction to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Correction {
    /// Bonferroni: controls the family-wise error rate; `p_adj = min(1, m p)`.
    Bonferroni,
    /// Holm's step-down (Holm, Scand. J. Statist. 1979): FWER, uniformly more powerful
    /// than Bonferroni; `p_adj(i) = max_{j <= i} min(1, (m - j + 1) p(j))` on sorted p.
    Holm,
    /// Benjamini–Hochberg step-up (JRSS B 1995): controls the false discovery rate under
    /// independence or positive dependence; `p_adj(i) = min_{j >= i} min(1, m p(j) / j)`.
    BenjaminiHochberg,
}

/// Adjusted p-values and decisions, both in the input order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Adjusted {
    /// Adjusted p-values, in the order the p-values were given.
    pub p_adjusted: Vec<f64>,
    /// Whether each hypothesis is rejected at `alpha`.
    pub reject: Vec<bool>,
}

/// Adjust `p_values` (any order) with `method` and decide at family level `alpha`.
///
/// Errors: empty input, NaN, p-values outside [0, 1], `alpha` outside (0, 1).
pub fn adjust(p_values: &[f64], method: Correction, alpha: f64) -> Result<Adjusted> {
    if p_values.is_empty() {
        return Err(StatsError::Empty("p-values"));
    }
    if p_values.iter().any(|p| p.is_nan()) {
        return Err(StatsError::NotFinite("p-values"));
    }
    if let Some(p) = p_values.iter().find(|p| !(0.0..=1.0).contains(*p)) {
        return Err(StatsError::InvalidArgument(format!(
            "p-values must lie in [0, 1], got {p}"
        )));
    }
    check_open_unit(alpha, "alpha")?;

    let m = p_values.len();
    // Stable sort: ties among equal p-values cannot change any output (equal p-values get
    // equal adjusted values and equal decisions in all three methods).
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p_values[a].total_cmp(&p_values[b]));
    let sorted: Vec<f64> = order.iter().map(|&i| p_values[i]).collect();
    let mf = m as f64;

    let (reject_sorted, mut adjusted_sorted): (Vec<bool>, Vec<f64>) = match method {
        Correction::Bonferroni => {
            // statsmodels compares p <= alpha / m, not m p <= alpha.
            let threshold = alpha / mf;
            (
                sorted.iter().map(|&p| p <= threshold).collect(),
                sorted.iter().map(|&p| p * mf).collect(),
            )
        }
        Correction::Holm => {
            // Step-down: reject until the first p(i) > alpha / (m - i).
            let first_keep = (0..m)
                .find(|&i| sorted[i] > alpha / (m - i) as f64)
                .unwrap_or(m);
            let reject = (0..m).map(|i| i < first_keep).collect();
            let mut running = f64::NEG_INFINITY;
            let adjusted = (0..m)
                .map(|i| {
                    running = running.max(sorted[i] * (m - i) as f64);
                    running
                })
                .collect();
            (reject, adjusted)
        }
        Correction::BenjaminiHochberg => {
            // ecdf factor (i + 1) / m, as statsmodels' fdrcorrection computes it.
            let ecdf: Vec<f64> = (0..m).map(|i| (i + 1) as f64 / mf).collect();
            let last_reject = (0..m).rev().find(|&i| sorted[i] <= ecdf[i] * alpha);
            let reject = (0..m)
                .map(|i| last_reject.is_some_and(|last| i <= last))
                .collect();
            let mut adjusted: Vec<f64> = (0..m).map(|i| sorted[i] / ecdf[i]).collect();
            for i in (0..m.saturating_sub(1)).rev() {
                adjusted[i] = adjusted[i].min(adjusted[i + 1]);
            }
            (reject, adjusted)
        }
    };
    for p in &mut adjusted_sorted {
        if *p > 1.0 {
            *p = 1.0;
        }
    }

    let mut p_adjusted = vec![0.0; m];
    let mut reject = vec![false; m];
    for (rank, &original) in order.iter().enumerate() {
        p_adjusted[original] = adjusted_sorted[rank];
        reject[original] = reject_sorted[rank];
    }
    Ok(Adjusted { p_adjusted, reject })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_arguments() {
        assert!(adjust(&[], Correction::Holm, 0.05).is_err());
        assert!(adjust(&[0.1, f64::NAN], Correction::Holm, 0.05).is_err());
        assert!(adjust(&[1.5], Correction::Holm, 0.05).is_err());
        assert!(adjust(&[-0.1], Correction::Holm, 0.05).is_err());
        assert!(adjust(&[0.1], Correction::Holm, 1.0).is_err());
    }

    #[test]
    fn single_p_value_is_unchanged() {
        for method in [
            Correction::Bonferroni,
            Correction::Holm,
            Correction::BenjaminiHochberg,
        ] {
            let a = adjust(&[0.03], method, 0.05).unwrap();
            assert_eq!(a.p_adjusted, vec![0.03]);
            assert_eq!(a.reject, vec![true]);
        }
    }
}
