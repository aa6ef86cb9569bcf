//! Decoder weights, loaded from GGUF (dequantised to f32) or Hugging Face safetensors.
//!
//! Tensor names stay as each format spells them (`blk.0.attn_q.weight` in GGUF,
//! `model.layers.0.self_attn.q_proj.weight` in safetensors); [`TensorSource`] maps one
//! kakugo slot to each format's name. All weights are held in f32: scoring on f32 weights is
//! what transformers' reference computes, and on this CPU it is as fast as llama.cpp's
//! prompt processing (FINDINGS.md).

use std::path::{Path, PathBuf};

use candle_core::safetensors::MmapedSafetensors;
use candle_core::{DType, Device, Tensor};

use super::config::{Architecture, ModelConfig};
use super::gguf::GgufFile;
use kakugo_core::{Error, Result};

/// One transformer block's weights. Matrices are `[out, in]`, as stored.
#[derive(Debug, Clone)]
pub struct LayerWeights {
    pub attn_norm: Tensor,
    pub wq: Tensor,
    pub wk: Tensor,
    pub wv: Tensor,
    pub wo: Tensor,
    pub bq: Option<Tensor>,
    pub bk: Option<Tensor>,
    pub bv: Option<Tensor>,
    pub q_norm: Option<Tensor>,
    pub k_norm: Option<Tensor>,
    pub post_attn_norm: Option<Tensor>,
    pub ffn_norm: Tensor,
    pub w_gate: Tensor,
    pub w_up: Tensor,
    pub w_down: Tensor,
    pub post_ffn_norm: Option<Tensor>,
}

#[derive(Debug, Clone)]
pub struct Weights {
    /// `[vocab, hidden]`.
    pub embed: Tensor,
    pub layers: Vec<LayerWeights>,
    pub final_norm: Tensor,
    /// `[vocab, hidden]`; the embedding matrix itself when the model ties them.
    pub lm_head: Tensor,
    /// Per layer, whether the file stored wq, wk, wv, wo, w_gate, w_up, w_down (the decoder's
    /// matrix order) as Q4_1 blocks: generation then reads 4-bit copies of them.
    pub stored_q4_1: Vec<[bool; 7]>,
}

/// GGUF and Hugging Face names of a layer slot of [`LAYER_SLOTS`].
fn slot_names(slot: &str) -> (&'static str, &'static str) {
    let (_, gguf, hf) = LAYER_SLOTS
        .iter()
        .find(|s| s.0 == slot)
        .expect("known slot");
    (gguf, hf)
}

/// Where tensors come from.
pub enum TensorSource {
    Gguf(GgufFile),
    Safetensors {
        files: Vec<PathBuf>,
        tensors: MmapedSafetensors,
    },
}

/// The kakugo slots of one block, with their GGUF and Hugging Face names.
const LAYER_SLOTS: &[(&str, &str, &str)] = &[
    ("attn_norm", "attn_norm.weight", "input_layernorm.weight"),
    ("wq", "attn_q.weight", "self_attn.q_proj.weight"),
    ("wk", "attn_k.weight", "self_attn.k_proj.weight"),
    ("wv", "attn_v.weight", "self_attn.v_proj.weight"),
    ("wo", "attn_output.weight", "self_attn.o_proj.weight"),
    ("bq", "attn_q.bias", "self_attn.q_proj.bias"),
    ("bk", "attn_k.bias", "self_attn.k_proj.bias"),
    ("bv", "attn_v.bias", "self_attn.v_proj.bias"),
    ("q_norm", "attn_q_norm.weight", "self_attn.q_norm.weight"),
    ("k_norm", "attn_k_norm.weight", "self_attn.k_norm.weight"),
    (
        "post_attn_norm",
        "post_attention_norm.weight",
        "post_attention_layernorm.weight",
    ),
    (
        "ffn_norm",
        "ffn_norm.weight",
        "pre_feedforward_layernorm.weight",
    ),
    ("w_gate", "ffn_gate.weight", "mlp.gate_proj.weight"),
    ("w_up", "ffn_up.weight", "mlp.up_proj.weight"),
    ("w_down", "ffn_down.weight", "mlp.down_proj.weight"),
    (
        "post_ffn_norm",
        "post_ffw_norm.weight",
        "post_feedforward_layernorm.weight",
    ),
];

