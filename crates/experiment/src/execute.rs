//! Runs the units of a plan: in dependency order, only this shard's, skipping finished ones.
//!
//! A unit whose inputs are not finished yet (another shard's, or a failed one) waits; a unit
//! another process holds is left to it; a failing unit is recorded and the run goes on with
//! everything that does not depend on it, so one bad teacher does not stop an ablation.

use indicatif::{ProgressBar, ProgressStyle};

use super::plan::{Plan, UnitKind};
use super::store::UnitStore;
use super::{Experiment, Shard};
use kakugo_core::Result;

/// What one kind of unit does. The real implementation is [`super::stages::Stages`]; tests of
/// the scheduler use cheap fakes.
pub trait StageRunner {
    /// Runs unit `index` of `plan`, writing into `dir` (which may hold an interrupted
    /// attempt's files to resume from). Its dependencies are done: their directories are
    /// `store.done_dir(&plan.units[d])`.
    fn run_unit(
        &self,
        exp: &Experiment,
        plan: &Plan,
        store: &UnitStore,
        index: usize,
        dir: &std::path::Path,
    ) -> anyhow::Result<()>;
}

/// What a call to [`execute`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Finished by an earlier run (skipped).
    pub already_done: usize,
    /// Finished by this run.
    pub ran: usize,
    /// (unit label, error) of units that failed in this run.
    pub failed: Vec<(String, String)>,
    /// Units whose inputs are not finished.
    pub waiting: usize,
    /// Units held by another process.
    pub busy: usize,
    /// Units belonging to other shards.
    pub other_shards: usize,
}

