//! The one error type every function in the crate returns.

use std::fmt;

/// Why a statistic could not be computed.
///
/// Functions never panic on bad input; they return one of these instead. `Undefined` is
/// the case where the reference libraries (scipy, scikit-learn, statsmodels) would return
/// `NaN` for well-formed input, e.g. the correlation of a constant series: it is an error
/// here so that a `NaN` can never leak silently into a report or a CI verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatsError {
    /// A sample (or list of p-values, raters, systems...) that must be non-empty was empty.
    Empty(&'static str),
    /// Two inputs that must have the same length did not.
    LengthMismatch {
        what: &'static str,
        left: usize,
        right: usize,
    },
    /// An input contained NaN or an infinity.
    NotFinite(&'static str),
    /// An argument was outside its domain (a probability outside [0, 1], a count larger
    /// than its total, too few observations, ...). The text says which.
    InvalidArgument(String),
    /// The statistic is mathematically undefined for this input (0/0): the reference
    /// library returns NaN here. The text says why.
    Undefined(&'static str),
    /// An iterative computation failed to converge (should not happen for valid input;
    /// reported rather than returning an inaccurate number).
    NoConvergence(&'static str),
}

impl fmt::Display for StatsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StatsError::Empty(what) => write!(f, "empty input: {what}"),
            StatsError::LengthMismatch { what, left, right } => {
                write!(f, "length mismatch in {what}: {left} vs {right}")
            }
            StatsError::NotFinite(what) => {
                write!(f, "non-finite value (NaN or infinity) in {what}")
            }
            StatsError::InvalidArgument(why) => write!(f, "invalid argument: {why}"),
            StatsError::Undefined(why) => write!(f, "statistic undefined: {why}"),
            StatsError::NoConvergence(what) => write!(f, "no convergence in {what}"),
        }
    }
}

impl std::error::Error for StatsError {}

/// Result alias used throughout the crate.
pub type Result<T> = std::result::Result<T, StatsError>;

/// Fail with [`StatsError::NotFinite`] unless every value is finite.
pub(crate) fn check_finite(values: &[f64], what: &'static str) -> Result<()> {
    if values.iter().all(|v| v.is_finite()) {
        Ok(())
    } else {
        Err(StatsError::NotFinite(what))
    }
}

/// Fail unless `0 < level < 1` (a confidence level, alpha, or power).
pub(crate) fn check_open_unit(value: f64, what: &str) -> Result<()> {
    if value > 0.0 && value < 1.0 {
        Ok(())
    } else {
        Err(StatsError::InvalidArgument(format!(
            "{what} must lie strictly between 0 and 1, got {value}"
        )))
    }
}

/// Fail unless both slices have the same length.
pub(crate) fn check_same_len(left: usize, right: usize, what: &'static str) -> Result<()> {
    if left == right {
        Ok(())
    } else {
        Err(StatsError::LengthMismatch { what, left, right })
    }
}