impl TensorSource {
    pub fn open_safetensors(files: Vec<PathBuf>) -> Result<TensorSource> {
        // SAFETY: the files are memory-mapped read-only; kakugo never writes them while a
        // model is loaded. A file changed underneath by another process is undefined, as for
        // every mmap-based loader (transformers, candle).
        let tensors = unsafe { MmapedSafetensors::multi(&files) }.map_err(|e| {
            Error::file(
                files
                    .first()
                    .map(PathBuf::as_path)
                    .unwrap_or(Path::new("?")),
                format!("not a readable safetensors checkpoint (corrupt or truncated): {e}"),
            )
        })?;
        Ok(TensorSource::Safetensors { files, tensors })
    }

    fn describe(&self) -> String {
        match self {
            TensorSource::Gguf(g) => g.path().display().to_string(),
            TensorSource::Safetensors { files, .. } => files
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
                .join(", "),
        }
    }

    fn has(&self, name: &str) -> bool {
        match self {
            TensorSource::Gguf(g) => g.has_tensor(name),
            TensorSource::Safetensors { tensors, .. } => tensors.get(name).is_ok(),
        }
    }

    fn load(&mut self, name: &str, device: &Device) -> Result<Tensor> {
        match self {
            TensorSource::Gguf(g) => g.tensor_f32(name, device),
            TensorSource::Safetensors { tensors, files } => {
                let t = tensors
                    .load(name, device)
                    .map_err(|e| Error::file(&files[0], format!("reading tensor `{name}`: {e}")))?;
                Ok(t.to_dtype(DType::F32)?)
            }
        }
    }

    /// Whether a tensor is stored as Q4_1 blocks, which a 4-bit copy reproduces exactly (see
    /// `Int4Matrix`).
    fn is_q4_1(&self, name: &str) -> bool {
        match self {
            TensorSource::Gguf(g) => g.tensor_dtype(name).as_deref() == Some("q4_1"),
            TensorSource::Safetensors { .. } => false,
        }
    }

    /// Storage dtype of the bulk of the weights, for manifests.
    pub fn storage_dtype(&self) -> String {
        match self {
            TensorSource::Gguf(g) => g
                .tensor_dtype("blk.0.ffn_up.weight")
                .unwrap_or_else(|| "unknown".into()),
            TensorSource::Safetensors { tensors, .. } => tensors
                .get("model.layers.0.mlp.up_proj.weight")
                .map(|v| format!("{:?}", v.dtype()).to_lowercase())
                .unwrap_or_else(|_| "unknown".into()),
        }
    }

    fn names(&self, layer: Option<usize>, gguf: &str, hf: &str) -> String {
        match (self, layer) {
            (TensorSource::Gguf(_), Some(i)) => format!("blk.{i}.{gguf}"),
            (TensorSource::Gguf(_), None) => gguf.to_string(),
            (TensorSource::Safetensors { tensors, .. }, Some(i)) => {
                let prefix = hf_prefix(tensors);
                format!("{prefix}layers.{i}.{hf}")
            }
            (TensorSource::Safetensors { tensors, .. }, None) => {
                if hf == "lm_head.weight" {
                    hf.to_string()
                } else {
                    format!("{}{hf}", hf_prefix(tensors))
                }
            }
        }
    }
}

/// Text weights of a multimodal Gemma 3 checkpoint live under `language_model.model.`.
fn hf_prefix(tensors: &MmapedSafetensors) -> &'static str {
    if tensors.get("model.embed_tokens.weight").is_ok() {
        "model."
    } else if tensors
        .get("language_model.model.embed_tokens.weight")
        .is_ok()
    {
        "language_model.model."
    } else {
        "model."
    }
}

