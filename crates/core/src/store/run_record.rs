//! Run records: the one JSON document per (model, suite) run that reports read.
//!
//! A record holds, per task and language, every metric's value, standard error and item count,
//! the per-item scores that paired comparisons need, and the [`Manifest`] that makes the
//! numbers traceable: code version, hashes of the model, tokenizer and every data file, the
//! suite's content hash, rendered prompt templates, seeds, backend, device and dtype.
//!
//! Conventions:
//! - Every metric value is in **points** (0–100): accuracy 0.6275 is stored as 62.75, chrF++
//!   as sacrebleu prints it. A "drop of 2 points" means the same thing for every metric.
//! - Records are serialised with sorted, stable field order and no timestamps, so two runs
//!   with the same manifest produce byte-identical files.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::lineage::Lineage;
use super::model_info::ModelInfo;
use crate::{Error, Result};

/// Version of the record format; bumped when a field changes meaning.
pub const RECORD_SCHEMA: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub schema: u32,
    /// Display name of the evaluated model (what reports and leaderboards show).
    pub model: String,
    pub manifest: Manifest,
    /// For a distilled candidate: its lineage record (teacher, synthetic data hash, training
    /// configuration, checkpoint hash), copied from the candidate's directory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lineage: Option<Lineage>,
    /// One entry per (task, language), sorted by task then language.
    pub results: Vec<TaskResult>,
    /// Languages a task asked for that its dataset does not have, with the reason.
    #[serde(default)]
    pub missing: Vec<MissingLanguage>,
    /// Items a loader left out rather than score unfairly (Global-MMLU rows with an empty
    /// option), so a reader sees what `n` does not count. Absent when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excluded: Vec<ExcludedItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub kakugo_version: String,
    /// `git rev-parse HEAD` of the kakugo checkout, with `-dirty` when it had changes;
    /// `unknown` outside a checkout.
    pub git_commit: String,
    pub model: ModelInfo,
    pub suite: SuiteInfo,
    /// sha256 of every data file read, keyed by the path as given (relative to the data root).
    pub data_files: BTreeMap<String, String>,
    /// Prompt template per task, exactly as rendered from the suite.
    pub prompts: BTreeMap<String, String>,
    /// Every seed used (few-shot sampling, bootstrap, subsampling), by purpose.
    pub seeds: BTreeMap<String, u64>,
    /// Signature of every metric, sacrebleu style, by metric name.
    pub metric_signatures: BTreeMap<String, String>,
    /// `--limit` when it was given (items per task and language, stratified).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuiteInfo {
    pub name: String,
    /// sha256 of the suite file's bytes.
    pub sha256: String,
}

/// Scores of one task in one language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskResult {
    /// Task name from the suite (`sib200`, `flores_xx_en`, ...).
    pub task: String,
    /// FLORES-200 code of the language (`kaz_Cyrl`).
    pub language: String,
    pub metrics: Vec<MetricValue>,
    /// Per-item scores, in item order; what paired tests resample.
    pub items: Vec<ItemScore>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricValue {
    /// `acc`, `acc_norm`, `chrf++`, `chrf`, `bleu`, ...
    pub name: String,
    /// In points (0–100).
    pub value: f64,
    /// Bootstrap (corpus metrics) or analytic (means) standard error, in points.
    pub stderr: f64,
    /// Number of items scored.
    pub n: usize,
}

/// One item's contribution to each metric.
///
/// For mean metrics (`acc`, `acc_norm`) `scores[metric]` is the item's value in points
/// (0 or 100 for accuracy). For corpus metrics (`chrf++`, `bleu`) `stats[metric]` holds the
/// item's sufficient statistics, which are summed before the corpus score is computed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemScore {
    pub id: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub scores: BTreeMap<String, f64>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub stats: BTreeMap<String, Vec<f64>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MissingLanguage {
    pub task: String,
    pub language: String,
    pub reason: String,
}

/// One item of a dataset that was not scored, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExcludedItem {
    pub task: String,
    pub language: String,
    /// The item's id in its dataset (`sample_id` for Global-MMLU).
    pub id: String,
    /// What is wrong with it, naming the file's line and field.
    pub reason: String,
}

impl RunRecord {
    /// Reads a record, naming the file on any error.
    pub fn read(path: &Path) -> Result<RunRecord> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let record: RunRecord = serde_json::from_slice(&bytes)
            .map_err(|e| Error::parse(path, e.line(), "run record", e.to_string()))?;
        if record.schema != RECORD_SCHEMA {
            return Err(Error::file(
                path,
                format!(
                    "run record schema {} is not supported (this kakugo reads schema {RECORD_SCHEMA})",
                    record.schema
                ),
            ));
        }
        Ok(record)
    }

    /// Writes the record atomically as pretty JSON with a trailing newline.
    pub fn write(&self, path: &Path) -> Result<()> {
        let mut json = serde_json::to_vec_pretty(self).expect("run records always serialise");
        json.push(b'\n');
        super::atomic::write_atomic(path, &json)
    }

    /// The result for one task and language, if the run has it.
    pub fn result(&self, task: &str, language: &str) -> Option<&TaskResult> {
        self.results
            .iter()
            .find(|r| r.task == task && r.language == language)
    }
}

impl TaskResult {
    pub fn metric(&self, name: &str) -> Option<&MetricValue> {
        self.metrics.iter().find(|m| m.name == name)
    }
}
/// A candidate made by `kakugo train` carries `lineage.json` in its directory, or in the
/// directory above (the training output holding `merged/` and `model.gguf`); run records copy
/// it so reports can show teacher → data → training → scores. `None` for other models.
pub fn candidate_lineage(path: &Path) -> Result<Option<Lineage>> {
    if !path.exists() {
        return Ok(None);
    }
    let own = if path.is_dir() { Some(path) } else { None };
    let Some(file) = own
        .into_iter()
        .chain(path.parent())
        .map(|d| d.join("lineage.json"))
        .find(|f| f.is_file())
    else {
        return Ok(None);
    };
    Lineage::read(&file).map(Some)
}
