//! N-gram multisets and Python's whitespace rules, shared by chrF and BLEU.
//!
//! A [`Bag`] holds the n-grams of one order of one segment as sorted, distinct slices of the
//! segment's units (characters or words) with their counts. Comparing slices instead of
//! building a `String` per n-gram (as sacrebleu's `Counter`s of joined strings do) allocates
//! one vector per order; the multiset is the same, because word units never contain the
//! space that sacrebleu joins them with.
//!
//! ```
//! use kakugo::eval::metrics::ngram::{python_split, Bag};
//! let hyp: Vec<char> = "abab".chars().collect();
//! let reference: Vec<char> = "abba".chars().collect();
//! let (h, r) = (Bag::new(&hyp, 2), Bag::new(&reference, 2));
//! assert_eq!((h.total(), r.total(), h.matches(&r)), (3, 3, 2)); // ab ba ab vs ab bb ba
//! assert_eq!(python_split(" a\u{1f}b\u{a0} c ").collect::<Vec<_>>(), ["a", "b", "c"]);
//! ```

use std::cmp::Ordering;

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

/// The n-grams of one order: sorted distinct n-grams with their counts, and the total.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bag<'a, T> {
    entries: Vec<(&'a [T], u32)>,
    total: u32,
}

impl<'a, T: Ord> Bag<'a, T> {
    /// The `n`-grams of `units` (none when `units` is shorter than `n`). `n` must be ≥ 1.
    pub fn new(units: &'a [T], n: usize) -> Self {
        assert!(n > 0, "n-gram order must be at least 1");
        let mut grams: Vec<&[T]> = units.windows(n).collect();
        grams.sort_unstable();
        let total = grams.len() as u32;
        let mut entries: Vec<(&[T], u32)> = Vec::with_capacity(grams.len());
        for g in grams {
            match entries.last_mut() {
                Some((last, count)) if *last == g => *count += 1,
                _ => entries.push((g, 1)),
            }
        }
        Bag { entries, total }
    }

    /// Number of n-grams, repeats included.
    pub fn total(&self) -> u32 {
        self.total
    }

    /// Clipped matches: Σ over n-grams of min(count here, count in `other`).
    pub fn matches(&self, other: &Bag<'_, T>) -> u32 {
        let (mut i, mut j, mut sum) = (0, 0, 0);
        while i < self.entries.len() && j < other.entries.len() {
            let (a, ca) = self.entries[i];
            let (b, cb) = other.entries[j];
            match a.cmp(b) {
                Ordering::Less => i += 1,
                Ordering::Greater => j += 1,
                Ordering::Equal => {
                    sum += ca.min(cb);
                    i += 1;
                    j += 1;
                }
            }
        }
        sum
    }

    /// The union keeping the larger count of each n-gram (BLEU's several references).
    /// `total` becomes the sum of the merged counts.
    pub fn merge_max(&self, other: &Bag<'a, T>) -> Bag<'a, T> {
        let (a, b) = (&self.entries, &other.entries);
        let mut entries = Vec::with_capacity(a.len().max(b.len()));
        let (mut i, mut j) = (0, 0);
        while i < a.len() || j < b.len() {
            let order = match (a.get(i), b.get(j)) {
                (Some(x), Some(y)) => x.0.cmp(y.0),
                (Some(_), None) => Ordering::Less,
                _ => Ordering::Greater,
            };
            match order {
                Ordering::Less => {
                    entries.push(a[i]);
                    i += 1;
                }
                Ordering::Greater => {
                    entries.push(b[j]);
                    j += 1;
                }
                Ordering::Equal => {
                    entries.push((a[i].0, a[i].1.max(b[j].1)));
                    i += 1;
                    j += 1;
                }
            }
        }
        let total = entries.iter().map(|e| e.1).sum();
        Bag { entries, total }
    }
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

    #[test]
    fn merge_keeps_the_larger_count() {
        let a: Vec<&str> = "x y x z".split(' ').collect();
        let b: Vec<&str> = "y y w".split(' ').collect();
        let m = Bag::new(&a, 1).merge_max(&Bag::new(&b, 1));
        // w:1 x:2 y:2 z:1
        assert_eq!(m.total(), 6);
        let probe: Vec<&str> = "y y y x w".split(' ').collect();
        assert_eq!(Bag::new(&probe, 1).matches(&m), 2 + 1 + 1);
    }

    #[test]
    fn order_longer_than_input_is_empty() {
        let units: Vec<char> = "ab".chars().collect();
        let bag = Bag::new(&units, 3);
        assert_eq!(bag.total(), 0);
        assert_eq!(bag.matches(&Bag::new(&units, 3)), 0);
    }
}
