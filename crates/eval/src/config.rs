//! The evaluation settings: one typed config that `kakugo eval` flattens into its flags and an
//! experiment's `[eval]` section deserialises (beside its `suites`), with the defaults written
//! once, in the `#[arg]` attributes.
//!
//! ```
//! use kakugo_eval::config::EvalConfig;
//! use kakugo_model::decoder::ScoringPrecision;
//! let c: EvalConfig = toml::from_str("limit = 20\nprecision = \"bf16\"").unwrap();
//! assert_eq!((c.limit, c.precision), (Some(20), ScoringPrecision::Bf16));
//! assert!(toml::from_str::<EvalConfig>("limt = 20").is_err());
//! ```

use serde::{Deserialize, Serialize};

use kakugo_core::{Error, Result};
use kakugo_model::decoder::ScoringPrecision;
use kakugo_model::openai::ServerOptions;
use kakugo_model::LoadOptions;

/// How a suite is run on a model.
#[derive(Debug, Clone, PartialEq, clap::Args, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EvalConfig {
    /// Items per task and language (a stratified, seeded sample, never "the first N").
    #[arg(long)]
    pub limit: Option<usize>,
    /// Record a language whose data files are absent (a partial copy of a dataset) as missing
    /// in the run record instead of failing. Languages a dataset does not have at all are
    /// always recorded as missing.
    #[arg(long)]
    pub skip_missing_data: bool,
    /// Scoring precision of in-process models: `f32` (exact) or `bf16` (bf16 products with
    /// f32 accumulation: faster where the CPU has AMX, log-likelihoods within a few
    /// hundredths of a nat). bf16 scores are cached and recorded apart.
    #[arg(long, value_enum, default_value_t = ScoringPrecision::Exact)]
    pub precision: ScoringPrecision,
    #[command(flatten)]
    #[serde(flatten)]
    pub server: ServerOptions,
}

impl Default for EvalConfig {
    /// The flags' defaults above: the only place they are written.
    fn default() -> Self {
        kakugo_core::config::clap_defaults()
    }
}

impl EvalConfig {
    /// Refuses settings that would produce a misleading record.
    pub fn validate(&self) -> Result<()> {
        if self.limit == Some(0) {
            return Err(Error::usage_hint(
                "--limit 0 would score no item",
                "leave --limit out to score every item, or give at least 1",
            ));
        }
        self.server.validate()
    }

    /// How to load the model this config evaluates.
    pub fn load_options(&self) -> LoadOptions {
        LoadOptions {
            server: self.server.clone(),
            precision: self.precision,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_refusals() {
        let c: EvalConfig = toml::from_str("").unwrap();
        assert_eq!(c, EvalConfig::default());
        assert_eq!((c.limit, c.precision), (None, ScoringPrecision::Exact));
        assert!(toml::from_str::<EvalConfig>("limit = 0")
            .unwrap()
            .validate()
            .unwrap_err()
            .to_string()
            .contains("--limit 0"));
        assert!(toml::from_str::<EvalConfig>("precision = \"fp8\"").is_err());
    }
}
