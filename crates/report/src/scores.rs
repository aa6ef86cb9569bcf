//! Run records → one long table of scores, the shape every report output reads.
//!
//! [`ScoreTable`] holds one [`ScoreRow`] per (model, task, language, metric) and the list of
//! [`ModelEntry`]s. A model is identified by its display name *and* its weights' sha256, so
//! two checkpoints that share a name stay apart (their labels then carry the first 8 hex
//! digits of the hash). One model's results may come from several records (one per suite),
//! but each (task, language) from only one of them. Models keep the order in which their
//! first record was given; the first is the report's baseline.
//!
//! `results.csv` is this table in long format: `model,task,language,metric,value,stderr,n`.

use std::collections::{BTreeMap, BTreeSet};

use super::Run;
use kakugo_core::store::Lineage;
use kakugo_core::{Error, Result};

/// One model (name + weights hash) and the records it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelEntry {
    /// What tables and plots show: the name, or `name@1a2b3c4d` when names collide.
    pub label: String,
    pub name: String,
    pub sha256: String,
    /// The lineage of a distilled candidate, from the first of its records that has one.
    pub lineage: Option<Lineage>,
    /// Indices of this model's records in the runs given.
    pub runs: Vec<usize>,
}

impl ModelEntry {
    /// The teacher named by the lineage (candidates an experiment made).
    pub fn teacher(&self) -> Option<String> {
        self.lineage
            .as_ref()
            .and_then(|l| l.teacher())
            .map(str::to_string)
    }

    /// The student (base model) named by the lineage.
    pub fn student(&self) -> Option<String> {
        self.lineage.as_ref().map(|l| l.student().to_string())
    }
}

/// One metric of one model on one task and language, in points.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreRow {
    /// Index into [`ScoreTable::models`].
    pub model: usize,
    pub task: String,
    pub language: String,
    pub metric: String,
    pub value: f64,
    pub stderr: f64,
    pub n: usize,
}

type Key = (usize, String, String, String);

/// Every score of every model, sorted by model, task, language and metric.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreTable {
    pub models: Vec<ModelEntry>,
    pub rows: Vec<ScoreRow>,
    index: BTreeMap<Key, usize>,
}

