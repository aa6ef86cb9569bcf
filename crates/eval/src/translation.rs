//! Translation tasks (FLORES, both directions): sentence pairs → greedy generation requests
//! (few-shot examples, then the prompt; stop at a newline) → corpus metrics from summed
//! per-sentence statistics, with seeded bootstrap standard errors.

use std::collections::BTreeMap;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde_json::json;

use super::runner::{cached, progress, shots_for, EvalOptions, TaskOutput};
use crate::suite::prompt::translation_prompt;
use crate::suite::{Direction, Task};
use kakugo_core::store::cache::ResponseCache;
use kakugo_core::store::{ItemScore, MetricValue, TaskResult};
use kakugo_core::{Error, Result};
use kakugo_data::{self as data, DataSources, LoadedFiles, TranslationDoc};
use kakugo_metrics::{bootstrap_stderr, sum_stats, Metric};
use kakugo_model::{GenerateRequest, Generation, LanguageModel, Prompt, Sampling};

/// Resamples behind a corpus metric's standard error.
const BOOTSTRAP_RESAMPLES: usize = 1000;

pub(super) fn run_translation(
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
    let (src_lang, tgt_lang) = (
        kakugo_core::lang::resolve(src)?,
        kakugo_core::lang::resolve(tgt)?,
    );
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
    // The off-target rate needs the language identifier (trained on SIB-200, cached).
    let lid = if task.metrics.contains(&Metric::OffTarget) {
        let (sib200, cache_dir) = kakugo_data::lid::default_paths(&opts.data_root);
        let lid = kakugo_data::lid::LanguageId::for_sib200(&sib200, &cache_dir)?;
        if !lid.knows(tgt) {
            return Err(Error::usage(format!(
                "task `{}`: off_target needs a target language the identifier knows; {tgt} is not among the SIB-200 languages",
                task.name
            )));
        }
        Some(lid)
    } else {
        None
    };
    let mut items = Vec::new();
    let mut samples = Vec::new();
    let mut stats: BTreeMap<Metric, Vec<Vec<f64>>> = BTreeMap::new();
    let mut off_target: Vec<f64> = Vec::new();
    for (doc, out) in docs.iter().zip(&outputs) {
        let hyp = out.text.trim();
        let refs: Vec<&str> = doc.references.iter().map(String::as_str).collect();
        let mut item = ItemScore {
            id: doc.id.clone(),
            scores: BTreeMap::new(),
            stats: BTreeMap::new(),
        };
        // Identified once: the score and the logged sample both use it.
        let identified = lid.as_ref().map(|l| l.identify(hyp).language);
        if let Some(language) = &identified {
            let off = if language == tgt { 0.0 } else { 100.0 };
            item.scores
                .insert(Metric::OffTarget.name().to_string(), off);
            off_target.push(off);
        }
        for m in task.metrics.iter().filter(|m| m.is_corpus()) {
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
        let mut sample = json!({
            "task": task.name, "language": language, "id": doc.id,
            "source": doc.source, "reference": doc.references[0], "prediction": hyp,
            "finish": out.finish,
        });
        if let Some(language) = identified {
            sample["language_identified"] = json!(language);
        }
        samples.push(sample);
        items.push(item);
    }
    let metrics = task
        .metrics
        .iter()
        .map(|m| {
            if *m == Metric::OffTarget {
                let (value, stderr) = kakugo_metrics::accuracy::mean_stderr(&off_target);
                return MetricValue {
                    name: m.name().into(),
                    value,
                    stderr,
                    n: off_target.len(),
                };
            }
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
        excluded: Vec::new(),
        files,
        samples,
    })
}
