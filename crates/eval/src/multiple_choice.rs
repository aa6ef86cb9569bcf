//! Multiple-choice tasks (SIB-200, Belebele, Global-MMLU): documents → one [`ChoiceGroup`] per
//! item (few-shot examples, then the prompt; the letters or option texts as continuations) →
//! log-likelihoods → accuracy under each normalisation, for the task and for each of its
//! subsets (`global_mmlu_ca`, ...).
//!
//! `--limit` keeps each stratum's share (SIB-200 category, Global-MMLU subject category,
//! Belebele answer position). Belebele items arrive sorted by `(link, question_number)`, so the
//! two questions of a passage are neighbours; they get the same few-shot examples and are
//! never split across cache chunks, so the backend runs their shared prefix once.

use std::collections::BTreeMap;

use serde_json::json;

use super::runner::{cached, progress, relative_to_root, shots_for, EvalOptions, TaskOutput};
use crate::suite::prompt::{multiple_choice_context, multiple_choice_continuations};
use crate::suite::{Dataset, Subsets, Task};
use kakugo_core::store::cache::ResponseCache;
use kakugo_core::store::hash::sha256_bytes;
use kakugo_core::store::{ExcludedItem, ItemScore, MetricValue, MissingLanguage, TaskResult};
use kakugo_core::{Error, Result};
use kakugo_data::{self as data, DataSources, LoadedFiles, MultipleChoiceDoc, Split};
use kakugo_metrics::accuracy::{select, ChoiceScore};
use kakugo_metrics::{mean_stderr, Metric, Normalization};
use kakugo_model::{ChoiceGroup, LanguageModel, Loglikelihood};

/// Rows a loader left out: (item id, why).
type Rejected = Vec<(String, String)>;

/// One multiple-choice split of one language, and the rows the loader left out (Global-MMLU
/// rows with an empty option) with the file, line and field that made it.
fn load_multiple_choice(
    dataset: Dataset,
    sources: &DataSources,
    language: &kakugo_core::lang::Language,
    split: Split,
    files: &mut LoadedFiles,
) -> Result<(Vec<MultipleChoiceDoc>, Rejected)> {
    match dataset {
        Dataset::Sib200 => {
            data::sib200::load(&sources.sib200, language, split, files).map(|d| (d, Vec::new()))
        }
        Dataset::Belebele => {
            data::belebele::load(&sources.belebele, language, split, files).map(|d| (d, Vec::new()))
        }
        Dataset::GlobalMmlu => {
            // The loader reads one file; read it into a set of its own to name it.
            let mut read = LoadedFiles::default();
            let loaded = data::global_mmlu::load(&sources.global_mmlu, language, split, &mut read)?;
            let file = read
                .files()
                .next()
                .map(|f| f.path.display().to_string())
                .unwrap_or_default();
            files.extend(read);
            let rejected = loaded
                .rejected
                .into_iter()
                .map(|r| {
                    let reason = format!(
                        "{file}: line {}: field `{}`: empty option, not scored",
                        r.line, r.field
                    );
                    (r.sample_id, reason)
                })
                .collect();
            Ok((loaded.docs, rejected))
        }
        Dataset::Flores => unreachable!("FLORES is a translation dataset"),
    }
}

/// What `--limit` stratifies by: the label mix a subset must keep.
fn stratum(dataset: Dataset, doc: &MultipleChoiceDoc) -> String {
    let meta = |k: &str| doc.metadata.get(k).cloned().unwrap_or_default();
    match dataset {
        Dataset::Sib200 => meta("category"),
        Dataset::GlobalMmlu => meta("subject_category"),
        // Belebele has no categories; keep the answer-position mix (a model biased to one
        // letter must not gain from the draw).
        _ => doc.gold.to_string(),
    }
}

/// The unit few-shot examples are drawn for and excluded by: a Belebele passage (both its
/// questions get the same examples, none from the passage itself, so they share a prefix),
/// else the item.
fn fewshot_unit(dataset: Dataset, doc: &MultipleChoiceDoc) -> &str {
    match dataset {
        Dataset::Belebele => doc.metadata.get("link").map_or(&doc.id, |l| l),
        _ => &doc.id,
    }
}

