//! What training leaves behind: a PEFT adapter, a merged Hugging Face checkpoint, optionally a
//! GGUF, and configurations for external trainers (TRL, axolotl).
//!
//! - `adapter/adapter_model.safetensors` + `adapter_config.json`: PEFT names
//!   (`base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight`). Adapters trained on a
//!   llama-family GGUF live in its permuted Q/K row order; B_q/B_k rows are un-permuted into
//!   Hugging Face order here (A is unaffected: it acts on the input side).
//! - `merged/`: `W + (alpha/r) B A` written through `kakugo_model::export`, loadable by
//!   kakugo (`--model OUT/merged`) and transformers.
//! - `gguf/model-q8_0.gguf` (or `q4_0`), with candle's GGUF writer: a GGUF base keeps its own
//!   metadata (architecture keys and the tokenizer, so llama.cpp loads it); a safetensors base
//!   gets architecture keys from its configuration and llama Q/K rows permuted into llama.cpp's
//!   order. `tokenizer.json` and `tokenizer_config.json` are written beside it for kakugo.

use std::collections::HashMap;
use std::path::Path;

use candle_core::quantized::gguf_file::Value;
use candle_core::quantized::{GgmlDType, QTensor};
use candle_core::{DType, Tensor};
use serde_json::json;

use super::lora::Lora;
use kakugo_core::{Error, Result};
use kakugo_model::candle_backend::CandleModel;
use kakugo_model::config::{Architecture, RopeLayout};
use kakugo_model::export::{permute_rows, unpermute_rows, write_hf_checkpoint_with, write_json};
use kakugo_model::gguf::GgufFile;
use kakugo_model::weights::Weights;

/// GGUF quantisation types kakugo writes.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
pub enum GgufType {
    #[value(name = "q8_0")]
    Q8_0,
    #[value(name = "q4_0")]
    Q4_0,
    F32,
}

impl GgufType {
    fn ggml(self) -> GgmlDType {
        match self {
            GgufType::Q8_0 => GgmlDType::Q8_0,
            GgufType::Q4_0 => GgmlDType::Q4_0,
            GgufType::F32 => GgmlDType::F32,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            GgufType::Q8_0 => "q8_0",
            GgufType::Q4_0 => "q4_0",
            GgufType::F32 => "f32",
        }
    }
}

