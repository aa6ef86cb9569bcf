//! Suites: declarative TOML files naming tasks — dataset, split, languages, formulation,
//! prompt template, few-shot examples, subset size, seed, metrics. Data, prompt and metric
//! only: no code in config, no templates that compute answers. Datasets, formulations and
//! metrics are Rust enums, so an unknown name fails when the suite is read and the error lists
//! the valid ones; every other mistake (a metric the dataset cannot use, a split it does not
//! have, a template that does not compile) fails then too, naming the file, line and field.
//!
//! ```toml
//! name = "smoke"
//! [[task]]
//! name = "belebele"
//! dataset = "belebele"          # sib200 | belebele | global_mmlu | flores
//! split = "test"
//! languages = ["eng_Latn", "kaz_Cyrl"]
//! formulation = "letters"       # letters | answer_text (multiple choice only)
//! num_fewshot = 3               # seeded examples, never the item (or, Belebele, its passage)
//! limit = 60                    # stratified, seeded
//! metrics = ["acc", "acc_norm"]
//! ```
//!
//! **Formulations** (multiple choice): `letters` shows the options in the prompt and scores the
//! letters (`" A"`, `" B"`, ...) as continuations; `answer_text` scores each option's text as
//! the continuation (SIB-200's labels are always scored this way). The prompt template is
//! optional: [`prompt::default_template`] gives lm-evaluation-harness's published prompt for
//! each dataset and formulation (see [`prompt`] for the exact strings and where one departs).
//!
//! Templates are minijinja over a document's fields: `text` (SIB-200); `passage`, `question`
//! (Belebele); `question`, `subject` (Global-MMLU); `choices` (the options, a list) for every
//! multiple-choice item; `source`, `source_language`, `target_language` (FLORES, English names).
//! A task may override the template per language (`[task.templates] kaz_Cyrl = "…"`) for
//! native-language scaffolds.
//!
//! **Few-shot** (`num_fewshot = k`): k examples drawn by [`kakugo_data::few_shot`] from
//! `fewshot_split` (default: the dataset's dev split; Belebele has only `test`, so examples come
//! from *other passages* of the same language's test split), each rendered as
//! `template + target_delimiter + answer`, joined and followed by `fewshot_delimiter` (`"\n\n"`,
//! as lm-evaluation-harness). The draw is seeded by the task's `seed` and the item's id (for
//! Belebele, its passage), so an item's examples do not depend on which other items run.
//!
//! **Subsets** (`[task.subsets] field = "cultural_sensitivity_label"`, `values = ["CA", "CS"]`):
//! besides the whole task, each value's items are scored as their own task,
//! `<task>_<value in lower case>` (`global_mmlu_ca`, `global_mmlu_cs`), so reports, the
//! leaderboard and `kakugo compare` treat them like any task.

pub mod prompt;
pub mod shipped;

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use kakugo_core::{Error, Result};
use kakugo_data::Split;
use kakugo_metrics::Metric;

#[derive(Debug, Clone, PartialEq, Deserialize)]
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
    Belebele,
    GlobalMmlu,
    Flores,
}

impl Dataset {
    /// The registry's dataset, whose language list says which languages it has.
    pub fn registry(self) -> kakugo_core::lang::Dataset {
        match self {
            Dataset::Sib200 => kakugo_core::lang::Dataset::Sib200,
            Dataset::Belebele => kakugo_core::lang::Dataset::Belebele,
            Dataset::GlobalMmlu => kakugo_core::lang::Dataset::GlobalMmlu,
            Dataset::Flores => kakugo_core::lang::Dataset::Flores200,
        }
    }

    pub fn is_multiple_choice(self) -> bool {
        self != Dataset::Flores
    }

    /// The split few-shot examples come from when a task does not say.
    pub fn default_fewshot_split(self) -> Split {
        match self {
            // Belebele has only `test`; examples come from other passages (see the module docs).
            Dataset::Belebele => Split::Test,
            Dataset::Sib200 | Dataset::GlobalMmlu | Dataset::Flores => Split::Dev,
        }
    }

