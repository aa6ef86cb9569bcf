//! `kakugo synth`: a teacher writes instruction data in a language; `synth stats` measures it;
//! `synth filter` cleans it.
//!
//! Writes `<out>` (JSONL, PolyglotTeachers-SFT schema), `<out>.manifest.json` and caches
//! teacher answers in `<out>.cache.sqlite`, so rerunning the same command resumes.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use kakugo::model::resolve::{resolve, WeightFiles};
use kakugo::model::tokenizer::Tokenizer;
use kakugo::model::ModelSpec;
use kakugo::synth::config::SynthConfig;
use kakugo::synth::filter::{filter, FilterOptions};
use kakugo::synth::lid::LanguageId;
use kakugo::synth::quality::{combine, stats, DataStats, StatsOptions};
use kakugo::synth::record::read_sft;
use kakugo::synth::strategy::Strategy;
use kakugo::synth::SynthJob;
use kakugo::Error;

use super::LanguageArg;

#[derive(Debug, Args)]
#[command(
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    after_help = "Examples:
  kakugo synth --teacher smollm2-135m --language kk --strategy topic --n 50 --out kk.jsonl
  OPENAI_API_KEY=... kakugo synth --teacher openai:gemma-3-27b-it@http://127.0.0.1:8000/v1 \\
      --language sw --strategy translate --input en_prompts.jsonl --n 1000 --out sw.jsonl \\
      --price-in 0.1 --price-out 0.2
  kakugo synth stats kk.jsonl more.jsonl --ppl-model smollm2-135m --json stats.json
  kakugo synth filter kk.jsonl --out kk.clean.jsonl --near-dup 0.8"
)]
pub struct SynthArgs {
    #[command(subcommand)]
    pub command: Option<SynthCommand>,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Subcommand)]
