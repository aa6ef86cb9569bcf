//! The strategies and their settings, with the seed papers' defaults.
//!
//! | strategy | paper | what the teacher does |
//! |---|---|---|
//! | `generate` | PolyglotTeachers | sees k seed examples, writes a new `{prompt, response}` as JSON, its task forced into one of 10 categories |
//! | `respond` | PolyglotTeachers | answers existing target-language prompts (`--input`) |
//! | `translate` | PolyglotTeachers / Kakugo | translates English prompts (`--input`) into the language, then answers them |
//! | `topic` | Kakugo | 8 general + 8 language-specific seed topics → 20 macro-topics each → 10 topics each → 3 prompts each |
//! | `scenario` | Kakugo | 30 broad scenarios → 30 detailed each → 5 prompts each |
//! | `context` | Kakugo | up to 3 prompts about each target-language text (translate, summarise, improve, classify, answer questions; QA weighted ×4) |
//!
//! Kakugo's strategies then rewrite a share (default half) of their prompts to be harder (the
//! improvement pass) before the teacher answers them. Defaults (FINDINGS.md, "The seed papers'
//! settings"): Kakugo samples at temperature 1.0 (gpt-oss-120b); PolyglotTeachers at 0.8 with
//! top-p 0.9 and k = 3 seed examples.
//!
//! With `--n` smaller than the full tree, each level expands only as many parents as the next
//! level needs children and takes children round-robin across parents, so a small run still
//! spans many seeds instead of exhausting the first one.

use serde::{Deserialize, Serialize};

/// One synthesis strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    Generate,
    Respond,
    Translate,
    Topic,
    Scenario,
    Context,
}

impl Strategy {
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Generate => "generate",
            Strategy::Respond => "respond",
            Strategy::Translate => "translate",
            Strategy::Topic => "topic",
            Strategy::Scenario => "scenario",
            Strategy::Context => "context",
        }
    }

    /// Kakugo's strategies (which get the improvement pass and temperature 1.0 by default).
    pub fn is_kakugo(self) -> bool {
        matches!(
            self,
            Strategy::Topic | Strategy::Scenario | Strategy::Context
        )
    }

    /// The papers' sampling temperature: Kakugo 1.0 (gpt-oss-120b), PolyglotTeachers 0.8.
    pub fn default_temperature(self) -> f64 {
        if self.is_kakugo() {
            1.0
        } else {
            0.8
        }
    }

    /// The papers' nucleus: Kakugo 1.0, PolyglotTeachers 0.9.
    pub fn default_top_p(self) -> f64 {
        if self.is_kakugo() {
            1.0
        } else {
            0.9
        }
    }

    /// Share of prompts the improvement pass rewrites: half for Kakugo's strategies, none
    /// for PolyglotTeachers'.
    pub fn default_improve_share(self) -> f64 {
        if self.is_kakugo() {
            0.5
        } else {
            0.0
        }
    }

    /// Whether it reads `--input`.
    pub fn needs_input(self) -> bool {
        matches!(
            self,
            Strategy::Generate | Strategy::Respond | Strategy::Translate
        )
    }
}

/// Kakugo's general seed topics (kakugo's wording; the paper gives their number, 8).
pub const GENERAL_SEEDS: [&str; 8] = [
    "science and technology",
    "health and medicine",
    "history",
    "economy, work and money",
    "nature and the environment",
    "arts and literature",
    "daily life and family",
    "education and learning",
];

/// Kakugo's language-specific seed topics; `{language}` becomes the language's name.
pub const LANGUAGE_SEEDS: [&str; 8] = [
    "{language} society",
    "{language} culture and traditions",
    "the history of the {language}-speaking regions",
    "{language} cuisine",
    "{language} literature and music",
    "geography of the places where {language} is spoken",
    "the {language} language: grammar, idioms and dialects",
    "politics and public life where {language} is spoken",
];

/// PolyglotTeachers' hidden task categories for `generate` (kakugo's wording; the paper uses 10).
pub const CATEGORIES: [&str; 10] = [
    "open question answering",
    "closed question answering about a given passage",
    "brainstorming",
    "classification",
    "summarisation",
    "information extraction",
    "creative writing",
    "rewriting or editing a text",
    "step-by-step reasoning or arithmetic",
    "advice or recommendations",
];

/// Context-strategy tasks and their weights (Kakugo weights question answering ×4).
pub const CONTEXT_TASKS: [(&str, u32); 5] = [
    ("translate into English", 1),
    ("summarise", 1),
    ("improve the style and clarity of", 1),
    ("classify by topic, sentiment or genre", 1),
    ("answer a question about", 4),
];

