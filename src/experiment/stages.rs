//! What each kind of unit does, and the experiment's report.
//!
//! - synth: the teacher writes SFT data for one language with one strategy → `data.jsonl` +
//!   `manifest.json` (resumable: items already in the file are not asked for again);
//! - train: LoRA SFT of a student on every strategy's data for its teacher and language →
//!   the candidate (`merged/` model directory, adapter, `lineage.json`), resuming from its
//!   last checkpoint;
//! - eval: a base student or a candidate on a suite → `record.json`, with the response cache
//!   in the unit's directory so an interrupted evaluation resumes;
//! - report (not a unit: rebuilt from the finished eval units after every run, cheap and
//!   deterministic) → `<out>/report/` (HTML, plots, leaderboard, teacher ablation),
//!   `<out>/records/` (the run records, for `kakugo leaderboard`) and `<out>/compare/`
//!   (each candidate against its base, with verdicts).

use std::path::{Path, PathBuf};

use serde_json::json;

use super::execute::StageRunner;
use super::plan::{EvalTarget, Plan, UnitKind, Work};
use super::store::UnitStore;
use super::LoadedExperiment;
use crate::store::atomic::write_atomic;
use crate::{Error, Result};

/// The real stages.
pub struct Stages {
    /// Data root for evaluation (and context-based synthesis).
    pub data_root: PathBuf,
}

/// The candidate model inside a finished train unit's directory.
pub fn candidate_model(train_dir: &Path) -> PathBuf {
    train_dir.join("merged")
}

/// Display name of a candidate in records and reports.
pub fn candidate_name(exp: &LoadedExperiment, work: &Work) -> String {
    match work {
        Work::Train {
            teacher,
            student,
            language,
            ..
        } => format!(
            "{}+{}-{}",
            exp.experiment.students[*student].name,
            exp.experiment.teachers[*teacher].name,
            language
        ),
        _ => String::new(),
    }
}

impl StageRunner for Stages {
    fn run_unit(
        &self,
        exp: &LoadedExperiment,
        plan: &Plan,
        store: &UnitStore,
        index: usize,
        dir: &Path,
    ) -> anyhow::Result<()> {
        let unit = &plan.units[index];
        match &unit.work {
            Work::Synth {
                teacher,
                language,
                strategy,
            } => {
                let e = &exp.experiment;
                let out = dir.join("data.jsonl");
                // Files named in [synth] are relative to the experiment file.
                let mut settings = e.synth.settings.clone();
                let base = exp.path.parent().unwrap_or(Path::new("."));
                for key in ["input", "templates"] {
                    if let Some(toml::Value::String(p)) = settings.get(key) {
                        let resolved = super::normalize(&base.join(p));
                        settings.insert(key.into(), resolved.to_string_lossy().into_owned().into());
                    }
                }
                let mut argv = strings([
                    "synth",
                    "--teacher",
                    &e.teachers[*teacher].model,
                    "--language",
                    language,
                    "--strategy",
                    strategy,
                    "--out",
                    &out.to_string_lossy(),
                    "--data",
                    &self.data_root.to_string_lossy(),
                ]);
                with_defaults(&mut argv, &settings, &[("seed", e.seed.to_string())])?;
                run_cli(&unit.label, argv)
            }
            Work::Train {
                teacher,
                student,
                language,
                data,
            } => {
                let e = &exp.experiment;
                // Every strategy's data for this teacher and language, in plan order.
                let mut sft = Vec::new();
                for &d in data {
                    let path = store.done_dir(&plan.units[d]).join("data.jsonl");
                    sft.extend(std::fs::read(&path).map_err(|err| Error::io(&path, err))?);
                }
                let sft_path = dir.join("sft.jsonl");
                write_atomic(&sft_path, &sft)?;
                let mut argv = strings([
                    "train",
                    "--base",
                    &e.students[*student].model,
                    "--data",
                    &sft_path.to_string_lossy(),
                    "--out",
                    &dir.to_string_lossy(),
                    "--quiet",
                ]);
                // Checkpoints often enough that a killed unit loses little.
                with_defaults(
                    &mut argv,
                    &e.train,
                    &[
                        ("seed", e.seed.to_string()),
                        ("checkpoint_every", "5".into()),
                    ],
                )?;
                if dir.join("checkpoints/latest.json").is_file() {
                    argv.push("--resume".into());
                }
                run_cli(&unit.label, argv)?;
                let synth: Vec<&str> = data.iter().map(|&d| plan.units[d].hash.as_str()).collect();
                add_lineage(
                    dir,
                    json!({
                        "experiment": e.name,
                        "teacher": { "name": e.teachers[*teacher].name, "model": e.teachers[*teacher].model },
                        "student": { "name": e.students[*student].name, "model": e.students[*student].model },
                        "language": language,
                        "units": { "train": unit.hash, "synth": synth },
                    }),
                )?;
                Ok(())
            }
            Work::Eval {
                model,
                suite,
                languages,
            } => Ok(self.eval(exp, plan, store, *model, *suite, languages, dir)?),
        }
    }
}

