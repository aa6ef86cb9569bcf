//! Experiments: the whole distillation loop — synthesise, train, evaluate, report — declared in
//! one TOML file and run as a set of content-addressed work units.
//!
//! ```toml
//! name = "kk-teacher-ablation"
//! seed = 1234
//! languages = ["kk"]
//!
//! [[teacher]]
//! name = "gemma"
//! model = "gemma3-270m"                  # in-process, or:
//! # model = "openai:Qwen/Qwen2.5-72B-Instruct@http://vllm:8000/v1"
//!
//! [[student]]
//! name = "smollm2"
//! model = "smollm2-135m"
//!
//! [synth]
//! strategies = ["topic"]                 # other keys are the synthesis settings
//! n = 50
//!
//! [train]                                # LoRA hyper-parameters (see `kakugo train`)
//! rank = 8
//!
//! [eval]
//! suites = ["../suites/smoke.toml"]      # relative to this file
//! precision = "bf16"                     # optional: the fast scoring mode (default f32)
//! ```
//!
//! - [`plan`]: the file → work units (synth per teacher × language × strategy, train per
//!   teacher × student × language, eval of every base student and every candidate per suite),
//!   each named by the hash of everything it depends on.
//! - [`store`]: where a unit's files live and how a unit moves from pending to done
//!   atomically; locks and failure records for `kakugo status`.
//! - [`execute`]: runs the units of a shard in dependency order, skipping finished ones.
//! - [`stages`]: what each kind of unit does (calls into synth, train, eval) and the final
//!   report.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::model::decoder::ScoringPrecision;
use crate::{Error, Result};

pub mod execute;
pub mod plan;
pub mod stages;
pub mod store;

/// An experiment file as written by the user.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Experiment {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Seed of every stochastic step (synthesis sampling, LoRA init, data order); each unit
    /// derives its own from it and its inputs.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Target languages (any name `lang::resolve` accepts).
    pub languages: Vec<String>,
    #[serde(rename = "teacher", default)]
    pub teachers: Vec<ModelEntry>,
    #[serde(rename = "student")]
    pub students: Vec<ModelEntry>,
    #[serde(default)]
    pub synth: SynthSection,
    /// Training hyper-parameters, passed to the trainer as they are.
    #[serde(default)]
    pub train: toml::Table,
    pub eval: EvalSection,
    /// Where unit outputs go (relative to the experiment file); default `experiments/<name>`
    /// relative to the current directory.
    #[serde(default)]
    pub out: Option<PathBuf>,
}

fn default_seed() -> u64 {
    1234
}

/// A teacher or student: a short name for reports, and the model spec.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ModelEntry {
    pub name: String,
    /// A path, `hf:ORG/NAME[@REV]`, a preset, or `openai:MODEL@BASE_URL` for a server.
    pub model: String,
}

