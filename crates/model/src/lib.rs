//! The model layer: one narrow trait, [`LanguageModel`], and its backends.
//!
//! Everything kakugo does with a model goes through two typed requests:
//!
//! - [`LanguageModel::loglikelihood`] scores continuations given a context. Requests come as
//!   [`ChoiceGroup`]s — one context, several continuations — so a backend can process the
//!   shared context once and fork its KV cache for every continuation (multiple choice, or
//!   several questions over one passage when their contexts share a prefix).
//! - [`LanguageModel::generate`] continues a [`Prompt`] (raw text, or chat messages that the
//!   backend formats with the model's chat template) until a stop string, end of sequence or
//!   the token limit.
//!
//! Backends: [`candle_backend::CandleModel`] runs GGUF and safetensors checkpoints in-process
//! with decoders written for scoring (all positions' hidden states, LM head only on scored
//! rows, external cloneable KV cache); [`openai::OpenAiModel`] talks to an OpenAI-compatible
//! server (vLLM, llama.cpp, TGI, hosted APIs).
//!
//! Results never depend on batch size, thread count or request order: the candle backend
//! processes each sequence on its own (no padding) with deterministic reductions.

use serde::{Deserialize, Serialize};

use kakugo_core::Result;

pub use kakugo_core::spec::ModelSpec;
pub use kakugo_core::store::ModelInfo;

pub mod bf16_matrix;
pub mod candle_backend;
pub mod chat_template;
pub mod config;
pub mod decoder;
pub mod export;
pub mod gguf;
pub mod int4_matrix;
pub mod kernels;
pub mod kv_cache;
pub mod openai;
pub mod prompt_logprobs;
pub mod resolve;
pub mod sampling;
pub mod tokenizer;
pub mod weights;

/// One context with the continuations to score after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChoiceGroup {
    pub context: String,
    pub continuations: Vec<String>,
}

/// The score of one continuation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Loglikelihood {
    /// Sum of the continuation tokens' log-probabilities (natural log).
    pub logprob: f64,
    /// Number of continuation tokens.
    pub n_tokens: usize,
    /// Whether every continuation token is the model's argmax at its position.
    pub is_greedy: bool,
    /// Continuation token ids (empty when the backend cannot report them).
    pub token_ids: Vec<u32>,
    /// Per-token log-probabilities of the continuation (parallel to `token_ids` when the
    /// backend reports ids).
    pub token_logprobs: Vec<f64>,
    /// How many tokens were cut from the left of the context to fit the model's window.
    pub truncated_tokens: usize,
}

/// A chat message, as in OpenAI's and Hugging Face's chat formats.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub role: String,
    pub content: String,
}

impl Message {
    pub fn new(role: impl Into<String>, content: impl Into<String>) -> Self {
        Message {
            role: role.into(),
            content: content.into(),
        }
    }
}

/// What to continue: raw text, or chat messages formatted by the model's chat template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Prompt {
    Text(String),
    Chat(Vec<Message>),
}

/// How to pick the next token.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Sampling {
    /// Always the argmax (ties go to the lowest token id).
    #[default]
    Greedy,
    /// Temperature and nucleus sampling from an explicit seed.
    Seeded {
        temperature: f64,
        top_p: f64,
        seed: u64,
    },
}

/// One generation request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenerateRequest {
    pub prompt: Prompt,
    /// Generation stops before the first occurrence of any of these strings.
    #[serde(default)]
    pub stop: Vec<String>,
    pub max_new_tokens: usize,
    #[serde(default)]
    pub sampling: Sampling,
}

/// Why a generation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FinishReason {
    /// A stop string was produced (it is not part of the text).
    Stop,
    /// The model produced its end-of-sequence token.
    EndOfSequence,
    /// `max_new_tokens` was reached: the text may be cut off.
    Length,
}

/// The result of one generation request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Generation {
    pub text: String,
    /// Tokens generated (including any consumed by a stop string).
    pub n_tokens: usize,
    /// Prompt length in tokens.
    pub prompt_tokens: usize,
    pub finish: FinishReason,
}

/// lm-evaluation-harness's boundary between context and continuation: trailing whitespace of
/// the context moves to the front of the continuation (`"Topic:" + " travel"`, never
/// `"Topic: " + "travel"`), so the continuation's first token carries its leading space as in
/// running text. Every backend scores the pair this returns.
pub fn move_trailing_whitespace<'a>(context: &'a str, continuation: &str) -> (&'a str, String) {
    let trimmed = context.trim_end();
    (
        trimmed,
        format!("{}{continuation}", &context[trimmed.len()..]),
    )
}

/// The model seam. Implementations must return results in request order, independent of how
/// they batch or schedule internally.
pub trait LanguageModel: Send {
    /// Identity of the model for manifests and cache keys.
    fn info(&self) -> &ModelInfo;

    /// Scores every continuation of every group; `result[g][c]` belongs to
    /// `groups[g].continuations[c]`.
    fn loglikelihood(&mut self, groups: &[ChoiceGroup]) -> Result<Vec<Vec<Loglikelihood>>>;

    /// Generates one completion per request.
    fn generate(&mut self, requests: &[GenerateRequest]) -> Result<Vec<Generation>>;

    /// Chooses the precision of scoring forwards. Only the in-process backend has a choice.
    fn set_scoring_precision(&mut self, precision: decoder::ScoringPrecision) -> Result<()> {
        match precision {
            decoder::ScoringPrecision::Exact => Ok(()),
            other => Err(kakugo_core::Error::usage(format!(
                "{}: the {} backend cannot score in {}; only in-process models can",
                self.info().spec,
                self.info().backend,
                other.name()
            ))),
        }
    }
}

/// How to reach a model: what `kakugo eval`, `synth` and experiments pass to [`load_with`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LoadOptions {
    /// HTTP settings for `openai:` models.
    pub server: openai::ServerOptions,
    /// Scoring precision of in-process models (a server model scores as its server does).
    pub precision: decoder::ScoringPrecision,
}

/// Loads a model with the default [`LoadOptions`]: exact f32 in-process, default HTTP
/// settings for a server.
pub fn load(spec: &ModelSpec) -> Result<Box<dyn LanguageModel>> {
    load_with(spec, &LoadOptions::default())
}

/// Loads a model: in-process on the CPU for presets, files, directories and `hf:` models; an
/// OpenAI-compatible server for `openai:MODEL@URL` (the URL may instead come from
/// `OPENAI_BASE_URL`, the key from `OPENAI_API_KEY`). A server model scores continuations from
/// the server's prompt log-probabilities, and says so clearly when the server has none.
pub fn load_with(spec: &ModelSpec, opts: &LoadOptions) -> Result<Box<dyn LanguageModel>> {
    if let ModelSpec::Server { model, .. } = spec {
        let url = spec.server_url()?.expect("a server spec has a URL");
        let mut config = openai::OpenAiConfig::new(&url, model);
        opts.server.apply(&mut config);
        config.api_key = openai::api_key_from_env();
        return Ok(Box::new(openai::OpenAiModel::new(config)?));
    }
    tracing::info!("loading {spec}");
    let mut model = load_on(spec, &candle_core::Device::Cpu)?;
    model.set_scoring_precision(opts.precision)?;
    Ok(model)
}

/// Loads an in-process model on a given device.
pub fn load_on(spec: &ModelSpec, device: &candle_core::Device) -> Result<Box<dyn LanguageModel>> {
    let files = resolve::resolve(spec)?;
    Ok(Box::new(candle_backend::CandleModel::load(&files, device)?))
}
