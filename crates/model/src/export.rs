//! Writing a loaded model as a Hugging Face checkpoint directory: `config.json`,
//! `model.safetensors` (f32 or bf16), `tokenizer.json` and `tokenizer_config.json`.
//!
//! This is how a GGUF model becomes something transformers (and kakugo's safetensors loader)
//! read, and what fine-tuning exports merged weights through. Two format differences are
//! undone on the way: llama.cpp's converter permutes llama Q/K rows for interleaved RoPE
//! (Hugging Face uses the half-split layout), and it stores Gemma norm weights with the `+1`
//! that Hugging Face applies at run time.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{DType, Tensor};
use serde_json::json;

use super::candle_backend::CandleModel;
use super::config::{Architecture, RopeLayout};
use super::weights::Weights;
use kakugo_core::{Error, Result};

/// Writes `model` into `dir` (created if needed) with weights in `dtype` (F32 or BF16).
pub fn write_hf_checkpoint(model: &CandleModel, dir: &Path, dtype: DType) -> Result<()> {
    write_hf_checkpoint_with(model, model.decoder().weights(), dir, dtype)
}

/// Writes `model`'s configuration and tokenizer with other weights `w` of the same shapes
/// (fine-tuning's merged weights) into `dir`.
pub fn write_hf_checkpoint_with(
    model: &CandleModel,
    w: &Weights,
    dir: &Path,
    dtype: DType,
) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let cfg = model.decoder().config();
    let gemma = cfg.architecture == Architecture::Gemma3;
    // Hugging Face Gemma applies norms as (1 + w). Loaded weights always hold the applied
    // value (GGUF stores it; the safetensors loader adds `norm_weight_offset`), so the 1 comes
    // off whatever the source was.
    let norm = |t: &Tensor| -> Result<Tensor> { Ok(if gemma { (t - 1.0)? } else { t.clone() }) };
    let unpermute = |t: &Tensor, heads: usize| -> Result<Tensor> {
        if cfg.rope_layout != RopeLayout::Interleaved {
            return Ok(t.clone());
        }
        unpermute_rows(t, heads)
    };
    let mut tensors: HashMap<String, Tensor> = HashMap::new();
    let mut put = |name: String, t: Tensor| -> Result<()> {
        tensors.insert(name, t.to_dtype(dtype)?);
        Ok(())
    };
    put("model.embed_tokens.weight".into(), w.embed.clone())?;
    put("model.norm.weight".into(), norm(&w.final_norm)?)?;
    if !(w.lm_head.id() == w.embed.id()) {
        put("lm_head.weight".into(), w.lm_head.clone())?;
    }
    for (i, l) in w.layers.iter().enumerate() {
        let p = |s: &str| format!("model.layers.{i}.{s}");
        put(p("input_layernorm.weight"), norm(&l.attn_norm)?)?;
        put(
            p("self_attn.q_proj.weight"),
            unpermute(&l.wq, cfg.num_heads)?,
        )?;
        put(
            p("self_attn.k_proj.weight"),
            unpermute(&l.wk, cfg.num_kv_heads)?,
        )?;
        put(p("self_attn.v_proj.weight"), l.wv.clone())?;
        put(p("self_attn.o_proj.weight"), l.wo.clone())?;
        for (name, b) in [("q_proj", &l.bq), ("k_proj", &l.bk), ("v_proj", &l.bv)] {
            if let Some(b) = b {
                put(p(&format!("self_attn.{name}.bias")), b.clone())?;
            }
        }
        if let (Some(qn), Some(kn)) = (&l.q_norm, &l.k_norm) {
            put(p("self_attn.q_norm.weight"), norm(qn)?)?;
            put(p("self_attn.k_norm.weight"), norm(kn)?)?;
        }
        put(p("mlp.gate_proj.weight"), l.w_gate.clone())?;
        put(p("mlp.up_proj.weight"), l.w_up.clone())?;
        put(p("mlp.down_proj.weight"), l.w_down.clone())?;
        if gemma {
            put(
                p("post_attention_layernorm.weight"),
                norm(l.post_attn_norm.as_ref().expect("gemma"))?,
            )?;
            put(p("pre_feedforward_layernorm.weight"), norm(&l.ffn_norm)?)?;
            put(
                p("post_feedforward_layernorm.weight"),
                norm(l.post_ffn_norm.as_ref().expect("gemma"))?,
            )?;
        } else {
            put(p("post_attention_layernorm.weight"), norm(&l.ffn_norm)?)?;
        }
    }
    let weights_path = dir.join("model.safetensors");
    candle_core::safetensors::save(&tensors, &weights_path)
        .map_err(|e| Error::file(&weights_path, format!("writing safetensors: {e}")))?;

    let dtype_name = if dtype == DType::BF16 {
        "bfloat16"
    } else {
        "float32"
    };
    let mut config = json!({
        "architectures": [if gemma { "Gemma3ForCausalLM" } else { "LlamaForCausalLM" }],
        "model_type": if gemma { "gemma3_text" } else { "llama" },
        "hidden_size": cfg.hidden_size,
        "intermediate_size": cfg.intermediate_size,
        "num_hidden_layers": cfg.num_layers,
        "num_attention_heads": cfg.num_heads,
        "num_key_value_heads": cfg.num_kv_heads,
        "head_dim": cfg.head_dim,
        "vocab_size": cfg.vocab_size,
        "rms_norm_eps": cfg.rms_norm_eps,
        "rope_theta": cfg.rope_theta,
        "max_position_embeddings": cfg.context_length,
        "tie_word_embeddings": (w.lm_head.id() == w.embed.id()),
        "torch_dtype": dtype_name,
        "bos_token_id": model.tokenizer().bos(),
        "eos_token_id": model.tokenizer().stop_ids().first(),
    });
    if gemma {
        let extra = json!({
            "rope_local_base_freq": cfg.rope_theta_local,
            "sliding_window": cfg.sliding_window,
            "query_pre_attn_scalar": 1.0 / (cfg.attention_scale * cfg.attention_scale),
            "hidden_activation": "gelu_pytorch_tanh",
            "layer_types": (0..cfg.num_layers)
                .map(|i| if cfg.is_sliding(i) { "sliding_attention" } else { "full_attention" })
                .collect::<Vec<_>>(),
        });
        config
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
    } else {
        config["hidden_act"] = json!("silu");
    }
    write_json(&dir.join("config.json"), &config)?;
    model.tokenizer().save(&dir.join("tokenizer.json"))?;
    let token_text = |id: Option<u32>| id.and_then(|i| model.tokenizer().decode(&[i]).ok());
    let tokenizer_config = json!({
        "add_bos_token": model.tokenizer().bos_to_add().is_some(),
        "add_eos_token": false,
        "bos_token": token_text(model.tokenizer().bos()),
        "eos_token": token_text(model.tokenizer().stop_ids().first().copied()),
        "chat_template": model.chat_template().is_models_own.then(|| model.chat_template().source().to_string()),
    });
    write_json(&dir.join("tokenizer_config.json"), &tokenizer_config)
}

