//! spBLEU reproduction: sacrebleu 2.6's BLEU with tokenize="flores200"/"flores101", computed
//! by scripts/reference/spm_fixtures.py with our fixture models installed where sacrebleu
//! looks for its SentencePiece models.
//!
//! Two things are checked. First, that [`SentencePiece::tokenize`] of each right-stripped
//! segment is byte-for-byte the string sacrebleu matched n-grams over: with that, any exact
//! BLEU implementation over pre-tokenized text (kakugo's `src/eval/metrics/bleu.rs`) gives
//! sacrebleu's spBLEU. Second, that the fixture is self-consistent: the n-gram statistics and
//! the BLEU arithmetic redone here from the tokenized strings give sacrebleu's counts exactly
//! and its scores to 1e-9, sentence by sentence and per corpus.

use std::collections::HashMap;
use std::path::PathBuf;

use kakugo_sentencepiece::SentencePiece;
use serde_json::Value;
use sha2::{Digest, Sha256};

const MAX_ORDER: usize = 4;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Python's `str.isspace()`: Unicode White_Space plus U+001C..U+001F.
fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// sacrebleu's `_preprocess_segment` for spBLEU: `tokenizer(sent.rstrip())`.
fn sacrebleu_tokenize(sp: &SentencePiece, segment: &str) -> String {
    sp.tokenize(segment.trim_end_matches(is_python_space))
}

/// Per-segment statistics as sacrebleu's BLEU gathers them: hypothesis length, closest
/// reference length (shorter on ties), clipped matches and totals per order.
fn segment_stats(hyp: &str, refs: &[&str]) -> Vec<u64> {
    let words = |s: &str| -> Vec<String> {
        s.split(is_python_space)
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect()
    };
    let ngrams = |w: &[String]| {
        let mut counts: HashMap<Vec<String>, u64> = HashMap::new();
        for n in 1..=MAX_ORDER {
            for g in w.windows(n) {
                *counts.entry(g.to_vec()).or_default() += 1;
            }
        }
        counts
    };
    let hyp_words = words(hyp);
    let mut ref_counts: HashMap<Vec<String>, u64> = HashMap::new();
    let mut ref_len: Option<usize> = None;
    for r in refs {
        let w = words(r);
        let diff = |len: usize| len.abs_diff(hyp_words.len());
        ref_len = match ref_len {
            Some(best) if diff(best) < diff(w.len()) => Some(best),
            Some(best) if diff(best) == diff(w.len()) => Some(best.min(w.len())),
            _ => Some(w.len()),
        };
        for (g, c) in ngrams(&w) {
            let e = ref_counts.entry(g).or_default();
            *e = (*e).max(c);
        }
    }
    let mut stats = vec![0u64; 2 + 2 * MAX_ORDER];
    stats[0] = hyp_words.len() as u64;
    stats[1] = ref_len.unwrap_or(0) as u64;
    for (g, c) in ngrams(&hyp_words) {
        let n = g.len() - 1;
        stats[2 + MAX_ORDER + n] += c;
        stats[2 + n] += c.min(ref_counts.get(&g).copied().unwrap_or(0));
    }
    stats
}

/// sacrebleu's `compute_bleu` with exponential smoothing: (score, precisions, bp).
fn bleu(stats: &[u64], effective_order: bool) -> (f64, Vec<f64>, f64) {
    let (sys_len, ref_len) = (stats[0] as f64, stats[1] as f64);
    let correct = &stats[2..2 + MAX_ORDER];
    let total = &stats[2 + MAX_ORDER..];
    let bp = if sys_len < ref_len {
        if sys_len > 0.0 {
            (1.0 - ref_len / sys_len).exp()
        } else {
            0.0
        }
    } else {
        1.0
    };
    let mut precisions = vec![0.0; MAX_ORDER];
    if correct.iter().all(|&c| c == 0) {
        return (0.0, precisions, bp);
    }
    let mut smooth = 1.0;
    let mut eff_order = MAX_ORDER;
    for n in 0..MAX_ORDER {
        if total[n] == 0 {
            break;
        }
        if effective_order {
            eff_order = n + 1;
        }
        precisions[n] = if correct[n] == 0 {
            smooth *= 2.0;
            100.0 / (smooth * total[n] as f64)
        } else {
            100.0 * correct[n] as f64 / total[n] as f64
        };
    }
    let log_sum = precisions[..eff_order].iter().fold(0.0, |acc, &p| {
        acc + if p == 0.0 {
            -9_999_999_999.0
        } else {
            f64::ln(p)
        }
    });
    (bp * (log_sum / eff_order as f64).exp(), precisions, bp)
}

