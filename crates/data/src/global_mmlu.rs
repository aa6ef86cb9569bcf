//! Global-MMLU (Singh et al., 2024, arXiv:2412.03304): MMLU in 42 languages with cultural
//! sensitivity labels.
//!
//! Layout: `<lang>/{dev,test}-00000-of-00001.parquet` in `CohereForAI/Global-MMLU`; a local
//! directory may instead hold `<lang>/{dev,test}.parquet` or `<lang>/{dev,test}.jsonl` (the
//! `datasets` library's JSON Lines export). Both formats carry the original 17 columns:
//! `sample_id`, `subject`, `subject_category`, `question`, `option_a` … `option_d`, `answer`
//! (a letter A–D), `required_knowledge`, `time_sensitive`, `reference`, `culture`, `region`,
//! `country`, `cultural_sensitivity_label` (`CA`, `CS` or `-`), `is_annotated`.
//!
//! Each row becomes a [`MultipleChoiceDoc`] with fields `question` and `subject`, the four
//! options as choices, the answer letter's index as gold, `sample_id` as id and `subject`,
//! `subject_category` and `cultural_sensitivity_label` in the metadata (so suites can report
//! culturally agnostic and culturally sensitive items apart). Some translated rows have an
//! empty option: such a row cannot be scored fairly, so it is left out and listed in
//! [`GlobalMmlu::rejected`] with its id and the empty option, for the run to report. Anything
//! else malformed is an error.

use std::collections::HashMap;
use std::path::Path;

use crate::jsonl::{self, JsonLine};
use crate::parquet_rows::{ParquetRow, ParquetTable};
use crate::{utf8, DataSource, LoadedFiles, MultipleChoiceDoc, Split};
use kakugo_core::lang::{Dataset, Language};
use kakugo_core::{Error, Result};

/// One Global-MMLU row, with the dataset's column names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobalMmluRecord {
    pub sample_id: String,
    pub subject: String,
    pub subject_category: String,
    pub question: String,
    pub option_a: String,
    pub option_b: String,
    pub option_c: String,
    pub option_d: String,
    pub answer: String,
    pub required_knowledge: Option<String>,
    pub time_sensitive: Option<String>,
    pub reference: Option<String>,
    pub culture: Option<String>,
    pub region: Option<String>,
    pub country: Option<String>,
    pub cultural_sensitivity_label: String,
    pub is_annotated: Option<bool>,
}

/// A row left out because an option is empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRow {
    pub sample_id: String,
    /// 1-based line (JSONL) or row (Parquet).
    pub line: usize,
    /// The empty option, e.g. `option_c`.
    pub field: String,
}

/// A loaded split: the usable documents and the rows left out.
#[derive(Debug, Clone, Default)]
pub struct GlobalMmlu {
    pub docs: Vec<MultipleChoiceDoc>,
    pub rejected: Vec<RejectedRow>,
}

const SPLITS: [Split; 2] = [Split::Dev, Split::Test];
const OPTIONS: [&str; 4] = ["option_a", "option_b", "option_c", "option_d"];
const LABELS: [&str; 3] = ["CA", "CS", "-"];

/// Reads a field by name from either format, so one function builds the record from both.
trait Cells {
    fn text(&self, field: &str) -> Result<String>;
    fn opt_text(&self, field: &str) -> Result<Option<String>>;
    fn opt_flag(&self, field: &str) -> Result<Option<bool>>;
    fn error(&self, field: &str, message: String) -> Error;
}

impl Cells for JsonLine<'_> {
    fn text(&self, field: &str) -> Result<String> {
        self.str(field)
    }
    fn opt_text(&self, field: &str) -> Result<Option<String>> {
        self.opt_str(field)
    }
    fn opt_flag(&self, field: &str) -> Result<Option<bool>> {
        self.opt_bool(field)
    }
    fn error(&self, field: &str, message: String) -> Error {
        JsonLine::error(self, field, message)
    }
}

