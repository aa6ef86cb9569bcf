//! LoRA supervised fine-tuning: SFT JSONL → adapter, merged model, GGUF, lineage record.
//!
//! The pieces, one concept each:
//! - [`data`]: SFT files (PolyglotTeachers-SFT schema or `{"messages": [...]}`), chat
//!   template rendering with an assistant-token mask, truncation, split, packing, schedule;
//! - [`forward`]: the differentiable decoder (llama family and Gemma 3) with LoRA;
//! - [`lora`]: adapters, seeded init and dropout; [`loss`]: chunked cross-entropy;
//! - [`optim`]: AdamW, warm-up + cosine schedule, gradient clipping;
//! - [`checkpoint`]: atomic checkpoints that resume exactly;
//! - [`export`]: PEFT adapter, merged checkpoint, GGUF; [`external`]: TRL/axolotl configs.
//!
//! [`train`] runs the whole loop; [`Trainer`] is one optimisation step at a time (tests and
//! the benchmark use it directly).
//!
//! One step: for each of its `grad_accum` micro-batches (packed examples, at most
//! `batch_tokens` tokens), run the forward with dropout seeded by (seed, step, micro-batch),
//! compute the summed assistant-token cross-entropy and its gradient in LM-head chunks, and
//! backpropagate through the model; then divide by the step's assistant-token count (so the
//! loss is a per-token mean over the whole step, as with one big batch), clip the global norm,
//! and take an AdamW step at the scheduled learning rate.

pub mod checkpoint;
pub mod config;
pub mod data;
pub mod export;
pub mod external;
pub mod forward;
pub mod lora;
pub mod loss;
pub mod optim;

use std::path::{Path, PathBuf};
use std::time::Instant;

use candle_core::{Tensor, Var};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use serde_json::json;

use data::{Encoded, MicroBatch, TooLong};
use export::GgufType;
use kakugo_core::store::atomic::write_atomic;
use kakugo_core::store::hash::sha256_bytes;
use kakugo_core::{Error, Result};
use kakugo_model::candle_backend::CandleModel;
use kakugo_model::gguf::GgufFile;
use kakugo_model::resolve::{self, WeightFiles};
use kakugo_model::{LanguageModel, ModelSpec};
use lora::{Lora, LoraConfig};
use optim::{AdamW, AdamWParams};

/// Everything `kakugo train` takes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrainOptions {
    /// Base model (path, `hf:ORG/NAME`, preset).
    pub base: ModelSpec,
    pub data: PathBuf,
    pub out: PathBuf,
    pub lora: LoraConfig,
    /// Peak learning rate.
    pub lr: f64,
    pub epochs: usize,
    /// Tokens per micro-batch (examples are packed up to this).
    pub batch_tokens: usize,
    pub grad_accum: usize,
    /// Warm-up as a fraction of all steps.
    pub warmup: f64,
    pub seed: u64,
    pub val_frac: f64,
    /// Checkpoint every this many steps (0: only at the end).
    pub checkpoint_every: usize,
    /// How this process starts, not what it trains: kept out of `lineage.json`, so a resumed
    /// run's lineage equals an uninterrupted one's.
    #[serde(skip)]
    pub resume: bool,
    pub max_len: usize,
    pub on_too_long: TooLong,
    pub max_grad_norm: f64,
    /// Stop after this many steps (the schedule still spans `max_steps`).
    pub max_steps: Option<usize>,
    pub export_gguf: Option<GgufType>,
    /// Show a progress bar (not recorded, like `resume`).
    #[serde(skip)]
    pub progress: bool,
}

impl TrainOptions {
    /// The defaults of `kakugo train` for `base`, `data` and `out`.
    pub fn new(base: &ModelSpec, data: &Path, out: &Path) -> TrainOptions {
        config::TrainConfig::default().options(base, data, out)
    }

