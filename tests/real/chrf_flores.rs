//! chrF++ / BLEU corpus scores on 1,004 real FLORES sentences in three scripts (`$KAKUGO_DATA`)
//! against sacrebleu's values in `tests/fixtures/reference/chrf_reference_cases.meta.json`.

use crate::common;
use kakugo::eval::metrics::{sum_stats, Metric};

/// Every FLORES subset sentence of `language` as reference, with a "translation" that swaps
/// words 2 and 3 and drops every fifth word (split on single spaces, as Python's `split(' ')`).
fn flores_pairs(language: &str) -> (Vec<String>, Vec<String>) {
    let path = common::data_dir().join(format!("flores/subset/{language}.tsv"));
    let refs: Vec<String> = common::read_tsv(&path)
        .iter()
        .map(|r| r[2].to_string())
        .collect();
    let hyps = refs
        .iter()
        .map(|text| {
            let mut words: Vec<&str> = text.split(' ').collect();
            if words.len() > 3 {
                words.swap(1, 2);
            }
            let kept: Vec<&str> = words
                .iter()
                .enumerate()
                .filter(|(i, _)| i % 5 != 4)
                .map(|(_, w)| *w)
                .collect();
            kept.join(" ")
        })
        .collect();
    (hyps, refs)
}

fn close(got: f64, expected: f64, what: &str) {
    assert!(
        (got - expected).abs() < 1e-9,
        "{what}: kakugo {got} vs sacrebleu {expected}"
    );
}

#[test]
fn flores_corpora_match_sacrebleu() {
    // sacrebleu 2.6.0 on the same pairs (the TSVs read with Python's csv module):
    // CHRF(word_order=2), CHRF() and BLEU() corpus scores.
    let expected = [
        (
            "eng_Latn",
            69.89898417352231,
            70.03315760785782,
            42.89172328356371,
        ),
        (
            "kaz_Cyrl",
            71.68589480632339,
            72.84442976171354,
            41.59211717664819,
        ),
        (
            "zho_Hans",
            87.70969846918888,
            93.85264075596822,
            42.6894901546882,
        ),
    ];
    for (language, chrfpp, chrf, bleu) in expected {
        let (hyps, refs) = flores_pairs(language);
        assert_eq!(hyps.len(), 1004, "{language}");
        for (metric, value) in [
            (Metric::ChrfPlusPlus, chrfpp),
            (Metric::Chrf, chrf),
            (Metric::Bleu, bleu),
        ] {
            let stats: Vec<Vec<f64>> = hyps
                .iter()
                .zip(&refs)
                .map(|(h, r)| metric.segment_stats(h, &[r.as_str()]).unwrap())
                .collect();
            let width = stats[0].len();
            let got = metric.corpus_score(&sum_stats(&stats, width)).unwrap();
            close(got, value, &format!("{language} {metric}"));
        }
    }
}
