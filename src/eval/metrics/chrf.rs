//! chrF and chrF++ (Popović 2015, 2017), computed exactly as sacrebleu 2.6.0's `CHRF`.
//!
//! Character n-grams of orders 1..=`char_order` over the sentence with all whitespace removed
//! (Python's `str.split()` notion of whitespace, which includes U+001C–U+001F), plus word
//! n-grams of orders 1..=`word_order` over whitespace tokens, where a token longer than one
//! character has one trailing (else leading) ASCII punctuation character split off. For each
//! order the statistics are `[hypothesis count, reference count, matches]`; the hypothesis count
//! is zeroed when the reference has no n-gram of that order. The F-score averages precision
//! and recall over the orders where both sides have n-grams (effective order), then
//! F_β = (1 + β²)·P·R / (β²·P + R), β = 2, ×100. A corpus score is the score of the summed
//! per-segment statistics; with several references a segment keeps the statistics of its
//! best-scoring reference.
//!
//! ```
//! use kakugo::eval::metrics::chrf::ChrF;
//! let chrf = ChrF::chrf_plus_plus();
//! let hyps = ["the cat sat on the mat", "a dog ran", "hello world"];
//! let refs = ["the cat sat on the mat", "the dog runs", "goodbye world"];
//! let stats: Vec<Vec<f64>> = hyps.iter().zip(refs).map(|(h, r)| chrf.segment_stats(h, &[r])).collect();
//! assert_eq!(format!("{:.2}", chrf.corpus_score(&stats)), "63.11");
//! ```

use std::collections::HashMap;

/// chrF with its settings; the label and signature derive from them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChrF {
    pub char_order: usize,
    pub word_order: usize,
    pub beta: f64,
}

const PUNCTUATION: &str = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

