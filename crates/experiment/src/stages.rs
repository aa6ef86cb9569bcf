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
use super::Experiment;
use kakugo_core::spec::ModelSpec;
use kakugo_core::store::atomic::write_atomic;
use kakugo_core::store::{ExperimentLineage, Lineage, NamedModel, UnitHashes};
use kakugo_core::{Error, Result};
use kakugo_eval::job::EvalJob;
use kakugo_synth::SynthJob;

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
pub fn candidate_name(exp: &Experiment, work: &Work) -> String {
    match work {
        Work::Train {
            teacher,
            student,
            language,
            ..
        } => format!(
            "{}+{}-{}",
            exp.students[*student].name, exp.teachers[*teacher].name, language.code
        ),
        _ => String::new(),
    }
}

impl StageRunner for Stages {
    fn run_unit(
        &self,
        exp: &Experiment,
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
                kakugo_synth::run(&SynthJob {
                    teacher: exp.teachers[*teacher].model.clone(),
                    language,
                    strategy: *strategy,
                    config: exp.synth.config.clone(),
                    out: dir.join("data.jsonl"),
                    cache: None,
                    data_root: self.data_root.clone(),
                })?;
                Ok(())
            }
            Work::Train {
                teacher,
                student,
                language,
                data,
            } => {
                self.train(exp, plan, store, dir, *student, data)?;
                let view = ExperimentLineage {
                    experiment: exp.name.clone(),
                    teacher: named(&exp.teachers[*teacher]),
                    student: named(&exp.students[*student]),
                    language: language.code.to_string(),
                    units: UnitHashes {
                        train: unit.hash.clone(),
                        synth: data.iter().map(|&d| plan.units[d].hash.clone()).collect(),
                    },
                };
                add_lineage(dir, &view)?;
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

fn named(entry: &super::ModelEntry) -> NamedModel {
    NamedModel {
        name: entry.name.clone(),
        model: entry.model.to_string(),
    }
}

/// Adds the experiment's view (teacher, student, language, unit hashes) to the lineage that
/// training wrote, in the training directory and in the merged model beside it.
fn add_lineage(dir: &Path, view: &ExperimentLineage) -> Result<()> {
    for path in [
        dir.join("lineage.json"),
        dir.join("merged").join("lineage.json"),
    ] {
        let mut lineage = Lineage::read(&path)?;
        lineage.experiment = Some(view.clone());
        lineage.write(&path)?;
    }
    Ok(())
}

impl Stages {
    /// LoRA training of a student on every strategy's data for its teacher and language, in
    /// plan order; resumes from the unit's last checkpoint.
    fn train(
        &self,
        exp: &Experiment,
        plan: &Plan,
        store: &UnitStore,
        dir: &Path,
        student: usize,
        data: &[usize],
    ) -> Result<()> {
        let mut sft = Vec::new();
        for &d in data {
            let path = store.done_dir(&plan.units[d]).join("data.jsonl");
            sft.extend(std::fs::read(&path).map_err(|err| Error::io(&path, err))?);
        }
        let sft_path = dir.join("sft.jsonl");
        write_atomic(&sft_path, &sft)?;
        let mut opts = exp
            .train
            .options(&exp.students[student].model, &sft_path, dir);
        opts.resume = dir.join("checkpoints/latest.json").is_file();
        kakugo_train::train(&opts)?;
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn eval(
        &self,
        exp: &Experiment,
        plan: &Plan,
        store: &UnitStore,
        target: EvalTarget,
        suite: usize,
        languages: &[&'static kakugo_core::lang::Language],
        dir: &Path,
    ) -> Result<()> {
        let (spec, name) = match target {
            EvalTarget::Base(s) => {
                let student = &exp.students[s];
                (student.model.clone(), student.name.clone())
            }
            EvalTarget::Candidate(t) => {
                let train_dir = store.done_dir(&plan.units[t]);
                (
                    ModelSpec::Path(candidate_model(&train_dir)),
                    candidate_name(exp, &plan.units[t].work),
                )
            }
        };
        let suite = &exp.eval.suites[suite];
        let output = kakugo_eval::job::run(&EvalJob {
            model: &spec,
            display_name: Some(name),
            suite: &suite.suite,
            suite_sha256: &suite.sha256,
            config: &exp.eval.config,
            languages: Some(languages.to_vec()),
            data_root: self.data_root.clone(),
            cache: dir.join("responses.sqlite"),
        })?;
        output.write(&dir.join("record.json"), false)?;
        Ok(())
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
pub fn write_report(exp: &Experiment, plan: &Plan) -> Result<ExperimentReport> {
    use kakugo_report::compare::{compare, CompareOptions};
    use kakugo_report::Run;
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
            kakugo_report::slug(&run.record.model),
            exp.eval.suites[*suite].stem()
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
        kakugo_report::write_report(&runs, &dir)?;
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
                kakugo_report::slug(&runs[ci].record.model),
                exp.eval.suites[*suite].stem()
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
                exp.eval.suites[*suite].stem(),
                verdict.to_string(),
            ));
        }
    }
    let summary = json!({
        "experiment": exp.name,
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