    pub(crate) fn validate(&self) -> Result<()> {
        self.lora.validate()?;
        if self.lr.is_nan() || self.lr <= 0.0 {
            return Err(Error::usage("--lr must be positive"));
        }
        if self.epochs == 0 || self.grad_accum == 0 || self.max_len < 2 {
            return Err(Error::usage(
                "--epochs and --grad-accum must be at least 1, --max-len at least 2",
            ));
        }
        if self.batch_tokens < self.max_len {
            return Err(Error::usage_hint(
                format!(
                    "--batch-tokens {} is smaller than --max-len {}",
                    self.batch_tokens, self.max_len
                ),
                "a micro-batch must hold at least one example of --max-len tokens",
            ));
        }
        if !(0.0..1.0).contains(&self.val_frac) || !(0.0..1.0).contains(&self.warmup) {
            return Err(Error::usage("--val-frac and --warmup must be in [0, 1)"));
        }
        Ok(())
    }

    /// What must match for a checkpoint to be resumed.
    fn fingerprint(&self, base_sha: &str, data_sha: &str) -> String {
        let v = json!({
            "base": base_sha, "data": data_sha, "lora": self.lora, "lr": self.lr,
            "epochs": self.epochs, "batch_tokens": self.batch_tokens, "grad_accum": self.grad_accum,
            "warmup": self.warmup, "seed": self.seed, "val_frac": self.val_frac,
            "max_len": self.max_len, "on_too_long": self.on_too_long,
            "max_grad_norm": self.max_grad_norm, "max_steps": self.max_steps,
            "adamw": AdamWParams::default(),
        });
        sha256_bytes(v.to_string().as_bytes())
    }
}

/// One step's figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepStats {
    /// Mean assistant-token loss of the step (before the update).
    pub loss: f64,
    pub loss_tokens: usize,
    /// Tokens run through the model (packed, including prompts).
    pub tokens: usize,
    pub grad_norm: f64,
}

/// The model, its adapters and the optimizer.
pub struct Trainer<'m> {
    pub model: &'m CandleModel,
    pub lora: Lora,
    pub opt: AdamW,
    seed: u64,
}

impl<'m> Trainer<'m> {
    /// Fresh adapters on `model`, initialised from `seed`.
    pub fn new(model: &'m CandleModel, cfg: &LoraConfig, seed: u64) -> Result<Trainer<'m>> {
        let dec = model.decoder();
        let lora = Lora::init(cfg, dec.config(), seed, dec.device())?;
        let opt = AdamW::new(&vars(&lora), AdamWParams::default())?;
        Ok(Trainer {
            model,
            lora,
            opt,
            seed,
        })
    }

    /// Summed loss, assistant-token count, packed token count and summed gradients (one per
    /// LoRA parameter, in [`Lora::params`] order) of `batches`; dropout seeded by `step`.
    pub fn gradients(
        &self,
        batches: &[MicroBatch],
        step: usize,
    ) -> Result<(f64, usize, usize, Vec<Tensor>)> {
        let vars = vars(&self.lora);
        let mut sums: Vec<Tensor> = vars
            .iter()
            .map(|v| v.as_tensor().zeros_like())
            .collect::<candle_core::Result<_>>()?;
        let (mut loss, mut n_loss, mut n_tokens) = (0f64, 0usize, 0usize);
        let dec = self.model.decoder();
        for (j, mb) in batches.iter().enumerate() {
            n_tokens += mb.packed.tokens.len();
            if mb.rows.is_empty() {
                continue;
            }
            let mut rng = dropout_rng(self.seed, step, j);
            let h = forward::hidden_states(dec, &mb.packed, Some(&self.lora), Some(&mut rng))?;
            let rows = Tensor::new(mb.rows.as_slice(), dec.device())?;
            let h = h.index_select(&rows, 0)?;
            let (l, g) = loss::chunked_cross_entropy(
                &h,
                &dec.weights().lm_head,
                &mb.targets,
                loss::DEFAULT_CHUNK,
                true,
            )?;
            loss += l;
            n_loss += mb.targets.len();
            let surrogate = (h * g.expect("asked for the gradient"))?.sum_all()?;
            let grads = surrogate.backward()?;
            for (s, v) in sums.iter_mut().zip(&vars) {
                if let Some(g) = grads.get(v.as_tensor()) {
                    *s = (&*s + g)?;
                }
            }
        }
        Ok((loss, n_loss, n_tokens, sums))
    }

    /// One optimisation step over `batches` at learning rate `lr`.
    pub fn step(
        &mut self,
        batches: &[MicroBatch],
        step: usize,
        lr: f64,
        max_grad_norm: f64,
    ) -> Result<StepStats> {
        let (loss, n_loss, tokens, sums) = self.gradients(batches, step)?;
        if n_loss == 0 {
            return Err(Error::model(format!(
                "step {step} has no assistant tokens to train on"
            )));
        }
        let mut grads = sums
            .into_iter()
            .map(|g| g / n_loss as f64)
            .collect::<candle_core::Result<Vec<_>>>()?;
        let grad_norm = optim::clip_grad_norm(&mut grads, max_grad_norm)?;
        let vars = vars(&self.lora);
        self.opt.step(&vars, &grads, lr)?;
        Ok(StepStats {
            loss: loss / n_loss as f64,
            loss_tokens: n_loss,
            tokens,
            grad_norm,
        })
    }

    /// Mean assistant-token loss over `batches`, without dropout or gradients.
    pub fn eval_loss(&self, batches: &[MicroBatch]) -> Result<f64> {
        let dec = self.model.decoder();
        let (mut loss, mut n) = (0f64, 0usize);
        for mb in batches.iter().filter(|mb| !mb.rows.is_empty()) {
            let h = forward::hidden_states(dec, &mb.packed, Some(&self.lora), None)?;
            let rows = Tensor::new(mb.rows.as_slice(), dec.device())?;
            let h = h.index_select(&rows, 0)?;
            let (l, _) = loss::chunked_cross_entropy(
                &h,
                &dec.weights().lm_head,
                &mb.targets,
                loss::DEFAULT_CHUNK,
                false,
            )?;
            loss += l;
            n += mb.targets.len();
        }
        Ok(if n == 0 { f64::NAN } else { loss / n as f64 })
    }
}

fn vars(lora: &Lora) -> Vec<&Var> {
    lora.params().into_iter().map(|(_, v)| v).collect()
}

/// Dropout masks of micro-batch `j` of step `step`: a pure function of the run's seed, so a
/// resumed run draws the same masks.
fn dropout_rng(seed: u64, step: usize, j: usize) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xd209_0a7e);
    rng.set_stream(((step as u64) << 16) | j as u64);
    rng
}

