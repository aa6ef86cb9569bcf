//! The in-process backend: kakugo's decoder on candle, CPU by default (CUDA behind the
//! `cuda` feature, untested here).
//!
//! ## Scoring, and where the token boundary falls
//! [`CandleModel`] follows lm-evaluation-harness so that scores are comparable:
//! 1. trailing whitespace of the context moves to the front of the continuation
//!    (`"Topic:" + " travel"`, never `"Topic: " + "travel"`);
//! 2. `whole = encode(context + continuation)`, `ctx = encode(context)`, and the continuation
//!    tokens are `whole[len(ctx)..]` — the pair is encoded jointly and split at the context's
//!    own token length;
//! 3. BOS is prepended when the tokenizer config says so (Gemma: yes; SmolLM2: no). An empty
//!    context is replaced by BOS (or EOS when there is no BOS), as lm-eval's prefix token;
//! 4. a sequence longer than the window keeps its last `window + 1` tokens, and the result
//!    says how many context tokens were cut.
//!
//! ## Doing less work
//! A group's context and all its continuations run in one packed pass: context tokens are
//! visible to every continuation, each continuation only to itself, so the context is
//! computed once and the weights are read once per group. Consecutive groups whose contexts
//! share a token prefix (two questions over one Belebele passage) reuse the cached prefix.
//! The LM head is applied only to the rows that predict continuation tokens. Sequences are
//! never padded, and the kernels are batch-invariant, so a score does not depend on what else
//! is in the request list; groups are spread over the threads.

use std::path::Path;

use candle_core::{Device, Tensor};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::bf16_matrix;
use super::chat_template::ChatTemplate;
use super::config::ModelConfig;
use super::decoder::{rows, token_logprob, Decoder, ScoringPrecision, SHARED_SEQ};
use super::gguf::GgufFile;
use super::kv_cache::KvCache;
use super::resolve::{ModelFiles, WeightFiles};
use super::sampling;
use super::tokenizer::Tokenizer;
use super::weights::{TensorSource, Weights};
use super::{
    ChoiceGroup, FinishReason, GenerateRequest, Generation, LanguageModel, Loglikelihood,
    ModelInfo, Prompt, Sampling,
};
use kakugo_core::store::hash::sha256_file;
use kakugo_core::store::{Backend, Scoring};
use kakugo_core::{Error, Result};

pub struct CandleModel {
    decoder: Decoder,
    tokenizer: Tokenizer,
    chat_template: ChatTemplate,
    info: ModelInfo,
}

/// Context and continuation token ids of one scoring request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedPair {
    pub context: Vec<u32>,
    pub continuation: Vec<u32>,
}

impl CandleModel {
    /// Loads a model from its resolved files onto `device`.
    pub fn load(files: &ModelFiles, device: &Device) -> Result<CandleModel> {
        let (mut source, cfg, tokenizer, template_src, sha256, tokenizer_sha256) = match &files
            .weights
        {
            WeightFiles::Gguf(path) => {
                let gguf = GgufFile::open(path)?;
                let cfg = ModelConfig::from_gguf(&gguf)?;
                let (tokenizer, tok_sha) = match &files.tokenizer {
                    Some(t) => (
                        Tokenizer::from_file(t, files.tokenizer_config.as_deref())?,
                        sha256_file(t)?,
                    ),
                    None => (Tokenizer::from_gguf(&gguf)?, String::new()),
                };
                let template = match &files.tokenizer_config {
                    Some(c) => template_from_config(c)?,
                    None => gguf.opt_string("tokenizer.chat_template")?,
                };
                let sha = files.weights_sha256()?;
                let tok_sha = if tok_sha.is_empty() {
                    sha.clone()
                } else {
                    tok_sha
                };
                (
                    TensorSource::Gguf(gguf),
                    cfg,
                    tokenizer,
                    template,
                    sha,
                    tok_sha,
                )
            }
            WeightFiles::Safetensors(shards) => {
                let config = files.config.as_ref().ok_or_else(|| {
                    Error::model(format!(
                        "{}: safetensors weights need a config.json",
                        files.spec
                    ))
                })?;
                let cfg = ModelConfig::from_hf_config(config)?;
                let tok_path = files.tokenizer.as_ref().ok_or_else(|| {
                    Error::model(format!(
                        "{}: no tokenizer.json beside the safetensors weights",
                        files.spec
                    ))
                })?;
                let tokenizer = Tokenizer::from_file(tok_path, files.tokenizer_config.as_deref())?;
                let template = match &files.tokenizer_config {
                    Some(c) => template_from_config(c)?,
                    None => None,
                };
                let sha = files.weights_sha256()?;
                let source = TensorSource::open_safetensors(shards.clone())?;
                (
                    source,
                    cfg,
                    tokenizer,
                    template,
                    sha,
                    sha256_file(tok_path)?,
                )
            }
        };
        if tokenizer.vocab_size() > cfg.vocab_size {
            return Err(Error::model(format!(
                "{}: the tokenizer has {} tokens but the model's embedding has only {} rows: wrong tokenizer for this model?",
                files.spec,
                tokenizer.vocab_size(),
                cfg.vocab_size
            )));
        }
        let dtype = source.storage_dtype();
        let weights = Weights::load(&mut source, &cfg, device)?;
        let info = ModelInfo {
            name: files.name.clone(),
            spec: files.spec.clone(),
            sha256,
            tokenizer_sha256,
            backend: Backend::Candle,
            device: device_name(device),
            dtype: format!("{dtype} (computed in f32)"),
            architecture: cfg.architecture.name().into(),
            context_length: cfg.context_length,
            scoring: Scoring::Exact,
        };
        let token_text = |id: Option<u32>| {
            id.and_then(|i| tokenizer.decode(&[i]).ok())
                .unwrap_or_default()
        };
        let chat_template = ChatTemplate::new(
            template_src,
            token_text(tokenizer.bos()),
            token_text(tokenizer.stop_ids().first().copied()),
        );
        Ok(CandleModel {
            decoder: Decoder::new(cfg, weights, device.clone()),
            tokenizer,
            chat_template,
            info,
        })
    }

    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    pub fn decoder(&self) -> &Decoder {
        &self.decoder
    }

