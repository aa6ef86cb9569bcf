//! FLORES-200 sentences (NLLB Team, 2022) and translation pairs.
//!
//! A sentence is identified by its `index_id`, its 0-based position in dev followed by
//! devtest: dev line n (1-based) is `index_id` n − 1 (0–996) and devtest line n is 996 + n
//! (997–2008). SIB-200 uses the same ids, and the ids line up across languages, so two
//! languages are paired by joining on `index_id`.
//!
//! Two layouts are read here, relative to the FLORES root:
//! - the release's plain text, `dev/<code>.dev` (997 lines) and `devtest/<code>.devtest`
//!   (1012 lines), one sentence per line ([`load_flores200`]);
//! - the aligned subset recovered from SIB-200, `subset/<code>.tsv` with header
//!   `index_id<TAB>split<TAB>text` and pandas quoting ([`load_subset`]).
//!
//! FLORES+ Parquet is read by [`super::flores_plus`] into the same [`FloresText`]. [`pair`]
//! joins two languages' sentences into [`TranslationDoc`]s; [`load_pairs`] loads and pairs,
//! taking each language's complete files when the source has them and the subset otherwise.

use std::collections::BTreeMap;
use std::path::Path;

use crate::{tsv, utf8, DataSource, LoadedFiles, Split, TranslationDoc};
use kakugo_core::lang::{Dataset, Language};
use kakugo_core::{Error, Result};

/// Sentences in FLORES-200 dev.
pub const DEV_SENTENCES: u32 = 997;
/// Sentences in FLORES-200 devtest.
pub const DEVTEST_SENTENCES: u32 = 1012;

/// One row of an aligned subset TSV, with the file's column names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubsetRecord {
    pub index_id: u32,
    pub split: Split,
    pub text: String,
}

/// One language's sentences of one split, by `index_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FloresText {
    /// FLORES code of the language.
    pub language: &'static str,
    pub split: Split,
    pub sentences: BTreeMap<u32, String>,
}

const SPLITS: [Split; 2] = [Split::Dev, Split::Devtest];
const SUBSET_HEADER: [&str; 3] = ["index_id", "split", "text"];

/// The `index_id` of 1-based line `line` of a split's plain-text file.
pub fn index_id(split: Split, line: usize) -> u32 {
    let line = line as u32;
    match split {
        Split::Devtest => DEV_SENTENCES + line - 1,
        _ => line - 1,
    }
}

/// The split an `index_id` belongs to, or `None` past the end of devtest.
pub fn split_of(index_id: u32) -> Option<Split> {
    if index_id < DEV_SENTENCES {
        Some(Split::Dev)
    } else if index_id < DEV_SENTENCES + DEVTEST_SENTENCES {
        Some(Split::Devtest)
    } else {
        None
    }
}

/// Number of sentences a complete split has.
pub(crate) fn split_len(split: Split) -> u32 {
    if split == Split::Devtest {
        DEVTEST_SENTENCES
    } else {
        DEV_SENTENCES
    }
}

/// Parses a plain-text split file: exactly `split_len(split)` non-empty lines.
fn parse_plain(path: &Path, bytes: &[u8], split: Split) -> Result<BTreeMap<u32, String>> {
    let text = utf8(path, bytes)?;
    let body = text.strip_suffix('\n').unwrap_or(text);
    let lines: Vec<&str> = if body.is_empty() {
        Vec::new()
    } else {
        body.split('\n').collect()
    };
    let expected = split_len(split);
    if lines.len() != expected as usize {
        return Err(Error::file(
            path,
            format!(
                "expected {expected} lines (FLORES-200 {split}), found {}",
                lines.len()
            ),
        ));
    }
    let mut sentences = BTreeMap::new();
    for (i, line) in lines.into_iter().enumerate() {
        if line.is_empty() {
            return Err(Error::parse(path, i + 1, "text", "empty sentence"));
        }
        sentences.insert(index_id(split, i + 1), line.to_string());
    }
    Ok(sentences)
}

