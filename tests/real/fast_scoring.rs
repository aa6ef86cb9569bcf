//! The bf16 fast scoring mode (`--precision bf16`) against exact f32 scoring, on real models
//! and real SIB-200 prompts: how far log-likelihoods move and whether the chosen answers stay.
//! Measured on 408 items (SmolLM2, eng_Latn + kaz_Cyrl): mean |Δ| 0.02 nats per request, max
//! 0.12, 399/408 predictions unchanged; on these 210 requests SmolLM2 0.023 / 0.082 and Gemma
//! 0.021 / 0.088. The bounds leave room for other CPUs (machines without AMX round the same
//! way but sum in another order).

use crate::common;

use kakugo::model::decoder::ScoringPrecision;
use kakugo::model::{ChoiceGroup, LanguageModel};

fn groups(language: &str, n: usize) -> Vec<ChoiceGroup> {
    let data = common::data_dir().join("sib200").join(language);
    let labels: Vec<String> = std::fs::read_to_string(data.join("labels.txt"))
        .unwrap()
        .lines()
        .map(|l| format!(" {l}"))
        .collect();
    common::read_tsv(&data.join("test.tsv"))
        .iter()
        .step_by(7)
        .take(n)
        .map(|r| ChoiceGroup {
            context: format!("Topic of the following text: {}\nTopic:", &r[2]),
            continuations: labels.clone(),
        })
        .collect()
}

fn scores(model: &mut dyn LanguageModel, groups: &[ChoiceGroup]) -> Vec<Vec<f64>> {
    model
        .loglikelihood(groups)
        .unwrap()
        .into_iter()
        .map(|g| g.into_iter().map(|s| s.logprob).collect())
        .collect()
}

fn argmax(v: &[f64]) -> usize {
    (0..v.len()).fold(0, |b, i| if v[i] > v[b] { i } else { b })
}

fn check(preset: &str, mean_bound: f64, max_bound: f64) {
    let mut all = groups("eng_Latn", 15);
    all.extend(groups("kaz_Cyrl", 15));
    let mut model = kakugo::model::load(&(preset).parse().unwrap()).unwrap();
    let exact = scores(model.as_mut(), &all);
    assert!(
        model.info().scoring.is_exact(),
        "exact scoring is not labelled"
    );
    let exact_key = model.info().cache_identity();
    model.set_scoring_precision(ScoringPrecision::Bf16).unwrap();
    assert!(
        model.info().scoring.token().starts_with("bf16"),
        "{}",
        model.info().scoring
    );
    assert_ne!(
        model.info().cache_identity(),
        exact_key,
        "bf16 answers would share the exact cache"
    );
    let fast = scores(model.as_mut(), &all);

    let deltas: Vec<f64> = exact
        .iter()
        .flatten()
        .zip(fast.iter().flatten())
        .map(|(a, b)| (a - b).abs())
        .collect();
    let mean = deltas.iter().sum::<f64>() / deltas.len() as f64;
    let max = deltas.iter().cloned().fold(0.0, f64::max);
    let mut clear = 0;
    for (e, f) in exact.iter().zip(&fast) {
        let best = argmax(e);
        let runner_up = (0..e.len())
            .filter(|&i| i != best)
            .map(|i| e[i])
            .fold(f64::MIN, f64::max);
        if e[best] - runner_up > 0.5 {
            clear += 1;
            assert_eq!(
                argmax(f),
                best,
                "{preset}: a clear exact choice changed in bf16: {e:?} vs {f:?}"
            );
        }
    }
    eprintln!(
        "{preset}: {} requests, mean |Δ| {mean:.4}, max {max:.4} nats; {clear} clear choices kept",
        deltas.len()
    );
    assert!(
        mean > 0.0,
        "{preset}: bf16 scoring returned exact scores — was it applied?"
    );
    assert!(mean < mean_bound, "{preset}: mean |Δ| {mean}");
    assert!(max < max_bound, "{preset}: max |Δ| {max}");

    // Back to exact: the same bits as before (the fast mode leaves no state behind).
    model
        .set_scoring_precision(ScoringPrecision::Exact)
        .unwrap();
    assert_eq!(scores(model.as_mut(), &all), exact);
}

#[test]
fn smollm2_bf16_scores_stay_close_to_exact() {
    check("smollm2-135m", 0.05, 0.3);
}

#[test]
fn gemma3_bf16_scores_stay_close_to_exact() {
    check("gemma3-270m", 0.05, 0.3);
}
