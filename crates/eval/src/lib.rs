//! Evaluation: suites (what to run), the runner (documents → cached model responses →
//! per-item scores → a run record) and its per-kind steps.

pub mod config;
pub mod job;
pub mod multiple_choice;
pub mod runner;
pub mod suite;
pub mod translation;
