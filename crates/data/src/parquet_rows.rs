//! Reading flat Parquet files (Global-MMLU, FLORES+) row by row with the `parquet` crate's
//! record API (no Arrow), with typed column access that names the file, row and column of
//! anything missing or of the wrong type. Rows are numbered from 1 in errors.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;

use kakugo_core::{Error, Result};

/// A whole Parquet file in memory: its column names and rows.
pub(crate) struct ParquetTable {
    pub path: PathBuf,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Field>>,
}

/// One row, with the table it came from for error messages.
pub(crate) struct ParquetRow<'a> {
    table: &'a ParquetTable,
    /// 1-based row number.
    pub number: usize,
    fields: &'a [Field],
}

impl ParquetTable {
    /// Parses a Parquet file's bytes.
    pub fn parse(path: &Path, bytes: Vec<u8>) -> Result<Self> {
        let broken = |e: parquet::errors::ParquetError| {
            Error::file(path, format!("unreadable Parquet: {e}"))
        };
        let reader = SerializedFileReader::new(Bytes::from(bytes)).map_err(broken)?;
        let columns = reader
            .metadata()
            .file_metadata()
            .schema_descr()
            .root_schema()
            .get_fields()
            .iter()
            .map(|f| f.name().to_string())
            .collect();
        let mut rows = Vec::new();
        for row in reader.get_row_iter(None).map_err(broken)? {
            let row = row.map_err(broken)?;
            rows.push(row.into_columns().into_iter().map(|(_, f)| f).collect());
        }
        Ok(ParquetTable {
            path: path.to_path_buf(),
            columns,
            rows,
        })
    }

    /// The index of a required column.
    pub fn column(&self, name: &str) -> Result<usize> {
        self.opt_column(name).ok_or_else(|| {
            Error::file(
                &self.path,
                format!("no column `{name}` (columns: {})", self.columns.join(", ")),
            )
        })
    }

    /// The index of a column that may be absent.
    pub fn opt_column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    pub fn rows(&self) -> impl Iterator<Item = ParquetRow<'_>> {
        self.rows.iter().enumerate().map(|(i, fields)| ParquetRow {
            table: self,
            number: i + 1,
            fields,
        })
    }
}

impl ParquetRow<'_> {
    pub fn error(&self, column: usize, message: impl Into<String>) -> Error {
        Error::parse(
            &self.table.path,
            self.number,
            &self.table.columns[column],
            message,
        )
    }

    /// A string cell that may be null.
    pub fn opt_str(&self, column: usize) -> Result<Option<String>> {
        match &self.fields[column] {
            Field::Null => Ok(None),
            Field::Str(s) => Ok(Some(s.clone())),
            Field::Bytes(b) => match std::str::from_utf8(b.data()) {
                Ok(s) => Ok(Some(s.to_string())),
                Err(e) => Err(self.error(column, format!("invalid UTF-8: {e}"))),
            },
            other => Err(self.error(column, format!("expected a string, found {other:?}"))),
        }
    }

    /// A required string cell.
    pub fn str(&self, column: usize) -> Result<String> {
        self.opt_str(column)?
            .ok_or_else(|| self.error(column, "expected a string, found null"))
    }

    /// A boolean cell that may be null.
    pub fn opt_bool(&self, column: usize) -> Result<Option<bool>> {
        match &self.fields[column] {
            Field::Null => Ok(None),
            Field::Bool(b) => Ok(Some(*b)),
            other => Err(self.error(column, format!("expected a boolean, found {other:?}"))),
        }
    }

    /// A required integer cell of any integer width.
    pub fn int(&self, column: usize) -> Result<i64> {
        let value = match &self.fields[column] {
            Field::Byte(v) => i64::from(*v),
            Field::Short(v) => i64::from(*v),
            Field::Int(v) => i64::from(*v),
            Field::Long(v) => *v,
            Field::UByte(v) => i64::from(*v),
            Field::UShort(v) => i64::from(*v),
            Field::UInt(v) => i64::from(*v),
            Field::ULong(v) => i64::try_from(*v)
                .map_err(|_| self.error(column, format!("integer {v} out of range")))?,
            other => {
                return Err(self.error(column, format!("expected an integer, found {other:?}")))
            }
        };
        Ok(value)
    }
}
