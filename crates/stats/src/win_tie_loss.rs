//! Win / tie / loss summary for pairwise judgements (e.g. an LLM judge comparing system A's
//! answer with system B's on each item).

use serde::{Deserialize, Serialize};

use crate::binomial::sign_test_counts;
use crate::error::{Result, StatsError};
use crate::intervals::{wilson, Interval};

/// The outcome of one pairwise judgement, from the first system's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Outcome {
    /// The first system was judged better.
    Win,
    /// Neither was judged better.
    Tie,
    /// The second system was judged better.
    Loss,
}

/// Rates with Wilson intervals and the sign-test p-value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WinTieLoss {
    /// Number of wins.
    pub wins: u64,
    /// Number of ties.
    pub ties: u64,
    /// Number of losses.
    pub losses: u64,
    /// Win rate over all judgements, with its Wilson interval.
    pub win_rate: Interval,
    /// Tie rate over all judgements, with its Wilson interval.
    pub tie_rate: Interval,
    /// Loss rate over all judgements, with its Wilson interval.
    pub loss_rate: Interval,
    /// Wins among decisive judgements, `wins / (wins + losses)`, with its Wilson
    /// interval; `None` when every judgement is a tie.
    pub decisive_win_rate: Option<Interval>,
    /// Two-sided sign-test p-value for `H0: wins and losses equally likely` (ties
    /// dropped); 1 when every judgement is a tie.
    pub sign_test_p: f64,
}

/// Summarise counts of wins, ties and losses at the given `confidence` (e.g. 0.95).
///
/// Errors: no judgements at all, confidence outside (0, 1).
pub fn win_tie_loss(wins: u64, ties: u64, losses: u64, confidence: f64) -> Result<WinTieLoss> {
    let n = wins
        .checked_add(ties)
        .and_then(|s| s.checked_add(losses))
        .ok_or_else(|| StatsError::InvalidArgument("judgement counts overflow".into()))?;
    if n == 0 {
        return Err(StatsError::Empty("pairwise judgements"));
    }
    let decisive = wins + losses;
    Ok(WinTieLoss {
        wins,
        ties,
        losses,
        win_rate: wilson(wins, n, confidence)?,
        tie_rate: wilson(ties, n, confidence)?,
        loss_rate: wilson(losses, n, confidence)?,
        decisive_win_rate: if decisive == 0 {
            None
        } else {
            Some(wilson(wins, decisive, confidence)?)
        },
        sign_test_p: sign_test_counts(wins, losses, ties)?.p_value,
    })
}

/// [`win_tie_loss`] from a list of outcomes.
pub fn win_tie_loss_from_outcomes(outcomes: &[Outcome], confidence: f64) -> Result<WinTieLoss> {
    let count = |o: Outcome| outcomes.iter().filter(|&&x| x == o).count() as u64;
    win_tie_loss(
        count(Outcome::Win),
        count(Outcome::Tie),
        count(Outcome::Loss),
        confidence,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_and_all_ties() {
        assert!(win_tie_loss(0, 0, 0, 0.95).is_err());
        assert!(win_tie_loss(1, 0, 0, 1.0).is_err());
        let s = win_tie_loss_from_outcomes(&[Outcome::Tie, Outcome::Tie], 0.95).unwrap();
        assert_eq!(s.sign_test_p, 1.0);
        assert!(s.decisive_win_rate.is_none());
        assert_eq!(s.tie_rate.estimate, 1.0);
    }
}
