//! kakugo's side of `scripts/bench/side_by_side.sh`: prompt (scoring) throughput with logits at
//! every position, context throughput (logits at the last position) in exact f32 and bf16,
//! greedy decode throughput, and the cost of a 4-way multiple-choice item over a 300-token
//! context relative to one forward of that context. Prints one JSON line.
//!
//! cargo run --release --example throughput -- smollm2-135m

use std::time::Instant;

use candle_core::Device;
use kakugo::model::candle_backend::CandleModel;
use kakugo::model::decoder::ScoringPrecision;
use kakugo::model::kv_cache::KvCache;
use kakugo::model::{resolve, ChoiceGroup, GenerateRequest, LanguageModel, Prompt, Sampling};

fn main() {
    let spec = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "smollm2-135m".into());
    let mut model = CandleModel::load(
        &resolve::resolve(&spec.parse().unwrap()).unwrap(),
        &Device::Cpu,
    )
    .unwrap();
    let text =
        "The quick brown fox jumps over the lazy dog while the villagers watch from the hill. "
            .repeat(40);
    let ids = model.tokenizer().encode(&text).unwrap();
    let prompt = &ids[..256];
    let best = |f: &mut dyn FnMut() -> f64| (0..3).map(|_| f()).fold(f64::INFINITY, f64::min);

    // Scoring: hidden states for every position, LM head on every row (what scoring a
    // 256-token continuation needs).
    let prompt_s = best(&mut || {
        let t = Instant::now();
        let mut cache = KvCache::new(model.decoder().config().num_layers);
        let h = model.decoder().forward(prompt, &mut cache).unwrap();
        let _ = model.decoder().logits(&h).unwrap();
        t.elapsed().as_secs_f64()
    });

    // A scoring context: every position through the blocks, the LM head on the last row only
    // (what a multiple-choice item costs), exact f32 and then bf16.
    let context_tok_s = |model: &mut CandleModel, precision: ScoringPrecision| {
        model.set_scoring_precision(precision).unwrap();
        let s = best(&mut || {
            let t = Instant::now();
            let mut cache = KvCache::new(model.decoder().config().num_layers);
            let h = model.decoder().forward(prompt, &mut cache).unwrap();
            let _ = model
                .decoder()
                .logits(&h.narrow(0, 255, 1).unwrap())
                .unwrap();
            t.elapsed().as_secs_f64()
        });
        model
            .set_scoring_precision(ScoringPrecision::Exact)
            .unwrap();
        256.0 / s
    };
    let context_f32 = context_tok_s(&mut model, ScoringPrecision::Exact);
    let context_bf16 = context_tok_s(&mut model, ScoringPrecision::Bf16);

    let decode_tokens = 64;
    let req = GenerateRequest {
        prompt: Prompt::Text("Once upon a time".into()),
        stop: vec![],
        max_new_tokens: decode_tokens,
        sampling: Sampling::Greedy,
    };
    let mut generated = 0;
    let decode_s = best(&mut || {
        let t = Instant::now();
        let g = model.generate(std::slice::from_ref(&req)).unwrap();
        generated = g[0].n_tokens;
        t.elapsed().as_secs_f64()
    });

    let context: String = text.chars().take(1400).collect();
    let ctx_ids = model.tokenizer().encode(&context).unwrap();
    let ctx300: &[u32] = &ctx_ids[..300.min(ctx_ids.len())];
    let context = model.tokenizer().decode(ctx300).unwrap();
    let one_forward = best(&mut || {
        let t = Instant::now();
        let mut cache = KvCache::new(model.decoder().config().num_layers);
        let h = model.decoder().forward(ctx300, &mut cache).unwrap();
        let _ = model
            .decoder()
            .logits(&h.narrow(0, ctx300.len() - 1, 1).unwrap())
            .unwrap();
        t.elapsed().as_secs_f64()
    });
    let group = ChoiceGroup {
        context: format!("{context}\nAnswer:"),
        continuations: vec![
            " the fox".into(),
            " the dog".into(),
            " the villagers".into(),
            " the hill".into(),
        ],
    };
    let mc = best(&mut || {
        let t = Instant::now();
        model.loglikelihood(std::slice::from_ref(&group)).unwrap();
        t.elapsed().as_secs_f64()
    });
    println!(
        "{{\"engine\":\"kakugo\",\"model\":\"{spec}\",\"prompt_tok_s\":{:.1},\"context_tok_s_f32\":{:.1},\"context_tok_s_bf16\":{:.1},\"decode_tok_s\":{:.1},\"mc4_over_300_ratio\":{:.3},\"context_tokens\":{}}}",
        256.0 / prompt_s,
        context_f32,
        context_bf16,
        generated as f64 / decode_s,
        mc / one_forward,
        ctx300.len()
    );
}
