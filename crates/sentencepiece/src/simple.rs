//! The two model types that involve no search: CHAR (one piece per character) and WORD
//! (one piece per whitespace-delimited word), as sentencepiece's `character::Model` and
//! `word::Model` encode. A character or word that is not a normal or user-defined piece is
//! unknown.

use crate::normalizer::SPACE_SYMBOL;
use crate::vocab::Vocab;

/// One piece per character, or per user-defined symbol where one starts.
pub(crate) fn encode_chars<'a>(vocab: &Vocab, normalized: &'a str, out: &mut Vec<(&'a str, u32)>) {
    let mut pos = 0;
    while pos < normalized.len() {
        let len = vocab
            .user_defined
            .as_ref()
            .and_then(|t| t.longest_prefix(normalized.as_bytes(), pos))
            .map(|(len, _)| len)
            .unwrap_or_else(|| normalized[pos..].chars().next().map_or(1, char::len_utf8));
        let w = &normalized[pos..pos + len];
        out.push((w, vocab.emitted_id(w)));
        pos += len;
    }
}

/// Splits before every U+2581 (`SplitIntoWords` with its defaults: whitespace as a prefix,
/// no whitespace-only pieces), and looks each word up whole.
pub(crate) fn encode_words<'a>(vocab: &Vocab, normalized: &'a str, out: &mut Vec<(&'a str, u32)>) {
    let mut start = 0;
    for (i, _) in normalized.match_indices(SPACE_SYMBOL) {
        if i > start {
            let w = &normalized[start..i];
            out.push((w, vocab.emitted_id(w)));
        }
        start = i;
    }
    if start < normalized.len() {
        let w = &normalized[start..];
        out.push((w, vocab.emitted_id(w)));
    }
}
