//! Architecture hyper-parameters, read from GGUF metadata or a Hugging Face `config.json`.
//!
//! One [`ModelConfig`] describes every decoder kakugo runs: the llama family (Llama 2/3,
//! SmolLM, Qwen 2/2.5 — which adds q/k/v biases) and Gemma 3. The differences between them
//! are flags here, not separate decoders: norm weight offset, embedding scale, q/k norms,
//! post-sub-layer norms, activation, RoPE layout, sliding-window layers.

use std::path::Path;

use serde::Deserialize;

use super::gguf::GgufFile;
use kakugo_core::{Error, Result};

/// The decoder families kakugo implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Architecture {
    /// Llama, SmolLM, Mistral-style dense decoders; Qwen 2/2.5 (with q/k/v biases).
    Llama,
    /// Gemma 3 text decoders.
    Gemma3,
}

impl Architecture {
    pub fn name(self) -> &'static str {
        match self {
            Architecture::Llama => "llama",
            Architecture::Gemma3 => "gemma3",
        }
    }
}

/// How rotary embeddings pair dimensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RopeLayout {
    /// Adjacent pairs (2i, 2i+1): llama-architecture GGUF files, whose Q/K rows llama.cpp's
    /// converter permuted for this layout.
    Interleaved,
    /// Halves (i, i + d/2): Hugging Face checkpoints, and GGUF Gemma/Qwen.
    Halves,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ModelConfig {
    pub architecture: Architecture,
    pub hidden_size: usize,
    pub intermediate_size: usize,
    pub num_layers: usize,
    pub num_heads: usize,
    pub num_kv_heads: usize,
    pub head_dim: usize,
    pub vocab_size: usize,
    pub rms_norm_eps: f64,
    /// RoPE base of global (full-attention) layers.
    pub rope_theta: f64,
    /// RoPE base of sliding-window layers (Gemma 3: 10,000).
    pub rope_theta_local: f64,
    pub rope_layout: RopeLayout,
    /// Per-frequency divisors (llama3 rope scaling); empty when unscaled.
    pub rope_freq_factors: Vec<f64>,
    /// Linear RoPE scaling of global layers (positions divided by this); 1.0 when unscaled.
    pub rope_linear_factor: f64,
    /// Sliding-window size for local layers; `None` for models without them.
    pub sliding_window: Option<usize>,
    /// Every `n`-th layer (1-based) is global, the others sliding (Gemma 3: 6).
    pub sliding_window_pattern: usize,
    /// Maximum context in tokens.
    pub context_length: usize,
    /// Attention logits scale (1/sqrt(head_dim) unless the model says otherwise).
    pub attention_scale: f64,
    /// Multiply embeddings by sqrt(hidden_size) (Gemma).
    pub scale_embeddings: bool,
    /// Norm weights are stored as w - 1 and applied as (1 + w) (Hugging Face Gemma; GGUF
    /// Gemma files have the 1 already added by llama.cpp's converter).
    pub norm_weight_offset: f64,
    /// GELU-tanh MLP gate (Gemma) instead of SiLU (llama).
    pub gelu_gate: bool,
    /// Q and K RMS norms per head (Gemma 3).
    pub qk_norm: bool,
    /// Norms after attention and MLP, before the residual add (Gemma 2/3).
    pub post_norms: bool,
    /// Q/K/V projections have biases (Qwen 2).
    pub qkv_bias: bool,
}

impl ModelConfig {
    /// Whether layer `index` (0-based) uses the sliding window.
    pub fn is_sliding(&self, index: usize) -> bool {
        self.sliding_window.is_some() && !(index + 1).is_multiple_of(self.sliding_window_pattern)
    }

