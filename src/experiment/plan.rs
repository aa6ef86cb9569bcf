//! An experiment file → the work units it implies, each named by the hash of its inputs.
//!
//! A unit's *key* is a JSON object holding everything its output depends on: the models' weight
//! hashes (or endpoint and model id for a remote teacher), the language, the settings of its
//! stage, its seed, the keys of the units it reads from, and the code version. The unit's
//! directory is named by the sha256 of that key, so:
//!
//! - a rerun finds finished units by name and skips them;
//! - changing an input (a teacher, a hyper-parameter, a suite file) changes the hash of exactly
//!   the units that depend on it, and only those are redone;
//! - shards agree on the partition without talking to each other ([`super::Shard`]).
//!
//! Units come out in dependency order: every synth unit, then every train unit, then every
//! eval unit (bases first, then candidates).

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::{LoadedExperiment, ModelEntry};
use crate::store::hash::sha256_bytes;
use crate::Result;

/// Bumped when a stage's output for the same inputs changes (a fix to synthesis, training or
/// scoring), so that finished units are redone rather than silently reused.
pub const CODE_VERSION: &str = concat!("kakugo ", env!("CARGO_PKG_VERSION"), " units/1");

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum UnitKind {
    Synth,
    Train,
    Eval,
}

impl UnitKind {
    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::Synth => "synth",
            UnitKind::Train => "train",
            UnitKind::Eval => "eval",
        }
    }
}

