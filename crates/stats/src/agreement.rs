//! Inter-rater agreement: Cohen's kappa (two raters), Fleiss' kappa (a fixed number of
//! raters per item) and Krippendorff's alpha (any number of raters, missing ratings,
//! nominal / ordinal / interval / ratio data).
//!
//! Typical use: how far do two LLM judges, or a judge and a human, agree on the same
//! items, and is the agreement good enough to trust the judge?
//!
//! Where the reference libraries return NaN (e.g. every rating in one category, so chance
//! agreement is already perfect), these return [`StatsError::Undefined`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::{check_same_len, Result, StatsError};

/// Disagreement weights for Cohen's kappa, over the label order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum KappaWeights {
    /// Unweighted: every disagreement costs 1.
    None,
    /// Linear weights `|i - j|` between label positions.
    Linear,
    /// Quadratic weights `(i - j)²` between label positions.
    Quadratic,
}

/// Cohen's kappa `κ = 1 - Σ w_ij O_ij / Σ w_ij E_ij` (Cohen 1960; weighted form Cohen
/// 1968), with `O` the confusion matrix of the two raters and `E` its expectation under
/// independent marginals, as `sklearn.metrics.cohen_kappa_score(a, b, labels=labels,
/// weights=...)`.
///
/// `labels` fixes the category set and, for weighted kappa, its order. `None` uses the
/// sorted distinct labels of both raters. Items where either rating is not in `labels`
/// are ignored (as scikit-learn's confusion matrix does).
///
/// Errors: empty or mismatched inputs; `labels` empty, with duplicates, or with no label
/// that rater `a` used (scikit-learn raises there too); `Undefined` when no item has both
/// ratings in `labels` or the expected disagreement is 0 (e.g. a single category), where
/// scikit-learn returns NaN.
pub fn cohen_kappa<T: Ord + Clone>(
    a: &[T],
    b: &[T],
    labels: Option<&[T]>,
    weights: KappaWeights,
) -> Result<f64> {
    check_same_len(a.len(), b.len(), "Cohen's kappa ratings")?;
    if a.is_empty() {
        return Err(StatsError::Empty("Cohen's kappa ratings"));
    }
    let labels: Vec<T> = match labels {
        Some(given) => {
            if given.is_empty() {
                return Err(StatsError::Empty("Cohen's kappa labels"));
            }
            given.to_vec()
        }
        None => {
            let mut all: Vec<T> = a.iter().chain(b).cloned().collect();
            all.sort();
            all.dedup();
            all
        }
    };
    let mut index = BTreeMap::new();
    for (i, label) in labels.iter().enumerate() {
        if index.insert(label.clone(), i).is_some() {
            return Err(StatsError::InvalidArgument(
                "Cohen's kappa labels must be distinct".into(),
            ));
        }
    }
    if !a.iter().any(|x| index.contains_key(x)) {
        return Err(StatsError::InvalidArgument(
            "at least one label in `labels` must be used by the first rater".into(),
        ));
    }
    let k = labels.len();
    let mut confusion = vec![vec![0.0f64; k]; k];
    for (x, y) in a.iter().zip(b) {
        if let (Some(&i), Some(&j)) = (index.get(x), index.get(y)) {
            confusion[i][j] += 1.0;
        }
    }
    let row: Vec<f64> = confusion.iter().map(|r| r.iter().sum()).collect();
    let col: Vec<f64> = (0..k)
        .map(|j| confusion.iter().map(|r| r[j]).sum())
        .collect();
    let total: f64 = row.iter().sum();
    if total == 0.0 {
        return Err(StatsError::Undefined(
            "no item has both ratings among the labels",
        ));
    }
    let weight = |i: usize, j: usize| -> f64 {
        let d = i.abs_diff(j) as f64;
        match weights {
            KappaWeights::None => f64::from(u8::from(i != j)),
            KappaWeights::Linear => d,
            KappaWeights::Quadratic => d * d,
        }
    };
    let (mut observed, mut expected) = (0.0, 0.0);
    for i in 0..k {
        for j in 0..k {
            let w = weight(i, j);
            observed += w * confusion[i][j];
            expected += w * row[i] * col[j] / total;
        }
    }
    if expected == 0.0 {
        return Err(StatsError::Undefined(
            "expected disagreement is zero (the raters share only one label)",
        ));
    }
    Ok(1.0 - observed / expected)
}

