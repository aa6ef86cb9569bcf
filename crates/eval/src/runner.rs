//! Running a suite: documents → requests → (cached) model responses → per-item scores →
//! metrics → a [`RunRecord`]. The per-kind steps live in [`super::multiple_choice`] and
//! `translation`; this module loops over tasks and languages, decides what is missing, and
//! owns the response cache, the few-shot draw and the manifest.
//!
//! Responses go through the [`ResponseCache`] in small chunks, each committed as soon as it is
//! computed, so an interrupted run resumes where it stopped; because scores are bit-identical
//! however requests are grouped, a resumed run's record equals an uninterrupted one's. A chunk
//! never splits the questions of one Belebele passage, so the backend runs their shared
//! passage prefix once.
//!
//! A language a task's dataset does not have (by the [`kakugo_core::lang`] registry) is not an
//! error: it is logged as a warning and listed in [`RunRecord::missing`], which reports show.
//! With [`EvalOptions::skip_missing_data`], a data file absent from a partial copy of a dataset
//! is recorded the same way instead of failing the run.

use std::collections::BTreeMap;
use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressStyle};

use crate::suite::{Dataset, Suite};
use kakugo_core::store::cache::ResponseCache;
use kakugo_core::store::{ExcludedItem, Manifest, MissingLanguage, RunRecord, TaskResult};
use kakugo_core::Result;
use kakugo_data::{self as data, LoadedFiles};
use kakugo_model::LanguageModel;

/// Requests per cache commit.
const CHUNK: usize = 8;

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
    let mut excluded = Vec::new();
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
        let languages: Vec<&'static kakugo_core::lang::Language> = task
            .languages
            .iter()
            .map(|l| kakugo_core::lang::resolve(l))
            .collect::<Result<_>>()?;
        for lang in languages {
            let language = lang.code;
            if let Some(only) = &opts.languages {
                if !only.iter().any(|l| l == language) {
                    continue;
                }
            }
            let dataset = task.dataset.registry();
            let mut record_missing = |reason: String| {
                tracing::warn!("{} {language}: {reason}; recorded as missing", task.name);
                missing.push(MissingLanguage {
                    task: task.name.clone(),
                    language: language.to_string(),
                    reason,
                });
            };
            if lang.code_in(dataset).is_none() {
                record_missing(format!("{dataset} has no {lang}"));
                continue;
            }
            let limit = opts.limit.or(task.limit);
            let run = match task.dataset {
                Dataset::Flores => super::translation::run_translation(
                    model,
                    cache.as_ref(),
                    task,
                    language,
                    limit,
                    opts,
                ),
                _ => super::multiple_choice::run_multiple_choice(
                    model,
                    cache.as_ref(),
                    task,
                    language,
                    limit,
                    opts,
                ),
            };
            let out = match run {
                Ok(out) => out,
                Err(e) if opts.skip_missing_data && e.is_data_not_found() => {
                    record_missing(relative_to_root(&e.to_string(), &opts.data_root));
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
            excluded.extend(out.excluded);
            samples.extend(out.samples);
        }
    }
    missing.sort_by(|a, b| (&a.task, &a.language).cmp(&(&b.task, &b.language)));
    results.sort_by(|a, b| (&a.task, &a.language).cmp(&(&b.task, &b.language)));
    let info = model.info().clone();
    Ok(EvalOutput {
        record: RunRecord {
            schema: kakugo_core::store::run_record::RECORD_SCHEMA,
            model: info.name.clone(),
            manifest: Manifest {
                kakugo_version: env!("CARGO_PKG_VERSION").to_string(),
                git_commit: git_commit(),
                model: info,
                suite: kakugo_core::store::run_record::SuiteInfo {
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
            excluded,
        },
        samples,
    })
}

/// What one task in one language produced.
pub(super) struct TaskOutput {
    /// The task's result, then one per non-empty subset.
    pub(super) results: Vec<TaskResult>,
    /// Subsets without items.
    pub(super) missing: Vec<MissingLanguage>,
    /// Items the loader left out.
    pub(super) excluded: Vec<ExcludedItem>,
    pub(super) files: LoadedFiles,
    pub(super) samples: Vec<serde_json::Value>,
}

/// `k` examples for `unit` from `pool`, excluding every document of the same unit.
pub(super) fn shots_for<'a, T: data::HasId>(
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

/// Answers `requests` from the cache, computing what is missing in chunks and committing each
/// chunk before the next starts. A chunk holds about [`CHUNK`] requests but never ends inside a
/// unit (`units[i]`: requests sharing a prefix, such as one Belebele passage's questions), so
/// the backend can reuse that prefix.
pub(super) fn cached<Q, A>(
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
    let sha = model.info().cache_identity();
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

pub(super) fn progress(task: &str, language: &str, n: usize) -> ProgressBar {
    let bar = ProgressBar::new(n as u64);
    bar.set_style(
        ProgressStyle::with_template("{prefix:>24} {bar:30} {pos}/{len} [{elapsed} < {eta}]")
            .expect("valid template"),
    );
    bar.set_prefix(format!("{task} {language}"));
    bar
}

/// `text` with the data root's path taken out of the file paths it names
/// (`/data/belebele/x.jsonl: …` → `belebele/x.jsonl: …`), so a record does not depend on where
/// the data lay (as [`LoadedFiles::manifest_entries`]).
pub(super) fn relative_to_root(text: &str, root: &std::path::Path) -> String {
    let root = root.display().to_string();
    let root = root.trim_end_matches('/');
    if root.is_empty() {
        return text.to_string();
    }
    text.replace(&format!("{root}/"), "")
}

/// `git rev-parse HEAD` of the kakugo checkout, `-dirty` when it has changes, else `unknown`.
fn git_commit() -> String {
    let dir = kakugo_core::paths::workspace_root();
    let run = |args: &[&str]| {
        std::process::Command::new("git")
            .arg("-C")
            .arg(&dir)
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
    fn reasons_name_files_relative_to_the_data_root() {
        let root = std::path::Path::new("/srv/data/");
        assert_eq!(
            relative_to_root("/srv/data/belebele/kaz_Cyrl.jsonl: data file not found (looked for kaz_Cyrl.jsonl in /srv/data/belebele)", root),
            "belebele/kaz_Cyrl.jsonl: data file not found (looked for kaz_Cyrl.jsonl in belebele)"
        );
    }

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
}
