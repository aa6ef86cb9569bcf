//! Helpers shared by the training tests of both tiers: per-token log-probabilities from the
//! scoring decoder and from the training forward, and SFT pairs encoded for a model.
#![allow(dead_code)]

use std::path::Path;

use kakugo::model::candle_backend::CandleModel;
use kakugo::model::decoder::{rows, token_logprob};
use kakugo::model::kv_cache::KvCache;
use kakugo::train::data::{self, Encoded};
use kakugo::train::forward::{hidden_states, Packed};
use kakugo::train::lora::Lora;

/// Per-token log-probabilities of `tokens[1..]` from the scoring decoder.
pub fn decoder_logprobs(model: &CandleModel, tokens: &[u32]) -> Vec<f64> {
    let dec = model.decoder();
    let mut cache = KvCache::new(dec.config().num_layers);
    let h = dec.forward(tokens, &mut cache).unwrap();
    let logits = rows(&dec.logits(&h).unwrap()).unwrap();
    (0..tokens.len() - 1)
        .map(|i| token_logprob(&logits[i], tokens[i + 1]).0)
        .collect()
}

/// The same from the training forward (optionally with adapters).
pub fn train_logprobs(model: &CandleModel, lora: Option<&Lora>, tokens: &[u32]) -> Vec<f64> {
    let dec = model.decoder();
    let h = hidden_states(dec, &Packed::single(tokens.to_vec()), lora, None).unwrap();
    let logits = rows(&dec.logits(&h).unwrap()).unwrap();
    (0..tokens.len() - 1)
        .map(|i| token_logprob(&logits[i], tokens[i + 1]).0)
        .collect()
}

/// max |t| over all elements.
pub fn max_abs(t: &candle_core::Tensor) -> f32 {
    t.abs()
        .unwrap()
        .max_all()
        .unwrap()
        .to_scalar::<f32>()
        .unwrap()
}

pub fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

/// Encodes `texts` as single-turn conversations with the model's template.
pub fn encode(model: &CandleModel, pairs: &[(&str, &str)]) -> Vec<Encoded> {
    pairs
        .iter()
        .enumerate()
        .map(|(i, (q, a))| {
            let ex = data::SftExample {
                id: format!("{i}"),
                line: i + 1,
                messages: vec![
                    kakugo::model::Message::new("user", *q),
                    kakugo::model::Message::new("assistant", *a),
                ],
            };
            data::encode_one(
                Path::new("mem"),
                &ex,
                model.tokenizer(),
                model.chat_template(),
            )
            .unwrap()
        })
        .collect()
}
