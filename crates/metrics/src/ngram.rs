//! Clipped n-gram matching and Python's whitespace rules, shared by chrF and BLEU.
//!
//! Segments arrive as sequences of `u32` units: a character's scalar value, or a word's id
//! from [`intern`]. [`clipped_matches`] counts, for each order n, the hypothesis n-grams
//! that also occur in the references, each n-gram at most as often as in the reference that
//! has it most often (BLEU's clipping; with one reference it is chrF's Σ min(count_hyp,
//! count_ref)).
//!
//! No n-gram is materialised. The n-gram at position i is named by a dense id: order 1 by
//! its unit, order n by the pair (id of the (n−1)-gram at i, unit i+n−1), interned in one hash
//! table per order that the references fill. A hypothesis n-gram whose (n−1)-gram prefix is
//! absent from the references cannot be present either, so it is skipped without a lookup.
//! That is one hash operation per n-gram, instead of sacrebleu's `Counter` of substrings.
//!
//! ```
//! use kakugo_metrics::ngram::{clipped_matches, python_split};
//! let units = |s: &str| s.chars().map(u32::from).collect::<Vec<_>>();
//! let (hyp, reference) = (units("abab"), units("abba"));
//! // unigrams a a b b vs a b b a: 4; bigrams ab ba ab vs ab bb ba: 2; trigrams: 0
//! assert_eq!(clipped_matches(&hyp, &[&reference], 3), [4, 2, 0]);
//! assert_eq!(python_split(" a\u{1f}b\u{a0} c ").collect::<Vec<_>>(), ["a", "b", "c"]);
//! ```

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Python's `str.isspace()`: Unicode `White_Space` plus U+001C–U+001F, which Python counts
/// as whitespace (bidirectional class B or S) and Rust does not.
pub fn is_python_whitespace(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's `str.split()` without arguments: runs of whitespace separate, no empty pieces.
pub fn python_split(s: &str) -> impl Iterator<Item = &str> {
    s.split(is_python_whitespace).filter(|w| !w.is_empty())
}

/// Python's `str.rstrip()` without arguments.
pub fn python_rstrip(s: &str) -> &str {
    s.trim_end_matches(is_python_whitespace)
}

/// Number of n-grams of order `n` in `len` units.
pub fn windows(len: usize, n: usize) -> usize {
    (len + 1).saturating_sub(n)
}

/// Word ids shared by several token sequences: equal words get equal ids.
pub fn intern(sequences: &[&[&str]]) -> Vec<Vec<u32>> {
    let mut ids: HashMap<&str, u32, Fast> = HashMap::default();
    sequences
        .iter()
        .map(|seq| {
            seq.iter()
                .map(|w| {
                    let next = ids.len() as u32;
                    *ids.entry(w).or_insert(next)
                })
                .collect()
        })
        .collect()
}

/// Marks a hypothesis n-gram that no reference has.
const ABSENT: u32 = u32::MAX;

/// A multiplicative hash (rustc's FxHash step) with a final fold of the high half into the
/// low half: the keys pack an id above a unit, and the table indexes with the low bits, which
/// a product alone would take from the unit only.
#[derive(Default)]
struct FoldHasher(u64);

impl FoldHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for FoldHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, x: u64) {
        self.add(x);
    }

    fn finish(&self) -> u64 {
        self.0 ^ (self.0 >> 32)
    }
}

type Fast = BuildHasherDefault<FoldHasher>;

type IdTable = HashMap<u64, u32, Fast>;

/// The key of the n-gram at `i` given the (n−1)-gram ids `prev` (order 1: the unit itself).
fn key(n: usize, prev: &[u32], units: &[u32], i: usize) -> u64 {
    if n == 1 {
        u64::from(units[i])
    } else {
        (u64::from(prev[i]) << 32) | u64::from(units[i + n - 1])
    }
}

