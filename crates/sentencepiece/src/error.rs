//! The one error type of the crate: loading is the only fallible step, encoding never fails.

use std::path::PathBuf;

/// Why a `.model` file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The bytes are not a well-formed protobuf `ModelProto` (truncated, bad varint, bad
    /// length, a field of the wrong wire type, ...). `offset` is the byte position in the file.
    #[error("malformed model file at byte {offset}: {reason}")]
    Proto { offset: usize, reason: String },
    /// The protobuf is well formed but does not describe a usable model (the checks
    /// sentencepiece makes when it loads a model: one `<unk>`, no duplicate pieces, 256 byte
    /// pieces when byte fallback is on, a readable normalisation charsmap, ...).
    #[error("invalid model: {0}")]
    Model(String),
}

/// `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;
