//! Bad input gets a clear error (or documented behaviour), never a panic.

use crate::common;

use std::process::Command;

use candle_core::{DType, Device};
use kakugo::model::candle_backend::CandleModel;
use kakugo::model::export::write_hf_checkpoint;
use kakugo::model::resolve::resolve;
use kakugo::model::ChoiceGroup;

fn load_err(spec: &str) -> String {
    match kakugo::model::load(&(spec).parse().unwrap()) {
        Ok(_) => panic!("{spec} loaded"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn truncated_and_corrupt_gguf_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(common::model_file("SmolLM2-135M-Instruct.Q4_1.gguf")).unwrap();
    let truncated = dir.path().join("truncated.gguf");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let err = load_err(truncated.to_str().unwrap());
    assert!(
        err.contains("truncated.gguf") && err.contains("truncated: tensor"),
        "{err}"
    );

    let corrupt = dir.path().join("corrupt.gguf");
    let mut junk = bytes[..4096].to_vec();
    junk[0..4].copy_from_slice(b"NOPE");
    std::fs::write(&corrupt, junk).unwrap();
    let err = load_err(corrupt.to_str().unwrap());
    assert!(
        err.contains("corrupt.gguf") && err.contains("not a readable GGUF"),
        "{err}"
    );
}

#[test]
fn checkpoint_problems_are_reported() {
    let base = CandleModel::load(
        &resolve(&("smollm2-135m").parse().unwrap()).unwrap(),
        &Device::Cpu,
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ckpt = dir.path().join("ckpt");
    write_hf_checkpoint(&base, &ckpt, DType::BF16).unwrap();
    let config_path = ckpt.join("config.json");
    let config = std::fs::read_to_string(&config_path).unwrap();

    // Unsupported architecture.
    std::fs::write(&config_path, config.replace("\"llama\"", "\"bert\"")).unwrap();
    let err = load_err(ckpt.to_str().unwrap());
    assert!(
        err.contains("config.json") && err.contains("unsupported architecture `bert`"),
        "{err}"
    );

    // A tokenizer whose vocabulary does not fit the model.
    std::fs::write(
        &config_path,
        config.replace("\"vocab_size\": 49152", "\"vocab_size\": 1000"),
    )
    .unwrap();
    let err = load_err(ckpt.to_str().unwrap());
    assert!(
        err.contains("tokenizer has 49152 tokens") && err.contains("1000 rows"),
        "{err}"
    );

    // A truncated safetensors file.
    std::fs::write(&config_path, &config).unwrap();
    let weights = ckpt.join("model.safetensors");
    let bytes = std::fs::read(&weights).unwrap();
    std::fs::write(&weights, &bytes[..bytes.len() - 1000]).unwrap();
    let err = load_err(ckpt.to_str().unwrap());
    assert!(err.contains("model.safetensors"), "{err}");
}

#[test]
fn long_context_is_truncated_from_the_left_and_empty_continuation_is_an_error() {
    let base = CandleModel::load(
        &resolve(&("smollm2-135m").parse().unwrap()).unwrap(),
        &Device::Cpu,
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ckpt = dir.path().join("small-window");
    write_hf_checkpoint(&base, &ckpt, DType::F32).unwrap();
    let config_path = ckpt.join("config.json");
    let config = std::fs::read_to_string(&config_path).unwrap();
    std::fs::write(
        &config_path,
        config.replace(
            "\"max_position_embeddings\": 8192",
            "\"max_position_embeddings\": 32",
        ),
    )
    .unwrap();
    let mut model = kakugo::model::load(&(ckpt.to_str().unwrap()).parse().unwrap()).unwrap();
    let context = "one two three four five six seven eight nine ten ".repeat(6);
    let out = model
        .loglikelihood(&[ChoiceGroup {
            context: context.clone(),
            continuations: vec![" eleven".into()],
        }])
        .unwrap();
    let s = &out[0][0];
    assert!(s.truncated_tokens > 0, "expected truncation: {s:?}");
    assert!(s.logprob < 0.0 && s.logprob.is_finite());

    let err = model
        .loglikelihood(&[ChoiceGroup {
            context: "Topic:".into(),
            continuations: vec!["".into()],
        }])
        .unwrap_err()
        .to_string();
    assert!(err.contains("tokenizes to nothing"), "{err}");
}

#[test]
fn malformed_request_line_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let requests = dir.path().join("requests.jsonl");
    std::fs::write(
        &requests,
        "{\"context\": \"a\", \"continuation\": \" b\"}\n{\"context\": \"a\"}\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kakugo"))
        .args(["loglik", "--model", "smollm2-135m", "--requests"])
        .arg(&requests)
        .args(["--out"])
        .arg(dir.path().join("out.jsonl"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr
            .contains("requests.jsonl: line 2: field `continuation`: missing field `continuation`"),
        "{stderr}"
    );
    assert!(
        !dir.path().join("out.jsonl").exists(),
        "nothing half-written"
    );
}
