//! `kakugo compare` end to end: exit codes of the binary on an unchanged pair (0), a
//! constructed regression (1) and a manifest mismatch (2); McNemar and bootstrap figures
//! against scipy and sacrebleu; the Markdown summary as a snapshot.
//!
//! Run: `KAKUGO_REFERENCE=/work/shared/reference cargo test --release --test compare`
//! (set `KAKUGO_UPDATE_SNAPSHOTS=1` to rewrite `tests/snapshots/` after a deliberate change).

use crate::report_fixtures;

use std::path::{Path, PathBuf};
use std::process::Command;

use kakugo::report::compare::{compare, CompareOptions, Test, Verdict};
use kakugo::report::Run;
use kakugo::store::{RunRecord, TaskResult};
use report_fixtures::*;

const BASE_SHA: &str = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53";
const CAND_SHA: &str = "5d1e0f6a3c2b4a9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a29180716f5e4d3c2";

/// SmolLM2-like baseline on three SIB-200 languages.
fn baseline() -> RunRecord {
    record(
        "smollm2-135m",
        BASE_SHA,
        vec![
            sib_result("eng_Latn", &outcomes(SIB_ITEMS, 0.63, 1)),
            sib_result("kaz_Cyrl", &outcomes(SIB_ITEMS, 0.60, 2)),
            sib_result("swh_Latn", &outcomes(SIB_ITEMS, 0.35, 3)),
        ],
    )
}

/// The baseline's results under another model's name.
fn as_candidate(base: &RunRecord) -> RunRecord {
    let mut c = base.clone();
    c.model = "smollm2-135m-distilled".into();
    c.manifest = manifest("smollm2-135m-distilled", CAND_SHA);
    c
}

/// Turns the first `k` right answers of a SIB-200 result wrong (and recomputes its metric).
fn flip_right_to_wrong(result: &mut TaskResult, k: usize) {
    let mut right: Vec<bool> = result
        .items
        .iter()
        .map(|i| i.scores["acc"] == 100.0)
        .collect();
    let mut left = k;
    for r in right.iter_mut() {
        if *r && left > 0 {
            *r = false;
            left -= 1;
        }
    }
    assert_eq!(left, 0, "not enough right answers to flip");
    *result = sib_result(&result.language, &right);
}

/// The constructed regression: 30 right answers lost in kaz_Cyrl, 3 in eng_Latn.
fn regressed_candidate(base: &RunRecord) -> RunRecord {
    let mut c = as_candidate(base);
    for r in c.results.iter_mut() {
        match r.language.as_str() {
            "kaz_Cyrl" => flip_right_to_wrong(r, 30),
            "eng_Latn" => flip_right_to_wrong(r, 3),
            _ => {}
        }
    }
    c
}

fn kakugo(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kakugo"))
        .args(args)
        .output()
        .expect("run kakugo");
    (
        out.status.code().expect("exit code"),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn write_pair(dir: &Path, base: &RunRecord, cand: &RunRecord) -> (String, String) {
    let b = write(dir, "base.json", base);
    let c = write(dir, "cand.json", cand);
    (b.display().to_string(), c.display().to_string())
}

#[test]
fn unchanged_pair_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let base = baseline();
    let (b, c) = write_pair(dir.path(), &base, &as_candidate(&base));
    let (code, stdout, stderr) = kakugo(&["compare", "--baseline", &b, "--candidate", &c]);
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("**No regression** in 3 primary-metric comparisons"),
        "{stdout}"
    );
    assert!(
        stdout.contains("No metric changed significantly."),
        "{stdout}"
    );
}

