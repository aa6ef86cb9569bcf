//! A candidate trained here runs in llama.cpp through its exported GGUF, and llama.cpp's
//! greedy output is the merged model's: SmolLM2 is trained for two steps on FLORES eng→kaz
//! pairs, exported as an f32 GGUF, and llama.cpp (llama-cpp-python, the venv that
//! scripts/test.sh sets up for the server tests) continues five FLORES prompts greedily. Every
//! token llama.cpp picks must be the argmax of kakugo's exact f32 scoring of the merged model.

use crate::common;

use std::path::Path;
use std::process::Command;

use kakugo::data::{DataSources, LoadedFiles, Split};
use kakugo::model::ChoiceGroup;

#[test]
fn llama_cpp_greedy_on_the_exported_gguf_is_the_merged_models_greedy() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = repo.join(".venv-llama/bin/python");
    assert!(
        python.is_file(),
        "{} is missing: run the tests through scripts/test.sh, which installs llama-cpp-python",
        python.display()
    );
    let data = common::data_dir();
    let sources = DataSources::under(&data);
    let (eng, kaz) = (
        kakugo::lang::resolve("eng_Latn").unwrap(),
        kakugo::lang::resolve("kaz_Cyrl").unwrap(),
    );
    let mut files = LoadedFiles::default();
    let pairs = kakugo::data::flores::load_pairs(&sources.flores, eng, kaz, Split::Dev, &mut files)
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let sft = dir.path().join("sft.jsonl");
    let lines: Vec<String> = pairs[..8]
        .iter()
        .map(|p| {
            serde_json::json!({"messages": [
                {"role": "user", "content": format!("Translate to Kazakh: {}", p.source)},
                {"role": "assistant", "content": p.references[0]},
            ]})
            .to_string()
        })
        .collect();
    std::fs::write(&sft, lines.join("\n") + "\n").unwrap();
    let out = dir.path().join("cand");
    let status = Command::new(env!("CARGO_BIN_EXE_kakugo"))
        .args(["train", "--base", "smollm2-135m", "--data"])
        .arg(&sft)
        .arg("--out")
        .arg(&out)
        .args([
            "--max-steps",
            "2",
            "--max-len",
            "128",
            "--batch-tokens",
            "256",
            "--val-frac",
            "0.25",
            "--lr",
            "1e-3",
            "--export-gguf",
            "f32",
            "--quiet",
        ])
        .status()
        .unwrap();
    assert!(status.success());
    let gguf = std::fs::read_dir(out.join("gguf"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "gguf"))
        .expect("an exported GGUF");

    let prompts: Vec<String> = pairs[100..105]
        .iter()
        .map(|p| format!("English: {}\nKazakh:", p.source))
        .collect();
    let prompts_path = dir.path().join("prompts.json");
    std::fs::write(&prompts_path, serde_json::to_string(&prompts).unwrap()).unwrap();
    let output = Command::new(&python)
        .arg(repo.join("scripts/reference/llama_cpp_greedy.py"))
        .arg(&gguf)
        .arg(&prompts_path)
        .arg("12")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "llama.cpp failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let completions: Vec<String> = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(completions.len(), 5);

    let mut merged =
        kakugo::model::load(&kakugo::model::ModelSpec::Path(out.join("merged"))).unwrap();
    let groups: Vec<ChoiceGroup> = prompts
        .iter()
        .zip(&completions)
        .map(|(p, c)| ChoiceGroup {
            context: p.clone(),
            continuations: vec![c.clone()],
        })
        .collect();
    let scores = merged.loglikelihood(&groups).unwrap();
    for ((p, c), s) in prompts.iter().zip(&completions).zip(&scores) {
        assert!(s[0].n_tokens > 0, "llama.cpp produced nothing for {p:?}");
        assert!(
            s[0].is_greedy,
            "llama.cpp's greedy continuation {c:?} of {p:?} is not the merged model's argmax at every token: {:?}",
            s[0].token_logprobs
        );
    }
}
