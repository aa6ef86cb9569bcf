//! `kakugo eval` on Belebele and Global-MMLU with SmolLM2, checked against independent
//! computations on the real data (`$KAKUGO_DATA`):
//! - every prompt is rebuilt here from the raw JSONL in lm-evaluation-harness's format and its
//!   sha256 must equal the one the run logged;
//! - every per-choice log-likelihood must equal scoring that prompt and continuation alone
//!   through `LanguageModel::loglikelihood` (one request per call: no prefix reuse, no
//!   packing): bit for bit for letters, within 1e-4 nats for option texts (see `check_task`);
//!   accuracy must equal the share of items whose argmax is the gold answer;
//! - letters and answer_text score different continuations over different prompts;
//! - languages a dataset lacks, absent data files and empty subsets are recorded as missing;
//! - few-shot draws are deterministic, never include the item, and change with the seed.

use crate::common;

use std::collections::BTreeMap;
use std::path::Path;

use kakugo::eval::multiple_choice::multiple_choice_requests;
use kakugo::eval::runner::{evaluate, EvalOptions, EvalOutput};
use kakugo::model::{ChoiceGroup, LanguageModel};
use kakugo::store::hash::sha256_bytes;
use kakugo::suite::Suite;
use serde_json::Value;

fn suite(dir: &Path, name: &str, text: &str) -> (Suite, String) {
    let path = dir.join(format!("{name}.toml"));
    std::fs::write(&path, text).unwrap();
    Suite::read(&path).unwrap_or_else(|e| panic!("{e}"))
}

fn run(
    model: &mut dyn LanguageModel,
    suite: &(Suite, String),
    cache: &Path,
    skip_missing_data: bool,
) -> kakugo::Result<EvalOutput> {
    let opts = EvalOptions {
        data_root: common::data_dir(),
        cache: Some(cache.to_path_buf()),
        skip_missing_data,
        ..Default::default()
    };
    evaluate(model, &suite.0, &suite.1, &opts)
}

/// Raw JSONL rows by a key built from each row.
fn rows(path: &Path, key: impl Fn(&Value) -> String) -> BTreeMap<String, Value> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (key(&v), v)
        })
        .collect()
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or_else(|| panic!("{k} in {v}"))
}

/// Scores each continuation of `context` in a call of its own and returns the log-probs.
fn direct(model: &mut dyn LanguageModel, context: &str, continuations: &[String]) -> Vec<f64> {
    continuations
        .iter()
        .map(|c| {
            let out = model
                .loglikelihood(&[ChoiceGroup {
                    context: context.to_string(),
                    continuations: vec![c.clone()],
                }])
                .unwrap();
            out[0][0].logprob
        })
        .collect()
}

fn argmax(xs: &[f64]) -> usize {
    let mut best = 0;
    for (i, &x) in xs.iter().enumerate() {
        if x > xs[best] {
            best = i;
        }
    }
    best
}

