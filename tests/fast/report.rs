//! `kakugo report` on a realistic set of runs: a base model and two candidates distilled from
//! different teachers, SIB-200 on 55 languages (204 items each) and FLORES chrF++ in both
//! directions on 6 languages (real sacrebleu statistics). Checks the files, the tables, the
//! plots and byte-identical output for the same records.
//!
//! Run: `KAKUGO_REFERENCE=/work/shared/reference cargo test --release --test report`. The last
//! report written stays in `target/tmp/report-example/` for a look (and for
//! `scripts/check-report-html.sh target/tmp/report-example`).

use crate::report_fixtures;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use kakugo::report::{default_report_name, write_report, Run};
use kakugo::store::RunRecord;
use report_fixtures::*;

const FLORES_LANGS: [&str; 6] = [
    "amh_Ethi", "deu_Latn", "hin_Deva", "kaz_Cyrl", "rus_Cyrl", "swh_Latn",
];

fn sib_languages() -> Vec<&'static str> {
    kakugo::lang::all()
        .iter()
        .take(55)
        .map(|l| l.code)
        .collect()
}

/// Accuracy of model `m` in language `i`: a spread of realistic SIB-200 levels.
fn sib_p(m: usize, i: usize) -> f64 {
    let base = 0.25 + 0.45 * ((i * 37) % 55) as f64 / 55.0;
    (base + [0.0, 0.04, 0.07][m]
        - if i.is_multiple_of(9) {
            0.06 * m as f64
        } else {
            0.0
        })
    .clamp(0.05, 0.95)
}