/// A Parquet row with its column indices by name.
struct NamedRow<'a> {
    row: ParquetRow<'a>,
    columns: &'a HashMap<&'static str, usize>,
}

impl NamedRow<'_> {
    fn index(&self, field: &str) -> Option<usize> {
        self.columns.get(field).copied()
    }
}

impl Cells for NamedRow<'_> {
    fn text(&self, field: &str) -> Result<String> {
        let column = self
            .index(field)
            .expect("required columns are checked up front");
        self.row.str(column)
    }
    fn opt_text(&self, field: &str) -> Result<Option<String>> {
        self.index(field).map_or(Ok(None), |c| self.row.opt_str(c))
    }
    fn opt_flag(&self, field: &str) -> Result<Option<bool>> {
        self.index(field).map_or(Ok(None), |c| self.row.opt_bool(c))
    }
    fn error(&self, field: &str, message: String) -> Error {
        let column = self.index(field).expect("errors name known columns");
        self.row.error(column, message)
    }
}

const REQUIRED: [&str; 10] = [
    "sample_id",
    "subject",
    "subject_category",
    "question",
    "option_a",
    "option_b",
    "option_c",
    "option_d",
    "answer",
    "cultural_sensitivity_label",
];
const OPTIONAL: [&str; 7] = [
    "required_knowledge",
    "time_sensitive",
    "reference",
    "culture",
    "region",
    "country",
    "is_annotated",
];

impl GlobalMmluRecord {
    /// Builds and checks a record. An empty option is not an error here (see [`Self::empty_option`]);
    /// a null option reads as empty.
    fn read(cells: &impl Cells) -> Result<Self> {
        let option = |f: &str| Ok::<_, Error>(cells.opt_text(f)?.unwrap_or_default());
        let record = GlobalMmluRecord {
            sample_id: cells.text("sample_id")?,
            subject: cells.text("subject")?,
            subject_category: cells.text("subject_category")?,
            question: cells.text("question")?,
            option_a: option("option_a")?,
            option_b: option("option_b")?,
            option_c: option("option_c")?,
            option_d: option("option_d")?,
            answer: cells.text("answer")?,
            required_knowledge: cells.opt_text("required_knowledge")?,
            time_sensitive: cells.opt_text("time_sensitive")?,
            reference: cells.opt_text("reference")?,
            culture: cells.opt_text("culture")?,
            region: cells.opt_text("region")?,
            country: cells.opt_text("country")?,
            cultural_sensitivity_label: cells.text("cultural_sensitivity_label")?,
            is_annotated: cells.opt_flag("is_annotated")?,
        };
        if record.gold().is_none() {
            let found = &record.answer;
            return Err(cells.error("answer", format!("expected A, B, C or D, found `{found}`")));
        }
        if !LABELS.contains(&record.cultural_sensitivity_label.as_str()) {
            let found = &record.cultural_sensitivity_label;
            return Err(cells.error(
                "cultural_sensitivity_label",
                format!("expected CA, CS or -, found `{found}`"),
            ));
        }
        Ok(record)
    }

    fn options(&self) -> [&String; 4] {
        [
            &self.option_a,
            &self.option_b,
            &self.option_c,
            &self.option_d,
        ]
    }

    fn gold(&self) -> Option<usize> {
        ["A", "B", "C", "D"].iter().position(|l| *l == self.answer)
    }

    /// The first option that is empty or only whitespace, if any.
    fn empty_option(&self) -> Option<&'static str> {
        OPTIONS
            .iter()
            .zip(self.options())
            .find(|(_, text)| text.trim().is_empty())
            .map(|(name, _)| *name)
    }

    fn into_doc(self, language: &str) -> MultipleChoiceDoc {
        let gold = self.gold().expect("answer checked when read");
        MultipleChoiceDoc {
            id: self.sample_id,
            language: language.to_string(),
            fields: [
                ("question".to_string(), self.question),
                ("subject".to_string(), self.subject.clone()),
            ]
            .into(),
            choices: vec![self.option_a, self.option_b, self.option_c, self.option_d],
            gold,
            metadata: [
                ("subject".to_string(), self.subject),
                ("subject_category".to_string(), self.subject_category),
                (
                    "cultural_sensitivity_label".to_string(),
                    self.cultural_sensitivity_label,
                ),
            ]
            .into(),
        }
    }
}