/// Checks a task's samples against `expected` (id → (prompt, continuations, gold)) by direct
/// scoring, and its accuracy against the argmaxes; returns the accuracy in points.
fn check_task(
    model: &mut dyn LanguageModel,
    out: &EvalOutput,
    task: &str,
    expected: &BTreeMap<String, (String, Vec<String>, usize)>,
) -> f64 {
    let samples: Vec<&Value> = out.samples.iter().filter(|x| x["task"] == task).collect();
    assert!(!samples.is_empty(), "no samples for {task}");
    let mut right = 0;
    for sample in &samples {
        let id = s(sample, "id");
        let (prompt, continuations, gold) = &expected[id];
        assert_eq!(
            s(sample, "prompt_sha256"),
            sha256_bytes(prompt.as_bytes()),
            "{task} {id}: the run's prompt is not\n{prompt}"
        );
        assert_eq!(sample["gold"], *gold, "{task} {id}");
        let logged: Vec<f64> = sample["logprobs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect();
        let alone = direct(model, prompt, continuations);
        // Single-token continuations (letters) come out bit-identical. Multi-token ones
        // (answer_text) packed into one pass differ by up to ~1e-5 nats from scoring each alone:
        // a continuation's own keys sit at a column offset that depends on the continuations
        // packed before it, so the 8-lane reductions over keys in `kernels.rs` (attention
        // softmax and P·V) add the same terms in another order.
        let worst = logged
            .iter()
            .zip(&alone)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        assert!(
            worst < 1e-4,
            "{task} {id}: run {logged:?} vs alone {alone:?}"
        );
        if continuations.iter().all(|c| c.len() == 2) {
            assert_eq!(
                logged, alone,
                "{task} {id}: single letters must be bit-identical"
            );
        }
        assert_eq!(sample["prediction"], argmax(&alone), "{task} {id}");
        right += (argmax(&alone) == *gold) as usize;
    }
    let r = out.record.result(task, "eng_Latn").unwrap();
    let acc = r.metric("acc").unwrap();
    assert_eq!(acc.n, samples.len());
    let want = 100.0 * right as f64 / samples.len() as f64;
    assert!(
        (acc.value - want).abs() < 1e-9,
        "{task}: {} vs {want}",
        acc.value
    );
    want
}

const LETTERS: [&str; 4] = [" A", " B", " C", " D"];

fn belebele_prompt_letters(v: &Value) -> String {
    format!(
        "P: {}\nQ: {}\nA: {}\nB: {}\nC: {}\nD: {}\nAnswer\u{FF1A}",
        s(v, "flores_passage"),
        s(v, "question").trim(),
        s(v, "mc_answer1"),
        s(v, "mc_answer2"),
        s(v, "mc_answer3"),
        s(v, "mc_answer4")
    )
}

fn mmlu_block(v: &Value) -> String {
    format!(
        "{}\nA. {}\nB. {}\nC. {}\nD. {}\nAnswer:",
        s(v, "question").trim(),
        s(v, "option_a"),
        s(v, "option_b"),
        s(v, "option_c"),
        s(v, "option_d")
    )
}

fn mmlu_gold(v: &Value) -> usize {
    ["A", "B", "C", "D"]
        .iter()
        .position(|l| *l == s(v, "answer"))
        .unwrap()
}

const SUITE: &str = r#"name = "mc"

[[task]]
name = "belebele"
dataset = "belebele"
split = "test"
languages = ["eng_Latn", "ast_Latn", "kaz_Cyrl"]
limit = 4
metrics = ["acc", "acc_norm"]

[[task]]
name = "belebele_text"
dataset = "belebele"
split = "test"
languages = ["eng_Latn"]
formulation = "answer_text"
limit = 4
metrics = ["acc", "acc_norm"]

[[task]]
name = "global_mmlu"
dataset = "global_mmlu"
split = "dev"
languages = ["eng_Latn", "kaz_Cyrl"]
num_fewshot = 2
limit = 4
metrics = ["acc"]

[task.subsets]
field = "cultural_sensitivity_label"
values = ["CA", "CS"]
"#;

#[test]
fn belebele_and_global_mmlu_match_independent_scoring_and_report_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let data = common::data_dir();
    let mc = suite(dir.path(), "mc", SUITE);
    let mut model = kakugo::model::load(&("smollm2-135m").parse().unwrap()).unwrap();
    let cache = dir.path().join("responses.sqlite");

    // Kazakh is in Belebele but not in the shared copy: without --skip-missing-data the run
    // fails naming the absent file.
    let err = run(model.as_mut(), &mc, &cache, false)
        .err()
        .expect("a missing data file must fail the run")
        .to_string();
    assert!(
        err.contains("belebele/kaz_Cyrl.jsonl") && err.contains("data file not found"),
        "{err}"
    );

    let out = run(model.as_mut(), &mc, &cache, true).unwrap();
    let record = &out.record;

    // What is missing, and why: a language the dataset lacks, a file the copy lacks, and the
    // CA/CS subsets of a split that has no labels.
    let missing: Vec<(&str, &str, &str)> = record
        .missing
        .iter()
        .map(|m| (m.task.as_str(), m.language.as_str(), m.reason.as_str()))
        .collect();
    assert_eq!(missing.len(), 5, "{missing:#?}");
    assert_eq!(
        missing[0],
        (
            "belebele",
            "ast_Latn",
            "Belebele has no Asturian (ast_Latn)"
        )
    );
    assert_eq!(missing[1].0, "belebele");
    assert_eq!(missing[1].1, "kaz_Cyrl");
    // Paths are relative to the data root, so records do not depend on where the data lay.
    assert!(
        missing[1]
            .2
            .starts_with("belebele/kaz_Cyrl.jsonl: data file not found"),
        "{}",
        missing[1].2
    );
    assert_eq!(
        missing[2],
        (
            "global_mmlu",
            "kaz_Cyrl",
            "Global-MMLU has no Kazakh (kaz_Cyrl)"
        )
    );
    assert_eq!(
        missing[3],
        (
            "global_mmlu_ca",
            "eng_Latn",
            "no Global-MMLU items with cultural_sensitivity_label = CA in the dev split sample"
        )
    );
    assert_eq!(missing[4].0, "global_mmlu_cs");
    let tasks: Vec<(&str, &str)> = record
        .results
        .iter()
        .map(|r| (r.task.as_str(), r.language.as_str()))
        .collect();
    assert_eq!(
        tasks,
        [
            ("belebele", "eng_Latn"),
            ("belebele_text", "eng_Latn"),
            ("global_mmlu", "eng_Latn")
        ]
    );
    let files: Vec<&str> = record
        .manifest
        .data_files
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        files,
        ["belebele/eng_Latn.jsonl", "global_mmlu/en/dev.parquet"]
    );
    assert_eq!(record.manifest.prompts["belebele.formulation"], "letters");
    assert_eq!(
        record.manifest.prompts["belebele_text.formulation"],
        "answer_text"
    );
    assert_eq!(record.manifest.seeds["global_mmlu.fewshot"], 1234);

    // Belebele, letters and answer_text: prompts rebuilt from the raw file.
    let belebele = rows(&data.join("belebele/eng_Latn.jsonl"), |v| {
        format!("{}#{}", s(v, "link"), v["question_number"])
    });
    let gold = |v: &Value| s(v, "correct_answer_num").parse::<usize>().unwrap() - 1;
    let letters: BTreeMap<_, _> = belebele
        .iter()
        .map(|(id, v)| {
            let conts = LETTERS.map(String::from).to_vec();
            (id.clone(), (belebele_prompt_letters(v), conts, gold(v)))
        })
        .collect();
    let text: BTreeMap<_, _> = belebele
        .iter()
        .map(|(id, v)| {
            let prompt = format!(
                "P: {}\nQ: {}\nAnswer:",
                s(v, "flores_passage"),
                s(v, "question").trim()
            );
            let conts = (1..=4)
                .map(|i| format!(" {}", s(v, &format!("mc_answer{i}"))))
                .collect();
            (id.clone(), (prompt, conts, gold(v)))
        })
        .collect();
    check_task(model.as_mut(), &out, "belebele", &letters);
    check_task(model.as_mut(), &out, "belebele_text", &text);
    // With one-letter continuations, length normalisation changes nothing (as in lm-eval).
    let r = record.result("belebele", "eng_Latn").unwrap();
    assert_eq!(
        r.metric("acc").unwrap().value,
        r.metric("acc_norm").unwrap().value
    );

    // Global-MMLU, 2-shot from dev: the examples the run logged, rendered with their gold
    // letters before the item; never the item itself.
    let mmlu = rows(&data.join("global_mmlu/en/dev.jsonl"), |v| {
        s(v, "sample_id").to_string()
    });
    let mut expected = BTreeMap::new();
    for sample in out.samples.iter().filter(|x| x["task"] == "global_mmlu") {
        let id = s(sample, "id");
        let shots: Vec<&str> = sample["fewshot"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap())
            .collect();
        assert_eq!(shots.len(), 2);
        assert!(!shots.contains(&id), "{id} is its own example");
        let mut prompt = String::new();
        for shot in &shots {
            let v = &mmlu[*shot];
            prompt.push_str(&format!("{} {}\n\n", mmlu_block(v), s(v, "answer")));
        }
        prompt.push_str(&mmlu_block(&mmlu[id]));
        let conts = LETTERS.map(String::from).to_vec();
        expected.insert(id.to_string(), (prompt, conts, mmlu_gold(&mmlu[id])));
    }
    check_task(model.as_mut(), &out, "global_mmlu", &expected);

    // The same suite again, from the cache: byte-identical record, same prompts.
    let again = run(model.as_mut(), &mc, &cache, true).unwrap();
    let (a, b) = (dir.path().join("a.json"), dir.path().join("b.json"));
    out.record.write(&a).unwrap();
    again.record.write(&b).unwrap();
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    assert_eq!(out.samples, again.samples);
}

