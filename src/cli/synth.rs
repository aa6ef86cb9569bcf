//! `kakugo synth`: a teacher writes instruction data in a language; `synth stats` measures it;
//! `synth filter` cleans it.
//!
//! ```text
//! kakugo synth --teacher smollm2-135m --language kk --strategy topic --n 50 --out kk.jsonl
//! kakugo synth --teacher openai:gemma-3-27b-it@http://127.0.0.1:8000/v1 --language sw \
//!              --strategy translate --input en_prompts.jsonl --n 1000 --out sw.jsonl \
//!              --price-in 0.1 --price-out 0.2
//! kakugo synth stats kk.jsonl [more.jsonl ...] [--ppl-model smollm2-135m] [--json stats.json]
//! kakugo synth filter kk.jsonl --out kk.clean.jsonl [--near-dup 0.8] [--ratio-min 0.75 --ratio-max 25]
//! ```
//! Writes `<out>` (JSONL, PolyglotTeachers-SFT schema), `<out>.manifest.json` and caches
//! teacher answers in `<out>.cache.sqlite`, so rerunning the same command resumes.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Args, Subcommand};

use crate::model::resolve::{resolve, WeightFiles};
use crate::model::tokenizer::Tokenizer;
use crate::store::cache::ResponseCache;
use crate::store::hash::sha256_file;
use crate::synth::filter::{filter, FilterOptions};
use crate::synth::lid::{default_paths, LanguageId};
use crate::synth::manifest::SynthManifest;
use crate::synth::pipeline::{self, Job};
use crate::synth::quality::{combine, stats, DataStats, StatsOptions};
use crate::synth::record::{read_sft, SftFile};
use crate::synth::strategy::{Settings, Strategy};
use crate::synth::teacher::{RemoteOptions, Teacher};
use crate::synth::templates::Templates;
use crate::Error;

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
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
    /// openai:MODEL@http://HOST:PORT/v1 (an OpenAI-compatible server).
    #[arg(long)]
    pub teacher: Option<String>,
    /// Target language (FLORES code, ISO code or English name).
    #[arg(long)]
    pub language: Option<String>,
    /// Strategy.
    #[arg(long, value_enum)]
    pub strategy: Option<Strategy>,
    /// Items wanted in the output (a rerun counts the ones already there).
    #[arg(long, default_value_t = 50)]
    pub n: usize,
    /// Output JSONL (appended to; ids already there are not written again).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Input JSONL: prompts (respond, translate), seed examples (generate), texts (context).
    #[arg(long)]
    pub input: Option<PathBuf>,
    /// Directory of templates (<name>.j2) replacing the defaults of the same name.
    #[arg(long)]
    pub templates: Option<PathBuf>,
    /// Seed of every sampling and selection.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Sampling temperature (default: Kakugo 1.0, PolyglotTeachers 0.8; 0 = greedy).
    #[arg(long)]
    pub temperature: Option<f64>,
    /// Nucleus sampling (default: Kakugo 1.0, PolyglotTeachers 0.9).
    #[arg(long)]
    pub top_p: Option<f64>,
    /// Token limit of answers (default 1024).
    #[arg(long)]
    pub max_new_tokens: Option<usize>,
    /// Token limit of planning steps (lists; default 512).
    #[arg(long)]
    pub list_max_tokens: Option<usize>,
    /// Macro-topics per seed topic (default 20).
    #[arg(long)]
    pub macro_topics: Option<usize>,
    /// Topics per macro-topic (default 10).
    #[arg(long)]
    pub topics: Option<usize>,
    /// Prompts per topic (default 3).
    #[arg(long)]
    pub topic_prompts: Option<usize>,
    /// Broad scenarios (default 30).
    #[arg(long)]
    pub broad_scenarios: Option<usize>,
    /// Detailed scenarios per broad one (default 30).
    #[arg(long)]
    pub detailed_scenarios: Option<usize>,
    /// Prompts per detailed scenario (default 5).
    #[arg(long)]
    pub scenario_prompts: Option<usize>,
    /// Most context texts used (default 10000).
    #[arg(long)]
    pub context_texts: Option<usize>,
    /// Prompts per context text (default 3).
    #[arg(long)]
    pub context_prompts: Option<usize>,
    /// Seed examples shown per generate request (default 3).
    #[arg(long)]
    pub examples: Option<usize>,
    /// Share of prompts rewritten harder (default: Kakugo strategies 0.5, others 0).
    #[arg(long)]
    pub improve_share: Option<f64>,
    /// Candidates drawn per wanted item (default 1.5).
    #[arg(long)]
    pub overgenerate: Option<f64>,
    /// Keep the teacher's reasoning (<think>…</think> or reasoning_content) in `reasoning`.
    #[arg(long)]
    pub keep_reasoning: bool,
    /// Do not reject prompts and responses in another language (for weak teachers in demos).
    #[arg(long)]
    pub keep_wrong_language: bool,
    /// Keep answers cut off at the token limit (for base-model teachers that never stop; the
    /// text then ends mid-sentence).
    #[arg(long)]
    pub keep_truncated: bool,
    /// Data root (SIB-200 for the language identifier and default context texts).
    #[arg(long, env = "KAKUGO_DATA", default_value = "../shared/data")]
    pub data: PathBuf,
    /// Teacher response cache (default: <out>.cache.sqlite).
    #[arg(long)]
    pub cache: Option<PathBuf>,
    /// Server base URL for openai:MODEL without @URL.
    #[arg(long, env = "OPENAI_BASE_URL")]
    pub base_url: Option<String>,
    /// API key for the server.
    #[arg(long, env = "OPENAI_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,
    /// HTTP requests in flight at once.
    #[arg(long, default_value_t = 4)]
    pub max_in_flight: usize,
    /// Retries of a failed HTTP request (429, 5xx, timeouts, connection errors).
    #[arg(long, default_value_t = 6)]
    pub max_retries: u32,
    /// Per-attempt HTTP timeout in seconds.
    #[arg(long, default_value_t = 300.0)]
    pub timeout: f64,
    /// Price per million prompt tokens (for the manifest's cost estimate).
    #[arg(long)]
    pub price_in: Option<f64>,
    /// Price per million completion tokens.
    #[arg(long)]
    pub price_out: Option<f64>,
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
    pub ppl_model: Option<String>,
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
    pub ratio_tokenizer: String,
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

