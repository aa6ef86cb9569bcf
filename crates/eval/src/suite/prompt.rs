//! Prompts: the default templates and how an item, with its few-shot examples, becomes the
//! text a model scores or continues.
//!
//! The defaults are lm-evaluation-harness's published prompts, byte for byte, so numbers are
//! comparable with its `belebele_*`, `global_mmlu_*` and `sib200` tasks:
//!
//! | dataset | formulation | template | continuations |
//! | --- | --- | --- | --- |
//! | SIB-200 | answer_text | `Topic of the following text: {text}\nTopic:` | `" " + label` |
//! | Belebele | letters | `P: {passage}\nQ: {question.strip()}\nA: {a1}\nB: {a2}\nC: {a3}\nD: {a4}\nAnswer：` | `" A"` … `" D"` |
//! | Global-MMLU | letters | `{question.strip()}\nA. {a}\nB. {b}\nC. {c}\nD. {d}\nAnswer:` | `" A"` … `" D"` |
//! | FLORES | — | `{source language}: {source}\n{target language}:` | generated, stop at `\n` |
//!
//! Belebele's `Answer：` ends in U+FF1A FULLWIDTH COLON, not `:`: that is what
//! lm-evaluation-harness's `belebele/_default_template_yaml` has (since the task was added in
//! 2023, and still in 0.4.x), so kakugo keeps it for comparability. A suite that wants the ASCII
//! colon of the Belebele paper sets its own `template`.
//!
//! The `answer_text` defaults for Belebele and Global-MMLU have no lm-evaluation-harness
//! counterpart for Belebele; Global-MMLU's follows its `mmlu_continuation` prompt
//! (`Question: {question}\nAnswer:`): the options are not shown, their texts are scored.
//!
//! With few-shot examples a context is (lm-evaluation-harness's layout)
//! `ex₁ + d + answer₁ + f + … + exₖ + d + answerₖ + f + item`, where `exᵢ` is an example
//! rendered with the same template, `d` the task's `target_delimiter` and `f` its
//! `fewshot_delimiter`.
//!
//! ```
//! use kakugo_eval::suite::{prompt::default_template, Dataset, Formulation};
//! let t = default_template(Dataset::GlobalMmlu, Formulation::Letters).unwrap();
//! assert!(t.ends_with("D. {{ choices[3] }}\nAnswer:"));
//! ```

use std::collections::BTreeMap;

use serde_json::Value;

use super::{render, Dataset, Formulation, Task};
use kakugo_core::{Error, Result};
use kakugo_data::{MultipleChoiceDoc, TranslationDoc};

const SIB200: &str = "Topic of the following text: {{ text }}\nTopic:";
const BELEBELE_LETTERS: &str = "P: {{ passage }}\nQ: {{ question | trim }}\nA: {{ choices[0] }}\nB: {{ choices[1] }}\nC: {{ choices[2] }}\nD: {{ choices[3] }}\nAnswer\u{FF1A}";
const BELEBELE_TEXT: &str = "P: {{ passage }}\nQ: {{ question | trim }}\nAnswer:";
const GLOBAL_MMLU_LETTERS: &str = "{{ question | trim }}\nA. {{ choices[0] }}\nB. {{ choices[1] }}\nC. {{ choices[2] }}\nD. {{ choices[3] }}\nAnswer:";
const GLOBAL_MMLU_TEXT: &str = "Question: {{ question | trim }}\nAnswer:";
const FLORES: &str = "{{ source_language }}: {{ source }}\n{{ target_language }}:";

/// The default template of a dataset under a formulation; `None` where there is none (SIB-200
/// with letters: the labels are not options one would letter).
pub fn default_template(dataset: Dataset, formulation: Formulation) -> Option<&'static str> {
    match (dataset, formulation) {
        (Dataset::Sib200, Formulation::AnswerText) => Some(SIB200),
        (Dataset::Sib200, Formulation::Letters) => None,
        (Dataset::Belebele, Formulation::Letters) => Some(BELEBELE_LETTERS),
        (Dataset::Belebele, Formulation::AnswerText) => Some(BELEBELE_TEXT),
        (Dataset::GlobalMmlu, Formulation::Letters) => Some(GLOBAL_MMLU_LETTERS),
        (Dataset::GlobalMmlu, Formulation::AnswerText) => Some(GLOBAL_MMLU_TEXT),
        (Dataset::Flores, _) => Some(FLORES),
    }
}

/// `A`, `B`, … for option `i`; more than 26 options cannot be lettered.
pub fn letter(i: usize) -> Result<char> {
    if i >= 26 {
        return Err(Error::usage(format!(
            "option {} cannot be lettered (letters stop at Z)",
            i + 1
        )));
    }
    Ok((b'A' + i as u8) as char)
}

/// What each option of `doc` looks like as a continuation (before the target delimiter): its
/// letter, or its text.
pub fn answers(doc: &MultipleChoiceDoc, formulation: Formulation) -> Result<Vec<String>> {
    match formulation {
        Formulation::AnswerText => Ok(doc.choices.clone()),
        Formulation::Letters => (0..doc.choices.len())
            .map(|i| letter(i).map(String::from))
            .collect(),
    }
}

/// A multiple-choice item's template fields: its own fields and `choices`.
fn fields(doc: &MultipleChoiceDoc) -> BTreeMap<&str, Value> {
    let mut out: BTreeMap<&str, Value> = doc
        .fields
        .iter()
        .map(|(k, v)| (k.as_str(), Value::from(v.as_str())))
        .collect();
    out.insert("choices", Value::from(doc.choices.clone()));
    out
}