/// What a finished run reports (also the core of `lineage.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrainSummary {
    pub steps: usize,
    /// How this process got there (a resumed run ends with the same weights and losses), so
    /// it stays out of `lineage.json` too.
    #[serde(skip)]
    pub resumed_from: Option<usize>,
    pub first_train_loss: Option<f64>,
    pub final_train_loss: Option<f64>,
    /// Validation loss of the base model (before step 1) and after the last step.
    pub initial_val_loss: Option<f64>,
    pub final_val_loss: Option<f64>,
    pub train_losses: Vec<f64>,
    pub val_losses: Vec<(usize, f64)>,
    /// Wall-clock throughput: printed and logged, but kept out of `lineage.json`, which run
    /// records copy and which must be the same bytes for the same inputs.
    #[serde(skip)]
    pub tokens_per_second: f64,
    pub data: data::EncodeStats,
    pub train_examples: usize,
    pub val_examples: usize,
    pub trainable_parameters: usize,
    pub out: PathBuf,
}

/// Runs `kakugo train`: data → steps (with checkpoints) → adapter, merged model, GGUF,
/// lineage.
pub fn train(opts: &TrainOptions) -> Result<TrainSummary> {
    opts.validate()?;
    let latest = checkpoint::checkpoints_dir(&opts.out).join("latest.json");
    if opts.resume && !latest.is_file() {
        return Err(Error::usage_hint(
            format!("--resume: {} has no checkpoint", opts.out.display()),
            "drop --resume to start a new run",
        ));
    }
    if !opts.resume && latest.is_file() {
        return Err(Error::usage_hint(
            format!("{} already holds a training run", opts.out.display()),
            "pass --resume to continue it, or choose another --out",
        ));
    }
    let files = resolve::resolve(&opts.base)?;
    let device = candle_core::Device::Cpu;
    tracing::info!(base = %opts.base, "loading the base model (weights dequantised to f32)");
    let model = CandleModel::load(&files, &device)?;
    let examples = data::read_sft(&opts.data)?;
    // Split before encoding, so the held-out examples do not depend on the tokenizer or on
    // which examples are too long (`--export trl|axolotl` writes the same split).
    let (train_ex, val_ex) = data::split(examples, opts.val_frac, opts.seed);
    let encode = |ex: &[data::SftExample]| {
        data::encode_all(
            &opts.data,
            ex,
            model.tokenizer(),
            model.chat_template(),
            opts.max_len,
            opts.on_too_long,
        )
    };
    let (train_set, mut stats) = encode(&train_ex)?;
    let val_set = if val_ex.is_empty() {
        Vec::new()
    } else {
        let (v, vs) = encode(&val_ex)?;
        stats.examples += vs.examples;
        stats.truncated += vs.truncated;
        stats.dropped += vs.dropped;
        stats.tokens += vs.tokens;
        stats.loss_tokens += vs.loss_tokens;
        v
    };
    tracing::info!(
        examples = stats.examples,
        truncated = stats.truncated,
        dropped = stats.dropped,
        tokens = stats.tokens,
        loss_tokens = stats.loss_tokens,
        chat_template = if model.chat_template().is_models_own {
            "model's own"
        } else {
            "built-in ChatML"
        },
        "data encoded"
    );
    let mut plan = data::schedule(
        &train_set,
        opts.epochs,
        opts.batch_tokens,
        opts.grad_accum,
        opts.seed,
    );
    if let Some(m) = opts.max_steps {
        plan.truncate(m);
    }
    let total = plan.len();
    let warmup = (opts.warmup * total as f64).ceil() as usize;
    let val_refs: Vec<&Encoded> = val_set.iter().collect();
    let val_batches = data::pack(&val_refs, opts.batch_tokens);
    let (data_sha, manifest_path, manifest) = data::data_identity(&opts.data)?;
    let fingerprint = opts.fingerprint(&model.info().sha256, &data_sha);

    let mut trainer = Trainer::new(&model, &opts.lora, opts.seed)?;
    let mut state = checkpoint::CheckpointState {
        step: 0,
        fingerprint: fingerprint.clone(),
        train_losses: Vec::new(),
        val_losses: Vec::new(),
        tensors_sha256: String::new(),
    };
    let mut resumed_from = None;
    if opts.resume {
        let s = checkpoint::load_latest(&opts.out, &fingerprint, &trainer.lora, &mut trainer.opt)?
            .expect("latest.json exists");
        tracing::info!(step = s.step, "resumed from checkpoint");
        resumed_from = Some(s.step);
        state = s;
    }
    if state.step == 0 && !val_batches.is_empty() {
        let v = trainer.eval_loss(&val_batches)?;
        tracing::info!(val_loss = v, "validation loss of the base model");
        state.val_losses.push((0, v));
    }
    tracing::info!(
        steps = total,
        warmup,
        train = train_set.len(),
        val = val_set.len(),
        params = trainer.lora.num_params(),
        "training"
    );
    let bar = if opts.progress {
        indicatif::ProgressBar::new(total as u64)
    } else {
        indicatif::ProgressBar::hidden()
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{bar:30} {pos}/{len} steps  {msg}  [{elapsed_precise} < {eta_precise}]",
        )
        .expect("static template"),
    );
    bar.set_position(state.step as u64);
    let started = Instant::now();
    let mut tokens_done = 0usize;
    for (s, batches) in plan.iter().enumerate().skip(state.step) {
        let lr = optim::lr_at(s, total, warmup, opts.lr);
        let st = trainer.step(batches, s, lr, opts.max_grad_norm)?;
        tokens_done += st.tokens;
        state.train_losses.push(st.loss);
        state.step = s + 1;
        let tps = tokens_done as f64 / started.elapsed().as_secs_f64().max(1e-9);
        bar.set_message(format!(
            "loss {:.4}  {:.0} tok/s  lr {:.2e}",
            st.loss, tps, lr
        ));
        bar.inc(1);
        tracing::debug!(
            step = s + 1,
            loss = st.loss,
            lr,
            grad_norm = st.grad_norm,
            tokens = st.tokens,
            "step"
        );
        let at_checkpoint = opts.checkpoint_every > 0 && (s + 1) % opts.checkpoint_every == 0;
        if at_checkpoint || s + 1 == total {
            if !val_batches.is_empty() {
                let v = trainer.eval_loss(&val_batches)?;
                state.val_losses.push((s + 1, v));
                bar.println(format!(
                    "step {}: train loss {:.4}, val loss {:.4}",
                    s + 1,
                    st.loss,
                    v
                ));
            }
            let dir = checkpoint::save(&opts.out, &trainer.lora, &trainer.opt, state.clone())?;
            tracing::debug!(dir = %dir.display(), "checkpoint written");
        }
    }
    bar.finish_and_clear();
    let elapsed = started.elapsed().as_secs_f64();

    // Artefacts.
    let base_name = match &files.weights {
        WeightFiles::Gguf(p) => p.display().to_string(),
        WeightFiles::Safetensors(_) => opts.base.hf_name(),
    };
    export::write_peft_adapter(&model, &trainer.lora, &opts.out.join("adapter"), &base_name)?;
    let merged = export::merged_weights(&model, &trainer.lora)?;
    let merged_dir = opts.out.join("merged");
    let tmp_dir = opts.out.join(format!(".merged.tmp{}", std::process::id()));
    export::write_merged(&model, &merged, &tmp_dir)?;
    if let Some(ty) = opts.export_gguf {
        let base_gguf = match &files.weights {
            WeightFiles::Gguf(p) => Some(GgufFile::open(p)?),
            WeightFiles::Safetensors(_) => None,
        };
        let path = opts
            .out
            .join("gguf")
            .join(format!("model-{}.gguf", ty.name()));
        export::write_gguf(&model, &merged, base_gguf.as_ref(), ty, &path)?;
    }
    let summary = TrainSummary {
        steps: state.step,
        resumed_from,
        first_train_loss: state.train_losses.first().copied(),
        final_train_loss: state.train_losses.last().copied(),
        initial_val_loss: state.val_losses.first().map(|v| v.1),
        final_val_loss: state.val_losses.last().map(|v| v.1),
        train_losses: state.train_losses.clone(),
        val_losses: state.val_losses.clone(),
        tokens_per_second: if elapsed > 0.0 {
            tokens_done as f64 / elapsed
        } else {
            0.0
        },
        data: stats,
        train_examples: train_set.len(),
        val_examples: val_set.len(),
        trainable_parameters: trainer.lora.num_params(),
        out: opts.out.clone(),
    };
    let lineage = json!({
        "kind": "kakugo.lineage",
        "kakugo_version": env!("CARGO_PKG_VERSION"),
        "base_model": model.info(),
        "data": {
            "path": opts.data,
            "sha256": data_sha,
            "manifest_path": manifest_path,
            "manifest": manifest,
        },
        "chat_template": {
            "models_own": model.chat_template().is_models_own,
            "sha256": sha256_bytes(model.chat_template().source().as_bytes()),
        },
        "hyper_parameters": opts,
        "adamw": AdamWParams::default(),
        "warmup_steps": warmup,
        "total_steps": total,
        "fingerprint": fingerprint,
        "result": summary,
    });
    let mut bytes = serde_json::to_vec_pretty(&lineage).expect("json");
    bytes.push(b'\n');
    write_atomic(&tmp_dir.join("lineage.json"), &bytes)?;
    if merged_dir.exists() {
        std::fs::remove_dir_all(&merged_dir).map_err(|e| Error::io(&merged_dir, e))?;
    }
    std::fs::rename(&tmp_dir, &merged_dir).map_err(|e| Error::io(&merged_dir, e))?;
    write_atomic(&opts.out.join("lineage.json"), &bytes)?;
    tracing::info!(
        steps = summary.steps,
        train_loss = ?summary.final_train_loss,
        val_loss = ?summary.final_val_loss,
        tokens_per_s = summary.tokens_per_second,
        out = %opts.out.display(),
        "done"
    );
    Ok(summary)
}
