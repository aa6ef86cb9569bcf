//! `Compat::Legacy` against sentencepiece 0.2.1 (legacy_0_2_1.json, written by
//! scripts/reference/spm_fixtures.py --legacy-python): the same unigram fixture texts, long
//! inputs and spBLEU segments, recorded by digest plus every case where 0.2.1 and 0.2.3 differ.

use std::path::PathBuf;

use kakugo_sentencepiece::{Compat, SentencePiece};
use serde_json::Value;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn load(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixtures().join(name)).unwrap()).unwrap()
}

fn fnv1a64(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in text.as_bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

fn lines(sp: &SentencePiece, text: &str, sep: &str) -> String {
    sp.encode(text)
        .iter()
        .map(|p| format!("{}\t{}", p.piece, p.id))
        .collect::<Vec<_>>()
        .join(sep)
}

/// The fixture script's `lcg_digits`.
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
        tokens.push(
            (0..n)
                .map(|_| b"0000123"[(step() % 7) as usize] as char)
                .collect::<String>(),
        );
    }
    tokens.join(" ")
}

#[test]
fn legacy_matches_sentencepiece_0_2_1() {
    let legacy = load("legacy_0_2_1.json");
    assert_eq!(legacy["sentencepiece_version"], "0.2.1");
    let mut n_differing = 0;
    for (name, want) in legacy["models"].as_object().unwrap() {
        let fx = load(&format!("{name}.json"));
        let sp = SentencePiece::from_file(fixtures().join(format!("{name}.model")))
            .unwrap()
            .with_compat(Compat::Legacy);
        let texts: Vec<&str> = fx["cases"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|c| c["text"].as_str())
            .collect();
        assert_eq!(texts.len() as u64, want["n_cases"].as_u64().unwrap());
        for d in want["differing"].as_array().unwrap() {
            n_differing += 1;
            let text = d["text"].as_str().unwrap();
            let got = sp.encode(text);
            let pieces: Vec<&str> = got.iter().map(|p| p.piece.as_str()).collect();
            let ids: Vec<u64> = got.iter().map(|p| u64::from(p.id)).collect();
            let want_pieces: Vec<&str> = d["pieces"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| p.as_str().unwrap())
                .collect();
            assert_eq!(pieces, want_pieces, "{name} {}", d["label"]);
            let want_ids: Vec<u64> = d["ids"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i.as_u64().unwrap())
                .collect();
            assert_eq!(ids, want_ids, "{name} {}", d["label"]);
            // And the default mode really differs there.
            let sp_current =
                SentencePiece::from_file(fixtures().join(format!("{name}.model"))).unwrap();
            assert_ne!(
                sp_current.encode_pieces(text),
                pieces,
                "{name} {}",
                d["label"]
            );
        }
        let all: Vec<String> = texts.iter().map(|t| lines(&sp, t, "\u{1f}")).collect();
        assert_eq!(
            fnv1a64(&all.join("\n")),
            want["cases_fnv1a64"].as_str().unwrap(),
            "{name}: all cases"
        );
        for l in want["long"].as_array().unwrap() {
            let label = l["label"].as_str().unwrap();
            let text = match label {
                "long:joined" => texts.join(" "),
                "long:joined_nospace" => texts.concat(),
                "long:digits" => lcg_digits(20000),
                _ => panic!("{label}"),
            };
            assert_eq!(
                sp.encode_ids(&text).len() as u64,
                l["n_pieces"].as_u64().unwrap(),
                "{name} {label}"
            );
            assert_eq!(
                fnv1a64(&lines(&sp, &text, "\n")),
                l["pieces_fnv1a64"].as_str().unwrap(),
                "{name} {label}"
            );
        }
    }
    assert!(n_differing > 0);

    let reference = load("spbleu_reference.json");
    for (tok, want) in legacy["spbleu"].as_object().unwrap() {
        let entry = &reference["tokenizers"][tok];
        let sp = SentencePiece::from_file(fixtures().join(entry["model"].as_str().unwrap()))
            .unwrap()
            .with_compat(Compat::Legacy);
        let mut toks = Vec::new();
        for set in entry["sets"].as_array().unwrap() {
            for seg in set["segments"].as_array().unwrap() {
                let refs = seg["refs"].as_array().unwrap().iter();
                for t in std::iter::once(&seg["hyp"]).chain(refs) {
                    let t = t.as_str().unwrap();
                    toks.push(sp.tokenize(t.trim_end_matches(|c: char| {
                        c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
                    })));
                }
            }
        }
        assert_eq!(toks.len() as u64, want["n_strings"].as_u64().unwrap());
        assert_eq!(
            fnv1a64(&toks.join("\n")),
            want["tokenized_fnv1a64"].as_str().unwrap(),
            "{tok}"
        );
    }
}
