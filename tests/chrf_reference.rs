//! chrF++ and chrF against sacrebleu 2.6.0's own values: the golden 63.11 example and the
//! 211 cases of `../shared/reference/chrf_reference_cases.tsv` (many scripts and edge cases),
//! sentence scores, the 24 statistics and corpus scores, to 1e-9.

mod common;

use kakugo::eval::metrics::chrf::ChrF;

#[test]
fn golden_corpus_example() {
    let c = ChrF::chrf_plus_plus();
    let hyps = ["the cat sat on the mat", "a dog ran", "hello world"];
    let refs = ["the cat sat on the mat", "the dog runs", "goodbye world"];
    let stats: Vec<Vec<f64>> = hyps
        .iter()
        .zip(refs)
        .map(|(h, r)| c.segment_stats(h, &[r]))
        .collect();
    assert_eq!(format!("{:.2}", c.corpus_score(&stats)), "63.11");
}

#[test]
fn matches_sacrebleu_on_211_cases() {
    let dir = common::reference_dir();
    let cases = std::fs::read_to_string(dir.join("chrf_reference_cases.tsv")).unwrap();
    let stats_file = std::fs::read_to_string(dir.join("chrf_reference_cases.stats.tsv")).unwrap();
    let meta: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("chrf_reference_cases.meta.json")).unwrap(),
    )
    .unwrap();
    let lines: Vec<&str> = cases.lines().collect();
    let (pp, plain) = (ChrF::chrf_plus_plus(), ChrF::plain());
    let mut all_pp = Vec::new();
    let mut all_plain = Vec::new();
    let mut checked = 0;
    for (i, line) in lines.iter().enumerate().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 3, "line {}", i + 1);
        if f[0] == "__CORPUS__" {
            let expected: f64 = f[2].parse().unwrap();
            let got = pp.corpus_score(&all_pp);
            assert!(
                (got - expected).abs() < 1e-9,
                "corpus chrF++ {got} vs sacrebleu {expected}"
            );
            continue;
        }
        let (hyp, reference) = (f[0], f[1]);
        let s = pp.segment_stats(hyp, &[reference]);
        let expected: f64 = f[2].parse().unwrap();
        let got = pp.score(&s);
        assert!(
            (got - expected).abs() < 1e-9,
            "line {}: chrF++ {got} vs sacrebleu {expected}: {hyp:?} / {reference:?}",
            i + 1
        );
        all_pp.push(s);
        all_plain.push(plain.segment_stats(hyp, &[reference]));
        checked += 1;
    }
    assert_eq!(checked, 211);
    // Per-case statistics and chrF (word order 0), keyed by line number in the cases file.
    for row in stats_file.lines().skip(1) {
        let f: Vec<&str> = row.split('\t').collect();
        let line: usize = f[0].parse().unwrap();
        let case = &all_pp[line - 2];
        let expected: Vec<f64> = f[5].split(',').map(|v| v.parse().unwrap()).collect();
        assert_eq!(case, &expected, "line {line} ({}): chrF++ statistics", f[1]);
        let chrf: f64 = f[3].parse().unwrap();
        let got = plain.score(&all_plain[line - 2]);
        assert!(
            (got - chrf).abs() < 1e-9,
            "line {line}: chrF {got} vs {chrf}"
        );
    }
    let corpus_chrf = meta["corpus_chrf"].as_f64().unwrap();
    assert!((plain.corpus_score(&all_plain) - corpus_chrf).abs() < 1e-9);
    assert_eq!(
        pp.signature(1).rsplit_once("|kakugo:").unwrap().0,
        meta["chrfpp_signature"].as_str().unwrap()
    );
}