/// Collects records into documents and rejected rows; a repeated `sample_id` is an error.
#[derive(Default)]
struct Collector {
    out: GlobalMmlu,
    seen: HashMap<String, usize>,
}

impl Collector {
    fn push(
        &mut self,
        record: GlobalMmluRecord,
        line: usize,
        cells: &impl Cells,
        language: &str,
    ) -> Result<()> {
        if let Some(earlier) = self.seen.insert(record.sample_id.clone(), line) {
            let id = &record.sample_id;
            return Err(cells.error("sample_id", format!("`{id}` repeated (first at {earlier})")));
        }
        match record.empty_option() {
            Some(field) => self.out.rejected.push(RejectedRow {
                sample_id: record.sample_id,
                line,
                field: field.to_string(),
            }),
            None => self.out.docs.push(record.into_doc(language)),
        }
        Ok(())
    }
}

fn parse_jsonl(path: &Path, bytes: &[u8], language: &str) -> Result<GlobalMmlu> {
    let mut collector = Collector::default();
    jsonl::for_each_object(path, utf8(path, bytes)?, |row| {
        let record = GlobalMmluRecord::read(&row)?;
        collector.push(record, row.line, &row, language)
    })?;
    Ok(collector.out)
}

fn parse_parquet(path: &Path, bytes: Vec<u8>, language: &str) -> Result<GlobalMmlu> {
    let table = ParquetTable::parse(path, bytes)?;
    let mut columns = HashMap::new();
    for name in REQUIRED {
        columns.insert(name, table.column(name)?);
    }
    for name in OPTIONAL {
        if let Some(c) = table.opt_column(name) {
            columns.insert(name, c);
        }
    }
    let mut collector = Collector::default();
    for row in table.rows() {
        let line = row.number;
        let named = NamedRow {
            row,
            columns: &columns,
        };
        let record = GlobalMmluRecord::read(&named)?;
        collector.push(record, line, &named, language)?;
    }
    Ok(collector.out)
}

/// Loads one Global-MMLU file, JSON Lines (`.jsonl`, `.json`) or Parquet (`.parquet`).
pub fn load_file(path: &Path, language: &Language, files: &mut LoadedFiles) -> Result<GlobalMmlu> {
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    if !matches!(extension, "jsonl" | "json" | "parquet") {
        return Err(Error::file(
            path,
            "expected a .jsonl, .json or .parquet file",
        ));
    }
    let bytes = files.read(path)?;
    let loaded = if extension == "parquet" {
        parse_parquet(path, bytes, language.code)?
    } else {
        parse_jsonl(path, &bytes, language.code)?
    };
    if !loaded.rejected.is_empty() {
        tracing::warn!(
            path = %path.display(),
            rejected = loaded.rejected.len(),
            "Global-MMLU rows with an empty option left out"
        );
    }
    Ok(loaded)
}

/// Loads one language's split (`dev` or `test`).
pub fn load(
    source: &DataSource,
    language: &Language,
    split: Split,
    files: &mut LoadedFiles,
) -> Result<GlobalMmlu> {
    split.check(Dataset::GlobalMmlu, &SPLITS)?;
    let code = language.require_in(Dataset::GlobalMmlu)?;
    let path = source.resolve(&[
        format!("{code}/{split}-00000-of-00001.parquet"),
        format!("{code}/{split}.parquet"),
        format!("{code}/{split}.jsonl"),
    ])?;
    load_file(&path, language, files)
}
