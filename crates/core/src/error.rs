//! kakugo's library error type.
//!
//! Every error that comes from input carries where it came from: the file, the line or item,
//! the field, what was expected and what was found. `main.rs` prints the cause chain with a
//! `kakugo:` prefix and picks the exit code (see [`Error::exit_code`]).

use std::path::{Path, PathBuf};

/// Library result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A record in an input file is malformed. `line` is 1-based (or the item number for
    /// formats without lines, such as a Parquet row).
    #[error("{}: line {line}: field `{field}`: {message}", path.display())]
    Parse {
        path: PathBuf,
        line: usize,
        field: String,
        message: String,
    },
    /// A whole file is unusable (corrupt, truncated, unsupported format or version).
    #[error("{}: {message}", path.display())]
    File { path: PathBuf, message: String },
    /// A data file the dataset should have is not where it was looked for (a partial copy of
    /// a dataset, or a wrong data directory). `kakugo eval --skip-missing-data` records such a
    /// language as missing instead of failing.
    #[error("{}: {message}", path.display())]
    DataNotFound { path: PathBuf, message: String },
    /// The user asked for something invalid; `hint` says how to fix it when the fix is known.
    #[error("{message}{}", hint.as_ref().map(|h| format!("\nhint: {h}")).unwrap_or_default())]
    Usage {
        message: String,
        hint: Option<String>,
    },
    /// A model cannot do what was asked (unsupported architecture, vocabulary mismatch, ...).
    #[error("model: {0}")]
    Model(String),
    /// A tensor operation failed inside candle.
    #[cfg(feature = "candle")]
    #[error("candle: {0}")]
    Candle(#[from] candle_core::Error),
    /// A remote backend (an OpenAI-compatible server) failed after its retries.
    #[error("remote: {0}")]
    Remote(String),
    /// Two run records cannot be compared; `fields` names what differs.
    #[error("runs cannot be compared: {message}")]
    Incomparable {
        message: String,
        fields: Vec<String>,
    },
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl AsRef<Path>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.as_ref().to_path_buf(),
            source,
        }
    }

    /// A malformed record: file, 1-based line, field and what was wrong.
    pub fn parse(
        path: impl AsRef<Path>,
        line: usize,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Error::Parse {
            path: path.as_ref().to_path_buf(),
            line,
            field: field.into(),
            message: message.into(),
        }
    }

    /// A TOML file that does not parse or does not fit its schema, at the line of the
    /// offending key or value.
    pub fn toml(path: impl AsRef<Path>, text: &str, field: &str, err: &toml::de::Error) -> Self {
        let line = err
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
            .unwrap_or(1);
        Error::parse(path, line, field, err.message().to_string())
    }

    /// A whole file is unusable.
    pub fn file(path: impl AsRef<Path>, message: impl Into<String>) -> Self {
        Error::File {
            path: path.as_ref().to_path_buf(),
            message: message.into(),
        }
    }

    /// An invalid request from the user, without a known fix.
    pub fn usage(message: impl Into<String>) -> Self {
        Error::Usage {
            message: message.into(),
            hint: None,
        }
    }

    /// An invalid request from the user, with the fix on a `hint:` line.
    pub fn usage_hint(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Error::Usage {
            message: message.into(),
            hint: Some(hint.into()),
        }
    }

    /// Whether this is [`Error::DataNotFound`].
    pub fn is_data_not_found(&self) -> bool {
        matches!(self, Error::DataNotFound { .. })
    }

    pub fn model(message: impl Into<String>) -> Self {
        Error::Model(message.into())
    }

    /// Process exit code for this error. Regression verdicts use 1 (see `kakugo compare`);
    /// runs that cannot be compared use 2, like every other error.
    pub fn exit_code(&self) -> i32 {
        2
    }
}