impl Weights {
    /// Loads every weight the configuration needs, checking shapes against it.
    pub fn load(source: &mut TensorSource, cfg: &ModelConfig, device: &Device) -> Result<Weights> {
        let what = source.describe();
        let required = |source: &mut TensorSource, layer, gguf, hf, shape: &[usize]| {
            let name = source.names(layer, gguf, hf);
            if !source.has(&name) {
                return Err(Error::model(format!("{what}: tensor `{name}` is missing")));
            }
            let t = source.load(&name, device)?;
            if t.dims() != shape {
                return Err(Error::model(format!(
                    "{what}: tensor `{name}` has shape {:?}, the configuration expects {shape:?}",
                    t.dims()
                )));
            }
            Ok(t)
        };
        let h = cfg.hidden_size;
        let (q_out, kv_out) = (
            cfg.num_heads * cfg.head_dim,
            cfg.num_kv_heads * cfg.head_dim,
        );
        let embed = required(
            source,
            None,
            "token_embd.weight",
            "embed_tokens.weight",
            &[cfg.vocab_size, h],
        )?;
        let offset = cfg.norm_weight_offset;
        let norm =
            |t: Tensor| -> Result<Tensor> { Ok(if offset != 0.0 { (t + offset)? } else { t }) };
        let mut layers = Vec::with_capacity(cfg.num_layers);
        let mut stored_q4_1 = Vec::with_capacity(cfg.num_layers);
        for i in 0..cfg.num_layers {
            stored_q4_1.push(
                ["wq", "wk", "wv", "wo", "w_gate", "w_up", "w_down"].map(|slot| {
                    let (g, f) = slot_names(slot);
                    source.is_q4_1(&source.names(Some(i), g, f))
                }),
            );
            let mut get = |slot: &str, shape: &[usize]| -> Result<Option<Tensor>> {
                let (g, f) = slot_names(slot);
                // Llama's pre-MLP norm is `post_attention_layernorm` in HF naming.
                let f = if slot == "ffn_norm" && cfg.architecture == Architecture::Llama {
                    "post_attention_layernorm.weight"
                } else {
                    f
                };
                let name = source.names(Some(i), g, f);
                if !source.has(&name) {
                    return Ok(None);
                }
                required(source, Some(i), g, f, shape).map(Some)
            };
            let need = |t: Option<Tensor>, slot: &str| {
                t.ok_or_else(|| {
                    Error::model(format!("{what}: layer {i}: weight `{slot}` is missing"))
                })
            };
            let hd = cfg.head_dim;
            let f = cfg.intermediate_size;
            layers.push(LayerWeights {
                attn_norm: norm(need(get("attn_norm", &[h])?, "attn_norm")?)?,
                wq: need(get("wq", &[q_out, h])?, "wq")?,
                wk: need(get("wk", &[kv_out, h])?, "wk")?,
                wv: need(get("wv", &[kv_out, h])?, "wv")?,
                wo: need(get("wo", &[h, q_out])?, "wo")?,
                bq: get("bq", &[q_out])?,
                bk: get("bk", &[kv_out])?,
                bv: get("bv", &[kv_out])?,
                q_norm: get("q_norm", &[hd])?.map(norm).transpose()?,
                k_norm: get("k_norm", &[hd])?.map(norm).transpose()?,
                post_attn_norm: if cfg.post_norms {
                    Some(norm(need(get("post_attn_norm", &[h])?, "post_attn_norm")?)?)
                } else {
                    None
                },
                ffn_norm: norm(need(get("ffn_norm", &[h])?, "ffn_norm")?)?,
                w_gate: need(get("w_gate", &[f, h])?, "w_gate")?,
                w_up: need(get("w_up", &[f, h])?, "w_up")?,
                w_down: need(get("w_down", &[h, f])?, "w_down")?,
                post_ffn_norm: if cfg.post_norms {
                    Some(norm(need(get("post_ffn_norm", &[h])?, "post_ffn_norm")?)?)
                } else {
                    None
                },
            });
            if cfg.qk_norm && (layers[i].q_norm.is_none() || layers[i].k_norm.is_none()) {
                return Err(Error::model(format!(
                    "{what}: layer {i}: q/k norm weights are missing"
                )));
            }
        }
        let final_norm = norm(required(
            source,
            None,
            "output_norm.weight",
            "norm.weight",
            &[h],
        )?)?;
        let head_name = source.names(None, "output.weight", "lm_head.weight");
        let lm_head = if source.has(&head_name) {
            required(
                source,
                None,
                "output.weight",
                "lm_head.weight",
                &[cfg.vocab_size, h],
            )?
        } else {
            embed.clone()
        };
        Ok(Weights {
            embed,
            layers,
            final_norm,
            lm_head,
            stored_q4_1,
        })
    }
}