    pub fn chat_template(&self) -> &ChatTemplate {
        &self.chat_template
    }

    /// The lm-evaluation-harness token boundary (see the module docs).
    pub fn encode_pair(&self, context: &str, continuation: &str) -> Result<EncodedPair> {
        let (trimmed, continuation) = super::move_trailing_whitespace(context, continuation);
        let bos: Vec<u32> = self.tokenizer.bos_to_add().into_iter().collect();
        let ctx_ids = self.tokenizer.encode(trimmed)?;
        let whole = self.tokenizer.encode(&format!("{trimmed}{continuation}"))?;
        let cont_ids = whole[ctx_ids.len().min(whole.len())..].to_vec();
        let mut context_ids = bos;
        context_ids.extend_from_slice(&ctx_ids);
        if context_ids.is_empty() {
            let prefix = self
                .tokenizer
                .bos()
                .or_else(|| self.tokenizer.stop_ids().first().copied())
                .ok_or_else(|| {
                    Error::model("empty context and the tokenizer has neither BOS nor EOS")
                })?;
            context_ids.push(prefix);
        }
        Ok(EncodedPair {
            context: context_ids,
            continuation: cont_ids,
        })
    }

    fn score_group(&self, group: &ChoiceGroup, prefix: &mut Prefix) -> Result<Vec<Loglikelihood>> {
        let window = self.decoder.config().context_length;
        let pairs = group
            .continuations
            .iter()
            .map(|c| self.encode_pair(&group.context, c))
            .collect::<Result<Vec<_>>>()?;
        for (pair, text) in pairs.iter().zip(&group.continuations) {
            if pair.continuation.is_empty() {
                return Err(Error::model(format!(
                    "continuation {text:?} tokenizes to nothing after context {:?}",
                    truncate_for_message(&group.context)
                )));
            }
        }
        let fits = pairs
            .iter()
            .all(|p| p.context.len() + p.continuation.len() <= window + 1);
        if !fits {
            return pairs
                .iter()
                .map(|p| self.score_truncated(p, window))
                .collect();
        }
        let context = &pairs[0].context;
        // Reuse the longest cached prefix of the context (at least one token runs, so its
        // last hidden state exists).
        let reuse = match prefix {
            Some((cached, _)) => common_prefix(cached, context).min(context.len() - 1),
            None => 0,
        };
        let mut cache = match (&*prefix, reuse) {
            (Some((_, cache)), n) if n > 0 => cache.truncated(n)?,
            _ => KvCache::new(self.decoder.config().num_layers),
        };
        // One pass for the rest of the context and every continuation (but their last tokens,
        // which are only predicted): context tokens are shared, visible to all continuations;
        // each continuation sees the context and itself. Same keys in the same order as
        // running the context first and the continuations on its cache, so the same scores,
        // for one read of the weights instead of two.
        let mut tokens = context[reuse..].to_vec();
        let mut positions: Vec<usize> = (reuse..context.len()).collect();
        let mut seqs = vec![SHARED_SEQ; tokens.len()];
        for (c, pair) in pairs.iter().enumerate() {
            let cont = &pair.continuation;
            for (i, &t) in cont[..cont.len() - 1].iter().enumerate() {
                tokens.push(t);
                positions.push(context.len() + i);
                seqs.push(c as u32);
            }
        }
        let hidden = self
            .decoder
            .forward_packed(&tokens, &positions, &seqs, &mut cache)?;
        *prefix = Some((context.clone(), cache.truncated(context.len())?));
        let n_context = context.len() - reuse;
        let last = hidden.narrow(0, n_context - 1, 1)?;
        let packed = (tokens.len() > n_context)
            .then(|| hidden.narrow(0, n_context, tokens.len() - n_context))
            .transpose()?;
        // Rows that predict each continuation's tokens: the context's last token, then the
        // continuation's own tokens but the last.
        let mut row_parts = Vec::new();
        let mut start = 0;
        for pair in &pairs {
            row_parts.push(last.clone());
            let k = pair.continuation.len() - 1;
            if let (Some(p), true) = (&packed, k > 0) {
                row_parts.push(p.narrow(0, start, k)?);
            }
            start += k;
        }
        let hidden = Tensor::cat(&row_parts, 0)?;
        let logits = rows(&self.decoder.logits(&hidden)?)?;
        let mut out = Vec::with_capacity(pairs.len());
        let mut row = 0;
        for pair in &pairs {
            let m = pair.continuation.len();
            out.push(score_logit_rows(
                &logits[row..row + m],
                &pair.continuation,
                0,
            ));
            row += m;
        }
        Ok(out)
    }