/// Per-metric means and standard errors over the items' 0/100 scores.
fn mean_result(
    task: &str,
    language: &str,
    metrics: &[Metric],
    items: Vec<ItemScore>,
) -> TaskResult {
    let metrics = metrics
        .iter()
        .map(|m| {
            let values: Vec<f64> = items.iter().map(|i| i.scores[m.name()]).collect();
            let (value, stderr) = mean_stderr(&values);
            MetricValue {
                name: m.name().into(),
                value,
                stderr,
                n: items.len(),
            }
        })
        .collect();
    TaskResult {
        task: task.to_string(),
        language: language.to_string(),
        metrics,
        items,
    }
}

pub(super) fn run_multiple_choice(
    model: &mut dyn LanguageModel,
    cache: Option<&ResponseCache>,
    task: &Task,
    language: &str,
    limit: Option<usize>,
    opts: &EvalOptions,
) -> Result<TaskOutput> {
    let lang = kakugo_core::lang::resolve(language)?;
    let sources = DataSources::under(&opts.data_root);
    let mut files = LoadedFiles::default();
    let split = task.split();
    let (all_docs, rejected) =
        load_multiple_choice(task.dataset, &sources, lang, split, &mut files)?;
    let k = task.num_fewshot;
    let other_pool = if k > 0 && task.fewshot_split() != split {
        let fewshot_split = task.fewshot_split();
        // Rows left out of the example pool are never scored, so they are not reported.
        Some(load_multiple_choice(task.dataset, &sources, lang, fewshot_split, &mut files)?.0)
    } else {
        None
    };
    let pool: &[MultipleChoiceDoc] = other_pool.as_deref().unwrap_or(&all_docs);
    let keys: Vec<String> = all_docs.iter().map(|d| stratum(task.dataset, d)).collect();
    let picked = match limit {
        Some(n) => data::sample_stratified(&keys, n, task.seed),
        None => (0..all_docs.len()).collect(),
    };
    let docs: Vec<&MultipleChoiceDoc> = picked.iter().map(|&i| &all_docs[i]).collect();
    let (groups, shots): (Vec<ChoiceGroup>, Vec<Vec<&MultipleChoiceDoc>>) =
        multiple_choice_requests(task, language, &docs, pool)?
            .into_iter()
            .unzip();
    let units = run_lengths(
        docs.iter()
            .map(|d| fewshot_unit(task.dataset, d).to_string()),
    );
    let scores: Vec<Vec<Loglikelihood>> = cached(
        model,
        cache,
        "loglikelihood",
        &groups,
        &units,
        &progress(&task.name, language, groups.len()),
        |m, g| m.loglikelihood(g),
    )?;
    let formulation = task.formulation();
    let mut items = Vec::new();
    let mut samples = Vec::new();
    for (((doc, group), s), doc_shots) in docs.iter().zip(&groups).zip(&scores).zip(&shots) {
        // Normalisations divide by the scored text (the letter, or the option's text).
        let answers = crate::suite::prompt::answers(doc, formulation)?;
        let choices: Vec<ChoiceScore> = s
            .iter()
            .zip(&answers)
            .map(|(l, text)| ChoiceScore::new(l.logprob, text, l.n_tokens))
            .collect();
        let pick = |norm: Normalization| select(&choices, norm).expect("every item has choices");
        let mut item = ItemScore {
            id: doc.id.clone(),
            scores: BTreeMap::new(),
            stats: BTreeMap::new(),
        };
        for m in &task.metrics {
            let norm = m.normalization().ok_or_else(|| {
                Error::usage(format!(
                    "task `{}`: metric `{}` needs a translation task",
                    task.name,
                    m.name()
                ))
            })?;
            let value = 100.0 * (pick(norm) == doc.gold) as u8 as f64;
            item.scores.insert(m.name().to_string(), value);
        }
        let mut sample = json!({
            "task": task.name, "language": language, "id": doc.id,
            "prompt_sha256": sha256_bytes(group.context.as_bytes()),
            "gold": doc.gold, "prediction": pick(Normalization::None),
            "logprobs": s.iter().map(|l| l.logprob).collect::<Vec<_>>(),
        });
        if k > 0 {
            sample["fewshot"] = json!(doc_shots.iter().map(|d| &d.id).collect::<Vec<_>>());
        }
        samples.push(sample);
        items.push(item);
    }
    let mut results = Vec::new();
    let mut missing = Vec::new();
    if let Some(subsets) = &task.subsets {
        for value in &subsets.values {
            let name = Subsets::task_name(&task.name, value);
            let mut subset = Vec::new();
            for (doc, item) in docs.iter().zip(&items) {
                let found = doc.metadata.get(&subsets.field).ok_or_else(|| {
                    Error::usage(format!(
                        "task `{}`: item `{}` has no metadata `{}` to form subsets by (it has {})",
                        task.name,
                        doc.id,
                        subsets.field,
                        doc.metadata.keys().cloned().collect::<Vec<_>>().join(", ")
                    ))
                })?;
                if found == value {
                    subset.push(item.clone());
                }
            }
            if subset.is_empty() {
                let reason = format!(
                    "no {} items with {} = {value} in the {split} split{}",
                    task.dataset.registry(),
                    subsets.field,
                    if limit.is_some() { " sample" } else { "" }
                );
                tracing::warn!("{name} {language}: {reason}; recorded as missing");
                missing.push(MissingLanguage {
                    task: name,
                    language: language.to_string(),
                    reason,
                });
            } else {
                results.push(mean_result(&name, language, &task.metrics, subset));
            }
        }
    }
    results.insert(0, mean_result(&task.name, language, &task.metrics, items));
    let excluded = rejected
        .into_iter()
        .map(|(id, reason)| ExcludedItem {
            task: task.name.clone(),
            language: language.to_string(),
            id,
            reason: relative_to_root(&reason, &opts.data_root),
        })
        .collect();
    Ok(TaskOutput {
        results,
        missing,
        excluded,
        files,
        samples,
    })
}

