//! chrF++, chrF and BLEU against sacrebleu 2.6.0's own values: the golden 63.11 example, a
//! two-reference example, and the 211 cases of `chrf_reference_cases.tsv` in
//! `tests/fixtures/reference`: many scripts and degenerate inputs
//! (empty hypothesis or reference, one character, punctuation only, U+001F, NBSP, ...).
//! Sentence scores, the 24 chrF++ statistics and corpus scores, to 1e-9 (corpus scores on
//! 1,004 real FLORES sentences are in the real tier, `tests/real/chrf_flores.rs`).

use crate::common;

use kakugo::eval::metrics::bleu::Bleu;
use kakugo::eval::metrics::chrf::ChrF;
use kakugo::eval::metrics::{sum_stats, Metric, Score};

const HYPS: [&str; 3] = ["the cat sat on the mat", "a dog ran", "hello world"];
const REFS: [&str; 3] = ["the cat sat on the mat", "the dog runs", "goodbye world"];
const REFS2: [&str; 3] = ["a cat sat on a mat", "a dog ran away", "hello there world"];

fn close(got: f64, expected: f64, what: &str) {
    assert!(
        (got - expected).abs() < 1e-9,
        "{what}: kakugo {got} vs sacrebleu {expected}"
    );
}

/// Per-segment statistics of the golden example (one reference each).
fn golden_stats(segment_stats: impl Fn(&str, &[&str]) -> Vec<f64>) -> Vec<Vec<f64>> {
    HYPS.iter()
        .zip(REFS)
        .map(|(h, r)| segment_stats(h, &[r]))
        .collect()
}

#[test]
fn golden_corpus_example() {
    let c = ChrF::chrf_plus_plus();
    let stats = golden_stats(|h, r| c.segment_stats(h, r));
    // sacrebleu 2.6.0: CHRF(word_order=2).corpus_score(HYPS, [REFS])
    assert_eq!(format!("{:.2}", c.corpus_score(&stats)), "63.11");
    close(c.corpus_score(&stats), 63.1127471983147, "corpus chrF++");
    let plain = ChrF::plain();
    let plain_stats = golden_stats(|h, r| plain.segment_stats(h, r));
    close(
        plain.corpus_score(&plain_stats),
        61.5377691360066,
        "corpus chrF",
    );
    // BLEU().corpus_score: "BLEU = 77.65 72.7/62.5/80.0/100.0 (BP = 1.000 ratio = 1.000
    // hyp_len = 11 ref_len = 11)"
    let b = Bleu::corpus();
    let bleu_stats = golden_stats(|h, r| b.segment_stats(h, r));
    assert_eq!(
        b.report(&sum_stats(&bleu_stats, 10), 1).text(2, false),
        "BLEU = 77.65 72.7/62.5/80.0/100.0 (BP = 1.000 ratio = 1.000 hyp_len = 11 ref_len = 11)"
    );
}

#[test]
fn two_references() {
    // sacrebleu 2.6.0 with references [REFS, REFS2]: CHRF(word_order=2) and
    // BLEU(effective_order=True) sentence scores, CHRF(word_order=2) and BLEU() corpus scores.
    let sentence = [
        (100.0, 100.00000000000004),
        (61.289148355724556, 100.00000000000004),
        (38.861479195566595, 70.71067811865478),
    ];
    let (c, b) = (ChrF::chrf_plus_plus(), Bleu::corpus());
    let (mut cs, mut bs) = (Vec::new(), Vec::new());
    for (i, (chrf, bleu)) in sentence.into_iter().enumerate() {
        let refs = [REFS[i], REFS2[i]];
        close(c.sentence_score(HYPS[i], &refs), chrf, "sentence chrF++");
        close(
            Bleu::sentence().sentence_score(HYPS[i], &refs),
            bleu,
            "sentence BLEU",
        );
        cs.push(c.segment_stats(HYPS[i], &refs));
        bs.push(b.segment_stats(HYPS[i], &refs));
    }
    close(c.corpus_score(&cs), 72.35768227930616, "corpus chrF++");
    close(b.corpus_score(&bs), 96.71682101338351, "corpus BLEU");
    assert!(c
        .report(&sum_stats(&cs, 24), 2)
        .signature
        .starts_with("nrefs:2|"));
}

struct Case {
    hyp: String,
    reference: String,
    chrfpp: f64,
}