/// Writes the PEFT adapter into `dir`. `base_name` goes into `base_model_name_or_path`.
pub fn write_peft_adapter(
    model: &CandleModel,
    lora: &Lora,
    dir: &Path,
    base_name: &str,
) -> Result<()> {
    let cfg = model.decoder().config();
    let mut tensors: HashMap<String, Tensor> = HashMap::new();
    for (i, pairs) in lora.layers.iter().enumerate() {
        for (t, p) in pairs {
            let prefix = format!("base_model.model.model.layers.{i}.{}", t.hf_module());
            let mut b = p.b.as_tensor().clone();
            if cfg.rope_layout == RopeLayout::Interleaved {
                use super::lora::Target;
                match t {
                    Target::Q => b = unpermute_rows(&b, cfg.num_heads)?,
                    Target::K => b = unpermute_rows(&b, cfg.num_kv_heads)?,
                    _ => {}
                }
            }
            tensors.insert(format!("{prefix}.lora_A.weight"), p.a.as_tensor().clone());
            tensors.insert(format!("{prefix}.lora_B.weight"), b);
        }
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    save_safetensors_atomic(&tensors, &dir.join("adapter_model.safetensors"))?;
    let config = json!({
        "peft_type": "LORA",
        "task_type": "CAUSAL_LM",
        "base_model_name_or_path": base_name,
        "r": lora.cfg.rank,
        "lora_alpha": lora.cfg.alpha,
        "lora_dropout": lora.cfg.dropout,
        "target_modules": lora.cfg.targets.iter().map(|t| t.peft_name()).collect::<Vec<_>>(),
        "bias": "none",
        "fan_in_fan_out": false,
        "inference_mode": true,
        "init_lora_weights": true,
        "use_rslora": false,
        "use_dora": false,
        "modules_to_save": null,
    });
    write_json(&dir.join("adapter_config.json"), &config)
}

/// The base weights with every adapter merged in (`W + scale · B A`), in the loaded layout.
pub fn merged_weights(model: &CandleModel, lora: &Lora) -> Result<Weights> {
    use super::lora::Target;
    let mut w = model.decoder().weights().clone();
    for (i, l) in w.layers.iter_mut().enumerate() {
        for t in Target::ALL {
            let Some(d) = lora.merged_delta(i, t)? else {
                continue;
            };
            let slot = match t {
                Target::Q => &mut l.wq,
                Target::K => &mut l.wk,
                Target::V => &mut l.wv,
                Target::O => &mut l.wo,
                Target::Gate => &mut l.w_gate,
                Target::Up => &mut l.w_up,
                Target::Down => &mut l.w_down,
            };
            *slot = (&*slot + d)?;
        }
    }
    Ok(w)
}

/// Writes the merged model as a Hugging Face checkpoint (f32) into `dir`.
pub fn write_merged(model: &CandleModel, merged: &Weights, dir: &Path) -> Result<()> {
    write_hf_checkpoint_with(model, merged, dir, DType::F32)
}

/// Writes `merged` as a GGUF of type `ty` to `path`; `base_gguf` supplies metadata when the
/// base was a GGUF. Writes go to a temporary file renamed into place.
pub fn write_gguf(
    model: &CandleModel,
    merged: &Weights,
    base_gguf: Option<&GgufFile>,
    ty: GgufType,
    path: &Path,
) -> Result<()> {
    let cfg = model.decoder().config();
    let gemma = cfg.architecture == Architecture::Gemma3;
    let mut meta: Vec<(String, Value)> = Vec::new();
    // HF-layout llama weights must be permuted into llama.cpp's interleaved order.
    let permute = !gemma && cfg.rope_layout == RopeLayout::Halves;
    let arch = match base_gguf {
        Some(g) => {
            let mut keys: Vec<&String> = g.metadata().keys().collect();
            keys.sort();
            for k in keys {
                if k == "general.file_type" || k == "general.quantization_version" {
                    continue;
                }
                meta.push((k.clone(), g.metadata()[k].clone()));
            }
            g.string("general.architecture")?
        }
        None => {
            let a = if gemma { "gemma3" } else { "llama" };
            let u = |v: usize| Value::U32(v as u32);
            meta.push(("general.architecture".into(), Value::String(a.into())));
            meta.push(("general.name".into(), Value::String("kakugo-merged".into())));
            let mut put = |k: &str, v: Value| meta.push((format!("{a}.{k}"), v));
            put("embedding_length", u(cfg.hidden_size));
            put("feed_forward_length", u(cfg.intermediate_size));
            put("block_count", u(cfg.num_layers));
            put("attention.head_count", u(cfg.num_heads));
            put("attention.head_count_kv", u(cfg.num_kv_heads));
            put("attention.key_length", u(cfg.head_dim));
            put("attention.value_length", u(cfg.head_dim));
            put(
                "attention.layer_norm_rms_epsilon",
                Value::F32(cfg.rms_norm_eps as f32),
            );
            put("rope.freq_base", Value::F32(cfg.rope_theta as f32));
            put("context_length", u(cfg.context_length));
            put("vocab_size", u(cfg.vocab_size));
            if let Some(wn) = cfg.sliding_window {
                put("attention.sliding_window", u(wn));
            }
            a.to_string()
        }
    };
    if permute && arch != "llama" {
        return Err(Error::model(format!(
            "cannot write a GGUF for architecture `{arch}`"
        )));
    }
    let q = |t: &Tensor| -> Result<QTensor> {
        let dt = if t.rank() == 2 {
            ty.ggml()
        } else {
            GgmlDType::F32
        };
        // Blocks of 32 along rows: a row length that is no multiple of 32 stays f32.
        let dt = if t.rank() == 2 && t.dim(1)? % dt.block_size() != 0 {
            GgmlDType::F32
        } else {
            dt
        };
        Ok(QTensor::quantize(t, dt)?)
    };
    let mut tensors: Vec<(String, QTensor)> = Vec::new();
    tensors.push(("token_embd.weight".into(), q(&merged.embed)?));
    tensors.push(("output_norm.weight".into(), q(&merged.final_norm)?));
    if merged.lm_head.id() != merged.embed.id() {
        tensors.push(("output.weight".into(), q(&merged.lm_head)?));
    }
    for (i, l) in merged.layers.iter().enumerate() {
        let n = |s: &str| format!("blk.{i}.{s}");
        let (wq, wk) = if permute {
            (
                permute_rows(&l.wq, cfg.num_heads)?,
                permute_rows(&l.wk, cfg.num_kv_heads)?,
            )
        } else {
            (l.wq.clone(), l.wk.clone())
        };
        tensors.push((n("attn_norm.weight"), q(&l.attn_norm)?));
        tensors.push((n("attn_q.weight"), q(&wq)?));
        tensors.push((n("attn_k.weight"), q(&wk)?));
        tensors.push((n("attn_v.weight"), q(&l.wv)?));
        tensors.push((n("attn_output.weight"), q(&l.wo)?));
        for (name, b) in [
            ("attn_q.bias", &l.bq),
            ("attn_k.bias", &l.bk),
            ("attn_v.bias", &l.bv),
        ] {
            if let Some(b) = b {
                tensors.push((n(name), q(b)?));
            }
        }
        if let (Some(qn), Some(kn)) = (&l.q_norm, &l.k_norm) {
            tensors.push((n("attn_q_norm.weight"), q(qn)?));
            tensors.push((n("attn_k_norm.weight"), q(kn)?));
        }
        if let Some(p) = &l.post_attn_norm {
            tensors.push((n("post_attention_norm.weight"), q(p)?));
        }
        tensors.push((n("ffn_norm.weight"), q(&l.ffn_norm)?));
        tensors.push((n("ffn_gate.weight"), q(&l.w_gate)?));
        tensors.push((n("ffn_up.weight"), q(&l.w_up)?));
        tensors.push((n("ffn_down.weight"), q(&l.w_down)?));
        if let Some(p) = &l.post_ffn_norm {
            tensors.push((n("post_ffw_norm.weight"), q(p)?));
        }
    }
    // llama.cpp's file types: 1 = F16... 7 = Q8_0, 2 = Q4_0, 0 = F32.
    let file_type = match ty {
        GgufType::Q8_0 => 7u32,
        GgufType::Q4_0 => 2,
        GgufType::F32 => 0,
    };
    meta.push(("general.file_type".into(), Value::U32(file_type)));
    meta.push(("general.quantization_version".into(), Value::U32(2)));
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let tmp = dir.join(format!(
        ".{}.tmp{}",
        path.file_name()
            .and_then(|s| s.to_str())
            .unwrap_or("model.gguf"),
        std::process::id()
    ));
    {
        let file = std::fs::File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
        let mut w = std::io::BufWriter::new(file);
        let meta_refs: Vec<(&str, &Value)> = meta.iter().map(|(k, v)| (k.as_str(), v)).collect();
        let tensor_refs: Vec<(&str, &QTensor)> =
            tensors.iter().map(|(k, v)| (k.as_str(), v)).collect();
        candle_core::quantized::gguf_file::write(&mut w, &meta_refs, &tensor_refs)
            .map_err(|e| Error::file(&tmp, format!("writing GGUF: {e}")))?;
        let file = w
            .into_inner()
            .map_err(|e| Error::io(&tmp, e.into_error()))?;
        file.sync_all().map_err(|e| Error::io(&tmp, e))?;
    }
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))?;
    // kakugo reads the tokenizer (and chat template) from files beside a GGUF.
    model.tokenizer().save(&dir.join("tokenizer.json"))?;
    let token_text = |id: Option<u32>| id.and_then(|i| model.tokenizer().decode(&[i]).ok());
    write_json(
        &dir.join("tokenizer_config.json"),
        &json!({
            "add_bos_token": model.tokenizer().bos_to_add().is_some(),
            "bos_token": token_text(model.tokenizer().bos()),
            "eos_token": token_text(model.tokenizer().stop_ids().first().copied()),
            "chat_template": model.chat_template().source(),
        }),
    )
}

/// candle's safetensors writer, through a temporary file renamed into place.
pub fn save_safetensors_atomic(tensors: &HashMap<String, Tensor>, path: &Path) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp{}",
        path.file_name()
            .and_then(|s| s.to_str())
            .unwrap_or("t.safetensors"),
        std::process::id()
    ));
    candle_core::safetensors::save(tensors, &tmp)
        .map_err(|e| Error::file(&tmp, format!("writing safetensors: {e}")))?;
    std::fs::File::open(&tmp)
        .and_then(|f| f.sync_all())
        .map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}
