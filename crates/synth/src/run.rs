//! One synthesis run, assembled: the teacher with its response cache, the language identifier,
//! the templates, the strategy's settings, the pipeline, and the manifest beside the data.
//! `kakugo synth` and an experiment's synth units both call [`run`].
//!
//! Files: `<out>` (JSONL, PolyglotTeachers-SFT schema, appended to; ids already there are not
//! written again), `<out>.manifest.json`, and the teacher's answers in
//! `<out>.cache.sqlite` (or [`SynthJob::cache`]), so rerunning the same job resumes.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use kakugo_core::lang::Language;
use kakugo_core::spec::ModelSpec;
use kakugo_core::store::cache::ResponseCache;
use kakugo_core::store::hash::sha256_file;
use kakugo_core::Result;
use kakugo_data::lid::LanguageId;

use crate::config::SynthConfig;
use crate::manifest::SynthManifest;
use crate::pipeline::{self, Job, Summary};
use crate::record::SftFile;
use crate::strategy::Strategy;
use crate::teacher::Teacher;
use crate::templates::Templates;

/// Everything one run needs.
#[derive(Debug, Clone)]
pub struct SynthJob {
    pub teacher: ModelSpec,
    pub language: &'static Language,
    pub strategy: Strategy,
    pub config: SynthConfig,
    pub out: PathBuf,
    /// The teacher-response cache; default `<out>.cache.sqlite`.
    pub cache: Option<PathBuf>,
    /// Data root: SIB-200 for the language identifier and the default context texts.
    pub data_root: PathBuf,
}

/// What a run did.
#[derive(Debug)]
pub struct SynthRun {
    pub summary: Summary,
    pub manifest: SynthManifest,
    pub manifest_path: PathBuf,
    pub elapsed: Duration,
}

/// `<out>.manifest.json`.
pub fn manifest_path(out: &Path) -> PathBuf {
    PathBuf::from(format!("{}.manifest.json", out.display()))
}

/// Runs the job. The manifest is written even when the run fails (the server stayed down,
/// say), so the attempts are on record; rerunning resumes from the cache.
pub fn run(job: &SynthJob) -> Result<SynthRun> {
    let settings = job.config.settings(job.strategy)?;
    let templates = Templates::load(job.config.templates.as_deref())?;
    let lid = if settings.check_language {
        let lid = LanguageId::for_data_root(&job.data_root)?;
        if !lid.knows(job.language.code) {
            tracing::warn!(
                "the language identifier does not know {}: answers are not language-checked",
                job.language.code
            );
        }
        Some(lid)
    } else {
        None
    };
    let cache_path = job
        .cache
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{}.cache.sqlite", job.out.display())));
    let mut teacher = Teacher::load(&job.teacher, &job.config.server, settings.seed)?
        .with_cache(ResponseCache::open(&cache_path)?);
    let mut file = SftFile::open(&job.out)?;
    let pipeline_job = Job {
        strategy: job.strategy,
        language: job.language,
        settings: settings.clone(),
        input: job.config.input.clone(),
        data_root: job.data_root.clone(),
        templates: &templates,
        lid: lid.as_ref(),
    };
    let started = Instant::now();
    let result = pipeline::run(&pipeline_job, &mut teacher, &mut file);
    let input = match &job.config.input {
        Some(p) => Some((p.as_path(), sha256_file(p)?)),
        None => None,
    };
    let manifest = SynthManifest::new(
        &job.out,
        &teacher,
        job.strategy.name(),
        job.language.code,
        &settings,
        input,
        templates.manifest(),
        result.as_ref().cloned().unwrap_or_default(),
        job.config.prices(),
    );
    let manifest_path = manifest_path(&job.out);
    manifest.write(&manifest_path)?;
    let summary = result?;
    Ok(SynthRun {
        summary,
        manifest,
        manifest_path,
        elapsed: started.elapsed(),
    })
}
