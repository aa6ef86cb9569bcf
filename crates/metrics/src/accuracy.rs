//! Multiple-choice accuracy: which choice a model picks under each length normalisation, and
//! the mean of per-item scores with its analytic standard error.
//!
//! A model picks the choice with the highest log-likelihood of its continuation, divided by
//! the continuation's length in one of four units ([`Normalization`]): none (`acc`), Unicode
//! characters (`acc_norm`, lm-evaluation-harness's `len(choice)`), UTF-8 bytes
//! (`acc_bytes`, comparable across scripts whose characters take different byte counts) or
//! model tokens (`acc_tokens`). Ties go to the first choice and a NaN wins, as numpy's
//! `argmax` does; a zero length divides like numpy too (−∞, or NaN for 0/0).
//!
//! lm-evaluation-harness counts the characters of the choice text as `doc_to_choice` returns
//! it, without the target delimiter (the leading space) that is scored with it.
//!
//! ```
//! use kakugo_metrics::accuracy::{select, ChoiceScore, Normalization};
//! let choices = [
//!     ChoiceScore::new(-4.0, " science", 2),
//!     ChoiceScore::new(-5.0, " entertainment", 3),
//! ];
//! assert_eq!(select(&choices, Normalization::None), Some(0));
//! assert_eq!(select(&choices, Normalization::Chars), Some(1)); // -4/8 < -5/14
//! ```

/// One choice's log-likelihood and the lengths of its continuation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChoiceScore {
    /// Summed log-probability of the continuation's tokens, in nats.
    pub logprob: f64,
    /// Unicode scalar values (Python's `len(str)`).
    pub n_chars: usize,
    /// UTF-8 bytes.
    pub n_bytes: usize,
    /// Model tokens scored.
    pub n_tokens: usize,
}

impl ChoiceScore {
    /// Lengths taken from the text whose characters and bytes normalise the choice.
    pub fn new(logprob: f64, text: &str, n_tokens: usize) -> Self {
        ChoiceScore {
            logprob,
            n_chars: text.chars().count(),
            n_bytes: text.len(),
            n_tokens,
        }
    }
}

/// What a choice's log-likelihood is divided by before the choices are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Normalization {
    /// Raw log-likelihood (`acc`).
    None,
    /// Per Unicode character (`acc_norm`).
    Chars,
    /// Per UTF-8 byte (`acc_bytes`).
    Bytes,
    /// Per token (`acc_tokens`).
    Tokens,
}

impl Normalization {
    pub const ALL: [Normalization; 4] = [
        Normalization::None,
        Normalization::Chars,
        Normalization::Bytes,
        Normalization::Tokens,
    ];

    /// Short name used in signatures.
    pub fn name(self) -> &'static str {
        match self {
            Normalization::None => "none",
            Normalization::Chars => "chars",
            Normalization::Bytes => "bytes",
            Normalization::Tokens => "tokens",
        }
    }

    /// The value compared for `choice`.
    pub fn apply(self, choice: &ChoiceScore) -> f64 {
        let len = match self {
            Normalization::None => return choice.logprob,
            Normalization::Chars => choice.n_chars,
            Normalization::Bytes => choice.n_bytes,
            Normalization::Tokens => choice.n_tokens,
        };
        choice.logprob / len as f64
    }
}

/// Index of the chosen choice under `norm` (`None` when there are no choices).
pub fn select(choices: &[ChoiceScore], norm: Normalization) -> Option<usize> {
    argmax(choices.iter().map(|c| norm.apply(c)))
}

/// The choice picked under each normalisation, in [`Normalization::ALL`] order.
pub fn select_all(choices: &[ChoiceScore]) -> Option<[usize; 4]> {
    let mut out = [0; 4];
    for (slot, norm) in out.iter_mut().zip(Normalization::ALL) {
        *slot = select(choices, norm)?;
    }
    Some(out)
}

