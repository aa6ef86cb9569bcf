//! Belebele multiple-choice reading comprehension (Bandarkar et al., 2024, arXiv:2308.16884).
//!
//! Layout: `<lang>.jsonl` under the dataset root (`data/` in `facebook/belebele`), one JSON
//! object per question in the official schema: `link`, `question_number`, `flores_passage`,
//! `question`, `mc_answer1` … `mc_answer4`, `correct_answer_num` (1-based, a string in the
//! official files), `dialect` (the FLORES code), `ds`. Other keys are ignored.
//!
//! Row order has changed between releases, so a question is identified by
//! `(link, question_number)` alone: documents are returned sorted by that key (never in file
//! order), their id is `link#question_number`, and a repeated key is an error naming both
//! lines. Each question becomes a [`MultipleChoiceDoc`] with fields `passage` and `question`,
//! the four answers as choices, `correct_answer_num - 1` as gold and `link` and
//! `question_number` in the metadata.

use std::collections::BTreeMap;
use std::path::Path;

use crate::jsonl::{self, JsonLine};
use crate::{utf8, DataSource, LoadedFiles, MultipleChoiceDoc, Split};
use kakugo_core::lang::{Dataset, Language};
use kakugo_core::{Error, Result};

/// One Belebele question, with the dataset's field names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BelebeleRecord {
    pub link: String,
    pub question_number: u32,
    pub flores_passage: String,
    pub question: String,
    pub mc_answer1: String,
    pub mc_answer2: String,
    pub mc_answer3: String,
    pub mc_answer4: String,
    /// 1-based index of the correct `mc_answerN`.
    pub correct_answer_num: usize,
    pub dialect: String,
}

const SPLITS: [Split; 1] = [Split::Test];

impl BelebeleRecord {
    fn from_json(row: &JsonLine<'_>, expected_dialect: &str) -> Result<Self> {
        let question_number = row.int("question_number")?;
        if question_number < 1 {
            return Err(row.error(
                "question_number",
                format!("expected a positive integer, found {question_number}"),
            ));
        }
        let correct = row.int("correct_answer_num")?;
        if !(1..=4).contains(&correct) {
            return Err(row.error(
                "correct_answer_num",
                format!("expected 1, 2, 3 or 4, found {correct}"),
            ));
        }
        let dialect = row.str("dialect")?;
        if dialect != expected_dialect {
            return Err(row.error(
                "dialect",
                format!("expected `{expected_dialect}` (the file's language), found `{dialect}`"),
            ));
        }
        Ok(BelebeleRecord {
            link: row.str("link")?,
            question_number: question_number as u32,
            flores_passage: row.str("flores_passage")?,
            question: row.str("question")?,
            mc_answer1: row.str("mc_answer1")?,
            mc_answer2: row.str("mc_answer2")?,
            mc_answer3: row.str("mc_answer3")?,
            mc_answer4: row.str("mc_answer4")?,
            correct_answer_num: correct as usize,
            dialect,
        })
    }

    fn into_doc(self, language: &str) -> MultipleChoiceDoc {
        MultipleChoiceDoc {
            id: format!("{}#{}", self.link, self.question_number),
            language: language.to_string(),
            fields: [
                ("passage".to_string(), self.flores_passage),
                ("question".to_string(), self.question),
            ]
            .into(),
            choices: vec![
                self.mc_answer1,
                self.mc_answer2,
                self.mc_answer3,
                self.mc_answer4,
            ],
            gold: self.correct_answer_num - 1,
            metadata: [
                ("link".to_string(), self.link),
                (
                    "question_number".to_string(),
                    self.question_number.to_string(),
                ),
            ]
            .into(),
        }
    }
}

/// Loads one Belebele JSONL file, whose `dialect` must be `language`'s Belebele code.
pub fn load_file(
    path: &Path,
    language: &Language,
    files: &mut LoadedFiles,
) -> Result<Vec<MultipleChoiceDoc>> {
    let dialect = language.require_in(Dataset::Belebele)?;
    let bytes = files.read(path)?;
    let mut by_key: BTreeMap<(String, u32), (usize, BelebeleRecord)> = BTreeMap::new();
    jsonl::for_each_object(path, utf8(path, &bytes)?, |row| {
        let record = BelebeleRecord::from_json(&row, dialect)?;
        let key = (record.link.clone(), record.question_number);
        if let Some((earlier, _)) = by_key.get(&key) {
            return Err(Error::parse(
                path,
                row.line,
                "question_number",
                format!(
                    "question ({}, {}) repeated: lines {earlier} and {}",
                    key.0, key.1, row.line
                ),
            ));
        }
        by_key.insert(key, (row.line, record));
        Ok(())
    })?;
    Ok(by_key
        .into_values()
        .map(|(_, r)| r.into_doc(language.code))
        .collect())
}

/// Loads one language's questions (Belebele has only a `test` split).
pub fn load(
    source: &DataSource,
    language: &Language,
    split: Split,
    files: &mut LoadedFiles,
) -> Result<Vec<MultipleChoiceDoc>> {
    split.check(Dataset::Belebele, &SPLITS)?;
    let code = language.require_in(Dataset::Belebele)?;
    let path = source.resolve(&[format!("{code}.jsonl")])?;
    load_file(&path, language, files)
}