    /// The splits the dataset has.
    pub fn splits(self) -> &'static [Split] {
        match self {
            Dataset::Sib200 => &[Split::Train, Split::Dev, Split::Test],
            Dataset::Belebele => &[Split::Test],
            Dataset::GlobalMmlu => &[Split::Dev, Split::Test],
            Dataset::Flores => &[Split::Dev, Split::Devtest],
        }
    }
}

/// How a multiple-choice item is asked and scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Formulation {
    /// Options shown in the prompt as `A. …`; the letters are the continuations.
    Letters,
    /// Each option's text is the continuation.
    AnswerText,
}

impl Formulation {
    pub fn name(self) -> &'static str {
        match self {
            Formulation::Letters => "letters",
            Formulation::AnswerText => "answer_text",
        }
    }
}

/// Translation direction of a FLORES task, relative to English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    XxEn,
    EnXx,
}

/// Items scored again as their own task, by a metadata field's value.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subsets {
    /// Metadata field of the documents (`cultural_sensitivity_label`, `subject_category`).
    pub field: String,
    /// The values that get a task of their own (`["CA", "CS"]`).
    pub values: Vec<String>,
}

impl Subsets {
    /// The task name of one value's subset: `global_mmlu` + `CA` → `global_mmlu_ca`.
    pub fn task_name(task: &str, value: &str) -> String {
        format!("{task}_{}", kakugo_core::paths::slug(&value.to_lowercase()))
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Task {
    pub name: String,
    pub dataset: Dataset,
    pub split: String,
    pub languages: Vec<String>,
    /// The prompt; `None` takes [`prompt::default_template`] for the dataset and formulation.
    pub template: Option<String>,
    /// Per-language template overrides (native-language scaffolds).
    #[serde(default)]
    pub templates: BTreeMap<String, String>,
    /// Multiple choice only; default `letters` for Belebele and Global-MMLU, `answer_text`
    /// for SIB-200.
    pub formulation: Option<Formulation>,
    /// FLORES only.
    pub direction: Option<Direction>,
    /// Placed between the prompt and each choice (lm-evaluation-harness's default: a space).
    #[serde(default = "default_delimiter")]
    pub target_delimiter: String,
    /// In-context examples per item.
    #[serde(default)]
    pub num_fewshot: usize,
    /// Where examples come from (default [`Dataset::default_fewshot_split`]).
    pub fewshot_split: Option<String>,
    /// Between examples, and between the last example and the item.
    #[serde(default = "default_fewshot_delimiter")]
    pub fewshot_delimiter: String,
    /// Metadata values whose items are also reported as tasks of their own.
    pub subsets: Option<Subsets>,
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
fn default_fewshot_delimiter() -> String {
    "\n\n".into()
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
    /// The task's prompt template (its own, else the default for its dataset and formulation).
    pub fn template(&self) -> &str {
        self.template
            .as_deref()
            .or_else(|| prompt::default_template(self.dataset, self.formulation()))
            .expect("checked when the suite was read")
    }

    pub fn template_for(&self, language: &str) -> &str {
        self.templates
            .get(language)
            .map(String::as_str)
            .unwrap_or_else(|| self.template())
    }

    /// The formulation: the task's own, else the dataset's (SIB-200 scores label texts;
    /// Belebele and Global-MMLU letters, as lm-evaluation-harness).
    pub fn formulation(&self) -> Formulation {
        self.formulation.unwrap_or(match self.dataset {
            Dataset::Sib200 | Dataset::Flores => Formulation::AnswerText,
            Dataset::Belebele | Dataset::GlobalMmlu => Formulation::Letters,
        })
    }

    /// The evaluated split (checked when the suite was read).
    pub fn split(&self) -> Split {
        self.split.parse().expect("checked when the suite was read")
    }

    /// The split few-shot examples come from (checked when the suite was read).
    pub fn fewshot_split(&self) -> Split {
        self.fewshot_split
            .as_deref()
            .map(|s| s.parse().expect("checked when the suite was read"))
            .unwrap_or_else(|| self.dataset.default_fewshot_split())
    }

    /// Checks everything that does not need data; `at(field)` locates an error.
    fn validate(&self, at: impl Fn(&str, String) -> Error) -> Result<()> {
        let name = &self.name;
        let dataset = self.dataset;
        if name.is_empty() {
            return Err(at("name", "task name is empty".into()));
        }
        let check_split = |field: &str, text: &str| -> Result<Split> {
            let split: Split = text.parse().map_err(|e: Error| at(field, e.to_string()))?;
            if !dataset.splits().contains(&split) {
                let have: Vec<&str> = dataset.splits().iter().map(|s| s.as_str()).collect();
                return Err(at(
                    field,
                    format!(
                        "task `{name}`: {} has no `{split}` split (it has {})",
                        dataset.registry(),
                        have.join(", ")
                    ),
                ));
            }
            Ok(split)
        };
        check_split("split", &self.split)?;
        if let Some(s) = &self.fewshot_split {
            check_split("fewshot_split", s)?;
        }
        if dataset == Dataset::Flores {
            if self.direction.is_none() {
                return Err(at(
                    "direction",
                    format!("task `{name}`: FLORES tasks need direction = \"xx_en\" or \"en_xx\""),
                ));
            }
            if self.formulation.is_some() {
                return Err(at(
                    "formulation",
                    format!("task `{name}`: a formulation is for multiple-choice tasks only"),
                ));
            }
            if self.subsets.is_some() {
                return Err(at(
                    "subsets",
                    format!("task `{name}`: subsets are for multiple-choice tasks only"),
                ));
            }
        } else if self.direction.is_some() {
            return Err(at(
                "direction",
                format!("task `{name}`: direction is for FLORES tasks only"),
            ));
        }
        if self.metrics.is_empty() {
            return Err(at("metrics", format!("task `{name}`: no metrics")));
        }
        for m in &self.metrics {
            if m.for_translation() == dataset.is_multiple_choice() {
                let wants = if m.for_translation() {
                    "a translation task"
                } else {
                    "a multiple-choice task"
                };
                return Err(at(
                    "metrics",
                    format!("task `{name}`: metric `{m}` needs {wants}"),
                ));
            }
        }
        if let Some(s) = &self.subsets {
            if s.field.is_empty() || s.values.is_empty() {
                return Err(at(
                    "subsets",
                    format!("task `{name}`: subsets need a `field` and at least one value"),
                ));
            }
        }
        if self.template.is_none()
            && prompt::default_template(dataset, self.formulation()).is_none()
        {
            return Err(at(
                "template",
                format!(
                    "task `{name}`: no default prompt for {} with formulation {}; give `template`",
                    dataset.registry(),
                    self.formulation().name()
                ),
            ));
        }
        for l in self.languages.iter().chain(self.templates.keys()) {
            kakugo_core::lang::resolve(l)
                .map_err(|e| at("languages", format!("task `{name}`: {e}")))?;
        }
        let env = minijinja::Environment::new();
        for t in std::iter::once(self.template()).chain(self.templates.values().map(String::as_str))
        {
            env.template_from_str(t)
                .map_err(|e| at("template", format!("task `{name}`: {e}")))?;
        }
        Ok(())
    }
}

impl Suite {
    /// Reads and validates a suite file; returns it with the sha256 of its bytes.
    pub fn read(path: &Path) -> Result<(Suite, String)> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Suite::parse(path, &bytes)
    }

    /// Parses and validates a suite's bytes; `path` names it in errors.
    pub fn parse(path: &Path, bytes: &[u8]) -> Result<(Suite, String)> {
        let text = String::from_utf8(bytes.to_vec())
            .map_err(|e| Error::file(path, format!("not UTF-8: {e}")))?;
        let suite: Suite =
            toml::from_str(&text).map_err(|e| Error::toml(path, &text, "suite", &e))?;
        let mut names = BTreeMap::new();
        for (i, task) in suite.tasks.iter().enumerate() {
            let at = |field: &str, message: String| {
                Error::parse(path, field_line(&text, i, field), field, message)
            };
            task.validate(at)?;
            let mut produced = vec![task.name.clone()];
            if let Some(s) = &task.subsets {
                produced.extend(s.values.iter().map(|v| Subsets::task_name(&task.name, v)));
            }
            for n in produced {
                if let Some(first) = names.insert(n.clone(), i) {
                    return Err(at(
                        "name",
                        format!(
                            "task name `{n}` is used by tasks {} and {} (subsets count too)",
                            first + 1,
                            i + 1
                        ),
                    ));
                }
            }
        }
        Ok((suite, kakugo_core::store::hash::sha256_bytes(bytes)))
    }
}

/// The 1-based line of `field = …` in the `task`-th `[[task]]` table of a suite file, else the
/// line of the table's header (a defaulted field), else 1.
fn field_line(text: &str, task: usize, field: &str) -> usize {
    let lines: Vec<&str> = text.lines().collect();
    let headers: Vec<usize> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.trim() == "[[task]]")
        .map(|(i, _)| i)
        .collect();
    let Some(&start) = headers.get(task) else {
        return 1;
    };
    let end = headers.get(task + 1).copied().unwrap_or(lines.len());
    let is_field = |l: &str| {
        let l = l.trim_start();
        l.strip_prefix(field)
            .is_some_and(|rest| rest.trim_start().starts_with('='))
            || l.trim() == format!("[task.{field}]")
    };
    (start..end).find(|&i| is_field(lines[i])).unwrap_or(start) + 1
}

/// Renders a prompt template over named fields (any serialisable map: strings, lists).
pub fn render<S: serde::Serialize>(template: &str, fields: &S) -> Result<String> {
    let env = minijinja::Environment::new();
    env.render_str(template, fields)
        .map_err(|e| Error::usage(format!("rendering template {template:?}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_str(text: &str) -> Result<Suite> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.toml");
        std::fs::write(&path, text).unwrap();
        Suite::read(&path).map(|(s, _)| s)
    }

    const HEAD: &str = "name = \"x\"\n[[task]]\nname = \"t\"\n";

    #[test]
    fn unknown_metric_fails_at_load_listing_valid_ones() {
        let err = read_str(&format!(
            "{HEAD}dataset = \"sib200\"\nsplit = \"test\"\nlanguages = [\"kk\"]\ntemplate = \"{{{{ text }}}}\"\nmetrics = [\"accuracy\"]\n"
        ))
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("bad.toml: line 8")
                && err.contains("unknown variant `accuracy`")
                && err.contains("chrf++"),
            "{err}"
        );
    }

    #[test]
    fn unknown_dataset_and_formulation_list_the_valid_ones() {
        let err = read_str(&format!(
            "{HEAD}dataset = \"mmlu\"\nsplit = \"test\"\nlanguages = [\"en\"]\nmetrics = [\"acc\"]\n"
        ))
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("line 4") && err.contains("belebele") && err.contains("global_mmlu"),
            "{err}"
        );
        let err = read_str(&format!(
            "{HEAD}dataset = \"belebele\"\nsplit = \"test\"\nlanguages = [\"en\"]\nformulation = \"cloze\"\nmetrics = [\"acc\"]\n"
        ))
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("line 7") && err.contains("letters") && err.contains("answer_text"),
            "{err}"
        );
    }

    /// A mistake only the suite's meaning reveals names the file, the field's line and the field.
    #[test]
    fn semantic_errors_name_file_line_and_field() {
        let cases = [
            // (body after HEAD, expected line, field, words in the message)
            (
                "dataset = \"belebele\"\nsplit = \"dev\"\nlanguages = [\"en\"]\nmetrics = [\"acc\"]\n",
                5,
                "split",
                "Belebele has no `dev` split",
            ),
            (
                "dataset = \"global_mmlu\"\nsplit = \"test\"\nlanguages = [\"en\"]\nmetrics = [\"chrf++\"]\n",
                7,
                "metrics",
                "needs a translation task",
            ),
            (
                "dataset = \"global_mmlu\"\nsplit = \"test\"\nlanguages = [\"en\"]\nfewshot_split = \"train\"\nmetrics = [\"acc\"]\n",
                7,
                "fewshot_split",
                "has no `train` split",
            ),
            (
                "dataset = \"flores\"\nsplit = \"devtest\"\nlanguages = [\"kk\"]\nmetrics = [\"chrf++\"]\n",
                2,
                "direction",
                "need direction",
            ),
            (
                "dataset = \"sib200\"\nsplit = \"test\"\nlanguages = [\"kk\"]\nformulation = \"letters\"\nmetrics = [\"acc\"]\n",
                2,
                "template",
                "no default prompt for SIB-200 with formulation letters",
            ),
            (
                "dataset = \"sib200\"\nsplit = \"test\"\nlanguages = [\"Kazak\"]\nmetrics = [\"acc\"]\n",
                6,
                "languages",
                "kaz_Cyrl",
            ),
            (
                "dataset = \"belebele\"\nsplit = \"test\"\nlanguages = [\"en\"]\ntemplate = \"{{ passage \"\nmetrics = [\"acc\"]\n",
                7,
                "template",
                "task `t`",
            ),
        ];
        for (body, line, field, words) in cases {
            let err = read_str(&format!("{HEAD}{body}")).unwrap_err().to_string();
            let want = format!("bad.toml: line {line}: field `{field}`");
            assert!(
                err.contains(&want) && err.contains(words),
                "{body}\n{err}\nwant {want} … {words}"
            );
        }
    }

    #[test]
    fn subset_names_may_not_collide_with_tasks() {
        let task = |name: &str| {
            format!(
                "[[task]]\nname = \"{name}\"\ndataset = \"global_mmlu\"\nsplit = \"test\"\nlanguages = [\"en\"]\nmetrics = [\"acc\"]\n"
            )
        };
        let text = format!(
            "name = \"x\"\n{}[task.subsets]\nfield = \"cultural_sensitivity_label\"\nvalues = [\"CA\"]\n{}",
            task("g"),
            task("g_ca")
        );
        let err = read_str(&text).unwrap_err().to_string();
        assert!(
            err.contains("line 12") && err.contains("`g_ca` is used by tasks 1 and 2"),
            "{err}"
        );
    }

    #[test]
    fn defaults_follow_the_dataset() {
        let s = read_str(&format!(
            "{HEAD}dataset = \"global_mmlu\"\nsplit = \"test\"\nlanguages = [\"en\"]\nmetrics = [\"acc\"]\n"
        ))
        .unwrap();
        let t = &s.tasks[0];
        assert_eq!(t.formulation(), Formulation::Letters);
        assert_eq!(t.fewshot_split(), Split::Dev);
        assert_eq!(t.num_fewshot, 0);
        assert_eq!(t.fewshot_delimiter, "\n\n");
        assert_eq!(
            t.template(),
            prompt::default_template(Dataset::GlobalMmlu, Formulation::Letters).unwrap()
        );
    }

    /// kakugo.toml runs every one of its tasks on exactly the paper's 54 languages.
    #[test]
    fn kakugo_suite_covers_the_papers_languages_on_all_four_benchmarks() {
        let path = kakugo_core::paths::workspace_root().join("suites/kakugo.toml");
        let (suite, _) = Suite::read(&path).unwrap();
        let datasets: Vec<Dataset> = suite.tasks.iter().map(|t| t.dataset).collect();
        assert_eq!(
            datasets,
            [
                Dataset::Sib200,
                Dataset::Belebele,
                Dataset::GlobalMmlu,
                Dataset::Flores,
                Dataset::Flores
            ]
        );
        let directions: Vec<_> = suite.tasks.iter().filter_map(|t| t.direction).collect();
        assert_eq!(directions, [Direction::XxEn, Direction::EnXx]);
        for task in &suite.tasks {
            assert_eq!(
                task.languages,
                kakugo_core::lang::KAKUGO_LANGUAGES,
                "{}",
                task.name
            );
        }
    }

    #[test]
    fn shipped_suites_parse() {
        let dir = kakugo_core::paths::workspace_root().join("suites");
        let mut n = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            Suite::read(&path).unwrap_or_else(|e| panic!("{e}"));
            n += 1;
        }
        assert!(n >= 6);
    }
}
