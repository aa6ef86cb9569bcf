//! Data loaders on real data (`$KAKUGO_DATA`, checked against the figures of its README and
//! its SHA256SUMS) and on small malformed files (every error names file, line and field).
//!
//! Run: `scripts/test.sh` (the real tier; `$KAKUGO_DATA` is set by it).

use crate::common;

mod belebele;
mod errors;
mod flores;
mod global_mmlu;
mod sib200;
mod source;

use std::collections::BTreeMap;
use std::path::Path;

/// `path → sha256` from the data directory's `SHA256SUMS`.
pub fn sha256sums(root: &Path) -> BTreeMap<String, String> {
    std::fs::read_to_string(root.join("SHA256SUMS"))
        .expect("SHA256SUMS in KAKUGO_DATA")
        .lines()
        .map(|l| {
            let (hash, path) = l.split_once("  ").expect("sha256sum format");
            (path.trim_start_matches("./").to_string(), hash.to_string())
        })
        .collect()
}

/// Counts of each value.
pub fn counts<'a>(values: impl IntoIterator<Item = &'a str>) -> BTreeMap<&'a str, usize> {
    let mut out = BTreeMap::new();
    for v in values {
        *out.entry(v).or_default() += 1;
    }
    out
}

pub fn lang(code: &str) -> &'static kakugo::lang::Language {
    kakugo::lang::resolve(code).unwrap()
}