pub enum SynthCommand {
    /// Counts, lengths, duplicates, diversity, language fidelity, perplexity of SFT JSONL files.
    Stats(StatsArgs),
    /// Keep the records that pass language, length-ratio and duplicate filters.
    Filter(FilterArgs),
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Teacher: a preset, .gguf, HF directory or hf:ORG/NAME (in-process), or
    /// openai:MODEL@http://HOST:PORT/v1 (an OpenAI-compatible server; key from OPENAI_API_KEY).
    #[arg(long)]
    pub teacher: Option<ModelSpec>,
    /// Target language (FLORES code, ISO code or English name).
    #[arg(long)]
    pub language: Option<LanguageArg>,
    /// Strategy.
    #[arg(long, value_enum)]
    pub strategy: Option<Strategy>,
    /// Output JSONL (appended to; ids already there are not written again).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Data root (SIB-200 for the language identifier and default context texts).
    #[arg(long, env = "KAKUGO_DATA", default_value = "../shared/data")]
    pub data: PathBuf,
    /// Teacher response cache (default: <out>.cache.sqlite).
    #[arg(long)]
    pub cache: Option<PathBuf>,
    #[command(flatten)]
    pub config: SynthConfig,
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// SFT JSONL files (several: a combined z-score across them).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Target language (default: each record's `language`).
    #[arg(long)]
    pub language: Option<String>,
    /// Data root (SIB-200, for the language identifier).
    #[arg(long, env = "KAKUGO_DATA", default_value = "../shared/data")]
    pub data: PathBuf,
    /// Texts sampled for self-similarity.
    #[arg(long, default_value_t = 200)]
    pub sample: usize,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Reference model for perplexity (e.g. smollm2-135m).
    #[arg(long)]
    pub ppl_model: Option<ModelSpec>,
    /// Records scored for perplexity.
    #[arg(long, default_value_t = 50)]
    pub ppl_sample: usize,
    /// Also write the figures as JSON.
    #[arg(long)]
    pub json: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct FilterArgs {
    /// SFT JSONL file.
    pub input: PathBuf,
    /// Where to write the kept records.
    #[arg(long)]
    pub out: PathBuf,
    /// Target language (default: each record's `language`).
    #[arg(long)]
    pub language: Option<String>,
    /// Data root (SIB-200, for the language identifier).
    #[arg(long, env = "KAKUGO_DATA", default_value = "../shared/data")]
    pub data: PathBuf,
    /// Skip the language filter.
    #[arg(long)]
    pub no_language: bool,
    /// Lowest kept token ratio translation / English source (Kakugo: 0.75).
    #[arg(long, default_value_t = 0.75)]
    pub ratio_min: f64,
    /// Highest kept token ratio (Kakugo: 25).
    #[arg(long, default_value_t = 25.0)]
    pub ratio_max: f64,
    /// Model whose tokenizer counts tokens for the ratio.
    #[arg(long, default_value = "smollm2-135m")]
    pub ratio_tokenizer: ModelSpec,
    /// Near-duplicate threshold (character-5-gram Jaccard of prompts).
    #[arg(long, default_value_t = 0.8)]
    pub near_dup: f64,
    /// Keep near duplicates.
    #[arg(long)]
    pub no_near_dup: bool,
    /// Keep exact duplicate prompts.
    #[arg(long)]
    pub no_exact_dup: bool,
}

pub fn run(args: SynthArgs) -> anyhow::Result<i32> {
    match args.command {
        Some(SynthCommand::Stats(a)) => run_stats(a),
        Some(SynthCommand::Filter(a)) => run_filter(a),
        None => run_synth(args.run),
    }
}

fn required<T>(v: Option<T>, flag: &str) -> Result<T, Error> {
    v.ok_or_else(|| {
        Error::usage_hint(
            format!("kakugo synth needs {flag}"),
            "kakugo synth --teacher smollm2-135m --language kk --strategy topic --n 50 --out DATA.jsonl",
        )
    })
}

fn run_synth(a: RunArgs) -> anyhow::Result<i32> {
    let job = SynthJob {
        teacher: required(a.teacher, "--teacher")?,
        language: required(a.language, "--language")?.0,
        strategy: required(a.strategy, "--strategy")?,
        out: required(a.out, "--out")?,
        config: a.config,
        cache: a.cache,
        data_root: a.data,
    };
    let run = kakugo::synth::run(&job)?;
    let (summary, manifest) = (&run.summary, &run.manifest);
    println!(
        "{}: {} written, {} already there, {} rejected {:?}; teacher: {} calls ({} cached), {} prompt + {} completion tokens, {:.1} tokens/s; {:.1}s",
        job.out.display(),
        summary.written,
        summary.already_present,
        summary.rejected.values().sum::<usize>(),
        summary.rejected,
        manifest.usage.calls,
        manifest.usage.cached_calls,
        manifest.usage.prompt_tokens,
        manifest.usage.completion_tokens,
        manifest.tokens_per_second,
        run.elapsed.as_secs_f64()
    );
    println!("manifest: {}", run.manifest_path.display());
    Ok(0)
}

fn run_stats(a: StatsArgs) -> anyhow::Result<i32> {
    let language = a
        .language
        .as_deref()
        .map(kakugo::lang::resolve)
        .transpose()?
        .map(|l| l.code);
    let lid = LanguageId::for_data_root(&a.data)?;
    let mut ppl_model = a.ppl_model.as_ref().map(kakugo::model::load).transpose()?;
    let mut all: Vec<DataStats> = Vec::new();
    for f in &a.files {
        let records = read_sft(f)?;
        all.push(stats(
            &f.display().to_string(),
            &records,
            StatsOptions {
                language,
                lid: Some(&lid),
                sample: a.sample,
                seed: a.seed,
                ppl_model: ppl_model
                    .as_deref_mut()
                    .map(|m| m as &mut dyn kakugo::model::LanguageModel),
                ppl_sample: a.ppl_sample,
            },
        )?);
    }
    combine(&mut all);
    if let Some(h) = lid.heldout() {
        println!(
            "language identifier: {} languages, held-out accuracy {:.2}% ({} / {}, {})",
            lid.labels().len(),
            100.0 * h.accuracy,
            h.correct,
            h.n,
            h.split
        );
    }
    for s in &all {
        print!("{}", render(s));
    }
    if let Some(path) = &a.json {
        let value = serde_json::json!({
            "language_identifier": lid.heldout(),
            "files": all,
        });
        let mut bytes = serde_json::to_vec_pretty(&value).expect("stats serialise");
        bytes.push(b'\n');
        kakugo::store::atomic::write_atomic(path, &bytes)?;
    }
    Ok(0)
}

fn render(s: &DataStats) -> String {
    let pct = |x: Option<f64>| {
        x.map(|v| format!("{:.1}%", 100.0 * v))
            .unwrap_or_else(|| "n/a".into())
    };
    let dist = |d: &Option<kakugo::synth::quality::Distribution>| match d {
        Some(d) => format!(
            "{} / {} / {} / {} / {} (mean {:.1})",
            d.min, d.p25, d.median, d.p75, d.max, d.mean
        ),
        None => "—".into(),
    };
    let mut out = format!(
        "\n## {}\nrecords: {}   languages: {:?}   strategies: {:?}\nduplicate prompts: {:.1}%   duplicate pairs: {:.1}%\n",
        s.file,
        s.records,
        s.languages,
        s.strategies,
        100.0 * s.duplicate_prompt_rate,
        100.0 * s.duplicate_pair_rate
    );
    out.push_str("| | chars min / p25 / median / p75 / max | distinct-1 | distinct-2 | self-similarity | language fidelity | identified as |\n|---|---|---|---|---|---|---|\n");
    for (name, t) in [("prompts", &s.prompts), ("responses", &s.responses)] {
        let ids: Vec<String> = t
            .identified
            .iter()
            .map(|(l, x)| format!("{l} {:.0}%", 100.0 * x))
            .collect();
        out.push_str(&format!(
            "| {name} | {} | {:.3} | {:.3} | {:.3} | {} | {} |\n",
            dist(&t.chars),
            t.distinct_1,
            t.distinct_2,
            t.self_similarity,
            pct(t.language_fidelity),
            ids.join(", ")
        ));
    }
    if let Some(p) = s.perplexity {
        out.push_str(&format!("perplexity (responses | prompts): {p:.2}\n"));
    }
    if let Some(z) = s.combined_z {
        out.push_str(&format!("combined z-score: {z:+.3}\n"));
    }
    out
}

/// The tokenizer of a model spec, without loading its weights.
fn load_tokenizer(spec: &ModelSpec) -> anyhow::Result<Tokenizer> {
    let files = resolve(spec)?;
    Ok(match (&files.tokenizer, &files.weights) {
        (Some(t), _) => Tokenizer::from_file(t, files.tokenizer_config.as_deref())?,
        (None, WeightFiles::Gguf(path)) => {
            Tokenizer::from_gguf(&kakugo::model::gguf::GgufFile::open(path)?)?
        }
        (None, WeightFiles::Safetensors(_)) => {
            return Err(Error::model(format!("{spec}: no tokenizer.json")).into())
        }
    })
}

fn run_filter(a: FilterArgs) -> anyhow::Result<i32> {
    let language = a
        .language
        .as_deref()
        .map(kakugo::lang::resolve)
        .transpose()?
        .map(|l| l.code);
    let records = read_sft(&a.input)?;
    let lid = if a.no_language {
        None
    } else {
        Some(LanguageId::for_data_root(&a.data)?)
    };
    let needs_ratio = records.iter().any(|r| r.source_text.is_some());
    let tokenizer = if needs_ratio {
        Some(load_tokenizer(&a.ratio_tokenizer)?)
    } else {
        None
    };
    if a.ratio_min > a.ratio_max {
        return Err(Error::usage("--ratio-min is larger than --ratio-max").into());
    }
    let opts = FilterOptions {
        language,
        lid: lid.as_ref(),
        ratio: tokenizer.as_ref().map(|t| ((a.ratio_min, a.ratio_max), t)),
        exact_duplicates: !a.no_exact_dup,
        near_duplicates: (!a.no_near_dup).then_some(a.near_dup),
    };
    let (kept, report) = filter(records, &opts)?;
    super::jsonl::write_jsonl(&a.out, &kept)?;
    println!(
        "{}: kept {} of {}; dropped {:?} → {}",
        a.input.display(),
        report.kept,
        report.input,
        report.dropped,
        a.out.display()
    );
    Ok(0)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use crate::cli::{Cli, Command};

    #[test]
    fn parses_run_and_subcommands() {
        let cli = Cli::try_parse_from([
            "kakugo",
            "synth",
            "--teacher",
            "smollm2-135m",
            "--language",
            "kk",
            "--strategy",
            "topic",
            "--n",
            "5",
            "--out",
            "d.jsonl",
        ])
        .unwrap();
        let Command::Synth(s) = cli.command else {
            panic!("not synth")
        };
        assert!(s.command.is_none());
        assert_eq!(s.run.config.n, 5);
        let cli = Cli::try_parse_from(["kakugo", "synth", "stats", "a.jsonl", "b.jsonl"]).unwrap();
        let Command::Synth(s) = cli.command else {
            panic!("not synth")
        };
        assert!(matches!(s.command, Some(super::SynthCommand::Stats(ref a)) if a.files.len() == 2));
        assert!(Cli::try_parse_from(["kakugo", "synth", "--strategy", "nope"]).is_err());
    }
}
