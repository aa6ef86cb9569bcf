//! Every model fixture: pieces, ids and normalised text of held-out FLORES sentences and edge
//! cases, as the `sentencepiece` library produced them (scripts/reference/spm_fixtures.py).

use std::path::PathBuf;

use kakugo_sentencepiece::SentencePiece;
use serde_json::Value;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

const MODELS: &[&str] = &[
    "unigram_nfkc",
    "unigram_bytes",
    "unigram_nfkc_cf_suffix",
    "bpe_nfkc",
    "bpe_bytes_identity",
    "char_identity",
    "word_identity",
];

/// FNV-1a 64, as the fixture script digests long outputs.
fn fnv1a64(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in text.as_bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// The fixture script's `lcg_digits`: space-separated runs of 0-3, full of tied splits.
fn lcg_digits(n_tokens: usize) -> String {
    let mut x: u64 = 1;
    let mut step = || {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        x >> 33
    };
    let mut tokens = Vec::with_capacity(n_tokens);
    for _ in 0..n_tokens {
        let n = step() % 11 + 1;
        let token: String = (0..n)
            .map(|_| b"0000123"[(step() % 7) as usize] as char)
            .collect();
        tokens.push(token);
    }
    tokens.join(" ")
}

/// The texts of the fixture script's `long_inputs`, built from the short cases.
fn long_input(label: &str, short_texts: &[&str]) -> String {
    match label {
        "long:joined" => short_texts.join(" "),
        "long:joined_nospace" => short_texts.concat(),
        "long:digits" => lcg_digits(20000),
        _ => panic!("unknown long case {label}"),
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

fn check_model(name: &str) -> usize {
    let dir = fixtures();
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(format!("{name}.json"))).unwrap())
            .unwrap();
    let sp = SentencePiece::from_file(dir.join(format!("{name}.model"))).unwrap();
    assert_eq!(sp.vocab_size() as u64, json["vocab_size"].as_u64().unwrap());
    assert_eq!(
        sp.unk_id().map_or(-1, i64::from),
        json["unk_id"].as_i64().unwrap()
    );
    let cases = json["cases"].as_array().unwrap();
    let mut failures = Vec::new();
    let short_texts: Vec<&str> = cases.iter().filter_map(|c| c["text"].as_str()).collect();
    for case in cases {
        let label = case["label"].as_str().unwrap();
        let Some(text) = case["text"].as_str() else {
            check_long(&sp, case, &long_input(label, &short_texts), &mut failures);
            continue;
        };
        let want_pieces = strings(&case["pieces"]);
        let want_ids: Vec<u32> = case["ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as u32)
            .collect();
        let normalized = sp.normalize(text);
        if normalized != case["normalized"].as_str().unwrap() {
            failures.push(format!(
                "{label}: normalized {normalized:?} != {:?}",
                case["normalized"]
            ));
        }
        let got = sp.encode(text);
        let got_pieces: Vec<String> = got.iter().map(|p| p.piece.clone()).collect();
        let got_ids: Vec<u32> = got.iter().map(|p| p.id).collect();
        if got_pieces != want_pieces {
            failures.push(format!(
                "{label}: {text:?}\n  got  {got_pieces:?}\n  want {want_pieces:?}"
            ));
        } else if got_ids != want_ids {
            failures.push(format!("{label}: ids {got_ids:?} != {want_ids:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{name}: {} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    cases.len()
}

/// A long case is recorded by its piece count and digests.
fn check_long(sp: &SentencePiece, case: &Value, text: &str, failures: &mut Vec<String>) {
    let label = case["label"].as_str().unwrap();
    let pieces = sp.encode(text);
    let lines: Vec<String> = pieces
        .iter()
        .map(|p| format!("{}\t{}", p.piece, p.id))
        .collect();
    let first: Vec<&str> = pieces.iter().take(20).map(|p| p.piece.as_str()).collect();
    let want_first = strings(&case["first_pieces"]);
    if pieces.len() as u64 != case["n_pieces"].as_u64().unwrap()
        || fnv1a64(&lines.join("\n")) != case["pieces_fnv1a64"].as_str().unwrap()
        || first != want_first
    {
        failures.push(format!(
            "{label}: {} pieces (want {}), first {first:?}",
            pieces.len(),
            case["n_pieces"]
        ));
    }
    if fnv1a64(&sp.normalize(text)) != case["normalized_fnv1a64"].as_str().unwrap() {
        failures.push(format!("{label}: normalized text differs"));
    }
}

#[test]
fn unigram_nfkc() {
    check_model("unigram_nfkc");
}

#[test]
fn unigram_bytes() {
    check_model("unigram_bytes");
}

#[test]
fn unigram_nfkc_cf_suffix() {
    check_model("unigram_nfkc_cf_suffix");
}

#[test]
fn bpe_nfkc() {
    check_model("bpe_nfkc");
}

#[test]
fn bpe_bytes_identity() {
    check_model("bpe_bytes_identity");
}

#[test]
fn char_identity() {
    check_model("char_identity");
}

#[test]
fn word_identity() {
    check_model("word_identity");
}

#[test]
fn fixtures_are_the_committed_models() {
    // The JSON records the model's sha256; a model retrained without regenerating the JSON
    // would show up here as a size mismatch at least.
    for name in MODELS {
        let json: Value = serde_json::from_str(
            &std::fs::read_to_string(fixtures().join(format!("{name}.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(json["model"], format!("{name}.model"));
        assert_eq!(json["sha256"].as_str().unwrap().len(), 64);
    }
}
