//! The HTTP backend: any OpenAI-compatible server (vLLM, llama.cpp's server, TGI, a hosted API).
//!
//! [`OpenAiModel`] sends [`Prompt::Chat`] to `POST {base}/chat/completions` (the server applies
//! the model's chat template) and [`Prompt::Text`] to `POST {base}/completions`. This is how
//! real teachers (27B–120B) are run: kakugo stays small and the server scales.
//!
//! ## Reliability
//! - At most [`OpenAiConfig::max_in_flight`] requests are open at once (scoped worker threads
//!   pulling from a shared index), so a server's queue is never flooded.
//! - 429, 5xx, timeouts, connection errors and bodies that do not parse (a connection cut
//!   mid-response) are retried up to [`OpenAiConfig::max_retries`] times with exponential
//!   backoff (`base · 2^attempt`, capped) and jitter drawn from a ChaCha8 generator seeded by
//!   (seed, request, attempt), so a rerun waits the same; a `Retry-After` header wins when
//!   present. Other 4xx answers (bad request, unknown model, bad key) fail at once: retrying
//!   cannot fix them.
//! - Every attempt's outcome is appended to an [`AttemptLog`] that callers put in manifests.
//!
//! Results come back in request order. When a request still fails after its retries, the
//! whole call fails (after the other in-flight requests finish): callers that resume from a
//! cache (synthesis does) lose nothing.
//!
//! Reasoning models served by vLLM return their chain of thought in `reasoning_content`
//! (llama.cpp: `reasoning`); it is kept, wrapped as `<think>…</think>` before the answer, so
//! callers split it off the same way as from a local model's text.
//!
//! Scoring ([`LanguageModel::loglikelihood`]) uses the server's prompt log-probabilities: one
//! `POST {base}/completions` per continuation with `echo` + `logprobs` (the request and the two
//! response shapes, OpenAI's and vLLM's `prompt_logprobs`, are in [`super::prompt_logprobs`]),
//! through the same bounded, retried requests. A server that has none — llama.cpp's own
//! `llama-server`, chat-only APIs, hosted models without `echo` — fails the call with "cannot
//! score multiple choice: server … returned no prompt log-probabilities (what was missing)";
//! until one continuation has been scored, the first request goes alone, so that takes one
//! request, not one per continuation. Scores are the server's numbers: they agree with
//! in-process scoring only as far as the server's arithmetic does (llama.cpp quantises
//! activations: ≈0.1 nats per token; `tests/eval_http.rs`).
//!
//! ```no_run
//! use kakugo_model::openai::{OpenAiConfig, OpenAiModel};
//! use kakugo_model::{GenerateRequest, LanguageModel, Message, Prompt, Sampling};
//! let config = OpenAiConfig::new("http://127.0.0.1:8080/v1", "SmolLM2-135M-Instruct");
//! let mut model = OpenAiModel::new(config)?;
//! let out = model.generate(&[GenerateRequest {
//!     prompt: Prompt::Chat(vec![Message::new("user", "Сәлем!")]),
//!     stop: vec![],
//!     max_new_tokens: 32,
//!     sampling: Sampling::Seeded { temperature: 0.8, top_p: 0.9, seed: 1 },
//! }])?;
//! println!("{}", out[0].text);
//! # Ok::<(), kakugo_core::Error>(())
//! ```

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::prompt_logprobs::{self, Scored, Unscorable};
use super::{
    move_trailing_whitespace, ChoiceGroup, FinishReason, GenerateRequest, Generation,
    LanguageModel, Loglikelihood, ModelInfo, Prompt, Sampling,
};
use kakugo_core::store::{Backend, Scoring};
use kakugo_core::{Error, Result};

/// Where the server is and how to talk to it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpenAiConfig {
    /// Base URL including the API prefix, e.g. `http://127.0.0.1:8080/v1`.
    pub base_url: String,
    /// Model id sent in every request.
    pub model: String,
    /// Bearer token (`OPENAI_API_KEY`); never written to manifests.
    #[serde(skip)]
    pub api_key: Option<String>,
    /// Requests open at once.
    pub max_in_flight: usize,
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// Per-attempt timeout (connect + response).
    pub timeout: Duration,
    /// First backoff; doubles each retry.
    pub backoff_base: Duration,
    /// Longest single wait.
    pub backoff_max: Duration,
    /// Seed of the backoff jitter.
    pub seed: u64,
}

