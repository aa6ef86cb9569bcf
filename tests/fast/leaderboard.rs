//! `kakugo leaderboard` on a directory of run records with hand-chosen scores, so every
//! average, rank, tie, win and missing cell below is worked out by hand.
//!
//! Models A, B, C; primary scores in points (— = not run):
//!
//! | cell | A | B | C |
//! |---|---|---|---|
//! | sib200 eng_Latn | 70 | 70 | 60 |
//! | sib200 kaz_Cyrl | 40 | 45 | 30 |
//! | sib200 swh_Latn | 50 | — | 55 |
//! | flores_xx_en kaz_Cyrl | 20 | 25 | — |
//!
//! Common cells: sib200 eng and kaz → A (70+40)/2 = 55, B 57.5, C 45 (ranks B, A, C).
//! Own macro averages: A ((70+40+50)/3 + 20)/2 = 36.67, B (57.5 + 25)/2 = 41.25,
//! C (60+30+55)/3 = 48.33. Wins: eng A and B (tie), kaz B, swh C, flores B → A 1, B 3, C 1.

use crate::report_fixtures;

use kakugo::store::{MetricValue, RunRecord, TaskResult};
use report_fixtures::*;

fn cell(task: &str, language: &str, metric: &str, value: f64) -> TaskResult {
    TaskResult {
        task: task.into(),
        language: language.into(),
        metrics: vec![MetricValue {
            name: metric.into(),
            value,
            stderr: 3.0,
            n: 204,
        }],
        items: vec![],
    }
}

fn model(name: &str, sib: [Option<f64>; 3], flores: Option<f64>) -> RunRecord {
    let mut results = Vec::new();
    for (lang, v) in ["eng_Latn", "kaz_Cyrl", "swh_Latn"].iter().zip(sib) {
        if let Some(v) = v {
            let mut c = cell("sib200", lang, "acc", v);
            // A secondary metric must not change the ranking.
            c.metrics.push(MetricValue {
                name: "acc_norm".into(),
                value: 100.0 - v,
                stderr: 3.0,
                n: 204,
            });
            results.push(c);
        }
    }
    if let Some(v) = flores {
        results.push(cell("flores_xx_en", "kaz_Cyrl", "chrf++", v));
    }
    let sha = format!("{:064x}", name.as_bytes()[0]);
    record(name, &sha, results)
}

#[test]
fn ranks_averages_ties_wins_and_missing_cells() {
    let dir = tempfile::tempdir().unwrap();
    let runs = dir.path().join("runs");
    write(
        &runs,
        "a.json",
        &model("A", [Some(70.0), Some(40.0), Some(50.0)], Some(20.0)),
    );
    write(
        &runs.join("sub"),
        "b.json",
        &model("B", [Some(70.0), Some(45.0), None], Some(25.0)),
    );
    write(
        &runs,
        "c.json",
        &model("C", [Some(60.0), Some(30.0), Some(55.0)], None),
    );
    // Not a run record: skipped, not an error.
    std::fs::write(runs.join("verdict.json"), "{\"rows\": []}").unwrap();
    let out = dir.path().join("board");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_kakugo"))
        .args([
            "leaderboard",
            runs.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .status()
        .unwrap();
    assert!(status.success());

    let md = std::fs::read_to_string(out.join("leaderboard.md")).unwrap();
    let expect = [
        "| rank | model | macro average (2 common cells) | own average | wins | languages | cells |",
        "| 1 | B | 57.50 | 41.25 | 3 | 2 | 3 |",
        "| 2 | A | 55.00 | 36.67 | 1 | 3 | 4 |",
        "| 3 | C | 45.00 | 48.33 | 1 | 3 | 3 |",
        "| language | A | C | B | tasks averaged |",
        "| eng_Latn English | 70.00 (1=) | 60.00 (3) | 70.00 (1=) | sib200 |",
        "| kaz_Cyrl Kazakh | 40.00 (2) | 30.00 (3) | 45.00 (1) | sib200 |",
        "| swh_Latn Swahili | 50.00 (2) | 55.00 (1) | — | sib200 |",
        "## flores_xx_en (chrf++)",
        "| kaz_Cyrl Kazakh | 20.00 (2) | — | 25.00 (1) |",
        "## sib200 (acc)",
    ];
    for line in expect {
        assert!(md.contains(line), "missing {line:?} in\n{md}");
    }
    assert!(md.contains("the mean over tasks of the mean over that task's languages"));

    let csv = std::fs::read_to_string(out.join("leaderboard.csv")).unwrap();
    assert!(
        csv.starts_with("table,task,language,model,metric,score,rank,wins,languages,cells,note\n")
    );
    assert!(
        csv.contains("\noverall,,,B,primary,57.5,1,3,2,3,\n"),
        "{csv}"
    );
    assert!(
        csv.contains("\ncell,flores_xx_en,kaz_Cyrl,C,chrf++,,,,,,missing\n"),
        "{csv}"
    );
    assert!(
        csv.contains("\nlanguage,,eng_Latn,A,primary,70,1=,,,,\n"),
        "{csv}"
    );

    let html = std::fs::read_to_string(out.join("leaderboard.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(
        html.contains("<td class=\"best num\">70.00 (1=)</td>"),
        "{html}"
    );
    assert_eq!(html.matches("<table>").count(), 4);
}
