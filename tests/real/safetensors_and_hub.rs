//! Hugging Face checkpoints: the shipped GGUF exported as safetensors (f32, bf16), loaded back
//! from a directory and through `hf:ORG/NAME` from a local hub-cache layout, scores as the GGUF
//! does. The export un-permutes llama's Q/K rows and removes Gemma's norm offset, so agreement
//! also checks that the half-split RoPE path and the `(1 + w)` norms are right.

use crate::common;

use candle_core::{DType, Device};
use kakugo::model::candle_backend::CandleModel;
use kakugo::model::export::write_hf_checkpoint;
use kakugo::model::resolve::{resolve, resolve_hf};
use kakugo::model::{ChoiceGroup, LanguageModel};

fn groups() -> Vec<ChoiceGroup> {
    let data = common::data_dir();
    let rows = common::read_tsv(&data.join("flores/subset/kaz_Cyrl.tsv"));
    let eng = common::read_tsv(&data.join("flores/subset/eng_Latn.tsv"));
    (0..6)
        .map(|i| ChoiceGroup {
            context: format!("English: {}\nKazakh:", &eng[i][2]),
            continuations: vec![
                format!(" {}", &rows[i][2]),
                format!(" {}", &rows[i + 10][2]),
            ],
        })
        .collect()
}

fn scores(model: &mut dyn LanguageModel) -> Vec<f64> {
    model
        .loglikelihood(&groups())
        .unwrap()
        .into_iter()
        .flatten()
        .map(|s| s.logprob)
        .collect()
}

fn roundtrip(preset: &str, bf16_tolerance: f64) {
    let base =
        CandleModel::load(&resolve(&(preset).parse().unwrap()).unwrap(), &Device::Cpu).unwrap();
    let mut base_box: Box<dyn LanguageModel> = Box::new(base);
    let reference = scores(base_box.as_mut());
    let base =
        CandleModel::load(&resolve(&(preset).parse().unwrap()).unwrap(), &Device::Cpu).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let f32_dir = dir.path().join("f32");
    write_hf_checkpoint(&base, &f32_dir, DType::F32).unwrap();
    let mut from_dir = kakugo::model::load(&(f32_dir.to_str().unwrap()).parse().unwrap()).unwrap();
    assert_eq!(from_dir.info().dtype, "f32 (computed in f32)");
    let got = scores(from_dir.as_mut());
    for (a, b) in got.iter().zip(&reference) {
        assert!(
            (a - b).abs() < 1e-3,
            "{preset} f32 safetensors {a} vs GGUF {b}"
        );
    }

    // The same checkpoint in bf16, reached through a hub-cache layout as hf:kakugo/test@main.
    let cache = dir.path().join("hub");
    let snapshot =
        cache.join("models--kakugo--test/snapshots/0123456789abcdef0123456789abcdef01234567");
    write_hf_checkpoint(&base, &snapshot, DType::BF16).unwrap();
    std::fs::create_dir_all(cache.join("models--kakugo--test/refs")).unwrap();
    std::fs::write(
        cache.join("models--kakugo--test/refs/main"),
        "0123456789abcdef0123456789abcdef01234567",
    )
    .unwrap();
    let files = resolve_hf("hf:kakugo/test", "kakugo/test", None, &cache).unwrap();
    let mut hub = CandleModel::load(&files, &Device::Cpu).unwrap();
    assert_eq!(hub.info().dtype, "bf16 (computed in f32)");
    let got = scores(&mut hub);
    let mean: f64 = got
        .iter()
        .zip(&reference)
        .map(|(a, b)| (a - b).abs() / (b.abs().max(1.0)))
        .sum::<f64>()
        / got.len() as f64;
    eprintln!("{preset}: bf16 mean relative |Δ| of summed log-probs {mean:.2e}");
    assert!(mean < bf16_tolerance, "{preset}: bf16 drifted {mean}");
}

#[test]
fn smollm2_roundtrips_through_safetensors_and_hub_cache() {
    roundtrip("smollm2-135m", 0.02);
}

#[test]
fn gemma3_roundtrips_through_safetensors_and_hub_cache() {
    roundtrip("gemma3-270m", 0.02);
}
