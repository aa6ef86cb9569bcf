//! Everything kakugo keeps on disk: run records, hashes, atomic writes, the response cache.

pub mod atomic;
pub mod cache;
pub mod hash;
pub mod run_record;

pub use run_record::{
    ExcludedItem, ItemScore, Manifest, MetricValue, MissingLanguage, ModelInfo, RunRecord,
    TaskResult,
};
