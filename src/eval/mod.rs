//! Evaluation: request scheduling, scoring and metrics.

pub mod metrics;
pub mod runner;
