//! A candidate's lineage: which base model, which data (and its synthesis manifest), which
//! chat template and hyper-parameters made it, what training measured, and — inside an
//! experiment — which teacher, student, language and units. `kakugo train` writes it as
//! `lineage.json` beside the candidate; run records copy it, so a report can show
//! teacher → data → training → checkpoint → scores.
//!
//! The trainer's own settings (`hyper_parameters`, `adamw`, `result`) are kept as the JSON the
//! trainer wrote: reports show them, nothing computes with them.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::model_info::ModelInfo;
use crate::{Error, Result};

/// The value of [`Lineage::kind`].
pub const LINEAGE_KIND: &str = "kakugo.lineage";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lineage {
    /// Always [`LINEAGE_KIND`].
    pub kind: String,
    pub kakugo_version: String,
    pub base_model: ModelInfo,
    pub data: TrainingData,
    pub chat_template: ChatTemplateUse,
    pub hyper_parameters: Value,
    pub adamw: Value,
    pub warmup_steps: usize,
    pub total_steps: usize,
    /// sha256 of what must match for a checkpoint to be resumed.
    pub fingerprint: String,
    pub result: Value,
    /// Present when the candidate was made by an experiment.
    #[serde(flatten, default, skip_serializing_if = "Option::is_none")]
    pub experiment: Option<ExperimentLineage>,
}

/// The SFT data a candidate was trained on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingData {
    pub path: PathBuf,
    pub sha256: String,
    /// The synthesis manifest beside the data, when there is one.
    pub manifest_path: Option<PathBuf>,
    pub manifest: Option<Value>,
}

/// The chat template the examples were rendered with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatTemplateUse {
    /// Whether it is the model's own (else kakugo's ChatML fallback).
    pub models_own: bool,
    pub sha256: String,
}

/// What an experiment adds to a candidate's lineage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExperimentLineage {
    pub experiment: String,
    pub teacher: NamedModel,
    pub student: NamedModel,
    /// FLORES-200 code.
    pub language: String,
    pub units: UnitHashes,
}

/// A teacher or student as the experiment file names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedModel {
    pub name: String,
    /// The model spec.
    pub model: String,
}

/// The content hashes of the units behind a candidate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitHashes {
    pub train: String,
    pub synth: Vec<String>,
}

impl Lineage {
    /// Reads `lineage.json`, naming the file on any error.
    pub fn read(path: &Path) -> Result<Lineage> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let lineage: Lineage = serde_json::from_slice(&bytes)
            .map_err(|e| Error::parse(path, e.line(), "lineage", e.to_string()))?;
        if lineage.kind != LINEAGE_KIND {
            return Err(Error::file(
                path,
                format!("not a lineage record (kind `{}`)", lineage.kind),
            ));
        }
        Ok(lineage)
    }

    /// Writes it as pretty JSON with a trailing newline, atomically.
    pub fn write(&self, path: &Path) -> Result<()> {
        let mut bytes = serde_json::to_vec_pretty(self).expect("lineages serialise");
        bytes.push(b'\n');
        super::atomic::write_atomic(path, &bytes)
    }

    /// The teacher's name, for candidates an experiment made.
    pub fn teacher(&self) -> Option<&str> {
        self.experiment.as_ref().map(|e| e.teacher.name.as_str())
    }

    /// The student: the experiment's name for it, else the base model's name.
    pub fn student(&self) -> &str {
        self.experiment
            .as_ref()
            .map_or(self.base_model.name.as_str(), |e| e.student.name.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lineages in the committed example records (written by `kakugo run`) read as this
    /// type and write back to the same JSON.
    #[test]
    fn committed_lineages_round_trip() {
        let dir =
            crate::paths::workspace_root().join("reports/examples/kk-teacher-ablation/records");
        let mut teachers = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let record: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            let Some(raw) = record.get("lineage") else {
                continue;
            };
            let lineage: Lineage = serde_json::from_value(raw.clone()).unwrap();
            assert_eq!(
                serde_json::to_value(&lineage).unwrap(),
                *raw,
                "{}",
                path.display()
            );
            assert_eq!(lineage.student(), "smollm2");
            teachers.push(lineage.teacher().unwrap().to_string());
        }
        teachers.sort();
        assert_eq!(teachers, ["gemma3", "smollm2"]);
    }
}
