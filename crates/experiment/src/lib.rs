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

use serde::de::DeserializeOwned;
use serde::Deserialize;

use kakugo_core::lang::Language;
use kakugo_core::spec::ModelSpec;
use kakugo_core::{Error, Result};
use kakugo_eval::config::EvalConfig;
use kakugo_eval::suite::Suite;
use kakugo_synth::config::SynthConfig;
use kakugo_synth::strategy::Strategy;
use kakugo_train::config::TrainConfig;

pub mod execute;
pub mod plan;
pub mod stages;
pub mod store;

/// A teacher or student: a short name for reports, and the model.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelEntry {
    pub name: String,
    /// A preset, a path, `hf:ORG/NAME[@REV]`, or `openai:MODEL@BASE_URL` for a server.
    pub model: ModelSpec,
}

/// The file as written, before its sections are typed (see [`Experiment::read`]).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExperimentFile {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default = "default_seed")]
    seed: u64,
    languages: Vec<String>,
    #[serde(rename = "teacher", default)]
    teachers: Vec<ModelEntry>,
    #[serde(rename = "student")]
    students: Vec<ModelEntry>,
    #[serde(default)]
    synth: toml::Table,
    #[serde(default)]
    train: toml::Table,
    eval: toml::Table,
    #[serde(default)]
    out: Option<PathBuf>,
}

fn default_seed() -> u64 {
    1234
}

/// `[synth]`: the strategies, and the settings every one of them runs with.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthSection {
    pub strategies: Vec<Strategy>,
    /// `input` and `templates` resolved against the experiment file; `seed` the experiment's
    /// unless the section sets one.
    pub config: SynthConfig,
}

/// A suite file the experiment evaluates on.
#[derive(Debug, Clone, PartialEq)]
pub struct SuiteFile {
    pub path: PathBuf,
    pub suite: Suite,
    /// sha256 of the file's bytes.
    pub sha256: String,
}

impl SuiteFile {
    /// The suite's short name in labels and file names: its file stem.
    pub fn stem(&self) -> String {
        self.path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

/// `[eval]`: the suites and how they are run.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalSection {
    pub suites: Vec<SuiteFile>,
    pub config: EvalConfig,
}

/// An experiment, read and checked: every model spec parsed, every language resolved, every
/// section typed and validated, every suite read, every path absolute against the file. A
/// mistake anywhere fails here, naming the file, line and key, before any unit runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Experiment {
    pub path: PathBuf,
    pub name: String,
    pub description: String,
    /// Seed of every stochastic step (synthesis sampling, LoRA init, data order) unless a
    /// section sets its own.
    pub seed: u64,
    /// In the file's order, without duplicates.
    pub languages: Vec<&'static Language>,
    pub teachers: Vec<ModelEntry>,
    pub students: Vec<ModelEntry>,
    pub synth: SynthSection,
    /// `seed` and `checkpoint_every` resolved (the experiment's seed; a checkpoint every 5
    /// steps, so a killed unit loses little).
    pub train: TrainConfig,
    pub eval: EvalSection,
    /// The output directory.
    pub out: PathBuf,
}

/// Keys that would put a secret into a file that is copied, hashed and shared.
const SECRET_KEYS: [&str; 5] = ["api_key", "token", "password", "hf_token", "openai_api_key"];

impl Experiment {
    /// Reads and validates an experiment file.
    pub fn read(path: &Path) -> Result<Experiment> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let file: ExperimentFile =
            toml::from_str(&text).map_err(|e| Error::toml(path, &text, "experiment", &e))?;
        let base = path.parent().unwrap_or(Path::new("."));
        let at = |section: &str, key: &str, message: String| {
            Error::parse(path, key_line(&text, section, key), key, message)
        };
        let mut languages: Vec<&'static Language> = Vec::new();
        for l in &file.languages {
            let language =
                kakugo_core::lang::resolve(l).map_err(|e| at("", "languages", e.to_string()))?;
            if !languages.contains(&language) {
                languages.push(language);
            }
        }
        if languages.is_empty() {
            return Err(at("", "languages", "no language given".into()));
        }
        if file.students.is_empty() {
            return Err(Error::parse(path, 1, "student", "no [[student]] given"));
        }
        for group in [&file.teachers, &file.students] {
            let mut names: Vec<&str> = group.iter().map(|m| m.name.as_str()).collect();
            names.sort_unstable();
            if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
                return Err(at("", "name", format!("two models are named `{}`", w[0])));
            }
        }
        let synth = read_synth(path, &text, file.synth, base, file.seed)?;
        if !file.teachers.is_empty() && synth.strategies.is_empty() {
            return Err(at(
                "synth",
                "strategies",
                "teachers are given but no synthesis strategy".into(),
            ));
        }
        let mut train: TrainConfig = section(path, &text, "train", file.train, &[])?.0;
        train.seed.get_or_insert(file.seed);
        train.checkpoint_every.get_or_insert(5);
        train
            .validate()
            .map_err(|e| at("train", "train", e.to_string()))?;
        let eval = read_eval(path, &text, file.eval, base)?;
        let out = match &file.out {
            Some(o) => normalize(&base.join(o)),
            None => Path::new("experiments").join(kakugo_core::paths::slug(&file.name)),
        };
        Ok(Experiment {
            path: path.to_path_buf(),
            name: file.name,
            description: file.description,
            seed: file.seed,
            languages,
            teachers: file.teachers,
            students: file.students,
            synth,
            train,
            eval,
            out,
        })
    }
}