    /// Scores one pair that does not fit the window: keep the last `window + 1` tokens.
    fn score_truncated(&self, pair: &EncodedPair, window: usize) -> Result<Loglikelihood> {
        let mut all = pair.context.clone();
        all.extend_from_slice(&pair.continuation);
        let cut = all.len().saturating_sub(window + 1);
        let kept = &all[cut..];
        let n_cont = pair.continuation.len().min(kept.len() - 1);
        let mut cache = KvCache::new(self.decoder.config().num_layers);
        let hidden = self.decoder.forward(&kept[..kept.len() - 1], &mut cache)?;
        let rows_from = hidden.dim(0)? - n_cont;
        let hidden = hidden.narrow(0, rows_from, n_cont)?;
        let cont = &kept[kept.len() - n_cont..];
        self.score_rows(&hidden, cont, cut)
    }

    fn score_rows(
        &self,
        hidden: &Tensor,
        targets: &[u32],
        truncated: usize,
    ) -> Result<Loglikelihood> {
        let logits = rows(&self.decoder.logits(hidden)?)?;
        Ok(score_logit_rows(&logits, targets, truncated))
    }

    /// Token ids of a prompt, with BOS when the model wants one and the chat template applied
    /// to chat prompts.
    pub fn prompt_ids(&self, prompt: &Prompt) -> Result<Vec<u32>> {
        let text = match prompt {
            Prompt::Text(t) => t.clone(),
            Prompt::Chat(messages) => self.chat_template.render(messages, true)?,
        };
        let mut ids: Vec<u32> = self.tokenizer.bos_to_add().into_iter().collect();
        // A template that writes BOS itself must not get a second one.
        let body = self.tokenizer.encode(&text)?;
        if !ids.is_empty() && body.first() == ids.first() {
            ids.clear();
        }
        ids.extend(body);
        Ok(ids)
    }

    fn generate_one(&mut self, req: &GenerateRequest) -> Result<Generation> {
        let window = self.decoder.config().context_length;
        let mut ids = self.prompt_ids(&req.prompt)?;
        let budget = window.saturating_sub(req.max_new_tokens).max(1);
        if ids.len() > budget {
            ids.drain(..ids.len() - budget);
        }
        let prompt_tokens = ids.len();
        let mut cache = KvCache::new(self.decoder.config().num_layers);
        let hidden = self.decoder.forward(&ids, &mut cache)?;
        let mut last = hidden.narrow(0, hidden.dim(0)? - 1, 1)?;
        let mut rng = match req.sampling {
            Sampling::Seeded { seed, .. } => Some(ChaCha8Rng::seed_from_u64(seed)),
            Sampling::Greedy => None,
        };
        let mut generated: Vec<u32> = Vec::new();
        let mut finish = FinishReason::Length;
        let mut text = String::new();
        while generated.len() < req.max_new_tokens && cache.len() < window {
            let logits = rows(&self.decoder.logits_fast(&last)?)?;
            let row = &logits[0];
            let next = match (&req.sampling, rng.as_mut()) {
                (
                    Sampling::Seeded {
                        temperature, top_p, ..
                    },
                    Some(r),
                ) => sampling::sample(row, *temperature, *top_p, r),
                _ => sampling::argmax(row),
            };
            if self.tokenizer.stop_ids().contains(&next) {
                finish = FinishReason::EndOfSequence;
                generated.push(next);
                break;
            }
            generated.push(next);
            text = self.tokenizer.decode(&generated)?;
            if let Some(cut) = first_stop(&text, &req.stop) {
                text.truncate(cut);
                finish = FinishReason::Stop;
                break;
            }
            if generated.len() == req.max_new_tokens {
                break;
            }
            last = self.decoder.forward_fast(&[next], &mut cache)?;
        }
        if finish == FinishReason::EndOfSequence {
            text = self.tokenizer.decode(&generated[..generated.len() - 1])?;
        }
        Ok(Generation {
            text,
            n_tokens: generated.len(),
            prompt_tokens,
            finish,
        })
    }
}

