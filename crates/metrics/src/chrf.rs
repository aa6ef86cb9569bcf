//! chrF and chrF++ (Popović 2015, "chrF: character n-gram F-score for automatic MT
//! evaluation"; Popović 2017, "chrF++: words helping character n-grams"), computed exactly as
//! sacrebleu 2.6.0's `CHRF`.
//!
//! Character n-grams of orders 1..=`char_order` over the segment with all whitespace removed
//! (Python's `str.split()` notion of whitespace, which includes U+001C–U+001F), plus word
//! n-grams of orders 1..=`word_order` over whitespace tokens, where a token longer than one
//! character has one trailing (else leading) ASCII punctuation character split off. Per order
//! the statistics are `[hypothesis count, reference count, matches]`, character orders first;
//! the hypothesis count is zeroed when the reference has no n-gram of that order. The score
//! averages precision and recall over the orders where both counts are positive (effective
//! order), then F_β = (1 + β²)·P·R / (β²·P + R), ×100, β = 2. A corpus score is the score of
//! the summed per-segment statistics; with several references a segment keeps the statistics
//! of its best-scoring reference (the first one on ties).
//!
//! [`ChrF`] computes; its label (`chrF2++`) and signature derive from its settings.
//!
//! ```
//! use kakugo_metrics::chrf::ChrF;
//! let chrf = ChrF::chrf_plus_plus();
//! let hyps = ["the cat sat on the mat", "a dog ran", "hello world"];
//! let refs = ["the cat sat on the mat", "the dog runs", "goodbye world"];
//! let stats: Vec<Vec<f64>> = hyps.iter().zip(refs).map(|(h, r)| chrf.segment_stats(h, &[r])).collect();
//! assert_eq!(format!("{:.2}", chrf.corpus_score(&stats)), "63.11");
//! assert_eq!(chrf.label(), "chrF2++");
//! ```

use super::ngram::{clipped_matches, intern, is_python_whitespace, python_split, windows};
use super::{sum_stats, Score, KAKUGO_VERSION, SACREBLEU_VERSION};

/// chrF with its settings; the label and signature derive from them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChrF {
    /// Character n-gram orders 1..=char_order (sacrebleu `nc`, default 6).
    pub char_order: usize,
    /// Word n-gram orders 1..=word_order (sacrebleu `nw`): 2 for chrF++, 0 for chrF.
    pub word_order: usize,
    /// Recall weight β (sacrebleu's `beta`, an integer, default 2).
    pub beta: u32,
}

/// Python's `string.punctuation`, which sacrebleu splits off words.
const PUNCTUATION: &str = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

impl ChrF {
    /// chrF++: 6 character orders, 2 word orders, β = 2 (sacrebleu `CHRF(word_order=2)`).
    pub fn chrf_plus_plus() -> ChrF {
        ChrF {
            char_order: 6,
            word_order: 2,
            beta: 2,
        }
    }

    /// chrF: 6 character orders, no word n-grams, β = 2 (sacrebleu `CHRF()`).
    pub fn plain() -> ChrF {
        ChrF {
            word_order: 0,
            ..ChrF::chrf_plus_plus()
        }
    }

    /// `chrF2++`, `chrF2`, as sacrebleu prints it: β, then one `+` per word order.
    pub fn label(&self) -> String {
        format!("chrF{}{}", self.beta, "+".repeat(self.word_order))
    }

    /// sacrebleu's signature plus kakugo's version, e.g.
    /// `nrefs:1|case:mixed|eff:yes|nc:6|nw:2|space:no|version:2.6.0|kakugo:0.1.0`.
    pub fn signature(&self, nrefs: usize) -> String {
        format!(
            "nrefs:{nrefs}|case:mixed|eff:yes|nc:{}|nw:{}|space:no|version:{SACREBLEU_VERSION}|kakugo:{KAKUGO_VERSION}",
            self.char_order, self.word_order
        )
    }

    /// Number of statistics per segment: 3 per order.
    pub fn n_stats(&self) -> usize {
        3 * (self.char_order + self.word_order)
    }

    /// Per-segment sufficient statistics against the best of `refs` (all zeros without
    /// references).
    pub fn segment_stats(&self, hyp: &str, refs: &[&str]) -> Vec<f64> {
        let hyp_chars = chars_without_whitespace(hyp);
        let hyp_words = self.words(hyp);
        let mut best: Option<(f64, Vec<f64>)> = None;
        for r in refs {
            let stats = self.pair_stats(&hyp_chars, &hyp_words, r);
            let f = self.score(&stats);
            // Strictly greater: sacrebleu keeps the first of equally good references.
            if best.as_ref().is_none_or(|(bf, _)| f > *bf) {
                best = Some((f, stats));
            }
        }
        best.map_or_else(|| vec![0.0; self.n_stats()], |b| b.1)
    }

    /// Sentence score (0–100) of one hypothesis.
    pub fn sentence_score(&self, hyp: &str, refs: &[&str]) -> f64 {
        self.score(&self.segment_stats(hyp, refs))
    }

    /// Corpus score (0–100): the score of the summed per-segment statistics.
    pub fn corpus_score(&self, segments: &[Vec<f64>]) -> f64 {
        self.score(&sum_stats(segments, self.n_stats()))
    }

    /// The score of `stats` with its label and signature, for printing.
    pub fn report(&self, stats: &[f64], nrefs: usize) -> Score {
        Score {
            name: self.label(),
            value: self.score(stats),
            signature: self.signature(nrefs),
            verbose: None,
        }
    }

