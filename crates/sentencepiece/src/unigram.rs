//! Unigram segmentation: the most probable split of the normalised text into vocabulary
//! pieces, by Viterbi over the lattice of all pieces that occur in it.
//!
//! This follows sentencepiece's default encoder (`unigram::Model::EncodeOptimized`, as of
//! sentencepiece 0.2.3), whose tie-breaking and float arithmetic decide which of two equally
//! scored segmentations wins: positions are visited left to right; at each one the pieces
//! starting there are tried shortest first, and a candidate replaces the best path ending at
//! its end only if its `f32` score is strictly greater. When the path score at the current
//! position leaves ±100,000 (long inputs), the scores of the open frontier are shifted back
//! to 0, as sentencepiece does to keep `f32` precision; that shift is replicated because it
//! changes rounding, and so ties. [`Compat::Legacy`] reproduces the arithmetic of earlier
//! releases instead.

use crate::compat::Compat;
use crate::error::{Error, Result};
use crate::proto::PieceType;
use crate::trie::Trie;
use crate::vocab::Vocab;

/// Marks a position no path reaches yet (ids are below `u32::MAX - 1`).
const UNSET: u32 = u32::MAX;

/// sentencepiece's `kUnkPenalty`: an unknown character costs the worst piece score minus 10.
const UNK_PENALTY: f32 = 10.0;

#[derive(Debug, Clone)]
pub(crate) struct Unigram {
    trie: Trie,
    /// Score and type of every piece, by id: a compact copy of the vocabulary for the inner
    /// loop, which looks both up for every match.
    pieces: Vec<(f32, PieceType)>,
    /// Score of the unknown piece, `min_score - UNK_PENALTY`.
    unk_score: f32,
    /// The best normal piece score, floored at `f32::MIN_POSITIVE` (`FLT_MIN`): the base of
    /// the user-defined bonus in [`Compat::Legacy`].
    max_score: f32,
}

/// sentencepiece's `kScoreResetThreshold`.
const SCORE_RESET_THRESHOLD: f32 = 100_000.0;

/// User-defined symbols score `0.1 · (byte length − 1)`: higher than any log-probability, and
/// higher for one long symbol than for several short ones (sentencepiece's
/// `GetUserDefinedScore`, computed in `double` and returned as `float`).
fn user_defined_score(length: usize) -> f32 {
    (0.1 * (length as f64 - 1.0)) as f32
}

#[derive(Debug, Clone, Copy)]
struct BestPath {
    /// Id of the last piece, `UNSET` while no path reaches this position.
    id: u32,
    score: f32,
    starts_at: usize,
}

impl Unigram {
    /// Builds the search structures; sentencepiece refuses unigram models with a NaN or
    /// infinite score, or without any piece to match.
    pub(crate) fn new(vocab: &Vocab) -> Result<Unigram> {
        if let Some(p) = vocab.pieces.iter().find(|p| !p.score.is_finite()) {
            return Err(Error::Model(format!(
                "piece {:?} has score {}",
                p.piece, p.score
            )));
        }
        let min_score = vocab
            .pieces
            .iter()
            .filter(|p| p.kind == PieceType::Normal)
            .map(|p| p.score)
            .fold(f32::MAX, f32::min);
        let max_score = vocab
            .pieces
            .iter()
            .filter(|p| p.kind == PieceType::Normal)
            .map(|p| p.score)
            .fold(f32::MIN_POSITIVE, f32::max);
        let trie = Trie::new(vocab.normal_pieces());
        if trie.is_empty() {
            return Err(Error::Model(
                "unigram model without any piece to match".into(),
            ));
        }
        Ok(Unigram {
            trie,
            pieces: vocab.pieces.iter().map(|p| (p.score, p.kind)).collect(),
            unk_score: min_score - UNK_PENALTY,
            max_score,
        })
    }

