//! Multiple choice scored through an OpenAI-compatible server: the real llama.cpp server
//! (llama-cpp-python, `scripts/llama-server.sh`) serving the shipped SmolLM2 GGUF, against
//! kakugo's in-process f32 scoring of the same file; `kakugo eval` end to end over HTTP; and
//! servers without prompt log-probabilities (canned answers from the test proxy), which must
//! fail with a clear error after one request.
//!
//! Needs `KAKUGO_LLAMA_SERVER` and `KAKUGO_DATA`; fails loudly without them.
//! Run: `scripts/with-llama-server.sh cargo test --release --test eval_http`.

use crate::common;
use crate::http_proxy;

use std::time::{Duration, Instant};

use http_proxy::{server, Fault, Proxy};
use kakugo::model::openai::{OpenAiConfig, OpenAiModel, Outcome};
use kakugo::model::{ChoiceGroup, LanguageModel, Loglikelihood};

fn model(url: &str) -> OpenAiModel {
    let mut c = OpenAiConfig::new(url, "SmolLM2-135M-Instruct");
    // One at a time: llama-cpp-python serves one request at a time anyway, and in order it
    // reuses each context's cached prefix for the next continuation.
    c.max_in_flight = 1;
    c.max_retries = 2;
    c.backoff_base = Duration::from_millis(20);
    c.backoff_max = Duration::from_millis(200);
    c.timeout = Duration::from_secs(120);
    OpenAiModel::new(c).unwrap()
}

/// `n` SIB-200 eng_Latn test items spread over the split, as lm-eval's prompt with the 7
/// labels as continuations (the suite's template, `suites/sib200.toml`).
fn sib200_groups(n: usize) -> Vec<ChoiceGroup> {
    let dir = common::data_dir().join("sib200/eng_Latn");
    let labels: Vec<String> = std::fs::read_to_string(dir.join("labels.txt"))
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| format!(" {}", l.trim()))
        .collect();
    assert_eq!(labels.len(), 7);
    let rows = common::read_tsv(&dir.join("test.tsv"));
    let step = rows.len() / n;
    (0..n)
        .map(|i| ChoiceGroup {
            context: format!(
                "Topic of the following text: {}\nTopic:",
                &rows[i * step][2]
            ),
            continuations: labels.clone(),
        })
        .collect()
}

fn argmax(scores: &[Loglikelihood]) -> usize {
    (0..scores.len())
        .max_by(|&a, &b| scores[a].logprob.total_cmp(&scores[b].logprob))
        .unwrap()
}

/// Top-1 minus top-2 log-likelihood.
fn margin(scores: &[Loglikelihood]) -> f64 {
    let mut v: Vec<f64> = scores.iter().map(|s| s.logprob).collect();
    v.sort_by(|a, b| b.total_cmp(a));
    v[0] - v[1]
}

