//! Running a suite: documents → requests → (cached) model responses → per-item scores →
//! metrics → a [`RunRecord`].
//!
//! Responses go through the [`ResponseCache`] in small chunks, each committed as soon as it is
//! computed, so an interrupted run resumes where it stopped; because scores are bit-identical
//! however requests are grouped, a resumed run's record equals an uninterrupted one's.

use std::collections::BTreeMap;
use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressStyle};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde_json::json;

use crate::data::{self, DataSources, LoadedFiles, Split};
use crate::eval::metrics::accuracy::{select, ChoiceScore};
use crate::eval::metrics::{bootstrap_stderr, mean_stderr, sum_stats, Metric, Normalization};
use crate::model::{
    ChoiceGroup, GenerateRequest, Generation, LanguageModel, Loglikelihood, Prompt, Sampling,
};
use crate::store::cache::ResponseCache;
use crate::store::hash::sha256_bytes;
use crate::store::{ItemScore, Manifest, MetricValue, RunRecord, TaskResult};
use crate::suite::{render, Dataset, Direction, Suite, Task};
use crate::{Error, Result};

/// Requests per cache commit.
const CHUNK: usize = 8;
const BOOTSTRAP_RESAMPLES: usize = 1000;

pub struct EvalOptions {
    pub data_root: PathBuf,
    /// Restrict every task to these languages (FLORES codes).
    pub languages: Option<Vec<String>>,
    /// Override every task's item limit.
    pub limit: Option<usize>,
    pub cache: Option<PathBuf>,
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
    for task in &suite.tasks {
        prompts.insert(task.name.clone(), task.template.clone());
        for (lang, t) in &task.templates {
            prompts.insert(format!("{}[{lang}]", task.name), t.clone());
        }
        seeds.insert(task.name.clone(), task.seed);
        for m in &task.metrics {
            signatures.insert(m.name().to_string(), m.signature());
        }
        let languages: Vec<String> = task
            .languages
            .iter()
            .map(|l| crate::lang::resolve(l).map(|l| l.code.to_string()))
            .collect::<Result<_>>()?;
        for language in languages {
            if let Some(only) = &opts.languages {
                if !only.contains(&language) {
                    continue;
                }
            }
            let limit = opts.limit.or(task.limit);
            let (result, files, task_samples) = match task.dataset {
                Dataset::Sib200 => {
                    run_multiple_choice(model, cache.as_ref(), task, &language, limit, opts)?
                }
                Dataset::Flores => {
                    run_translation(model, cache.as_ref(), task, &language, limit, opts)?
                }
            };
            data_files.extend(files.manifest_entries(&opts.data_root));
            tracing::info!(
                "{} {}: {}",
                task.name,
                language,
                result
                    .metrics
                    .iter()
                    .map(|m| format!("{} {:.2} ± {:.2}", m.name, m.value, m.stderr))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            results.push(result);
            samples.extend(task_samples);
        }
    }
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
            missing: Vec::new(),
        },
        samples,
    })
}

type TaskOutput = (TaskResult, LoadedFiles, Vec<serde_json::Value>);

