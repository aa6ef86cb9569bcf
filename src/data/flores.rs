//! FLORES-200 sentences for translation.
//!
//! Two layouts: the release's plain-text files `<root>/flores/{dev,devtest}/<lang>.{dev,devtest}`
//! (line n of dev is `index_id` n-1; line n of devtest is 996+n), and the aligned subset
//! `<root>/flores/subset/<lang>.tsv` (`index_id, split, text`, RFC 4180 quoting, TAB). A pair of
//! languages is joined on `index_id`; complete files are preferred when both languages have them.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::{DataFile, Loaded, TranslationDoc};
use crate::{Error, Result};

const DEV_LINES: u32 = 997;

/// One subset row, with the file's own column names.
#[derive(Debug, Deserialize)]
struct SubsetRow {
    index_id: u32,
    split: String,
    text: String,
}

/// Sentences of one language and split, by `index_id`.
fn sentences(
    root: &Path,
    language: &str,
    split: &str,
) -> Result<(BTreeMap<u32, String>, DataFile)> {
    if split != "dev" && split != "devtest" {
        return Err(Error::usage(format!(
            "FLORES split `{split}` does not exist (dev or devtest)"
        )));
    }
    let plain = root
        .join("flores")
        .join(split)
        .join(format!("{language}.{split}"));
    if plain.is_file() {
        let text = std::fs::read_to_string(&plain).map_err(|e| Error::io(&plain, e))?;
        let base = if split == "dev" { 0 } else { DEV_LINES };
        let map = text
            .lines()
            .enumerate()
            .map(|(i, l)| (base + i as u32, l.to_string()))
            .collect();
        return Ok((map, DataFile::hash(root, &plain)?));
    }
    let path = root.join("flores/subset").join(format!("{language}.tsv"));
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b'\t')
        .from_path(&path)
        .map_err(|e| Error::file(&path, e.to_string()))?;
    let mut map = BTreeMap::new();
    for (i, row) in reader.deserialize::<SubsetRow>().enumerate() {
        let row = row.map_err(|e| Error::parse(&path, i + 2, "row", e.to_string()))?;
        if row.split == split {
            map.insert(row.index_id, row.text);
        }
    }
    Ok((map, DataFile::hash(root, &path)?))
}

/// Translation pairs `source_language → target_language` for a split, joined on `index_id`.
pub fn load_pairs(
    root: &Path,
    source_language: &str,
    target_language: &str,
    split: &str,
) -> Result<Loaded<TranslationDoc>> {
    let (src, src_file) = sentences(root, source_language, split)?;
    let (tgt, tgt_file) = sentences(root, target_language, split)?;
    let docs = src
        .iter()
        .filter_map(|(id, s)| {
            tgt.get(id).map(|t| TranslationDoc {
                id: id.to_string(),
                source_language: source_language.to_string(),
                target_language: target_language.to_string(),
                source: s.clone(),
                references: vec![t.clone()],
            })
        })
        .collect();
    Ok(Loaded {
        docs,
        files: vec![src_file, tgt_file],
    })
}