/// Counts per level and sampling, all configurable; defaults from the papers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Settings {
    /// Items wanted in the output file (accepted, or already present from an earlier run).
    pub n: usize,
    /// Prompt candidates drawn per wanted item, to make up for rejections.
    pub overgenerate: f64,
    pub macro_topics: usize,
    pub topics: usize,
    pub topic_prompts: usize,
    pub broad_scenarios: usize,
    pub detailed_scenarios: usize,
    pub scenario_prompts: usize,
    pub context_texts: usize,
    pub context_prompts: usize,
    pub examples: usize,
    /// Share of prompts rewritten by the improvement pass.
    pub improve_share: f64,
    pub temperature: f64,
    pub top_p: f64,
    pub seed: u64,
    /// Token limit of answers (responses, `generate` items, translations, rewrites).
    pub max_new_tokens: usize,
    /// Token limit of the planning steps (lists of topics, scenarios, prompts).
    pub list_max_tokens: usize,
    pub keep_reasoning: bool,
    /// Reject prompts and responses that the language identifier places in another language.
    pub check_language: bool,
    /// Keep texts that stopped at the token limit instead of rejecting them.
    pub keep_truncated: bool,
}

impl Settings {
    /// The papers' defaults for `strategy` (with `n` items wanted).
    pub fn defaults(strategy: Strategy, n: usize) -> Settings {
        let config = crate::config::SynthConfig {
            n,
            ..Default::default()
        };
        config
            .settings(strategy)
            .expect("the defaults are valid for every n >= 1")
    }

    /// Refuses values no run could use, naming the flag.
    pub fn validate(&self) -> kakugo_core::Result<()> {
        use kakugo_core::Error;
        if self.n == 0 {
            return Err(Error::usage("--n must be at least 1"));
        }
        if !(self.temperature.is_finite() && self.temperature >= 0.0) {
            return Err(Error::usage(format!(
                "--temperature must be a finite number >= 0, got {}",
                self.temperature
            )));
        }
        for (flag, v) in [
            ("--top-p", self.top_p),
            ("--improve-share", self.improve_share),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return Err(Error::usage(format!("{flag} must lie in [0, 1], got {v}")));
            }
        }
        if !(self.overgenerate.is_finite() && self.overgenerate >= 1.0) {
            return Err(Error::usage(format!(
                "--overgenerate must be at least 1, got {}",
                self.overgenerate
            )));
        }
        if self.max_new_tokens == 0 || self.list_max_tokens == 0 {
            return Err(Error::usage(
                "--max-new-tokens and --list-max-tokens must be at least 1",
            ));
        }
        Ok(())
    }

    /// Prompt candidates to draw.
    pub fn candidates(&self) -> usize {
        ((self.n as f64) * self.overgenerate.max(1.0)).ceil() as usize
    }
}

/// Takes `k` items round-robin across groups (first of each group, then second, ...).
pub fn round_robin<T: Clone>(groups: &[Vec<T>], k: usize) -> Vec<T> {
    let mut out = Vec::with_capacity(k);
    let longest = groups.iter().map(Vec::len).max().unwrap_or(0);
    for i in 0..longest {
        for g in groups {
            if out.len() == k {
                return out;
            }
            if let Some(x) = g.get(i) {
                out.push(x.clone());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_robin_spreads_across_parents() {
        let g = vec![vec![1, 2, 3], vec![4], vec![5, 6]];
        assert_eq!(round_robin(&g, 4), [1, 4, 5, 2]);
        assert_eq!(round_robin(&g, 10), [1, 4, 5, 2, 6, 3]);
    }

    #[test]
    fn paper_defaults() {
        let t = Settings::defaults(Strategy::Topic, 50);
        assert_eq!((t.macro_topics, t.topics, t.topic_prompts), (20, 10, 3));
        assert_eq!((t.temperature, t.improve_share), (1.0, 0.5));
        assert_eq!(t.candidates(), 75);
        let g = Settings::defaults(Strategy::Generate, 10);
        assert_eq!(
            (g.temperature, g.top_p, g.examples, g.improve_share),
            (0.8, 0.9, 3, 0.0)
        );
        assert_eq!(GENERAL_SEEDS.len() + LANGUAGE_SEEDS.len(), 16);
        let (broad, detailed, prompts) = (30, 30, 5);
        let s = Settings::defaults(Strategy::Scenario, 1);
        assert_eq!(
            (s.broad_scenarios, s.detailed_scenarios, s.scenario_prompts),
            (broad, detailed, prompts)
        );
    }
}
