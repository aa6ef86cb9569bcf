//! Agreement with llama.cpp (llama-cpp-python 0.3.36) on the same GGUF files.
//!
//! Tokens: kakugo's token ids equal llama.cpp's on the first 3 FLORES sentences of all 205
//! languages (every script FLORES has: Latin, Cyrillic, Arabic, Ethiopic, Devanagari, Bengali,
//! Tibetan, Han, Thai, N'Ko, ...), both for tokenizers built from GGUF metadata and for
//! Gemma's tokenizer.json.
//! Log-probabilities: llama.cpp quantises activations inside its matmuls, so it is not an
//! exact reference for f32 weights; the test reports mean and max |Δ| per token and requires
//! the same argmax at ≥ 99.5% of positions where llama.cpp's top-2 margin exceeds 0.5 nats and
//! at every position where it exceeds 1 nat.
//! Fixtures: `scripts/reference/llama_cpp_reference.py`.

use crate::common;

use std::collections::{BTreeMap, HashMap};

use candle_core::Device;
use kakugo::model::candle_backend::CandleModel;
use kakugo::model::decoder::rows;
use kakugo::model::gguf::GgufFile;
use kakugo::model::kv_cache::KvCache;
use kakugo::model::resolve::resolve;
use kakugo::model::tokenizer::Tokenizer;

fn fixture(name: &str) -> Vec<serde_json::Value> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn ids(v: &serde_json::Value) -> Vec<u32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as u32)
        .collect()
}

fn check_tokens(tokenizer: &Tokenizer, model: &str) {
    let data = common::data_dir();
    let mut texts: HashMap<String, HashMap<String, String>> = HashMap::new();
    let mut per_script: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut mismatches = Vec::new();
    for f in fixture(&format!("llama_cpp_tokens_{model}.jsonl")) {
        let lang = f["language"].as_str().unwrap().to_string();
        let table = texts.entry(lang.clone()).or_insert_with(|| {
            common::read_tsv(&data.join(format!("flores/subset/{lang}.tsv")))
                .iter()
                .map(|r| (r[0].to_string(), r[2].to_string()))
                .collect()
        });
        let text = &table[&f["index_id"].to_string()];
        let ours = tokenizer.encode(text).unwrap();
        let script = lang.split('_').nth(1).unwrap().to_string();
        let e = per_script.entry(script).or_default();
        e.1 += 1;
        if ours == ids(&f["ids"]) {
            e.0 += 1;
        } else {
            mismatches.push(format!("{lang} #{}", f["index_id"]));
        }
    }
    eprintln!(
        "{model}: {} scripts, matches per script: {per_script:?}",
        per_script.len()
    );
    assert!(per_script.len() >= 10);
    assert!(
        mismatches.is_empty(),
        "{model}: {} sentences differ from llama.cpp: {mismatches:?}",
        mismatches.len()
    );
}

#[test]
fn smollm2_gguf_tokenizer_matches_llama_cpp() {
    let gguf = GgufFile::open(&common::model_file("SmolLM2-135M-Instruct.Q4_1.gguf")).unwrap();
    check_tokens(&Tokenizer::from_gguf(&gguf).unwrap(), "smollm2-135m");
}

#[test]
fn gemma3_gguf_tokenizer_matches_llama_cpp() {
    let gguf = GgufFile::open(&common::model_file("gemma-3-270m-q4_k_m.gguf")).unwrap();
    check_tokens(&Tokenizer::from_gguf(&gguf).unwrap(), "gemma3-270m");
}

#[test]
fn gemma3_tokenizer_json_matches_llama_cpp() {
    let t = common::model_file("gemma-3-270m-tokenizer.json");
    check_tokens(&Tokenizer::from_file(&t, None).unwrap(), "gemma3-270m");
}

/// `min_agree`: share of positions with margin > 0.5 nats whose argmax must agree;
/// `clear`: margin above which every position must agree.
fn check_logprobs(preset: &str, max_mean: f64, min_agree: f64, clear: f64) {
    let model =
        CandleModel::load(&resolve(&(preset).parse().unwrap()).unwrap(), &Device::Cpu).unwrap();
    let (mut n, mut sum, mut max, mut decided, mut agree) = (0usize, 0f64, 0f64, 0usize, 0usize);
    let mut clear_disagreements = Vec::new();
    for f in fixture(&format!("llama_cpp_logprobs_{preset}.jsonl")) {
        let context = ids(&f["context_ids"]);
        let cont = ids(&f["token_ids"]);
        let mut seq = context.clone();
        seq.extend_from_slice(&cont[..cont.len() - 1]);
        let mut cache = KvCache::new(model.decoder().config().num_layers);
        let hidden = model.decoder().forward(&seq, &mut cache).unwrap();
        let hidden = hidden.narrow(0, context.len() - 1, cont.len()).unwrap();
        let logits = rows(&model.decoder().logits(&hidden).unwrap()).unwrap();
        let margins = f["margin"].as_array().unwrap();
        let argmax = ids(&f["argmax"]);
        for (i, row) in logits.iter().enumerate() {
            let (lp, _) = kakugo::model::decoder::token_logprob(row, cont[i]);
            let d = (lp - f["token_logprobs"][i].as_f64().unwrap()).abs();
            sum += d;
            max = max.max(d);
            n += 1;
            let margin = margins[i].as_f64().unwrap();
            let same = kakugo::model::sampling::argmax(row) == argmax[i];
            if margin > 0.5 {
                decided += 1;
                agree += same as usize;
            }
            if margin > clear && !same {
                clear_disagreements.push(format!(
                    "{} #{} token {i} (margin {margin:.2})",
                    f["language"], f["index_id"]
                ));
            }
        }
    }
    let mean = sum / n as f64;
    eprintln!("{preset} vs llama.cpp: {n} tokens, mean |Δ| {mean:.3}, max |Δ| {max:.3} nats; argmax agrees on {agree}/{decided} positions with margin > 0.5");
    // llama.cpp's 8-bit activations move single tokens by up to ~1–2 nats on these tiny
    // models, so a few positions with small margins flip; clear decisions may not.
    eprintln!("{preset}: disagreements above {clear} nats: {clear_disagreements:?}");
    assert!(
        agree as f64 >= min_agree * decided as f64,
        "{preset}: argmax agrees on only {agree}/{decided}"
    );
    assert!(
        clear_disagreements.is_empty(),
        "{preset}: argmax differs at {clear_disagreements:?}"
    );
    assert!(mean < max_mean, "{preset}: mean |Δ| {mean} vs llama.cpp");
}

#[test]
fn smollm2_logprobs_near_llama_cpp() {
    check_logprobs("smollm2-135m", 0.15, 0.995, 1.0);
}

#[test]
fn gemma3_logprobs_near_llama_cpp() {
    check_logprobs("gemma3-270m", 0.25, 0.99, 1.5);
}
