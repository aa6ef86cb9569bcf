//! kakugo: build and judge small language models for low-resource languages.
//!
//! The flow (see README.md, "Architecture"): suites → tasks → documents → requests →
//! [`model::LanguageModel`] → responses → per-item scores → run records → reports.
//! Synthesis ([`synth`]) and fine-tuning ([`train`]) produce the candidates that evaluation
//! judges; [`experiment`] runs the whole loop as content-addressed units.
//!
//! This crate is the front door: it re-exports the workspace's crates under one name, and its
//! binary (`src/main.rs`, `src/cli/`) is the command line. The crates, bottom to top:
//!
//! | crate | what |
//! |---|---|
//! | `kakugo-core` | errors, the language registry, run records, hashes, atomic writes, the response cache |
//! | `kakugo-metrics` | accuracy, chrF/chrF++, BLEU, bootstrap |
//! | `kakugo-data` | dataset loaders, sampling, data sources, the language identifier |
//! | `kakugo-model` | the `LanguageModel` seam and its backends (candle in-process, OpenAI-compatible HTTP) |
//! | `kakugo-eval` | suites and the evaluation runner |
//! | `kakugo-synth` | teacher synthesis and data quality |
//! | `kakugo-train` | LoRA fine-tuning and export |
//! | `kakugo-report` | reports, comparisons, leaderboards, plots |
//! | `kakugo-experiment` | the distillation loop as resumable, shardable units |

pub use kakugo_core::{error, lang, paths, store, Error, Result, VERSION};
pub use kakugo_data as data;
pub use kakugo_eval::suite;
pub use kakugo_experiment as experiment;
pub use kakugo_model as model;
pub use kakugo_report as report;
pub use kakugo_synth as synth;
pub use kakugo_train as train;

/// Evaluation: the runner and its steps ([`kakugo_eval`]), and the metrics ([`kakugo_metrics`]).
pub mod eval {
    pub use kakugo_eval::{config, job, multiple_choice, runner, translation};
    pub use kakugo_metrics as metrics;
}
