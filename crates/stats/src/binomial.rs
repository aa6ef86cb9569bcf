//! Exact binomial test, sign test and McNemar's test.
//!
//! These answer "is system A really better than system B on these items?" when each item
//! gives a binary or win/loss outcome: the sign test for pairwise judgements, McNemar for
//! two systems' correct/incorrect answers on the same multiple-choice items.

use serde::{Deserialize, Serialize};

use crate::error::{check_finite, check_same_len, Result, StatsError};
use crate::special::{binomial_cdf, binomial_pmf, binomial_sf, chi2_sf_df1};

/// Largest count handled exactly: integers above 2^53 are not all representable in `f64`.
const MAX_EXACT_COUNT: u64 = 1 << 53;

/// Two-sided exact binomial test p-value for `k` successes in `n` trials under
/// `H0: P(success) = p`, exactly as `scipy.stats.binomtest(k, n, p).pvalue`.
///
/// The two-sided p-value is the total probability of all outcomes no more likely than
/// the observed one, `sum_{i : f(i) <= f(k)} f(i)` with `f` the Binomial(n, p) pmf; as in
/// scipy, "no more likely" allows a relative tolerance of 1e-7 so that outcomes whose
/// probability equals `f(k)` up to rounding are counted (Hollander & Wolfe, *Nonparametric
/// Statistical Methods*, 1999; scipy's implementation finds the boundary on the other side
/// of the mode by binary search). The result is capped at 1.
///
/// Errors: `k > n`, `n == 0`, `n > 2^53`, or `p` outside [0, 1] (or NaN).
pub fn binomial_test(k: u64, n: u64, p: f64) -> Result<f64> {
    if n == 0 {
        return Err(StatsError::InvalidArgument(
            "binomial test needs n >= 1".into(),
        ));
    }
    if k > n {
        return Err(StatsError::InvalidArgument(format!(
            "successes k = {k} exceed trials n = {n}"
        )));
    }
    if !(0.0..=1.0).contains(&p) {
        return Err(StatsError::InvalidArgument(format!(
            "null probability must lie in [0, 1], got {p}"
        )));
    }
    if n > MAX_EXACT_COUNT {
        return Err(StatsError::InvalidArgument(format!(
            "n = {n} exceeds 2^53, beyond exact integer arithmetic in f64"
        )));
    }
    let nf = n as f64;
    let kf = k as f64;
    let d = binomial_pmf(k, n, p);
    let rerr = 1.0 + 1e-7;
    let pmf = |i: u64| binomial_pmf(i, n, p);
    let pvalue = if kf == p * nf {
        1.0
    } else if kf < p * nf {
        // Search the upper side of the mode for the last i with -pmf(i) <= -d*rerr.
        let lo = (p * nf).ceil() as i64;
        let ix = binary_search(|i| -pmf(i), -d * rerr, lo, n as i64);
        let exact_hit = i64::from(d * rerr == pmf(ix.max(0) as u64));
        let y = n as i64 - ix + exact_hit;
        // scipy: cdf(k) + sf(n - y)
        binomial_cdf(k, n, p) + sf_signed(n as i64 - y, n, p)
    } else {
        let hi = (p * nf).floor() as i64;
        let ix = binary_search(pmf, d * rerr, 0, hi);
        let y = ix + 1;
        // scipy: cdf(y - 1) + sf(k - 1)
        cdf_signed(y - 1, n, p) + sf_signed(k as i64 - 1, n, p)
    };
    Ok(pvalue.min(1.0))
}

/// `P(X <= k)` for a possibly negative `k`.
fn cdf_signed(k: i64, n: u64, p: f64) -> f64 {
    if k < 0 {
        0.0
    } else {
        binomial_cdf(k as u64, n, p)
    }
}

/// `P(X > k)` for a possibly negative `k`.
fn sf_signed(k: i64, n: u64, p: f64) -> f64 {
    if k < 0 {
        1.0
    } else {
        binomial_sf(k as u64, n, p)
    }
}

/// scipy's `_binary_search_for_binom_tst`: for `a` ascending on `[lo, hi]`, the index `i`
/// with `a(i) <= d < a(i + 1)` (may return `lo - 1`).
fn binary_search(a: impl Fn(u64) -> f64, d: f64, mut lo: i64, mut hi: i64) -> i64 {
    let at = |i: i64| a(i.max(0) as u64);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let midval = at(mid);
        if midval < d {
            lo = mid + 1;
        } else if midval > d {
            hi = mid - 1;
        } else {
            return mid;
        }
    }
    if at(lo) <= d {
        lo
    } else {
        lo - 1
    }
}

/// Result of a sign test on paired outcomes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SignTest {
    /// Pairs where the first system scored higher.
    pub wins: u64,
    /// Pairs where the second system scored higher.
    pub losses: u64,
    /// Pairs with equal scores (dropped from the test).
    pub ties: u64,
    /// Two-sided p-value: `binomial_test(wins, wins + losses, 0.5)`; 1 when every pair ties.
    pub p_value: f64,
}

/// Sign test from counts: `binomial_test(wins, wins + losses, 0.5)` with ties dropped
/// (Dixon & Mood, "The statistical sign test", JASA 1946). With no untied pair there is
/// no evidence either way and the p-value is 1.
pub fn sign_test_counts(wins: u64, losses: u64, ties: u64) -> Result<SignTest> {
    let n = wins
        .checked_add(losses)
        .ok_or_else(|| StatsError::InvalidArgument("wins + losses overflows".into()))?;
    let p_value = if n == 0 {
        1.0
    } else {
        binomial_test(wins, n, 0.5)?
    };
    Ok(SignTest {
        wins,
        losses,
        ties,
        p_value,
    })
}

