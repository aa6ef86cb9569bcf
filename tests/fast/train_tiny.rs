//! LoRA fine-tuning on tiny random-weight models in the real formats (fast tier): loss falls,
//! same seed → same bits, resume == uninterrupted, merged == base + adapter through
//! `kakugo::model::load`, GGUF export loads and decodes like the merged model, bad input fails
//! clearly and leaves nothing half-written, packing equals separate examples, and the
//! TRL/axolotl export carries the split, template and settings.

use crate::tiny;
use crate::training::{encode, max_abs_diff, train_logprobs};

use std::path::Path;

use candle_core::{Device, Tensor};
use kakugo::model::candle_backend::CandleModel;
use kakugo::model::resolve::resolve;
use kakugo::model::{ChoiceGroup, GenerateRequest, Prompt, Sampling};
use kakugo::train::data::{self, Encoded, TooLong};
use kakugo::train::export::{self, GgufType};
use kakugo::train::lora::{LoraConfig, Target};
use kakugo::train::{train, TrainOptions, Trainer};

fn tiny_options(base: &Path, data: &Path, out: &Path) -> TrainOptions {
    let mut o = TrainOptions::new(&(base.to_str().unwrap()).parse().unwrap(), data, out);
    o.lora = LoraConfig::new(4, 8.0, 0.05, &Target::ALL);
    o.lr = 1e-2;
    o.epochs = 3;
    o.batch_tokens = 160;
    o.max_len = 128;
    o.val_frac = 0.2;
    o.warmup = 0.1;
    o.seed = 7;
    o
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn tiny_loss_falls_and_same_seed_gives_identical_bits() {
    let dir = tempfile::tempdir().unwrap();
    let base = tiny::write_tiny_model(&dir.path().join("base"), "llama");
    let sft = dir.path().join("sft.jsonl");
    tiny::write_sft(&sft, 20);
    let a = train(&tiny_options(&base, &sft, &dir.path().join("a"))).unwrap();
    let b = train(&tiny_options(&base, &sft, &dir.path().join("b"))).unwrap();
    eprintln!(
        "tiny: {} steps, train {:?} -> {:?}, val {:?} -> {:?}",
        a.steps, a.first_train_loss, a.final_train_loss, a.initial_val_loss, a.final_val_loss
    );
    assert_eq!((a.train_examples, a.val_examples), (16, 4));
    assert!(a.steps >= 6);
    assert!(a.final_val_loss.unwrap() < a.initial_val_loss.unwrap() - 0.1);
    assert!(a.final_train_loss.unwrap() < a.first_train_loss.unwrap());
    assert_eq!(a.train_losses, b.train_losses);
    for f in [
        "adapter/adapter_model.safetensors",
        "merged/model.safetensors",
    ] {
        assert_eq!(
            std::fs::read(dir.path().join("a").join(f)).unwrap(),
            std::fs::read(dir.path().join("b").join(f)).unwrap(),
            "{f} differs between two runs with the same seed"
        );
    }
    let lineage = read_json(&dir.path().join("a/lineage.json"));
    assert_eq!(lineage["result"]["steps"], a.steps);
    assert_eq!(lineage["hyper_parameters"]["lora"]["rank"], 4);
    assert_eq!(lineage["data"]["sha256"].as_str().unwrap().len(), 64);
    assert!(dir.path().join("a/merged/lineage.json").is_file());
    // What training writes is what records and reports read back, typed.
    let typed = kakugo::store::Lineage::read(&dir.path().join("a/lineage.json")).unwrap();
    assert_eq!(typed.result["steps"], a.steps);
    assert_eq!(typed.student(), typed.base_model.name);
    assert!(typed.teacher().is_none());
    // A different seed is a different run.
    let mut o = tiny_options(&base, &sft, &dir.path().join("c"));
    o.seed = 8;
    let c = train(&o).unwrap();
    assert_ne!(c.train_losses, a.train_losses);
}

#[test]
fn tiny_resume_continues_exactly_and_rejects_corrupt_checkpoints() {
    let dir = tempfile::tempdir().unwrap();
    let base = tiny::write_tiny_model(&dir.path().join("base"), "llama");
    let sft = dir.path().join("sft.jsonl");
    tiny::write_sft(&sft, 20);
    let mut full = tiny_options(&base, &sft, &dir.path().join("full"));
    full.checkpoint_every = 3;
    let a = train(&full).unwrap();
    // An "interrupted" run: only the step-3 checkpoint survives.
    let part = dir.path().join("part");
    let ck = part.join("checkpoints");
    std::fs::create_dir_all(ck.join("step-000003")).unwrap();
    for f in ["state.json", "state.safetensors"] {
        std::fs::copy(
            dir.path().join("full/checkpoints/step-000003").join(f),
            ck.join("step-000003").join(f),
        )
        .unwrap();
    }
    std::fs::write(ck.join("latest.json"), r#"{"dir": "step-000003"}"#).unwrap();
    // Without --resume the directory is refused rather than overwritten.
    let mut again = full.clone();
    again.out = part.clone();
    let err = train(&again).unwrap_err().to_string();
    assert!(err.contains("already holds a training run"), "{err}");
    // Corrupt tensors: a clear error, and no artefacts.
    let st = ck.join("step-000003/state.safetensors");
    let good = std::fs::read(&st).unwrap();
    let mut bad = good.clone();
    let k = bad.len() - 5;
    bad[k] ^= 0x55;
    std::fs::write(&st, &bad).unwrap();
    again.resume = true;
    let err = train(&again).unwrap_err().to_string();
    assert!(
        err.contains("corrupt checkpoint") && err.contains("state.safetensors"),
        "{err}"
    );
    assert!(!part.join("merged").exists() && !part.join("lineage.json").exists());
    // Resumed from the intact checkpoint: bit-identical to the uninterrupted run.
    std::fs::write(&st, &good).unwrap();
    let b = train(&again).unwrap();
    assert_eq!(b.resumed_from, Some(3));
    assert_eq!(a.train_losses, b.train_losses);
    assert_eq!(a.val_losses, b.val_losses);
    assert_eq!(
        std::fs::read(dir.path().join("full/adapter/adapter_model.safetensors")).unwrap(),
        std::fs::read(part.join("adapter/adapter_model.safetensors")).unwrap()
    );
    // Different hyper-parameters cannot resume this run.
    let mut other = again.clone();
    other.lr = 3e-2;
    let err = train(&other).unwrap_err().to_string();
    assert!(err.contains("different run"), "{err}");
}

/// Merged model (through `kakugo::model::load`) == base + adapter, and the Q8_0 GGUF loads
/// and decodes greedily like the merged model.
fn merged_and_gguf(model_type: &str, greedy_q8_must_match: bool) {
    let dir = tempfile::tempdir().unwrap();
    let base = tiny::write_tiny_model(&dir.path().join("base"), model_type);
    let model = CandleModel::load(
        &resolve(&(base.to_str().unwrap()).parse().unwrap()).unwrap(),
        &Device::Cpu,
    )
    .unwrap();
    let sft = dir.path().join("sft.jsonl");
    tiny::write_sft(&sft, 12);
    let ex = data::read_sft(&sft).unwrap();
    let (enc, _) = data::encode_all(
        &sft,
        &ex,
        model.tokenizer(),
        model.chat_template(),
        128,
        TooLong::Drop,
    )
    .unwrap();
    let plan = data::schedule(&enc, 2, 200, 1, 0);
    let cfg = LoraConfig::new(4, 8.0, 0.0, &Target::ALL);
    let mut trainer = Trainer::new(&model, &cfg, 5).unwrap();
    for (s, b) in plan.iter().enumerate() {
        trainer.step(b, s, 2e-2, 1.0).unwrap();
    }
    let merged = export::merged_weights(&model, &trainer.lora).unwrap();
    let mdir = dir.path().join("merged");
    export::write_merged(&model, &merged, &mdir).unwrap();
    let gguf = dir.path().join("gguf/model-q8_0.gguf");
    export::write_gguf(&model, &merged, None, GgufType::Q8_0, &gguf).unwrap();

    let mut loaded = kakugo::model::load(&(mdir.to_str().unwrap()).parse().unwrap()).unwrap();
    let context =
        "<|im_start|>user\nReverse: sun moon tree river<|im_end|>\n<|im_start|>assistant\n";
    let groups = vec![ChoiceGroup {
        context: context.into(),
        continuations: vec!["river tree moon sun<|im_end|>".into()],
    }];
    let got = &loaded.loglikelihood(&groups).unwrap()[0][0];
    let pair = model
        .encode_pair(context, "river tree moon sun<|im_end|>")
        .unwrap();
    let mut all = pair.context.clone();
    all.extend(&pair.continuation);
    let want = train_logprobs(&model, Some(&trainer.lora), &all);
    let want = &want[pair.context.len() - 1..];
    let d = max_abs_diff(want, &got.token_logprobs);
    eprintln!("{model_type}: merged vs base+adapter max |Δ| = {d:.2e}");
    assert!(d < 1e-4, "merged vs base+adapter: {d}");
    let base_lp = train_logprobs(&model, None, &all);
    assert!(
        max_abs_diff(&base_lp[pair.context.len() - 1..], want) > 1e-2,
        "the adapter changed nothing"
    );

    let prompts: Vec<GenerateRequest> = [
        "sun moon",
        "bird wind rain",
        "stone river",
        "tree",
        "rain rain sun",
    ]
    .iter()
    .map(|p| GenerateRequest {
        prompt: Prompt::Chat(vec![kakugo::model::Message::new(
            "user",
            format!("Reverse: {p}"),
        )]),
        stop: vec![],
        max_new_tokens: 12,
        sampling: Sampling::Greedy,
    })
    .collect();
    let want_text = loaded.generate(&prompts).unwrap();
    // An f32 GGUF is the merged model exactly: same scores, same greedy output.
    let f32_path = dir.path().join("gguf32/model-f32.gguf");
    export::write_gguf(&model, &merged, None, GgufType::F32, &f32_path).unwrap();
    let mut g32 = kakugo::model::load(&(f32_path.to_str().unwrap()).parse().unwrap()).unwrap();
    let lp32 = &g32.loglikelihood(&groups).unwrap()[0][0];
    let d32 = max_abs_diff(&lp32.token_logprobs, &got.token_logprobs);
    assert!(d32 < 1e-4, "f32 GGUF vs merged: {d32}");
    let texts32 = g32.generate(&prompts).unwrap();
    for (x, y) in want_text.iter().zip(&texts32) {
        assert_eq!(x.text, y.text);
    }
    // Q8_0: quantisation noise only.
    let mut q8 = kakugo::model::load(&(gguf.to_str().unwrap()).parse().unwrap()).unwrap();
    let q8_lp = &q8.loglikelihood(&groups).unwrap()[0][0];
    let dq = max_abs_diff(&q8_lp.token_logprobs, &got.token_logprobs);
    eprintln!("{model_type}: Q8_0 GGUF vs merged max |Δ| = {dq:.2e}");
    assert!(dq < 0.1, "Q8_0 GGUF vs merged: {dq}");
    let texts8 = q8.generate(&prompts).unwrap();
    let same = want_text
        .iter()
        .zip(&texts8)
        .filter(|(x, y)| x.text == y.text)
        .count();
    eprintln!("{model_type}: Q8_0 greedy outputs equal to the merged model's: {same}/5");
    if greedy_q8_must_match {
        assert_eq!(same, 5);
    }
}

#[test]
fn tiny_llama_merged_equals_adapter_and_gguf_decodes_alike() {
    merged_and_gguf("llama", true);
}

#[test]
fn tiny_gemma_merged_equals_adapter_and_gguf_decodes_alike() {
    merged_and_gguf("gemma3_text", false);
}

#[test]
fn bad_input_fails_clearly_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let base = tiny::write_tiny_model(&dir.path().join("base"), "llama");
    // An example without an assistant turn: file and line named.
    let sft = dir.path().join("bad.jsonl");
    tiny::write_sft(&sft, 3);
    let mut text = std::fs::read_to_string(&sft).unwrap();
    text.push_str("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}\n");
    std::fs::write(&sft, text).unwrap();
    let out = dir.path().join("out");
    let err = train(&tiny_options(&base, &sft, &out))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("bad.jsonl: line 4: field `messages`: no assistant turn"),
        "{err}"
    );
    assert!(!out.exists(), "an error left {out:?} behind");

    // Too long: dropped and counted, or truncated and counted.
    let sft = dir.path().join("long.jsonl");
    tiny::write_sft(&sft, 10);
    let mut text = std::fs::read_to_string(&sft).unwrap();
    text.push_str(&format!(
        "{}\n",
        serde_json::json!({"messages": [{"role": "user", "content": "x".repeat(300)}, {"role": "assistant", "content": "y"}]})
    ));
    text.push_str(&format!(
        "{}\n",
        serde_json::json!({"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "z".repeat(300)}]})
    ));
    std::fs::write(&sft, text).unwrap();
    let mut o = tiny_options(&base, &sft, &dir.path().join("drop"));
    o.epochs = 1;
    o.on_too_long = TooLong::Drop;
    let s = train(&o).unwrap();
    assert_eq!(
        (s.data.dropped, s.data.truncated, s.data.examples),
        (2, 0, 10)
    );
    o.on_too_long = TooLong::Truncate;
    o.out = dir.path().join("trunc");
    let s = train(&o).unwrap();
    // The first keeps no assistant token within 128 tokens (dropped); the second is cut.
    assert_eq!(
        (s.data.dropped, s.data.truncated, s.data.examples),
        (1, 1, 11)
    );
    let lineage = read_json(&dir.path().join("trunc/lineage.json"));
    assert_eq!(lineage["result"]["data"]["truncated"], 1);

    // An architecture kakugo cannot train.
    let cfg_path = base.join("config.json");
    let mut cfg = read_json(&cfg_path);
    cfg["model_type"] = serde_json::json!("mamba");
    std::fs::write(&cfg_path, cfg.to_string()).unwrap();
    let out = dir.path().join("mamba");
    let err = train(&tiny_options(&base, &sft, &out))
        .unwrap_err()
        .to_string();
    assert!(err.contains("unsupported architecture `mamba`"), "{err}");
    assert!(!out.exists());
}

/// The packed-sequence micro-batch path and per-example path agree on the loss.
#[test]
fn packed_loss_equals_separate_examples() {
    let dir = tempfile::tempdir().unwrap();
    let base = tiny::write_tiny_model(&dir.path().join("base"), "llama");
    let model = CandleModel::load(
        &resolve(&(base.to_str().unwrap()).parse().unwrap()).unwrap(),
        &Device::Cpu,
    )
    .unwrap();
    let enc = encode(
        &model,
        &[
            ("a b", "b a"),
            ("sun moon tree", "tree moon sun"),
            ("x", "y z"),
        ],
    );
    let trainer = Trainer::new(&model, &LoraConfig::new(2, 4.0, 0.0, &[Target::Q]), 0).unwrap();
    let refs: Vec<&Encoded> = enc.iter().collect();
    let packed = data::pack(&refs, 1000);
    assert_eq!(packed.len(), 1);
    let separate = data::pack(&refs, 1);
    assert_eq!(separate.len(), 3);
    let a = trainer.eval_loss(&packed).unwrap();
    let b = trainer.eval_loss(&separate).unwrap();
    assert!((a - b).abs() < 1e-5, "{a} vs {b}");
    let _ = Tensor::zeros(1, candle_core::DType::F32, &Device::Cpu);
}

/// `--export axolotl|trl`: the same split as kakugo's run, the chat template, the settings.
#[test]
fn external_trainer_export_carries_split_template_and_settings() {
    use kakugo::train::external::{export, ExternalTrainer};
    let dir = tempfile::tempdir().unwrap();
    let base = tiny::write_tiny_model(&dir.path().join("base"), "llama");
    let sft = dir.path().join("sft.jsonl");
    tiny::write_sft(&sft, 20);
    let mut o = tiny_options(&base, &sft, &dir.path().join("ax"));
    export(&o, ExternalTrainer::Axolotl).unwrap();
    let yaml = std::fs::read_to_string(dir.path().join("ax/axolotl.yaml")).unwrap();
    for line in [
        "adapter: lora",
        "lora_r: 4",
        "lora_alpha: 8",
        "lora_target_modules: [\"q_proj\", \"k_proj\", \"v_proj\", \"o_proj\", \"gate_proj\", \"up_proj\", \"down_proj\"]",
        "learning_rate: 0.01",
        "num_epochs: 3",
        "seed: 7",
        "roles_to_train: [\"assistant\"]",
    ] {
        assert!(yaml.contains(line), "axolotl.yaml lacks `{line}`:\n{yaml}");
    }
    assert!(yaml.contains("chat_template_jinja: \"{% for message in messages %}<|im_start|>"));
    let lines = |p: &str| {
        std::fs::read_to_string(dir.path().join(p))
            .unwrap()
            .lines()
            .count()
    };
    assert_eq!(
        (lines("ax/data/train.jsonl"), lines("ax/data/val.jsonl")),
        (16, 4)
    );
    o.out = dir.path().join("trl");
    export(&o, ExternalTrainer::Trl).unwrap();
    let yaml = std::fs::read_to_string(dir.path().join("trl/trl_sft.yaml")).unwrap();
    assert!(
        yaml.contains("use_peft: true")
            && yaml.contains("lora_r: 4")
            && yaml.contains("completion_only_loss: true")
    );
    let row: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(dir.path().join("trl/data/train.jsonl"))
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(row["completion"][0]["role"], "assistant");
    assert_eq!(row["prompt"][0]["role"], "user");
    // The same examples are held out as in `kakugo train` with these options.
    let ax_val = std::fs::read_to_string(dir.path().join("ax/data/val.jsonl")).unwrap();
    let trl_val = std::fs::read_to_string(dir.path().join("trl/data/val.jsonl")).unwrap();
    let ids = |t: &str| -> Vec<String> {
        t.lines()
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    assert_eq!(ids(&ax_val), ids(&trl_val));
}
