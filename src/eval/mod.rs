//! Evaluation: request scheduling, scoring and metrics.

pub mod metrics;
pub mod multiple_choice;
pub mod runner;
mod translation;
