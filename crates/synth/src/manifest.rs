//! The manifest written beside a synthetic data set (`DATA.jsonl.manifest.json`).
//!
//! It records what is needed to reproduce and to pay for the data: the teacher (name and
//! weights sha256, or endpoint and model id), strategy, language, every setting and seed, the
//! sha256 of each template, the token counts and teacher time (tokens per second), every HTTP
//! attempt's outcome (counts by outcome, and each failed attempt), items rejected by reason,
//! and a cost estimate when prices per million tokens are given:
//! `cost = prompt_tokens · price_in / 10⁶ + completion_tokens · price_out / 10⁶`
//! (tokens of this run's teacher calls; cache hits cost nothing).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use super::pipeline::Summary;
use super::strategy::Settings;
use super::teacher::{Teacher, Usage};
use kakugo_core::store::atomic::write_atomic;
use kakugo_core::Result;
use kakugo_model::openai::{Attempt, Outcome};
use kakugo_model::ModelInfo;

#[derive(Debug, Clone, Serialize)]
pub struct Cost {
    /// Price per million prompt tokens.
    pub price_in: f64,
    /// Price per million completion tokens.
    pub price_out: f64,
    pub total: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Attempts {
    pub by_outcome: BTreeMap<Outcome, usize>,
    /// Every attempt that did not succeed.
    pub failed: Vec<Attempt>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SynthManifest {
    pub kakugo_version: String,
    pub output: String,
    pub teacher: ModelInfo,
    pub strategy: String,
    pub language: String,
    pub settings: Settings,
    pub input: Option<String>,
    pub input_sha256: Option<String>,
    pub templates: BTreeMap<String, serde_json::Value>,
    pub summary: Summary,
    pub usage: Usage,
    pub tokens_per_second: f64,
    /// HTTP teachers only.
    pub attempts: Option<Attempts>,
    pub cost: Option<Cost>,
}

impl SynthManifest {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        output: &Path,
        teacher: &Teacher,
        strategy: &str,
        language: &str,
        settings: &Settings,
        input: Option<(&Path, String)>,
        templates: BTreeMap<String, serde_json::Value>,
        summary: Summary,
        prices: Option<(f64, f64)>,
    ) -> SynthManifest {
        let usage = teacher.usage.clone();
        let attempts = teacher.attempts().map(|log| {
            let all = log.snapshot();
            let mut by_outcome = BTreeMap::new();
            for a in &all {
                *by_outcome.entry(a.outcome).or_default() += 1;
            }
            Attempts {
                by_outcome,
                failed: all
                    .into_iter()
                    .filter(|a| a.outcome != Outcome::Ok)
                    .collect(),
            }
        });
        let cost = prices.map(|(price_in, price_out)| Cost {
            price_in,
            price_out,
            total: usage.prompt_tokens as f64 * price_in / 1e6
                + usage.completion_tokens as f64 * price_out / 1e6,
        });
        SynthManifest {
            kakugo_version: env!("CARGO_PKG_VERSION").into(),
            output: output.display().to_string(),
            teacher: teacher.info().clone(),
            strategy: strategy.into(),
            language: language.into(),
            settings: settings.clone(),
            input: input.as_ref().map(|(p, _)| p.display().to_string()),
            input_sha256: input.map(|(_, s)| s),
            templates,
            tokens_per_second: usage.tokens_per_second(),
            summary,
            usage,
            attempts,
            cost,
        }
    }

    pub fn write(&self, path: &Path) -> Result<()> {
        let mut bytes = serde_json::to_vec_pretty(self).expect("manifest serialises");
        bytes.push(b'\n');
        write_atomic(path, &bytes)
    }
}