fn lid_for(data: &Path) -> anyhow::Result<LanguageId> {
    let (sib200, cache) = default_paths(data);
    if !sib200.is_dir() {
        return Err(Error::usage_hint(
            format!(
                "{} does not exist: the language identifier trains on SIB-200",
                sib200.display()
            ),
            "pass --data or set KAKUGO_DATA to the directory holding sib200/",
        )
        .into());
    }
    Ok(LanguageId::for_sib200(&sib200, &cache)?)
}

fn run_synth(a: RunArgs) -> anyhow::Result<i32> {
    let teacher_spec = required(a.teacher.clone(), "--teacher")?;
    let language = crate::lang::resolve(&required(a.language.clone(), "--language")?)?;
    let strategy = required(a.strategy, "--strategy")?;
    let out = required(a.out.clone(), "--out")?;
    if a.n == 0 {
        return Err(Error::usage("--n must be at least 1").into());
    }
    let mut s = Settings::defaults(strategy, a.n);
    s.seed = a.seed;
    macro_rules! set {
        ($($f:ident),*) => { $(if let Some(v) = a.$f { s.$f = v; })* };
    }
    set!(
        temperature,
        top_p,
        max_new_tokens,
        list_max_tokens,
        macro_topics,
        topics,
        topic_prompts,
        broad_scenarios,
        detailed_scenarios,
        scenario_prompts,
        context_texts,
        context_prompts,
        examples,
        improve_share,
        overgenerate
    );
    s.keep_reasoning = a.keep_reasoning;
    s.check_language = !a.keep_wrong_language;
    s.keep_truncated = a.keep_truncated;
    if !(0.0..=1.0).contains(&s.improve_share) || !(0.0..=1.0).contains(&s.top_p) {
        return Err(Error::usage("--improve-share and --top-p must lie in [0, 1]").into());
    }
    let templates = Templates::load(a.templates.as_deref())?;
    let lid = if s.check_language {
        let lid = lid_for(&a.data)?;
        if !lid.knows(language.code) {
            tracing::warn!(
                "the language identifier does not know {}: answers are not language-checked",
                language.code
            );
        }
        Some(lid)
    } else {
        None
    };
    let remote = RemoteOptions {
        base_url: a.base_url.clone(),
        api_key: a.api_key.clone(),
        max_in_flight: a.max_in_flight,
        max_retries: a.max_retries,
        timeout: Duration::from_secs_f64(a.timeout),
        seed: a.seed,
    };
    let cache_path = a
        .cache
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{}.cache.sqlite", out.display())));
    let mut teacher =
        Teacher::load(&teacher_spec, &remote)?.with_cache(ResponseCache::open(&cache_path)?);
    let mut file = SftFile::open(&out)?;
    let job = Job {
        strategy,
        language,
        settings: s.clone(),
        input: a.input.clone(),
        data_root: a.data.clone(),
        templates: &templates,
        lid: lid.as_ref(),
    };
    let started = std::time::Instant::now();
    let result = pipeline::run(&job, &mut teacher, &mut file);
    let input = match &a.input {
        Some(p) => Some((p.as_path(), sha256_file(p)?)),
        None => None,
    };
    let prices = match (a.price_in, a.price_out) {
        (None, None) => None,
        (i, o) => Some((i.unwrap_or(0.0), o.unwrap_or(0.0))),
    };
    let summary = match &result {
        Ok(s) => s.clone(),
        Err(_) => Default::default(),
    };
    let manifest = SynthManifest::new(
        &out,
        &teacher,
        strategy.name(),
        language.code,
        &s,
        input,
        templates.manifest(),
        summary,
        prices,
    );
    let manifest_path = PathBuf::from(format!("{}.manifest.json", out.display()));
    // The manifest is written even when the run failed (e.g. the server stayed down), so the
    // attempts are on record; the rerun resumes from the cache.
    manifest.write(&manifest_path)?;
    let summary = result?;
    println!(
        "{}: {} written, {} already there, {} rejected {:?}; teacher: {} calls ({} cached), {} prompt + {} completion tokens, {:.1} tokens/s; {:.1}s",
        out.display(),
        summary.written,
        summary.already_present,
        summary.rejected.values().sum::<usize>(),
        summary.rejected,
        manifest.usage.calls,
        manifest.usage.cached_calls,
        manifest.usage.prompt_tokens,
        manifest.usage.completion_tokens,
        manifest.tokens_per_second,
        started.elapsed().as_secs_f64()
    );
    println!("manifest: {}", manifest_path.display());
    Ok(0)
}