/// Parses a subset TSV, checking that each `index_id` is unique and lies in its `split`.
fn parse_subset(path: &Path, bytes: &[u8]) -> Result<Vec<SubsetRecord>> {
    let mut records = Vec::new();
    let mut ids = tsv::IndexIds::default();
    tsv::for_each_row(path, bytes, &SUBSET_HEADER, |line, row| {
        let index_id = ids.read(path, line, &row[0])?;
        let split = match &row[1] {
            "dev" => Split::Dev,
            "devtest" => Split::Devtest,
            other => {
                return Err(Error::parse(
                    path,
                    line,
                    "split",
                    format!("expected dev or devtest, found `{other}`"),
                ))
            }
        };
        if split_of(index_id) != Some(split) {
            return Err(Error::parse(
                path,
                line,
                "index_id",
                format!("index_id {index_id} is not in {split} (dev is 0-996, devtest 997-2008)"),
            ));
        }
        if row[2].is_empty() {
            return Err(Error::parse(path, line, "text", "empty text"));
        }
        records.push(SubsetRecord {
            index_id,
            split,
            text: row[2].to_string(),
        });
        Ok(())
    })?;
    Ok(records)
}

/// Loads a complete FLORES-200 split, `dev/<code>.dev` or `devtest/<code>.devtest`.
pub fn load_flores200(
    source: &DataSource,
    language: &Language,
    split: Split,
    files: &mut LoadedFiles,
) -> Result<FloresText> {
    split.check(Dataset::Flores200, &SPLITS)?;
    // By FLORES code even outside FLORES-200: N'Ko ships in this format too.
    let path = source.resolve(&[plain_name(language, split)])?;
    let bytes = files.read(&path)?;
    Ok(FloresText {
        language: language.code,
        split,
        sentences: parse_plain(&path, &bytes, split)?,
    })
}

fn plain_name(language: &Language, split: Split) -> String {
    format!("{split}/{}.{split}", language.code)
}

/// Loads one split of the aligned subset, `subset/<code>.tsv`.
pub fn load_subset(
    source: &DataSource,
    language: &Language,
    split: Split,
    files: &mut LoadedFiles,
) -> Result<FloresText> {
    split.check(Dataset::Flores200, &SPLITS)?;
    let path = source.resolve(&[format!("subset/{}.tsv", language.code)])?;
    let bytes = files.read(&path)?;
    let sentences = parse_subset(&path, &bytes)?
        .into_iter()
        .filter(|r| r.split == split)
        .map(|r| (r.index_id, r.text))
        .collect();
    Ok(FloresText {
        language: language.code,
        split,
        sentences,
    })
}

/// Translation pairs `source → target`, joined on `index_id` (ids only one side has are left
/// out), in `index_id` order.
pub fn pair(source: &FloresText, target: &FloresText) -> Result<Vec<TranslationDoc>> {
    if source.split != target.split {
        return Err(Error::usage(format!(
            "cannot pair {} {} with {} {}: different splits",
            source.language, source.split, target.language, target.split
        )));
    }
    let docs: Vec<TranslationDoc> = source
        .sentences
        .iter()
        .filter_map(|(id, text)| {
            target.sentences.get(id).map(|reference| TranslationDoc {
                id: id.to_string(),
                source_language: source.language.to_string(),
                target_language: target.language.to_string(),
                source: text.clone(),
                references: vec![reference.clone()],
            })
        })
        .collect();
    tracing::debug!(
        source = source.language,
        target = target.language,
        pairs = docs.len(),
        "paired FLORES sentences"
    );
    Ok(docs)
}

/// One language's split: the complete file when the source has it, else the subset.
pub fn load_sentences(
    source: &DataSource,
    language: &Language,
    split: Split,
    files: &mut LoadedFiles,
) -> Result<FloresText> {
    if source.find(&[plain_name(language, split)]).is_some() {
        load_flores200(source, language, split, files)
    } else {
        load_subset(source, language, split, files)
    }
}

/// Loads two languages' split ([`load_sentences`]) and pairs them ([`pair`]).
pub fn load_pairs(
    source: &DataSource,
    source_language: &Language,
    target_language: &Language,
    split: Split,
    files: &mut LoadedFiles,
) -> Result<Vec<TranslationDoc>> {
    let src = load_sentences(source, source_language, split, files)?;
    let tgt = load_sentences(source, target_language, split, files)?;
    pair(&src, &tgt)
}