/// Fleiss' kappa for `table[subject][category]` = number of raters who put the subject in
/// that category, every subject rated by the same number of raters (Fleiss, "Measuring
/// nominal scale agreement among many raters", Psychological Bulletin 1971), as
/// `statsmodels.stats.inter_rater.fleiss_kappa(table, method="fleiss")`:
/// `κ = (P̄ - P̄_e) / (1 - P̄_e)`, `P_i = (Σ_j n_ij² - n) / (n(n-1))`, `P̄_e = Σ_j p_j²`.
///
/// Errors: empty table or no category, ragged rows, unequal raters per subject, fewer than
/// two raters; `Undefined` when all ratings fall in one category (statsmodels: NaN).
pub fn fleiss_kappa<R: AsRef<[u64]>>(table: &[R]) -> Result<f64> {
    if table.is_empty() {
        return Err(StatsError::Empty("Fleiss' kappa table"));
    }
    let n_cat = table[0].as_ref().len();
    if n_cat == 0 {
        return Err(StatsError::Empty("Fleiss' kappa categories"));
    }
    for row in table {
        check_same_len(row.as_ref().len(), n_cat, "Fleiss' kappa table rows")?;
    }
    let n_raters: u64 = table[0].as_ref().iter().sum();
    if table
        .iter()
        .any(|row| row.as_ref().iter().sum::<u64>() != n_raters)
    {
        return Err(StatsError::InvalidArgument(
            "Fleiss' kappa needs the same number of raters for every subject; use Krippendorff's alpha for missing ratings".into(),
        ));
    }
    if n_raters < 2 {
        return Err(StatsError::InvalidArgument(
            "Fleiss' kappa needs at least two raters per subject".into(),
        ));
    }
    let n_sub = table.len() as f64;
    let nr = n_raters as f64;
    let n_total = n_sub * nr;
    let p_mean = table
        .iter()
        .map(|row| {
            let squares: f64 = row.as_ref().iter().map(|&c| (c as f64) * (c as f64)).sum();
            (squares - nr) / (nr * (nr - 1.0))
        })
        .sum::<f64>()
        / n_sub;
    let p_expected: f64 = (0..n_cat)
        .map(|j| {
            let p = table.iter().map(|row| row.as_ref()[j] as f64).sum::<f64>() / n_total;
            p * p
        })
        .sum();
    if p_expected >= 1.0 {
        return Err(StatsError::Undefined(
            "every rating is in one category, so chance agreement is already perfect",
        ));
    }
    Ok((p_mean - p_expected) / (1.0 - p_expected))
}

/// Level of measurement for Krippendorff's alpha: fixes the distance between two values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Level {
    /// Unordered categories: distance 1 if different, else 0.
    Nominal,
    /// Ordered categories: squared count of values between the two (by rank), so only
    /// the order of the values matters.
    Ordinal,
    /// Squared difference of the values.
    Interval,
    /// Squared relative difference `((c - k) / (c + k))²`.
    Ratio,
}