/// The runner's few-shot draw on the real Belebele file: deterministic, seed-dependent, never
/// from the item's own passage, the same for both questions of a passage (so their contexts
/// share everything up to the question and the backend runs it once).
#[test]
fn belebele_few_shot_is_seeded_per_passage_and_never_the_passage_itself() {
    let dir = tempfile::tempdir().unwrap();
    let text = |seed: u64| {
        format!(
            "name = \"fs\"\n[[task]]\nname = \"belebele\"\ndataset = \"belebele\"\nsplit = \"test\"\n\
             languages = [\"eng_Latn\"]\nnum_fewshot = 3\nseed = {seed}\nmetrics = [\"acc\"]\n"
        )
    };
    let (a, _) = suite(dir.path(), "a", &text(7));
    let (b, _) = suite(dir.path(), "b", &text(8));
    let mut files = kakugo::data::LoadedFiles::default();
    let docs = kakugo::data::belebele::load(
        &kakugo::data::DataSource::local(common::data_dir().join("belebele")),
        kakugo::lang::resolve("eng_Latn").unwrap(),
        kakugo::data::Split::Test,
        &mut files,
    )
    .unwrap();
    assert_eq!(docs.len(), 900);
    let all: Vec<&kakugo::data::MultipleChoiceDoc> = docs.iter().collect();
    let requests = |suite: &Suite| {
        multiple_choice_requests(&suite.tasks[0], "eng_Latn", &all, &docs)
            .unwrap()
            .into_iter()
            .map(|(g, shots)| {
                let ids: Vec<String> = shots.iter().map(|d| d.id.clone()).collect();
                (g.context, ids)
            })
            .collect::<Vec<_>>()
    };
    let first = requests(&a);
    assert_eq!(first, requests(&a), "same seed, same draw");
    let other = requests(&b);
    let changed = first.iter().zip(&other).filter(|(x, y)| x.1 != y.1).count();
    assert!(changed > 890, "seed 8 changed only {changed} of 900 draws");
    let mut pairs = 0;
    for (i, (ctx, shots)) in first.iter().enumerate() {
        let link = &docs[i].metadata["link"];
        assert_eq!(shots.len(), 3);
        assert!(
            shots.iter().all(|id| !id.starts_with(&format!("{link}#"))),
            "{} drew from its own passage: {shots:?}",
            docs[i].id
        );
        // 3 examples and the item, each ending in lm-eval's `Answer：`, joined by blank lines.
        assert_eq!(ctx.matches("\nAnswer\u{FF1A}").count(), 4, "{ctx}");
        assert_eq!(ctx.matches("\n\nP: ").count(), 3, "{ctx}");
        assert!(ctx.ends_with(&format!("{}\nAnswer\u{FF1A}", docs[i].choices[3])));
        if i > 0 && docs[i - 1].metadata["link"] == *link {
            pairs += 1;
            assert_eq!(first[i - 1].1, *shots);
            let passage_end = ctx.rfind("\nQ: ").unwrap();
            assert_eq!(first[i - 1].0[..passage_end], ctx[..passage_end]);
        }
    }
    // 412 passages have two questions (shared data README).
    assert_eq!(pairs, 412);
}