/// The HTTP settings a user chooses for a server model (`kakugo eval`, `kakugo synth` and
/// experiments flatten these into their flags and sections).
#[derive(Debug, Clone, PartialEq, clap::Args, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerOptions {
    /// HTTP requests in flight at once (server models).
    #[arg(long, default_value_t = 4)]
    pub max_in_flight: usize,
    /// Retries of a failed HTTP request (429, 5xx, timeouts, connection errors).
    #[arg(long, default_value_t = 6)]
    pub max_retries: u32,
    /// Per-attempt HTTP timeout in seconds.
    #[arg(long, default_value_t = 300.0)]
    pub timeout: f64,
}

impl Default for ServerOptions {
    /// The flags' defaults above: the only place they are written.
    fn default() -> Self {
        kakugo_core::config::clap_defaults()
    }
}

impl ServerOptions {
    /// Copies these settings into a client configuration.
    pub fn apply(&self, config: &mut OpenAiConfig) {
        config.max_in_flight = self.max_in_flight;
        config.max_retries = self.max_retries;
        config.timeout = Duration::from_secs_f64(self.timeout);
    }

    /// Rejects settings no request could work with.
    pub fn validate(&self) -> Result<()> {
        if self.max_in_flight == 0 {
            return Err(Error::usage("--max-in-flight must be at least 1"));
        }
        if !(self.timeout.is_finite() && self.timeout > 0.0) {
            return Err(Error::usage(format!(
                "--timeout must be a positive number of seconds, got {}",
                self.timeout
            )));
        }
        Ok(())
    }
}

/// The server's key: `$OPENAI_API_KEY`, never a flag or a file, so it stays out of shell
/// histories, process lists, configs and records.
pub fn api_key_from_env() -> Option<String> {
    std::env::var("OPENAI_API_KEY")
        .ok()
        .filter(|k| !k.is_empty())
}

impl OpenAiConfig {
    /// Defaults: 4 in flight, 6 retries, 300 s timeout, backoff 0.5 s doubling to 30 s.
    pub fn new(base_url: &str, model: &str) -> Self {
        OpenAiConfig {
            base_url: base_url.trim_end_matches('/').to_string(),
            model: model.to_string(),
            api_key: None,
            max_in_flight: 4,
            max_retries: 6,
            timeout: Duration::from_secs(300),
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
            seed: 0,
        }
    }

    /// The wait before retry `attempt` (1-based) of request `index`: exponential, capped,
    /// multiplied by a seeded factor in [0.5, 1).
    pub fn backoff(&self, index: usize, attempt: u32) -> Duration {
        let exp = self
            .backoff_base
            .saturating_mul(1u32 << (attempt.saturating_sub(1)).min(20));
        let capped = exp.min(self.backoff_max);
        let mut rng = ChaCha8Rng::seed_from_u64(
            self.seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ u64::from(attempt),
        );
        capped.mul_f64(0.5 + 0.5 * rng.gen::<f64>())
    }
}

/// How one HTTP attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Ok,
    /// 429: the server asked us to slow down.
    RateLimited,
    /// 5xx.
    ServerError,
    /// 4xx other than 429: not retried.
    ClientError,
    Timeout,
    /// Connection refused or reset (a server that is down or restarting).
    Connection,
    /// The body was not the JSON we expect (cut off mid-response, or garbage).
    BadBody,
    /// A completion without the prompt log-probabilities scoring needs: not retried.
    NoLogprobs,
}

impl Outcome {
    fn retryable(self) -> bool {
        !matches!(
            self,
            Outcome::Ok | Outcome::ClientError | Outcome::NoLogprobs
        )
    }
}

/// A request that failed for good (not retryable, or out of retries).
struct Failure {
    url: String,
    outcome: Outcome,
    status: Option<u16>,
    tries: u32,
    detail: String,
}