/// numpy's `argmax`: the first NaN if there is one, else the first maximum.
fn argmax(values: impl Iterator<Item = f64>) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for (i, v) in values.enumerate() {
        if v.is_nan() {
            return Some(i);
        }
        if best.is_none_or(|(_, b)| v > b) {
            best = Some((i, v));
        }
    }
    best.map(|b| b.0)
}

/// Arithmetic mean, summed left to right like Python's `sum(arr) / len(arr)`. 0 when empty.
pub fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.iter().sum::<f64>() / values.len() as f64
}

/// Sample standard deviation (denominator n − 1), as lm-evaluation-harness's
/// `sample_stddev`. 0 for fewer than two values.
pub fn sample_std(values: &[f64]) -> f64 {
    if values.len() < 2 {
        return 0.0;
    }
    let mu = mean(values);
    let ss: f64 = values.iter().map(|x| (x - mu) * (x - mu)).sum();
    (ss / (values.len() - 1) as f64).sqrt()
}

/// Mean and its standard error, sample std / √n, as lm-evaluation-harness's `mean_stderr`.
/// The error is 0 for fewer than two values (where lm-evaluation-harness has none).
pub fn mean_stderr(values: &[f64]) -> (f64, f64) {
    let se = if values.len() < 2 {
        0.0
    } else {
        sample_std(values) / (values.len() as f64).sqrt()
    };
    (mean(values), se)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn choice(logprob: f64, n: usize) -> ChoiceScore {
        ChoiceScore {
            logprob,
            n_chars: n,
            n_bytes: n,
            n_tokens: n,
        }
    }

    #[test]
    fn lengths_of_non_latin_text() {
        let c = ChoiceScore::new(-1.0, " Қазақ", 3);
        assert_eq!((c.n_chars, c.n_bytes, c.n_tokens), (6, 11, 3));
    }

    #[test]
    fn each_normalisation_can_change_the_pick() {
        let choices = [
            ChoiceScore {
                logprob: -6.0,
                n_chars: 4,
                n_bytes: 12,
                n_tokens: 2,
            },
            ChoiceScore {
                logprob: -7.0,
                n_chars: 7,
                n_bytes: 7,
                n_tokens: 7,
            },
            ChoiceScore {
                logprob: -9.0,
                n_chars: 6,
                n_bytes: 6,
                n_tokens: 10,
            },
        ];
        // raw: -6 -7 -9; chars: -1.5 -1 -1.5; bytes: -0.5 -1 -1.5; tokens: -3 -1 -0.9
        assert_eq!(select_all(&choices), Some([0, 1, 0, 2]));
        assert_eq!(select_all(&[]), None);
    }

    #[test]
    fn ties_and_nan_follow_numpy_argmax() {
        // np.argmax([-1.0, -1.0]) == 0; np.argmax([-1.0, nan, 0.0]) == 1
        assert_eq!(
            select(&[choice(-1.0, 1), choice(-1.0, 1)], Normalization::None),
            Some(0)
        );
        let with_nan = [choice(-1.0, 1), choice(f64::NAN, 1), choice(0.0, 1)];
        assert_eq!(select(&with_nan, Normalization::None), Some(1));
        // An empty continuation: np.array([-2.0, -3.0]) / np.array([0.0, 1.0]) is [-inf, -3].
        assert_eq!(
            select(&[choice(-2.0, 0), choice(-3.0, 1)], Normalization::Chars),
            Some(1)
        );
    }

    #[test]
    fn mean_stderr_matches_lm_eval() {
        // lm-evaluation-harness's formula (sample_stddev / sqrt(n)) in Python 3.11 on
        // [1, 0, 0, 1, 1] gives 0.24494897427831783.
        let (m, se) = mean_stderr(&[1.0, 0.0, 0.0, 1.0, 1.0]);
        assert_eq!(m, 0.6);
        assert!((se - 0.24494897427831783).abs() < 1e-15);
        assert_eq!(mean_stderr(&[]), (0.0, 0.0));
        assert_eq!(mean_stderr(&[3.0]), (3.0, 0.0));
    }
}
