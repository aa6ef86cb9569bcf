//! Synthesis: a teacher model writes instruction data in a language, and kakugo measures and
//! filters what it wrote.
//!
//! - [`config`]: the typed settings `kakugo synth` and experiments share; [`run`]: one run,
//!   assembled (teacher, cache, identifier, templates, pipeline, manifest);
//! - [`teacher`]: the teacher (in-process or OpenAI-compatible HTTP) asked through the
//!   response cache, with token and call counts;
//! - [`strategy`]: the strategies (PolyglotTeachers generate/respond/translate, Kakugo
//!   topic/scenario/context + improvement pass) and their paper defaults;
//! - [`templates`]: the teacher prompts as editable minijinja files;
//! - [`pipeline`]: runs a strategy, checks every teacher answer, counts rejections;
//! - [`parse`]: reads JSON objects and lists out of teacher text;
//! - [`record`]: the PolyglotTeachers-SFT record and its append-only, resumable JSONL file;
//! - [`manifest`]: what a run records next to its data;
//! - [`lid`]: the character n-gram language identifier (205 SIB-200 languages; it lives in
//!   `kakugo-data`, beside the SIB-200 loader it trains on);
//! - [`quality`]: `synth stats` measures; [`filter`]: `synth filter`.

pub mod config;
pub mod filter;
pub use kakugo_data::lid;
pub mod manifest;
pub mod parse;
pub mod pipeline;
pub mod quality;
pub mod record;
pub mod run;
pub mod strategy;
pub mod teacher;
pub mod templates;

pub use run::{run, SynthJob, SynthRun};
