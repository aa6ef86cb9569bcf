//! Reading the TAB-separated files pandas writes (SIB-200, the aligned FLORES subset).
//!
//! pandas' `to_csv(sep="\t")` quotes a field that holds a double quote and doubles the quotes
//! inside it: RFC 4180 quoting with TAB as the delimiter. Splitting lines on TAB would keep
//! those quotes as text, so rows go through the `csv` crate. Records end at `\n` only, so a
//! stray `\r` inside a sentence stays part of it.

use std::collections::HashMap;
use std::path::Path;

use csv::{ErrorKind, ReaderBuilder, StringRecord, Terminator};

use kakugo_core::{Error, Result};

/// Calls `row(line, record)` for every record after the header, which must be exactly
/// `header`. `line` is the 1-based line the record starts on (the header is line 1); every
/// record has `header.len()` fields.
pub(crate) fn for_each_row(
    path: &Path,
    bytes: &[u8],
    header: &[&str],
    mut row: impl FnMut(usize, &StringRecord) -> Result<()>,
) -> Result<()> {
    let mut reader = ReaderBuilder::new()
        .delimiter(b'\t')
        .has_headers(true)
        .terminator(Terminator::Any(b'\n'))
        .from_reader(bytes);
    let found = reader
        .headers()
        .map_err(|e| csv_error(path, &e, header))?
        .clone();
    if found.iter().ne(header.iter().copied()) {
        let found: Vec<&str> = found.iter().collect();
        return Err(Error::parse(
            path,
            1,
            "<header>",
            format!("expected columns {header:?}, found {found:?}"),
        ));
    }
    let mut record = StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => return Ok(()),
            Err(e) => return Err(csv_error(path, &e, header)),
        }
        let line = record.position().map_or(0, |p| p.line() as usize);
        row(line, &record)?;
    }
}

fn csv_error(path: &Path, err: &csv::Error, header: &[&str]) -> Error {
    let line = err.position().map_or(0, |p| p.line() as usize);
    match err.kind() {
        ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => Error::parse(
            path,
            line,
            "<record>",
            format!("expected {expected_len} TAB-separated fields, found {len}"),
        ),
        ErrorKind::Utf8 { err, .. } => Error::parse(
            path,
            line,
            header.get(err.field()).copied().unwrap_or("<record>"),
            format!("invalid UTF-8: {err}"),
        ),
        _ => Error::parse(path, line, "<record>", err.to_string()),
    }
}

/// Reads `index_id` columns (FLORES sentence numbers) and rejects a repeat, naming the line
/// the id first appeared on.
#[derive(Default)]
pub(crate) struct IndexIds {
    first_line: HashMap<u32, usize>,
}

impl IndexIds {
    pub fn read(&mut self, path: &Path, line: usize, text: &str) -> Result<u32> {
        let index_id: u32 = text.parse().map_err(|_| {
            Error::parse(
                path,
                line,
                "index_id",
                format!("expected a non-negative integer, found `{text}`"),
            )
        })?;
        if let Some(earlier) = self.first_line.insert(index_id, line) {
            return Err(Error::parse(
                path,
                line,
                "index_id",
                format!("index_id {index_id} repeated (first on line {earlier})"),
            ));
        }
        Ok(index_id)
    }
}
