//! `kakugo run` killed with SIGKILL in synthesis, in training and in evaluation, then rerun,
//! ends with the same bytes as an uninterrupted run: the SFT data, the adapter, the lineage and
//! every run record. Real models (SmolLM2 teaches SmolLM2), real data, tiny settings.

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

fn write_experiment(dir: &Path) -> PathBuf {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let suite = dir.join("tiny.toml");
    std::fs::write(
        &suite,
        r#"name = "tiny"
[[task]]
name = "sib200"
dataset = "sib200"
split = "test"
languages = ["kaz_Cyrl"]
template = "Topic of the following text: {{ text }}\nTopic:"
limit = 7
metrics = ["acc"]

[[task]]
name = "flores_xx_en"
dataset = "flores"
direction = "xx_en"
split = "devtest"
languages = ["kaz_Cyrl"]
template = "{{ source_language }}: {{ source }}\n{{ target_language }}:"
limit = 3
max_new_tokens = 24
metrics = ["chrf++"]
"#,
    )
    .unwrap();
    let exp = dir.join("exp.toml");
    std::fs::write(
        &exp,
        format!(
            r#"name = "kill"
seed = 7
languages = ["kk"]
out = "out"
[[teacher]]
name = "smollm2"
model = "smollm2-135m"
[[student]]
name = "smollm2"
model = "smollm2-135m"
[synth]
strategies = ["translate"]
input = {input:?}
n = 3
overgenerate = 2.0
max_new_tokens = 96
improve_share = 0.0
keep_wrong_language = true
[train]
rank = 4
targets = ["q", "v"]
lr = 1e-3
max_steps = 3
checkpoint_every = 1
max_len = 128
batch_tokens = 256
val_frac = 0.34
[eval]
suites = ["tiny.toml"]
"#,
            input = repo.join("examples/prompts-en.jsonl").display().to_string()
        ),
    )
    .unwrap();
    exp
}

fn start(exp: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_kakugo"))
        .arg("run")
        .arg(exp)
        .env("KAKUGO_DATA", common::data_dir())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

/// Every file that must come out the same, by path relative to the output directory.
fn outputs(out: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![out.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let rel = path
                .strip_prefix(out)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if path.is_dir() {
                if !rel.contains("checkpoints") {
                    stack.push(path);
                }
                continue;
            }
            let name = path.file_name().unwrap().to_string_lossy();
            let wanted = rel.starts_with("records/")
                || name == "data.jsonl"
                || name == "sft.jsonl"
                || name == "lineage.json"
                || name == "adapter_model.safetensors"
                || name == "record.json";
            if wanted {
                files.insert(rel, std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

/// Waits until `ready` finds its file in the output, then kills the run; returns whether it
/// was killed (false: the run finished first).
fn kill_when(child: &mut Child, out: &Path, ready: impl Fn(&Path) -> bool) -> bool {
    let deadline = Instant::now() + Duration::from_secs(900);
    while Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        if ready(out) {
            child.kill().unwrap(); // SIGKILL
            child.wait().unwrap();
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("the run neither finished nor reached the kill point in 15 minutes");
}

fn partial_with(out: &Path, prefix: &str, file: &str) -> bool {
    let Ok(entries) = std::fs::read_dir(out.join("units")) else {
        return false;
    };
    entries.flatten().any(|e| {
        let name = e.file_name().to_string_lossy().into_owned();
        name.starts_with(prefix) && name.ends_with(".partial") && e.path().join(file).exists()
    })
}

#[test]
fn killed_runs_resume_to_the_bytes_of_an_uninterrupted_run() {
    let dir = tempfile::tempdir().unwrap();
    let exp = write_experiment(dir.path());
    let out = dir.path().join("out");

    let status = start(&exp).wait().unwrap();
    assert!(status.success(), "uninterrupted run failed: {status}");
    let reference = outputs(&out);
    assert!(
        reference
            .keys()
            .filter(|k| k.starts_with("records/"))
            .count()
            == 2,
        "expected a base and a candidate record: {:?}",
        reference.keys().collect::<Vec<_>>()
    );
    assert!(reference
        .keys()
        .any(|k| k.ends_with("adapter_model.safetensors")));
    std::fs::remove_dir_all(&out).unwrap();

    // Kill in synthesis (after the first teacher answer is cached), in training (after the
    // first checkpoint), and in evaluation (once a response cache exists), rerunning each time.
    let points: [(&str, &str); 3] = [
        ("synth-", "data.jsonl.cache.sqlite"),
        ("train-", "checkpoints/latest.json"),
        ("eval-", "responses.sqlite"),
    ];
    let mut killed = 0;
    for (prefix, file) in points {
        let mut child = start(&exp);
        if kill_when(&mut child, &out, |o| partial_with(o, prefix, file)) {
            killed += 1;
        }
    }
    assert!(killed >= 2, "only {killed} of 3 kill points were reached");
    let status = start(&exp).wait().unwrap();
    assert!(status.success(), "the resumed run failed: {status}");

    let resumed = outputs(&out);
    assert_eq!(
        reference.keys().collect::<Vec<_>>(),
        resumed.keys().collect::<Vec<_>>()
    );
    let differing: Vec<&String> = reference
        .iter()
        .filter(|(name, bytes)| &resumed[*name] != *bytes)
        .map(|(name, _)| name)
        .collect();
    assert!(
        differing.is_empty(),
        "differ after kill -9 and resume: {differing:?}"
    );
}