/// A Global-MMLU row with an empty option is not scored: the run lists it in `excluded`, with
/// the file, line and field, and `n` does not count it.
#[test]
fn global_mmlu_rows_with_an_empty_option_are_listed_as_excluded() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("data");
    let en = root.join("global_mmlu/en");
    std::fs::create_dir_all(&en).unwrap();
    let original =
        std::fs::read_to_string(common::data_dir().join("global_mmlu/en/dev.jsonl")).unwrap();
    let mut lines: Vec<String> = original.lines().map(String::from).collect();
    let mut row: Value = serde_json::from_str(&lines[6]).unwrap();
    let id = s(&row, "sample_id").to_string();
    row["option_c"] = Value::from("");
    lines[6] = serde_json::to_string(&row).unwrap();
    std::fs::write(en.join("dev.jsonl"), lines.join("\n") + "\n").unwrap();
    let mc = suite(
        dir.path(),
        "g",
        "name = \"g\"\n[[task]]\nname = \"global_mmlu\"\ndataset = \"global_mmlu\"\nsplit = \"dev\"\n\
         languages = [\"en\"]\nlimit = 1\nmetrics = [\"acc\"]\n",
    );
    let mut model = kakugo::model::load(&("smollm2-135m").parse().unwrap()).unwrap();
    let opts = EvalOptions {
        data_root: root,
        ..Default::default()
    };
    let record = evaluate(model.as_mut(), &mc.0, &mc.1, &opts)
        .unwrap()
        .record;
    assert_eq!(record.excluded.len(), 1);
    let x = &record.excluded[0];
    assert_eq!(
        (x.task.as_str(), x.language.as_str()),
        ("global_mmlu", "eng_Latn")
    );
    assert_eq!(x.id, id);
    assert_eq!(
        x.reason,
        "global_mmlu/en/dev.jsonl: line 7: field `option_c`: empty option, not scored"
    );
    assert_eq!(record.results[0].metrics[0].n, 1);
    // The record reads back with its exclusions.
    let path = dir.path().join("r.json");
    record.write(&path).unwrap();
    assert_eq!(kakugo::store::RunRecord::read(&path).unwrap(), record);
}

