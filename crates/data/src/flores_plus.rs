//! FLORES+ (the Open Language Data Initiative's continuation of FLORES-200), Parquet files
//! as in `openlanguagedata/flores_plus`.
//!
//! Layout: `dev/<code>.parquet` and `devtest/<code>.parquet`, where `<code>` is the FLORES+
//! code ([`Language::flores_plus`]: `cmn_Hans` for `zho_Hans`, `twi_Latn_akua1239` for
//! `twi_Latn`, ...). Columns used: `id` (the sentence's number within the split) and `text`;
//! `iso_639_3` and `iso_15924`, when present, must match the code. Other columns (`glottocode`,
//! `url`, `domain`, `topic`, ...) are ignored.
//!
//! Rows are ordered by `id`, which must run without gaps from 0 or from 1 over the whole
//! split (997 dev, 1012 devtest sentences, as in FLORES-200); the n-th sentence gets the same
//! `index_id` as FLORES-200 line n, so FLORES+ pairs with SIB-200 ids and with FLORES-200
//! text. Texts may differ from FLORES-200 where FLORES+ corrected them.

use std::collections::BTreeMap;
use std::path::Path;

use crate::flores::{index_id, split_len, FloresText};
use crate::parquet_rows::ParquetTable;
use crate::{DataSource, LoadedFiles, Split};
use kakugo_core::lang::{Dataset, Language};
use kakugo_core::{Error, Result};

/// One FLORES+ row, with the dataset's column names (the columns kakugo reads).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FloresPlusRecord {
    pub id: i64,
    pub text: String,
    pub iso_639_3: Option<String>,
    pub iso_15924: Option<String>,
}

const SPLITS: [Split; 2] = [Split::Dev, Split::Devtest];

/// Reads every row, checking the language columns against `code`.
fn parse_records(
    path: &Path,
    bytes: Vec<u8>,
    code: &str,
) -> Result<Vec<(usize, FloresPlusRecord)>> {
    let table = ParquetTable::parse(path, bytes)?;
    let id = table.column("id")?;
    let text = table.column("text")?;
    let iso3 = table.opt_column("iso_639_3");
    let script = table.opt_column("iso_15924");
    let mut parts = code.split('_');
    let (want_iso3, want_script) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let mut records = Vec::with_capacity(table.rows.len());
    for row in table.rows() {
        let record = FloresPlusRecord {
            id: row.int(id)?,
            text: row.str(text)?,
            iso_639_3: iso3.map(|c| row.opt_str(c)).transpose()?.flatten(),
            iso_15924: script.map(|c| row.opt_str(c)).transpose()?.flatten(),
        };
        for (column, found, want) in [
            (iso3, &record.iso_639_3, want_iso3),
            (script, &record.iso_15924, want_script),
        ] {
            if let (Some(c), Some(found)) = (column, found) {
                if found != want {
                    return Err(row.error(
                        c,
                        format!("expected `{want}` (file {code}), found `{found}`"),
                    ));
                }
            }
        }
        if record.text.is_empty() {
            return Err(row.error(text, "empty text"));
        }
        records.push((row.number, record));
    }
    Ok(records)
}

/// Orders rows by `id` and checks the ids cover the split without gaps.
fn to_sentences(
    path: &Path,
    split: Split,
    mut records: Vec<(usize, FloresPlusRecord)>,
) -> Result<BTreeMap<u32, String>> {
    let expected = split_len(split) as usize;
    if records.len() != expected {
        return Err(Error::file(
            path,
            format!(
                "expected {expected} rows (FLORES+ {split}), found {}",
                records.len()
            ),
        ));
    }
    records.sort_by_key(|(_, r)| r.id);
    let base = records[0].1.id;
    if base != 0 && base != 1 {
        let (row, _) = records[0];
        return Err(Error::parse(
            path,
            row,
            "id",
            format!("ids must start at 0 or 1, found {base}"),
        ));
    }
    let mut sentences = BTreeMap::new();
    for (position, (row, record)) in records.into_iter().enumerate() {
        if record.id != base + position as i64 {
            return Err(Error::parse(
                path,
                row,
                "id",
                format!(
                    "expected id {} (ids run from {base} without gaps or repeats), found {}",
                    base + position as i64,
                    record.id
                ),
            ));
        }
        sentences.insert(index_id(split, position + 1), record.text);
    }
    Ok(sentences)
}

/// Loads one FLORES+ Parquet file as `split` of `language`.
pub fn load_file(
    path: &Path,
    language: &Language,
    split: Split,
    files: &mut LoadedFiles,
) -> Result<FloresText> {
    split.check(Dataset::FloresPlus, &SPLITS)?;
    let code = language.require_in(Dataset::FloresPlus)?;
    let bytes = files.read(path)?;
    let records = parse_records(path, bytes, code)?;
    Ok(FloresText {
        language: language.code,
        split,
        sentences: to_sentences(path, split, records)?,
    })
}

/// Loads one language's split (`dev` or `devtest`).
pub fn load(
    source: &DataSource,
    language: &Language,
    split: Split,
    files: &mut LoadedFiles,
) -> Result<FloresText> {
    split.check(Dataset::FloresPlus, &SPLITS)?;
    let code = language.require_in(Dataset::FloresPlus)?;
    let path = source.resolve(&[format!("{split}/{code}.parquet")])?;
    load_file(&path, language, split, files)
}