/// For orders 1..=`max_order`: the hypothesis n-grams found in the references, each counted
/// at most as often as the reference with the most of it has it. All zeros without
/// references. Units must be below `u32::MAX`.
pub fn clipped_matches(hyp: &[u32], refs: &[&[u32]], max_order: usize) -> Vec<u32> {
    let mut matches = vec![0u32; max_order];
    let ref_units: usize = refs.iter().map(|r| r.len()).sum();
    let mut table = IdTable::with_capacity_and_hasher(ref_units, Fast::default());
    // ids[i]: id of the n-gram at i of the order last processed (in place, left to right:
    // position i is read before it is overwritten and after i − 1 was).
    let mut ref_ids: Vec<Vec<u32>> = refs.iter().map(|r| vec![0; r.len()]).collect();
    let mut hyp_ids = vec![0u32; hyp.len()];
    let (mut pooled, mut current, mut hyp_count) = (Vec::new(), Vec::new(), Vec::new());
    for n in 1..=max_order {
        table.clear();
        pooled.clear();
        for (units, ids) in refs.iter().zip(ref_ids.iter_mut()) {
            current.clear();
            current.resize(pooled.len(), 0u32);
            for i in 0..windows(units.len(), n) {
                let next = table.len() as u32;
                let id = *table.entry(key(n, ids, units, i)).or_insert(next);
                if id == next {
                    pooled.push(0);
                    current.push(0);
                }
                current[id as usize] += 1;
                ids[i] = id;
            }
            for (p, c) in pooled.iter_mut().zip(&current) {
                *p = (*p).max(*c);
            }
        }
        hyp_count.clear();
        hyp_count.resize(pooled.len(), 0u32);
        for i in 0..windows(hyp.len(), n) {
            let id = if n > 1 && hyp_ids[i] == ABSENT {
                ABSENT
            } else {
                table
                    .get(&key(n, &hyp_ids, hyp, i))
                    .copied()
                    .unwrap_or(ABSENT)
            };
            hyp_ids[i] = id;
            if id != ABSENT {
                let c = &mut hyp_count[id as usize];
                *c += 1;
                if *c <= pooled[id as usize] {
                    matches[n - 1] += 1;
                }
            }
        }
        // No n-gram in common: no longer one either.
        if matches[n - 1] == 0 {
            break;
        }
    }
    matches
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_whitespace_set() {
        // In Python 3.11: '\x1c\x1d\x1e\x1f\x85\xa0\u2000\u200a\u3000\u202f\u205f'.isspace()
        // is True, '\u200b'.isspace() and '\ufeff'.isspace() are False.
        for c in "\t\n\u{b}\u{c}\r \u{1c}\u{1d}\u{1e}\u{1f}\u{85}\u{a0}\u{1680}\u{2000}\u{200a}\u{2028}\u{2029}\u{202f}\u{205f}\u{3000}".chars() {
            assert!(is_python_whitespace(c), "{:?}", c);
        }
        for c in "\u{200b}\u{feff}\u{180e}a".chars() {
            assert!(!is_python_whitespace(c), "{:?}", c);
        }
    }

    /// Σ over distinct n-grams of min(hyp count, max ref count), by brute force.
    fn brute(hyp: &[u32], refs: &[&[u32]], n: usize) -> u32 {
        let count = |s: &[u32], g: &[u32]| s.windows(n).filter(|w| *w == g).count() as u32;
        let mut seen: Vec<&[u32]> = hyp.windows(n).collect();
        seen.sort();
        seen.dedup();
        seen.iter()
            .map(|g| count(hyp, g).min(refs.iter().map(|r| count(r, g)).max().unwrap_or(0)))
            .sum()
    }

    #[test]
    fn agrees_with_brute_force_counting() {
        // Small alphabets force many repeats and shared prefixes.
        let mut state = 12345u64;
        let mut next = |m: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((state >> 33) % m) as u32
        };
        let mut sequence = || {
            let len = next(12);
            (0..len).map(|_| next(3)).collect::<Vec<u32>>()
        };
        for round in 0..300 {
            let hyp = sequence();
            let refs: Vec<Vec<u32>> = (0..1 + round % 3).map(|_| sequence()).collect();
            let refs: Vec<&[u32]> = refs.iter().map(Vec::as_slice).collect();
            let got = clipped_matches(&hyp, &refs, 5);
            let expected: Vec<u32> = (1..=5).map(|n| brute(&hyp, &refs, n)).collect();
            assert_eq!(got, expected, "{hyp:?} vs {refs:?}");
        }
    }

    #[test]
    fn interned_words_and_empty_inputs() {
        let ids = intern(&[&["a", "b", "a"], &["b", "c"]]);
        assert_eq!(ids, [vec![0, 1, 0], vec![1, 2]]);
        assert_eq!(clipped_matches(&[], &[&[1, 2]], 2), [0, 0]);
        assert_eq!(clipped_matches(&[1, 2], &[], 2), [0, 0]);
        assert_eq!(windows(2, 3), 0);
        assert_eq!(windows(5, 1), 5);
    }
}
