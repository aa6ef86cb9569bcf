//! Text normalisation before segmentation, as sentencepiece's `normalizer::Normalizer` does it.
//!
//! Normalisation rules (NFKC and its variants) are not computed here from Unicode tables: a
//! model carries them precompiled, as a *charsmap*: a double-array trie whose keys are source
//! strings (one or more characters) and whose values are offsets of NUL-terminated replacement
//! strings in a blob. At each position the longest matching key is replaced. Using the model's
//! own table is what makes the output identical to the library's whatever Unicode version it
//! was built with.
//!
//! Around that, three whitespace rules: leading, trailing and repeated spaces are dropped
//! (`remove_extra_whitespaces`), a space is put in front (`add_dummy_prefix`; at the end for
//! models trained with `treat_whitespace_as_suffix`), and spaces become U+2581 "▁"
//! (`escape_whitespaces`). User-defined symbols are copied through untouched.

use crate::darts::DoubleArray;
use crate::error::{Error, Result};
use crate::proto::NormalizerSpec;
use crate::trie::Trie;

/// U+2581 LOWER ONE EIGHTH BLOCK, sentencepiece's visible whitespace.
pub const SPACE_SYMBOL: &str = "\u{2581}";

/// sentencepiece reads at most this many matches of a charsmap search
/// (`Normalizer::kMaxTrieResultsSize`); its builder guarantees no key has more prefixes.
const MAX_TRIE_RESULTS: usize = 32;

/// A precompiled charsmap: `<trie size: u32 LE><double array><replacement strings>`.
#[derive(Debug, Clone)]
struct CharsMap {
    trie: DoubleArray,
    normalized: Vec<u8>,
}

impl CharsMap {
    /// Splits and checks the blob as sentencepiece 0.2.3 does (`DecodePrecompiledCharsMap`,
    /// then Darts' `validate`).
    fn parse(blob: &[u8]) -> Result<CharsMap> {
        let bad = |why: &str| Error::Model(format!("precompiled charsmap: {why}"));
        if blob.len() <= 4 {
            return Err(bad("shorter than its size header"));
        }
        let trie_size = u32::from_le_bytes([blob[0], blob[1], blob[2], blob[3]]) as usize;
        if trie_size >= blob.len() - 4 {
            return Err(bad("the trie is larger than the blob"));
        }
        // Darts arrays come in blocks of 256 four-byte units.
        if trie_size < 1024 || !trie_size.is_multiple_of(1024) {
            return Err(bad("the trie size is not a multiple of 1024"));
        }
        let normalized = blob[4 + trie_size..].to_vec();
        if normalized.last() != Some(&0) {
            return Err(bad("the replacement strings are not NUL-terminated"));
        }
        let trie = DoubleArray::from_le_bytes(&blob[4..4 + trie_size]);
        if !trie.validate(normalized.len()) {
            return Err(bad("the double-array trie is invalid"));
        }
        Ok(CharsMap { trie, normalized })
    }

    /// The longest rule matching the start of `input`: bytes consumed and replacement.
    fn longest_match<'s>(&'s self, input: &str) -> Option<(usize, &'s str)> {
        let mut longest: Option<(usize, u32)> = None;
        self.trie
            .common_prefix_search(input.as_bytes(), MAX_TRIE_RESULTS, |len, value| {
                if longest.is_none_or(|(l, _)| len > l) {
                    longest = Some((len, value));
                }
            });
        let (len, value) = longest?;
        // A well-formed charsmap has whole characters as keys and UTF-8 replacements; a
        // corrupt one that does not is ignored at that position rather than trusted.
        if !input.is_char_boundary(len) {
            return None;
        }
        // sentencepiece falls back to the raw character for an offset outside the blob
        // (`validate` already rejects such tries).
        let tail = self
            .normalized
            .get(value as usize..)
            .filter(|t| !t.is_empty())?;
        let end = tail.iter().position(|&b| b == 0).unwrap_or(tail.len());
        let replacement = std::str::from_utf8(&tail[..end]).ok()?;
        Some((len, replacement))
    }
}

/// The normaliser of one model.
#[derive(Debug, Clone)]
pub struct Normalizer {
    charsmap: Option<CharsMap>,
    user_defined: Option<Trie>,
    add_dummy_prefix: bool,
    remove_extra_whitespaces: bool,
    escape_whitespaces: bool,
    treat_whitespace_as_suffix: bool,
}

impl Normalizer {
    pub(crate) fn new(
        spec: &NormalizerSpec,
        treat_whitespace_as_suffix: bool,
        user_defined: Option<Trie>,
    ) -> Result<Normalizer> {
        let charsmap = if spec.precompiled_charsmap.is_empty() {
            None
        } else {
            Some(CharsMap::parse(&spec.precompiled_charsmap)?)
        };
        Ok(Normalizer {
            charsmap,
            user_defined,
            add_dummy_prefix: spec.add_dummy_prefix,
            remove_extra_whitespaces: spec.remove_extra_whitespaces,
            escape_whitespaces: spec.escape_whitespaces,
            treat_whitespace_as_suffix,
        })
    }

