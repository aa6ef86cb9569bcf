//! BPE segmentation as sentencepiece does it (`bpe::Model::SampleEncode` without dropout).
//!
//! A sentencepiece BPE model stores no merge list: the merges are the vocabulary pieces, and a
//! piece's score is its merge priority (earlier merges score higher). Encoding starts from
//! single characters (user-defined symbols as whole, frozen symbols) and repeatedly merges the
//! adjacent pair whose concatenation is the highest-scoring piece, the leftmost pair on ties.
//! A priority queue holds candidate pairs; entries made stale by an earlier merge are
//! recognised because the two symbols no longer add up to the entry's length.
//!
//! Pieces of type UNUSED may be merged through but are never emitted: they are split back
//! into the two symbols that formed them, recursively. Follows sentencepiece 0.2.3.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::proto::PieceType;
use crate::vocab::{FastMap, Vocab};

#[derive(Debug, Clone, Copy)]
struct Symbol {
    /// Byte range in the normalised text; `start == end` once merged into its left neighbour.
    start: usize,
    end: usize,
    prev: Option<usize>,
    next: Option<usize>,
    /// User-defined symbols never merge.
    frozen: bool,
}

/// A candidate merge of symbols `left` and `right` into a piece of `len` bytes.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    score: f32,
    left: usize,
    right: usize,
    len: usize,
}

impl PartialEq for Candidate {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Candidate {}
impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Candidate {
    /// Max-heap order: higher score first, then the leftmost pair (sentencepiece's
    /// `SymbolPairComparator`). `total_cmp` keeps the order total even for NaN scores.
    fn cmp(&self, other: &Self) -> Ordering {
        self.score
            .total_cmp(&other.score)
            .then_with(|| other.left.cmp(&self.left))
            .then_with(|| other.right.cmp(&self.right))
            .then_with(|| other.len.cmp(&self.len))
    }
}

/// Appends the pieces of `normalized` to `out` as (text, id); a symbol that is not in the
/// vocabulary comes out with the unknown id.
pub(crate) fn encode<'a>(vocab: &Vocab, normalized: &'a str, out: &mut Vec<(&'a str, u32)>) {
    if normalized.is_empty() {
        return;
    }
    let text = normalized.as_bytes();
    let mut symbols: Vec<Symbol> = Vec::with_capacity(normalized.len());
    let mut pos = 0;
    while pos < text.len() {
        let user = vocab
            .user_defined
            .as_ref()
            .and_then(|t| t.longest_prefix(text, pos));
        let len = match user {
            Some((len, _)) => len,
            None => normalized[pos..].chars().next().map_or(1, char::len_utf8),
        };
        let index = symbols.len();
        symbols.push(Symbol {
            start: pos,
            end: pos + len,
            prev: index.checked_sub(1),
            next: (pos + len < text.len()).then_some(index + 1),
            frozen: user.is_some(),
        });
        pos += len;
    }

    // Merged pieces of type UNUSED -> the two pieces they were made of.
    let mut rev_merge: FastMap<&'a str, (&'a str, &'a str)> = FastMap::default();
    let mut agenda = BinaryHeap::new();
    let mut add_pair = |symbols: &[Symbol],
                        left: Option<usize>,
                        right: Option<usize>,
                        agenda: &mut BinaryHeap<Candidate>| {
        let (Some(left), Some(right)) = (left, right) else {
            return;
        };
        let (l, r) = (symbols[left], symbols[right]);
        if l.frozen || r.frozen {
            return;
        }
        let merged = &normalized[l.start..r.end];
        let Some(id) = vocab.normal_id(merged) else {
            return;
        };
        agenda.push(Candidate {
            score: vocab.score(id),
            left,
            right,
            len: merged.len(),
        });
        if vocab.kind(id) == PieceType::Unused {
            rev_merge.insert(
                merged,
                (&normalized[l.start..l.end], &normalized[r.start..r.end]),
            );
        }
    };
    for i in 1..symbols.len() {
        add_pair(&symbols, Some(i - 1), Some(i), &mut agenda);
    }

    while let Some(top) = agenda.pop() {
        let (l, r) = (symbols[top.left], symbols[top.right]);
        // Stale: one side was merged away or grew since the pair was queued.
        if l.start == l.end || r.start == r.end || (l.end - l.start) + (r.end - r.start) != top.len
        {
            continue;
        }
        symbols[top.left].end = r.end;
        symbols[top.left].next = r.next;
        if let Some(n) = r.next {
            symbols[n].prev = Some(top.left);
        }
        symbols[top.right].end = symbols[top.right].start;
        add_pair(
            &symbols,
            symbols[top.left].prev,
            Some(top.left),
            &mut agenda,
        );
        add_pair(
            &symbols,
            Some(top.left),
            symbols[top.left].next,
            &mut agenda,
        );
    }

    let mut index = Some(0);
    while let Some(i) = index {
        let s = symbols[i];
        resegment(vocab, &rev_merge, &normalized[s.start..s.end], out, 0);
        index = s.next;
    }
}

/// sentencepiece stops splitting UNUSED pieces at this depth (`kMaxBpeResegmentDepth`), a
/// guard against malicious models with very deep merge chains.
const MAX_RESEGMENT_DEPTH: usize = 100;

/// Emits `piece`, splitting UNUSED pieces back into their parts.
fn resegment<'a>(
    vocab: &Vocab,
    rev_merge: &FastMap<&'a str, (&'a str, &'a str)>,
    piece: &'a str,
    out: &mut Vec<(&'a str, u32)>,
    depth: usize,
) {
    let id = vocab.piece_to_id(piece);
    if depth > MAX_RESEGMENT_DEPTH {
        out.push((piece, id));
        return;
    }
    match vocab.kind(id) {
        PieceType::Unknown | PieceType::Control | PieceType::Byte => {
            out.push((piece, vocab.unk_id))
        }
        PieceType::Unused => match rev_merge.get(piece) {
            Some(&(left, right)) => {
                resegment(vocab, rev_merge, left, out, depth + 1);
                resegment(vocab, rev_merge, right, out, depth + 1);
            }
            None => out.push((piece, vocab.unk_id)),
        },
        PieceType::Normal | PieceType::UserDefined => out.push((piece, id)),
    }
}
