//! `kakugo run`, `kakugo status` and `kakugo merge`: the distillation loop of an experiment
//! file (see [`kakugo::experiment`]).
//!
//! ```text
//! kakugo run examples/quickstart.toml                      # everything, then the report
//! kakugo run exp.toml --shard 3/8 --stage train            # one array task of one stage
//! kakugo status exp.toml                                   # done / running / failed / pending
//! kakugo merge exp.toml --from shard0/ --from shard1/      # join shard outputs, then report
//! ```

use std::path::PathBuf;

use clap::Args;

use kakugo::experiment::execute::execute;
use kakugo::experiment::plan::{HashingIdentity, Plan, UnitKind};
use kakugo::experiment::stages::{write_report, Stages};
use kakugo::experiment::store::{UnitState, UnitStore};
use kakugo::experiment::{Experiment, Shard};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Stage {
    Synth,
    Train,
    Eval,
    /// Only rebuild the report from finished evaluations.
    Report,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Experiment file (examples/*.toml).
    pub experiment: PathBuf,
    /// Run only share I of N of the units (0-based), e.g. `--shard $SLURM_ARRAY_TASK_ID/8`.
    #[arg(long)]
    pub shard: Option<Shard>,
    /// Run only units of these stages (repeatable); default all, then the report.
    #[arg(long, value_enum)]
    pub stage: Vec<Stage>,
    /// Output directory (default: the experiment's `out`, else experiments/<name>).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Data root (SIB-200, FLORES, ... in their upstream layouts).
    #[arg(long, env = "KAKUGO_DATA", default_value = "../shared/data")]
    pub data: PathBuf,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    pub experiment: PathBuf,
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print JSON lines instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    pub experiment: PathBuf,
    /// A shard's output directory (repeatable).
    #[arg(long, required = true)]
    pub from: Vec<PathBuf>,
    /// Where the merged units and report go (default: the experiment's output directory).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

fn load(path: &std::path::Path, out: &Option<PathBuf>) -> anyhow::Result<(Experiment, Plan)> {
    let mut exp = Experiment::read(path)?;
    if let Some(o) = out {
        exp.out = o.clone();
    }
    let plan = Plan::build(&exp, &mut HashingIdentity::default())?;
    Ok((exp, plan))
}

pub fn run(args: RunArgs) -> anyhow::Result<i32> {
    let (exp, plan) = load(&args.experiment, &args.out)?;
    let shard = args.shard.unwrap_or(Shard::ALL);
    let kinds: Vec<UnitKind> = args
        .stage
        .iter()
        .filter_map(|s| match s {
            Stage::Synth => Some(UnitKind::Synth),
            Stage::Train => Some(UnitKind::Train),
            Stage::Eval => Some(UnitKind::Eval),
            Stage::Report => None,
        })
        .collect();
    let only_report = !args.stage.is_empty() && kinds.is_empty();
    let mut code = 0;
    if !only_report {
        let stages = Stages {
            data_root: args.data.clone(),
        };
        let summary = execute(&exp, &plan, &stages, shard, &kinds)?;
        println!(
            "{}: {} ran, {} already done, {} failed, {} waiting for inputs, {} running elsewhere, {} in other shards",
            exp.name,
            summary.ran,
            summary.already_done,
            summary.failed.len(),
            summary.waiting,
            summary.busy,
            summary.other_shards
        );
        for (label, error) in &summary.failed {
            println!("  failed: {label}: {error}");
        }
        if !summary.failed.is_empty() {
            code = 2;
        }
    }
    // A shard leaves the report to `kakugo merge` or a final `--stage report`.
    if shard == Shard::ALL && (args.stage.is_empty() || only_report) {
        code = code.max(report(&exp, &plan)?);
    }
    Ok(code)
}

fn report(exp: &Experiment, plan: &Plan) -> anyhow::Result<i32> {
    let r = write_report(exp, plan)?;
    println!(
        "report: {} ({} of {} evaluations finished)",
        r.dir.join("index.html").display(),
        r.evaluated.0,
        r.evaluated.1
    );
    for (candidate, suite, verdict) in &r.verdicts {
        println!("  {candidate} on {suite}: {verdict}");
    }
    Ok(if r.regressed { 1 } else { 0 })
}

pub fn status(args: StatusArgs) -> anyhow::Result<i32> {
    let (exp, plan) = load(&args.experiment, &args.out)?;
    let store = UnitStore::new(&exp.out);
    let mut counts = std::collections::BTreeMap::new();
    if !args.json {
        println!("| unit | state | directory |\n|---|---|---|");
    }
    for unit in &plan.units {
        let state = store.state(unit);
        *counts.entry(state.as_str()).or_insert(0usize) += 1;
        let error = match &state {
            UnitState::Failed(e) => e.as_str(),
            _ => "",
        };
        if args.json {
            println!(
                "{}",
                serde_json::json!({
                    "unit": unit.label, "state": state.as_str(), "hash": unit.hash,
                    "dir": unit.dir_name(), "error": error,
                })
            );
        } else {
            let note = if error.is_empty() {
                String::new()
            } else {
                format!(" ({error})")
            };
            println!(
                "| {} | {}{} | units/{} |",
                unit.label,
                state.as_str(),
                note,
                unit.dir_name()
            );
        }
    }
    if !args.json {
        let parts: Vec<String> = counts.iter().map(|(k, v)| format!("{v} {k}")).collect();
        println!("\n{} units: {}", plan.units.len(), parts.join(", "));
    }
    Ok(0)
}

pub fn merge(args: MergeArgs) -> anyhow::Result<i32> {
    let (exp, plan) = load(&args.experiment, &args.out)?;
    let store = UnitStore::new(&exp.out);
    let mut copied = 0;
    for from in &args.from {
        let other = UnitStore::new(from);
        for unit in &plan.units {
            if store.import(unit, &other)? {
                copied += 1;
            }
        }
    }
    let done = plan.units.iter().filter(|u| store.is_done(u)).count();
    println!(
        "merged {copied} units into {} ({done} of {} done)",
        store.root().display(),
        plan.units.len()
    );
    report(&exp, &plan)
}