fn model_record(m: usize) -> RunRecord {
    let (name, sha) = [
        (
            "smollm2-135m",
            "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        ),
        (
            "smollm2-135m-gemma27b",
            "1f0c5e3a9b8d7c6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e",
        ),
        (
            "smollm2-135m-aya32b",
            "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d",
        ),
    ][m];
    let mut results = Vec::new();
    for (i, lang) in sib_languages().into_iter().enumerate() {
        results.push(sib_result(
            lang,
            &outcomes(SIB_ITEMS, sib_p(m, i), (m * 1000 + i) as u64),
        ));
    }
    let cases = reference_chrf_stats();
    for (i, lang) in FLORES_LANGS.iter().enumerate() {
        let chunk = &cases[i * 30..i * 30 + 30];
        for (task, keep) in [
            ("flores_xx_en", 0.30 + 0.05 * m as f64),
            ("flores_en_xx", 0.15 + 0.04 * m as f64),
        ] {
            let items: Vec<(String, Vec<f64>)> = chunk
                .iter()
                .map(|(id, s)| (id.clone(), weaken(s, keep + 0.03 * i as f64)))
                .collect();
            results.push(flores_result(task, lang, &items));
        }
    }
    let mut r = record(name, sha, results);
    if m > 0 {
        let teacher = ["", "gemma-3-27b-it", "aya-expanse-32b"][m];
        r.lineage = Some(report_fixtures::lineage(
            &r.manifest.model,
            teacher,
            "smollm2-135m",
            &format!("{:064x}", m),
        ));
    }
    r
}

fn runs() -> Vec<Run> {
    (0..3)
        .map(|m| {
            let record = model_record(m);
            Run {
                path: PathBuf::from(format!("runs/{}.smoke.json", record.model)),
                record,
            }
        })
        .collect()
}

fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for sub in ["", "plots"] {
        for entry in std::fs::read_dir(dir.join(sub)).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                let name = path.strip_prefix(dir).unwrap().display().to_string();
                out.insert(name, std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

#[test]
fn report_of_three_models_on_55_languages() {
    let runs = runs();
    assert_eq!(
        default_report_name(&runs),
        "smollm2-135m-vs-smollm2-135m-gemma27b-vs-smollm2-135m-aya32b.smoke"
    );
    let tmp = tempfile::tempdir().unwrap();
    let first = tmp.path().join("a");
    write_report(&runs, &first).unwrap();
    let example = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-example");
    let _ = std::fs::remove_dir_all(&example);
    write_report(&runs, &example).unwrap();

    let a = read_tree(&first);
    let b = read_tree(&example);
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (name, bytes) in &a {
        assert!(
            bytes == &b[name],
            "{name} differs between two reports of the same records"
        );
    }

    let mut expected: Vec<String> = vec![
        "index.html".into(),
        "leaderboard.md".into(),
        "results.csv".into(),
    ];
    for stem in [
        "bars_flores_en_xx",
        "bars_flores_xx_en",
        "bars_sib200",
        "delta_smollm2-135m-aya32b",
        "delta_smollm2-135m-gemma27b",
        "teachers_smollm2-135m_flores_en_xx",
        "teachers_smollm2-135m_flores_xx_en",
        "teachers_smollm2-135m_sib200",
        "translation_flores",
    ] {
        expected.push(format!("plots/{stem}.png"));
        expected.push(format!("plots/{stem}.svg"));
    }
    expected.sort();
    assert_eq!(a.keys().cloned().collect::<Vec<_>>(), expected);

    // results.csv: 3 models × (55 acc + 12 chrF++) rows and a header.
    let csv = String::from_utf8(a["results.csv"].clone()).unwrap();
    assert_eq!(csv.lines().count(), 1 + 3 * (55 + 12));
    assert_eq!(
        csv.lines().next().unwrap(),
        "model,task,language,metric,value,stderr,n"
    );
    let eng = sib_languages()
        .iter()
        .position(|&c| c == "eng_Latn")
        .expect("eng_Latn among the first 55");
    let right = outcomes(SIB_ITEMS, sib_p(0, eng), eng as u64)
        .iter()
        .filter(|r| **r)
        .count();
    let eng_row = csv
        .lines()
        .find(|l| l.starts_with("smollm2-135m,sib200,eng_Latn,acc,"))
        .unwrap();
    let value: f64 = eng_row.split(',').nth(4).unwrap().parse().unwrap();
    assert!(
        (value - right as f64 / 204.0 * 100.0).abs() < 1e-9,
        "{eng_row}"
    );
    assert!(eng_row.ends_with(",204"), "{eng_row}");

    let html = String::from_utf8(a["index.html"].clone()).unwrap();
    let n_tables = html.matches("<table>").count();
    assert!(html.contains(&format!("data-tables=\"{n_tables}\" data-plots=\"9\"")));
    assert_eq!(html.matches("<figure class=\"plot\"").count(), 9);
    assert_eq!(html.matches("<svg role=\"img\"").count(), 9);
    // Self-contained: nothing fetched.
    assert_eq!(
        html.matches("http").count(),
        html.matches("xmlns=\"http://www.w3.org/2000/svg\"").count(),
        "the only URLs are SVG namespaces"
    );
    assert!(!html.contains("https://") && !html.contains("<script") && !html.contains("<link"));
    // Manifest and lineage.
    assert!(html.contains("b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"));
    assert!(html.contains("45324ab9e4fac4496fd1c15bd7a8e5804532f54d0037f7a4d01ea21bfaa52b7d"));
    assert!(html.contains("<dt>teacher</dt><dd><dl><dt>name</dt><dd>gemma-3-27b-it</dd>"));
    assert!(html.contains("Topic of the following text: {{ text }}\nTopic:"));

    // Plots: PNG files, canvases sized by the number of languages.
    for (name, bytes) in &a {
        if name.ends_with(".png") {
            assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{name}");
        }
    }
    let (w, h) = png_size(&a["plots/bars_sib200.png"]);
    assert!(w >= 1000 && h > 55 * 3 * 12, "{w}×{h}");
    let (_, h6) = png_size(&a["plots/bars_flores_xx_en.png"]);
    assert!(h6 < h / 4, "6 languages need a shorter canvas than 55");
}

fn png_size(png: &[u8]) -> (u32, u32) {
    let w = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(png[20..24].try_into().unwrap());
    (w, h)
}

#[test]
fn report_cli_writes_under_reports_by_default_and_fails_clearly() {
    let tmp = tempfile::tempdir().unwrap();
    let rec = write(tmp.path(), "base.json", &model_record(0));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kakugo"))
        .current_dir(tmp.path())
        .args(["report", rec.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(tmp
        .path()
        .join("reports/smollm2-135m.smoke/index.html")
        .is_file());

    std::fs::write(
        tmp.path().join("broken.json"),
        "{\"schema\": 1, \"model\": 3}",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kakugo"))
        .current_dir(tmp.path())
        .args(["report", "broken.json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("broken.json: line 1: field `run record`"),
        "{stderr}"
    );
}

#[test]
fn one_model_twice_for_the_same_cell_is_an_error_naming_both_files() {
    let r = model_record(0);
    let runs = vec![
        Run {
            path: "a.json".into(),
            record: r.clone(),
        },
        Run {
            path: "b.json".into(),
            record: r,
        },
    ];
    let err = write_report(&runs, &tempfile::tempdir().unwrap().path().join("x")).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.starts_with(
            "b.json: model smollm2-135m has task flores_en_xx language amh_Ethi here and in a.json"
        ),
        "{msg}"
    );
}