/// The scoring request of each multiple-choice item of `task` in `language`, with the few-shot
/// examples drawn for it from `pool` (the task's few-shot split; it may hold the items
/// themselves, which are never their own examples, nor, in Belebele, their passage's).
pub fn multiple_choice_requests<'a>(
    task: &Task,
    language: &str,
    docs: &[&MultipleChoiceDoc],
    pool: &'a [MultipleChoiceDoc],
) -> Result<Vec<(ChoiceGroup, Vec<&'a MultipleChoiceDoc>)>> {
    docs.iter()
        .map(|d| {
            let shots = shots_for(
                pool,
                |p: &MultipleChoiceDoc| fewshot_unit(task.dataset, p),
                fewshot_unit(task.dataset, d),
                task.num_fewshot,
                task.seed,
            )?;
            let group = ChoiceGroup {
                context: multiple_choice_context(task, language, d, &shots)?,
                continuations: multiple_choice_continuations(task, d)?,
            };
            Ok((group, shots))
        })
        .collect()
}

/// For each item, the index of its run of equal keys (`a a b c c` → `0 0 1 2 2`).
fn run_lengths(keys: impl Iterator<Item = String>) -> Vec<usize> {
    let mut out = Vec::new();
    let mut last: Option<String> = None;
    let mut unit = 0;
    for k in keys {
        if last.as_ref().is_some_and(|l| *l != k) {
            unit += 1;
        }
        out.push(unit);
        last = Some(k);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_lengths_number_runs_of_equal_keys() {
        let keys = ["a", "a", "b", "c", "c", "a"].map(String::from);
        assert_eq!(run_lengths(keys.into_iter()), [0, 0, 1, 2, 2, 3]);
    }
}
