//! Run records for the report, compare and leaderboard tests, built the way `kakugo eval`
//! writes them: SIB-200 results with 204 test items per language scored 0 or 100, FLORES
//! results with real chrF++ statistics (sacrebleu's, from the shared reference cases), and a
//! manifest copied from a real smoke run of SmolLM2-135M.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use kakugo::eval::metrics::corpus_score_from_stats;
use kakugo::model::ModelInfo;
use kakugo::store::lineage::{ChatTemplateUse, TrainingData};
use kakugo::store::run_record::{SuiteInfo, RECORD_SCHEMA};
use kakugo::store::{
    ExperimentLineage, ItemScore, Lineage, Manifest, MetricValue, NamedModel, RunRecord,
    TaskResult, UnitHashes,
};
use rand::{Rng, SeedableRng};

/// SIB-200 test items per language.
pub const SIB_ITEMS: usize = 204;

/// The manifest of a real smoke run (`kakugo eval --model smollm2-135m --suite
/// suites/smoke.toml`), with the model swapped for `model` / `sha`.
pub fn manifest(model: &str, sha: &str) -> Manifest {
    let files = [
        (
            "flores/subset/eng_Latn.tsv",
            "0d4351c1d2db6bc37a3e9792b3dddeabd9ae4b0a043834189d67fa56c883f63b",
        ),
        (
            "flores/subset/kaz_Cyrl.tsv",
            "a1db679b96dcf788fbc79353790761993a16fbdcec38fe28a7a314425666a150",
        ),
        (
            "sib200/eng_Latn/labels.txt",
            "f52879a3f02d9edea97f85e3839f242ed4853dd6459d57dfaec1501dc37e95f7",
        ),
        (
            "sib200/eng_Latn/test.tsv",
            "fd7012f846f5a8caead1e7419023d64a28351893f3d9c7ebcde4c5481ca5d326",
        ),
        (
            "sib200/kaz_Cyrl/labels.txt",
            "f52879a3f02d9edea97f85e3839f242ed4853dd6459d57dfaec1501dc37e95f7",
        ),
        (
            "sib200/kaz_Cyrl/test.tsv",
            "45324ab9e4fac4496fd1c15bd7a8e5804532f54d0037f7a4d01ea21bfaa52b7d",
        ),
    ];
    let translate = "{{ source_language }}: {{ source }}\n{{ target_language }}:";
    Manifest {
        kakugo_version: "0.1.0".into(),
        git_commit: "089c7e86070e3b613c3b9375ba94b19fc90a5b2f".into(),
        model: ModelInfo {
            name: model.into(),
            spec: model.into(),
            sha256: sha.into(),
            tokenizer_sha256: sha.into(),
            backend: kakugo::store::Backend::Candle,
            device: "cpu".into(),
            dtype: "q4_1 (computed in f32)".into(),
            architecture: "llama".into(),
            context_length: 8192,
            scoring: kakugo::store::Scoring::Exact,
        },
        suite: SuiteInfo {
            name: "smoke".into(),
            sha256: "cd2b3463430aee5d8f5f212ea56840740e3f53f3e1f4bc2b47108c76bf3be7b1".into(),
        },
        data_files: files
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        prompts: [
            ("flores_en_xx", translate),
            ("flores_xx_en", translate),
            ("sib200", "Topic of the following text: {{ text }}\nTopic:"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
        seeds: ["flores_en_xx", "flores_xx_en", "sib200"]
            .iter()
            .map(|k| (k.to_string(), 1234))
            .collect(),
        metric_signatures: [
            ("acc", "acc|mean|kakugo:0.1.0"),
            (
                "chrf++",
                "nrefs:1|case:mixed|eff:yes|nc:6|nw:2|space:no|version:2.6.0|kakugo:0.1.0",
            ),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect(),
        limit: None,
    }
}

pub fn record(model: &str, sha: &str, results: Vec<TaskResult>) -> RunRecord {
    let mut results = results;
    results.sort_by(|a, b| (&a.task, &a.language).cmp(&(&b.task, &b.language)));
    RunRecord {
        schema: RECORD_SCHEMA,
        model: model.into(),
        manifest: manifest(model, sha),
        lineage: None,
        results,
        missing: vec![],
        excluded: vec![],
    }
}

/// `n` outcomes, right with probability `p`, from a fixed seed.
pub fn outcomes(n: usize, p: f64, seed: u64) -> Vec<bool> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    (0..n).map(|_| rng.gen_bool(p)).collect()
}

/// A SIB-200 result: item ids are SIB-200 `index_id`-like numbers, scores 0 or 100, `acc`
/// with the mean and its standard error (sample sd / √n, as lm-evaluation-harness).
pub fn sib_result(language: &str, correct: &[bool]) -> TaskResult {
    let scores: Vec<f64> = correct
        .iter()
        .map(|&c| if c { 100.0 } else { 0.0 })
        .collect();
    let n = scores.len() as f64;
    let mean = scores.iter().sum::<f64>() / n;
    let var = scores.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / (n - 1.0);
    TaskResult {
        task: "sib200".into(),
        language: language.into(),
        metrics: vec![MetricValue {
            name: "acc".into(),
            value: mean,
            stderr: (var / n).sqrt(),
            n: scores.len(),
        }],
        items: scores
            .iter()
            .enumerate()
            .map(|(i, &s)| ItemScore {
                id: (997 + 5 * i).to_string(),
                scores: BTreeMap::from([("acc".to_string(), s)]),
                stats: BTreeMap::new(),
            })
            .collect(),
    }
}

/// sacrebleu 2.6.0's chrF++ statistics of the 211 reference cases, keyed by their line
/// number in `chrf_reference_cases.tsv`.
pub fn reference_chrf_stats() -> Vec<(String, Vec<f64>)> {
    let path = crate::common::reference_dir().join("chrf_reference_cases.stats.tsv");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .skip(1)
        .map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            let stats = cols[5]
                .split(',')
                .map(|v| v.parse::<f64>().unwrap())
                .collect();
            (cols[0].to_string(), stats)
        })
        .collect()
}