fn read_synth(
    path: &Path,
    text: &str,
    table: toml::Table,
    base: &Path,
    seed: u64,
) -> Result<SynthSection> {
    let (mut config, extra): (SynthConfig, _) =
        section(path, text, "synth", table, &["strategies"])?;
    let strategies: Vec<Strategy> = match extra.into_iter().next() {
        Some((_, v)) => v.try_into().map_err(|e: toml::de::Error| {
            Error::parse(
                path,
                key_line(text, "synth", "strategies"),
                "strategies",
                e.message().to_string(),
            )
        })?,
        None => Vec::new(),
    };
    config.seed.get_or_insert(seed);
    for (key, p) in [
        ("input", &mut config.input),
        ("templates", &mut config.templates),
    ] {
        if let Some(rel) = p {
            let resolved = normalize(&base.join(&*rel));
            if !resolved.exists() {
                return Err(Error::parse(
                    path,
                    key_line(text, "synth", key),
                    key,
                    format!("{} does not exist", resolved.display()),
                ));
            }
            *rel = resolved;
        }
    }
    for &s in &strategies {
        config.settings(s).map_err(|e| {
            Error::parse(
                path,
                key_line(text, "synth", "synth"),
                "synth",
                e.to_string(),
            )
        })?;
        if s.needs_input() && config.input.is_none() {
            return Err(Error::parse(
                path,
                key_line(text, "synth", "strategies"),
                "synth.input",
                format!(
                    "strategy `{}` reads `input`, which [synth] does not give",
                    s.name()
                ),
            ));
        }
    }
    Ok(SynthSection { strategies, config })
}