/// The cases in file order; the `__CORPUS__` line's value is returned separately.
fn read_cases() -> (Vec<Case>, f64) {
    let path = common::reference_dir().join("chrf_reference_cases.tsv");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut cases = Vec::new();
    let mut corpus = None;
    for (i, line) in text.split('\n').enumerate().skip(1) {
        if line.is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 3, "{}: line {}", path.display(), i + 1);
        let value: f64 = f[2].parse().unwrap();
        if f[0] == "__CORPUS__" {
            corpus = Some(value);
        } else {
            cases.push(Case {
                hyp: f[0].to_string(),
                reference: f[1].to_string(),
                chrfpp: value,
            });
        }
    }
    (cases, corpus.expect("__CORPUS__ line"))
}

fn read_meta() -> serde_json::Value {
    let path = common::reference_dir().join("chrf_reference_cases.meta.json");
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// A corpus score against the meta file's `corpus_{key}` value, `corpus_{key}_str` (sacrebleu's
/// `str(score)`, where recorded) and `{key}_signature` (without kakugo's own field).
fn check_against_meta(report: &Score, key: &str) {
    let meta = read_meta();
    let value = meta[format!("corpus_{key}")].as_f64().unwrap();
    close(report.value, value, &format!("corpus_{key}"));
    if let Some(printed) = meta[format!("corpus_{key}_str")].as_str() {
        assert_eq!(report.text(2, false), printed);
    }
    let signature = report.signature.rsplit_once("|kakugo:").unwrap().0;
    assert_eq!(
        signature,
        meta[format!("{key}_signature")].as_str().unwrap()
    );
}

#[test]
fn chrf_plus_plus_matches_sacrebleu_on_211_cases() {
    let (cases, corpus) = read_cases();
    assert_eq!(cases.len(), 211);
    let pp = ChrF::chrf_plus_plus();
    let mut stats = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let s = pp.segment_stats(&case.hyp, &[&case.reference]);
        let what = format!("line {}: {:?} / {:?}", i + 2, case.hyp, case.reference);
        close(pp.score(&s), case.chrfpp, &what);
        stats.push(s);
    }
    close(pp.corpus_score(&stats), corpus, "corpus chrF++");
    let report = pp.report(&sum_stats(&stats, 24), 1);
    check_against_meta(&report, "chrfpp");
}

#[test]
fn statistics_chrf_and_bleu_match_sacrebleu_on_211_cases() {
    let (cases, _) = read_cases();
    let path = common::reference_dir().join("chrf_reference_cases.stats.tsv");
    let text = std::fs::read_to_string(&path).unwrap();
    let (pp, plain) = (ChrF::chrf_plus_plus(), ChrF::plain());
    let (bleu_sentence, bleu_corpus) = (Bleu::sentence(), Bleu::corpus());
    let mut rows = 0;
    for row in text.lines().skip(1) {
        // line, kind, sentence_chrfpp, sentence_chrf, sentence_bleu_13a, chrfpp_stats
        let f: Vec<&str> = row.split('\t').collect();
        let line: usize = f[0].parse().unwrap();
        let case = &cases[line - 2];
        let what = format!("line {line} ({})", f[1]);
        let expected: Vec<f64> = f[5].split(',').map(|v| v.parse().unwrap()).collect();
        assert_eq!(
            pp.segment_stats(&case.hyp, &[&case.reference]),
            expected,
            "{what}: chrF++ statistics"
        );
        let chrf = plain.sentence_score(&case.hyp, &[&case.reference]);
        close(chrf, f[3].parse().unwrap(), &format!("{what}: chrF"));
        let bleu = bleu_sentence.sentence_score(&case.hyp, &[&case.reference]);
        close(
            bleu,
            f[4].parse().unwrap(),
            &format!("{what}: sentence BLEU"),
        );
        rows += 1;
    }
    assert_eq!(rows, 211);

    let chrf_stats: Vec<Vec<f64>> = cases
        .iter()
        .map(|c| plain.segment_stats(&c.hyp, &[c.reference.as_str()]))
        .collect();
    check_against_meta(&plain.report(&sum_stats(&chrf_stats, 18), 1), "chrf");
    let bleu_stats: Vec<Vec<f64>> = cases
        .iter()
        .map(|c| bleu_corpus.segment_stats(&c.hyp, &[c.reference.as_str()]))
        .collect();
    check_against_meta(
        &bleu_corpus.report(&sum_stats(&bleu_stats, 10), 1),
        "bleu_13a",
    );
    // The suite-level entry points agree with the metric structs.
    let summed = sum_stats(&bleu_stats, 10);
    assert_eq!(
        Metric::Bleu.corpus_score(&summed),
        Some(bleu_corpus.score(&summed))
    );
}
