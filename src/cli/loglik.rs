//! `kakugo loglik`: score continuations given contexts, one JSON object per line.
//!
//! ```text
//! kakugo loglik --model smollm2-135m --requests in.jsonl --out out.jsonl [--per-token]
//! in:  {"context": "Topic of the following text: ...\nTopic:", "continuation": " travel"}
//! out: {"context": ..., "continuation": ..., "logprob": -14.99, "n_tokens": 1, "is_greedy": false}
//! ```
//! Consecutive lines with the same context are scored as one group (the context runs once).

use std::path::PathBuf;

use clap::Args;
use serde::{Deserialize, Serialize};

use super::jsonl::{read_jsonl, write_jsonl};
use kakugo::model::ChoiceGroup;

#[derive(Debug, Args)]
pub struct LoglikArgs {
    /// Model: a .gguf file, a Hugging Face directory, hf:ORG/NAME[@REV], a preset
    /// (smollm2-135m, gemma3-270m), or openai:MODEL@http://HOST:PORT/v1 (a server with
    /// prompt log-probabilities).
    #[arg(long)]
    pub model: kakugo::model::ModelSpec,
    /// JSONL file of {"context", "continuation"} objects.
    #[arg(long)]
    pub requests: PathBuf,
    /// Where to write the scored JSONL.
    #[arg(long)]
    pub out: PathBuf,
    /// Also write token ids and per-token log-probabilities.
    #[arg(long)]
    pub per_token: bool,
    /// Scoring precision: `f32` (exact; the default) or `bf16` (see `kakugo eval --help`).
    #[arg(long, value_enum, default_value_t = kakugo::model::decoder::ScoringPrecision::Exact)]
    pub precision: kakugo::model::decoder::ScoringPrecision,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Request {
    context: String,
    continuation: String,
}

#[derive(Debug, Serialize)]
struct Scored<'a> {
    context: &'a str,
    continuation: &'a str,
    logprob: f64,
    n_tokens: usize,
    is_greedy: bool,
    #[serde(skip_serializing_if = "is_zero")]
    truncated_tokens: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    token_ids: Option<&'a [u32]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    token_logprobs: Option<&'a [f64]>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

pub fn run(args: LoglikArgs) -> anyhow::Result<i32> {
    let requests: Vec<Request> = read_jsonl(&args.requests)?;
    let mut groups: Vec<ChoiceGroup> = Vec::new();
    for r in &requests {
        match groups.last_mut() {
            Some(g) if g.context == r.context => g.continuations.push(r.continuation.clone()),
            _ => groups.push(ChoiceGroup {
                context: r.context.clone(),
                continuations: vec![r.continuation.clone()],
            }),
        }
    }
    let mut model = kakugo::model::load_with(
        &args.model,
        &kakugo::model::LoadOptions {
            precision: args.precision,
            ..Default::default()
        },
    )?;
    let started = std::time::Instant::now();
    let scores = model.loglikelihood(&groups)?;
    let flat: Vec<_> = scores.iter().flatten().collect();
    let out: Vec<Scored> = requests
        .iter()
        .zip(&flat)
        .map(|(r, s)| Scored {
            context: &r.context,
            continuation: &r.continuation,
            logprob: s.logprob,
            n_tokens: s.n_tokens,
            is_greedy: s.is_greedy,
            truncated_tokens: s.truncated_tokens,
            token_ids: args.per_token.then_some(&s.token_ids[..]),
            token_logprobs: args.per_token.then_some(&s.token_logprobs[..]),
        })
        .collect();
    write_jsonl(&args.out, &out)?;
    tracing::info!(
        "scored {} requests in {} groups in {:.2}s",
        requests.len(),
        groups.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(0)
}