/// Runs this shard's units of the given kinds (all kinds when `kinds` is empty).
pub fn execute(
    exp: &Experiment,
    plan: &Plan,
    runner: &dyn StageRunner,
    shard: Shard,
    kinds: &[UnitKind],
) -> Result<Summary> {
    let store = UnitStore::new(&exp.out);
    let mut summary = Summary::default();
    let mine: Vec<usize> = (0..plan.units.len())
        .filter(|&i| {
            let u = &plan.units[i];
            let wanted = kinds.is_empty() || kinds.contains(&u.kind);
            if wanted && !shard.owns(&u.hash) {
                summary.other_shards += 1;
            }
            wanted && shard.owns(&u.hash)
        })
        .collect();
    let bar = ProgressBar::new(mine.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} units {wide_msg}")
            .expect("static template")
            .progress_chars("=> "),
    );
    bar.set_prefix(exp.name.clone());
    for i in mine {
        let unit = &plan.units[i];
        bar.set_message(unit.label.clone());
        if store.is_done(unit) {
            summary.already_done += 1;
            bar.inc(1);
            continue;
        }
        if let Some(d) = unit.deps.iter().find(|&&d| !store.is_done(&plan.units[d])) {
            tracing::info!(
                "{}: waiting for {} ({})",
                unit.label,
                plan.units[*d].label,
                store.state(&plan.units[*d]).as_str()
            );
            summary.waiting += 1;
            bar.inc(1);
            continue;
        }
        let Some(claim) = store.claim(unit)? else {
            if store.is_done(unit) {
                summary.already_done += 1;
            } else {
                tracing::info!("{}: running in another process", unit.label);
                summary.busy += 1;
            }
            bar.inc(1);
            continue;
        };
        tracing::info!("{}: started in {}", unit.label, claim.dir().display());
        match runner.run_unit(exp, plan, &store, i, claim.dir()) {
            Ok(()) => {
                let dir = claim.complete(unit)?;
                tracing::info!("{}: done → {}", unit.label, dir.display());
                summary.ran += 1;
            }
            Err(e) => {
                let message = format!("{e:#}");
                tracing::error!("{}: failed: {message}", unit.label);
                claim.fail(&message)?;
                summary.failed.push((unit.label.clone(), message));
            }
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Mutex;

    use serde_json::Value;

    use super::*;
    use crate::plan::{ModelIdentity, Work};
    use crate::ModelEntry;

    /// Names models by their spec, so tests need no model files.
    struct SpecIdentity;
    impl ModelIdentity for SpecIdentity {
        fn identity(&mut self, entry: &ModelEntry) -> Result<Value> {
            Ok(Value::String(entry.model.to_string()))
        }
    }

    /// Writes a file derived from the unit and its inputs; fails on request.
    #[derive(Default)]
    struct Fake {
        calls: Mutex<Vec<String>>,
        fail_label: Option<String>,
    }
    impl StageRunner for Fake {
        fn run_unit(
            &self,
            _exp: &Experiment,
            plan: &Plan,
            store: &UnitStore,
            index: usize,
            dir: &Path,
        ) -> anyhow::Result<()> {
            let unit = &plan.units[index];
            self.calls.lock().unwrap().push(unit.label.clone());
            if self.fail_label.as_deref() == Some(unit.label.as_str()) {
                return Err(kakugo_core::Error::model("teacher exploded").into());
            }
            let mut text = unit.label.clone();
            for &d in &unit.deps {
                let dep =
                    std::fs::read_to_string(store.done_dir(&plan.units[d]).join("out")).unwrap();
                text.push_str(&format!(" <{dep}>"));
            }
            std::fs::write(dir.join("out"), text).unwrap();
            Ok(())
        }
    }

    fn experiment(dir: &Path, teachers: &[&str], rank: u32) -> Experiment {
        let suites = kakugo_core::paths::workspace_root().join("suites/smoke.toml");
        let mut text = format!(
            "name = \"t\"\nlanguages = [\"kk\", \"am\"]\nout = \"out\"\n[synth]\nstrategies = [\"topic\"]\nn = 3\n[train]\nrank = {rank}\n[eval]\nsuites = [{:?}]\n",
            suites.display().to_string()
        );
        for t in teachers {
            text.push_str(&format!(
                "[[teacher]]\nname = \"{t}\"\nmodel = \"{t}-model\"\n"
            ));
        }
        text.push_str("[[student]]\nname = \"s\"\nmodel = \"s-model\"\n");
        let path = dir.join("exp.toml");
        std::fs::write(&path, text).unwrap();
        Experiment::read(&path).unwrap()
    }

    #[test]
    fn plan_has_one_unit_per_combination_in_dependency_order() {
        let dir = tempfile::tempdir().unwrap();
        let exp = experiment(dir.path(), &["a", "b"], 8);
        let plan = Plan::build(&exp, &mut SpecIdentity).unwrap();
        let count = |k| plan.units.iter().filter(|u| u.kind == k).count();
        // 2 teachers × 2 languages × 1 strategy; × 1 student; 1 base + 4 candidate evals.
        assert_eq!(
            (
                count(UnitKind::Synth),
                count(UnitKind::Train),
                count(UnitKind::Eval)
            ),
            (4, 4, 5)
        );
        for (i, u) in plan.units.iter().enumerate() {
            assert!(
                u.deps.iter().all(|&d| d < i),
                "{} depends on a later unit",
                u.label
            );
        }
        let mut hashes: Vec<&str> = plan.units.iter().map(|u| u.hash.as_str()).collect();
        hashes.sort_unstable();
        hashes.dedup();
        assert_eq!(hashes.len(), plan.units.len());
    }

    #[test]
    fn rerun_skips_and_a_changed_input_redoes_exactly_its_dependents() {
        let dir = tempfile::tempdir().unwrap();
        let exp = experiment(dir.path(), &["a"], 8);
        let plan = Plan::build(&exp, &mut SpecIdentity).unwrap();
        let fake = Fake::default();
        let s = execute(&exp, &plan, &fake, Shard::ALL, &[]).unwrap();
        assert_eq!((s.ran, s.already_done), (plan.units.len(), 0));
        let again = Fake::default();
        let s = execute(&exp, &plan, &again, Shard::ALL, &[]).unwrap();
        assert_eq!((s.ran, s.already_done), (0, plan.units.len()));
        assert!(again.calls.lock().unwrap().is_empty());

        // A new LoRA rank: synthesis and the base evaluation stand, training and candidate
        // evaluations are redone.
        let exp2 = experiment(dir.path(), &["a"], 16);
        let plan2 = Plan::build(&exp2, &mut SpecIdentity).unwrap();
        let redo = Fake::default();
        execute(&exp2, &plan2, &redo, Shard::ALL, &[]).unwrap();
        let calls = redo.calls.lock().unwrap().clone();
        assert_eq!(
            calls,
            vec![
                "train s←a kaz_Cyrl",
                "train s←a amh_Ethi",
                "eval s←a kaz_Cyrl smoke",
                "eval s←a amh_Ethi smoke"
            ]
        );
    }

    #[test]
    fn shards_together_do_the_work_of_one_run_and_a_failure_blocks_only_dependents() {
        let dir = tempfile::tempdir().unwrap();
        let exp = experiment(dir.path(), &["a", "b"], 8);
        let plan = Plan::build(&exp, &mut SpecIdentity).unwrap();
        let n = 3;
        // Stage by stage, as job arrays with dependencies would run them.
        let mut ran = 0;
        for kind in [UnitKind::Synth, UnitKind::Train, UnitKind::Eval] {
            for i in 0..n {
                let shard = Shard { index: i, count: n };
                let s = execute(&exp, &plan, &Fake::default(), shard, &[kind]).unwrap();
                assert_eq!(s.waiting, 0);
                ran += s.ran;
            }
        }
        assert_eq!(ran, plan.units.len());
        let store = UnitStore::new(&exp.out);
        let cand = plan
            .units
            .iter()
            .find(|u| matches!(u.work, Work::Eval { .. }) && !u.deps.is_empty())
            .unwrap();
        let text = std::fs::read_to_string(store.done_dir(cand).join("out")).unwrap();
        assert!(text.contains("<train") && text.contains("<synth"), "{text}");

        // A fresh output directory with a failing synth unit.
        let dir = tempfile::tempdir().unwrap();
        let exp = experiment(dir.path(), &["a"], 8);
        let plan = Plan::build(&exp, &mut SpecIdentity).unwrap();
        let fake = Fake {
            fail_label: Some("synth a kaz_Cyrl topic".into()),
            ..Fake::default()
        };
        let s = execute(&exp, &plan, &fake, Shard::ALL, &[]).unwrap();
        assert_eq!(s.failed.len(), 1);
        assert!(s.failed[0].1.contains("teacher exploded"));
        // Its train unit and that candidate's eval wait; everything else finished.
        assert_eq!(s.waiting, 2);
        assert_eq!(s.ran, plan.units.len() - 3);
        let failed = plan
            .units
            .iter()
            .find(|u| u.label == "synth a kaz_Cyrl topic")
            .unwrap();
        assert!(
            matches!(store_state(&exp, failed), crate::store::UnitState::Failed(m) if m.contains("teacher exploded"))
        );
        // The next run retries it.
        let s = execute(&exp, &plan, &Fake::default(), Shard::ALL, &[]).unwrap();
        assert_eq!((s.ran, s.failed.len(), s.waiting), (3, 0, 0));
    }

    fn store_state(exp: &Experiment, unit: &crate::plan::Unit) -> crate::store::UnitState {
        UnitStore::new(&exp.out).state(unit)
    }

    #[test]
    fn a_held_unit_is_left_to_its_holder() {
        let dir = tempfile::tempdir().unwrap();
        let exp = experiment(dir.path(), &["a"], 8);
        let plan = Plan::build(&exp, &mut SpecIdentity).unwrap();
        let store = UnitStore::new(&exp.out);
        let held = store.claim(&plan.units[0]).unwrap().unwrap();
        assert_eq!(store.state(&plan.units[0]).as_str(), "running");
        let s = execute(&exp, &plan, &Fake::default(), Shard::ALL, &[]).unwrap();
        assert_eq!(s.busy, 1);
        drop(held);
        assert_eq!(store.state(&plan.units[0]).as_str(), "interrupted");
    }
}