impl Failure {
    fn into_error(self) -> Error {
        let Failure {
            url,
            outcome,
            status,
            tries,
            detail,
        } = self;
        Error::Remote(format!(
            "{url}: {outcome:?}{} after {tries} attempt{}: {detail}",
            status.map(|s| format!(" (HTTP {s})")).unwrap_or_default(),
            if tries == 1 { "" } else { "s" },
        ))
    }
}

/// How one attempt failed: outcome, HTTP status, message, and the server's `Retry-After`.
type AttemptError = (Outcome, Option<u16>, String, Option<Duration>);

/// One attempt of one request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    /// Position of the request in its `generate` or `loglikelihood` call's batch (one per
    /// continuation), counted over the model's lifetime (first batch 0..n, next n..).
    pub request: usize,
    /// 0 for the first try.
    pub attempt: u32,
    pub outcome: Outcome,
    /// HTTP status when one came back.
    pub status: Option<u16>,
    pub millis: u64,
    /// The error, for anything but `ok` (shortened).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// Shared, append-only record of every attempt; clone it to read it while the model lives.
#[derive(Debug, Clone, Default)]
pub struct AttemptLog(Arc<Mutex<Vec<Attempt>>>);

impl AttemptLog {
    fn push(&self, a: Attempt) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).push(a);
    }

    /// A copy of every attempt so far.
    pub fn snapshot(&self) -> Vec<Attempt> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

pub struct OpenAiModel {
    config: OpenAiConfig,
    client: reqwest::blocking::Client,
    info: ModelInfo,
    log: AttemptLog,
    /// Requests sent so far (numbering for the attempt log).
    issued: usize,
    /// Whether the server has scored a continuation yet (until then, the first scoring request
    /// goes alone, so a server without prompt log-probabilities costs one request).
    scored_once: bool,
}