/// Statistics of the same segment with matches cut to `keep` of their count (a weaker
/// system); hypothesis and reference counts stay.
pub fn weaken(stats: &[f64], keep: f64) -> Vec<f64> {
    stats
        .iter()
        .enumerate()
        .map(|(i, &v)| if i % 3 == 2 { (v * keep).floor() } else { v })
        .collect()
}

/// A FLORES result for `task` over `items` `(id, chrF++ statistics)`; value = corpus chrF++.
pub fn flores_result(task: &str, language: &str, items: &[(String, Vec<f64>)]) -> TaskResult {
    let mut sum = vec![0.0; items[0].1.len()];
    for (_, s) in items {
        sum.iter_mut().zip(s).for_each(|(a, v)| *a += v);
    }
    let value = corpus_score_from_stats("chrf++", &sum).expect("chrf++ is a corpus metric");
    TaskResult {
        task: task.into(),
        language: language.into(),
        metrics: vec![MetricValue {
            name: "chrf++".into(),
            value,
            stderr: 1.5,
            n: items.len(),
        }],
        items: items
            .iter()
            .map(|(id, s)| ItemScore {
                id: id.clone(),
                scores: BTreeMap::new(),
                stats: BTreeMap::from([("chrf++".to_string(), s.clone())]),
            })
            .collect(),
    }
}

pub fn write(dir: &Path, name: &str, record: &RunRecord) -> PathBuf {
    let path = dir.join(name);
    record.write(&path).unwrap();
    path
}

/// A candidate's lineage as `kakugo run` writes it: base model, data hash, LoRA settings, and
/// the experiment's teacher and student.
pub fn lineage(base: &ModelInfo, teacher: &str, student: &str, data_sha256: &str) -> Lineage {
    Lineage {
        kind: kakugo::store::lineage::LINEAGE_KIND.into(),
        kakugo_version: "0.1.0".into(),
        base_model: base.clone(),
        data: TrainingData {
            path: "sft.jsonl".into(),
            sha256: data_sha256.into(),
            manifest_path: None,
            manifest: None,
        },
        chat_template: ChatTemplateUse {
            models_own: true,
            sha256: "0".repeat(64),
        },
        hyper_parameters: serde_json::json!({"lora": {"rank": 8}, "lr": 1e-4, "epochs": 1, "seed": 1234}),
        adamw: serde_json::json!({"beta1": 0.9, "beta2": 0.999}),
        warmup_steps: 1,
        total_steps: 10,
        fingerprint: "f".repeat(64),
        result: serde_json::json!({"steps": 10}),
        experiment: Some(ExperimentLineage {
            experiment: "ablation".into(),
            teacher: NamedModel {
                name: teacher.into(),
                model: teacher.into(),
            },
            student: NamedModel {
                name: student.into(),
                model: student.into(),
            },
            language: "kaz_Cyrl".into(),
            units: UnitHashes {
                train: "1".repeat(64),
                synth: vec!["2".repeat(64)],
            },
        }),
    }
}