    /// Reads the configuration from GGUF metadata (llama.cpp's key names).
    pub fn from_gguf(gguf: &GgufFile) -> Result<ModelConfig> {
        let arch_name = gguf.string("general.architecture")?;
        let architecture = match arch_name.as_str() {
            "llama" | "qwen2" | "mistral" => Architecture::Llama,
            "gemma3" => Architecture::Gemma3,
            other => {
                return Err(Error::file(
                    gguf.path(),
                    format!("unsupported architecture `{other}` (kakugo runs llama, qwen2, mistral and gemma3)"),
                ))
            }
        };
        let a = arch_name.as_str();
        let key = |k: &str| format!("{a}.{k}");
        let hidden_size = gguf.u64(&key("embedding_length"))? as usize;
        let num_heads = gguf.u64(&key("attention.head_count"))? as usize;
        let num_kv_heads = gguf
            .opt_u64(&key("attention.head_count_kv"))?
            .map(|v| v as usize)
            .unwrap_or(num_heads);
        let head_dim = gguf
            .opt_u64(&key("attention.key_length"))?
            .map(|v| v as usize)
            .unwrap_or(hidden_size / num_heads);
        let vocab_size = match gguf.opt_u64(&key("vocab_size"))? {
            Some(v) => v as usize,
            None => gguf.string_array("tokenizer.ggml.tokens")?.len(),
        };
        let gemma = architecture == Architecture::Gemma3;
        let rope_theta = gguf.opt_f64(&key("rope.freq_base"))?.unwrap_or(10_000.0);
        let rope_linear_factor = match gguf.opt_string(&key("rope.scaling.type"))?.as_deref() {
            Some("linear") => gguf.opt_f64(&key("rope.scaling.factor"))?.unwrap_or(1.0),
            _ => 1.0,
        };
        let sliding_window = if gemma {
            gguf.opt_u64(&key("attention.sliding_window"))?
                .map(|v| v as usize)
        } else {
            None
        };
        Ok(ModelConfig {
            architecture,
            hidden_size,
            intermediate_size: gguf.u64(&key("feed_forward_length"))? as usize,
            num_layers: gguf.u64(&key("block_count"))? as usize,
            num_heads,
            num_kv_heads,
            head_dim,
            vocab_size,
            rms_norm_eps: gguf.f64(&key("attention.layer_norm_rms_epsilon"))?,
            rope_theta,
            // llama.cpp hard-codes 10,000 for Gemma 3's local layers; the GGUF has no key.
            rope_theta_local: if gemma { 10_000.0 } else { rope_theta },
            rope_layout: if a == "llama" || a == "mistral" {
                RopeLayout::Interleaved
            } else {
                RopeLayout::Halves
            },
            rope_freq_factors: Vec::new(),
            rope_linear_factor,
            sliding_window,
            sliding_window_pattern: if gemma { 6 } else { 1 },
            context_length: gguf.u64(&key("context_length"))? as usize,
            attention_scale: 1.0 / (head_dim as f64).sqrt(),
            scale_embeddings: gemma,
            norm_weight_offset: 0.0,
            gelu_gate: gemma,
            qk_norm: gemma,
            post_norms: gemma,
            qkv_bias: gguf.has_tensor("blk.0.attn_q.bias"),
        })
    }