/// The context of a multiple-choice item in `language`, after its few-shot examples.
pub fn multiple_choice_context(
    task: &Task,
    language: &str,
    doc: &MultipleChoiceDoc,
    shots: &[&MultipleChoiceDoc],
) -> Result<String> {
    let template = task.template_for(language);
    let formulation = task.formulation();
    let mut out = String::new();
    for shot in shots {
        out.push_str(&render(template, &fields(shot))?);
        out.push_str(&task.target_delimiter);
        out.push_str(&answers(shot, formulation)?[shot.gold]);
        out.push_str(&task.fewshot_delimiter);
    }
    out.push_str(&render(template, &fields(doc))?);
    Ok(out)
}

/// The scored continuations of a multiple-choice item: delimiter + letter or option text.
pub fn multiple_choice_continuations(task: &Task, doc: &MultipleChoiceDoc) -> Result<Vec<String>> {
    Ok(answers(doc, task.formulation())?
        .into_iter()
        .map(|a| format!("{}{a}", task.target_delimiter))
        .collect())
}

/// The prompt of a translation item, after its few-shot examples (each with its first
/// reference as the answer). `names` are the English names of the source and target language.
pub fn translation_prompt(
    task: &Task,
    language: &str,
    doc: &TranslationDoc,
    shots: &[&TranslationDoc],
    names: (&str, &str),
) -> Result<String> {
    let template = task.template_for(language);
    let fields = |d: &TranslationDoc| {
        BTreeMap::from([
            ("source", d.source.clone()),
            ("source_language", names.0.to_string()),
            ("target_language", names.1.to_string()),
        ])
    };
    let mut out = String::new();
    for shot in shots {
        out.push_str(&render(template, &fields(shot))?);
        out.push_str(&task.target_delimiter);
        out.push_str(&shot.references[0]);
        out.push_str(&task.fewshot_delimiter);
    }
    out.push_str(&render(template, &fields(doc))?);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(dataset: &str, extra: &str) -> Task {
        let text = format!(
            "name = \"s\"\n[[task]]\nname = \"t\"\ndataset = \"{dataset}\"\nsplit = \"test\"\nlanguages = [\"en\"]\nmetrics = [\"acc\"]\n{extra}"
        );
        let suite: super::super::Suite = toml::from_str(&text).unwrap();
        suite.tasks[0].clone()
    }

    fn doc(id: &str, question: &str, gold: usize) -> MultipleChoiceDoc {
        MultipleChoiceDoc {
            id: id.into(),
            language: "eng_Latn".into(),
            fields: [
                ("passage".to_string(), format!("Passage {id}.")),
                ("question".to_string(), format!(" {question} ")),
            ]
            .into(),
            choices: vec!["one".into(), "two".into(), "three".into(), "four".into()],
            gold,
            metadata: Default::default(),
        }
    }

    #[test]
    fn belebele_letters_is_lm_eval_byte_for_byte() {
        let t = task("belebele", "");
        let d = doc("x#1", "Why?", 2);
        assert_eq!(
            multiple_choice_context(&t, "eng_Latn", &d, &[]).unwrap(),
            "P: Passage x#1.\nQ: Why?\nA: one\nB: two\nC: three\nD: four\nAnswer\u{FF1A}"
        );
        assert_eq!(
            multiple_choice_continuations(&t, &d).unwrap(),
            [" A", " B", " C", " D"]
        );
    }

    #[test]
    fn answer_text_scores_option_texts_and_hides_them() {
        let t = task("global_mmlu", "formulation = \"answer_text\"\n");
        let d = doc("q", "2+2?", 3);
        assert_eq!(
            multiple_choice_context(&t, "eng_Latn", &d, &[]).unwrap(),
            "Question: 2+2?\nAnswer:"
        );
        assert_eq!(
            multiple_choice_continuations(&t, &d).unwrap(),
            [" one", " two", " three", " four"]
        );
    }

    #[test]
    fn few_shot_examples_carry_their_gold_answer_and_delimiters() {
        let t = task("global_mmlu", "num_fewshot = 2\n");
        let (a, b, item) = (doc("a", "Qa", 1), doc("b", "Qb", 3), doc("i", "Qi", 0));
        let ctx = multiple_choice_context(&t, "eng_Latn", &item, &[&a, &b]).unwrap();
        let block = |q: &str| format!("{q}\nA. one\nB. two\nC. three\nD. four\nAnswer:");
        assert_eq!(
            ctx,
            format!("{} B\n\n{} D\n\n{}", block("Qa"), block("Qb"), block("Qi"))
        );
    }

    #[test]
    fn translation_examples_end_with_their_reference() {
        let text = "name = \"s\"\n[[task]]\nname = \"f\"\ndataset = \"flores\"\ndirection = \"xx_en\"\nsplit = \"devtest\"\nlanguages = [\"kk\"]\nnum_fewshot = 1\nmetrics = [\"chrf++\"]\n";
        let suite: super::super::Suite = toml::from_str(text).unwrap();
        let pair = |id: &str, src: &str, tgt: &str| TranslationDoc {
            id: id.into(),
            source_language: "kaz_Cyrl".into(),
            target_language: "eng_Latn".into(),
            source: src.into(),
            references: vec![tgt.into()],
        };
        let (shot, item) = (pair("1", "Сәлем", "Hello"), pair("2", "Рахмет", "Thanks"));
        let p = translation_prompt(
            &suite.tasks[0],
            "kaz_Cyrl",
            &item,
            &[&shot],
            ("Kazakh", "English"),
        )
        .unwrap();
        assert_eq!(
            p,
            "Kazakh: Сәлем\nEnglish: Hello\n\nKazakh: Рахмет\nEnglish:"
        );
    }

    #[test]
    fn more_than_26_options_cannot_be_lettered() {
        assert_eq!(letter(25).unwrap(), 'Z');
        assert!(letter(26).unwrap_err().to_string().contains("option 27"));
    }
}
