//! `kakugo synth`, `synth stats` and `synth filter` end to end with the shipped in-process
//! model (SmolLM2-135M) as the teacher: real generations, schema-valid output, a manifest whose
//! counts add up, and a rerun that resumes from the cache without writing anything twice.
//!
//! Run: `KAKUGO_DATA=/work/shared/data cargo test --release --test synth_cli`.

use crate::common;

use std::path::Path;
use std::process::Command;

use kakugo::synth::record::read_sft;

fn kakugo(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kakugo"))
        .current_dir(dir)
        .env("KAKUGO_DATA", common::data_dir())
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn manifest(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn topic_and_respond_with_an_in_process_teacher_resume_and_are_judged() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("prompts.jsonl"),
        "{\"id\": \"a\", \"prompt\": \"What colour is grass? Answer in one word.\"}\n{\"id\": \"b\", \"prompt\": \"Say hello.\"}\n",
    )
    .unwrap();
    let common_args = [
        "--teacher",
        "smollm2-135m",
        "--language",
        "eng_Latn",
        "--out",
        "d.jsonl",
        "--max-new-tokens",
        "64",
        "--list-max-tokens",
        "64",
        "--temperature",
        "0.3",
        "--seed",
        "3",
    ];
    let respond: Vec<&str> = [
        "synth",
        "--strategy",
        "respond",
        "--input",
        "prompts.jsonl",
        "--n",
        "2",
    ]
    .into_iter()
    .chain(common_args)
    .collect();
    let (code, stdout, stderr) = kakugo(d, &respond);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("d.jsonl: "), "{stdout}");
    let m = manifest(&d.join("d.jsonl.manifest.json"));
    assert_eq!(m["teacher"]["backend"], "candle");
    assert_eq!(m["teacher"]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(m["strategy"], "respond");
    assert_eq!(m["settings"]["temperature"], 0.3);
    assert_eq!(m["usage"]["calls"], 2);
    assert!(m["usage"]["completion_tokens"].as_u64().unwrap() > 0);
    assert!(m["tokens_per_second"].as_f64().unwrap() > 0.0);
    let written = m["summary"]["written"].as_u64().unwrap();
    let rejected: u64 = m["summary"]["rejected"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(written + rejected, 2, "{m}");
    let records = read_sft(&d.join("d.jsonl")).unwrap();
    assert_eq!(records.len() as u64, written);

    // Rerun: everything from the cache, nothing written twice.
    let (code, _, stderr) = kakugo(d, &respond);
    assert_eq!(code, 0, "{stderr}");
    let m = manifest(&d.join("d.jsonl.manifest.json"));
    assert_eq!(
        (
            m["usage"]["calls"].as_u64(),
            m["usage"]["cached_calls"].as_u64()
        ),
        (Some(0), Some(2))
    );
    assert_eq!(m["summary"]["written"], 0);
    assert_eq!(read_sft(&d.join("d.jsonl")).unwrap(), records);

    // Topic appends to the same file: the whole tree (seed → macro → topic → prompts →
    // improvement → response) through the in-process model.
    let topic: Vec<&str> = [
        "synth",
        "--strategy",
        "topic",
        "--n",
        "1",
        "--macro-topics",
        "2",
        "--topics",
        "2",
        "--topic-prompts",
        "2",
        "--overgenerate",
        "2",
        "--keep-wrong-language",
    ]
    .into_iter()
    .chain(common_args)
    .collect();
    let (code, _, stderr) = kakugo(d, &topic);
    assert_eq!(code, 0, "{stderr}");
    let m = manifest(&d.join("d.jsonl.manifest.json"));
    assert_eq!(m["strategy"], "topic");
    assert!(m["usage"]["calls"].as_u64().unwrap() >= 3, "{m}");
    assert_eq!(m["templates"]["topic_macro"]["origin"], "default");
    let all = read_sft(&d.join("d.jsonl")).unwrap();
    assert_eq!(
        all.len() as u64,
        records.len() as u64 + m["summary"]["written"].as_u64().unwrap()
    );

    // Judge and clean what was written.
    let (code, stdout, stderr) = kakugo(d, &["synth", "stats", "d.jsonl", "--json", "stats.json"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("held-out accuracy"), "{stdout}");
    let stats = manifest(&d.join("stats.json"));
    assert_eq!(
        stats["files"][0]["records"].as_u64().unwrap(),
        all.len() as u64
    );
    let (code, stdout, stderr) = kakugo(
        d,
        &[
            "synth",
            "filter",
            "d.jsonl",
            "--out",
            "clean.jsonl",
            "--no-language",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains(&format!("of {}", all.len())), "{stdout}");
    assert!(read_sft(&d.join("clean.jsonl")).unwrap().len() <= all.len());

    // Bad input names the file, line and field.
    std::fs::write(d.join("bad.jsonl"), "{\"prompt\": \"ok\"}\n{\"id\": 2}\n").unwrap();
    let (code, _, stderr) = kakugo(
        d,
        &[
            "synth",
            "--teacher",
            "smollm2-135m",
            "--language",
            "kk",
            "--strategy",
            "respond",
            "--input",
            "bad.jsonl",
            "--out",
            "x.jsonl",
        ],
    );
    assert_eq!(code, 2);
    assert!(
        stderr.contains("bad.jsonl: line 2: field `prompt`: missing"),
        "{stderr}"
    );
}
