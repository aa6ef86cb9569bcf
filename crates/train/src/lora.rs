//! LoRA adapters: `W x + (alpha / r) · B A dropout(x)` on chosen projections.
//!
//! As in PEFT: `A` (`[r, in]`) starts Kaiming-uniform with `a = sqrt(5)`, i.e. uniform in
//! `±1/sqrt(in)`, `B` (`[out, r]`) starts at zero, so the adapted model equals the base model
//! before the first step. Initialisation and dropout masks come from explicit seeds
//! (ChaCha8), never from a thread RNG, so a run is reproducible bit for bit.
//!
//! ```
//! use kakugo_train::lora::{LoraConfig, Target};
//! let cfg = LoraConfig::new(8, 16.0, 0.05, &Target::parse_list("q,v").unwrap());
//! assert_eq!(cfg.scale(), 2.0);
//! ```
//!
//! Adapters live in the layout of the loaded weights: for llama-family GGUF files that means
//! Q/K rows permuted for interleaved RoPE, which the PEFT export undoes
//! (`crate::export`).

use candle_core::{DType, Device, Tensor, Var};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use kakugo_core::{Error, Result};
use kakugo_model::config::ModelConfig;

/// A projection LoRA can adapt, in the order kakugo lists them everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    Q,
    K,
    V,
    O,
    Gate,
    Up,
    Down,
}

impl Target {
    pub const ALL: [Target; 7] = [
        Target::Q,
        Target::K,
        Target::V,
        Target::O,
        Target::Gate,
        Target::Up,
        Target::Down,
    ];

    /// Short name, as the CLI spells it (`q`, `gate`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Target::Q => "q",
            Target::K => "k",
            Target::V => "v",
            Target::O => "o",
            Target::Gate => "gate",
            Target::Up => "up",
            Target::Down => "down",
        }
    }

    /// The Hugging Face module path inside a layer (`self_attn.q_proj`).
    pub fn hf_module(self) -> &'static str {
        match self {
            Target::Q => "self_attn.q_proj",
            Target::K => "self_attn.k_proj",
            Target::V => "self_attn.v_proj",
            Target::O => "self_attn.o_proj",
            Target::Gate => "mlp.gate_proj",
            Target::Up => "mlp.up_proj",
            Target::Down => "mlp.down_proj",
        }
    }

    /// PEFT's `target_modules` entry (`q_proj`).
    pub fn peft_name(self) -> &'static str {
        self.hf_module().rsplit('.').next().expect("dotted")
    }

    /// Parses `q,v` or `all`; also accepts the PEFT names (`q_proj`).
    pub fn parse_list(text: &str) -> Result<Vec<Target>> {
        if text.trim() == "all" {
            return Ok(Target::ALL.to_vec());
        }
        let mut out = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let t = Target::ALL
                .into_iter()
                .find(|t| t.name() == part || t.peft_name() == part)
                .ok_or_else(|| {
                    Error::usage_hint(
                        format!("unknown LoRA target `{part}`"),
                        "targets are q, k, v, o, gate, up, down (or all), comma-separated",
                    )
                })?;
            if !out.contains(&t) {
                out.push(t);
            }
        }
        if out.is_empty() {
            return Err(Error::usage("no LoRA targets given"));
        }
        out.sort();
        Ok(out)
    }

    /// `[out, in]` of this projection.
    pub fn shape(self, cfg: &ModelConfig) -> (usize, usize) {
        let (h, f) = (cfg.hidden_size, cfg.intermediate_size);
        let (q, kv) = (
            cfg.num_heads * cfg.head_dim,
            cfg.num_kv_heads * cfg.head_dim,
        );
        match self {
            Target::Q => (q, h),
            Target::K | Target::V => (kv, h),
            Target::O => (h, q),
            Target::Gate | Target::Up => (f, h),
            Target::Down => (h, f),
        }
    }
}

/// Adapter hyper-parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoraConfig {
    pub rank: usize,
    pub alpha: f64,
    pub dropout: f64,
    pub targets: Vec<Target>,
}

impl LoraConfig {
    pub fn new(rank: usize, alpha: f64, dropout: f64, targets: &[Target]) -> LoraConfig {
        LoraConfig {
            rank,
            alpha,
            dropout,
            targets: targets.to_vec(),
        }
    }

