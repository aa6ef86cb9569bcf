//! Dataset loaders, one per dataset, and where data comes from.
//!
//! Each loader reads its dataset's upstream format as it is, validates every record and
//! reports the file, line and field of anything malformed. Loaders never skip silently and
//! never normalise text.

pub mod document;

pub use document::{MultipleChoiceDoc, TranslationDoc};
