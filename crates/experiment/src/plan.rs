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

use super::{Experiment, ModelEntry};
use kakugo_core::lang::Language;
use kakugo_core::store::hash::{sha256_bytes, sha256_file};
use kakugo_core::Result;
use kakugo_synth::strategy::Strategy;

/// Bumped when a stage's output for the same inputs changes (a fix to synthesis, training or
/// scoring), so that finished units are redone rather than silently reused. `units/2`: keys
/// hold the resolved, typed settings of each stage (so writing a default out changes nothing).
pub const CODE_VERSION: &str = concat!("kakugo ", env!("CARGO_PKG_VERSION"), " units/2");

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

/// What a unit does; indices point into the experiment's teachers/students/suites and the plan.
#[derive(Debug, Clone, PartialEq)]
pub enum Work {
    Synth {
        teacher: usize,
        language: &'static Language,
        strategy: Strategy,
    },
    Train {
        teacher: usize,
        student: usize,
        language: &'static Language,
        /// Plan indices of the synth units whose data this candidate trains on.
        data: Vec<usize>,
    },
    Eval {
        model: EvalTarget,
        /// Index into the experiment's suites.
        suite: usize,
        languages: Vec<&'static Language>,
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
        let spec = entry.model.to_string();
        if let Some(v) = self.seen.get(&spec) {
            return Ok(v.clone());
        }
        let v = if entry.model.is_server() {
            json!({ "remote": spec })
        } else {
            let files = kakugo_model::resolve::resolve(&entry.model)?;
            json!({ "sha256": files.weights_sha256()? })
        };
        self.seen.insert(spec, v.clone());
        Ok(v)
    }
}

/// The plan under construction: units in dependency order.
struct Builder<'a> {
    exp: &'a Experiment,
    units: Vec<Unit>,
}

