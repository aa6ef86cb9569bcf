//! One evaluation, end to end: load the model, run the suite, attach the candidate's lineage,
//! write the record (and the per-item samples). `kakugo eval` and an experiment's eval units
//! both call [`run`], so there is one way to produce and to name a run record.

use std::path::{Path, PathBuf};

use kakugo_core::lang::Language;
use kakugo_core::paths::slug;
use kakugo_core::spec::ModelSpec;
use kakugo_core::store::atomic::write_jsonl;
use kakugo_core::store::run_record::candidate_lineage;
use kakugo_core::Result;
use kakugo_model::decoder::ScoringPrecision;

use crate::config::EvalConfig;
use crate::runner::{evaluate, EvalOptions, EvalOutput};
use crate::suite::Suite;

/// What to evaluate, where the data and the cache are.
#[derive(Debug, Clone)]
pub struct EvalJob<'a> {
    pub model: &'a ModelSpec,
    /// The name records and reports show (default: the model's own, e.g. the preset name).
    pub display_name: Option<String>,
    pub suite: &'a Suite,
    /// sha256 of the suite file's bytes.
    pub suite_sha256: &'a str,
    pub config: &'a EvalConfig,
    /// Only these languages (default: every language of every task).
    pub languages: Option<Vec<&'static Language>>,
    pub data_root: PathBuf,
    /// The response cache (an interrupted run resumes from it).
    pub cache: PathBuf,
}

/// Loads the model and runs the suite.
pub fn run(job: &EvalJob) -> Result<EvalOutput> {
    job.config.validate()?;
    let mut model = kakugo_model::load_with(job.model, &job.config.load_options())?;
    let opts = EvalOptions {
        data_root: job.data_root.clone(),
        languages: job
            .languages
            .as_ref()
            .map(|ls| ls.iter().map(|l| l.code.to_string()).collect()),
        limit: job.config.limit,
        cache: Some(job.cache.clone()),
        skip_missing_data: job.config.skip_missing_data,
    };
    let mut output = evaluate(model.as_mut(), job.suite, job.suite_sha256, &opts)?;
    if let Some(name) = &job.display_name {
        output.record.model = name.clone();
    }
    if let ModelSpec::Path(path) = job.model {
        output.record.lineage = candidate_lineage(path)?;
    }
    Ok(output)
}

/// The file stem of a record: `<model>.<suite>`, with `.bf16` for fast-mode scores so they
/// never overwrite exact ones.
pub fn record_stem(model: &str, suite: &str, precision: ScoringPrecision) -> String {
    let stem = format!("{}.{}", slug(model), slug(suite));
    match precision {
        ScoringPrecision::Exact => stem,
        other => format!("{stem}.{}", other.name()),
    }
}

impl EvalOutput {
    /// Writes the record to `path` and, when asked, the samples beside it as
    /// `<stem>.samples.jsonl`; returns the samples' path when written.
    pub fn write(&self, path: &Path, log_samples: bool) -> Result<Option<PathBuf>> {
        self.record.write(path)?;
        if !log_samples {
            return Ok(None);
        }
        let stem = path.with_extension("");
        let samples = PathBuf::from(format!("{}.samples.jsonl", stem.display()));
        write_jsonl(&samples, &self.samples)?;
        Ok(Some(samples))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_names_are_safe_and_keep_precisions_apart() {
        assert_eq!(
            record_stem("smollm2-135m", "smoke", ScoringPrecision::Exact),
            "smollm2-135m.smoke"
        );
        assert_eq!(
            record_stem("org/model", "smoke", ScoringPrecision::Bf16),
            "org-model.smoke.bf16"
        );
        // A name that tries to climb out of the output directory stays a plain file name.
        assert_eq!(
            record_stem("m", "/../../../../outside/escaped", ScoringPrecision::Exact),
            "m.outside-escaped"
        );
    }
}