/// The server's prompt log-probabilities against kakugo's exact f32 scoring of the same
/// GGUF. llama.cpp quantises activations inside its matmuls (8-bit for Q4_1 weights), so it
/// is no exact reference (`tests/llama_cpp_agreement.rs`: ≈0.07 nats/token on average, up to
/// ≈1 on single tokens): token counts must be equal, each continuation's sum within 1.5 nats,
/// and the chosen label the same wherever kakugo's margin exceeds 1 nat.
#[test]
fn server_log_likelihoods_agree_with_in_process_scoring() {
    let groups = sib200_groups(10);
    let mut local = kakugo::model::load(&("smollm2-135m").parse().unwrap()).unwrap();
    let exact = local.loglikelihood(&groups).unwrap();
    let mut remote = model(&server());
    let started = Instant::now();
    let served = remote.loglikelihood(&groups).unwrap();
    let per_item = started.elapsed().as_secs_f64() / groups.len() as f64;
    let (mut token_deltas, mut sum_deltas) = (Vec::new(), Vec::new());
    let (mut decided, mut agreed) = (0, 0);
    for (g, (e, s)) in exact.iter().zip(&served).enumerate() {
        for (c, (a, b)) in e.iter().zip(s).enumerate() {
            assert_eq!(
                a.n_tokens, b.n_tokens,
                "item {g} continuation {:?}: token counts differ",
                groups[g].continuations[c]
            );
            assert_eq!(b.token_logprobs.len(), b.n_tokens);
            token_deltas.extend(
                a.token_logprobs
                    .iter()
                    .zip(&b.token_logprobs)
                    .map(|(x, y)| (x - y).abs()),
            );
            sum_deltas.push((a.logprob - b.logprob).abs());
        }
        if margin(e) > 1.0 {
            decided += 1;
            agreed += (argmax(e) == argmax(s)) as usize;
            assert_eq!(argmax(e), argmax(s), "item {g}: a different label wins");
        }
    }
    let mean = token_deltas.iter().sum::<f64>() / token_deltas.len() as f64;
    let max_token = token_deltas.iter().cloned().fold(0.0, f64::max);
    let max_sum = sum_deltas.iter().cloned().fold(0.0, f64::max);
    let same_choice = exact
        .iter()
        .zip(&served)
        .filter(|(e, s)| argmax(e) == argmax(s))
        .count();
    eprintln!(
        "{} pairs, {} tokens: |Δ| per token mean {mean:.3}, max {max_token:.3}; per continuation max {max_sum:.3}; \
         same choice {same_choice}/{} ({agreed}/{decided} with margin > 1 nat); {per_item:.2} s per item (7 requests) over HTTP",
        sum_deltas.len(),
        token_deltas.len(),
        groups.len()
    );
    assert!(mean < 0.2, "mean |Δ| per token {mean}");
    assert!(max_sum < 1.5, "max |Δ| per continuation {max_sum}");
    assert!(
        decided >= 3,
        "only {decided} items with a margin over 1 nat"
    );
    let log = remote.attempt_log().snapshot();
    assert_eq!(log.len(), 70);
    assert!(log.iter().all(|a| a.outcome == Outcome::Ok));
}

/// Failed attempts while scoring (a body cut off, a 503) are retried like generation's, and
/// the scores are the same as without them.
#[test]
fn scoring_requests_are_retried() {
    let groups = sib200_groups(1);
    let clean = model(&server()).loglikelihood(&groups).unwrap();
    let proxy = Proxy::start(&server(), &[Fault::Truncate, Fault::Status(503)]);
    let mut m = model(&proxy.url);
    let retried = m.loglikelihood(&groups).unwrap();
    // Not bit-equal: llama.cpp's numbers move slightly with how much of the prompt it reuses.
    for (a, b) in clean[0].iter().zip(&retried[0]) {
        assert_eq!(a.n_tokens, b.n_tokens);
        assert!((a.logprob - b.logprob).abs() < 0.05, "{a:?} vs {b:?}");
    }
    let outcomes: Vec<Outcome> = m
        .attempt_log()
        .snapshot()
        .iter()
        .map(|a| a.outcome)
        .collect();
    assert_eq!(
        outcomes[..3],
        [Outcome::BadBody, Outcome::ServerError, Outcome::Ok]
    );
    assert_eq!(outcomes.len(), 9);
}