impl ModelEntry {
    /// Whether the model is reached over HTTP rather than loaded in-process.
    pub fn is_remote(&self) -> bool {
        self.model.starts_with("openai:")
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct SynthSection {
    #[serde(default)]
    pub strategies: Vec<String>,
    /// Every other key: synthesis settings passed to each strategy.
    #[serde(flatten)]
    pub settings: toml::Table,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EvalSection {
    /// Suite files, relative to the experiment file.
    pub suites: Vec<PathBuf>,
    /// Items per task and language (stratified), as `kakugo eval --limit`.
    #[serde(default)]
    pub limit: Option<usize>,
    /// Record data files missing from a partial data copy instead of failing (as
    /// `kakugo eval --skip-missing-data`).
    #[serde(default)]
    pub skip_missing_data: bool,
    /// Scoring precision of in-process models, as `kakugo eval --precision` (`f32`, the
    /// default, or `bf16`).
    #[serde(default)]
    pub precision: Option<String>,
}

impl EvalSection {
    pub fn scoring_precision(&self) -> std::result::Result<ScoringPrecision, String> {
        self.precision.as_deref().unwrap_or("f32").parse()
    }
}

/// An experiment read from disk, with every path made absolute and every language resolved.
#[derive(Debug, Clone)]
pub struct LoadedExperiment {
    pub path: PathBuf,
    pub experiment: Experiment,
    /// FLORES-200 codes, in the file's order, without duplicates.
    pub languages: Vec<String>,
    /// Suite files resolved against the experiment file's directory.
    pub suites: Vec<PathBuf>,
    /// sha256 of each suite file's bytes (what `Suite::read` returns), parallel to `suites`.
    pub suite_hashes: Vec<String>,
    /// The output directory.
    pub out: PathBuf,
}

impl LoadedExperiment {
    /// Reads and validates an experiment file.
    pub fn read(path: &Path) -> Result<LoadedExperiment> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let experiment: Experiment =
            toml::from_str(&text).map_err(|e| Error::toml(path, &text, "experiment", &e))?;
        let base = path.parent().unwrap_or(Path::new("."));
        let mut languages: Vec<String> = Vec::new();
        for l in &experiment.languages {
            let code = crate::lang::resolve(l)?.code.to_string();
            if !languages.contains(&code) {
                languages.push(code);
            }
        }
        if languages.is_empty() {
            return Err(Error::parse(path, 1, "languages", "no language given"));
        }
        if let Err(e) = experiment.eval.scoring_precision() {
            let line = text
                .lines()
                .position(|l| l.trim_start().starts_with("precision"))
                .map_or(1, |i| i + 1);
            return Err(Error::parse(path, line, "eval.precision", e));
        }
        if experiment.students.is_empty() {
            return Err(Error::parse(path, 1, "student", "no [[student]] given"));
        }
        if !experiment.teachers.is_empty() && experiment.synth.strategies.is_empty() {
            return Err(Error::parse(
                path,
                1,
                "synth.strategies",
                "teachers are given but no synthesis strategy",
            ));
        }
        for group in [&experiment.teachers, &experiment.students] {
            let mut names: Vec<&str> = group.iter().map(|m| m.name.as_str()).collect();
            names.sort_unstable();
            if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
                return Err(Error::parse(
                    path,
                    1,
                    "name",
                    format!("two models are named `{}`", w[0]),
                ));
            }
        }
        let suites: Vec<PathBuf> = experiment
            .eval
            .suites
            .iter()
            .map(|s| normalize(&base.join(s)))
            .collect();
        let suite_hashes = suites
            .iter()
            .map(|s| crate::suite::Suite::read(s).map(|(_, sha)| sha))
            .collect::<Result<Vec<_>>>()?;
        let out = match &experiment.out {
            Some(o) => normalize(&base.join(o)),
            None => Path::new("experiments").join(&experiment.name),
        };
        Ok(LoadedExperiment {
            path: path.to_path_buf(),
            experiment,
            languages,
            suites,
            suite_hashes,
            out,
        })
    }
}

/// `a/b/../c` → `a/c`, without touching the file system (the output may not exist yet).
pub fn normalize(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir
                if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

/// `--shard I/N`: this process runs the units whose hash falls in share `I` of `N` (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Whether a unit with this hash belongs to the shard. The partition depends only on the
    /// unit's content hash, so every shard computes the same split without talking to others.
    pub fn owns(&self, unit_hash: &str) -> bool {
        let prefix = u64::from_str_radix(&unit_hash[..16], 16).unwrap_or(0);
        prefix % self.count == self.index
    }
}

impl std::str::FromStr for Shard {
    type Err = Error;
    fn from_str(s: &str) -> Result<Shard> {
        let bad = || {
            Error::usage_hint(
                format!("bad shard `{s}`"),
                "write I/N with 0 <= I < N, e.g. --shard 0/4 (Slurm: $SLURM_ARRAY_TASK_ID/N)",
            )
        };
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let index: u64 = i.trim().parse().map_err(|_| bad())?;
        let count: u64 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_normalize_lexically() {
        assert_eq!(
            normalize(Path::new("examples/../experiments/q")),
            Path::new("experiments/q")
        );
        assert_eq!(normalize(Path::new("./a/./b/..")), Path::new("a"));
        assert_eq!(normalize(Path::new("../x")), Path::new("../x"));
        assert_eq!(normalize(Path::new("a/..")), Path::new("."));
    }

    #[test]
    fn shards_partition_every_hash_exactly_once() {
        let shards: Vec<Shard> = (0..3).map(|i| format!("{i}/3").parse().unwrap()).collect();
        for k in 0..200u32 {
            let h = crate::store::hash::sha256_bytes(&k.to_le_bytes());
            assert_eq!(shards.iter().filter(|s| s.owns(&h)).count(), 1);
        }
        assert!("3/3".parse::<Shard>().is_err());
        assert!("1/0".parse::<Shard>().is_err());
        assert!("a/2".parse::<Shard>().is_err());
    }

    #[test]
    fn bad_experiment_names_line_and_field() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.toml");
        std::fs::write(
            &path,
            "name = \"x\"\nlanguages = [\"kk\"]\n[[student]]\nname = \"s\"\nmodle = \"smollm2-135m\"\n[eval]\nsuites = []\n",
        )
        .unwrap();
        let err = LoadedExperiment::read(&path).unwrap_err().to_string();
        assert!(
            err.contains("x.toml: line 5") && err.contains("modle"),
            "{err}"
        );
        std::fs::write(
            &path,
            "name = \"x\"\nlanguages = [\"Klingonese\"]\n[[student]]\nname = \"s\"\nmodel = \"m\"\n[eval]\nsuites = []\n",
        )
        .unwrap();
        let err = LoadedExperiment::read(&path).unwrap_err().to_string();
        assert!(err.contains("Klingonese"), "{err}");
        std::fs::write(
            &path,
            "name = \"x\"\nlanguages = [\"kk\"]\n[[student]]\nname = \"s\"\nmodel = \"m\"\n[eval]\nsuites = []\nprecision = \"fp8\"\n",
        )
        .unwrap();
        let err = LoadedExperiment::read(&path).unwrap_err().to_string();
        assert!(
            err.contains("x.toml: line 8") && err.contains("eval.precision") && err.contains("fp8"),
            "{err}"
        );
    }
}
