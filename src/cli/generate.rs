//! `kakugo generate`: continue prompts, one JSON object per line.
//!
//! ```text
//! kakugo generate --model smollm2-135m --prompts in.jsonl --max-new-tokens 64 --out out.jsonl
//! in:  {"prompt": "Translate to French: cat\nFrench:", "stop": ["\n"]}
//!      {"prompt": [{"role": "user", "content": "Сәлем!"}], "sampling": {"kind": "seeded", "temperature": 0.8, "top_p": 0.9, "seed": 1}}
//! out: {"prompt": ..., "text": " chat", "n_tokens": 2, "prompt_tokens": 9, "finish": "stop"}
//! ```
//! A prompt is a string, or a list of chat messages formatted with the model's chat template.

use std::path::PathBuf;

use clap::Args;
use serde::{Deserialize, Serialize};

use super::jsonl::{read_jsonl, write_jsonl};
use kakugo::model::{FinishReason, GenerateRequest, Prompt, Sampling};

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Model: a .gguf file, a Hugging Face directory, hf:ORG/NAME[@REV], a preset, or
    /// openai:MODEL@http://HOST:PORT/v1 (a server).
    #[arg(long)]
    pub model: kakugo::model::ModelSpec,
    /// JSONL file of {"prompt", "stop"?, "max_new_tokens"?, "sampling"?} objects.
    #[arg(long)]
    pub prompts: PathBuf,
    /// Default token limit for prompts that do not set their own.
    #[arg(long, default_value_t = 128)]
    pub max_new_tokens: usize,
    /// Where to write the completions.
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PromptLine {
    prompt: Prompt,
    #[serde(default)]
    stop: Vec<String>,
    max_new_tokens: Option<usize>,
    #[serde(default)]
    sampling: Sampling,
}

#[derive(Debug, Serialize)]
struct Completed<'a> {
    prompt: &'a Prompt,
    text: &'a str,
    n_tokens: usize,
    prompt_tokens: usize,
    finish: FinishReason,
}

pub fn run(args: GenerateArgs) -> anyhow::Result<i32> {
    let lines: Vec<PromptLine> = read_jsonl(&args.prompts)?;
    let requests: Vec<GenerateRequest> = lines
        .iter()
        .map(|l| GenerateRequest {
            prompt: l.prompt.clone(),
            stop: l.stop.clone(),
            max_new_tokens: l.max_new_tokens.unwrap_or(args.max_new_tokens),
            sampling: l.sampling,
        })
        .collect();
    let mut model = kakugo::model::load(&args.model)?;
    let started = std::time::Instant::now();
    let generations = model.generate(&requests)?;
    let tokens: usize = generations.iter().map(|g| g.n_tokens).sum();
    let out: Vec<Completed> = lines
        .iter()
        .zip(&generations)
        .map(|(l, g)| Completed {
            prompt: &l.prompt,
            text: &g.text,
            n_tokens: g.n_tokens,
            prompt_tokens: g.prompt_tokens,
            finish: g.finish,
        })
        .collect();
    write_jsonl(&args.out, &out)?;
    let secs = started.elapsed().as_secs_f64();
    tracing::info!(
        "generated {tokens} tokens for {} prompts in {secs:.2}s ({:.1} tokens/s)",
        lines.len(),
        tokens as f64 / secs
    );
    Ok(0)
}
