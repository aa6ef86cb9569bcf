//! Everything kakugo keeps on disk: run records, hashes, atomic writes, the response cache.

pub mod atomic;
pub mod cache;
pub mod hash;
pub mod lineage;
pub mod model_info;
pub mod run_record;

pub use lineage::{ExperimentLineage, Lineage, NamedModel, UnitHashes};
pub use model_info::{Backend, ModelInfo, Scoring};
pub use run_record::{
    ExcludedItem, ItemScore, Manifest, MetricValue, MissingLanguage, RunRecord, TaskResult,
};
