//! The two shapes every dataset loads into.
//!
//! A loader turns its dataset's raw records (which keep the dataset's own field names) into
//! one of these; suites render prompts from a document's `fields` with templates, so loaders
//! never know about prompts and templates never compute answers.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A multiple-choice item: one context, several choices, one gold index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MultipleChoiceDoc {
    /// Stable id within the dataset (SIB-200 `index_id`, Belebele `link#question_number`,
    /// Global-MMLU `sample_id`).
    pub id: String,
    /// FLORES-200 code of the item's language.
    pub language: String,
    /// Named text fields the prompt template may use (`text`, `passage`, `question`,
    /// `subject`, ...).
    pub fields: BTreeMap<String, String>,
    /// The answer options, in the dataset's order.
    pub choices: Vec<String>,
    /// 0-based index into `choices`.
    pub gold: usize,
    /// Grouping keys for stratified subsets and per-group reports (`category`,
    /// `cultural_sensitivity_label`, `subject_category`, ...).
    pub metadata: BTreeMap<String, String>,
}

/// A generation item: translate `source` into the target language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranslationDoc {
    /// FLORES `index_id` (0-based position in dev followed by devtest).
    pub id: String,
    pub source_language: String,
    pub target_language: String,
    pub source: String,
    /// One or more references; chrF++ takes the best sentence-level one.
    pub references: Vec<String>,
}
