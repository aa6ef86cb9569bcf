//! A tiny random-weight model in the real Hugging Face layout (config.json, model.safetensors,
//! tokenizer.json, tokenizer_config.json), for fast tests of the training loop.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use candle_core::{Device, Tensor};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;

pub const VOCAB: usize = 288;
pub const HIDDEN: usize = 64;

/// Writes a tiny `llama` or `gemma3_text` model into `dir` and returns `dir`.
pub fn write_tiny_model(dir: &Path, model_type: &str) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let gemma = model_type == "gemma3_text";
    let (layers, heads, kv, hd, inter) = (2usize, 4usize, 2usize, 16usize, 128usize);
    let mut rng = ChaCha8Rng::seed_from_u64(42);
    let mut rand = |shape: &[usize], std: f32| -> Tensor {
        let n: usize = shape.iter().product();
        let v: Vec<f32> = (0..n).map(|_| rng.gen_range(-std..std)).collect();
        Tensor::from_vec(v, shape, &Device::Cpu).unwrap()
    };
    let mut t: HashMap<String, Tensor> = HashMap::new();
    t.insert(
        "model.embed_tokens.weight".into(),
        rand(&[VOCAB, HIDDEN], 0.5),
    );
    // HF Gemma stores norm weights as w - 1.
    let norm = |rand: &mut dyn FnMut(&[usize], f32) -> Tensor, n: usize| -> Tensor {
        let r = rand(&[n], 0.1);
        if gemma {
            r
        } else {
            (r + 1.0).unwrap()
        }
    };
    t.insert("model.norm.weight".into(), norm(&mut rand, HIDDEN));
    for i in 0..layers {
        let p = |s: &str| format!("model.layers.{i}.{s}");
        t.insert(p("input_layernorm.weight"), norm(&mut rand, HIDDEN));
        t.insert(
            p("self_attn.q_proj.weight"),
            rand(&[heads * hd, HIDDEN], 0.2),
        );
        t.insert(p("self_attn.k_proj.weight"), rand(&[kv * hd, HIDDEN], 0.2));
        t.insert(p("self_attn.v_proj.weight"), rand(&[kv * hd, HIDDEN], 0.2));
        t.insert(
            p("self_attn.o_proj.weight"),
            rand(&[HIDDEN, heads * hd], 0.2),
        );
        t.insert(p("mlp.gate_proj.weight"), rand(&[inter, HIDDEN], 0.2));
        t.insert(p("mlp.up_proj.weight"), rand(&[inter, HIDDEN], 0.2));
        t.insert(p("mlp.down_proj.weight"), rand(&[HIDDEN, inter], 0.2));
        t.insert(
            p("post_attention_layernorm.weight"),
            norm(&mut rand, HIDDEN),
        );
        if gemma {
            t.insert(p("self_attn.q_norm.weight"), norm(&mut rand, hd));
            t.insert(p("self_attn.k_norm.weight"), norm(&mut rand, hd));
            t.insert(
                p("pre_feedforward_layernorm.weight"),
                norm(&mut rand, HIDDEN),
            );
            t.insert(
                p("post_feedforward_layernorm.weight"),
                norm(&mut rand, HIDDEN),
            );
        }
    }
    candle_core::safetensors::save(&t, dir.join("model.safetensors")).unwrap();
    let mut config = json!({
        "model_type": model_type,
        "hidden_size": HIDDEN,
        "intermediate_size": inter,
        "num_hidden_layers": layers,
        "num_attention_heads": heads,
        "num_key_value_heads": kv,
        "head_dim": hd,
        "vocab_size": VOCAB,
        "rms_norm_eps": 1e-6,
        "rope_theta": 10000.0,
        "max_position_embeddings": 256,
        "tie_word_embeddings": true,
    });
    if gemma {
        // Both layers slide over 8 tokens, so the window is exercised. (Gemma 3 GGUF files
        // carry no layer pattern: kakugo assumes every 6th layer is global, so a tiny model
        // with a global layer 2 would not survive the GGUF round trip.)
        config["sliding_window"] = json!(8);
        config["layer_types"] = json!(["sliding_attention", "sliding_attention"]);
        config["query_pre_attn_scalar"] = json!(hd);
        config["rope_local_base_freq"] = json!(10000.0);
    }
    std::fs::write(
        dir.join("config.json"),
        serde_json::to_string_pretty(&config).unwrap(),
    )
    .unwrap();
    write_byte_tokenizer(dir);
    dir.to_path_buf()
}

/// A byte-level BPE without merges (one token per byte) plus ChatML's special tokens.
fn write_byte_tokenizer(dir: &Path) {
    use tokenizers::models::bpe::BPE;
    use tokenizers::pre_tokenizers::byte_level::ByteLevel;
    use tokenizers::AddedToken;
    let mut chars: Vec<char> = ByteLevel::alphabet().into_iter().collect();
    chars.sort();
    let vocab: tokenizers::models::bpe::Vocab = chars
        .iter()
        .enumerate()
        .map(|(i, c)| (c.to_string(), i as u32))
        .collect();
    let bpe = BPE::builder()
        .vocab_and_merges(vocab, vec![])
        .build()
        .unwrap();
    let mut tok = tokenizers::Tokenizer::new(bpe);
    tok.with_pre_tokenizer(Some(ByteLevel::new(false, true, false)));
    tok.with_decoder(Some(ByteLevel::default()));
    tok.add_special_tokens(vec![
        AddedToken::from("<|im_start|>", true),
        AddedToken::from("<|im_end|>", true),
        AddedToken::from("<|endoftext|>", true),
    ])
    .unwrap();
    tok.save(dir.join("tokenizer.json"), false).unwrap();
    std::fs::write(
        dir.join("tokenizer_config.json"),
        serde_json::to_string_pretty(&json!({
            "add_bos_token": false,
            "bos_token": null,
            "eos_token": "<|im_end|>",
            "chat_template": "{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}",
        }))
        .unwrap(),
    )
    .unwrap();
}

/// `n` small translation-like conversations (a learnable pattern: the answer reverses the
/// words of the question).
pub fn write_sft(path: &Path, n: usize) {
    let words = [
        "sun", "moon", "tree", "river", "stone", "bird", "wind", "rain",
    ];
    let mut out = String::new();
    for i in 0..n {
        let q: Vec<&str> = (0..4)
            .map(|j| words[(i * 3 + j * 5) % words.len()])
            .collect();
        let a: Vec<&str> = q.iter().rev().copied().collect();
        out.push_str(
            &serde_json::to_string(&json!({
                "id": format!("ex{i}"),
                "messages": [
                    {"role": "user", "content": format!("Reverse: {}", q.join(" "))},
                    {"role": "assistant", "content": a.join(" ")},
                ]
            }))
            .unwrap(),
        );
        out.push('\n');
    }
    std::fs::write(path, out).unwrap();
}
