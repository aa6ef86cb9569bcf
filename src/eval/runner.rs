//! Running a suite: documents → requests → (cached) model responses → per-item scores →
//! metrics → a [`RunRecord`].
//!
//! Responses go through the [`ResponseCache`] in small chunks, each committed as soon as it is
//! computed, so an interrupted run resumes where it stopped; because scores are bit-identical
//! however requests are grouped, a resumed run's record equals an uninterrupted one's. A chunk
//! never splits the questions of one Belebele passage, so the backend runs their shared
//! passage prefix once.
//!
//! A language a task's dataset does not have (by the [`crate::lang`] registry) is not an
//! error: it is logged as a warning and listed in [`RunRecord::missing`], which reports show.
//! With [`EvalOptions::skip_missing_data`], a data file absent from a partial copy of a dataset
//! is recorded the same way instead of failing the run.

use std::collections::BTreeMap;
use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressStyle};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde_json::json;

use crate::data::{self, DataSources, LoadedFiles, MultipleChoiceDoc, Split, TranslationDoc};
use crate::eval::metrics::accuracy::{select, ChoiceScore};
use crate::eval::metrics::{bootstrap_stderr, mean_stderr, sum_stats, Metric, Normalization};
use crate::model::{
    ChoiceGroup, GenerateRequest, Generation, LanguageModel, Loglikelihood, Prompt, Sampling,
};
use crate::store::cache::ResponseCache;
use crate::store::hash::sha256_bytes;
use crate::store::{ItemScore, Manifest, MetricValue, MissingLanguage, RunRecord, TaskResult};
use crate::suite::prompt::{
    multiple_choice_context, multiple_choice_continuations, translation_prompt,
};
use crate::suite::{Dataset, Direction, Subsets, Suite, Task};
use crate::{Error, Result};

/// Requests per cache commit.
const CHUNK: usize = 8;
const BOOTSTRAP_RESAMPLES: usize = 1000;

#[derive(Debug, Clone, Default)]
pub struct EvalOptions {
    pub data_root: PathBuf,
    /// Restrict every task to these languages (FLORES codes).
    pub languages: Option<Vec<String>>,
    /// Override every task's item limit.
    pub limit: Option<usize>,
    pub cache: Option<PathBuf>,
    /// Record a language whose data files are absent as missing instead of failing.
    pub skip_missing_data: bool,
}

/// The run record and, per item, what was predicted (for `--log-samples`).
pub struct EvalOutput {
    pub record: RunRecord,
    pub samples: Vec<serde_json::Value>,
}