    /// The normalised form of the character(s) at the start of `input` and how many bytes of
    /// `input` they came from (`Normalizer::NormalizePrefix`). `input` is not empty.
    fn normalize_prefix<'a>(&'a self, input: &'a str) -> (&'a str, usize) {
        // User-defined symbols win and are kept verbatim.
        if let Some((len, _)) = self
            .user_defined
            .as_ref()
            .and_then(|t| t.longest_prefix(input.as_bytes(), 0))
        {
            return (&input[..len], len);
        }
        if let Some((len, replacement)) =
            self.charsmap.as_ref().and_then(|m| m.longest_match(input))
        {
            return (replacement, len);
        }
        // No rule: the character stands for itself. (sentencepiece turns a malformed UTF-8
        // byte into U+FFFD here; a `&str` has none.)
        let len = input.chars().next().map_or(1, char::len_utf8);
        (&input[..len], len)
    }

    /// The string the segmentation algorithms see (`Normalizer::Normalize`).
    pub fn normalize(&self, input: &str) -> String {
        let mut input = input;
        if self.remove_extra_whitespaces {
            // Leading whitespace is whatever normalises to exactly one space.
            while !input.is_empty() {
                let (s, n) = self.normalize_prefix(input);
                if s != " " {
                    break;
                }
                input = &input[n..];
            }
        }
        if input.is_empty() {
            return String::new();
        }
        let space = if self.escape_whitespaces {
            SPACE_SYMBOL
        } else {
            " "
        };
        let mut out = String::with_capacity(input.len() * 3);
        if !self.treat_whitespace_as_suffix && self.add_dummy_prefix {
            out.push_str(space);
        }
        let mut is_prev_space = self.remove_extra_whitespaces;
        while !input.is_empty() {
            let (mut s, n) = self.normalize_prefix(input);
            // A run of spaces collapses to one: drop the leading spaces of a replacement when
            // the previous one ended with a space.
            if is_prev_space {
                s = s.trim_start_matches(' ');
            }
            if !s.is_empty() {
                if self.escape_whitespaces && s.as_bytes().contains(&b' ') {
                    for (i, part) in s.split(' ').enumerate() {
                        if i > 0 {
                            out.push_str(SPACE_SYMBOL);
                        }
                        out.push_str(part);
                    }
                } else {
                    out.push_str(s);
                }
                is_prev_space = s.ends_with(' ');
            }
            input = &input[n..];
            if !self.remove_extra_whitespaces {
                is_prev_space = false;
            }
        }
        if self.remove_extra_whitespaces {
            // Every trailing space symbol goes, including U+2581 characters that were in the
            // input itself, exactly as sentencepiece does.
            while out.ends_with(space) {
                out.truncate(out.len() - space.len());
            }
        }
        if self.treat_whitespace_as_suffix && self.add_dummy_prefix {
            out.push_str(space);
        }
        out
    }

    /// Whether a space symbol was put in front of the text (and so belongs to no character
    /// of the input).
    pub fn adds_dummy_prefix(&self) -> bool {
        self.add_dummy_prefix && !self.treat_whitespace_as_suffix
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(add_dummy_prefix: bool, remove_extra_whitespaces: bool, suffix: bool) -> Normalizer {
        let spec = NormalizerSpec {
            add_dummy_prefix,
            remove_extra_whitespaces,
            ..NormalizerSpec::default()
        };
        Normalizer::new(&spec, suffix, None).unwrap()
    }

    #[test]
    fn whitespace_rules_without_charsmap() {
        let n = plain(true, true, false);
        assert_eq!(n.normalize("  a  b "), "▁a▁b");
        assert_eq!(n.normalize("   "), "");
        assert_eq!(n.normalize("a▁"), "▁a");
        let n = plain(false, false, false);
        assert_eq!(n.normalize(" a  b "), "▁a▁▁b▁");
        let n = plain(true, true, true);
        assert_eq!(n.normalize(" a  b "), "a▁b▁");
    }

    #[test]
    fn bad_charsmaps_are_errors() {
        for blob in [
            &[1u8, 0, 0][..],
            &[9, 0, 0, 0, 1, 2],
            &[0xff, 0xff, 0xff, 0xff, 0],
        ] {
            let spec = NormalizerSpec {
                precompiled_charsmap: blob.to_vec(),
                ..NormalizerSpec::default()
            };
            assert!(Normalizer::new(&spec, false, None).is_err());
        }
    }
}
