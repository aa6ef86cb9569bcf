//! The OpenAI-compatible teacher against a real llama.cpp server (llama-cpp-python's server
//! serving SmolLM2-135M-Instruct), with faults injected: 500s, 429s, a response cut off
//! mid-body, a server that stays down, and a server killed mid-run and restarted.
//!
//! Needs `KAKUGO_LLAMA_SERVER` (e.g. `http://127.0.0.1:8089/v1`); fails loudly without it.
//! Run: `scripts/with-llama-server.sh cargo test --release --test synth_http`.
//!
//! Faults come from a small proxy in front of the real server (`tests/common/http_proxy.rs`):
//! each connection takes the next fault from a script (then forwards), so what goes wrong, and
//! when, is deterministic.

use crate::common;
use crate::http_proxy;

use std::net::TcpListener;
use std::path::Path;
use std::time::Duration;

use http_proxy::{server, Fault, Proxy};

use kakugo::model::openai::{OpenAiConfig, OpenAiModel, Outcome};
use kakugo::model::{FinishReason, GenerateRequest, LanguageModel, Message, Prompt, Sampling};
use kakugo::store::cache::ResponseCache;
use kakugo::synth::lid::LanguageId;
use kakugo::synth::pipeline::{self, Job};
use kakugo::synth::record::{read_sft, SftFile};
use kakugo::synth::strategy::{Settings, Strategy};
use kakugo::synth::teacher::Teacher;
use kakugo::synth::templates::Templates;

fn model(url: &str, retries: u32) -> OpenAiModel {
    let mut c = OpenAiConfig::new(url, "SmolLM2-135M-Instruct");
    c.max_in_flight = 2;
    c.max_retries = retries;
    c.backoff_base = Duration::from_millis(20);
    c.backoff_max = Duration::from_millis(200);
    c.timeout = Duration::from_secs(120);
    OpenAiModel::new(c).unwrap()
}

fn chat(text: &str, seed: u64, max: usize) -> GenerateRequest {
    GenerateRequest {
        prompt: Prompt::Chat(vec![Message::new("user", text)]),
        stop: vec![],
        max_new_tokens: max,
        sampling: Sampling::Seeded {
            temperature: 0.8,
            top_p: 0.9,
            seed,
        },
    }
}

#[test]
fn chat_and_text_completions_from_a_real_server() {
    let mut m = model(&server(), 0);
    let requests = vec![
        chat("Name three colours.", 1, 24),
        chat("Name three colours.", 1, 24),
        GenerateRequest {
            prompt: Prompt::Text("The capital of France is".into()),
            stop: vec![".".into()],
            max_new_tokens: 16,
            sampling: Sampling::Greedy,
        },
        chat("Write a long story about a dragon.", 2, 8),
    ];
    let out = m.generate(&requests).unwrap();
    assert_eq!(out.len(), 4);
    for g in &out {
        assert!(!g.text.trim().is_empty(), "{g:?}");
        assert!(g.prompt_tokens > 0 && g.n_tokens > 0, "{g:?}");
    }
    // Same seed, same answer: the server honours the seed.
    assert_eq!(out[0].text, out[1].text);
    assert!(out[2].text.contains("Paris"), "{:?}", out[2]);
    assert!(
        !out[2].text.contains('.'),
        "stop string not applied: {:?}",
        out[2]
    );
    // 8 tokens cannot hold a long story.
    assert_eq!((out[3].finish, out[3].n_tokens), (FinishReason::Length, 8));
    let attempts = m.attempt_log().snapshot();
    assert_eq!(attempts.len(), 4);
    assert!(attempts
        .iter()
        .all(|a| a.outcome == Outcome::Ok && a.attempt == 0));
}