/// Python's `str.isspace()`.
pub fn is_python_whitespace(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

impl ChrF {
    /// chrF++: 6 character orders, 2 word orders, β = 2.
    pub fn chrf_plus_plus() -> ChrF {
        ChrF {
            char_order: 6,
            word_order: 2,
            beta: 2.0,
        }
    }

    /// chrF: 6 character orders, no word n-grams, β = 2.
    pub fn plain() -> ChrF {
        ChrF {
            char_order: 6,
            word_order: 0,
            beta: 2.0,
        }
    }

    /// `chrF2++`, `chrF2`, as sacrebleu prints it.
    pub fn label(&self) -> String {
        format!("chrF{}{}", self.beta, "+".repeat(self.word_order))
    }

    /// sacrebleu's signature plus kakugo's version.
    pub fn signature(&self, nrefs: usize) -> String {
        format!(
            "nrefs:{nrefs}|case:mixed|eff:yes|nc:{}|nw:{}|space:no|version:2.6.0|kakugo:{}",
            self.char_order,
            self.word_order,
            env!("CARGO_PKG_VERSION")
        )
    }

    /// Number of statistics per segment: 3 per order.
    pub fn n_stats(&self) -> usize {
        3 * (self.char_order + self.word_order)
    }

    /// Per-segment sufficient statistics against the best of `refs`.
    pub fn segment_stats(&self, hyp: &str, refs: &[&str]) -> Vec<f64> {
        let hyp_ngrams = self.ngrams(hyp);
        let mut best: Option<(f64, Vec<f64>)> = None;
        for r in refs {
            let ref_ngrams = self.ngrams(r);
            let mut stats = Vec::with_capacity(self.n_stats());
            for (h, r) in hyp_ngrams.iter().zip(&ref_ngrams) {
                let hyp_count: usize = h.values().sum();
                let ref_count: usize = r.values().sum();
                let matches: usize = h
                    .iter()
                    .map(|(g, &c)| r.get(g).map_or(0, |&rc| c.min(rc)))
                    .sum();
                stats.push(if ref_count > 0 { hyp_count as f64 } else { 0.0 });
                stats.push(ref_count as f64);
                stats.push(matches as f64);
            }
            let f = self.score(&stats);
            if best.as_ref().is_none_or(|(bf, _)| f > *bf) {
                best = Some((f, stats));
            }
        }
        best.map(|b| b.1)
            .unwrap_or_else(|| vec![0.0; self.n_stats()])
    }

    /// Sentence score of one hypothesis.
    pub fn sentence_score(&self, hyp: &str, refs: &[&str]) -> f64 {
        self.score(&self.segment_stats(hyp, refs))
    }

    /// Corpus score: the score of the summed statistics.
    pub fn corpus_score(&self, segments: &[Vec<f64>]) -> f64 {
        let mut sum = vec![0.0; self.n_stats()];
        for s in segments {
            for (a, b) in sum.iter_mut().zip(s) {
                *a += b;
            }
        }
        self.score(&sum)
    }

    /// F-score (0–100) of a statistics vector.
    pub fn score(&self, stats: &[f64]) -> f64 {
        let factor = self.beta * self.beta;
        let (mut avg_prec, mut avg_rec, mut effective) = (0.0, 0.0, 0usize);
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
        avg_prec /= effective as f64;
        avg_rec /= effective as f64;
        if avg_prec + avg_rec == 0.0 {
            return 0.0;
        }
        100.0 * (1.0 + factor) * avg_prec * avg_rec / (factor * avg_prec + avg_rec)
    }

    /// N-gram counts per order: character orders first, then word orders.
    fn ngrams(&self, sentence: &str) -> Vec<HashMap<String, usize>> {
        let chars: Vec<char> = sentence
            .chars()
            .filter(|&c| !is_python_whitespace(c))
            .collect();
        let mut out = Vec::with_capacity(self.char_order + self.word_order);
        for n in 1..=self.char_order {
            let mut counts = HashMap::new();
            for w in chars.windows(n) {
                *counts.entry(w.iter().collect::<String>()).or_insert(0) += 1;
            }
            out.push(counts);
        }
        if self.word_order > 0 {
            let words = split_punctuation(sentence);
            for n in 1..=self.word_order {
                let mut counts = HashMap::new();
                for w in words.windows(n) {
                    *counts.entry(w.join(" ")).or_insert(0) += 1;
                }
                out.push(counts);
            }
        }
        out
    }
}

/// Whitespace tokens with one trailing (else leading) ASCII punctuation character split off
/// tokens longer than one character, as sacrebleu's `_remove_punctuation`.
fn split_punctuation(sentence: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for w in sentence
        .split(is_python_whitespace)
        .filter(|w| !w.is_empty())
    {
        let first = w.chars().next().expect("non-empty");
        let last = w.chars().next_back().expect("non-empty");
        if w.chars().nth(1).is_none() {
            out.push(w);
        } else if PUNCTUATION.contains(last) {
            let cut = w.len() - last.len_utf8();
            out.push(&w[..cut]);
            out.push(&w[cut..]);
        } else if PUNCTUATION.contains(first) {
            let cut = first.len_utf8();
            out.push(&w[..cut]);
            out.push(&w[cut..]);
        } else {
            out.push(w);
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
        assert!(ChrF::chrf_plus_plus()
            .signature(1)
            .starts_with("nrefs:1|case:mixed|eff:yes|nc:6|nw:2|space:no|version:2.6.0"));
    }

    #[test]
    fn punctuation_split_matches_sacrebleu() {
        assert_eq!(
            split_punctuation("(hi) a, b. !x ."),
            vec!["(hi", ")", "a", ",", "b", ".", "!", "x", "."]
        );
    }

    #[test]
    fn empty_hypothesis_scores_zero_and_identity_scores_hundred() {
        let c = ChrF::chrf_plus_plus();
        assert_eq!(c.sentence_score("", &["a reference"]), 0.0);
        assert_eq!(
            c.sentence_score("same words here", &["same words here"]),
            100.0
        );
    }
}