/// Servers that cannot give prompt log-probabilities: each is found with one request (not
/// one per continuation), not retried, and named in an error that says what was missing.
#[test]
fn a_server_without_prompt_logprobs_fails_clearly_after_one_request() {
    let cases: [(Fault, &str); 4] = [
        // Ignores `echo` + `logprobs` (a plain completion).
        (
            Fault::Reply(
                200,
                r#"{"choices":[{"text":",","index":0,"finish_reason":"length"}]}"#,
            ),
            "neither `logprobs` nor `prompt_logprobs`",
        ),
        // Log-probabilities of the generated token only (llama.cpp's own llama-server).
        (
            Fault::Reply(
                200,
                r#"{"choices":[{"text":",","index":0,"logprobs":{"tokens":[","],"token_logprobs":[-0.87],"text_offset":[9999],"top_logprobs":[{",":-0.87}]},"finish_reason":"length"}]}"#,
            ),
            "generated tokens only",
        ),
        // Rejects the parameters (a hosted chat model behind /completions).
        (
            Fault::Reply(
                400,
                r#"{"error":{"message":"echo and logprobs are not supported for this model","type":"invalid_request_error"}}"#,
            ),
            "HTTP 400",
        ),
        // No text completions at all.
        (
            Fault::Reply(404, r#"{"detail":"Not Found"}"#),
            "no text-completions endpoint",
        ),
    ];
    let groups = vec![
        ChoiceGroup {
            context: "Topic:".into(),
            continuations: vec![" science".into(), " travel".into()],
        };
        3
    ];
    for (fault, why) in cases {
        // Canned answers never reach the upstream, so no server is needed behind the proxy.
        let proxy = Proxy::start("http://127.0.0.1:9/v1", &[]);
        proxy.set_default(fault);
        let mut m = model(&proxy.url);
        let err = m.loglikelihood(&groups).unwrap_err().to_string();
        assert!(
            err.contains("cannot score multiple choice")
                && err.contains(&format!("server {}", proxy.url))
                && err.contains("returned no prompt log-probabilities")
                && err.contains(why),
            "{fault:?}: {err}"
        );
        let log = m.attempt_log().snapshot();
        assert_eq!(log.len(), 1, "{fault:?}: {log:?}");
    }
}

/// `kakugo eval` with a server model: a run record whose manifest names the endpoint and says
/// the scores are the server's prompt log-probabilities.
#[test]
fn kakugo_eval_over_http_writes_a_run_record() {
    let dir = tempfile::tempdir().unwrap();
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let url = server();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kakugo"))
        .args([
            "eval",
            "--model",
            &format!("openai:SmolLM2-135M-Instruct@{url}"),
            "--suite",
        ])
        .arg(repo.join("suites/sib200.toml"))
        .args(["--languages", "eng_Latn", "--limit", "5", "--out"])
        .arg(dir.path())
        .env("KAKUGO_DATA", common::data_dir())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let record =
        kakugo::store::RunRecord::read(&dir.path().join("SmolLM2-135M-Instruct.sib200.json"))
            .unwrap();
    let m = &record.manifest.model;
    assert_eq!(m.backend, kakugo::store::Backend::Openai);
    assert_eq!(m.device, url);
    assert_eq!(m.scoring, kakugo::store::Scoring::ServerPromptLogprobs);
    let acc = record
        .result("sib200", "eng_Latn")
        .unwrap()
        .metric("acc")
        .unwrap();
    assert_eq!(acc.n, 5);
}

/// An experiment whose student is a server model: `kakugo run` evaluates it (no training: there
/// are no weights here) and its record says the scores are the server's.
#[test]
fn an_experiment_evaluates_a_student_on_a_server() {
    let dir = tempfile::tempdir().unwrap();
    let url = server();
    std::fs::write(
        dir.path().join("sib.toml"),
        r#"name = "sib"
[[task]]
name = "sib200"
dataset = "sib200"
split = "test"
languages = ["eng_Latn"]
template = "Topic of the following text: {{ text }}\nTopic:"
metrics = ["acc"]
"#,
    )
    .unwrap();
    let exp = dir.path().join("exp.toml");
    std::fs::write(
        &exp,
        format!(
            r#"name = "remote"
languages = ["eng_Latn"]
out = "out"
[[student]]
name = "smollm2-server"
model = "openai:SmolLM2-135M-Instruct@{url}"
[eval]
suites = ["sib.toml"]
limit = 3
"#
        ),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kakugo"))
        .arg("run")
        .arg(&exp)
        .env("KAKUGO_DATA", common::data_dir())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let records: Vec<_> = std::fs::read_dir(dir.path().join("out/records"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(records.len(), 1, "{records:?}");
    let record = kakugo::store::RunRecord::read(&records[0]).unwrap();
    assert_eq!(record.model, "smollm2-server");
    assert_eq!(
        record.manifest.model.backend,
        kakugo::store::Backend::Openai
    );
    assert_eq!(
        record.manifest.model.scoring,
        kakugo::store::Scoring::ServerPromptLogprobs
    );
    assert_eq!(record.results[0].metrics[0].n, 3);
}
