//! chrF++ / BLEU / bootstrap benchmarks (criterion) on real FLORES sentences: the 1,004
//! sentences of `$KAKUGO_DATA/flores/subset/{eng_Latn,kaz_Cyrl}.tsv` as references, each with
//! a deterministic "translation" (every fifth word dropped, two words swapped) as hypothesis.
//! Run with `KAKUGO_DATA=../shared/data cargo bench --bench chrf`.
//!
//! - `chrf++_stats_1004_{eng,kaz}`: per-segment chrF++ statistics for all pairs;
//! - `chrf_stats_1004_eng`: the same for chrF (no word n-grams);
//! - `bleu_stats_1004_eng`: BLEU statistics (13a tokenization included);
//! - `bootstrap_1000_chrf++`: 1,000 bootstrap resamples of the corpus chrF++.

use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion};
use kakugo::eval::metrics::bleu::Bleu;
use kakugo::eval::metrics::bootstrap::bootstrap_stderr;
use kakugo::eval::metrics::chrf::ChrF;

/// (hypothesis, reference) pairs from one FLORES subset file.
fn pairs(language: &str) -> Vec<(String, String)> {
    let data = std::env::var_os("KAKUGO_DATA")
        .map(PathBuf::from)
        .expect("KAKUGO_DATA is not set: point it at the shared data directory (../shared/data)");
    let path = data.join("flores/subset").join(format!("{language}.tsv"));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .from_path(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    reader
        .records()
        .map(|r| {
            let text = r.unwrap()[2].to_string();
            let mut words: Vec<&str> = text.split(' ').collect();
            if words.len() > 3 {
                words.swap(1, 2);
            }
            let hyp: Vec<&str> = words
                .iter()
                .enumerate()
                .filter(|(i, _)| i % 5 != 4)
                .map(|(_, w)| *w)
                .collect();
            (hyp.join(" "), text)
        })
        .collect()
}

fn all_stats(pairs: &[(String, String)], f: impl Fn(&str, &[&str]) -> Vec<f64>) -> Vec<Vec<f64>> {
    pairs.iter().map(|(h, r)| f(h, &[r.as_str()])).collect()
}

fn metrics(c: &mut Criterion) {
    let (eng, kaz) = (pairs("eng_Latn"), pairs("kaz_Cyrl"));
    assert_eq!((eng.len(), kaz.len()), (1004, 1004));
    let (pp, plain, bleu) = (ChrF::chrf_plus_plus(), ChrF::plain(), Bleu::corpus());
    c.bench_function("chrf++_stats_1004_eng", |b| {
        b.iter(|| all_stats(&eng, |h, r| pp.segment_stats(h, r)))
    });
    c.bench_function("chrf++_stats_1004_kaz", |b| {
        b.iter(|| all_stats(&kaz, |h, r| pp.segment_stats(h, r)))
    });
    c.bench_function("chrf_stats_1004_eng", |b| {
        b.iter(|| all_stats(&eng, |h, r| plain.segment_stats(h, r)))
    });
    c.bench_function("bleu_stats_1004_eng", |b| {
        b.iter(|| all_stats(&eng, |h, r| bleu.segment_stats(h, r)))
    });
    let stats = all_stats(&eng, |h, r| pp.segment_stats(h, r));
    let mut group = c.benchmark_group("bootstrap");
    group.sample_size(10);
    group.bench_function("bootstrap_1000_chrf++", |b| {
        b.iter(|| bootstrap_stderr(&stats, |s| pp.score(s), 1000, 1))
    });
    group.finish();
}

criterion_group!(benches, metrics);
criterion_main!(benches);