fn run_multiple_choice(
    model: &mut dyn LanguageModel,
    cache: Option<&ResponseCache>,
    task: &Task,
    language: &str,
    limit: Option<usize>,
    opts: &EvalOptions,
) -> Result<TaskOutput> {
    let mut files = LoadedFiles::default();
    let all_docs = data::sib200::load(
        &DataSources::under(&opts.data_root).sib200,
        crate::lang::resolve(language)?,
        task.split.parse::<Split>()?,
        &mut files,
    )?;
    let keys: Vec<String> = all_docs
        .iter()
        .map(|d| d.metadata.get("category").cloned().unwrap_or_default())
        .collect();
    let picked = match limit {
        Some(n) => data::sample_stratified(&keys, n, task.seed),
        None => (0..all_docs.len()).collect(),
    };
    let docs: Vec<_> = picked.iter().map(|&i| &all_docs[i]).collect();
    let template = task.template_for(language);
    let groups = docs
        .iter()
        .map(|d| {
            Ok(ChoiceGroup {
                context: render(template, &d.fields)?,
                continuations: d
                    .choices
                    .iter()
                    .map(|c| format!("{}{c}", task.target_delimiter))
                    .collect(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let scores: Vec<Vec<Loglikelihood>> = cached(
        model,
        cache,
        "loglikelihood",
        &groups,
        &progress(task, language, groups.len()),
        |m, g| m.loglikelihood(g),
    )?;
    let mut items = Vec::new();
    let mut samples = Vec::new();
    let mut per_metric: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for ((doc, group), s) in docs.iter().zip(&groups).zip(&scores) {
        let choices: Vec<ChoiceScore> = s
            .iter()
            .zip(&doc.choices)
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
            per_metric.entry(m.name()).or_default().push(value);
        }
        samples.push(json!({
            "task": task.name, "language": language, "id": doc.id,
            "prompt_sha256": sha256_bytes(group.context.as_bytes()),
            "gold": doc.gold, "prediction": pick(Normalization::None),
            "logprobs": s.iter().map(|l| l.logprob).collect::<Vec<_>>(),
        }));
        items.push(item);
    }
    let metrics = task
        .metrics
        .iter()
        .map(|m| {
            let (value, stderr) = mean_stderr(&per_metric[m.name()]);
            MetricValue {
                name: m.name().into(),
                value,
                stderr,
                n: items.len(),
            }
        })
        .collect();
    Ok((
        TaskResult {
            task: task.name.clone(),
            language: language.into(),
            metrics,
            items,
        },
        files,
        samples,
    ))
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
    let all_docs = data::flores::load_pairs(
        &DataSources::under(&opts.data_root).flores,
        crate::lang::resolve(src)?,
        crate::lang::resolve(tgt)?,
        task.split.parse::<Split>()?,
        &mut files,
    )?;
    let mut picked: Vec<usize> = (0..all_docs.len()).collect();
    if let Some(n) = limit.filter(|&n| n < picked.len()) {
        picked.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(task.seed));
        picked.truncate(n);
        picked.sort_unstable();
    }
    let docs: Vec<_> = picked.iter().map(|&i| &all_docs[i]).collect();
    let name = |code: &str| crate::lang::resolve(code).map(|l| l.name.to_string());
    let (src_name, tgt_name) = (name(src)?, name(tgt)?);
    let template = task.template_for(language);
    let requests = docs
        .iter()
        .map(|d| {
            let fields = BTreeMap::from([
                ("source".to_string(), d.source.clone()),
                ("source_language".to_string(), src_name.clone()),
                ("target_language".to_string(), tgt_name.clone()),
            ]);
            Ok(GenerateRequest {
                prompt: Prompt::Text(render(template, &fields)?),
                stop: task.stop.clone(),
                max_new_tokens: task.max_new_tokens,
                sampling: Sampling::Greedy,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let outputs: Vec<Generation> = cached(
        model,
        cache,
        "generate",
        &requests,
        &progress(task, language, requests.len()),
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
    Ok((
        TaskResult {
            task: task.name.clone(),
            language: language.into(),
            metrics,
            items,
        },
        files,
        samples,
    ))
}

/// Answers `requests` from the cache, computing what is missing in chunks and committing each
/// chunk before the next starts.
fn cached<Q, A>(
    model: &mut dyn LanguageModel,
    cache: Option<&ResponseCache>,
    kind: &str,
    requests: &[Q],
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
    for chunk in missing.chunks(CHUNK) {
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

fn progress(task: &Task, language: &str, n: usize) -> ProgressBar {
    let bar = ProgressBar::new(n as u64);
    bar.set_style(
        ProgressStyle::with_template("{prefix:>24} {bar:30} {pos}/{len} [{elapsed} < {eta}]")
            .expect("valid template"),
    );
    bar.set_prefix(format!("{} {language}", task.name));
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