fn run_stats(a: StatsArgs) -> anyhow::Result<i32> {
    let language = a
        .language
        .as_deref()
        .map(crate::lang::resolve)
        .transpose()?
        .map(|l| l.code);
    let lid = lid_for(&a.data)?;
    let mut ppl_model = a.ppl_model.as_deref().map(crate::model::load).transpose()?;
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
                    .map(|m| m as &mut dyn crate::model::LanguageModel),
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
        crate::store::atomic::write_atomic(path, &bytes)?;
    }
    Ok(0)
}

fn render(s: &DataStats) -> String {
    let pct = |x: Option<f64>| {
        x.map(|v| format!("{:.1}%", 100.0 * v))
            .unwrap_or_else(|| "n/a".into())
    };
    let dist = |d: &Option<crate::synth::quality::Distribution>| match d {
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
fn load_tokenizer(spec: &str) -> anyhow::Result<Tokenizer> {
    let files = resolve(spec)?;
    Ok(match (&files.tokenizer, &files.weights) {
        (Some(t), _) => Tokenizer::from_file(t, files.tokenizer_config.as_deref())?,
        (None, WeightFiles::Gguf(path)) => {
            Tokenizer::from_gguf(&crate::model::gguf::GgufFile::open(path)?)?
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
        .map(crate::lang::resolve)
        .transpose()?
        .map(|l| l.code);
    let records = read_sft(&a.input)?;
    let lid = if a.no_language {
        None
    } else {
        Some(lid_for(&a.data)?)
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
        assert_eq!(s.run.n, 5);
        let cli = Cli::try_parse_from(["kakugo", "synth", "stats", "a.jsonl", "b.jsonl"]).unwrap();
        let Command::Synth(s) = cli.command else {
            panic!("not synth")
        };
        assert!(matches!(s.command, Some(super::SynthCommand::Stats(ref a)) if a.files.len() == 2));
        assert!(Cli::try_parse_from(["kakugo", "synth", "--strategy", "nope"]).is_err());
    }
}
