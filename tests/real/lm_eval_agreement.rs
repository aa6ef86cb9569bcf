//! kakugo's log-likelihoods against lm-evaluation-harness 0.4.13 (HF backend, transformers
//! loading SmolLM2-135M-Instruct Q4_1 GGUF dequantised to f32) on SIB-200 eng_Latn test:
//! all 1,428 requests within 1e-3 nats, the same token counts, the same predictions, and
//! acc 0.6275 / acc_norm 0.2941 (`../shared/reference/lm_eval_sib200_eng_Latn_smollm2.tsv`).

use crate::common;

use kakugo::model::ChoiceGroup;

#[test]
fn sib200_eng_latn_smollm2_matches_lm_eval_harness() {
    let data = common::data_dir();
    let rows =
        common::read_tsv(&common::reference_dir().join("lm_eval_sib200_eng_Latn_smollm2.tsv"));
    let test = common::read_tsv(&data.join("sib200/eng_Latn/test.tsv"));
    let labels: Vec<String> = std::fs::read_to_string(data.join("sib200/eng_Latn/labels.txt"))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(test.len(), 204);
    assert_eq!(rows.len(), 1428);

    let mut model = kakugo::model::load(&("smollm2-135m").parse().unwrap()).unwrap();
    let groups: Vec<ChoiceGroup> = test
        .iter()
        .map(|r| ChoiceGroup {
            context: format!("Topic of the following text: {}\nTopic:", &r[2]),
            continuations: labels.iter().map(|l| format!(" {l}")).collect(),
        })
        .collect();
    let scores = model.loglikelihood(&groups).unwrap();

    let mut max_delta = 0f64;
    let (mut correct, mut correct_norm) = (0, 0);
    for (doc, doc_scores) in scores.iter().enumerate() {
        for (c, s) in doc_scores.iter().enumerate() {
            let r = &rows[doc * 7 + c];
            assert_eq!(r[0].parse::<usize>().unwrap(), doc);
            assert_eq!(&r[3], labels[c].as_str());
            let reference: f64 = r[6].parse().unwrap();
            assert_eq!(
                s.n_tokens,
                r[5].parse::<usize>().unwrap(),
                "doc {doc} choice {c}: token count"
            );
            assert_eq!(
                s.is_greedy,
                &r[7] == "True",
                "doc {doc} choice {c}: is_greedy"
            );
            let delta = (s.logprob - reference).abs();
            max_delta = max_delta.max(delta);
            assert!(
                delta < 1e-3,
                "doc {doc} choice {}: kakugo {} vs lm-eval {reference}",
                &r[3],
                s.logprob
            );
        }
        let gold = labels.iter().position(|l| l == &test[doc][1]).unwrap();
        let pick = |f: &dyn Fn(usize) -> f64| {
            (0..7)
                .max_by(|&a, &b| f(a).total_cmp(&f(b)).then(b.cmp(&a)))
                .unwrap()
        };
        if pick(&|c| doc_scores[c].logprob) == gold {
            correct += 1;
        }
        if pick(&|c| doc_scores[c].logprob / labels[c].chars().count() as f64) == gold {
            correct_norm += 1;
        }
    }
    eprintln!("max |Δ| vs lm-eval: {max_delta:.2e} nats");
    assert_eq!(correct, 128, "acc should be 128/204 = 0.6275");
    assert_eq!(correct_norm, 60, "acc_norm should be 60/204 = 0.2941");
}
