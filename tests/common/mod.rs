//! Shared helpers for integration tests: where the real data and models are.
#![allow(dead_code)]

use std::path::PathBuf;

/// `$KAKUGO_DATA` (the real datasets, `../shared/data` in CI). Panics when unset: tests that
/// need real data must fail loudly, never skip.
pub fn data_dir() -> PathBuf {
    let dir = std::env::var_os("KAKUGO_DATA")
        .map(PathBuf::from)
        .expect("KAKUGO_DATA is not set: point it at the shared data directory (../shared/data)");
    assert!(
        dir.is_dir(),
        "KAKUGO_DATA={} is not a directory",
        dir.display()
    );
    dir
}

/// The committed reference values (`tests/fixtures/reference`: sacrebleu's chrF++/BLEU cases,
/// lm-evaluation-harness's SIB-200 log-likelihoods); `$KAKUGO_REFERENCE` overrides.
pub fn reference_dir() -> PathBuf {
    let dir = std::env::var_os("KAKUGO_REFERENCE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/reference")
        });
    assert!(
        dir.is_dir(),
        "reference directory {} is missing (set KAKUGO_REFERENCE)",
        dir.display()
    );
    dir
}

/// Path of a fetched model file; panics with the fix when it is missing.
pub fn model_file(name: &str) -> PathBuf {
    let path = kakugo::model::resolve::models_dir().join(name);
    assert!(
        path.is_file(),
        "{} is missing: run scripts/fetch-models.sh",
        path.display()
    );
    path
}

/// Reads a TSV with RFC 4180 quoting (the SIB-200 / FLORES subset convention).
pub fn read_tsv(path: &std::path::Path) -> Vec<csv::StringRecord> {
    csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .from_path(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .records()
        .map(|r| r.unwrap())
        .collect()
}
