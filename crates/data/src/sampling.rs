//! Deterministic subsets and few-shot examples.
//!
//! [`sample_stratified`] draws the subsets behind `--limit` and smoke suites: each stratum gets
//! a share proportional to its size, so a subset keeps the label mix that "the first N items"
//! would skew. [`few_shot`] draws an item's in-context examples from a pool (a dev split),
//! never the item itself, with a generator seeded from the task seed and the item's id, so
//! an item gets the same examples whatever order or subset it is evaluated in.
//!
//! Both use ChaCha8 seeded with `seed_from_u64` (rand 0.8): the same seed gives the same
//! subset on every machine.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use sha2::{Digest, Sha256};

use crate::{MultipleChoiceDoc, TranslationDoc};
use kakugo_core::{Error, Result};

/// A document with a stable id (for excluding an item from its own few-shot examples).
pub trait HasId {
    fn doc_id(&self) -> &str;
}

impl HasId for MultipleChoiceDoc {
    fn doc_id(&self) -> &str {
        &self.id
    }
}

impl<T: HasId> HasId for &T {
    fn doc_id(&self) -> &str {
        (*self).doc_id()
    }
}

impl HasId for TranslationDoc {
    fn doc_id(&self) -> &str {
        &self.id
    }
}

/// A deterministic stratified subset of `n` of `keys.len()` items: each stratum (items with
/// the same key) gets a share proportional to its size (largest remainders first, ties by
/// stratum name), items drawn with a ChaCha8 generator from `seed`. Returns indices in
/// original order; all indices when `n` is at least the number of items.
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
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut picked = Vec::with_capacity(n);
    for (k, quota, _) in quotas {
        let mut members = strata[k].clone();
        members.shuffle(&mut rng);
        picked.extend(members.into_iter().take(quota));
    }
    picked.sort_unstable();
    picked
}

/// [`sample_stratified`] over multiple-choice documents by a metadata key (`category`,
/// `subject_category`, ...); a document without the key is an error.
pub fn stratified_subset<'a>(
    docs: &'a [MultipleChoiceDoc],
    key: &str,
    n: usize,
    seed: u64,
) -> Result<Vec<&'a MultipleChoiceDoc>> {
    let keys = docs
        .iter()
        .map(|d| {
            d.metadata.get(key).cloned().ok_or_else(|| {
                Error::usage(format!(
                    "document `{}` has no metadata `{key}` to stratify by",
                    d.id
                ))
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(sample_stratified(&keys, n, seed)
        .into_iter()
        .map(|i| &docs[i])
        .collect())
}

/// `k` few-shot examples for the item `item_id`, drawn from `pool` without replacement and
/// never the item itself (the pool may be the item's own split). The generator is seeded from
/// `seed` and `item_id`, so the choice does not depend on which other items are evaluated.
pub fn few_shot<'a, T: HasId>(
    pool: &'a [T],
    k: usize,
    seed: u64,
    item_id: &str,
) -> Result<Vec<&'a T>> {
    let eligible: Vec<&T> = pool.iter().filter(|d| d.doc_id() != item_id).collect();
    if k > eligible.len() {
        return Err(Error::usage(format!(
            "{k}-shot needs {k} examples besides item `{item_id}`, the pool has {}",
            eligible.len()
        )));
    }
    let digest = Sha256::digest(format!("{seed}\n{item_id}").as_bytes());
    let item_seed = u64::from_le_bytes(digest[..8].try_into().expect("8 bytes"));
    let mut rng = ChaCha8Rng::seed_from_u64(item_seed);
    Ok(rand::seq::index::sample(&mut rng, eligible.len(), k)
        .into_iter()
        .map(|i| eligible[i])
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id: usize, category: &str) -> MultipleChoiceDoc {
        MultipleChoiceDoc {
            id: id.to_string(),
            language: "eng_Latn".into(),
            fields: Default::default(),
            choices: vec!["a".into(), "b".into()],
            gold: 0,
            metadata: [("category".to_string(), category.to_string())].into(),
        }
    }

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

    #[test]
    fn largest_remainders_fill_the_quota() {
        // 5 of 9 over strata of 4, 3, 2: exact shares 2.22, 1.67, 1.11 -> 2 + 2 + 1.
        let docs: Vec<_> = (0..9)
            .map(|i| doc(i, ["x", "x", "x", "x", "y", "y", "y", "z", "z"][i]))
            .collect();
        let picked = stratified_subset(&docs, "category", 5, 1).unwrap();
        let count = |c: &str| {
            picked
                .iter()
                .filter(|d| d.metadata["category"] == c)
                .count()
        };
        assert_eq!((count("x"), count("y"), count("z")), (2, 2, 1));
        assert!(stratified_subset(&docs, "missing", 5, 1).is_err());
    }

    #[test]
    fn few_shot_never_picks_the_item_and_ignores_evaluation_order() {
        let pool: Vec<_> = (0..6).map(|i| doc(i, "x")).collect();
        for item in 0..6 {
            let id = item.to_string();
            let shots = few_shot(&pool, 5, 42, &id).unwrap();
            assert_eq!(shots.len(), 5);
            assert!(shots.iter().all(|d| d.id != id));
            assert_eq!(shots, few_shot(&pool, 5, 42, &id).unwrap());
        }
        assert_ne!(
            few_shot(&pool, 3, 42, "0").unwrap(),
            few_shot(&pool, 3, 43, "0").unwrap()
        );
        assert!(few_shot(&pool, 6, 42, "0").is_err());
        assert_eq!(few_shot(&pool, 6, 42, "not in pool").unwrap().len(), 6);
    }
}