/// What a unit does; indices point into the experiment's teachers/students and the plan.
#[derive(Debug, Clone, PartialEq)]
pub enum Work {
    Synth {
        teacher: usize,
        language: String,
        strategy: String,
    },
    Train {
        teacher: usize,
        student: usize,
        language: String,
        /// Plan indices of the synth units whose data this candidate trains on.
        data: Vec<usize>,
    },
    Eval {
        model: EvalTarget,
        /// Index into [`LoadedExperiment::suites`].
        suite: usize,
        languages: Vec<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvalTarget {
    /// A student as it is (index into the experiment's students).
    Base(usize),
    /// The candidate produced by the train unit at this plan index.
    Candidate(usize),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    pub kind: UnitKind,
    /// What `kakugo status` shows: `synth gemma kaz_Cyrl topic`.
    pub label: String,
    /// Everything the unit's output depends on.
    pub key: Value,
    /// sha256 of the canonical JSON of `key`.
    pub hash: String,
    /// Plan indices of the units this one reads from.
    pub deps: Vec<usize>,
    pub work: Work,
}

impl Unit {
    /// The unit's directory name under `units/`.
    pub fn dir_name(&self) -> String {
        format!("{}-{}", self.kind.as_str(), &self.hash[..16])
    }
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub units: Vec<Unit>,
}

/// How a model enters a unit key. In-process models by their weights' hash (so renaming a
/// file or moving the cache does not redo work, but new weights do); remote ones by what the
/// server is asked for.
pub trait ModelIdentity {
    fn identity(&mut self, entry: &ModelEntry) -> Result<Value>;
}

/// Hashes model files once per spec.
#[derive(Default)]
pub struct HashingIdentity {
    seen: BTreeMap<String, Value>,
}

impl ModelIdentity for HashingIdentity {
    fn identity(&mut self, entry: &ModelEntry) -> Result<Value> {
        if let Some(v) = self.seen.get(&entry.model) {
            return Ok(v.clone());
        }
        let v = if entry.is_remote() {
            json!({ "remote": entry.model })
        } else {
            let files = crate::model::resolve::resolve(&entry.model)?;
            json!({ "sha256": files.weights_sha256()? })
        };
        self.seen.insert(entry.model.clone(), v.clone());
        Ok(v)
    }
}

impl Plan {
    /// Builds the plan. `identity` says how models enter keys (tests pass a fake one).
    pub fn build(exp: &LoadedExperiment, identity: &mut dyn ModelIdentity) -> Result<Plan> {
        let e = &exp.experiment;
        let mut units: Vec<Unit> = Vec::new();
        let push = |units: &mut Vec<Unit>, kind, label: String, key: Value, deps, work| {
            let hash = sha256_bytes(canonical(&key).as_bytes());
            units.push(Unit {
                kind,
                label,
                key,
                hash,
                deps,
                work,
            });
            units.len() - 1
        };
        let synth_settings = serde_json::to_value(&e.synth.settings).unwrap_or(Value::Null);
        let synth_files = synth_file_hashes(exp)?;
        // (teacher, language) → synth unit indices, one per strategy.
        let mut synth_of: BTreeMap<(usize, String), Vec<usize>> = BTreeMap::new();
        for (t, teacher) in e.teachers.iter().enumerate() {
            let tid = identity.identity(teacher)?;
            for language in &exp.languages {
                for strategy in &e.synth.strategies {
                    let key = json!({
                        "kind": "synth",
                        "code": CODE_VERSION,
                        "teacher": tid,
                        "language": language,
                        "strategy": strategy,
                        "settings": synth_settings,
                        "files": synth_files,
                        "seed": e.seed,
                    });
                    let i = push(
                        &mut units,
                        UnitKind::Synth,
                        format!("synth {} {language} {strategy}", teacher.name),
                        key,
                        vec![],
                        Work::Synth {
                            teacher: t,
                            language: language.clone(),
                            strategy: strategy.clone(),
                        },
                    );
                    synth_of.entry((t, language.clone())).or_default().push(i);
                }
            }
        }
        let train_settings = serde_json::to_value(&e.train).unwrap_or(Value::Null);
        let mut student_ids = Vec::new();
        for s in &e.students {
            student_ids.push(identity.identity(s)?);
        }
        let mut candidates: Vec<(usize, String, usize)> = Vec::new(); // (train unit, language, student)
        for (t, teacher) in e.teachers.iter().enumerate() {
            for (s, student) in e.students.iter().enumerate() {
                // A student on a server is evaluated as it is (a reference, scored from the
                // server's prompt log-probabilities); there are no weights here to fine-tune.
                if student.is_remote() {
                    continue;
                }
                for language in &exp.languages {
                    let data = synth_of
                        .get(&(t, language.clone()))
                        .cloned()
                        .unwrap_or_default();
                    let data_keys: Vec<&str> =
                        data.iter().map(|&i| units[i].hash.as_str()).collect();
                    let key = json!({
                        "kind": "train",
                        "code": CODE_VERSION,
                        "student": student_ids[s],
                        "data": data_keys,
                        "settings": train_settings,
                        "seed": e.seed,
                    });
                    let i = push(
                        &mut units,
                        UnitKind::Train,
                        format!("train {}←{} {language}", student.name, teacher.name),
                        key,
                        data.clone(),
                        Work::Train {
                            teacher: t,
                            student: s,
                            language: language.clone(),
                            data,
                        },
                    );
                    candidates.push((i, language.clone(), s));
                }
            }
        }
        let suite_hashes = &exp.suite_hashes;
        let eval_key = |model: Value, suite: usize, languages: &[String]| {
            let mut key = json!({
                "kind": "eval",
                "code": CODE_VERSION,
                "model": model,
                "suite": suite_hashes[suite],
                "languages": languages,
                "limit": e.eval.limit,
                "skip_missing_data": e.eval.skip_missing_data,
            });
            // Only when set, so exact-mode units keep the names they had before the option.
            if let Some(p) = &e.eval.precision {
                key["precision"] = json!(p);
            }
            key
        };
        for (s, student) in e.students.iter().enumerate() {
            for (k, suite) in exp.suites.iter().enumerate() {
                let key = eval_key(student_ids[s].clone(), k, &exp.languages);
                push(
                    &mut units,
                    UnitKind::Eval,
                    format!("eval {} {}", student.name, stem(suite)),
                    key,
                    vec![],
                    Work::Eval {
                        model: EvalTarget::Base(s),
                        suite: k,
                        languages: exp.languages.clone(),
                    },
                );
            }
        }
        for (train, language, _) in &candidates {
            for (k, suite) in exp.suites.iter().enumerate() {
                let model = json!({ "candidate": units[*train].hash });
                let languages = vec![language.clone()];
                let key = eval_key(model, k, &languages);
                let label = format!(
                    "eval {} {}",
                    units[*train].label.trim_start_matches("train "),
                    stem(suite)
                );
                push(
                    &mut units,
                    UnitKind::Eval,
                    label,
                    key,
                    vec![*train],
                    Work::Eval {
                        model: EvalTarget::Candidate(*train),
                        suite: k,
                        languages,
                    },
                );
            }
        }
        Ok(Plan { units })
    }
}

/// Content hashes of the files [synth] names (`input`, every file under `templates`), so that
/// editing them redoes synthesis even though the settings text did not change.
fn synth_file_hashes(exp: &LoadedExperiment) -> Result<Value> {
    use crate::store::hash::sha256_file;
    let base = exp.path.parent().unwrap_or(std::path::Path::new("."));
    let mut out = serde_json::Map::new();
    for key in ["input", "templates"] {
        let Some(toml::Value::String(p)) = exp.experiment.synth.settings.get(key) else {
            continue;
        };
        let path = base.join(p);
        let mut files: Vec<std::path::PathBuf> = if path.is_dir() {
            std::fs::read_dir(&path)
                .map_err(|e| crate::Error::io(&path, e))?
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_file())
                .collect()
        } else {
            vec![path.clone()]
        };
        files.sort();
        let hashes = files
            .iter()
            .map(|f| {
                Ok(format!(
                    "{} {}",
                    sha256_file(f)?,
                    f.file_name().unwrap_or_default().to_string_lossy()
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        out.insert(key.into(), Value::from(hashes));
    }
    Ok(Value::Object(out))
}

/// A suite's short name in labels and file names: its file stem.
pub(super) fn stem(path: &std::path::Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// JSON with object keys sorted at every level, no whitespace: the bytes that are hashed.
pub fn canonical(v: &Value) -> String {
    fn sort(v: &Value) -> Value {
        match v {
            Value::Object(o) => {
                let sorted: BTreeMap<&String, Value> =
                    o.iter().map(|(k, v)| (k, sort(v))).collect();
                Value::Object(sorted.into_iter().map(|(k, v)| (k.clone(), v)).collect())
            }
            Value::Array(a) => Value::Array(a.iter().map(sort).collect()),
            other => other.clone(),
        }
    }
    serde_json::to_string(&sort(v)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Models enter keys by their spec: no files to hash.
    struct BySpec;

    impl ModelIdentity for BySpec {
        fn identity(&mut self, entry: &ModelEntry) -> Result<Value> {
            Ok(json!(entry.model))
        }
    }

    #[test]
    fn a_student_on_a_server_is_evaluated_but_not_trained() {
        let experiment: crate::experiment::Experiment = toml::from_str(
            r#"name = "x"
languages = ["kk"]
[[teacher]]
name = "t"
model = "teacher.gguf"
[[student]]
name = "local"
model = "student.gguf"
[[student]]
name = "remote"
model = "openai:big@http://vllm:8000/v1"
[synth]
strategies = ["topic"]
[eval]
suites = ["s.toml"]
"#,
        )
        .unwrap();
        let exp = LoadedExperiment {
            path: "exp.toml".into(),
            experiment,
            languages: vec!["kaz_Cyrl".into()],
            suites: vec!["s.toml".into()],
            suite_hashes: vec!["0".repeat(64)],
            out: "out".into(),
        };
        let plan = Plan::build(&exp, &mut BySpec).unwrap();
        let labels: Vec<&str> = plan.units.iter().map(|u| u.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "synth t kaz_Cyrl topic",
                "train local←t kaz_Cyrl",
                "eval local s",
                "eval remote s",
                "eval local←t kaz_Cyrl s",
            ]
        );
    }
}