impl ScoreTable {
    /// Builds the table; fails when a model has the same task and language in two records,
    /// or a value is not a finite number.
    pub fn from_runs(runs: &[Run]) -> Result<ScoreTable> {
        let mut models: Vec<ModelEntry> = Vec::new();
        // (model, task, language) → the record it came from, to name both files on a clash.
        let mut seen: BTreeMap<(usize, String, String), usize> = BTreeMap::new();
        let mut rows = Vec::new();
        for (ri, run) in runs.iter().enumerate() {
            let r = &run.record;
            let sha = &r.manifest.model.sha256;
            let mi = match models
                .iter()
                .position(|m| m.name == r.model && &m.sha256 == sha)
            {
                Some(i) => i,
                None => {
                    models.push(ModelEntry {
                        label: r.model.clone(),
                        name: r.model.clone(),
                        sha256: sha.clone(),
                        lineage: None,
                        runs: Vec::new(),
                    });
                    models.len() - 1
                }
            };
            let entry = &mut models[mi];
            entry.runs.push(ri);
            if entry.lineage.is_none() {
                entry.lineage = r.lineage.clone();
            }
            for res in &r.results {
                let key = (mi, res.task.clone(), res.language.clone());
                if let Some(&first) = seen.get(&key) {
                    return Err(Error::file(
                        &run.path,
                        format!(
                            "model {} has task {} language {} here and in {}: give one record per \
                             task and language",
                            r.model,
                            res.task,
                            res.language,
                            runs[first].path.display()
                        ),
                    ));
                }
                seen.insert(key, ri);
                for m in &res.metrics {
                    if !m.value.is_finite() || !m.stderr.is_finite() {
                        return Err(Error::file(
                            &run.path,
                            format!(
                                "task {} language {} metric {}: value {} ± {} is not a finite number",
                                res.task, res.language, m.name, m.value, m.stderr
                            ),
                        ));
                    }
                    rows.push(ScoreRow {
                        model: mi,
                        task: res.task.clone(),
                        language: res.language.clone(),
                        metric: m.name.clone(),
                        value: m.value,
                        stderr: m.stderr,
                        n: m.n,
                    });
                }
            }
        }
        disambiguate_labels(&mut models);
        rows.sort_by(|a, b| {
            (a.model, &a.task, &a.language, &a.metric).cmp(&(
                b.model,
                &b.task,
                &b.language,
                &b.metric,
            ))
        });
        let index = rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                (
                    (
                        r.model,
                        r.task.clone(),
                        r.language.clone(),
                        r.metric.clone(),
                    ),
                    i,
                )
            })
            .collect();
        Ok(ScoreTable {
            models,
            rows,
            index,
        })
    }

    pub fn get(&self, model: usize, task: &str, language: &str, metric: &str) -> Option<&ScoreRow> {
        self.index
            .get(&(
                model,
                task.to_string(),
                language.to_string(),
                metric.to_string(),
            ))
            .map(|&i| &self.rows[i])
    }

    /// Tasks, sorted.
    pub fn tasks(&self) -> Vec<&str> {
        self.distinct(|_| true, |r| &r.task)
    }

    /// Languages of every task, sorted.
    pub fn languages(&self) -> Vec<&str> {
        self.distinct(|_| true, |r| &r.language)
    }

    /// Languages that some model has for `task`, sorted.
    pub fn task_languages(&self, task: &str) -> Vec<&str> {
        self.distinct(|r| r.task == task, |r| &r.language)
    }

    /// Metrics reported for `task` by any model, sorted.
    pub fn task_metrics(&self, task: &str) -> Vec<&str> {
        self.distinct(|r| r.task == task, |r| &r.metric)
    }

    /// The task's primary metric (see [`super::primary_metric`]), over every model's metrics
    /// for the task, so all models are ranked on the same one.
    pub fn primary(&self, task: &str) -> Option<&str> {
        super::primary_metric(self.task_metrics(task))
    }

    /// The primary score of a model on a task and language.
    pub fn primary_value(&self, model: usize, task: &str, language: &str) -> Option<f64> {
        let metric = self.primary(task)?;
        self.get(model, task, language, metric).map(|r| r.value)
    }

    fn distinct<'a>(
        &'a self,
        keep: impl Fn(&ScoreRow) -> bool,
        field: impl Fn(&'a ScoreRow) -> &'a String,
    ) -> Vec<&'a str> {
        let set: BTreeSet<&str> = self
            .rows
            .iter()
            .filter(|r| keep(r))
            .map(|r| field(r).as_str())
            .collect();
        set.into_iter().collect()
    }

    /// `results.csv`: one row per score, in the table's order, values at full precision.
    pub fn to_csv(&self) -> Result<Vec<u8>> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let csv_err = |e: csv::Error| Error::file("results.csv", e.to_string());
        w.write_record([
            "model", "task", "language", "metric", "value", "stderr", "n",
        ])
        .map_err(csv_err)?;
        for r in &self.rows {
            w.write_record([
                self.models[r.model].label.as_str(),
                &r.task,
                &r.language,
                &r.metric,
                &r.value.to_string(),
                &r.stderr.to_string(),
                &r.n.to_string(),
            ])
            .map_err(csv_err)?;
        }
        w.into_inner()
            .map_err(|e| Error::file("results.csv", e.to_string()))
    }
}

/// Names shared by several weights hashes get `@` and the hash's first 8 hex digits.
fn disambiguate_labels(models: &mut [ModelEntry]) {
    let names: Vec<String> = models.iter().map(|m| m.name.clone()).collect();
    for m in models.iter_mut() {
        if names.iter().filter(|n| **n == m.name).count() > 1 {
            m.label = format!("{}@{}", m.name, m.sha256.get(..8).unwrap_or(&m.sha256));
        }
    }
}
