//! Generation reads 4-bit (from 4-bit GGUF tensors) or 8-bit copies of the weights for speed.
//! Is greedy output still the model's greedy output? Against an exact f32 greedy loop over
//! the same decoder, on the shipped models and real FLORES sentences.

use crate::common;

use candle_core::Device;
use kakugo::model::candle_backend::CandleModel;
use kakugo::model::decoder::rows;
use kakugo::model::kv_cache::KvCache;
use kakugo::model::{resolve, GenerateRequest, LanguageModel, Prompt, Sampling};

const NEW_TOKENS: usize = 24;

/// Greedy decoding with exact f32 weights at every step.
fn exact_greedy(model: &CandleModel, prompt: &str) -> String {
    let decoder = model.decoder();
    let ids = model.prompt_ids(&Prompt::Text(prompt.into())).unwrap();
    let mut cache = KvCache::new(decoder.config().num_layers);
    let mut hidden = decoder.forward(&ids, &mut cache).unwrap();
    let mut out = Vec::new();
    for _ in 0..NEW_TOKENS {
        let last = hidden.narrow(0, hidden.dim(0).unwrap() - 1, 1).unwrap();
        let logits = rows(&decoder.logits(&last).unwrap()).unwrap();
        let next = kakugo::model::sampling::argmax(&logits[0]);
        if model.tokenizer().stop_ids().contains(&next) {
            break;
        }
        out.push(next);
        hidden = decoder.forward(&[next], &mut cache).unwrap();
    }
    model.tokenizer().decode(&out).unwrap()
}

fn check(preset: &str, min_identical: usize) {
    let mut model = CandleModel::load(
        &resolve::resolve(&(preset).parse().unwrap()).unwrap(),
        &Device::Cpu,
    )
    .unwrap();
    let rows = common::read_tsv(&common::data_dir().join("flores/subset/eng_Latn.tsv"));
    let prompts: Vec<String> = rows
        .iter()
        .step_by(97)
        .take(6)
        .map(|r| {
            let words: Vec<&str> = r[2].split(' ').collect();
            words[..words.len() / 2].join(" ")
        })
        .collect();
    let mut identical = 0;
    for prompt in &prompts {
        let fast = model
            .generate(&[GenerateRequest {
                prompt: Prompt::Text(prompt.clone()),
                stop: vec![],
                max_new_tokens: NEW_TOKENS,
                sampling: Sampling::Greedy,
            }])
            .unwrap()
            .remove(0)
            .text;
        let exact = exact_greedy(&model, prompt);
        if fast == exact {
            identical += 1;
        } else {
            eprintln!("{preset}: {prompt:?}\n  fast:  {fast:?}\n  exact: {exact:?}");
        }
    }
    eprintln!(
        "{preset}: {identical}/{} greedy continuations identical to exact f32",
        prompts.len()
    );
    assert!(
        identical >= min_identical,
        "{preset}: only {identical}/{} identical",
        prompts.len()
    );
}

#[test]
fn smollm2_generation_matches_exact_greedy() {
    check("smollm2-135m", 5);
}

#[test]
fn gemma3_generation_matches_exact_greedy() {
    check("gemma3-270m", 4);
}
