//! LoRA fine-tuning on the shipped models (real tier): the training forward against the
//! scoring decoder, gradients reaching every adapter, the PEFT export's Q/K unpermutation.
//! The whole loop on tiny models is in the fast tier (`tests/fast/train_tiny.rs`).

use crate::common;
use crate::tiny;
use crate::training::{decoder_logprobs, encode, max_abs, max_abs_diff, train_logprobs};

use candle_core::Device;
use kakugo::model::candle_backend::CandleModel;
use kakugo::model::decoder::{rows, token_logprob};
use kakugo::model::resolve::resolve;
use kakugo::train::data::{self, Encoded};
use kakugo::train::export::{self};
use kakugo::train::forward::{hidden_states, Packed};
use kakugo::train::lora::{LoraConfig, Target};
use kakugo::train::Trainer;

fn flores_text() -> String {
    let data = common::data_dir();
    let eng = common::read_tsv(&data.join("flores/subset/eng_Latn.tsv"));
    let kaz = common::read_tsv(&data.join("flores/subset/kaz_Cyrl.tsv"));
    format!("English: {}\nKazakh: {}", &eng[0][2], &kaz[0][2])
}

fn forward_matches_decoder(preset: &str) {
    let model =
        CandleModel::load(&resolve(&(preset).parse().unwrap()).unwrap(), &Device::Cpu).unwrap();
    let mut tokens: Vec<u32> = model.tokenizer().bos_to_add().into_iter().collect();
    tokens.extend(model.tokenizer().encode(&flores_text()).unwrap());
    tokens.truncate(48);
    let want = decoder_logprobs(&model, &tokens);
    let got = train_logprobs(&model, None, &tokens);
    let d = max_abs_diff(&want, &got);
    eprintln!("{preset}: {} tokens, max |Δ logprob| = {d:.2e}", want.len());
    assert!(d < 1e-4, "{preset}: max |Δ| {d}");
    // Packing two copies must give each the same log-probabilities as alone.
    let dec = model.decoder();
    let mut packed = tokens.clone();
    packed.extend(&tokens);
    let n = tokens.len();
    let h = hidden_states(
        dec,
        &Packed {
            tokens: packed.clone(),
            segments: vec![(0, n), (n, n)],
        },
        None,
        None,
    )
    .unwrap();
    let logits = rows(&dec.logits(&h.narrow(0, n, n).unwrap()).unwrap()).unwrap();
    let second: Vec<f64> = (0..n - 1)
        .map(|i| token_logprob(&logits[i], tokens[i + 1]).0)
        .collect();
    assert!(max_abs_diff(&second, &want) < 1e-4);
}

#[test]
fn training_forward_equals_decoder_smollm2() {
    forward_matches_decoder("smollm2-135m");
}

#[test]
fn training_forward_equals_decoder_gemma3() {
    forward_matches_decoder("gemma3-270m");
}

#[test]
fn training_forward_equals_decoder_tiny_gemma_with_sliding_window() {
    let dir = tempfile::tempdir().unwrap();
    let m = tiny::write_tiny_model(&dir.path().join("g"), "gemma3_text");
    let model = CandleModel::load(
        &resolve(&(m.to_str().unwrap()).parse().unwrap()).unwrap(),
        &Device::Cpu,
    )
    .unwrap();
    let tokens: Vec<u32> = (0..40u32).map(|i| (i * 37 + 5) % 250).collect();
    let d = max_abs_diff(
        &decoder_logprobs(&model, &tokens),
        &train_logprobs(&model, None, &tokens),
    );
    assert!(d < 1e-4, "max |Δ| {d}");
}

