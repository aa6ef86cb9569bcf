//! Scoring and kernel benchmarks (criterion). Needs the shipped models
//! (`scripts/fetch-models.sh`); run with `cargo bench --bench scoring`.
//!
//! - `matmul_xwt`: kakugo's batch-invariant kernel on SmolLM2's MLP shape, 1 and 32 rows;
//! - `forward_256`: a 256-token forward with the LM head on every row (scoring throughput);
//! - `mc4_over_300`: a 4-way multiple-choice group over a ~300-token context, and one forward
//!   of that context alone (the ratio is the cost of the continuations);
//! - `decode_step`: one 8-bit generation step after a 32-token prompt.

use candle_core::Device;
use criterion::{criterion_group, criterion_main, Criterion};
use kakugo::model::candle_backend::CandleModel;
use kakugo::model::kernels::matmul_xwt;
use kakugo::model::kv_cache::KvCache;
use kakugo::model::{resolve, ChoiceGroup, LanguageModel};

fn kernels(c: &mut Criterion) {
    let (n, k) = (1536, 576);
    let w: Vec<f32> = (0..n * k)
        .map(|i| ((i % 97) as f32 - 48.0) / 97.0)
        .collect();
    for m in [1usize, 32] {
        let x: Vec<f32> = (0..m * k).map(|i| ((i % 13) as f32 - 6.0) / 13.0).collect();
        let mut out = vec![0f32; m * n];
        c.bench_function(&format!("matmul_xwt_{m}x{k}x{n}"), |b| {
            b.iter(|| matmul_xwt(&x, m, &w, n, k, &mut out))
        });
    }
}

fn scoring(c: &mut Criterion) {
    let mut model = CandleModel::load(
        &resolve::resolve(&("smollm2-135m").parse().unwrap()).unwrap(),
        &Device::Cpu,
    )
    .unwrap();
    let text = "The quick brown fox jumps over the lazy dog while the villagers watch. ".repeat(60);
    let ids = model.tokenizer().encode(&text).unwrap();
    let layers = model.decoder().config().num_layers;
    let mut group = c.benchmark_group("smollm2");
    group.sample_size(10);
    group.bench_function("forward_256", |b| {
        b.iter(|| {
            let mut cache = KvCache::new(layers);
            let h = model.decoder().forward(&ids[..256], &mut cache).unwrap();
            model.decoder().logits(&h).unwrap()
        })
    });
    let context = model.tokenizer().decode(&ids[..300]).unwrap();
    group.bench_function("context_300", |b| {
        b.iter(|| {
            let mut cache = KvCache::new(layers);
            let h = model.decoder().forward(&ids[..300], &mut cache).unwrap();
            model
                .decoder()
                .logits(&h.narrow(0, 299, 1).unwrap())
                .unwrap()
        })
    });
    let mc = ChoiceGroup {
        context: format!("{context}\nAnswer:"),
        continuations: vec![
            " the fox".into(),
            " the dog".into(),
            " the villagers".into(),
            " nobody".into(),
        ],
    };
    group.bench_function("mc4_over_300", |b| {
        b.iter(|| model.loglikelihood(std::slice::from_ref(&mc)).unwrap())
    });
    let mut prompt_cache = KvCache::new(layers);
    model
        .decoder()
        .forward(&ids[..32], &mut prompt_cache)
        .unwrap();
    group.bench_function("decode_step", |b| {
        b.iter(|| {
            let mut cache = prompt_cache.clone();
            let h = model
                .decoder()
                .forward_fast(&ids[32..33], &mut cache)
                .unwrap();
            model.decoder().logits_fast(&h).unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, kernels, scoring);
criterion_main!(benches);