/// Krippendorff's alpha `α = 1 - D_o / D_e` from the coincidence matrix (Krippendorff,
/// *Content Analysis*, 2004, ch. 11; "Computing Krippendorff's alpha-reliability", 2011),
/// as the `krippendorff` package's `alpha(reliability_data, level_of_measurement=...)`.
///
/// `ratings[rater][unit]` holds each rater's value for each unit, `None` where missing;
/// every rater row must cover the same units. Units with fewer than two ratings do not
/// contribute pairs. The value domain is the sorted set of all values present.
///
/// Errors: no raters or units, ragged rows, non-finite values, no unit with two or more
/// ratings; `Undefined` when the domain has a single value or the expected disagreement
/// is zero (the package raises or returns NaN there).
pub fn krippendorff_alpha<R: AsRef<[Option<f64>]>>(ratings: &[R], level: Level) -> Result<f64> {
    if ratings.is_empty() {
        return Err(StatsError::Empty("Krippendorff's alpha raters"));
    }
    let n_units = ratings[0].as_ref().len();
    if n_units == 0 {
        return Err(StatsError::Empty("Krippendorff's alpha units"));
    }
    for row in ratings {
        check_same_len(
            row.as_ref().len(),
            n_units,
            "Krippendorff's alpha rater rows",
        )?;
        if row.as_ref().iter().flatten().any(|v| !v.is_finite()) {
            return Err(StatsError::NotFinite(
                "Krippendorff's alpha ratings (use None for missing)",
            ));
        }
    }
    let mut domain: Vec<f64> = ratings
        .iter()
        .flat_map(|r| r.as_ref().iter().flatten().copied())
        .collect();
    domain.sort_by(f64::total_cmp);
    domain.dedup();
    if domain.len() <= 1 {
        return Err(StatsError::Undefined(
            "all ratings have the same value, so there is no disagreement to measure",
        ));
    }
    let v = domain.len();
    let index_of = |x: f64| domain.partition_point(|d| *d < x);

    // Coincidences: each unit with m >= 2 values adds n_uc n_uk / (m - 1) for c != k and
    // n_uc (n_uc - 1) / (m - 1) on the diagonal.
    let mut coincidence = vec![vec![0.0f64; v]; v];
    let mut pairable_unit = false;
    let mut counts = vec![0.0f64; v];
    for unit in 0..n_units {
        counts.iter_mut().for_each(|c| *c = 0.0);
        let mut m = 0usize;
        for row in ratings {
            if let Some(x) = row.as_ref()[unit] {
                counts[index_of(x)] += 1.0;
                m += 1;
            }
        }
        if m < 2 {
            continue;
        }
        pairable_unit = true;
        let denom = (m - 1) as f64;
        for c in 0..v {
            if counts[c] == 0.0 {
                continue;
            }
            for k in 0..v {
                let pairs = counts[c] * counts[k] - if c == k { counts[c] } else { 0.0 };
                coincidence[c][k] += pairs / denom;
            }
        }
    }
    if !pairable_unit {
        return Err(StatsError::InvalidArgument(
            "Krippendorff's alpha needs at least one unit rated by two or more raters".into(),
        ));
    }
    let marginals: Vec<f64> = (0..v)
        .map(|k| (0..v).map(|c| coincidence[c][k]).sum())
        .collect();
    let total: f64 = marginals.iter().sum();

    let distance = |c: usize, k: usize| -> f64 {
        match level {
            Level::Nominal => f64::from(u8::from(c != k)),
            Level::Ordinal => {
                let (lo, hi) = (c.min(k), c.max(k));
                let between: f64 = marginals[lo..=hi].iter().sum();
                let d = between - (marginals[lo] + marginals[hi]) / 2.0;
                d * d
            }
            Level::Interval => {
                let d = domain[c] - domain[k];
                d * d
            }
            Level::Ratio => {
                let sum = domain[c] + domain[k];
                if sum == 0.0 {
                    0.0
                } else {
                    let d = (domain[c] - domain[k]) / sum;
                    d * d
                }
            }
        }
    };
    let (mut observed, mut expected) = (0.0, 0.0);
    for c in 0..v {
        for k in 0..v {
            let d = distance(c, k);
            observed += coincidence[c][k] * d;
            let e = (marginals[c] * marginals[k] - if c == k { marginals[c] } else { 0.0 })
                / (total - 1.0);
            expected += e * d;
        }
    }
    if expected == 0.0 || !expected.is_finite() {
        return Err(StatsError::Undefined(
            "expected disagreement is zero (all pairable ratings share one value)",
        ));
    }
    Ok(1.0 - observed / expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cohen_errors() {
        let none = KappaWeights::None;
        assert!(cohen_kappa::<u8>(&[], &[], None, none).is_err());
        assert!(cohen_kappa(&[1, 2], &[1], None, none).is_err());
        assert!(cohen_kappa(&[1, 2], &[1, 2], Some(&[]), none).is_err());
        assert!(cohen_kappa(&[1, 2], &[1, 2], Some(&[1, 1]), none).is_err());
        assert!(cohen_kappa(&[1, 2], &[1, 2], Some(&[3]), none).is_err());
        // Both raters always say "a": undefined, as sklearn's NaN.
        assert!(matches!(
            cohen_kappa(&["a", "a"], &["a", "a"], None, none),
            Err(StatsError::Undefined(_))
        ));
    }

    #[test]
    fn fleiss_errors() {
        let empty: [[u64; 2]; 0] = [];
        assert!(fleiss_kappa(&empty).is_err());
        assert!(fleiss_kappa(&[vec![1u64, 2], vec![3]]).is_err());
        assert!(fleiss_kappa(&[[1u64, 2], [2, 2]]).is_err());
        assert!(fleiss_kappa(&[[1u64, 0], [0, 1]]).is_err());
        assert!(matches!(
            fleiss_kappa(&[[3u64, 0], [3, 0]]),
            Err(StatsError::Undefined(_))
        ));
    }

    #[test]
    fn krippendorff_errors() {
        let empty: [Vec<Option<f64>>; 0] = [];
        assert!(krippendorff_alpha(&empty, Level::Nominal).is_err());
        assert!(krippendorff_alpha(&[vec![Some(1.0)], vec![]], Level::Nominal).is_err());
        assert!(krippendorff_alpha(&[vec![Some(f64::NAN), Some(1.0)]], Level::Nominal).is_err());
        // One value only.
        assert!(matches!(
            krippendorff_alpha(
                &[vec![Some(1.0), Some(1.0)], vec![Some(1.0), None]],
                Level::Nominal
            ),
            Err(StatsError::Undefined(_))
        ));
        // No unit with two ratings.
        assert!(krippendorff_alpha(
            &[vec![Some(1.0), None], vec![None, Some(2.0)]],
            Level::Nominal
        )
        .is_err());
    }
}
