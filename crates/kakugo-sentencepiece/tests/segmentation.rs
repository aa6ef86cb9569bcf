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
];

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
    for case in cases {
        let label = case["label"].as_str().unwrap();
        let text = case["text"].as_str().unwrap();
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