/// Adds the experiment's view (teacher, student, language, unit hashes) to the lineage that
/// `kakugo train` wrote, in the training directory and in the merged model beside it.
fn add_lineage(dir: &Path, extra: serde_json::Value) -> Result<()> {
    for path in [
        dir.join("lineage.json"),
        dir.join("merged").join("lineage.json"),
    ] {
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        let mut lineage: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|e| Error::file(&path, e.to_string()))?;
        if let (Some(l), Some(x)) = (lineage.as_object_mut(), extra.as_object()) {
            for (k, v) in x {
                l.insert(k.clone(), v.clone());
            }
        }
        let mut out = serde_json::to_vec_pretty(&lineage).expect("lineage serialises");
        out.push(b'\n');
        write_atomic(&path, &out)?;
    }
    Ok(())
}

fn strings<const N: usize>(items: [&str; N]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// Appends an experiment section's keys as command-line flags (`max_new_tokens = 128` →
/// `--max-new-tokens 128`, `keep_reasoning = true` → `--keep-reasoning`, lists joined by
/// commas), then the given defaults for keys the section does not set. The sections are thus
/// exactly the flags of `kakugo synth` / `kakugo train`, validated by the same parser.
fn with_defaults(
    argv: &mut Vec<String>,
    table: &toml::Table,
    defaults: &[(&str, String)],
) -> Result<()> {
    for (key, value) in table {
        if key == "strategies" {
            continue;
        }
        let flag = format!("--{}", key.replace('_', "-"));
        match value {
            toml::Value::Boolean(true) => argv.push(flag),
            toml::Value::Boolean(false) => {}
            toml::Value::String(s) => argv.extend([flag, s.clone()]),
            toml::Value::Integer(i) => argv.extend([flag, i.to_string()]),
            toml::Value::Float(f) => argv.extend([flag, f.to_string()]),
            toml::Value::Array(items) => {
                let joined: Vec<String> = items
                    .iter()
                    .map(|v| match v {
                        toml::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect();
                argv.extend([flag, joined.join(",")]);
            }
            other => {
                return Err(Error::usage(format!(
                    "experiment key `{key}`: cannot pass {other} as a flag"
                )))
            }
        }
    }
    for (key, value) in defaults {
        if !table.contains_key(*key) {
            argv.extend([format!("--{}", key.replace('_', "-")), value.clone()]);
        }
    }
    Ok(())
}

/// Runs a kakugo subcommand in-process, as if typed on the command line.
fn run_cli(label: &str, argv: Vec<String>) -> anyhow::Result<()> {
    use clap::Parser;
    tracing::debug!("{label}: kakugo {}", argv.join(" "));
    let cli = crate::cli::Cli::try_parse_from(std::iter::once("kakugo".to_string()).chain(argv))
        .map_err(|e| anyhow::anyhow!("{label}: {}", e.to_string().trim()))?;
    match crate::cli::run(cli)? {
        0 => Ok(()),
        code => Err(anyhow::anyhow!("{label}: exited with status {code}")),
    }
}

impl Stages {
    #[allow(clippy::too_many_arguments)]
    fn eval(
        &self,
        exp: &LoadedExperiment,
        plan: &Plan,
        store: &UnitStore,
        target: EvalTarget,
        suite: usize,
        languages: &[String],
        dir: &Path,
    ) -> Result<()> {
        let (spec, name, lineage) = match target {
            EvalTarget::Base(s) => {
                let student = &exp.experiment.students[s];
                (student.model.clone(), student.name.clone(), None)
            }
            EvalTarget::Candidate(t) => {
                let train_dir = store.done_dir(&plan.units[t]);
                let model = candidate_model(&train_dir);
                let lineage =
                    crate::store::run_record::candidate_lineage(&model.to_string_lossy())?;
                (
                    model.to_string_lossy().into_owned(),
                    candidate_name(exp, &plan.units[t].work),
                    lineage,
                )
            }
        };
        let suite_path = &exp.suites[suite];
        let (suite_def, sha) = crate::suite::Suite::read(suite_path)?;
        let mut model = crate::model::load(&spec)?;
        let precision = exp
            .experiment
            .eval
            .scoring_precision()
            .map_err(Error::usage)?;
        if !model.info().backend.starts_with("openai") {
            model.set_scoring_precision(precision)?;
        }
        let opts = crate::eval::runner::EvalOptions {
            data_root: self.data_root.clone(),
            languages: Some(languages.to_vec()),
            limit: exp.experiment.eval.limit,
            cache: Some(dir.join("responses.sqlite")),
            skip_missing_data: exp.experiment.eval.skip_missing_data,
        };
        let mut output = crate::eval::runner::evaluate(model.as_mut(), &suite_def, &sha, &opts)?;
        output.record.model = name;
        output.record.lineage = lineage;
        output.record.write(&dir.join("record.json"))
    }
}

/// What [`write_report`] produced.
#[derive(Debug, Clone, PartialEq)]
pub struct ExperimentReport {
    pub dir: PathBuf,
    /// Eval units whose records are in the report / all eval units.
    pub evaluated: (usize, usize),
    /// (candidate, suite, verdict line) per comparison made.
    pub verdicts: Vec<(String, String, String)>,
    pub regressed: bool,
}

/// Rebuilds `<out>/report`, `<out>/records` and `<out>/compare` from the finished eval units.
pub fn write_report(exp: &LoadedExperiment, plan: &Plan) -> Result<ExperimentReport> {
    use crate::report::compare::{compare, CompareOptions};
    use crate::report::Run;
    let store = UnitStore::new(&exp.out);
    let evals: Vec<usize> = (0..plan.units.len())
        .filter(|&i| plan.units[i].kind == UnitKind::Eval)
        .collect();
    let mut runs: Vec<Run> = Vec::new();
    // (plan index → index into runs)
    let mut run_of = std::collections::BTreeMap::new();
    for &i in &evals {
        let unit = &plan.units[i];
        if !store.is_done(unit) {
            continue;
        }
        let path = store.done_dir(unit).join("record.json");
        let mut run = Run::read(&path)?;
        // Records are copied under readable names for `kakugo leaderboard`.
        let Work::Eval { suite, .. } = &unit.work else {
            unreachable!()
        };
        let file = format!(
            "{}.{}.json",
            crate::report::slug(&run.record.model),
            super::plan::stem(&exp.suites[*suite])
        );
        let copy = exp.out.join("records").join(&file);
        write_atomic(
            &copy,
            &std::fs::read(&path).map_err(|e| Error::io(&path, e))?,
        )?;
        run.path = copy;
        run_of.insert(i, runs.len());
        runs.push(run);
    }
    let dir = exp.out.join("report");
    let mut verdicts = Vec::new();
    let mut regressed = false;
    if !runs.is_empty() {
        crate::report::write_report(&runs, &dir)?;
        for &i in &evals {
            let Work::Eval {
                model: EvalTarget::Candidate(t),
                suite,
                ..
            } = &plan.units[i].work
            else {
                continue;
            };
            let Work::Train { student, .. } = &plan.units[*t].work else {
                unreachable!()
            };
            let base = evals.iter().find(|&&b| {
                matches!(&plan.units[b].work,
                    Work::Eval { model: EvalTarget::Base(s), suite: k, .. } if s == student && k == suite)
            });
            let (Some(&ci), Some(&bi)) = (run_of.get(&i), base.and_then(|b| run_of.get(b))) else {
                continue;
            };
            let comparison = compare(&runs[bi], &runs[ci], &CompareOptions::default())?;
            regressed |= comparison.regressed;
            let name = format!(
                "{}.{}",
                crate::report::slug(&runs[ci].record.model),
                super::plan::stem(&exp.suites[*suite])
            );
            write_atomic(
                &exp.out.join("compare").join(format!("{name}.md")),
                comparison.to_markdown().as_bytes(),
            )?;
            let verdict = if comparison.regressed {
                "regressed"
            } else {
                "no regression"
            };
            verdicts.push((
                runs[ci].record.model.clone(),
                super::plan::stem(&exp.suites[*suite]),
                verdict.to_string(),
            ));
        }
    }
    let summary = json!({
        "experiment": exp.experiment.name,
        "evaluated": [run_of.len(), evals.len()],
        "verdicts": verdicts,
    });
    let mut bytes = serde_json::to_vec_pretty(&summary).expect("summaries serialise");
    bytes.push(b'\n');
    write_atomic(&exp.out.join("summary.json"), &bytes)?;
    Ok(ExperimentReport {
        dir,
        evaluated: (run_of.len(), evals.len()),
        verdicts,
        regressed,
    })
}