#[test]
fn server_errors_rate_limits_and_cut_responses_are_retried() {
    let proxy = Proxy::start(
        &server(),
        &[
            Fault::Status(500),
            Fault::Truncate,
            Fault::Status(429),
            Fault::Status(503),
        ],
    );
    let mut m = model(&proxy.url, 4);
    // One request in flight at a time, so the faults hit the first request in order.
    let mut c = m.config().clone();
    c.max_in_flight = 1;
    m = OpenAiModel::new(c).unwrap();
    let out = m
        .generate(&[chat("Say hi.", 3, 12), chat("Say bye.", 4, 12)])
        .unwrap();
    assert!(out.iter().all(|g| !g.text.is_empty()));
    let attempts = m.attempt_log().snapshot();
    let first: Vec<(u32, Outcome, Option<u16>)> = attempts
        .iter()
        .filter(|a| a.request == 0)
        .map(|a| (a.attempt, a.outcome, a.status))
        .collect();
    assert_eq!(first.len(), 5, "{attempts:?}");
    assert_eq!(first[0], (0, Outcome::ServerError, Some(500)));
    // A body cut mid-way fails while reading it (hyper) or while parsing it: either way retried.
    assert!(
        matches!(first[1].1, Outcome::BadBody | Outcome::Connection),
        "{first:?}"
    );
    assert_eq!(first[2], (2, Outcome::RateLimited, Some(429)));
    assert_eq!(first[3], (3, Outcome::ServerError, Some(503)));
    assert_eq!(first[4], (4, Outcome::Ok, Some(200)));
    assert!(attempts
        .iter()
        .any(|a| a.request == 1 && a.outcome == Outcome::Ok));
}

#[test]
fn errors_that_outlast_the_retries_or_cannot_be_retried_fail_with_their_attempts() {
    let proxy = Proxy::start(&server(), &[]);
    proxy.set_default(Fault::Status(500));
    let mut m = model(&proxy.url, 2);
    let err = m.generate(&[chat("x", 1, 4)]).unwrap_err().to_string();
    assert!(
        err.contains("ServerError (HTTP 500) after 3 attempts"),
        "{err}"
    );
    assert_eq!(m.attempt_log().snapshot().len(), 3);
    // A 400 is the request's fault: one attempt only.
    proxy.set_default(Fault::Status(400));
    let mut m = model(&proxy.url, 5);
    let err = m.generate(&[chat("x", 1, 4)]).unwrap_err().to_string();
    assert!(
        err.contains("ClientError (HTTP 400) after 1 attempt:"),
        "{err}"
    );
    assert_eq!(m.attempt_log().snapshot().len(), 1);
}

fn job<'a>(
    strategy: Strategy,
    settings: Settings,
    input: Option<&Path>,
    templates: &'a Templates,
    lid: &'a LanguageId,
) -> Job<'a> {
    Job {
        strategy,
        language: kakugo::lang::resolve("eng_Latn").unwrap(),
        settings,
        input: input.map(Path::to_path_buf),
        data_root: common::data_dir(),
        templates,
        lid: Some(lid),
    }
}

fn lid() -> LanguageId {
    LanguageId::for_sib200(
        &common::data_dir().join("sib200"),
        &kakugo::model::resolve::cache_dir(),
    )
    .unwrap()
}

fn small(strategy: Strategy, n: usize) -> Settings {
    let mut s = Settings::defaults(strategy, n);
    s.overgenerate = 3.0;
    (s.macro_topics, s.topics, s.topic_prompts) = (3, 3, 2);
    (s.broad_scenarios, s.detailed_scenarios, s.scenario_prompts) = (3, 3, 2);
    s.context_prompts = 2;
    s.list_max_tokens = 120;
    s.max_new_tokens = 160;
    s.temperature = 0.3;
    s.top_p = 0.9;
    s.seed = 7;
    s
}

