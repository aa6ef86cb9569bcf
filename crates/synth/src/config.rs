//! The synthesis settings: one typed config that `kakugo synth` flattens into its flags and an
//! experiment's `[synth]` section deserialises (beside its `strategies` list), so both read the
//! same names, the same defaults and the same validation.
//!
//! Defaults that do not depend on the strategy are written once, in the `#[arg]` attributes
//! below; those that do (temperature, top-p, the share of prompts improved) are `None` here and
//! come from [`Strategy`]'s paper defaults when a strategy's [`Settings`] are resolved.
//!
//! ```
//! use kakugo_synth::config::SynthConfig;
//! use kakugo_synth::strategy::Strategy;
//! let c: SynthConfig = toml::from_str("n = 20\ntemperature = 0.7").unwrap();
//! let s = c.settings(Strategy::Topic).unwrap();
//! assert_eq!((s.n, s.temperature, s.improve_share), (20, 0.7, 0.5));
//! assert!(toml::from_str::<SynthConfig>("n = 20\ntemprature = 0.7").is_err());
//! ```

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use kakugo_core::{Error, Result};
use kakugo_model::openai::ServerOptions;

use crate::strategy::{Settings, Strategy};

/// What a synthesis run makes and how (everything but teacher, language, strategy and output).
#[derive(Debug, Clone, PartialEq, clap::Args, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SynthConfig {
    /// Items wanted in the output (a rerun counts the ones already there).
    #[arg(long, default_value_t = 50)]
    pub n: usize,
    /// Input JSONL: prompts (respond, translate), seed examples (generate), texts (context).
    /// In an experiment, relative to the experiment file.
    #[arg(long)]
    pub input: Option<PathBuf>,
    /// Directory of templates (<name>.j2) replacing the defaults of the same name.
    #[arg(long)]
    pub templates: Option<PathBuf>,
    /// Seed of every sampling and selection [default: 0; in an experiment, its seed].
    #[arg(long)]
    pub seed: Option<u64>,
    /// Sampling temperature [default: Kakugo strategies 1.0, PolyglotTeachers 0.8; 0 = greedy].
    #[arg(long)]
    pub temperature: Option<f64>,
    /// Nucleus sampling [default: Kakugo 1.0, PolyglotTeachers 0.9].
    #[arg(long)]
    pub top_p: Option<f64>,
    /// Share of prompts rewritten harder [default: Kakugo strategies 0.5, others 0].
    #[arg(long)]
    pub improve_share: Option<f64>,
    /// Token limit of answers.
    #[arg(long, default_value_t = 1024)]
    pub max_new_tokens: usize,
    /// Token limit of planning steps (lists).
    #[arg(long, default_value_t = 512)]
    pub list_max_tokens: usize,
    /// Macro-topics per seed topic.
    #[arg(long, default_value_t = 20)]
    pub macro_topics: usize,
    /// Topics per macro-topic.
    #[arg(long, default_value_t = 10)]
    pub topics: usize,
    /// Prompts per topic.
    #[arg(long, default_value_t = 3)]
    pub topic_prompts: usize,
    /// Broad scenarios.
    #[arg(long, default_value_t = 30)]
    pub broad_scenarios: usize,
    /// Detailed scenarios per broad one.
    #[arg(long, default_value_t = 30)]
    pub detailed_scenarios: usize,
    /// Prompts per detailed scenario.
    #[arg(long, default_value_t = 5)]
    pub scenario_prompts: usize,
    /// Most context texts used.
    #[arg(long, default_value_t = 10_000)]
    pub context_texts: usize,
    /// Prompts per context text.
    #[arg(long, default_value_t = 3)]
    pub context_prompts: usize,
    /// Seed examples shown per generate request.
    #[arg(long, default_value_t = 3)]
    pub examples: usize,
    /// Candidates drawn per wanted item.
    #[arg(long, default_value_t = 1.5)]
    pub overgenerate: f64,
    /// Keep the teacher's reasoning (<think>…</think> or reasoning_content) in `reasoning`.
    #[arg(long)]
    pub keep_reasoning: bool,
    /// Do not reject prompts and responses in another language (for weak teachers in demos).
    #[arg(long)]
    pub keep_wrong_language: bool,
    /// Keep answers cut off at the token limit (for base-model teachers that never stop; the
    /// text then ends mid-sentence).
    #[arg(long)]
    pub keep_truncated: bool,
    /// Price per million prompt tokens (for the manifest's cost estimate).
    #[arg(long)]
    pub price_in: Option<f64>,
    /// Price per million completion tokens.
    #[arg(long)]
    pub price_out: Option<f64>,
    #[command(flatten)]
    #[serde(flatten)]
    pub server: ServerOptions,
}

