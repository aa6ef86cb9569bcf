//! `kakugo eval` end to end on real data: SIB-200 eng_Latn with SmolLM2 through the suite,
//! runner, cache and run record reproduces lm-evaluation-harness 0.4.13's acc 0.6275 (128/204)
//! and acc_norm 0.2941 (60/204); a second run served from the response cache writes a
//! byte-identical record.

use crate::common;

use std::path::Path;

use kakugo::eval::runner::{evaluate, EvalOptions};
use kakugo::store::RunRecord;
use kakugo::suite::Suite;

#[test]
fn sib200_eng_latn_through_eval_matches_lm_eval_and_resumes_identically() {
    let (suite, sha) =
        Suite::read(&Path::new(env!("CARGO_MANIFEST_DIR")).join("suites/sib200.toml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let opts = EvalOptions {
        data_root: common::data_dir(),
        languages: Some(vec!["eng_Latn".into()]),
        limit: None,
        cache: Some(dir.path().join("responses.sqlite")),
        skip_missing_data: false,
    };
    let mut model = kakugo::model::load(&("smollm2-135m").parse().unwrap()).unwrap();
    let first = evaluate(model.as_mut(), &suite, &sha, &opts)
        .unwrap()
        .record;
    let r = first.result("sib200", "eng_Latn").unwrap();
    let acc = r.metric("acc").unwrap();
    assert_eq!(acc.n, 204);
    assert!(
        (acc.value - 100.0 * 128.0 / 204.0).abs() < 1e-9,
        "acc {}",
        acc.value
    );
    assert!((r.metric("acc_norm").unwrap().value - 100.0 * 60.0 / 204.0).abs() < 1e-9);
    // stderr of a 0/100 mean: sqrt(p(1-p)/(n-1)) * 100.
    let p: f64 = 128.0 / 204.0;
    assert!((acc.stderr - 100.0 * (p * (1.0 - p) / 203.0).sqrt()).abs() < 1e-9);
    assert_eq!(first.manifest.data_files.len(), 2);
    assert!(first
        .manifest
        .data_files
        .contains_key("sib200/eng_Latn/test.tsv"));

    let a = dir.path().join("a.json");
    let b = dir.path().join("b.json");
    first.write(&a).unwrap();
    let second = evaluate(model.as_mut(), &suite, &sha, &opts)
        .unwrap()
        .record;
    second.write(&b).unwrap();
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    // Reading a record back loses nothing (floats round-trip exactly).
    assert!(
        RunRecord::read(&a).unwrap() == first,
        "record did not round-trip"
    );
}