    /// Reads a Hugging Face `config.json`.
    pub fn from_hf_config(path: &Path) -> Result<ModelConfig> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let raw: HfConfig = serde_json::from_str(&text)
            .map_err(|e| Error::parse(path, e.line(), "config", e.to_string()))?;
        let architecture = match raw.model_type.as_str() {
            "llama" | "qwen2" | "mistral" => Architecture::Llama,
            "gemma3_text" | "gemma3" => Architecture::Gemma3,
            other => {
                return Err(Error::parse(
                    path,
                    1,
                    "model_type",
                    format!("unsupported architecture `{other}` (kakugo runs llama, qwen2, mistral, gemma3_text)"),
                ))
            }
        };
        // Multimodal Gemma 3 nests the text config.
        let raw = match raw.text_config {
            Some(text) => *text,
            None => raw,
        };
        let gemma = architecture == Architecture::Gemma3;
        let missing = |field: &str| Error::parse(path, 1, field, "required field is missing");
        let hidden_size = raw.hidden_size.ok_or_else(|| missing("hidden_size"))?;
        let num_heads = raw
            .num_attention_heads
            .ok_or_else(|| missing("num_attention_heads"))?;
        let head_dim = raw.head_dim.unwrap_or(hidden_size / num_heads);
        let rope_theta = raw
            .rope_theta
            .or(raw.rope_parameters.as_ref().and_then(|r| r.rope_theta))
            .unwrap_or(if gemma { 1_000_000.0 } else { 10_000.0 });
        let scaling = raw.rope_scaling.clone().or(raw.rope_parameters.clone());
        let mut rope_freq_factors = Vec::new();
        let mut rope_linear_factor = 1.0;
        if let Some(s) = &scaling {
            match s.rope_type.as_deref().or(s.r#type.as_deref()) {
                Some("llama3") => {
                    rope_freq_factors = llama3_freq_factors(s, head_dim, rope_theta);
                }
                Some("linear") => rope_linear_factor = s.factor.unwrap_or(1.0),
                _ => {}
            }
        }
        let sliding_window_pattern = match (&raw.layer_types, raw.sliding_window_pattern) {
            (Some(types), _) => types
                .iter()
                .position(|t| t == "full_attention")
                .map(|i| i + 1)
                .unwrap_or(usize::MAX),
            (None, Some(p)) => p,
            (None, None) => 6,
        };
        Ok(ModelConfig {
            architecture,
            hidden_size,
            intermediate_size: raw
                .intermediate_size
                .ok_or_else(|| missing("intermediate_size"))?,
            num_layers: raw
                .num_hidden_layers
                .ok_or_else(|| missing("num_hidden_layers"))?,
            num_heads,
            num_kv_heads: raw.num_key_value_heads.unwrap_or(num_heads),
            head_dim,
            vocab_size: raw.vocab_size.ok_or_else(|| missing("vocab_size"))?,
            rms_norm_eps: raw.rms_norm_eps.unwrap_or(1e-6),
            rope_theta,
            rope_theta_local: raw.rope_local_base_freq.unwrap_or(if gemma {
                10_000.0
            } else {
                rope_theta
            }),
            rope_layout: RopeLayout::Halves,
            rope_freq_factors,
            rope_linear_factor,
            sliding_window: if gemma { raw.sliding_window } else { None },
            sliding_window_pattern: if gemma { sliding_window_pattern } else { 1 },
            context_length: raw.max_position_embeddings.unwrap_or(2048),
            attention_scale: 1.0 / raw.query_pre_attn_scalar.unwrap_or(head_dim as f64).sqrt(),
            scale_embeddings: gemma,
            norm_weight_offset: if gemma { 1.0 } else { 0.0 },
            gelu_gate: gemma,
            qk_norm: gemma,
            post_norms: gemma,
            qkv_bias: raw.model_type == "qwen2" || raw.attention_bias.unwrap_or(false),
        })
    }
}

/// Llama 3.1's wavelength-dependent RoPE scaling, as per-frequency divisors.
fn llama3_freq_factors(s: &RopeScaling, head_dim: usize, theta: f64) -> Vec<f64> {
    let factor = s.factor.unwrap_or(8.0);
    let low = s.low_freq_factor.unwrap_or(1.0);
    let high = s.high_freq_factor.unwrap_or(4.0);
    let original = s.original_max_position_embeddings.unwrap_or(8192) as f64;
    let low_wavelen = original / low;
    let high_wavelen = original / high;
    (0..head_dim / 2)
        .map(|i| {
            let freq = 1.0 / theta.powf(2.0 * i as f64 / head_dim as f64);
            let wavelen = 2.0 * std::f64::consts::PI / freq;
            if wavelen < high_wavelen {
                1.0
            } else if wavelen > low_wavelen {
                factor
            } else {
                let smooth = (original / wavelen - low) / (high - low);
                1.0 / ((1.0 - smooth) / factor + smooth)
            }
        })
        .collect()
}

/// The fields of `config.json` kakugo reads; names as Hugging Face spells them.
#[derive(Debug, Clone, Deserialize)]
struct HfConfig {
    #[serde(default)]
    model_type: String,
    text_config: Option<Box<HfConfig>>,
    hidden_size: Option<usize>,
    intermediate_size: Option<usize>,
    num_hidden_layers: Option<usize>,
    num_attention_heads: Option<usize>,
    num_key_value_heads: Option<usize>,
    head_dim: Option<usize>,
    vocab_size: Option<usize>,
    rms_norm_eps: Option<f64>,
    rope_theta: Option<f64>,
    rope_local_base_freq: Option<f64>,
    rope_scaling: Option<RopeScaling>,
    rope_parameters: Option<RopeScaling>,
    sliding_window: Option<usize>,
    sliding_window_pattern: Option<usize>,
    layer_types: Option<Vec<String>>,
    max_position_embeddings: Option<usize>,
    query_pre_attn_scalar: Option<f64>,
    attention_bias: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
struct RopeScaling {
    rope_type: Option<String>,
    r#type: Option<String>,
    factor: Option<f64>,
    low_freq_factor: Option<f64>,
    high_freq_factor: Option<f64>,
    original_max_position_embeddings: Option<usize>,
    rope_theta: Option<f64>,
}