/// A run against a server that goes down part-way fails after its retries, keeping what it
/// wrote; the rerun, with the server back, resumes: cached answers are reused, nothing is
/// written twice.
#[test]
fn a_run_cut_off_by_a_dead_server_resumes_without_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("prompts.jsonl");
    let prompts = [
        "What is the boiling point of water?",
        "Give me a tip for learning a new language.",
        "What is a prime number?",
        "Name a famous painter.",
        "How many legs does a spider have?",
        "What is photosynthesis?",
    ];
    let lines: Vec<String> = prompts
        .iter()
        .enumerate()
        .map(|(i, p)| serde_json::json!({"id": i, "prompt": p}).to_string())
        .collect();
    std::fs::write(&input, lines.join("\n")).unwrap();
    let (templates, lid) = (Templates::load(None).unwrap(), lid());
    let out = dir.path().join("d.jsonl");
    let cache = dir.path().join("cache.sqlite");
    let mut settings = small(Strategy::Respond, 6);
    settings.overgenerate = 1.0;
    settings.check_language = false;
    settings.max_new_tokens = 48;

    // 16 prompts per chunk > 6: all requests go out in one batch; the first 3 connections
    // succeed, then the server "dies".
    let proxy = Proxy::start(&server(), &[Fault::Forward; 3]);
    proxy.set_default(Fault::Drop);
    let mut teacher =
        Teacher::from_openai(model(&proxy.url, 2)).with_cache(ResponseCache::open(&cache).unwrap());
    let mut file = SftFile::open(&out).unwrap();
    let j = job(
        Strategy::Respond,
        settings.clone(),
        Some(&input),
        &templates,
        &lid,
    );
    let err = pipeline::run(&j, &mut teacher, &mut file)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("Connection") || err.contains("BadBody"),
        "{err}"
    );
    // The three answers that arrived are kept (cached), though the batch failed.
    assert_eq!(teacher.usage.calls, 3);
    drop(file);

    // Server back.
    proxy.set_default(Fault::Forward);
    let mut teacher =
        Teacher::from_openai(model(&proxy.url, 2)).with_cache(ResponseCache::open(&cache).unwrap());
    let mut file = SftFile::open(&out).unwrap();
    let summary = pipeline::run(&j, &mut teacher, &mut file).unwrap();
    let total = summary.written + summary.rejected.values().sum::<usize>();
    assert_eq!(total, 6, "{summary:?}");
    assert_eq!((teacher.usage.cached_calls, teacher.usage.calls), (3, 3));
    drop(file);
    let first = read_sft(&out).unwrap();
    assert!(!first.is_empty());

    // A third run: everything from the cache, nothing new written.
    let mut teacher =
        Teacher::from_openai(model(&proxy.url, 0)).with_cache(ResponseCache::open(&cache).unwrap());
    let mut file = SftFile::open(&out).unwrap();
    let again = pipeline::run(&j, &mut teacher, &mut file).unwrap();
    assert_eq!(again.written, 0);
    assert_eq!(again.already_present, first.len());
    assert_eq!(teacher.usage.calls, 0);
    assert_eq!(teacher.usage.cached_calls, 6);
    assert_eq!(read_sft(&out).unwrap(), first);
}

/// A real kill: a second llama.cpp server is started, killed with SIGKILL while requests are
/// in flight and restarted on the same port; the retries carry the requests across.
#[test]
fn a_server_killed_mid_run_and_restarted_is_retried_through() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let start = move || {
        let out = std::process::Command::new(repo.join("scripts/llama-server.sh"))
            .arg(port.to_string())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    let pid = start();
    let url = format!("http://127.0.0.1:{port}/v1");
    let mut c = OpenAiConfig::new(&url, "SmolLM2-135M-Instruct");
    c.max_in_flight = 1;
    c.max_retries = 12;
    c.backoff_base = Duration::from_millis(250);
    c.backoff_max = Duration::from_secs(2);
    let mut m = OpenAiModel::new(c).unwrap();
    let log = m.attempt_log();
    let killer = std::thread::spawn(move || {
        // Kill once the first answer is in, then bring it back.
        while log.snapshot().is_empty() {
            std::thread::sleep(Duration::from_millis(20));
        }
        std::process::Command::new("kill")
            .args(["-9", &pid])
            .status()
            .unwrap();
        std::thread::sleep(Duration::from_millis(1500));
        start()
    });
    let requests: Vec<_> = (0..4).map(|i| chat("Count to three.", i, 16)).collect();
    let out = m.generate(&requests).unwrap();
    let new_pid = killer.join().unwrap();
    std::process::Command::new("kill")
        .arg(&new_pid)
        .status()
        .unwrap();
    assert_eq!(out.len(), 4);
    assert!(out.iter().all(|g| g.n_tokens > 0));
    let attempts = m.attempt_log().snapshot();
    assert!(
        attempts
            .iter()
            .any(|a| a.outcome == Outcome::Connection || a.outcome == Outcome::BadBody),
        "no failed attempt recorded: {attempts:?}"
    );
    assert_eq!(
        attempts.iter().filter(|a| a.outcome == Outcome::Ok).count(),
        4
    );
}

