//! The command line: one clap derive struct per subcommand, each in its own file, each making
//! one call into the library. `main.rs` prints errors and picks the exit code.

use clap::{Parser, Subcommand};

pub mod chrf;
pub mod compare;
pub mod eval;
pub mod generate;
pub mod jsonl;
pub mod leaderboard;
pub mod loglik;
pub mod report;
pub mod run;
pub mod synth;
pub mod train;

/// kakugo: build and judge small language models for low-resource languages.
#[derive(Debug, Parser)]
#[command(name = "kakugo", version, about, long_about = None)]
pub struct Cli {
    /// Log more (-v: debug, -vv: trace). RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Evaluate a model on a suite and write a run record.
    Eval(eval::EvalArgs),
    /// chrF++ / chrF of hypotheses against references, like sacrebleu's CLI.
    Chrf(chrf::ChrfArgs),
    /// Score continuations given contexts (JSONL in, JSONL out).
    Loglik(loglik::LoglikArgs),
    /// Generate completions for prompts (JSONL in, JSONL out).
    Generate(generate::GenerateArgs),
    /// Write an HTML report (tables, plots, manifests) of run records.
    Report(report::ReportArgs),
    /// Compare a candidate run with a baseline run: per-language verdicts, CI exit code.
    Compare(compare::CompareArgs),
    /// LoRA fine-tuning on SFT data: adapter, merged model, GGUF, lineage.
    Train(train::TrainArgs),
    /// Rank the models of a directory of run records per language and overall.
    Leaderboard(leaderboard::LeaderboardArgs),
    /// Run an experiment: synthesise, train, evaluate bases and candidates, report.
    Run(run::RunArgs),
    /// Show which units of an experiment are done, running, failed or pending.
    Status(run::StatusArgs),
    /// Join the outputs of an experiment's shards, then write its report.
    Merge(run::MergeArgs),
    /// A teacher writes instruction data in a language (`synth stats`, `synth filter` to judge it).
    Synth(Box<synth::SynthArgs>),
}

/// `--suite`: a shipped suite by name, or a suite file.
pub type SuiteArg = kakugo::suite::shipped::SuiteSource;

/// A language as the user named it (FLORES code, ISO code or English name), resolved.
#[derive(Debug, Clone, Copy)]
pub struct LanguageArg(pub &'static kakugo::lang::Language);

impl std::str::FromStr for LanguageArg {
    type Err = kakugo::Error;
    fn from_str(s: &str) -> kakugo::Result<LanguageArg> {
        kakugo::lang::resolve(s).map(LanguageArg)
    }
}

/// A comma-separated list of languages, resolved and without duplicates (`kk,kaz_Cyrl` is
/// one language).
#[derive(Debug, Clone)]
pub struct LanguageList(pub Vec<&'static kakugo::lang::Language>);

impl std::str::FromStr for LanguageList {
    type Err = kakugo::Error;
    fn from_str(s: &str) -> kakugo::Result<LanguageList> {
        let mut out: Vec<&'static kakugo::lang::Language> = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let l = kakugo::lang::resolve(part)?;
            if !out.contains(&l) {
                out.push(l);
            }
        }
        if out.is_empty() {
            return Err(kakugo::Error::usage("--languages names no language"));
        }
        Ok(LanguageList(out))
    }
}

/// Runs one parsed command line; returns the process exit code.
pub fn run(cli: Cli) -> anyhow::Result<i32> {
    match cli.command {
        Command::Eval(args) => eval::run(args),
        Command::Chrf(args) => chrf::run(args),
        Command::Loglik(args) => loglik::run(args),
        Command::Generate(args) => generate::run(args),
        Command::Report(args) => report::run(args),
        Command::Compare(args) => compare::run(args),
        Command::Leaderboard(args) => leaderboard::run(args),
        Command::Run(args) => run::run(args),
        Command::Status(args) => run::status(args),
        Command::Merge(args) => run::merge(args),
        Command::Synth(args) => synth::run(*args),
        Command::Train(args) => train::run(args),
    }
}
