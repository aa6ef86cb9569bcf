//! BLEU (Papineni et al. 2002, "BLEU: a method for automatic evaluation of machine
//! translation") exactly as sacrebleu 2.6.0's `BLEU(tokenize="13a", smooth_method="exp")`.
//!
//! Segments are right-stripped and tokenized with mteval-v13a's rules ([`tokenize_13a`]).
//! Per segment the statistics are `[hyp length, closest ref length, matches₁..ₙ, totals₁..ₙ]`
//! (n = 4): matches are clipped by the largest count of the n-gram in any reference; the
//! reference length is the one closest to the hypothesis length, the shorter on ties. The
//! score is BP·exp(mean log pₖ), with brevity penalty BP = exp(1 − r/h) when h < r, and
//! NIST's exponential smoothing (Chen & Cherry 2014, method 3): the k-th order without a match
//! gets precision 1/(2ᵏ·total). Without effective order (sacrebleu's corpus default) all four
//! orders count; with it (sacrebleu's sentence BLEU) only the orders that have n-grams.
//!
//! ```
//! use kakugo_metrics::bleu::Bleu;
//! let bleu = Bleu::sentence();
//! let s = bleu.segment_stats("The cat sat on the mat.", &["The cat sat on the mat."]);
//! assert_eq!(s, vec![7.0, 7.0, 7.0, 6.0, 5.0, 4.0, 7.0, 6.0, 5.0, 4.0]);
//! assert!((bleu.score(&s) - 100.0).abs() < 1e-9);
//! ```

use super::ngram::{clipped_matches, intern, python_rstrip, python_split, windows};
use super::{sum_stats, Score, KAKUGO_VERSION, SACREBLEU_VERSION};

/// BLEU with 13a tokenization and exponential smoothing; the signature derives from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bleu {
    /// Highest n-gram order (sacrebleu's `max_ngram_order`, 4).
    pub max_ngram_order: usize,
    /// Average only over the orders that have n-grams (sacrebleu `eff:yes`).
    pub effective_order: bool,
}

/// A BLEU score with the figures sacrebleu prints beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct BleuScore {
    /// 0–100.
    pub score: f64,
    /// Smoothed n-gram precisions, 0–100.
    pub precisions: Vec<f64>,
    /// Brevity penalty.
    pub bp: f64,
    pub sys_len: u64,
    pub ref_len: u64,
}

impl BleuScore {
    /// sacrebleu's verbose part:
    /// `74.6/68.9/67.7/66.8 (BP = 1.000 ratio = 1.202 hyp_len = 7088 ref_len = 5895)`.
    pub fn verbose(&self) -> String {
        let precisions: Vec<String> = self.precisions.iter().map(|p| format!("{p:.1}")).collect();
        let ratio = if self.ref_len > 0 {
            self.sys_len as f64 / self.ref_len as f64
        } else {
            0.0
        };
        format!(
            "{} (BP = {:.3} ratio = {ratio:.3} hyp_len = {} ref_len = {})",
            precisions.join("/"),
            self.bp,
            self.sys_len,
            self.ref_len
        )
    }
}

/// sacrebleu's `my_log`: log, with log 0 floored at −9,999,999,999.
fn floored_ln(x: f64) -> f64 {
    if x == 0.0 {
        -9_999_999_999.0
    } else {
        x.ln()
    }
}

impl Bleu {
    /// Corpus BLEU as sacrebleu's `BLEU()` and its command line compute it (`eff:no`).
    pub fn corpus() -> Bleu {
        Bleu {
            max_ngram_order: 4,
            effective_order: false,
        }
    }

    /// Sentence BLEU as sacrebleu's `sentence_bleu` and `--sentence-level` compute it
    /// (`eff:yes`).
    pub fn sentence() -> Bleu {
        Bleu {
            effective_order: true,
            ..Bleu::corpus()
        }
    }

