//! SIB-200 (Adelani et al., 2024): topic classification over FLORES-200 sentences.
//!
//! Layout `<root>/sib200/<lang>/{train,dev,test}.tsv` and `labels.txt`. The TSVs were
//! written by pandas: TAB-delimited with RFC 4180 quoting (170 of 205 languages have quoted
//! fields), so they are read with a quote-aware reader, never split on TAB. Text is kept
//! exactly as it is. Each row becomes a [`MultipleChoiceDoc`] whose choices are the labels.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::{DataFile, Loaded, MultipleChoiceDoc};
use crate::{Error, Result};

/// One TSV row, with the dataset's own column names.
#[derive(Debug, Deserialize)]
struct Sib200Row {
    index_id: u32,
    category: String,
    text: String,
}

/// Loads one language's split.
pub fn load(root: &Path, language: &str, split: &str) -> Result<Loaded<MultipleChoiceDoc>> {
    let dir = root.join("sib200").join(language);
    let labels_path = dir.join("labels.txt");
    let labels: Vec<String> = std::fs::read_to_string(&labels_path)
        .map_err(|e| Error::io(&labels_path, e))?
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    let path = dir.join(format!("{split}.tsv"));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .from_path(&path)
        .map_err(|e| Error::file(&path, e.to_string()))?;
    let headers = reader
        .headers()
        .map_err(|e| Error::parse(&path, 1, "header", e.to_string()))?
        .clone();
    let mut docs = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let line = i + 2;
        let record = row.map_err(|e| Error::parse(&path, line, "row", e.to_string()))?;
        let raw: Sib200Row = record.deserialize(Some(&headers)).map_err(|e| {
            let field = match e.kind() {
                csv::ErrorKind::Deserialize { err, .. } => err
                    .field()
                    .and_then(|f| headers.get(f as usize))
                    .unwrap_or("row")
                    .to_string(),
                _ => "row".to_string(),
            };
            Error::parse(&path, line, field, e.to_string())
        })?;
        let gold = labels
            .iter()
            .position(|l| *l == raw.category)
            .ok_or_else(|| {
                Error::parse(
                    &path,
                    line,
                    "category",
                    format!(
                        "`{}` is not one of labels.txt: {}",
                        raw.category,
                        labels.join(", ")
                    ),
                )
            })?;
        docs.push(MultipleChoiceDoc {
            id: raw.index_id.to_string(),
            language: language.to_string(),
            fields: BTreeMap::from([("text".to_string(), raw.text)]),
            choices: labels.clone(),
            gold,
            metadata: BTreeMap::from([("category".to_string(), raw.category)]),
        });
    }
    Ok(Loaded {
        docs,
        files: vec![
            DataFile::hash(root, &path)?,
            DataFile::hash(root, &labels_path)?,
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_category_names_line_and_field() {
        let dir = tempfile::tempdir().unwrap();
        let lang = dir.path().join("sib200/xxx_Latn");
        std::fs::create_dir_all(&lang).unwrap();
        std::fs::write(lang.join("labels.txt"), "travel\nsports\n").unwrap();
        std::fs::write(
            lang.join("test.tsv"),
            "index_id\tcategory\ttext\n1\ttravel\t\"He said \"\"hi\"\"\"\n2\tcooking\tx\n",
        )
        .unwrap();
        let err = load(dir.path(), "xxx_Latn", "test")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("test.tsv: line 3: field `category`: `cooking` is not one of"),
            "{err}"
        );
    }
}
