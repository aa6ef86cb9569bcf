//! Suites: declarative TOML files naming tasks — dataset, split, languages, prompt template,
//! subset size, seed, metrics. Data, prompt and metric only: no code in config, no templates
//! that compute answers. Datasets and metrics are Rust enums, so an unknown name fails when the
//! suite is read and the error lists the valid ones.
//!
//! ```toml
//! name = "smoke"
//! [[task]]
//! name = "sib200"
//! dataset = "sib200"
//! split = "test"
//! languages = ["eng_Latn", "kaz_Cyrl"]
//! template = "Topic of the following text: {{ text }}\nTopic:"
//! limit = 60                 # stratified by category, seeded
//! metrics = ["acc", "acc_norm"]
//! ```
//!
//! Templates are minijinja over a document's fields: `text` (SIB-200); `source`,
//! `source_language`, `target_language` (FLORES, English names). A task may override the
//! template per language (`[task.templates] kaz_Cyrl = "…"`) for native-language scaffolds.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::eval::metrics::Metric;
use crate::{Error, Result};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Suite {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(rename = "task")]
    pub tasks: Vec<Task>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dataset {
    Sib200,
    Flores,
}

/// Translation direction of a FLORES task, relative to English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    XxEn,
    EnXx,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Task {
    pub name: String,
    pub dataset: Dataset,
    pub split: String,
    pub languages: Vec<String>,
    pub template: String,
    /// Per-language template overrides (native-language scaffolds).
    #[serde(default)]
    pub templates: BTreeMap<String, String>,
    /// FLORES only.
    pub direction: Option<Direction>,
    /// Placed between the prompt and each choice (lm-evaluation-harness's default: a space).
    #[serde(default = "default_delimiter")]
    pub target_delimiter: String,
    /// Items per language (stratified for multiple choice, seeded sample for translation).
    pub limit: Option<usize>,
    #[serde(default = "default_seed")]
    pub seed: u64,
    pub metrics: Vec<Metric>,
    #[serde(default = "default_max_new_tokens")]
    pub max_new_tokens: usize,
    #[serde(default = "default_stop")]
    pub stop: Vec<String>,
}

fn default_delimiter() -> String {
    " ".into()
}
fn default_seed() -> u64 {
    1234
}
fn default_max_new_tokens() -> usize {
    256
}
fn default_stop() -> Vec<String> {
    vec!["\n".into()]
}

impl Task {
    pub fn template_for(&self, language: &str) -> &str {
        self.templates
            .get(language)
            .map(String::as_str)
            .unwrap_or(&self.template)
    }
}

impl Suite {
    /// Reads and validates a suite file; returns it with the sha256 of its bytes.
    pub fn read(path: &Path) -> Result<(Suite, String)> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        let text = String::from_utf8(bytes.clone())
            .map_err(|e| Error::file(path, format!("not UTF-8: {e}")))?;
        let suite: Suite =
            toml::from_str(&text).map_err(|e| Error::toml(path, &text, "suite", &e))?;
        for task in &suite.tasks {
            if task.dataset == Dataset::Flores && task.direction.is_none() {
                return Err(Error::parse(
                    path,
                    1,
                    "direction",
                    format!(
                        "task `{}`: FLORES tasks need direction = \"xx_en\" or \"en_xx\"",
                        task.name
                    ),
                ));
            }
            for l in &task.languages {
                crate::lang::resolve(l)?;
            }
            let env = minijinja::Environment::new();
            for t in std::iter::once(&task.template).chain(task.templates.values()) {
                env.template_from_str(t).map_err(|e| {
                    Error::parse(path, 1, "template", format!("task `{}`: {e}", task.name))
                })?;
            }
        }
        Ok((suite, crate::store::hash::sha256_bytes(&bytes)))
    }
}

/// Renders a prompt template over named fields.
pub fn render(template: &str, fields: &BTreeMap<String, String>) -> Result<String> {
    let env = minijinja::Environment::new();
    env.render_str(template, fields)
        .map_err(|e| Error::usage(format!("rendering template {template:?}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_metric_fails_at_load_listing_valid_ones() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.toml");
        std::fs::write(
            &path,
            "name = \"x\"\n[[task]]\nname = \"t\"\ndataset = \"sib200\"\nsplit = \"test\"\nlanguages = [\"kk\"]\ntemplate = \"{{ text }}\"\nmetrics = [\"accuracy\"]\n",
        )
        .unwrap();
        let err = Suite::read(&path).unwrap_err().to_string();
        assert!(
            err.contains("bad.toml: line 8")
                && err.contains("unknown variant `accuracy`")
                && err.contains("chrf++"),
            "{err}"
        );
    }

    #[test]
    fn shipped_suites_parse() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("suites");
        let mut n = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            Suite::read(&path).unwrap_or_else(|e| panic!("{e}"));
            n += 1;
        }
        assert!(n >= 3);
    }
}