/// Rows of a llama GGUF Q/K matrix (`[heads * d, cols]`) in Hugging Face order: GGUF row
/// `h*d + 2i + j` holds Hugging Face row `h*d + j*d/2 + i` (llama.cpp's converter permuted them
/// for interleaved RoPE).
pub fn unpermute_rows(t: &Tensor, heads: usize) -> Result<Tensor> {
    let (rows, cols) = t.dims2()?;
    let d = rows / heads;
    Ok(t.reshape((heads, d / 2, 2, cols))?
        .transpose(1, 2)?
        .contiguous()?
        .reshape((rows, cols))?)
}

/// The inverse of [`unpermute_rows`]: Hugging Face rows into llama GGUF order.
pub fn permute_rows(t: &Tensor, heads: usize) -> Result<Tensor> {
    let (rows, cols) = t.dims2()?;
    let d = rows / heads;
    Ok(t.reshape((heads, 2, d / 2, cols))?
        .transpose(1, 2)?
        .contiguous()?
        .reshape((rows, cols))?)
}

pub fn write_json(path: &Path, value: &serde_json::Value) -> Result<()> {
    let mut bytes = serde_json::to_vec_pretty(value).expect("json");
    bytes.push(b'\n');
    kakugo_core::store::atomic::write_atomic(path, &bytes)
}