/// After one step (B is no longer zero) every LoRA tensor of every layer and target has a
/// non-zero gradient: the graph is not cut anywhere (FINDINGS.md: fast kernels cut it).
#[test]
fn every_lora_parameter_gets_a_gradient_smollm2() {
    let model = CandleModel::load(
        &resolve(&("smollm2-135m").parse().unwrap()).unwrap(),
        &Device::Cpu,
    )
    .unwrap();
    let enc = encode(
        &model,
        &[("Translate to Kazakh: Good morning.", "Қайырлы таң.")],
    );
    assert!(enc[0].loss_tokens() > 2);
    let refs: Vec<&Encoded> = enc.iter().collect();
    let batches = data::pack(&refs, 512);
    let cfg = LoraConfig::new(4, 8.0, 0.1, &Target::ALL);
    let mut trainer = Trainer::new(&model, &cfg, 1).unwrap();
    let first = trainer.step(&batches, 0, 1e-3, 1.0).unwrap();
    let (_, _, _, grads) = trainer.gradients(&batches, 1).unwrap();
    let names = trainer.lora.params();
    assert_eq!(names.len(), 30 * 7 * 2);
    for ((name, _), g) in names.iter().zip(&grads) {
        let m = max_abs(g);
        assert!(m > 0.0, "{name}: zero gradient");
    }
    // Two more steps on the same example lower its loss (a real model learns).
    let mut last = first.loss;
    for s in 1..3 {
        last = trainer.step(&batches, s, 1e-3, 1.0).unwrap().loss;
    }
    eprintln!("smollm2 loss {:.4} -> {:.4}", first.loss, last);
    assert!(last < first.loss, "{} -> {last}", first.loss);
}

/// The PEFT adapter of a GGUF llama is in Hugging Face row order: merging it into the
/// un-permuted base reproduces the un-permuted merged weights.
#[test]
fn peft_adapter_unpermutes_q_and_k_for_llama_gguf() {
    let model = CandleModel::load(
        &resolve(&("smollm2-135m").parse().unwrap()).unwrap(),
        &Device::Cpu,
    )
    .unwrap();
    let enc = encode(&model, &[("Hello", "Сәлем")]);
    let refs: Vec<&Encoded> = enc.iter().collect();
    let batches = data::pack(&refs, 512);
    let cfg = LoraConfig::new(4, 8.0, 0.0, &[Target::Q, Target::K]);
    let mut trainer = Trainer::new(&model, &cfg, 3).unwrap();
    for s in 0..2 {
        trainer.step(&batches, s, 1e-2, 1.0).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    export::write_peft_adapter(&model, &trainer.lora, dir.path(), "base").unwrap();
    let ad =
        candle_core::safetensors::load(dir.path().join("adapter_model.safetensors"), &Device::Cpu)
            .unwrap();
    let merged = export::merged_weights(&model, &trainer.lora).unwrap();
    let c = model.decoder().config();
    for (t, base, merged, heads) in [
        (
            "q_proj",
            &model.decoder().weights().layers[0].wq,
            &merged.layers[0].wq,
            c.num_heads,
        ),
        (
            "k_proj",
            &model.decoder().weights().layers[0].wk,
            &merged.layers[0].wk,
            c.num_kv_heads,
        ),
    ] {
        let a = &ad[&format!("base_model.model.model.layers.0.self_attn.{t}.lora_A.weight")];
        let b = &ad[&format!("base_model.model.model.layers.0.self_attn.{t}.lora_B.weight")];
        let hf_base = kakugo::model::export::unpermute_rows(base, heads).unwrap();
        let want = kakugo::model::export::unpermute_rows(merged, heads).unwrap();
        let got = (hf_base + (b.matmul(a).unwrap() * 2.0).unwrap()).unwrap();
        let d = max_abs(&(want - got).unwrap());
        assert!(d < 1e-6, "{t}: {d}");
        let bd = max_abs(b);
        assert!(bd > 0.0);
    }
    let cfg_json: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("adapter_config.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        cfg_json["target_modules"],
        serde_json::json!(["q_proj", "k_proj"])
    );
    assert_eq!(cfg_json["r"], 4);
}
