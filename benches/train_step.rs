//! One LoRA optimisation step (criterion). Needs the shipped models
//! (`scripts/fetch-models.sh`); run with `cargo bench --bench train_step`.
//!
//! - `smollm2/step_128`: SmolLM2-135M, rank 8 on q,v, one 128-token packed micro-batch
//!   (forward, chunked cross-entropy, backward, AdamW);
//! - `smollm2/eval_128`: the same forward and loss without gradients (the validation pass).

use candle_core::Device;
use criterion::{criterion_group, criterion_main, Criterion};
use kakugo::model::candle_backend::CandleModel;
use kakugo::model::resolve;
use kakugo::train::data::{self, Encoded};
use kakugo::train::lora::{LoraConfig, Target};
use kakugo::train::Trainer;

fn step(c: &mut Criterion) {
    let model = CandleModel::load(
        &resolve::resolve(&("smollm2-135m").parse().unwrap()).unwrap(),
        &Device::Cpu,
    )
    .unwrap();
    let text = "The quick brown fox jumps over the lazy dog while the villagers watch. ".repeat(20);
    let ids = model.tokenizer().encode(&text).unwrap()[..128].to_vec();
    // Prompt half, answer half.
    let enc = Encoded {
        id: "bench".into(),
        line: 1,
        loss: (0..ids.len()).map(|i| i >= 64).collect(),
        tokens: ids,
    };
    let batches = data::pack(&[&enc], 512);
    let cfg = LoraConfig::new(8, 16.0, 0.05, &[Target::Q, Target::V]);
    let mut trainer = Trainer::new(&model, &cfg, 0).unwrap();
    let mut group = c.benchmark_group("smollm2");
    group.sample_size(10);
    let mut s = 0;
    group.bench_function("step_128", |b| {
        b.iter(|| {
            trainer.step(&batches, s, 1e-4, 1.0).unwrap();
            s += 1;
        })
    });
    group.bench_function("eval_128", |b| {
        b.iter(|| trainer.eval_loss(&batches).unwrap())
    });
    group.finish();
}

criterion_group!(benches, step);
criterion_main!(benches);