fn read_eval(path: &Path, text: &str, table: toml::Table, base: &Path) -> Result<EvalSection> {
    let (config, extra): (EvalConfig, _) = section(path, text, "eval", table, &["suites"])?;
    config
        .validate()
        .map_err(|e| Error::parse(path, key_line(text, "eval", "eval"), "eval", e.to_string()))?;
    let line = key_line(text, "eval", "suites");
    let paths: Vec<PathBuf> = match extra.into_iter().next() {
        Some((_, v)) => v.try_into().map_err(|e: toml::de::Error| {
            Error::parse(path, line, "suites", e.message().to_string())
        })?,
        None => return Err(Error::parse(path, line, "suites", "[eval] names no suite")),
    };
    let suites = paths
        .iter()
        .map(|s| {
            let p = normalize(&base.join(s));
            let (suite, sha256) = Suite::read(&p)?;
            Ok(SuiteFile {
                path: p,
                suite,
                sha256,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(EvalSection { suites, config })
}

/// Types one section: `extra` keys are taken out first (returned as they are), secrets are
/// refused with a pointer to the environment, and any other mistake names the line of the key.
fn section<T: DeserializeOwned>(
    path: &Path,
    text: &str,
    name: &str,
    mut table: toml::Table,
    extra: &[&str],
) -> Result<(T, Vec<(String, toml::Value)>)> {
    let taken: Vec<(String, toml::Value)> = extra
        .iter()
        .filter_map(|k| table.remove(*k).map(|v| (k.to_string(), v)))
        .collect();
    if let Some(secret) = table.keys().find(|k| SECRET_KEYS.contains(&k.as_str())) {
        return Err(Error::Parse {
            path: path.to_path_buf(),
            line: key_line(text, name, secret),
            field: format!("{name}.{secret}"),
            message: "secrets do not belong in an experiment file (it is hashed, copied into unit directories and shared); set OPENAI_API_KEY or HF_TOKEN in the environment".into(),
        });
    }
    // Every setting has a default, so a table holding only the offending key fails alone:
    // that finds the key (and its line) for any error, not just unknown names.
    let culprit = |table: &toml::Table| {
        table.iter().find_map(|(k, v)| {
            let alone: toml::Table = [(k.clone(), v.clone())].into_iter().collect();
            toml::Value::Table(alone)
                .try_into::<T>()
                .err()
                .map(|_| k.clone())
        })
    };
    let typed = toml::Value::Table(table.clone())
        .try_into::<T>()
        .map_err(|e| {
            let key = culprit(&table).unwrap_or_else(|| name.to_string());
            Error::parse(
                path,
                key_line(text, name, &key),
                format!("{name}.{key}"),
                e.message().to_string(),
            )
        })?;
    Ok((typed, taken))
}

/// The 1-based line of `key = …` inside `[section]` (the top level when `section` is empty),
/// else of the section's header, else 1.
fn key_line(text: &str, section: &str, key: &str) -> usize {
    let mut current = String::new();
    let mut header = None;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.starts_with('[') {
            current = t.trim_matches(|c| c == '[' || c == ']').trim().to_string();
            if current == section {
                header.get_or_insert(i + 1);
            }
            continue;
        }
        let is_key = t
            .strip_prefix(key)
            .is_some_and(|rest| rest.trim_start().starts_with('='));
        if current == section && is_key {
            return i + 1;
        }
    }
    header.unwrap_or(1)
}

pub use kakugo_core::paths::normalize;

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
            let h = kakugo_core::store::hash::sha256_bytes(&k.to_le_bytes());
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
        let err = Experiment::read(&path).unwrap_err().to_string();
        assert!(
            err.contains("x.toml: line 5") && err.contains("modle"),
            "{err}"
        );
        std::fs::write(
            &path,
            "name = \"x\"\nlanguages = [\"Klingonese\"]\n[[student]]\nname = \"s\"\nmodel = \"m\"\n[eval]\nsuites = []\n",
        )
        .unwrap();
        let err = Experiment::read(&path).unwrap_err().to_string();
        assert!(err.contains("Klingonese"), "{err}");
        std::fs::write(
            &path,
            "name = \"x\"\nlanguages = [\"kk\"]\n[[student]]\nname = \"s\"\nmodel = \"m\"\n[eval]\nsuites = []\nprecision = \"fp8\"\n",
        )
        .unwrap();
        let err = Experiment::read(&path).unwrap_err().to_string();
        assert!(
            err.contains("x.toml: line 8") && err.contains("eval.precision") && err.contains("fp8"),
            "{err}"
        );
    }

    /// A typo anywhere fails when the file is read (not hours later, when its unit runs),
    /// naming the file, the line and the key (issue #12).
    #[test]
    fn typos_in_any_section_fail_when_read() {
        let dir = tempfile::tempdir().unwrap();
        let suite = kakugo_core::paths::workspace_root().join("suites/smoke.toml");
        let head = format!(
            "name = \"x\"\nlanguages = [\"kk\"]\n[[teacher]]\nname = \"t\"\nmodel = \"smollm2-135m\"\n[[student]]\nname = \"s\"\nmodel = \"smollm2-135m\"\n[eval]\nsuites = [{:?}]\n",
            suite.display().to_string()
        );
        let path = dir.path().join("x.toml");
        let cases = [
            (
                "[synth]\nstrategies = [\"topic\"]\n[train]\nrnak = 8\n",
                14,
                "train.rnak",
                "unknown field",
            ),
            (
                "[synth]\nstrategies = [\"topik\"]\n",
                12,
                "strategies",
                "unknown variant `topik`",
            ),
            (
                "[synth]\nstrategies = [\"topic\"]\ntemprature = 0.5\n",
                13,
                "synth.temprature",
                "unknown field",
            ),
            (
                "[synth]\nstrategies = [\"topic\"]\ntop_p = 2.0\n",
                11,
                "synth",
                "--top-p",
            ),
            (
                "[synth]\nstrategies = [\"topic\"]\n[train]\ntargets = [\"q\", \"attn\"]\n",
                14,
                "train.targets",
                "unknown LoRA target",
            ),
            (
                "[synth]\nstrategies = [\"topic\"]\n[train]\nlr = -1.0\n",
                13,
                "train",
                "--lr",
            ),
            (
                "[synth]\nstrategies = [\"topic\"]\napi_key = \"sk-secret\"\n",
                13,
                "synth.api_key",
                "OPENAI_API_KEY",
            ),
            (
                "[synth]\nstrategies = [\"translate\"]\n",
                12,
                "synth.input",
                "reads `input`",
            ),
            (
                "[synth]\nstrategies = [\"topic\"]\ninput = \"nowhere.jsonl\"\n",
                13,
                "input",
                "does not exist",
            ),
        ];
        for (tail, line, field, words) in cases {
            std::fs::write(&path, format!("{head}{tail}")).unwrap();
            let err = Experiment::read(&path).unwrap_err().to_string();
            let want = format!("x.toml: line {line}: field `{field}`");
            assert!(
                err.contains(&want) && err.contains(words),
                "{tail}\n{err}\nwant {want} … {words}"
            );
            assert!(!err.contains("sk-secret"), "{err}");
        }
    }
}