    /// F-score (0–100) of a statistics vector of length [`ChrF::n_stats`]. The operations
    /// follow sacrebleu's `_compute_f_score` in order, so results agree to the last bit.
    pub fn score(&self, stats: &[f64]) -> f64 {
        let factor = f64::from(self.beta * self.beta);
        let (mut avg_prec, mut avg_rec, mut effective) = (0.0, 0.0, 0u32);
        for order in stats.chunks_exact(3) {
            let (n_hyp, n_ref, n_match) = (order[0], order[1], order[2]);
            if n_hyp > 0.0 && n_ref > 0.0 {
                avg_prec += n_match / n_hyp;
                avg_rec += n_match / n_ref;
                effective += 1;
            }
        }
        if effective == 0 {
            return 0.0;
        }
        avg_prec /= f64::from(effective);
        avg_rec /= f64::from(effective);
        if avg_prec + avg_rec == 0.0 {
            return 0.0;
        }
        let score = (1.0 + factor) * avg_prec * avg_rec / (factor * avg_prec + avg_rec);
        100.0 * score
    }

    fn words<'s>(&self, sentence: &'s str) -> Vec<&'s str> {
        if self.word_order > 0 {
            split_punctuation(sentence)
        } else {
            Vec::new()
        }
    }

    /// The statistics of one hypothesis against one reference.
    fn pair_stats(&self, hyp_chars: &[u32], hyp_words: &[&str], reference: &str) -> Vec<f64> {
        let mut out = Vec::with_capacity(self.n_stats());
        let ref_chars = chars_without_whitespace(reference);
        push_orders(&mut out, hyp_chars, &ref_chars, self.char_order);
        if self.word_order > 0 {
            let ref_words = split_punctuation(reference);
            let ids = intern(&[hyp_words, &ref_words]);
            push_orders(&mut out, &ids[0], &ids[1], self.word_order);
        }
        out
    }
}

/// Characters as units, all (Python) whitespace removed.
fn chars_without_whitespace(sentence: &str) -> Vec<u32> {
    sentence
        .chars()
        .filter(|&c| !is_python_whitespace(c))
        .map(u32::from)
        .collect()
}

/// `[hyp count, ref count, matches]` per order 1..=`max_order`. An order without reference
/// n-grams zeroes the hypothesis count (sacrebleu's `_get_match_statistics`), so such an
/// order adds nothing to a corpus.
fn push_orders(out: &mut Vec<f64>, hyp: &[u32], reference: &[u32], max_order: usize) {
    let matches = clipped_matches(hyp, &[reference], max_order);
    for (n, m) in (1..=max_order).zip(matches) {
        let n_ref = windows(reference.len(), n);
        let n_hyp = if n_ref > 0 { windows(hyp.len(), n) } else { 0 };
        out.extend([n_hyp as f64, n_ref as f64, f64::from(m)]);
    }
}

/// Whitespace tokens with one trailing (else leading) ASCII punctuation character split off
/// tokens longer than one character, as sacrebleu's `_remove_punctuation` (so `(hi)` becomes
/// `(hi` and `)`).
fn split_punctuation(sentence: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for w in python_split(sentence) {
        let mut chars = w.chars();
        let first = chars.next().expect("python_split yields no empty token");
        let last = chars.next_back();
        match last {
            Some(last) if PUNCTUATION.contains(last) => {
                let cut = w.len() - last.len_utf8();
                out.extend([&w[..cut], &w[cut..]]);
            }
            Some(_) if PUNCTUATION.contains(first) => {
                let cut = first.len_utf8();
                out.extend([&w[..cut], &w[cut..]]);
            }
            _ => out.push(w),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_follow_settings() {
        assert_eq!(ChrF::chrf_plus_plus().label(), "chrF2++");
        assert_eq!(ChrF::plain().label(), "chrF2");
        let c1 = ChrF {
            beta: 1,
            word_order: 1,
            ..ChrF::plain()
        };
        assert_eq!(c1.label(), "chrF1+");
        assert!(c1
            .signature(3)
            .starts_with("nrefs:3|case:mixed|eff:yes|nc:6|nw:1|"));
        assert_eq!(ChrF::chrf_plus_plus().n_stats(), 24);
        assert_eq!(ChrF::plain().n_stats(), 18);
    }

    #[test]
    fn punctuation_split_matches_sacrebleu() {
        // sacrebleu 2.6.0: CHRF()._remove_punctuation("(hi) a, b. !x . ,,")
        assert_eq!(
            split_punctuation("(hi) a, b. !x . ,,"),
            vec!["(hi", ")", "a", ",", "b", ".", "!", "x", ".", ",", ","]
        );
        // Only ASCII punctuation: the ideographic full stop stays attached.
        assert_eq!(split_punctuation("猫。 «a»"), vec!["猫。", "«a»"]);
    }

    #[test]
    fn empty_hypothesis_scores_zero_and_identity_scores_hundred() {
        let c = ChrF::chrf_plus_plus();
        assert_eq!(c.sentence_score("", &["a reference"]), 0.0);
        assert_eq!(
            c.sentence_score("same words here", &["same words here"]),
            100.0
        );
        assert_eq!(c.segment_stats("x", &[]), vec![0.0; 24]);
    }

    #[test]
    fn best_reference_wins_in_any_position() {
        let c = ChrF::chrf_plus_plus();
        let good = c.segment_stats("the dog runs", &["the dog runs"]);
        assert_eq!(
            c.segment_stats("the dog runs", &["a cat", "the dog runs"]),
            good
        );
        assert_eq!(
            c.segment_stats("the dog runs", &["the dog runs", "a cat"]),
            good
        );
    }
}
