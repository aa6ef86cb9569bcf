//! kakugo's ground floor: what every other crate shares.
//!
//! - [`error`]: the library error type; every input error names file, line/item and field.
//! - [`lang`]: the language registry (FLORES-200 codes ⇄ ISO 639 ⇄ English names ⇄ each
//!   dataset's own codes).
//! - [`store`]: run records and manifests, hashes, atomic writes, the response cache.
//! - [`spec`]: [`spec::ModelSpec`], how a model is named (presets, files, `hf:`, `openai:`).
//! - [`paths`]: file names derived from input, lexical path normalisation, kakugo's cache root.

pub mod config;
pub mod error;
pub mod lang;
pub mod paths;
pub mod spec;
pub mod store;

pub use error::{Error, Result};

/// kakugo's version, as recorded in manifests and metric signatures.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