impl Builder<'_> {
    fn push(
        &mut self,
        kind: UnitKind,
        label: String,
        key: Value,
        deps: Vec<usize>,
        work: Work,
    ) -> usize {
        let hash = sha256_bytes(canonical(&key).as_bytes());
        self.units.push(Unit {
            kind,
            label,
            key,
            hash,
            deps,
            work,
        });
        self.units.len() - 1
    }

    /// One synth unit per teacher × language × strategy; returns (teacher, language) → units.
    fn synth(
        &mut self,
        identity: &mut dyn ModelIdentity,
    ) -> Result<BTreeMap<(usize, &'static str), Vec<usize>>> {
        let exp = self.exp;
        let files = synth_file_hashes(exp)?;
        let mut synth_of: BTreeMap<(usize, &'static str), Vec<usize>> = BTreeMap::new();
        for (t, teacher) in exp.teachers.iter().enumerate() {
            let tid = identity.identity(teacher)?;
            for &language in &exp.languages {
                for &strategy in &exp.synth.strategies {
                    let settings = exp.synth.config.settings(strategy)?;
                    let key = json!({
                        "kind": "synth",
                        "code": CODE_VERSION,
                        "teacher": tid,
                        "language": language.code,
                        "strategy": strategy,
                        "settings": settings,
                        "prices": exp.synth.config.prices(),
                        "files": files,
                    });
                    let label = format!(
                        "synth {} {} {}",
                        teacher.name,
                        language.code,
                        strategy.name()
                    );
                    let work = Work::Synth {
                        teacher: t,
                        language,
                        strategy,
                    };
                    let i = self.push(UnitKind::Synth, label, key, vec![], work);
                    synth_of.entry((t, language.code)).or_default().push(i);
                }
            }
        }
        Ok(synth_of)
    }

    /// One train unit per teacher × in-process student × language; returns
    /// (train unit, language) per candidate.
    fn train(
        &mut self,
        student_ids: &[Value],
        synth_of: &BTreeMap<(usize, &'static str), Vec<usize>>,
    ) -> Vec<(usize, &'static Language)> {
        let exp = self.exp;
        let settings = serde_json::to_value(&exp.train).unwrap_or(Value::Null);
        let mut candidates = Vec::new();
        for (t, teacher) in exp.teachers.iter().enumerate() {
            for (s, student) in exp.students.iter().enumerate() {
                // A student on a server is evaluated as it is (a reference, scored from the
                // server's prompt log-probabilities); there are no weights here to fine-tune.
                if student.model.is_server() {
                    continue;
                }
                for &language in &exp.languages {
                    let data = synth_of
                        .get(&(t, language.code))
                        .cloned()
                        .unwrap_or_default();
                    let data_keys: Vec<&str> =
                        data.iter().map(|&i| self.units[i].hash.as_str()).collect();
                    let key = json!({
                        "kind": "train",
                        "code": CODE_VERSION,
                        "student": student_ids[s],
                        "data": data_keys,
                        "settings": settings,
                    });
                    let label =
                        format!("train {}←{} {}", student.name, teacher.name, language.code);
                    let work = Work::Train {
                        teacher: t,
                        student: s,
                        language,
                        data: data.clone(),
                    };
                    let i = self.push(UnitKind::Train, label, key, data, work);
                    candidates.push((i, language));
                }
            }
        }
        candidates
    }

    fn eval_key(&self, model: Value, suite: usize, languages: &[&'static Language]) -> Value {
        let codes: Vec<&str> = languages.iter().map(|l| l.code).collect();
        let config = &self.exp.eval.config;
        json!({
            "kind": "eval",
            "code": CODE_VERSION,
            "model": model,
            "suite": self.exp.eval.suites[suite].sha256,
            "languages": codes,
            "limit": config.limit,
            "skip_missing_data": config.skip_missing_data,
            "precision": config.precision,
        })
    }

    /// Every base student, then every candidate, on every suite.
    fn eval(&mut self, student_ids: &[Value], candidates: &[(usize, &'static Language)]) {
        let exp = self.exp;
        for (s, student) in exp.students.iter().enumerate() {
            for (k, suite) in exp.eval.suites.iter().enumerate() {
                let key = self.eval_key(student_ids[s].clone(), k, &exp.languages);
                let label = format!("eval {} {}", student.name, suite.stem());
                let work = Work::Eval {
                    model: EvalTarget::Base(s),
                    suite: k,
                    languages: exp.languages.clone(),
                };
                self.push(UnitKind::Eval, label, key, vec![], work);
            }
        }
        for &(train, language) in candidates {
            for (k, suite) in exp.eval.suites.iter().enumerate() {
                let key = self.eval_key(
                    json!({ "candidate": self.units[train].hash }),
                    k,
                    &[language],
                );
                let label = format!(
                    "eval {} {}",
                    self.units[train].label.trim_start_matches("train "),
                    suite.stem()
                );
                let work = Work::Eval {
                    model: EvalTarget::Candidate(train),
                    suite: k,
                    languages: vec![language],
                };
                self.push(UnitKind::Eval, label, key, vec![train], work);
            }
        }
    }
}

impl Plan {
    /// Builds the plan. `identity` says how models enter keys (tests pass a fake one).
    pub fn build(exp: &Experiment, identity: &mut dyn ModelIdentity) -> Result<Plan> {
        let mut b = Builder {
            exp,
            units: Vec::new(),
        };
        let synth_of = b.synth(identity)?;
        let student_ids = exp
            .students
            .iter()
            .map(|s| identity.identity(s))
            .collect::<Result<Vec<_>>>()?;
        let candidates = b.train(&student_ids, &synth_of);
        b.eval(&student_ids, &candidates);
        Ok(Plan { units: b.units })
    }
}

/// Content hashes of the files [synth] names (`input`, every file under `templates`), so that
/// editing them redoes synthesis even though the settings did not change.
fn synth_file_hashes(exp: &Experiment) -> Result<Value> {
    let mut out = serde_json::Map::new();
    let config = &exp.synth.config;
    for (key, path) in [("input", &config.input), ("templates", &config.templates)] {
        let Some(path) = path else {
            continue;
        };
        let mut files: Vec<std::path::PathBuf> = if path.is_dir() {
            std::fs::read_dir(path)
                .map_err(|e| kakugo_core::Error::io(path, e))?
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
            Ok(json!(entry.model.to_string()))
        }
    }

    fn read(text: &str) -> Experiment {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("s.toml"),
            "name = \"s\"\n[[task]]\nname = \"t\"\ndataset = \"sib200\"\nsplit = \"test\"\nlanguages = [\"kk\"]\nmetrics = [\"acc\"]\n",
        )
        .unwrap();
        let path = dir.path().join("exp.toml");
        std::fs::write(&path, text).unwrap();
        Experiment::read(&path).unwrap()
    }

    const EXP: &str = r#"name = "x"
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
"#;

    #[test]
    fn a_student_on_a_server_is_evaluated_but_not_trained() {
        let plan = Plan::build(&read(EXP), &mut BySpec).unwrap();
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

    /// Unit keys hold the resolved settings: writing a default out changes no hash; changing
    /// a setting changes exactly the units that depend on it.
    #[test]
    fn hashes_follow_resolved_settings_not_the_text() {
        let hashes = |text: &str| -> Vec<String> {
            Plan::build(&read(text), &mut BySpec)
                .unwrap()
                .units
                .into_iter()
                .map(|u| u.hash)
                .collect()
        };
        let base = hashes(EXP);
        let explicit_defaults = EXP.replace(
            "[eval]",
            "n = 50\ntemperature = 1.0\n[train]\nrank = 8\ntargets = \"q,v\"\n[eval]\nprecision = \"f32\"",
        );
        assert_eq!(hashes(&explicit_defaults), base);
        let rank = hashes(&EXP.replace("[eval]", "[train]\nrank = 16\n[eval]"));
        let same: Vec<bool> = base.iter().zip(&rank).map(|(a, b)| a == b).collect();
        // synth, base evals unchanged; train and the candidate's eval redone.
        assert_eq!(same, [true, false, true, true, false]);
    }
}