impl OpenAiModel {
    pub fn new(config: OpenAiConfig) -> Result<OpenAiModel> {
        if !(config.base_url.starts_with("http://") || config.base_url.starts_with("https://")) {
            return Err(Error::usage_hint(
                format!(
                    "OpenAI base URL `{}` is not an http(s) URL",
                    config.base_url
                ),
                "e.g. http://127.0.0.1:8080/v1",
            ));
        }
        if config.max_in_flight == 0 {
            return Err(Error::usage("--max-in-flight must be at least 1"));
        }
        let client = reqwest::blocking::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|e| Error::Remote(format!("building the HTTP client: {e}")))?;
        let info = ModelInfo {
            name: config.model.clone(),
            spec: format!("openai:{}@{}", config.model, config.base_url),
            sha256: format!("{}#{}", config.base_url, config.model),
            tokenizer_sha256: String::new(),
            backend: Backend::Openai,
            device: config.base_url.clone(),
            dtype: "remote".into(),
            architecture: String::new(),
            context_length: 0,
            scoring: Scoring::ServerPromptLogprobs,
        };
        Ok(OpenAiModel {
            config,
            client,
            info,
            log: AttemptLog::default(),
            issued: 0,
            scored_once: false,
        })
    }

    pub fn config(&self) -> &OpenAiConfig {
        &self.config
    }

    /// A handle on the attempt log.
    pub fn attempt_log(&self) -> AttemptLog {
        self.log.clone()
    }

    fn body(&self, req: &GenerateRequest) -> (String, Value) {
        let mut body = json!({
            "model": self.config.model,
            "max_tokens": req.max_new_tokens,
        });
        match &req.prompt {
            Prompt::Chat(messages) => body["messages"] = json!(messages),
            Prompt::Text(text) => body["prompt"] = json!(text),
        }
        match req.sampling {
            Sampling::Greedy => body["temperature"] = json!(0.0),
            Sampling::Seeded {
                temperature,
                top_p,
                seed,
            } => {
                body["temperature"] = json!(temperature);
                body["top_p"] = json!(top_p);
                body["seed"] = json!(seed);
            }
        }
        if !req.stop.is_empty() {
            body["stop"] = json!(req.stop);
        }
        let endpoint = match req.prompt {
            Prompt::Chat(_) => "chat/completions",
            Prompt::Text(_) => "completions",
        };
        (format!("{}/{endpoint}", self.config.base_url), body)
    }

    /// One attempt: the parsed answer, or how it failed. `parse` reads a 2xx body; its error
    /// says which outcome that is (a body cut off, or one without what was asked for).
    fn attempt<T>(
        &self,
        url: &str,
        body: &Value,
        parse: &impl Fn(&str) -> std::result::Result<T, (Outcome, String)>,
    ) -> std::result::Result<T, AttemptError> {
        let mut request = self.client.post(url).json(body);
        if let Some(key) = &self.config.api_key {
            request = request.bearer_auth(key);
        }
        let response = request
            .send()
            .map_err(|e| (classify(&e), None, e.to_string(), None))?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<f64>().ok())
            .map(Duration::from_secs_f64);
        let text = response
            .text()
            .map_err(|e| (classify(&e), Some(status.as_u16()), e.to_string(), None))?;
        if !status.is_success() {
            let outcome = if status.as_u16() == 429 {
                Outcome::RateLimited
            } else if status.is_server_error() {
                Outcome::ServerError
            } else {
                Outcome::ClientError
            };
            return Err((outcome, Some(status.as_u16()), shorten(&text), retry_after));
        }
        parse(&text).map_err(|(outcome, m)| (outcome, Some(status.as_u16()), m, None))
    }

    /// A request with its retries; every attempt goes to the log.
    fn request<T>(
        &self,
        index: usize,
        url: &str,
        body: &Value,
        parse: impl Fn(&str) -> std::result::Result<T, (Outcome, String)>,
    ) -> std::result::Result<T, Failure> {
        let mut attempt = 0u32;
        loop {
            let started = Instant::now();
            let result = self.attempt(url, body, &parse);
            let millis = started.elapsed().as_millis() as u64;
            match result {
                Ok(answer) => {
                    self.log.push(Attempt {
                        request: index,
                        attempt,
                        outcome: Outcome::Ok,
                        status: Some(200),
                        millis,
                        detail: None,
                    });
                    return Ok(answer);
                }
                Err((outcome, status, detail, retry_after)) => {
                    tracing::debug!(request = index, attempt, ?outcome, ?status, "{detail}");
                    self.log.push(Attempt {
                        request: index,
                        attempt,
                        outcome,
                        status,
                        millis,
                        detail: Some(shorten(&detail)),
                    });
                    if !outcome.retryable() || attempt >= self.config.max_retries {
                        return Err(Failure {
                            url: url.to_string(),
                            outcome,
                            status,
                            tries: attempt + 1,
                            detail,
                        });
                    }
                    attempt += 1;
                    let wait = retry_after
                        .map(|w| w.min(self.config.backoff_max))
                        .unwrap_or_else(|| self.config.backoff(index, attempt));
                    tracing::warn!(
                        "{url}: {outcome:?}{}; retry {attempt}/{} in {:.1}s",
                        status.map(|s| format!(" (HTTP {s})")).unwrap_or_default(),
                        self.config.max_retries,
                        wait.as_secs_f64()
                    );
                    std::thread::sleep(wait);
                }
            }
        }
    }
}

impl LanguageModel for OpenAiModel {
    fn info(&self) -> &ModelInfo {
        &self.info
    }

    fn loglikelihood(&mut self, groups: &[ChoiceGroup]) -> Result<Vec<Vec<Loglikelihood>>> {
        let pairs: Vec<(&str, String)> = groups
            .iter()
            .flat_map(|g| {
                g.continuations
                    .iter()
                    .map(|c| move_trailing_whitespace(&g.context, c))
            })
            .collect();
        let mut scored = Vec::with_capacity(pairs.len());
        let mut rest = &pairs[..];
        if !self.scored_once && !pairs.is_empty() {
            // Alone first: a server without prompt log-probabilities fails it at once.
            scored.push(self.each(&pairs[..1], Self::score_one).remove(0)?);
            self.scored_once = true;
            rest = &pairs[1..];
        }
        for r in self.each(rest, Self::score_one) {
            scored.push(r?);
        }
        if scored.iter().any(|s| !s.greedy_known) {
            tracing::warn!(
                "{}: the server sent no top log-probabilities for some continuations; their is_greedy is false",
                self.config.base_url
            );
        }
        let mut scored = scored.into_iter().map(|s| s.score);
        Ok(groups
            .iter()
            .map(|g| scored.by_ref().take(g.continuations.len()).collect())
            .collect())
    }