    /// Appends the pieces of `normalized` to `out` as (text, id); unknown characters come out
    /// one by one with the id `unk` (the unknown piece, or [`crate::vocab::NO_UNK`]).
    pub(crate) fn encode<'a>(
        &self,
        vocab: &Vocab,
        compat: Compat,
        normalized: &'a str,
        out: &mut Vec<(&'a str, u32)>,
    ) {
        if normalized.is_empty() {
            return;
        }
        let text = normalized.as_bytes();
        let size = text.len();
        let mut best = vec![
            BestPath {
                id: UNSET,
                score: 0.0,
                starts_at: 0,
            };
            size + 1
        ];
        let mut starts_at = 0;
        // The furthest position any path has reached so far.
        let mut max_frontier = 0;
        while starts_at < size {
            let mut till_here = best[starts_at].score;
            // Spelled as in sentencepiece so that a NaN (from overflowing huge scores) is
            // treated the same way: not reset.
            #[allow(clippy::manual_range_contains)]
            let out_of_range =
                till_here < -SCORE_RESET_THRESHOLD || till_here > SCORE_RESET_THRESHOLD;
            if out_of_range && compat == Compat::Current {
                let offset = till_here;
                // The open frontier: this position and every reached one after it.
                if let Some(frontier) = best.get_mut(starts_at..=max_frontier) {
                    for (k, node) in frontier.iter_mut().enumerate() {
                        if k == 0 || node.id != UNSET {
                            node.score -= offset;
                        }
                    }
                }
                till_here = 0.0;
            }
            let char_len = utf8_len(text[starts_at]).min(size - starts_at);
            let mut has_single_char_piece = false;
            self.trie.for_each_prefix(text, starts_at, |end, id| {
                let (piece_score, kind) = self.pieces[id as usize];
                if kind == PieceType::Unused {
                    return;
                }
                max_frontier = max_frontier.max(end);
                let length = end - starts_at;
                let target = &mut best[end];
                let (better, score) = match compat {
                    Compat::Current => {
                        let score = if kind == PieceType::UserDefined {
                            user_defined_score(length)
                        } else {
                            piece_score
                        };
                        let candidate = score + till_here;
                        (candidate > target.score, candidate)
                    }
                    Compat::Legacy => {
                        // `cond ? length * max_score - 0.1 : score` has type double.
                        let score = if kind == PieceType::UserDefined {
                            f64::from(length as f32 * self.max_score) - 0.1
                        } else {
                            f64::from(piece_score)
                        };
                        let candidate = score + f64::from(till_here);
                        (candidate > f64::from(target.score), candidate as f32)
                    }
                };
                if target.id == UNSET || better {
                    *target = BestPath {
                        id,
                        score,
                        starts_at,
                    };
                }
                if length == char_len {
                    has_single_char_piece = true;
                }
            });
            if !has_single_char_piece {
                max_frontier = max_frontier.max(starts_at + char_len);
                let candidate = self.unk_score + till_here;
                let target = &mut best[starts_at + char_len];
                if target.id == UNSET || candidate > target.score {
                    *target = BestPath {
                        id: vocab.unk_id,
                        score: candidate,
                        starts_at,
                    };
                }
            }
            starts_at += char_len;
        }
        // Backtrack from the end. Every character boundary is reachable (each character is a
        // piece or an unknown), so the loop always ends at 0.
        let first = out.len();
        let mut ends_at = size;
        while ends_at > 0 {
            let node = best[ends_at];
            if node.id == UNSET || node.starts_at >= ends_at {
                break;
            }
            out.push((&normalized[node.starts_at..ends_at], node.id));
            ends_at = node.starts_at;
        }
        out[first..].reverse();
    }
}

/// Length of the UTF-8 sequence a lead byte starts (sentencepiece's `OneCharLen`).
pub(crate) fn utf8_len(lead: u8) -> usize {
    match lead >> 4 {
        0xc | 0xd => 2,
        0xe => 3,
        0xf => 4,
        _ => 1,
    }
}
