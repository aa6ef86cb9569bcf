//! Belebele eng_Latn against the data README: 900 questions over 488 passages, answer counts,
//! and documents keyed by (link, question_number) whatever the row order.

use std::collections::BTreeMap;

use kakugo::data::{belebele, DataSource, LoadedFiles, MultipleChoiceDoc, Split};

use super::{common, lang};

fn load_eng() -> Vec<MultipleChoiceDoc> {
    let source = DataSource::local(common::data_dir().join("belebele"));
    belebele::load(
        &source,
        lang("eng_Latn"),
        Split::Test,
        &mut LoadedFiles::default(),
    )
    .unwrap()
}

#[test]
fn counts_match_the_readme() {
    let docs = load_eng();
    assert_eq!(docs.len(), 900);
    let mut per_passage: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for d in &docs {
        per_passage
            .entry(&d.metadata["link"])
            .or_default()
            .push(&d.metadata["question_number"]);
        assert_eq!(
            d.id,
            format!("{}#{}", d.metadata["link"], d.metadata["question_number"])
        );
        assert_eq!(d.choices.len(), 4);
    }
    assert_eq!(per_passage.len(), 488);
    assert_eq!(per_passage.values().filter(|q| q.len() == 2).count(), 412);
    let single: Vec<_> = per_passage.values().filter(|q| q.len() == 1).collect();
    assert_eq!(single.len(), 76);
    assert_eq!(
        single.iter().filter(|q| q[0] == "2").count(),
        6,
        "single questions numbered 2"
    );
    let mut answers = [0; 4];
    for d in &docs {
        answers[d.gold] += 1;
    }
    assert_eq!(answers, [206, 251, 246, 197]);
}

/// The first line of the file, parsed independently, is the document with its key.
#[test]
fn first_record_maps_field_by_field() {
    let raw = std::fs::read_to_string(common::data_dir().join("belebele/eng_Latn.jsonl")).unwrap();
    let first: serde_json::Value = serde_json::from_str(raw.lines().next().unwrap()).unwrap();
    let id = format!(
        "{}#{}",
        first["link"].as_str().unwrap(),
        first["question_number"]
    );
    let docs = load_eng();
    let doc = docs.iter().find(|d| d.id == id).unwrap();
    assert_eq!(
        doc.fields["passage"],
        first["flores_passage"].as_str().unwrap()
    );
    assert_eq!(doc.fields["question"], first["question"].as_str().unwrap());
    for (i, choice) in doc.choices.iter().enumerate() {
        assert_eq!(
            choice,
            first[format!("mc_answer{}", i + 1)].as_str().unwrap()
        );
    }
    let correct: usize = first["correct_answer_num"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(doc.gold, correct - 1);
}

/// Reversing the file's rows changes nothing: questions are keyed, not positional.
#[test]
fn row_order_does_not_matter() {
    let raw = std::fs::read_to_string(common::data_dir().join("belebele/eng_Latn.jsonl")).unwrap();
    let reversed: Vec<&str> = raw.lines().rev().collect();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("eng_Latn.jsonl"),
        reversed.join("\n") + "\n",
    )
    .unwrap();
    let shuffled = belebele::load(
        &DataSource::local(dir.path()),
        lang("eng_Latn"),
        Split::Test,
        &mut LoadedFiles::default(),
    )
    .unwrap();
    assert_eq!(shuffled, load_eng());
}