    fn generate(&mut self, requests: &[GenerateRequest]) -> Result<Vec<Generation>> {
        self.generate_each(requests).into_iter().collect()
    }
}

impl OpenAiModel {
    /// Like [`LanguageModel::generate`], but one result per request, so a caller can keep
    /// the answers that arrived when others failed after their retries.
    pub fn generate_each(&mut self, requests: &[GenerateRequest]) -> Vec<Result<Generation>> {
        self.each(requests, |this, index, req| {
            let (url, body) = this.body(req);
            let chat = matches!(req.prompt, Prompt::Chat(_));
            this.request(index, &url, &body, |text| {
                parse_completion(text, chat).map_err(|m| (Outcome::BadBody, m))
            })
            .map_err(Failure::into_error)
        })
    }

    /// Scores one (context, continuation) pair, whitespace already moved.
    fn score_one(&self, index: usize, (context, continuation): &(&str, String)) -> Result<Scored> {
        let url = format!("{}/completions", self.config.base_url);
        let body = prompt_logprobs::request_body(&self.config.model, context, continuation);
        self.request(index, &url, &body, |text| {
            prompt_logprobs::score(text, context, continuation).map_err(|u| match u {
                Unscorable::NotJson(m) => (Outcome::BadBody, m),
                Unscorable::Missing(m) => (Outcome::NoLogprobs, m),
            })
        })
        .map_err(|f| self.scoring_error(f))
    }

    /// Says "cannot score multiple choice" when the failure means the server has no prompt
    /// log-probabilities (as opposed to being down or overloaded).
    fn scoring_error(&self, f: Failure) -> Error {
        let body = f.detail.to_lowercase();
        let why = match (f.outcome, f.status) {
            (Outcome::NoLogprobs, _) => f.detail.clone(),
            (Outcome::ClientError, Some(s @ (404 | 405))) => format!(
                "HTTP {s} from {}: no text-completions endpoint (a chat-only server?)",
                f.url
            ),
            (Outcome::ClientError, Some(s))
                if body.contains("logprob") || body.contains("echo") =>
            {
                format!("HTTP {s}: {}", f.detail)
            }
            _ => return f.into_error(),
        };
        Error::Remote(format!(
            "cannot score multiple choice: server {} (model {}) returned no prompt log-probabilities ({why}); scoring needs POST /completions with `echo` + `logprobs` (vLLM, llama-cpp-python's server); otherwise evaluate the model in-process",
            self.config.base_url, self.config.model
        ))
    }

    /// Runs `work(this, request number, item)` for every item, at most
    /// [`OpenAiConfig::max_in_flight`] at once, from scoped workers pulling the next index;
    /// results come back in item order. Requests are numbered over the model's lifetime.
    fn each<Q: Sync, R: Send>(
        &mut self,
        items: &[Q],
        work: impl Fn(&Self, usize, &Q) -> R + Sync,
    ) -> Vec<R> {
        let first = self.issued;
        self.issued += items.len();
        let next = AtomicUsize::new(0);
        let results: Vec<Mutex<Option<R>>> = items.iter().map(|_| Mutex::new(None)).collect();
        let this = &*self;
        std::thread::scope(|scope| {
            for _ in 0..this.config.max_in_flight.min(items.len()) {
                scope.spawn(|| loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= items.len() {
                        break;
                    }
                    let r = work(this, first + i, &items[i]);
                    *results[i].lock().unwrap_or_else(|p| p.into_inner()) = Some(r);
                });
            }
        });
        results
            .into_iter()
            .map(|m| {
                m.into_inner()
                    .unwrap_or_else(|p| p.into_inner())
                    .expect("every item was taken by a worker")
            })
            .collect()
    }
}

fn classify(e: &reqwest::Error) -> Outcome {
    if e.is_timeout() {
        Outcome::Timeout
    } else if e.is_connect() || e.is_request() {
        Outcome::Connection
    } else {
        // A body cut off mid-response surfaces as a decode/body error.
        Outcome::BadBody
    }
}

