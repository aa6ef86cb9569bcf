//! kakugo: build and judge small language models for low-resource languages.
//!
//! The flow (see README.md, "Architecture"): suites → tasks → documents → requests →
//! [`model::LanguageModel`] → responses → per-item scores → run records → reports.
//! Synthesis ([`synth`]) and fine-tuning ([`train`]) produce the candidates that evaluation
//! judges.

pub mod cli;
pub mod data;
pub mod error;
pub mod eval;
pub mod experiment;
pub mod lang;
pub mod model;
pub mod report;
pub mod store;
pub mod suite;
pub mod synth;
pub mod train;

pub use error::{Error, Result};