/// Sign test on paired per-item scores: a win is `a[i] > b[i]`, a loss `a[i] < b[i]`.
///
/// Errors: empty input, mismatched lengths, NaN or infinite scores.
pub fn sign_test(a: &[f64], b: &[f64]) -> Result<SignTest> {
    check_same_len(a.len(), b.len(), "sign test pairs")?;
    if a.is_empty() {
        return Err(StatsError::Empty("sign test pairs"));
    }
    check_finite(a, "sign test scores")?;
    check_finite(b, "sign test scores")?;
    let (mut wins, mut losses, mut ties) = (0u64, 0u64, 0u64);
    for (x, y) in a.iter().zip(b) {
        if x > y {
            wins += 1;
        } else if x < y {
            losses += 1;
        } else {
            ties += 1;
        }
    }
    sign_test_counts(wins, losses, ties)
}

/// McNemar's test result.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct McNemar {
    /// For the exact test, `min(b, c)`; for the chi-square test, the corrected statistic.
    pub statistic: f64,
    /// Two-sided p-value.
    pub p_value: f64,
}

/// Exact McNemar test on the discordant counts `b` (only the first system right) and `c`
/// (only the second right): `min(1, 2 * P(X <= min(b, c)))` for `X ~ Binomial(b + c, 1/2)`,
/// as `statsmodels.stats.contingency_tables.mcnemar(table, exact=True)`
/// (McNemar, Psychometrika 1947; the exact form is the sign test on discordant pairs).
/// With no discordant pair the p-value is 1.
pub fn mcnemar_exact(b: u64, c: u64) -> Result<McNemar> {
    let n = b
        .checked_add(c)
        .ok_or_else(|| StatsError::InvalidArgument("b + c overflows".into()))?;
    let m = b.min(c);
    let p_value = (2.0 * binomial_cdf(m, n, 0.5)).min(1.0);
    Ok(McNemar {
        statistic: m as f64,
        p_value,
    })
}

/// Chi-square McNemar test with continuity correction:
/// `X² = (|b - c| - 1)² / (b + c)`, p from chi-square with 1 degree of freedom (Edwards
/// 1948), as `statsmodels ... mcnemar(table, exact=False, correction=True)`.
///
/// Like statsmodels (and unlike R's `mcnemar.test`, which drops the correction when
/// `b == c`), the correction is applied even when `b == c`, giving `X² = 1 / (b + c)`.
/// Prefer [`mcnemar_exact`] for small counts.
///
/// Errors: `Undefined` when `b + c == 0` (statsmodels returns an infinite statistic there).
pub fn mcnemar_chi2(b: u64, c: u64) -> Result<McNemar> {
    if b == 0 && c == 0 {
        return Err(StatsError::Undefined(
            "McNemar chi-square needs at least one discordant pair",
        ));
    }
    let diff = (b as f64 - c as f64).abs() - 1.0;
    let statistic = diff * diff / (b as f64 + c as f64);
    Ok(McNemar {
        statistic,
        p_value: chi2_sf_df1(statistic),
    })
}

/// Discordant counts `(b, c)` from two systems' per-item correctness:
/// `b` = items only `a` got right, `c` = items only `b` got right.
pub fn discordant_counts(a_correct: &[bool], b_correct: &[bool]) -> Result<(u64, u64)> {
    check_same_len(a_correct.len(), b_correct.len(), "McNemar paired outcomes")?;
    if a_correct.is_empty() {
        return Err(StatsError::Empty("McNemar paired outcomes"));
    }
    let mut b = 0u64;
    let mut c = 0u64;
    for (&x, &y) in a_correct.iter().zip(b_correct) {
        match (x, y) {
            (true, false) => b += 1,
            (false, true) => c += 1,
            _ => {}
        }
    }
    Ok((b, c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_arguments() {
        assert!(binomial_test(5, 4, 0.5).is_err());
        assert!(binomial_test(0, 0, 0.5).is_err());
        assert!(binomial_test(1, 4, 1.5).is_err());
        assert!(binomial_test(1, 4, f64::NAN).is_err());
        assert!(binomial_test(1, u64::MAX, 0.5).is_err());
        assert!(sign_test(&[], &[]).is_err());
        assert!(sign_test(&[1.0], &[1.0, 2.0]).is_err());
        assert!(sign_test(&[f64::NAN], &[1.0]).is_err());
        assert!(matches!(mcnemar_chi2(0, 0), Err(StatsError::Undefined(_))));
        assert!(discordant_counts(&[true], &[]).is_err());
    }

    #[test]
    fn discordant_counts_count_each_direction() {
        let a = [true, true, false, false, true];
        let b = [true, false, true, false, false];
        assert_eq!(discordant_counts(&a, &b).unwrap(), (2, 1));
    }

    #[test]
    fn all_ties_give_p_one() {
        let t = sign_test(&[1.0, 2.0], &[1.0, 2.0]).unwrap();
        assert_eq!((t.wins, t.losses, t.ties, t.p_value), (0, 0, 2, 1.0));
        assert_eq!(mcnemar_exact(0, 0).unwrap().p_value, 1.0);
    }
}
