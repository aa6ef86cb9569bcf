//! Global-MMLU en dev against the data README, JSONL and Parquet alike.

use kakugo::data::global_mmlu::{self, GlobalMmlu};
use kakugo::data::{DataSource, LoadedFiles, Split};

use super::{common, counts, lang, sha256sums};

fn load_file(name: &str) -> GlobalMmlu {
    let path = common::data_dir().join("global_mmlu/en").join(name);
    global_mmlu::load_file(&path, lang("en"), &mut LoadedFiles::default()).unwrap()
}

#[test]
fn en_dev_matches_the_readme() {
    let loaded = load_file("dev.jsonl");
    assert!(loaded.rejected.is_empty());
    let docs = &loaded.docs;
    assert_eq!(docs.len(), 285);
    let answers = counts(docs.iter().map(|d| ["A", "B", "C", "D"][d.gold]));
    assert_eq!(
        answers.into_iter().collect::<Vec<_>>(),
        [("A", 67), ("B", 69), ("C", 71), ("D", 78)]
    );
    let categories = counts(docs.iter().map(|d| d.metadata["subject_category"].as_str()));
    assert_eq!(categories["STEM"], 95);
    assert_eq!(categories["Humanities"], 65);
    assert_eq!(categories["Social Sciences"], 60);
    assert_eq!(categories["Medical"], 35);
    assert_eq!(categories["Business"], 20);
    assert_eq!(categories["Other"], 10);
    let subjects = counts(docs.iter().map(|d| d.metadata["subject"].as_str()));
    assert_eq!(subjects.len(), 57);
    assert!(subjects.values().all(|&n| n == 5));
    assert!(docs
        .iter()
        .all(|d| d.metadata["cultural_sensitivity_label"] == "-"));
    let first = &docs[0];
    assert_eq!(first.id, "abstract_algebra/dev/0");
    assert_eq!(
        first.fields["question"],
        "Find all c in Z_3 such that Z_3[x]/(x^2 + c) is a field."
    );
    assert_eq!(first.choices, ["0", "1", "2", "3"]);
    assert_eq!(first.gold, 1);
    assert_eq!(first.language, "eng_Latn");
}

#[test]
fn jsonl_and_parquet_give_identical_documents() {
    let jsonl = load_file("dev.jsonl");
    let parquet = load_file("dev.parquet");
    assert_eq!(parquet.docs.len(), 285);
    assert_eq!(jsonl.docs, parquet.docs);
}

/// Through a source, `en/dev` finds `dev.parquet` (the hub's `dev-00000-of-00001.parquet`
/// is absent locally) and records its hash as SHA256SUMS has it.
#[test]
fn source_resolves_local_names() {
    let root = common::data_dir();
    let mut files = LoadedFiles::default();
    let source = DataSource::local(root.join("global_mmlu"));
    let loaded = global_mmlu::load(&source, lang("en"), Split::Dev, &mut files).unwrap();
    assert_eq!(loaded.docs.len(), 285);
    let f = files.files().next().unwrap();
    assert!(f.path.ends_with("en/dev.parquet"));
    assert_eq!(f.sha256, sha256sums(&root)["global_mmlu/en/dev.parquet"]);
    let err = global_mmlu::load(&source, lang("kk"), Split::Dev, &mut files).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("Global-MMLU has no Kazakh (kaz_Cyrl)"),
        "{err}"
    );
}

/// A row with an empty option is left out and reported with its id, line and option.
#[test]
fn rows_with_an_empty_option_are_rejected_and_counted() {
    let raw = std::fs::read_to_string(common::data_dir().join("global_mmlu/en/dev.jsonl")).unwrap();
    let mut lines: Vec<String> = raw.lines().map(str::to_string).collect();
    lines[3] = lines[3].replacen("\"option_c\":\"", "\"option_c\":\"\",\"x\":\"", 1);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dev.jsonl");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let loaded = global_mmlu::load_file(&path, lang("en"), &mut LoadedFiles::default()).unwrap();
    assert_eq!(loaded.docs.len(), 284);
    assert_eq!(loaded.rejected.len(), 1);
    let r = &loaded.rejected[0];
    assert_eq!(
        (r.sample_id.as_str(), r.line, r.field.as_str()),
        ("abstract_algebra/dev/3", 4, "option_c")
    );
}