pub fn evaluate(
    model: &mut dyn LanguageModel,
    suite: &Suite,
    suite_sha256: &str,
    opts: &EvalOptions,
) -> Result<EvalOutput> {
    let cache = opts.cache.as_deref().map(ResponseCache::open).transpose()?;
    let mut results = Vec::new();
    let mut samples = Vec::new();
    let mut data_files = BTreeMap::new();
    let mut prompts = BTreeMap::new();
    let mut seeds = BTreeMap::new();
    let mut signatures = BTreeMap::new();
    let mut missing = Vec::new();
    for task in &suite.tasks {
        prompts.insert(task.name.clone(), task.template().to_string());
        for (lang, t) in &task.templates {
            prompts.insert(format!("{}[{lang}]", task.name), t.clone());
        }
        // Recorded only where they exist, so records of earlier suites keep their bytes.
        if matches!(task.dataset, Dataset::Belebele | Dataset::GlobalMmlu) {
            prompts.insert(
                format!("{}.formulation", task.name),
                task.formulation().name().to_string(),
            );
        }
        seeds.insert(task.name.clone(), task.seed);
        if task.num_fewshot > 0 {
            prompts.insert(
                format!("{}.fewshot", task.name),
                format!(
                    "{} examples from {}, target_delimiter {:?}, fewshot_delimiter {:?}",
                    task.num_fewshot,
                    task.fewshot_split(),
                    task.target_delimiter,
                    task.fewshot_delimiter
                ),
            );
            seeds.insert(format!("{}.fewshot", task.name), task.seed);
        }
        for m in &task.metrics {
            signatures.insert(m.name().to_string(), m.signature());
        }
        let languages: Vec<&'static crate::lang::Language> = task
            .languages
            .iter()
            .map(|l| crate::lang::resolve(l))
            .collect::<Result<_>>()?;
        for lang in languages {
            let language = lang.code;
            if let Some(only) = &opts.languages {
                if !only.iter().any(|l| l == language) {
                    continue;
                }
            }
            let dataset = task.dataset.registry();
            if lang.code_in(dataset).is_none() {
                let reason = format!("{dataset} has no {lang}");
                tracing::warn!("{}: {reason}; recorded as missing", task.name);
                missing.push(MissingLanguage {
                    task: task.name.clone(),
                    language: language.to_string(),
                    reason,
                });
                continue;
            }
            let limit = opts.limit.or(task.limit);
            let run = match task.dataset {
                Dataset::Flores => {
                    run_translation(model, cache.as_ref(), task, language, limit, opts)
                }
                _ => run_multiple_choice(model, cache.as_ref(), task, language, limit, opts),
            };
            let out = match run {
                Ok(out) => out,
                Err(e) if opts.skip_missing_data && e.is_data_not_found() => {
                    let reason = e.to_string();
                    tracing::warn!("{} {language}: {reason}; recorded as missing", task.name);
                    missing.push(MissingLanguage {
                        task: task.name.clone(),
                        language: language.to_string(),
                        reason,
                    });
                    continue;
                }
                Err(e) => return Err(e),
            };
            data_files.extend(out.files.manifest_entries(&opts.data_root));
            for result in &out.results {
                tracing::info!(
                    "{} {}: {}",
                    result.task,
                    language,
                    result
                        .metrics
                        .iter()
                        .map(|m| format!("{} {:.2} ± {:.2}", m.name, m.value, m.stderr))
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            results.extend(out.results);
            missing.extend(out.missing);
            samples.extend(out.samples);
        }
    }
    missing.sort_by(|a, b| (&a.task, &a.language).cmp(&(&b.task, &b.language)));
    results.sort_by(|a, b| (&a.task, &a.language).cmp(&(&b.task, &b.language)));
    let info = model.info().clone();
    Ok(EvalOutput {
        record: RunRecord {
            schema: crate::store::run_record::RECORD_SCHEMA,
            model: info.name.clone(),
            manifest: Manifest {
                kakugo_version: env!("CARGO_PKG_VERSION").to_string(),
                git_commit: git_commit(),
                model: info,
                suite: crate::store::run_record::SuiteInfo {
                    name: suite.name.clone(),
                    sha256: suite_sha256.to_string(),
                },
                data_files,
                prompts,
                seeds,
                metric_signatures: signatures,
                limit: opts.limit,
            },
            lineage: None,
            results,
            missing,
        },
        samples,
    })
}

/// What one task in one language produced.
struct TaskOutput {
    /// The task's result, then one per non-empty subset.
    results: Vec<TaskResult>,
    /// Subsets without items.
    missing: Vec<MissingLanguage>,
    files: LoadedFiles,
    samples: Vec<serde_json::Value>,
}

/// One multiple-choice split of one language; Global-MMLU rows with an empty option are left
/// out by the loader (which logs how many).
fn load_multiple_choice(
    dataset: Dataset,
    sources: &DataSources,
    language: &crate::lang::Language,
    split: Split,
    files: &mut LoadedFiles,
) -> Result<Vec<MultipleChoiceDoc>> {
    match dataset {
        Dataset::Sib200 => data::sib200::load(&sources.sib200, language, split, files),
        Dataset::Belebele => data::belebele::load(&sources.belebele, language, split, files),
        Dataset::GlobalMmlu => {
            data::global_mmlu::load(&sources.global_mmlu, language, split, files).map(|g| g.docs)
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

/// `k` examples for `unit` from `pool`, excluding every document of the same unit.
fn shots_for<'a, T: data::HasId>(
    pool: &'a [T],
    unit_of: impl Fn(&T) -> &str,
    unit: &str,
    k: usize,
    seed: u64,
) -> Result<Vec<&'a T>> {
    if k == 0 {
        return Ok(Vec::new());
    }
    let eligible: Vec<&T> = pool.iter().filter(|d| unit_of(d) != unit).collect();
    Ok(data::few_shot(&eligible, k, seed, unit)?
        .into_iter()
        .copied()
        .collect())
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

fn run_multiple_choice(
    model: &mut dyn LanguageModel,
    cache: Option<&ResponseCache>,
    task: &Task,
    language: &str,
    limit: Option<usize>,
    opts: &EvalOptions,
) -> Result<TaskOutput> {
    let lang = crate::lang::resolve(language)?;
    let sources = DataSources::under(&opts.data_root);
    let mut files = LoadedFiles::default();
    let split = task.split();
    let all_docs = load_multiple_choice(task.dataset, &sources, lang, split, &mut files)?;
    let k = task.num_fewshot;
    let other_pool = if k > 0 && task.fewshot_split() != split {
        let fewshot_split = task.fewshot_split();
        Some(load_multiple_choice(
            task.dataset,
            &sources,
            lang,
            fewshot_split,
            &mut files,
        )?)
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
    Ok(TaskOutput {
        results,
        missing,
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

fn run_translation(
    model: &mut dyn LanguageModel,
    cache: Option<&ResponseCache>,
    task: &Task,
    language: &str,
    limit: Option<usize>,
    opts: &EvalOptions,
) -> Result<TaskOutput> {
    let (src, tgt) = match task.direction.expect("validated when the suite was read") {
        Direction::XxEn => (language, "eng_Latn"),
        Direction::EnXx => ("eng_Latn", language),
    };
    let mut files = LoadedFiles::default();
    let sources = DataSources::under(&opts.data_root);
    let source = &sources.flores;
    let (src_lang, tgt_lang) = (crate::lang::resolve(src)?, crate::lang::resolve(tgt)?);
    let split = task.split();
    let all_docs = data::flores::load_pairs(source, src_lang, tgt_lang, split, &mut files)?;
    let other_pool = if task.num_fewshot > 0 && task.fewshot_split() != split {
        let fewshot_split = task.fewshot_split();
        Some(data::flores::load_pairs(
            source,
            src_lang,
            tgt_lang,
            fewshot_split,
            &mut files,
        )?)
    } else {
        None
    };
    let pool: &[TranslationDoc] = other_pool.as_deref().unwrap_or(&all_docs);
    let mut picked: Vec<usize> = (0..all_docs.len()).collect();
    if let Some(n) = limit.filter(|&n| n < picked.len()) {
        picked.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(task.seed));
        picked.truncate(n);
        picked.sort_unstable();
    }
    let docs: Vec<_> = picked.iter().map(|&i| &all_docs[i]).collect();
    let names = (src_lang.name, tgt_lang.name);
    let mut requests = Vec::with_capacity(docs.len());
    for d in &docs {
        let shots = shots_for(
            pool,
            |p: &TranslationDoc| p.id.as_str(),
            &d.id,
            task.num_fewshot,
            task.seed,
        )?;
        requests.push(GenerateRequest {
            prompt: Prompt::Text(translation_prompt(task, language, d, &shots, names)?),
            stop: task.stop.clone(),
            max_new_tokens: task.max_new_tokens,
            sampling: Sampling::Greedy,
        });
    }
    let units: Vec<usize> = (0..requests.len()).collect();
    let outputs: Vec<Generation> = cached(
        model,
        cache,
        "generate",
        &requests,
        &units,
        &progress(&task.name, language, requests.len()),
        |m, r| m.generate(r),
    )?;
    let mut items = Vec::new();
    let mut samples = Vec::new();
    let mut stats: BTreeMap<Metric, Vec<Vec<f64>>> = BTreeMap::new();
    for (doc, out) in docs.iter().zip(&outputs) {
        let hyp = out.text.trim();
        let refs: Vec<&str> = doc.references.iter().map(String::as_str).collect();
        let mut item = ItemScore {
            id: doc.id.clone(),
            scores: BTreeMap::new(),
            stats: BTreeMap::new(),
        };
        for m in &task.metrics {
            let s = m.segment_stats(hyp, &refs).ok_or_else(|| {
                Error::usage(format!(
                    "task `{}`: metric `{}` needs a multiple-choice task",
                    task.name,
                    m.name()
                ))
            })?;
            item.stats.insert(m.name().to_string(), s.clone());
            stats.entry(*m).or_default().push(s);
        }
        samples.push(json!({
            "task": task.name, "language": language, "id": doc.id,
            "source": doc.source, "reference": doc.references[0], "prediction": hyp,
            "finish": out.finish,
        }));
        items.push(item);
    }
    let metrics = task
        .metrics
        .iter()
        .map(|m| {
            let s = &stats[m];
            let score = |sum: &[f64]| m.corpus_score(sum).expect("a corpus metric");
            MetricValue {
                name: m.name().into(),
                value: score(&sum_stats(s, s[0].len())),
                stderr: bootstrap_stderr(s, score, BOOTSTRAP_RESAMPLES, task.seed),
                n: s.len(),
            }
        })
        .collect();
    Ok(TaskOutput {
        results: vec![TaskResult {
            task: task.name.clone(),
            language: language.into(),
            metrics,
            items,
        }],
        missing: Vec::new(),
        files,
        samples,
    })
}

/// Answers `requests` from the cache, computing what is missing in chunks and committing each
/// chunk before the next starts. A chunk holds about [`CHUNK`] requests but never ends inside a
/// unit (`units[i]`: requests sharing a prefix, such as one Belebele passage's questions), so
/// the backend can reuse that prefix.
fn cached<Q, A>(
    model: &mut dyn LanguageModel,
    cache: Option<&ResponseCache>,
    kind: &str,
    requests: &[Q],
    units: &[usize],
    bar: &ProgressBar,
    compute: impl Fn(&mut dyn LanguageModel, &[Q]) -> Result<Vec<A>>,
) -> Result<Vec<A>>
where
    Q: serde::Serialize + Clone,
    A: serde::Serialize + serde::de::DeserializeOwned,
{
    let sha = model.info().sha256.clone();
    let keys: Vec<String> = requests
        .iter()
        .map(|r| ResponseCache::key(&sha, kind, r))
        .collect();
    let mut answers: Vec<Option<A>> = match cache {
        Some(c) => keys.iter().map(|k| c.get(k)).collect::<Result<_>>()?,
        None => requests.iter().map(|_| None).collect(),
    };
    let missing: Vec<usize> = (0..requests.len())
        .filter(|&i| answers[i].is_none())
        .collect();
    bar.inc((requests.len() - missing.len()) as u64);
    for chunk in chunks(&missing, units, CHUNK) {
        let batch: Vec<Q> = chunk.iter().map(|&i| requests[i].clone()).collect();
        let out = compute(model, &batch)?;
        for (&i, a) in chunk.iter().zip(out) {
            if let Some(c) = cache {
                c.put(&keys[i], &a)?;
            }
            answers[i] = Some(a);
        }
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    Ok(answers
        .into_iter()
        .map(|a| a.expect("every request answered"))
        .collect())
}

/// Splits `indices` into runs of at least `size` (the last may be shorter) that end only where
/// `units` changes.
fn chunks<'a>(indices: &'a [usize], units: &[usize], size: usize) -> Vec<&'a [usize]> {
    let mut out = Vec::new();
    let mut start = 0;
    for end in 1..=indices.len() {
        let boundary = end == indices.len() || units[indices[end]] != units[indices[end - 1]];
        if boundary && end - start >= size || end == indices.len() {
            out.push(&indices[start..end]);
            start = end;
        }
    }
    out
}

fn progress(task: &str, language: &str, n: usize) -> ProgressBar {
    let bar = ProgressBar::new(n as u64);
    bar.set_style(
        ProgressStyle::with_template("{prefix:>24} {bar:30} {pos}/{len} [{elapsed} < {eta}]")
            .expect("valid template"),
    );
    bar.set_prefix(format!("{task} {language}"));
    bar
}

/// `git rev-parse HEAD` of the kakugo checkout, `-dirty` when it has changes, else `unknown`.
fn git_commit() -> String {
    let dir = env!("CARGO_MANIFEST_DIR");
    let run = |args: &[&str]| {
        std::process::Command::new("git")
            .args(["-C", dir])
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    match run(&["rev-parse", "HEAD"]) {
        Some(head) => {
            let dirty = run(&["status", "--porcelain", "--untracked-files=no"])
                .is_some_and(|s| !s.is_empty());
            if dirty {
                format!("{head}-dirty")
            } else {
                head
            }
        }
        None => "unknown".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_never_split_a_unit() {
        // Units: 0 0 1 1 1 2 3 3; chunks of at least 2 end only where the unit changes.
        let units = [0, 0, 1, 1, 1, 2, 3, 3];
        let all: Vec<usize> = (0..8).collect();
        let got: Vec<Vec<usize>> = chunks(&all, &units, 2)
            .into_iter()
            .map(<[usize]>::to_vec)
            .collect();
        assert_eq!(got, [vec![0, 1], vec![2, 3, 4], vec![5, 6, 7]]);
        // Only the requests not in the cache are chunked; units still hold.
        let some = [1, 2, 4, 6];
        let got: Vec<Vec<usize>> = chunks(&some, &units, 1)
            .into_iter()
            .map(<[usize]>::to_vec)
            .collect();
        assert_eq!(got, [vec![1], vec![2, 4], vec![6]]);
        assert!(chunks(&[], &units, 8).is_empty());
    }

    #[test]
    fn run_lengths_number_runs_of_equal_keys() {
        let keys = ["a", "a", "b", "c", "c", "a"].map(String::from);
        assert_eq!(run_lengths(keys.into_iter()), [0, 0, 1, 2, 2, 3]);
    }
}
