//! Malformed input: each error names the file, the line (the header is line 1) and the field,
//! with what was expected and what was found.

use std::path::{Path, PathBuf};

use kakugo::data::{belebele, flores, global_mmlu, sib200, DataSource, LoadedFiles, Split};

use super::lang;

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, text).unwrap();
    path
}

fn sib200_error(tsv: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "eng_Latn/labels.txt", "travel\nsports\n");
    write(dir.path(), "eng_Latn/test.tsv", tsv);
    sib200::load(
        &DataSource::local(dir.path()),
        lang("eng_Latn"),
        Split::Test,
        &mut LoadedFiles::default(),
    )
    .unwrap_err()
    .to_string()
}

#[test]
fn sib200_unknown_category_names_its_line() {
    let err = sib200_error(
        "index_id\tcategory\ttext\n1\ttravel\t\"He said \"\"hi\"\"\"\n2\tcooking\tx\n",
    );
    assert!(
        err.contains("eng_Latn/test.tsv: line 3: field `category`: expected one of [\"travel\", \"sports\"] (labels.txt), found `cooking`"),
        "{err}"
    );
}

#[test]
fn sib200_bad_rows() {
    let err = sib200_error("index_id\tcategory\ttext\nx1\ttravel\tx\n");
    assert!(
        err.contains("line 2: field `index_id`: expected a non-negative integer, found `x1`"),
        "{err}"
    );
    let err = sib200_error("index_id\tcategory\ttext\n1\ttravel\tx\n1\tsports\ty\n");
    assert!(
        err.contains("line 3: field `index_id`: index_id 1 repeated (first on line 2)"),
        "{err}"
    );
    let err = sib200_error("index_id\tcategory\ttext\n1\ttravel\n");
    assert!(
        err.contains("line 2: field `<record>`: expected 3 TAB-separated fields, found 2"),
        "{err}"
    );
    let err = sib200_error("id\tcategory\ttext\n");
    assert!(err.contains("line 1: field `<header>`"), "{err}");
    let err = sib200_error("index_id\tcategory\ttext\n1\ttravel\t\n");
    assert!(err.contains("line 2: field `text`: empty text"), "{err}");
}

const BELEBELE_OK: &str = r#"{"link":"https:\/\/a","question_number":1,"flores_passage":"P","question":"Q","mc_answer1":"a","mc_answer2":"b","mc_answer3":"c","mc_answer4":"d","correct_answer_num":"2","dialect":"eng_Latn","ds":"2023-05-03"}"#;

fn belebele_error(second_line: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "eng_Latn.jsonl",
        &format!("{BELEBELE_OK}\n{second_line}\n"),
    );
    belebele::load_file(&path, lang("eng_Latn"), &mut LoadedFiles::default())
        .unwrap_err()
        .to_string()
}

#[test]
fn belebele_missing_field() {
    let line = BELEBELE_OK
        .replace(r#""question":"Q","#, "")
        .replace(r#""question_number":1"#, r#""question_number":2"#);
    let err = belebele_error(&line);
    assert!(
        err.contains("eng_Latn.jsonl: line 2: field `question`: missing field"),
        "{err}"
    );
}

#[test]
fn belebele_bad_correct_answer_num() {
    let line = BELEBELE_OK.replace(r#""question_number":1"#, r#""question_number":2"#);
    let err =
        belebele_error(&line.replace(r#""correct_answer_num":"2""#, r#""correct_answer_num":"5""#));
    assert!(
        err.contains("line 2: field `correct_answer_num`: expected 1, 2, 3 or 4, found 5"),
        "{err}"
    );
    let err = belebele_error(&line.replace(
        r#""correct_answer_num":"2""#,
        r#""correct_answer_num":"two""#,
    ));
    assert!(
        err.contains(
            "line 2: field `correct_answer_num`: expected an integer, found string \"two\""
        ),
        "{err}"
    );
}

#[test]
fn belebele_repeated_key_names_both_lines() {
    let err = belebele_error(BELEBELE_OK);
    assert!(
        err.contains(
            "line 2: field `question_number`: question (https://a, 1) repeated: lines 1 and 2"
        ),
        "{err}"
    );
    let err = belebele_error(
        &BELEBELE_OK
            .replace("\"question_number\":1", "\"question_number\":2")
            .replace("eng_Latn", "deu_Latn"),
    );
    assert!(
        err.contains(
            "line 2: field `dialect`: expected `eng_Latn` (the file's language), found `deu_Latn`"
        ),
        "{err}"
    );
    let err = belebele_error("[1, 2]");
    assert!(
        err.contains("line 2: field `<record>`: expected a JSON object, found array"),
        "{err}"
    );
}

#[test]
fn global_mmlu_answer_e() {
    let row = r#"{"sample_id":"s/dev/0","subject":"s","subject_category":"STEM","question":"Q","option_a":"1","option_b":"2","option_c":"3","option_d":"4","answer":"E","required_knowledge":"[]","time_sensitive":"[]","reference":"[]","culture":"[]","region":"[]","country":"[]","cultural_sensitivity_label":"-","is_annotated":false}"#;
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "dev.jsonl",
        &format!(
            "{}\n{row}\n",
            row.replace("\"E\"", "\"A\"").replace("s/dev/0", "s/dev/1")
        ),
    );
    let err = global_mmlu::load_file(&path, lang("en"), &mut LoadedFiles::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("dev.jsonl: line 2: field `answer`: expected A, B, C or D, found `E`"),
        "{err}"
    );
    let path = write(
        dir.path(),
        "dev2.jsonl",
        &format!(
            "{}\n",
            row.replace("\"E\"", "\"A\"").replace("\"-\"", "\"XX\"")
        ),
    );
    let err = global_mmlu::load_file(&path, lang("en"), &mut LoadedFiles::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "line 1: field `cultural_sensitivity_label`: expected CA, CS or -, found `XX`"
        ),
        "{err}"
    );
}

#[test]
fn flores_bad_files() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "dev/eng_Latn.dev", "one\ntwo\n");
    let source = DataSource::local(dir.path());
    let err = flores::load_flores200(
        &source,
        lang("eng_Latn"),
        Split::Dev,
        &mut LoadedFiles::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("dev/eng_Latn.dev: expected 997 lines (FLORES-200 dev), found 2"),
        "{err}"
    );
    write(
        dir.path(),
        "subset/eng_Latn.tsv",
        "index_id\tsplit\ttext\n0\tdev\ta\n5\tdevtest\tb\n",
    );
    let err = flores::load_subset(
        &source,
        lang("eng_Latn"),
        Split::Dev,
        &mut LoadedFiles::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("line 3: field `index_id`: index_id 5 is not in devtest"),
        "{err}"
    );
    let err = flores::load_subset(
        &source,
        lang("eng_Latn"),
        Split::Test,
        &mut LoadedFiles::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("FLORES-200 has no `test` split"), "{err}");
}