impl Default for SynthConfig {
    /// The flags' defaults above: the only place they are written.
    fn default() -> Self {
        kakugo_core::config::clap_defaults()
    }
}

impl SynthConfig {
    /// The settings of one strategy: this config, with the strategy's paper defaults where it
    /// leaves a choice open. Fails on values no run could use.
    pub fn settings(&self, strategy: Strategy) -> Result<Settings> {
        let s = Settings {
            n: self.n,
            overgenerate: self.overgenerate,
            macro_topics: self.macro_topics,
            topics: self.topics,
            topic_prompts: self.topic_prompts,
            broad_scenarios: self.broad_scenarios,
            detailed_scenarios: self.detailed_scenarios,
            scenario_prompts: self.scenario_prompts,
            context_texts: self.context_texts,
            context_prompts: self.context_prompts,
            examples: self.examples,
            improve_share: self
                .improve_share
                .unwrap_or(strategy.default_improve_share()),
            temperature: self.temperature.unwrap_or(strategy.default_temperature()),
            top_p: self.top_p.unwrap_or(strategy.default_top_p()),
            seed: self.seed.unwrap_or(0),
            max_new_tokens: self.max_new_tokens,
            list_max_tokens: self.list_max_tokens,
            keep_reasoning: self.keep_reasoning,
            check_language: !self.keep_wrong_language,
            keep_truncated: self.keep_truncated,
        };
        s.validate()?;
        self.server.validate()?;
        for (name, price) in [
            ("--price-in", self.price_in),
            ("--price-out", self.price_out),
        ] {
            if price.is_some_and(|p| !(p.is_finite() && p >= 0.0)) {
                return Err(Error::usage(format!(
                    "{name} must be a non-negative number"
                )));
            }
        }
        Ok(s)
    }

    /// Prices per million prompt and completion tokens, when either is given.
    pub fn prices(&self) -> Option<(f64, f64)> {
        match (self.price_in, self.price_out) {
            (None, None) => None,
            (i, o) => Some((i.unwrap_or(0.0), o.unwrap_or(0.0))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_section_is_the_flags_defaults() {
        let c: SynthConfig = toml::from_str("").unwrap();
        assert_eq!(c, SynthConfig::default());
        assert_eq!((c.n, c.macro_topics, c.server.max_retries), (50, 20, 6));
        let s = c.settings(Strategy::Generate).unwrap();
        assert_eq!((s.temperature, s.top_p, s.improve_share), (0.8, 0.9, 0.0));
    }

    #[test]
    fn bad_values_are_refused_naming_the_setting() {
        let bad = |text: &str| {
            toml::from_str::<SynthConfig>(text)
                .unwrap()
                .settings(Strategy::Topic)
                .unwrap_err()
                .to_string()
        };
        assert!(bad("n = 0").contains("--n"));
        assert!(bad("top_p = 2.0").contains("--top-p"));
        assert!(bad("temperature = -1.0").contains("--temperature"));
        assert!(bad("improve_share = 1.5").contains("--improve-share"));
        assert!(bad("timeout = 0.0").contains("--timeout"));
        assert!(bad("price_in = -1.0").contains("--price-in"));
        assert!(toml::from_str::<SynthConfig>("api_key = \"sk-x\"").is_err());
    }
}
