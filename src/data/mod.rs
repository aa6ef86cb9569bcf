//! Dataset loaders, one per dataset, and where data comes from.
//!
//! Each loader reads its dataset's upstream format as it is, validates every record and
//! reports the file, line and field of anything malformed. Loaders never skip silently and
//! never normalise text. Every file read is returned with its sha256 for the run manifest.

use std::path::Path;

use rand::seq::SliceRandom;
use rand::SeedableRng;

pub mod document;
pub mod flores;
pub mod sib200;

pub use document::{MultipleChoiceDoc, TranslationDoc};

use crate::Result;

/// A data file that was read, for the manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataFile {
    /// Path relative to the data root.
    pub path: String,
    pub sha256: String,
}

impl DataFile {
    pub fn hash(root: &Path, path: &Path) -> Result<DataFile> {
        Ok(DataFile {
            path: path
                .strip_prefix(root)
                .unwrap_or(path)
                .display()
                .to_string(),
            sha256: crate::store::hash::sha256_file(path)?,
        })
    }
}

/// Documents and the files they came from.
#[derive(Debug, Clone)]
pub struct Loaded<T> {
    pub docs: Vec<T>,
    pub files: Vec<DataFile>,
}

/// A deterministic stratified subset of `n` of `len` items: each stratum (by `key`) gets a
/// share proportional to its size (largest remainders first, ties by stratum name), items
/// drawn with a ChaCha8 generator from `seed`. Returns indices in original order. `--limit`
/// uses this instead of "the first N items", which would skew the label distribution.
pub fn sample_stratified(keys: &[String], n: usize, seed: u64) -> Vec<usize> {
    if n >= keys.len() {
        return (0..keys.len()).collect();
    }
    let mut strata: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
    for (i, k) in keys.iter().enumerate() {
        strata.entry(k).or_default().push(i);
    }
    let total = keys.len() as f64;
    let mut quotas: Vec<(&str, usize, f64)> = strata
        .iter()
        .map(|(k, v)| {
            let exact = n as f64 * v.len() as f64 / total;
            (*k, exact.floor() as usize, exact - exact.floor())
        })
        .collect();
    let mut left = n - quotas.iter().map(|q| q.1).sum::<usize>();
    let mut order: Vec<usize> = (0..quotas.len()).collect();
    order.sort_by(|&a, &b| {
        quotas[b]
            .2
            .total_cmp(&quotas[a].2)
            .then(quotas[a].0.cmp(quotas[b].0))
    });
    for i in order {
        if left == 0 {
            break;
        }
        quotas[i].1 += 1;
        left -= 1;
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut picked = Vec::with_capacity(n);
    for (k, quota, _) in quotas {
        let mut members = strata[k].clone();
        members.shuffle(&mut rng);
        picked.extend(members.into_iter().take(quota));
    }
    picked.sort_unstable();
    picked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stratified_sample_is_proportional_and_deterministic() {
        let keys: Vec<String> = (0..100)
            .map(|i| if i < 70 { "a".into() } else { "b".into() })
            .collect();
        let s = sample_stratified(&keys, 10, 7);
        assert_eq!(s.len(), 10);
        assert_eq!(s.iter().filter(|&&i| i < 70).count(), 7);
        assert_eq!(s, sample_stratified(&keys, 10, 7));
        assert_ne!(s, sample_stratified(&keys, 10, 8));
    }
}
