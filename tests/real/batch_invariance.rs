//! Scores do not depend on how requests are grouped, ordered or threaded: bit-identical.
//!
//! The same 70 SIB-200 requests are scored (a) as 10 multiple-choice groups (context run
//! once, continuations packed into one pass), (b) one request per group in shuffled order (so
//! contexts are re-run, partly from reused cached prefixes), and (c) on a one-thread pool —
//! in the exact f32 mode and in the bf16 fast mode.

use crate::common;

use kakugo::model::decoder::ScoringPrecision;
use kakugo::model::ChoiceGroup;
use rand::seq::SliceRandom;
use rand::SeedableRng;

fn requests() -> Vec<ChoiceGroup> {
    let data = common::data_dir();
    let test = common::read_tsv(&data.join("sib200/kaz_Cyrl/test.tsv"));
    let labels: Vec<String> = std::fs::read_to_string(data.join("sib200/kaz_Cyrl/labels.txt"))
        .unwrap()
        .lines()
        .map(|l| format!(" {l}"))
        .collect();
    test.iter()
        .take(10)
        .map(|r| ChoiceGroup {
            context: format!("Topic of the following text: {}\nTopic:", &r[2]),
            continuations: labels.clone(),
        })
        .collect()
}

fn check(preset: &str, precision: ScoringPrecision) {
    let groups = requests();
    let mut model = kakugo::model::load(&(preset).parse().unwrap()).unwrap();
    model.set_scoring_precision(precision).unwrap();
    let grouped: Vec<f64> = model
        .loglikelihood(&groups)
        .unwrap()
        .into_iter()
        .flatten()
        .map(|s| s.logprob)
        .collect();

    let mut singles: Vec<(usize, ChoiceGroup)> = groups
        .iter()
        .flat_map(|g| {
            g.continuations
                .iter()
                .map(|c| (g.context.clone(), c.clone()))
        })
        .enumerate()
        .map(|(i, (context, c))| {
            (
                i,
                ChoiceGroup {
                    context,
                    continuations: vec![c],
                },
            )
        })
        .collect();
    singles.shuffle(&mut rand_chacha::ChaCha8Rng::seed_from_u64(11));
    let shuffled = model
        .loglikelihood(&singles.iter().map(|(_, g)| g.clone()).collect::<Vec<_>>())
        .unwrap();
    let mut by_index = vec![0f64; grouped.len()];
    for ((i, _), s) in singles.iter().zip(&shuffled) {
        by_index[*i] = s[0].logprob;
    }
    assert_eq!(
        grouped, by_index,
        "{preset}: grouping/order changed a score"
    );

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let one_thread: Vec<f64> = pool
        .install(|| model.loglikelihood(&groups))
        .unwrap()
        .into_iter()
        .flatten()
        .map(|s| s.logprob)
        .collect();
    assert_eq!(
        grouped, one_thread,
        "{preset}: thread count changed a score"
    );
}

#[test]
fn smollm2_scores_are_batch_order_and_thread_invariant() {
    check("smollm2-135m", ScoringPrecision::Exact);
}

#[test]
fn smollm2_bf16_scores_are_batch_order_and_thread_invariant() {
    check("smollm2-135m", ScoringPrecision::Bf16);
}

#[test]
fn gemma3_scores_are_batch_order_and_thread_invariant() {
    check("gemma3-270m", ScoringPrecision::Exact);
}
