//! SIB-200 topic classification (Adelani et al., 2023, arXiv:2309.07445).
//!
//! Layout: `<lang>/{train,dev,test}.tsv` and `<lang>/labels.txt` under the dataset root
//! (`data/` in `Davlan/sib200`). A TSV has the header `index_id<TAB>category<TAB>text` and
//! pandas' quoting (see [`super::tsv`]); `index_id` is the sentence's FLORES-200 position
//! (dev then devtest, 0-based) and `category` one of the labels in `labels.txt`, whose line
//! order is the label index. Each row becomes a [`MultipleChoiceDoc`] with field `text`, the
//! labels as choices, the category's index as gold, `category` in the metadata and `index_id`
//! as id. Rows keep the file's order.

use std::path::Path;

use crate::{tsv, utf8, LoadedFiles, MultipleChoiceDoc, Split};
use kakugo_core::lang::{Dataset, Language};
use kakugo_core::{Error, Result};

use super::DataSource;

/// One row of a SIB-200 TSV, with the dataset's column names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sib200Record {
    pub index_id: u32,
    pub category: String,
    pub text: String,
}

const HEADER: [&str; 3] = ["index_id", "category", "text"];
const SPLITS: [Split; 3] = [Split::Train, Split::Dev, Split::Test];

/// Parses `labels.txt`: one non-empty, distinct label per line.
fn parse_labels(path: &Path, text: &str) -> Result<Vec<String>> {
    let mut labels: Vec<String> = Vec::new();
    for (i, label) in text.lines().enumerate() {
        if label.trim().is_empty() {
            return Err(Error::parse(path, i + 1, "label", "empty label"));
        }
        if labels.iter().any(|l| l == label) {
            return Err(Error::parse(
                path,
                i + 1,
                "label",
                format!("label `{label}` repeated"),
            ));
        }
        labels.push(label.to_string());
    }
    if labels.len() < 2 {
        return Err(Error::file(
            path,
            format!("expected at least 2 labels, found {}", labels.len()),
        ));
    }
    Ok(labels)
}

/// Parses a SIB-200 TSV, checking every field; duplicate `index_id`s are an error.
fn parse_records(path: &Path, bytes: &[u8], labels: &[String]) -> Result<Vec<Sib200Record>> {
    let mut records = Vec::new();
    let mut ids = tsv::IndexIds::default();
    tsv::for_each_row(path, bytes, &HEADER, |line, row| {
        let index_id = ids.read(path, line, &row[0])?;
        let category = &row[1];
        if !labels.iter().any(|l| l == category) {
            return Err(Error::parse(
                path,
                line,
                "category",
                format!("expected one of {labels:?} (labels.txt), found `{category}`"),
            ));
        }
        if row[2].is_empty() {
            return Err(Error::parse(path, line, "text", "empty text"));
        }
        let record = Sib200Record {
            index_id,
            category: category.to_string(),
            text: row[2].to_string(),
        };
        records.push(record);
        Ok(())
    })?;
    Ok(records)
}

fn to_doc(record: Sib200Record, labels: &[String], language: &str) -> MultipleChoiceDoc {
    let gold = labels
        .iter()
        .position(|l| *l == record.category)
        .expect("category checked against labels");
    MultipleChoiceDoc {
        id: record.index_id.to_string(),
        language: language.to_string(),
        fields: [("text".to_string(), record.text)].into(),
        choices: labels.to_vec(),
        gold,
        metadata: [("category".to_string(), record.category)].into(),
    }
}

/// Loads one TSV file with its `labels.txt`.
pub fn load_files(
    tsv_path: &Path,
    labels_path: &Path,
    language: &Language,
    files: &mut LoadedFiles,
) -> Result<Vec<MultipleChoiceDoc>> {
    let labels_bytes = files.read(labels_path)?;
    let labels = parse_labels(labels_path, utf8(labels_path, &labels_bytes)?)?;
    let bytes = files.read(tsv_path)?;
    let records = parse_records(tsv_path, &bytes, &labels)?;
    Ok(records
        .into_iter()
        .map(|r| to_doc(r, &labels, language.code))
        .collect())
}

/// Loads one language's split (`train`, `dev` or `test`) from a source.
pub fn load(
    source: &DataSource,
    language: &Language,
    split: Split,
    files: &mut LoadedFiles,
) -> Result<Vec<MultipleChoiceDoc>> {
    split.check(Dataset::Sib200, &SPLITS)?;
    let code = language.require_in(Dataset::Sib200)?;
    let tsv_path = source.resolve(&[format!("{code}/{split}.tsv")])?;
    let labels_path = source.resolve(&[format!("{code}/labels.txt")])?;
    load_files(&tsv_path, &labels_path, language, files)
}