/// Every strategy writes schema-valid records from the real server (English as the target
/// language: the only one SmolLM2-135M writes), and the manifest-relevant counts add up.
#[test]
fn every_strategy_writes_schema_valid_data_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let prompts = dir.path().join("prompts.jsonl");
    std::fs::write(
        &prompts,
        [
            "What is the tallest mountain in the world?",
            "Give me two tips for sleeping better.",
            "Explain what a noun is.",
            "Suggest a name for a cat.",
        ]
        .iter()
        .map(|p| serde_json::json!({"prompt": p}).to_string())
        .collect::<Vec<_>>()
        .join("\n"),
    )
    .unwrap();
    let examples = dir.path().join("examples.jsonl");
    std::fs::write(
        &examples,
        [
            ("What is 2 + 2?", "2 + 2 = 4."),
            ("Name a fruit.", "An apple."),
            ("What colour is the sky?", "The sky is blue on a clear day."),
        ]
        .iter()
        .map(|(p, r)| serde_json::json!({"prompt": p, "response": r}).to_string())
        .collect::<Vec<_>>()
        .join("\n"),
    )
    .unwrap();
    let (templates, lid) = (Templates::load(None).unwrap(), lid());
    let mut teacher = Teacher::from_openai(model(&server(), 3))
        .with_cache(ResponseCache::open(&dir.path().join("cache.sqlite")).unwrap());
    let out = dir.path().join("all.jsonl");
    let mut file = SftFile::open(&out).unwrap();
    for (strategy, input) in [
        (Strategy::Respond, Some(&prompts)),
        (Strategy::Translate, Some(&prompts)),
        (Strategy::Generate, Some(&examples)),
        (Strategy::Topic, None),
        (Strategy::Scenario, None),
        (Strategy::Context, None),
    ] {
        let mut settings = small(strategy, 1);
        if strategy == Strategy::Generate {
            // SmolLM2-135M writes a valid, new JSON item in about one answer of four.
            settings.overgenerate = 8.0;
        }
        let j = job(
            strategy,
            settings,
            input.map(|p| p.as_path()),
            &templates,
            &lid,
        );
        let summary = pipeline::run(&j, &mut teacher, &mut file).unwrap();
        eprintln!("{strategy:?}: {summary:?}");
        assert_eq!(summary.written, 1, "{strategy:?}: {summary:?}");
    }
    drop(file);
    let records = read_sft(&out).unwrap();
    let strategies: Vec<&str> = records.iter().map(|r| r.strategy.as_str()).collect();
    assert_eq!(
        strategies,
        [
            "respond",
            "translate",
            "generate",
            "topic",
            "scenario",
            "context"
        ]
    );
    for r in &records {
        assert_eq!(r.language, "eng_Latn");
        assert!(r.model.starts_with("openai:SmolLM2-135M-Instruct@http://"));
        assert_eq!(r.messages.len(), 2);
    }
    assert!(
        records[1].source_text.is_some(),
        "translate keeps the English original"
    );
    assert!(
        records[3].synth_prompt.contains("requests"),
        "{}",
        records[3].synth_prompt
    );
    assert!(teacher.usage.completion_tokens > 0 && teacher.usage.prompt_tokens > 0);
}
