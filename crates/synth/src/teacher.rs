//! The teacher: any [`LanguageModel`], named on the command line, asked through the response
//! cache.
//!
//! `--teacher` takes an in-process model (a preset such as `smollm2-135m`, a `.gguf` file, a
//! Hugging Face directory or `hf:ORG/NAME[@REV]`, see `kakugo generate`) or an
//! OpenAI-compatible server:
//!
//! ```text
//! openai:MODEL@URL    e.g. openai:gemma-3-27b-it@http://10.0.0.5:8000/v1
//! openai:MODEL        the URL from $OPENAI_BASE_URL
//! ```
//! The key comes from `$OPENAI_API_KEY` only (never a flag, never written anywhere).
//!
//! Every answer is stored in a [`ResponseCache`] keyed by the teacher's identity (weights hash,
//! or endpoint + model id) and the exact request, so a rerun after a crash or a server outage
//! repeats no call, and the data it writes is the same.

use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use kakugo_core::store::cache::ResponseCache;
use kakugo_core::Result;
use kakugo_model::openai::{
    api_key_from_env, AttemptLog, OpenAiConfig, OpenAiModel, ServerOptions,
};
use kakugo_model::ModelSpec;
use kakugo_model::{GenerateRequest, Generation, LanguageModel};

/// Token and call counts over a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Usage {
    /// Teacher calls made (not counting cache hits).
    pub calls: usize,
    pub cached_calls: usize,
    pub prompt_tokens: usize,
    pub completion_tokens: usize,
    /// Wall time spent in teacher calls.
    pub seconds: f64,
}

impl Usage {
    /// Completion tokens per second of teacher time (cache hits excluded).
    pub fn tokens_per_second(&self) -> f64 {
        if self.seconds > 0.0 {
            self.completion_tokens as f64 / self.seconds
        } else {
            0.0
        }
    }
}

enum Backend {
    Local(Box<dyn LanguageModel>),
    Remote(Box<OpenAiModel>),
}

pub struct Teacher {
    model: Backend,
    attempts: Option<AttemptLog>,
    cache: Option<ResponseCache>,
    pub usage: Usage,
    /// Requests per model call: enough to keep a server's in-flight slots busy.
    chunk: usize,
}

impl Teacher {
    /// Loads the teacher named by `spec`; a server teacher talks as `server` says, with its
    /// retry backoff seeded by `seed`.
    pub fn load(spec: &ModelSpec, server: &ServerOptions, seed: u64) -> Result<Teacher> {
        let ModelSpec::Server { model, .. } = spec else {
            return Ok(Teacher::from_model(kakugo_model::load(spec)?));
        };
        let url = spec.server_url()?.expect("a server spec has a URL");
        let mut config = OpenAiConfig::new(&url, model);
        server.apply(&mut config);
        config.api_key = api_key_from_env();
        config.seed = seed;
        Ok(Teacher::from_openai(OpenAiModel::new(config)?))
    }

    /// Wraps an HTTP teacher: its attempt log goes to the manifest, and each model call gets
    /// twice as many requests as may be in flight, so the server's slots stay busy.
    pub fn from_openai(model: OpenAiModel) -> Teacher {
        Teacher {
            attempts: Some(model.attempt_log()),
            chunk: model.config().max_in_flight * 2,
            model: Backend::Remote(Box::new(model)),
            cache: None,
            usage: Usage::default(),
        }
    }

    /// Wraps a loaded model (in-process models generate one request at a time).
    pub fn from_model(model: Box<dyn LanguageModel>) -> Teacher {
        Teacher {
            model: Backend::Local(model),
            attempts: None,
            cache: None,
            usage: Usage::default(),
            chunk: 1,
        }
    }

    /// Answers are read from and written to `cache`.
    pub fn with_cache(mut self, cache: ResponseCache) -> Teacher {
        self.cache = Some(cache);
        self
    }

    pub fn info(&self) -> &kakugo_model::ModelInfo {
        match &self.model {
            Backend::Local(m) => m.info(),
            Backend::Remote(m) => m.info(),
        }
    }

    /// The HTTP attempt log (remote teachers only).
    pub fn attempts(&self) -> Option<&AttemptLog> {
        self.attempts.as_ref()
    }

    /// Generates every request (cached ones from the cache), in order, with a progress bar
    /// labelled `step`.
    pub fn ask(&mut self, step: &str, requests: &[GenerateRequest]) -> Result<Vec<Generation>> {
        let mut out: Vec<Option<Generation>> = vec![None; requests.len()];
        let mut keys = Vec::with_capacity(requests.len());
        let sha = self.info().sha256.clone();
        for (i, r) in requests.iter().enumerate() {
            let key = ResponseCache::key(&sha, "synth-generate", r);
            if let Some(cache) = &self.cache {
                if let Some(g) = cache.get::<Generation>(&key)? {
                    out[i] = Some(g);
                    self.usage.cached_calls += 1;
                }
            }
            keys.push(key);
        }
        let todo: Vec<usize> = (0..requests.len()).filter(|&i| out[i].is_none()).collect();
        let bar = ProgressBar::new(todo.len() as u64).with_style(
            ProgressStyle::with_template("{msg:>18} [{bar:30}] {pos}/{len} {elapsed}<{eta}")
                .expect("valid template")
                .progress_chars("=> "),
        );
        bar.set_message(step.to_string());
        if todo.is_empty() {
            bar.finish_and_clear();
        }
        for chunk in todo.chunks(self.chunk.max(1)) {
            let batch: Vec<GenerateRequest> = chunk.iter().map(|&i| requests[i].clone()).collect();
            let started = Instant::now();
            // A remote batch answers request by request: answers that arrived are cached even
            // when another request of the batch failed, so a rerun does not ask them again.
            let generations: Vec<Result<Generation>> = match &mut self.model {
                Backend::Local(m) => m.generate(&batch)?.into_iter().map(Ok).collect(),
                Backend::Remote(m) => m.generate_each(&batch),
            };
            self.usage.seconds += started.elapsed().as_secs_f64();
            let mut failed = None;
            for (&i, g) in chunk.iter().zip(generations) {
                let g = match g {
                    Ok(g) => g,
                    Err(e) => {
                        failed.get_or_insert(e);
                        continue;
                    }
                };
                self.usage.calls += 1;
                self.usage.prompt_tokens += g.prompt_tokens;
                self.usage.completion_tokens += g.n_tokens;
                if let Some(cache) = &self.cache {
                    cache.put(&keys[i], &g)?;
                }
                out[i] = Some(g);
            }
            if let Some(e) = failed {
                bar.finish_and_clear();
                return Err(e);
            }
            bar.inc(chunk.len() as u64);
        }
        bar.finish_and_clear();
        Ok(out
            .into_iter()
            .map(|g| g.expect("every request answered"))
            .collect())
    }
}