    pub fn label(&self) -> &'static str {
        "BLEU"
    }

    /// sacrebleu's signature plus kakugo's version, e.g.
    /// `nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0|kakugo:0.1.0`.
    pub fn signature(&self, nrefs: usize) -> String {
        let eff = if self.effective_order { "yes" } else { "no" };
        format!(
            "nrefs:{nrefs}|case:mixed|eff:{eff}|tok:13a|smooth:exp|version:{SACREBLEU_VERSION}|kakugo:{KAKUGO_VERSION}"
        )
    }

    /// Number of statistics per segment: two lengths, then matches and totals per order.
    pub fn n_stats(&self) -> usize {
        2 + 2 * self.max_ngram_order
    }

    /// Per-segment sufficient statistics against `refs` (several references pool their
    /// n-gram counts by maximum, as sacrebleu does).
    pub fn segment_stats(&self, hyp: &str, refs: &[&str]) -> Vec<f64> {
        let n = self.max_ngram_order;
        let hyp_tok = tokenize_13a(python_rstrip(hyp));
        let hyp_words: Vec<&str> = python_split(&hyp_tok).collect();
        let ref_toks: Vec<String> = refs
            .iter()
            .map(|r| tokenize_13a(python_rstrip(r)))
            .collect();
        let ref_words: Vec<Vec<&str>> =
            ref_toks.iter().map(|t| python_split(t).collect()).collect();
        let ref_len = closest_ref_len(hyp_words.len(), ref_words.iter().map(Vec::len));
        let mut sequences: Vec<&[&str]> = vec![&hyp_words];
        sequences.extend(ref_words.iter().map(Vec::as_slice));
        let ids = intern(&sequences);
        let ref_ids: Vec<&[u32]> = ids[1..].iter().map(Vec::as_slice).collect();
        let matches = clipped_matches(&ids[0], &ref_ids, n);
        let mut stats = vec![0.0; self.n_stats()];
        stats[0] = hyp_words.len() as f64;
        stats[1] = ref_len as f64;
        for (k, m) in matches.into_iter().enumerate() {
            stats[2 + k] = f64::from(m);
            stats[2 + n + k] = windows(hyp_words.len(), k + 1) as f64;
        }
        stats
    }

    /// Sentence score (0–100) of one hypothesis.
    pub fn sentence_score(&self, hyp: &str, refs: &[&str]) -> f64 {
        self.score(&self.segment_stats(hyp, refs))
    }

    /// Corpus score (0–100): the score of the summed per-segment statistics.
    pub fn corpus_score(&self, segments: &[Vec<f64>]) -> f64 {
        self.score(&sum_stats(segments, self.n_stats()))
    }

    /// Score (0–100) of a statistics vector of length [`Bleu::n_stats`].
    pub fn score(&self, stats: &[f64]) -> f64 {
        self.details(stats).score
    }

    /// The score of `stats` with its label, signature and verbose part, for printing.
    pub fn report(&self, stats: &[f64], nrefs: usize) -> Score {
        let details = self.details(stats);
        Score {
            name: self.label().to_string(),
            value: details.score,
            signature: self.signature(nrefs),
            verbose: Some(details.verbose()),
        }
    }

    /// Score, precisions and brevity penalty of `stats`, following sacrebleu's `compute_bleu`
    /// operation by operation.
    pub fn details(&self, stats: &[f64]) -> BleuScore {
        let n = self.max_ngram_order;
        let (sys_len, ref_len) = (stats[0], stats[1]);
        let correct = &stats[2..2 + n];
        let total = &stats[2 + n..2 + 2 * n];
        let bp = if sys_len >= ref_len {
            1.0
        } else if sys_len > 0.0 {
            (1.0 - ref_len / sys_len).exp()
        } else {
            0.0
        };
        let mut precisions = vec![0.0; n];
        let mut score = 0.0;
        if correct.iter().any(|&c| c != 0.0) {
            let mut smooth = 1.0;
            let mut eff_order = n;
            for k in 0..n {
                if total[k] == 0.0 {
                    break;
                }
                if self.effective_order {
                    eff_order = k + 1;
                }
                precisions[k] = if correct[k] == 0.0 {
                    smooth *= 2.0;
                    100.0 / (smooth * total[k])
                } else {
                    100.0 * correct[k] / total[k]
                };
            }
            let log_sum = precisions[..eff_order]
                .iter()
                .fold(0.0, |acc, &p| acc + floored_ln(p));
            score = bp * (log_sum / eff_order as f64).exp();
        }
        BleuScore {
            score,
            precisions,
            bp,
            sys_len: sys_len as u64,
            ref_len: ref_len as u64,
        }
    }
}

/// The reference length closest to `hyp_len`, the shorter one on ties (0 without references).
fn closest_ref_len(hyp_len: usize, ref_lens: impl Iterator<Item = usize>) -> usize {
    ref_lens
        .min_by_key(|&r| (r.abs_diff(hyp_len), r))
        .unwrap_or(0)
}