/// SIB-200 2-shot with examples from the dev split while the items come from test: the logged
/// examples are dev sentences, rendered with their gold labels before the item.
#[test]
fn sib200_few_shot_draws_from_the_dev_split() {
    let dir = tempfile::tempdir().unwrap();
    let data = common::data_dir();
    let sib = suite(
        dir.path(),
        "sib",
        "name = \"sib\"\n[[task]]\nname = \"sib200\"\ndataset = \"sib200\"\nsplit = \"test\"\n\
         languages = [\"eng_Latn\"]\nnum_fewshot = 2\nlimit = 3\nmetrics = [\"acc\"]\n",
    );
    let mut model = kakugo::model::load(&("smollm2-135m").parse().unwrap()).unwrap();
    let out = run(model.as_mut(), &sib, &dir.path().join("r.sqlite"), false).unwrap();
    let tsv = |split: &str| -> BTreeMap<String, (String, String)> {
        common::read_tsv(&data.join(format!("sib200/eng_Latn/{split}.tsv")))
            .iter()
            .map(|r| (r[0].to_string(), (r[1].to_string(), r[2].to_string())))
            .collect()
    };
    let (dev, test) = (tsv("dev"), tsv("test"));
    let block = |text: &str| format!("Topic of the following text: {text}\nTopic:");
    assert_eq!(out.samples.len(), 3);
    for sample in &out.samples {
        let shots: Vec<&str> = sample["fewshot"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_str().unwrap())
            .collect();
        assert_eq!(shots.len(), 2);
        let mut prompt = String::new();
        for id in shots {
            let (label, text) = &dev[id];
            prompt.push_str(&format!("{} {label}\n\n", block(text)));
        }
        prompt.push_str(&block(&test[s(sample, "id")].1));
        assert_eq!(s(sample, "prompt_sha256"), sha256_bytes(prompt.as_bytes()));
    }
    assert_eq!(
        out.record.manifest.data_files.keys().collect::<Vec<_>>(),
        [
            "sib200/eng_Latn/dev.tsv",
            "sib200/eng_Latn/labels.txt",
            "sib200/eng_Latn/test.tsv"
        ]
    );
}