impl LanguageModel for CandleModel {
    fn info(&self) -> &ModelInfo {
        &self.info
    }

    /// Groups are split into one contiguous run per thread, each scored in order with its
    /// own prefix cache: the non-matrix work of a forward (norms, attention, element-wise ops)
    /// is single-threaded, so two groups at once use both cores. Every score is independent of
    /// how the groups were split (batch-invariant kernels), so this changes no bit.
    fn loglikelihood(&mut self, groups: &[ChoiceGroup]) -> Result<Vec<Vec<Loglikelihood>>> {
        use rayon::prelude::*;
        let per_thread = groups.len().div_ceil(rayon::current_num_threads()).max(1);
        let runs: Vec<Result<Vec<Vec<Loglikelihood>>>> = groups
            .par_chunks(per_thread)
            .map(|run| {
                let mut prefix = None;
                run.iter()
                    .map(|g| self.score_group(g, &mut prefix))
                    .collect()
            })
            .collect();
        let mut out = Vec::with_capacity(groups.len());
        for run in runs {
            out.extend(run?);
        }
        Ok(out)
    }

    /// Runs on a thread of the rayon pool: a decode step makes ~200 small parallel matrix
    /// products, and each one started from outside the pool would hand its work over and
    /// sleep on a lock; from inside, the step's own thread takes part and nobody sleeps.
    fn generate(&mut self, requests: &[GenerateRequest]) -> Result<Vec<Generation>> {
        let this = &mut *self;
        rayon::scope(move |_| requests.iter().map(|r| this.generate_one(r)).collect())
    }

    fn set_scoring_precision(&mut self, precision: ScoringPrecision) -> Result<()> {
        self.decoder.set_scoring_precision(precision);
        self.info.scoring = match precision {
            ScoringPrecision::Exact => Scoring::Exact,
            ScoringPrecision::Bf16 if bf16_matrix::uses_amx() => Scoring::Bf16Amx,
            ScoringPrecision::Bf16 => Scoring::Bf16Fma,
        };
        Ok(())
    }
}

/// Sums the log-probabilities of `targets`, one logit row per target.
fn score_logit_rows(logits: &[Vec<f32>], targets: &[u32], truncated: usize) -> Loglikelihood {
    let mut logprob = 0.0;
    let mut greedy = true;
    let mut token_logprobs = Vec::with_capacity(targets.len());
    for (row, &t) in logits.iter().zip(targets) {
        let (lp, is_max) = token_logprob(row, t);
        logprob += lp;
        greedy &= is_max;
        token_logprobs.push(lp);
    }
    Loglikelihood {
        logprob,
        n_tokens: targets.len(),
        is_greedy: greedy,
        token_ids: targets.to_vec(),
        token_logprobs,
        truncated_tokens: truncated,
    }
}

fn template_from_config(path: &Path) -> Result<Option<String>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Error::parse(path, e.line(), "chat_template", e.to_string()))?;
    Ok(json
        .get("chat_template")
        .and_then(|t| t.as_str())
        .map(str::to_string))
}

/// The context last run by one scoring thread, and its cache, for the next group's reuse.
type Prefix = Option<(Vec<u32>, KvCache)>;

fn common_prefix(a: &[u32], b: &[u32]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// Byte offset of the earliest stop string in `text`.
fn first_stop(text: &str, stops: &[String]) -> Option<usize> {
    stops
        .iter()
        .filter(|s| !s.is_empty())
        .filter_map(|s| text.find(s.as_str()))
        .min()
}

fn truncate_for_message(s: &str) -> String {
    let mut out: String = s
        .chars()
        .rev()
        .take(60)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    if out.len() < s.len() {
        out.insert(0, '…');
    }
    out
}

fn device_name(device: &Device) -> String {
    match device {
        Device::Cpu => "cpu".into(),
        Device::Cuda(_) => "cuda".into(),
        Device::Metal(_) => "metal".into(),
    }
}
