//! `kakugo eval`: run a suite on a model and write a run record.
//!
//! Writes `<out>/<model>.<suite>.json` (`<model>.<suite>.bf16.json` in the fast mode) and,
//! with `--log-samples`, `<out>/<model>.<suite>.samples.jsonl`. Model responses are cached in
//! `<out>/responses.sqlite`, so an interrupted run resumes where it stopped. Languages a
//! task's dataset does not have are recorded in the run record's `missing` list (and printed),
//! not errors.

use std::path::PathBuf;

use clap::Args;

use kakugo::eval::config::EvalConfig;
use kakugo::eval::job::{self, record_stem, EvalJob};
use kakugo::model::ModelSpec;

use super::{LanguageList, SuiteArg};

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  kakugo eval --model smollm2-135m --suite smoke
  kakugo eval --model gemma3-270m --suite flores --languages kk,sw --limit 50 --out runs
  kakugo eval --model hf:HuggingFaceTB/SmolLM2-135M-Instruct --suite sib200 --log-samples
  kakugo eval --model openai:qwen@http://127.0.0.1:8000/v1 --suite belebele --max-retries 3")]
pub struct EvalArgs {
    /// Model: a preset, a .gguf file, a Hugging Face directory, hf:ORG/NAME[@REV], or
    /// openai:MODEL@http://HOST:PORT/v1 (a server; multiple choice needs its prompt log-probabilities).
    #[arg(long)]
    pub model: ModelSpec,
    /// A shipped suite by name (`kakugo list suites`) or a suite file.
    #[arg(long)]
    pub suite: SuiteArg,
    /// Only these languages (FLORES codes, ISO codes or English names, comma-separated).
    #[arg(long)]
    pub languages: Option<LanguageList>,
    /// Output directory.
    #[arg(long, default_value = "runs")]
    pub out: PathBuf,
    /// Also write per-item predictions as JSONL.
    #[arg(long)]
    pub log_samples: bool,
    /// Data root (SIB-200, FLORES, ... in their upstream layouts).
    #[arg(long, env = "KAKUGO_DATA", default_value = "../shared/data")]
    pub data: PathBuf,
    /// Response cache (default: <out>/responses.sqlite).
    #[arg(long)]
    pub cache: Option<PathBuf>,
    #[command(flatten)]
    pub config: EvalConfig,
}

pub fn run(args: EvalArgs) -> anyhow::Result<i32> {
    let (suite, sha) = args.suite.read()?;
    if !args.data.is_dir() {
        return Err(kakugo::Error::usage_hint(
            format!("data directory {} does not exist", args.data.display()),
            "pass --data or set KAKUGO_DATA to the directory holding sib200/, flores/, ...",
        )
        .into());
    }
    let output = job::run(&EvalJob {
        model: &args.model,
        display_name: None,
        suite: &suite,
        suite_sha256: &sha,
        config: &args.config,
        languages: args.languages.map(|l| l.0),
        data_root: args.data,
        cache: args
            .cache
            .unwrap_or_else(|| args.out.join("responses.sqlite")),
    })?;
    let stem = record_stem(&output.record.model, &suite.name, args.config.precision);
    let record_path = args.out.join(format!("{stem}.json"));
    output.write(&record_path, args.log_samples)?;
    println!("| task | language | metric | value | stderr | n |\n|---|---|---|---|---|---|");
    for r in &output.record.results {
        for m in &r.metrics {
            println!(
                "| {} | {} | {} | {:.2} | {:.2} | {} |",
                r.task, r.language, m.name, m.value, m.stderr, m.n
            );
        }
    }
    for m in &output.record.missing {
        println!("missing: {} {}: {}", m.task, m.language, m.reason);
    }
    println!("\nrun record: {}", record_path.display());
    Ok(0)
}
