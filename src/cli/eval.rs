//! `kakugo eval`: run a suite on a model and write a run record.
//!
//! ```text
//! kakugo eval --model smollm2-135m --suite suites/smoke.toml --out runs/ [--languages kk,eng_Latn]
//!             [--limit 20] [--log-samples] [--data ../shared/data] [--skip-missing-data]
//!             [--precision bf16]
//! ```
//! Languages a task's dataset does not have are recorded in the run record's `missing` list
//! (and printed), not errors; `--skip-missing-data` does the same for data files absent from a
//! partial copy of a dataset.
//! Writes `<out>/<model>.<suite>.json` (the run record; `<model>.<suite>.bf16.json` in the fast
//! mode) and, with `--log-samples`,
//! `<out>/<model>.<suite>.samples.jsonl`. Model responses are cached in
//! `<out>/responses.sqlite`, so an interrupted run resumes where it stopped.

use std::path::PathBuf;

use clap::Args;

use crate::eval::runner::{evaluate, EvalOptions};
use crate::suite::Suite;

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Model: a .gguf file, a Hugging Face directory, hf:ORG/NAME[@REV], a preset, or
    /// openai:MODEL@http://HOST:PORT/v1 (a server; multiple choice needs its prompt log-probabilities).
    #[arg(long)]
    pub model: String,
    /// Suite file (suites/*.toml).
    #[arg(long)]
    pub suite: PathBuf,
    /// Only these languages (FLORES codes, ISO codes or English names, comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub languages: Option<Vec<String>>,
    /// Items per task and language (stratified by label for multiple choice).
    #[arg(long)]
    pub limit: Option<usize>,
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
    /// Record a language whose data files are absent (a partial copy of a dataset) as missing
    /// in the run record instead of failing. Languages a dataset does not have at all are
    /// always recorded as missing.
    #[arg(long)]
    pub skip_missing_data: bool,
    /// Scoring precision: `f32` (exact; the default) or `bf16` (bf16 products with f32
    /// accumulation, on AMX tiles where the CPU has them: several times faster, log-likelihoods
    /// within a few hundredths of a nat). bf16 scores are cached and recorded apart.
    #[arg(long, default_value = "f32")]
    pub precision: crate::model::decoder::ScoringPrecision,
}

pub fn run(args: EvalArgs) -> anyhow::Result<i32> {
    let (suite, sha) = Suite::read(&args.suite)?;
    let languages = args
        .languages
        .map(|ls| {
            ls.iter()
                .map(|l| crate::lang::resolve(l).map(|l| l.code.to_string()))
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?;
    if !args.data.is_dir() {
        return Err(crate::Error::usage_hint(
            format!("data directory {} does not exist", args.data.display()),
            "pass --data or set KAKUGO_DATA to the directory holding sib200/, flores/, ...",
        )
        .into());
    }
    let mut model = crate::model::load(&args.model)?;
    model.set_scoring_precision(args.precision)?;
    let opts = EvalOptions {
        data_root: args.data,
        languages,
        limit: args.limit,
        cache: Some(
            args.cache
                .unwrap_or_else(|| args.out.join("responses.sqlite")),
        ),
        skip_missing_data: args.skip_missing_data,
    };
    let mut output = evaluate(model.as_mut(), &suite, &sha, &opts)?;
    output.record.lineage = crate::store::run_record::candidate_lineage(&args.model)?;
    let mut stem = format!("{}.{}", output.record.model.replace('/', "_"), suite.name);
    if args.precision != crate::model::decoder::ScoringPrecision::Exact {
        stem = format!("{stem}.{}", args.precision.name());
    }
    let record_path = args.out.join(format!("{stem}.json"));
    output.record.write(&record_path)?;
    if args.log_samples {
        super::jsonl::write_jsonl(
            &args.out.join(format!("{stem}.samples.jsonl")),
            &output.samples,
        )?;
    }
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