fn u64s(v: &Value) -> Vec<u64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap())
        .collect()
}

fn f64s(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// Checks recomputed statistics and score against one recorded sacrebleu score.
fn check_score(what: &str, stats: &[u64], effective_order: bool, want: &Value) {
    assert_eq!(
        stats[0],
        want["sys_len"].as_u64().unwrap(),
        "{what}: sys_len"
    );
    assert_eq!(
        stats[1],
        want["ref_len"].as_u64().unwrap(),
        "{what}: ref_len"
    );
    assert_eq!(
        &stats[2..2 + MAX_ORDER],
        u64s(&want["counts"]),
        "{what}: counts"
    );
    assert_eq!(
        &stats[2 + MAX_ORDER..],
        u64s(&want["totals"]),
        "{what}: totals"
    );
    let (score, precisions, bp) = bleu(stats, effective_order);
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-9;
    assert!(
        close(score, want["score"].as_f64().unwrap()),
        "{what}: BLEU {score} vs {}",
        want["score"]
    );
    assert!(close(bp, want["bp"].as_f64().unwrap()), "{what}: bp");
    for (p, w) in precisions.iter().zip(f64s(&want["precisions"])) {
        assert!(close(*p, w), "{what}: precision {p} vs {w}");
    }
}

#[test]
fn spbleu_matches_sacrebleu() {
    let json: Value = serde_json::from_str(
        &std::fs::read_to_string(fixtures().join("spbleu_reference.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(json["sacrebleu_version"], "2.6.0");
    let tokenizers = json["tokenizers"].as_object().unwrap();
    assert!(tokenizers.contains_key("flores200"));
    let mut n_segments = 0;
    let mut mismatches = Vec::new();
    for (tok, entry) in tokenizers {
        let model_path = fixtures().join(entry["model"].as_str().unwrap());
        let bytes = std::fs::read(&model_path).unwrap();
        let sha = format!("{:x}", Sha256::digest(&bytes));
        assert_eq!(sha, entry["sha256"].as_str().unwrap(), "{tok}: model file");
        let sp = SentencePiece::from_bytes(&bytes).unwrap();
        for set in entry["sets"].as_array().unwrap() {
            let name = format!("{tok}/{}", set["name"].as_str().unwrap());
            let mut corpus = vec![0u64; 2 + 2 * MAX_ORDER];
            let mut nrefs = 0;
            for (k, seg) in set["segments"].as_array().unwrap().iter().enumerate() {
                n_segments += 1;
                let hyp = seg["hyp"].as_str().unwrap();
                let refs: Vec<&str> = seg["refs"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r.as_str().unwrap())
                    .collect();
                nrefs = refs.len();
                let hyp_tok = sacrebleu_tokenize(&sp, hyp);
                if hyp_tok != seg["hyp_tok"].as_str().unwrap() {
                    mismatches.push(format!(
                        "{name}[{k}] hyp: {hyp_tok:?} vs {}",
                        seg["hyp_tok"]
                    ));
                }
                for (r, want) in refs.iter().zip(seg["refs_tok"].as_array().unwrap()) {
                    let got = sacrebleu_tokenize(&sp, r);
                    if got != want.as_str().unwrap() {
                        mismatches.push(format!("{name}[{k}] ref: {got:?} vs {want}"));
                    }
                }
                // Statistics from sacrebleu's own tokenized strings.
                let want_refs: Vec<&str> = seg["refs_tok"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r.as_str().unwrap())
                    .collect();
                let stats = segment_stats(seg["hyp_tok"].as_str().unwrap(), &want_refs);
                check_score(
                    &format!("{name}[{k}] sentence"),
                    &stats,
                    true,
                    &seg["sentence_bleu"],
                );
                for (c, s) in corpus.iter_mut().zip(&stats) {
                    *c += s;
                }
            }
            check_score(
                &format!("{name} corpus"),
                &corpus,
                false,
                &set["corpus_bleu"],
            );
            assert_eq!(
                set["corpus_bleu"]["signature"].as_str().unwrap(),
                format!("nrefs:{nrefs}|case:mixed|eff:no|tok:{tok}|smooth:exp|version:2.6.0")
            );
            assert_eq!(
                set["sentence_signature"].as_str().unwrap(),
                format!("nrefs:{nrefs}|case:mixed|eff:yes|tok:{tok}|smooth:exp|version:2.6.0")
            );
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} tokenizations differ:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    assert!(n_segments >= 1000, "{n_segments} segments");
}
