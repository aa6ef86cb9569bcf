//! The fast tier: `cargo test` with no environment variables, no downloaded models, no data
//! directory and no server. Everything here runs on committed fixtures (`tests/fixtures/`) and
//! tiny random-weight models in the real file formats; reference values come from sacrebleu,
//! transformers, scipy and friends through the scripts in `scripts/reference/`.

#[path = "../common/mod.rs"]
mod common;
#[path = "../report_fixtures/mod.rs"]
mod report_fixtures;
#[path = "../common/tiny.rs"]
mod tiny;
#[path = "../common/training.rs"]
mod training;

mod chrf_cli;
mod chrf_reference;
mod compare;
mod leaderboard;
mod report;
mod train_tiny;
