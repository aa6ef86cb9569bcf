//! Read-only lookups in a Darts-clone double-array trie, the format of the trie inside a
//! precompiled normalisation charsmap.
//!
//! Each unit is a little-endian `u32`. From a node at index `p` whose unit is `u`, the child
//! labelled by byte `b` is the unit at `p ^ offset(u) ^ b`, and it really is that child only if
//! its `label` equals `b` (a slot may belong to another node). A unit whose `has_leaf` bit is
//! set has a key ending there, and the value of that key is stored in the unit at
//! `p ^ offset(u)` (the child by the label 0 that terminates keys).
//!
//! The units come from a file: [`DoubleArray::validate`] rejects malformed arrays at load time,
//! and every index is bounds-checked all the same, so a corrupt trie never causes a panic.

/// The units of a double array.
#[derive(Debug, Clone)]
pub(crate) struct DoubleArray {
    units: Vec<u32>,
}

fn has_leaf(unit: u32) -> bool {
    (unit >> 8) & 1 == 1
}

fn value(unit: u32) -> u32 {
    unit & ((1 << 31) - 1)
}

/// The label of a unit; leaf units have the top bit set so that they never match a byte.
fn label(unit: u32) -> u32 {
    unit & ((1 << 31) | 0xff)
}

/// Offsets are stored in 22 bits, scaled by 2^8 when bit 9 is set.
fn offset(unit: u32) -> usize {
    ((unit >> 10) << ((unit & (1 << 9)) >> 6)) as usize
}

impl DoubleArray {
    /// Units from little-endian bytes; a trailing partial unit is ignored, as sentencepiece
    /// passes `size / 4` units to Darts.
    pub(crate) fn from_le_bytes(bytes: &[u8]) -> DoubleArray {
        let units = bytes
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        DoubleArray { units }
    }

    /// Darts-clone's `validate`, which sentencepiece 0.2.3 runs on a loaded charsmap: the root
    /// is well formed, every child index stays inside the array, every leaf is where its
    /// parent says, and every value is below `max_value`.
    pub(crate) fn validate(&self, max_value: usize) -> bool {
        let size = self.units.len();
        let Some(&root) = self.units.first() else {
            return false;
        };
        if label(root) != 0 || has_leaf(root) || offset(root) == 0 || (offset(root) | 0xff) >= size
        {
            return false;
        }
        for (i, &unit) in self.units.iter().enumerate().skip(1) {
            if label(unit) <= 0xff {
                let child = i ^ offset(unit);
                if (child | 0xff) >= size {
                    return false;
                }
                if has_leaf(unit) && label(self.units[child]) <= 0xff {
                    return false;
                }
            } else if value(unit) as usize >= max_value {
                return false;
            }
        }
        true
    }

    /// Calls `on_match(length, value)` for every key that is a prefix of `key`, shortest
    /// first, stopping after `max_results` matches (sentencepiece's normaliser reads only the
    /// first 32 results of `commonPrefixSearch`).
    pub(crate) fn common_prefix_search(
        &self,
        key: &[u8],
        max_results: usize,
        mut on_match: impl FnMut(usize, u32),
    ) {
        let Some(&root) = self.units.first() else {
            return;
        };
        let mut node = offset(root);
        let mut found = 0;
        for (i, &b) in key.iter().enumerate() {
            node ^= usize::from(b);
            let Some(&unit) = self.units.get(node) else {
                return;
            };
            if label(unit) != u32::from(b) {
                return;
            }
            node ^= offset(unit);
            if has_leaf(unit) {
                let Some(&leaf) = self.units.get(node) else {
                    return;
                };
                if found == max_results {
                    return;
                }
                found += 1;
                on_match(i + 1, value(leaf));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corrupt_units_never_panic() {
        let da = DoubleArray::from_le_bytes(&[0xff; 13]);
        assert!(!da.validate(10));
        da.common_prefix_search(b"abc\xff", 32, |_, _| {});
        let empty = DoubleArray::from_le_bytes(&[]);
        assert!(!empty.validate(10));
        empty.common_prefix_search(b"abc", 32, |_, _| panic!("no keys"));
    }
}