fn shorten(s: &str) -> String {
    let s = s.trim();
    if s.chars().count() <= 300 {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(300).collect::<String>())
    }
}

#[derive(Deserialize)]
struct CompletionBody {
    choices: Vec<Choice>,
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct Choice {
    /// `/completions`.
    text: Option<String>,
    /// `/chat/completions`.
    message: Option<ChatMessage>,
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct ChatMessage {
    content: Option<String>,
    reasoning_content: Option<String>,
    reasoning: Option<String>,
}

#[derive(Deserialize)]
struct Usage {
    prompt_tokens: Option<usize>,
    completion_tokens: Option<usize>,
}

/// Parses a (chat) completion body into a [`Generation`].
pub fn parse_completion(body: &str, chat: bool) -> std::result::Result<Generation, String> {
    let parsed: CompletionBody = serde_json::from_str(body).map_err(|e| {
        format!(
            "response is not a completion object ({e}): {}",
            shorten(body)
        )
    })?;
    let choice = parsed
        .choices
        .into_iter()
        .next()
        .ok_or_else(|| "response has no choices".to_string())?;
    let text = if chat {
        let message = choice
            .message
            .ok_or_else(|| "chat response choice has no `message`".to_string())?;
        let content = message.content.unwrap_or_default();
        match message.reasoning_content.or(message.reasoning) {
            Some(r) if !r.trim().is_empty() => format!("<think>{r}</think>{content}"),
            _ => content,
        }
    } else {
        choice
            .text
            .ok_or_else(|| "completion choice has no `text`".to_string())?
    };
    let finish = match choice.finish_reason.as_deref() {
        Some("length") => FinishReason::Length,
        Some("stop") | Some("eos") | None => FinishReason::Stop,
        Some(_) => FinishReason::Stop,
    };
    let usage = parsed.usage;
    Ok(Generation {
        text,
        n_tokens: usage
            .as_ref()
            .and_then(|u| u.completion_tokens)
            .unwrap_or(0),
        prompt_tokens: usage.as_ref().and_then(|u| u.prompt_tokens).unwrap_or(0),
        finish,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_chat_and_text_bodies() {
        let chat = r#"{"choices":[{"index":0,"message":{"role":"assistant","content":"Сәлем"},"finish_reason":"length"}],"usage":{"prompt_tokens":12,"completion_tokens":5,"total_tokens":17}}"#;
        let g = parse_completion(chat, true).unwrap();
        assert_eq!(g.text, "Сәлем");
        assert_eq!((g.prompt_tokens, g.n_tokens), (12, 5));
        assert_eq!(g.finish, FinishReason::Length);
        let text = r#"{"choices":[{"text":" chat","finish_reason":"stop"}]}"#;
        let g = parse_completion(text, false).unwrap();
        assert_eq!((g.text.as_str(), g.finish), (" chat", FinishReason::Stop));
        let reasoning = r#"{"choices":[{"message":{"content":"4","reasoning_content":"2+2"},"finish_reason":"stop"}]}"#;
        assert_eq!(
            parse_completion(reasoning, true).unwrap().text,
            "<think>2+2</think>4"
        );
        // A body cut off mid-way is an error, not an empty generation.
        assert!(parse_completion(&chat[..40], true).is_err());
        assert!(parse_completion(r#"{"choices":[]}"#, true).is_err());
    }

    #[test]
    fn backoff_grows_is_capped_and_is_seeded() {
        let mut c = OpenAiConfig::new("http://x/v1", "m");
        c.backoff_base = Duration::from_millis(100);
        c.backoff_max = Duration::from_millis(1000);
        let waits: Vec<Duration> = (1..=6).map(|a| c.backoff(3, a)).collect();
        for (a, w) in waits.iter().enumerate() {
            let full = Duration::from_millis(100 * (1 << a)).min(Duration::from_millis(1000));
            assert!(*w >= full / 2 && *w < full, "attempt {}: {w:?}", a + 1);
        }
        assert_eq!(waits, (1..=6).map(|a| c.backoff(3, a)).collect::<Vec<_>>());
        c.seed = 1;
        assert_ne!(waits, (1..=6).map(|a| c.backoff(3, a)).collect::<Vec<_>>());
    }
}