/// mteval-v13a tokenization as sacrebleu's `Tokenizer13a`: drop `<skipped>`, join `-\n`,
/// unescape four XML entities, then space out ASCII punctuation except `'` `,` `-` `.`,
/// periods and commas not between digits, and a dash after a digit; collapse whitespace.
pub fn tokenize_13a(line: &str) -> String {
    let mut line = line
        .replace("<skipped>", "")
        .replace("-\n", "")
        .replace('\n', " ");
    if line.contains('&') {
        line = line
            .replace("&quot;", "\"")
            .replace("&amp;", "&")
            .replace("&lt;", "<")
            .replace("&gt;", ">");
    }
    let padded: Vec<char> = format!(" {line} ").chars().collect();
    // Each pass replays one `re.sub` of sacrebleu's `TokenizerRegexp`, in its order. The
    // two-character patterns must be scanned like `re.sub` does (a match consumes both
    // characters), or `a.,b` and `1,,2` tokenize differently.
    let mut s = Vec::with_capacity(padded.len() * 2);
    for c in padded {
        if is_13a_symbol(c) {
            s.extend([' ', c, ' ']);
        } else {
            s.push(c);
        }
    }
    let digit = |c: char| c.is_ascii_digit();
    let period_comma = |c: char| c == '.' || c == ',';
    // ([^0-9])([\.,]) → "\1 \2 "
    let s = substitute_pairs(
        &s,
        |a, b| !digit(a) && period_comma(b),
        |a, b| [a, ' ', b, ' '],
    );
    // ([\.,])([^0-9]) → " \1 \2"
    let s = substitute_pairs(
        &s,
        |a, b| period_comma(a) && !digit(b),
        |a, b| [' ', a, ' ', b],
    );
    // ([0-9])(-) → "\1 \2 "
    let s = substitute_pairs(&s, |a, b| digit(a) && b == '-', |a, b| [a, ' ', b, ' ']);
    let s: String = s.into_iter().collect();
    python_split(&s).collect::<Vec<_>>().join(" ")
}

/// The class `[\{-\~\[-\` -\&\(-\+\:-\@\/]`: ASCII punctuation except `'` `,` `-` `.`,
/// and the space.
fn is_13a_symbol(c: char) -> bool {
    matches!(c, '{'..='~' | '['..='`' | ' '..='&' | '('..='+' | ':'..='@' | '/')
}

/// `re.sub` of a two-character pattern: scanning left to right, a match at `i` is replaced
/// and scanning resumes at `i + 2`.
fn substitute_pairs(
    s: &[char],
    is_match: impl Fn(char, char) -> bool,
    replace: impl Fn(char, char) -> [char; 4],
) -> Vec<char> {
    let mut out = Vec::with_capacity(s.len() + s.len() / 2);
    let mut i = 0;
    while i < s.len() {
        if i + 1 < s.len() && is_match(s[i], s[i + 1]) {
            out.extend(replace(s[i], s[i + 1]));
            i += 2;
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokenize_13a_matches_sacrebleu() {
        // Expected strings printed by sacrebleu 2.6.0's Tokenizer13a()(line).
        let cases = [
            (
                "Hello, world! (It's 3.5 o'clock.)",
                "Hello , world ! ( It's 3.5 o'clock . )",
            ),
            (
                "a.,b 1,,2 1,000.5 x-y 3-4 -5",
                "a . , b 1 , , 2 1,000.5 x-y 3 - 4 -5",
            ),
            (
                "&quot;quoted&quot; &amp;lt; <skipped>gone",
                "\" quoted \" < gone",
            ),
            ("line-\nbreak\nnext", "linebreak next"),
            ("  ", ""),
            ("日本語。テスト", "日本語。テスト"),
        ];
        for (line, expected) in cases {
            assert_eq!(tokenize_13a(line), expected, "{line:?}");
        }
    }

    #[test]
    fn closest_reference_length_prefers_shorter_on_ties() {
        assert_eq!(closest_ref_len(5, [7, 3, 6].into_iter()), 6);
        assert_eq!(closest_ref_len(5, [7, 3].into_iter()), 3);
        assert_eq!(closest_ref_len(5, std::iter::empty()), 0);
    }

    #[test]
    fn signature_and_verbose_follow_settings() {
        assert!(Bleu::corpus()
            .signature(1)
            .starts_with("nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0|kakugo:"));
        assert!(Bleu::sentence().signature(2).contains("|eff:yes|"));
        assert_eq!(Bleu::corpus().n_stats(), 10);
    }

    #[test]
    fn no_match_scores_zero() {
        let b = Bleu::sentence();
        assert_eq!(b.sentence_score("", &["a reference"]), 0.0);
        assert_eq!(b.sentence_score("x y", &["a b"]), 0.0);
    }
}