    /// `alpha / rank`, PEFT's scaling (without rsLoRA).
    pub fn scale(&self) -> f64 {
        self.alpha / self.rank as f64
    }

    pub fn validate(&self) -> Result<()> {
        if self.rank == 0 {
            return Err(Error::usage("--rank must be at least 1"));
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return Err(Error::usage(format!(
                "--dropout must be in [0, 1), got {}",
                self.dropout
            )));
        }
        Ok(())
    }
}

/// One adapted projection.
pub struct LoraPair {
    /// `[r, in]`.
    pub a: Var,
    /// `[out, r]`.
    pub b: Var,
}

/// All adapters of a model: `layers[i]` holds one pair per target, in `Target` order.
pub struct Lora {
    pub cfg: LoraConfig,
    pub layers: Vec<Vec<(Target, LoraPair)>>,
}

impl Lora {
    /// Fresh adapters: A Kaiming-uniform from `seed`, B zero.
    pub fn init(cfg: &LoraConfig, model: &ModelConfig, seed: u64, device: &Device) -> Result<Lora> {
        cfg.validate()?;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut layers = Vec::with_capacity(model.num_layers);
        for _ in 0..model.num_layers {
            let mut pairs = Vec::new();
            for &t in &cfg.targets {
                let (out, inp) = t.shape(model);
                let bound = 1.0 / (inp as f32).sqrt();
                let a: Vec<f32> = (0..cfg.rank * inp)
                    .map(|_| rng.gen_range(-bound..bound))
                    .collect();
                let a = Var::from_tensor(&Tensor::from_vec(a, (cfg.rank, inp), device)?)?;
                let b = Var::zeros((out, cfg.rank), DType::F32, device)?;
                pairs.push((t, LoraPair { a, b }));
            }
            layers.push(pairs);
        }
        Ok(Lora {
            cfg: cfg.clone(),
            layers,
        })
    }

    /// Every trainable tensor with a stable name (`layers.3.q.lora_A`), in a fixed order.
    pub fn params(&self) -> Vec<(String, &Var)> {
        let mut out = Vec::new();
        for (i, pairs) in self.layers.iter().enumerate() {
            for (t, p) in pairs {
                out.push((format!("layers.{i}.{}.lora_A", t.name()), &p.a));
                out.push((format!("layers.{i}.{}.lora_B", t.name()), &p.b));
            }
        }
        out
    }

    /// Number of trainable scalars.
    pub fn num_params(&self) -> usize {
        self.params().iter().map(|(_, v)| v.elem_count()).sum()
    }

    pub fn get(&self, layer: usize, target: Target) -> Option<&LoraPair> {
        self.layers[layer]
            .iter()
            .find(|(t, _)| *t == target)
            .map(|(_, p)| p)
    }

    /// The adapter's contribution for input `x` (`[n, in]`): `scale · dropout(x) Aᵀ Bᵀ`.
    /// `dropout` is `Some(rng)` while training, `None` for evaluation.
    pub fn delta(
        &self,
        layer: usize,
        target: Target,
        x: &Tensor,
        dropout: Option<&mut ChaCha8Rng>,
    ) -> Result<Option<Tensor>> {
        let Some(pair) = self.get(layer, target) else {
            return Ok(None);
        };
        let p = self.cfg.dropout;
        let x = match dropout {
            Some(rng) if p > 0.0 => {
                let keep = 1.0 / (1.0 - p) as f32;
                let mask: Vec<f32> = (0..x.elem_count())
                    .map(|_| if rng.gen::<f64>() < p { 0.0 } else { keep })
                    .collect();
                (x * Tensor::from_vec(mask, x.shape(), x.device())?)?
            }
            _ => x.clone(),
        };
        let y = x
            .matmul(&pair.a.as_tensor().t()?)?
            .matmul(&pair.b.as_tensor().t()?)?;
        Ok(Some((y * self.cfg.scale())?))
    }

    /// `scale · B A` (`[out, in]`), the update merged into the base weight.
    pub fn merged_delta(&self, layer: usize, target: Target) -> Result<Option<Tensor>> {
        let Some(pair) = self.get(layer, target) else {
            return Ok(None);
        };
        Ok(Some(
            (pair.b.as_tensor().matmul(pair.a.as_tensor())? * self.cfg.scale())?,
        ))
    }
}