#[test]
fn constructed_regression_exits_1_and_max_drop_tolerates_it() {
    let dir = tempfile::tempdir().unwrap();
    let base = baseline();
    let (b, c) = write_pair(dir.path(), &base, &regressed_candidate(&base));
    let json = dir.path().join("verdict.json");
    let (code, stdout, stderr) = kakugo(&[
        "compare",
        "--baseline",
        &b,
        "--candidate",
        &c,
        "--json",
        json.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    assert!(stdout.contains("**1 regression**"), "{stdout}");

    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let row = |lang: &str| {
        v["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["language"] == lang)
            .unwrap()
            .clone()
    };
    let kaz = row("kaz_Cyrl");
    // 30 discordant items, all against the candidate: scipy.stats.binomtest(0, 30, 0.5).pvalue
    // = 1.862645149230957e-09; Δ = −30/204 = −14.705882352941178 points.
    assert_eq!(kaz["baseline_only"], 30);
    assert_eq!(kaz["candidate_only"], 0);
    assert!((kaz["p_value"].as_f64().unwrap() - 1.862645149230957e-09).abs() < 1e-20);
    assert!((kaz["delta"].as_f64().unwrap() + 14.705882352941178).abs() < 1e-9);
    assert!(kaz["ci_high"].as_f64().unwrap() < 0.0);
    assert_eq!(kaz["verdict"], "regressed");
    assert_eq!(kaz["test"], "mcnemar_exact");
    // 3 lost answers: binomtest(0, 3, 0.5).pvalue = 0.25, not significant.
    let eng = row("eng_Latn");
    assert!((eng["p_value"].as_f64().unwrap() - 0.25).abs() < 1e-12);
    assert_eq!(eng["verdict"], "no_significant_change");
    assert_eq!(row("swh_Latn")["delta"].as_f64().unwrap(), 0.0);

    let (code, stdout, _) = kakugo(&[
        "compare",
        "--baseline",
        &b,
        "--candidate",
        &c,
        "--max-drop",
        "15",
    ]);
    assert_eq!(
        code, 0,
        "a 14.7-point drop is within --max-drop 15\n{stdout}"
    );
    assert!(stdout.contains("within tolerance"), "{stdout}");
}

#[test]
fn manifest_mismatch_exits_2_naming_the_fields() {
    let dir = tempfile::tempdir().unwrap();
    let base = baseline();
    let mut cand = as_candidate(&base);
    cand.manifest
        .data_files
        .insert("sib200/kaz_Cyrl/test.tsv".into(), "0".repeat(64));
    cand.manifest
        .prompts
        .insert("sib200".into(), "Text: {{ text }}\nTopic:".into());
    let (b, c) = write_pair(dir.path(), &base, &cand);
    let (code, stdout, stderr) = kakugo(&["compare", "--baseline", &b, "--candidate", &c]);
    assert_eq!(code, 2, "{stdout}\n{stderr}");
    assert!(stderr.contains("runs cannot be compared"), "{stderr}");
    assert!(
        stderr.contains(r#"manifest.data_files["sib200/kaz_Cyrl/test.tsv"]"#),
        "{stderr}"
    );
    assert!(stderr.contains(r#"manifest.prompts["sib200"]"#), "{stderr}");
    assert!(stdout.is_empty());

    let (code, stdout, _) = kakugo(&[
        "compare",
        "--baseline",
        &b,
        "--candidate",
        &c,
        "--allow-mismatch",
    ]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("Manifest differences (allowed by --allow-mismatch)"));

    // The library error carries the fields too.
    let err = compare(&run(&base), &run(&cand), &CompareOptions::default()).unwrap_err();
    match err {
        kakugo::Error::Incomparable { fields, .. } => assert_eq!(
            fields,
            [
                r#"manifest.data_files["sib200/kaz_Cyrl/test.tsv"]"#,
                r#"manifest.prompts["sib200"]"#
            ]
        ),
        other => panic!("{other}"),
    }
}

#[test]
fn runs_with_no_common_items_cannot_be_compared() {
    let dir = tempfile::tempdir().unwrap();
    let base = baseline();
    let mut cand = as_candidate(&base);
    for r in cand.results.iter_mut() {
        for item in r.items.iter_mut() {
            item.id = format!("x{}", item.id);
        }
    }
    let (b, c) = write_pair(dir.path(), &base, &cand);
    let (code, _, stderr) = kakugo(&["compare", "--baseline", &b, "--candidate", &c]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("no task and language scored on the same items"),
        "{stderr}"
    );
}

fn run(record: &RunRecord) -> Run {
    Run {
        path: PathBuf::from(format!("runs/{}.smoke.json", record.model)),
        record: record.clone(),
    }
}

#[test]
fn unpaired_items_and_cells_are_reported() {
    let base = baseline();
    let mut cand = as_candidate(&base);
    cand.results.retain(|r| r.language != "swh_Latn");
    cand.results
        .iter_mut()
        .find(|r| r.language == "kaz_Cyrl")
        .unwrap()
        .items
        .truncate(150);
    let cmp = compare(&run(&base), &run(&cand), &CompareOptions::default()).unwrap();
    let kaz = cmp.rows.iter().find(|r| r.language == "kaz_Cyrl").unwrap();
    assert_eq!(
        (kaz.n, kaz.only_in_baseline, kaz.only_in_candidate),
        (150, 54, 0)
    );
    assert_eq!(cmp.not_comparable.len(), 1);
    assert_eq!(cmp.not_comparable[0].language, "swh_Latn");
    assert_eq!(cmp.not_comparable[0].reason, "only in the baseline");
}

/// chrF++ through the corpus path, on sacrebleu 2.6.0's statistics of the 211 shared
/// reference cases. Baseline: the cases as they are, corpus chrF++ 85.68204755969633
/// (`chrf_reference_cases.meta.json`). Candidate: the 53 cases whose line number is a
/// multiple of 4 with an empty hypothesis (statistics [0, ref, 0] per order, as sacrebleu's
/// `_extract_corpus_statistics([''], [[ref]])` gives); sacrebleu's
/// `CHRF(word_order=2)._compute_score_from_stats` on the summed statistics: 76.35578794195085.
#[test]
fn chrf_plus_plus_is_compared_by_paired_bootstrap_on_corpus_statistics() {
    let cases = reference_chrf_stats();
    assert_eq!(cases.len(), 211);
    let emptied: Vec<(String, Vec<f64>)> = cases
        .iter()
        .map(|(id, s)| {
            let s = if id.parse::<usize>().unwrap().is_multiple_of(4) {
                s.iter()
                    .enumerate()
                    .map(|(i, &v)| if i % 3 == 1 { v } else { 0.0 })
                    .collect()
            } else {
                s.clone()
            };
            (id.clone(), s)
        })
        .collect();
    let base = record(
        "smollm2-135m",
        BASE_SHA,
        vec![flores_result("flores_xx_en", "kaz_Cyrl", &cases)],
    );
    let mut cand = as_candidate(&base);
    cand.results = vec![flores_result("flores_xx_en", "kaz_Cyrl", &emptied)];
    let opts = CompareOptions::default();
    let cmp = compare(&run(&base), &run(&cand), &opts).unwrap();
    assert_eq!(cmp.rows.len(), 1);
    let r = &cmp.rows[0];
    assert_eq!(
        (r.metric.as_str(), r.test, r.n),
        ("chrf++", Test::PairedBootstrap, 211)
    );
    assert!(
        (r.baseline - 85.68204755969633).abs() < 1e-9,
        "{}",
        r.baseline
    );
    assert!(
        (r.candidate - 76.35578794195085).abs() < 1e-9,
        "{}",
        r.candidate
    );
    assert!((r.delta - (76.35578794195085 - 85.68204755969633)).abs() < 1e-9);
    assert!(
        r.ci_low < r.delta && r.delta < r.ci_high && r.ci_high < 0.0,
        "{r:?}"
    );
    assert_eq!(r.verdict, Verdict::Regressed);
    assert!(cmp.regressed);
    // Seeded: the same inputs give the same JSON, byte for byte.
    let again = compare(&run(&base), &run(&cand), &opts).unwrap();
    assert_eq!(
        serde_json::to_string(&cmp).unwrap(),
        serde_json::to_string(&again).unwrap()
    );
    // Unchanged chrF++ is no change.
    let same = compare(&run(&base), &run(&as_candidate(&base)), &opts).unwrap();
    assert_eq!(same.rows[0].verdict, Verdict::NoSignificantChange);
    assert_eq!((same.rows[0].ci_low, same.rows[0].ci_high), (0.0, 0.0));
}

/// The Markdown summary of the constructed regression. Key figures checked independently in
/// `constructed_regression_exits_1_and_max_drop_tolerates_it` (Δ −14.71, p < 0.0001 for
/// kaz_Cyrl; p = 0.25 for eng_Latn).
#[test]
fn markdown_summary_snapshot() {
    let base = baseline();
    let cmp = compare(
        &run(&base),
        &run(&regressed_candidate(&base)),
        &CompareOptions::default(),
    )
    .unwrap();
    let md = cmp.to_markdown();
    let right = outcomes(SIB_ITEMS, 0.60, 2).iter().filter(|r| **r).count() as f64;
    let kaz_row = format!(
        "| sib200 | kaz_Cyrl Kazakh | acc | {:.2} | {:.2} | -14.71 |",
        right / 204.0 * 100.0,
        (right - 30.0) / 204.0 * 100.0
    );
    assert!(md.contains(&kaz_row), "{kaz_row}\n{md}");
    assert!(md.contains("| <0.0001 (McNemar) |"), "{md}");
    assert!(md.contains("| 0.2500 (McNemar) |"), "{md}");
    snapshot("compare_regression.md", &md);
}

fn snapshot(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    if std::env::var_os("KAKUGO_UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run with KAKUGO_UPDATE_SNAPSHOTS=1 to create it",
            path.display()
        )
    });
    assert_eq!(actual, expected, "snapshot {} differs", path.display());
}
