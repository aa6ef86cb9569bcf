//! The off-target rate of FLORES en→xx translations: every item's score is 100 exactly when
//! the SIB-200 language identifier, run here on the logged prediction, names another language
//! than the target, and the task's value is their mean.

use crate::common;

use kakugo::eval::runner::{evaluate, EvalOptions};
use kakugo::synth::lid::{default_paths, LanguageId};

#[test]
fn off_target_rate_is_the_identifiers_verdict_on_each_translation() {
    let data = common::data_dir();
    let dir = tempfile::tempdir().unwrap();
    let suite_path = dir.path().join("s.toml");
    std::fs::write(
        &suite_path,
        "name = \"s\"\n[[task]]\nname = \"flores_en_xx\"\ndataset = \"flores\"\ndirection = \"en_xx\"\nsplit = \"devtest\"\nlanguages = [\"kaz_Cyrl\", \"fra_Latn\"]\ntemplate = \"{{ source_language }}: {{ source }}\\n{{ target_language }}:\"\nlimit = 4\nmax_new_tokens = 32\nmetrics = [\"chrf++\", \"off_target\"]\n",
    )
    .unwrap();
    let (suite, sha) = kakugo::suite::Suite::read(&suite_path).unwrap();
    let mut model = kakugo::model::load(&("smollm2-135m").parse().unwrap()).unwrap();
    let opts = EvalOptions {
        data_root: data.clone(),
        languages: None,
        limit: None,
        cache: None,
        skip_missing_data: false,
    };
    let out = evaluate(model.as_mut(), &suite, &sha, &opts).unwrap();
    let (sib200, cache) = default_paths(&data);
    let lid = LanguageId::for_sib200(&sib200, &cache).unwrap();
    assert_eq!(out.record.results.len(), 2);
    for result in &out.record.results {
        let preds: Vec<&serde_json::Value> = out
            .samples
            .iter()
            .filter(|s| s["language"] == result.language.as_str())
            .collect();
        assert_eq!(preds.len(), 4);
        let mut expected = Vec::new();
        for (item, sample) in result.items.iter().zip(&preds) {
            let text = sample["prediction"].as_str().unwrap();
            let identified = lid.identify(text).language;
            assert_eq!(sample["language_identified"], identified.as_str());
            let off = if identified == result.language {
                0.0
            } else {
                100.0
            };
            assert_eq!(item.scores["off_target"], off, "{}: {text:?}", item.id);
            expected.push(off);
        }
        let metric = result
            .metrics
            .iter()
            .find(|m| m.name == "off_target")
            .unwrap();
        let mean = expected.iter().sum::<f64>() / expected.len() as f64;
        assert!((metric.value - mean).abs() < 1e-12);
        assert_eq!(metric.n, 4);
    }
    // A multiple-choice task cannot ask for it.
    std::fs::write(
        &suite_path,
        "name = \"s\"\n[[task]]\nname = \"t\"\ndataset = \"sib200\"\nsplit = \"test\"\nlanguages = [\"kk\"]\ntemplate = \"{{ text }}\"\nmetrics = [\"off_target\"]\n",
    )
    .unwrap();
    let err = kakugo::suite::Suite::read(&suite_path)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("off_target") && err.contains("translation"),
        "{err}"
    );
}
