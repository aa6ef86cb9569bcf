//! Leaderboards: models ranked per task and language, per language, and overall.
//!
//! A *cell* is one (task, language); a model's score in a cell is the task's primary metric
//! ([`super::primary_metric`]: accuracy for multiple choice, chrF++ for translation), in
//! points. Averages are macro averages, so no task or language counts more because it has
//! more items, and models are only averaged over cells they all have:
//!
//! - **overall**: over the cells every model on the board has, the mean over tasks of the
//!   mean over that task's languages. The model's own average over all its cells, the number
//!   of languages it was run on, its cell count and its wins are shown beside it. When the
//!   models share no cell, the ranking falls back to the own averages (and says so).
//! - **per language**: the mean over the tasks that every model run on that language has.
//! - **wins**: cells (with at least two models) where the model has the best score; tied
//!   models each get the win.
//!
//! Ranks use competition ranking with explicit ties (`1=`, `1=`, `3`); a missing cell is
//! `—`. Model order is deterministic: rank, then label.
//!
//! [`Leaderboard::to_markdown`], [`Leaderboard::to_csv`] and [`Leaderboard::to_html`]
//! render it; [`write_leaderboard`] writes all three.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::scores::ScoreTable;
use super::tables::{esc, fmt_score, html_table, markdown_table, ranks, Cell, MISSING};
use super::{language_label, Run};
use kakugo_core::store::atomic::write_atomic;
use kakugo_core::{Error, Result};

/// How the averages are made; shown on every leaderboard page.
pub const AVERAGING: &str = "Scores are in points (0-100), using each task's primary metric: \
accuracy (acc) for multiple choice, chrF++ for translation. A cell is one task in one language. \
Overall: over the cells that every model has, the mean over tasks of the mean over that task's \
languages (a macro average: every task counts once, every language counts once within a task). \
\"Own average\" is the same macro average over all of a model's cells; models run on different \
languages are only ranked on what they share. Per language: the mean over the tasks that every \
model run on that language has. Wins: cells with at least two models where the model has the \
best score (tied models each get the win). Ranks: 1= marks a tie; — marks a missing cell.";

/// One task's primary scores: `scores[language][model]`.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskBoard {
    pub task: String,
    pub metric: String,
    pub languages: Vec<String>,
    pub scores: Vec<Vec<Option<f64>>>,
}

/// One language's macro average per model, over `tasks`.
#[derive(Debug, Clone, PartialEq)]
pub struct LanguageRow {
    pub language: String,
    pub tasks: Vec<String>,
    pub scores: Vec<Option<f64>>,
}

/// One model's overall standing.
#[derive(Debug, Clone, PartialEq)]
pub struct OverallRow {
    /// Index into [`Leaderboard::models`].
    pub model: usize,
    /// Macro average over the common cells (or the own cells when there are none).
    pub score: Option<f64>,
    pub own_score: Option<f64>,
    pub rank: String,
    pub wins: usize,
    pub languages: usize,
    pub cells: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Leaderboard {
    /// Model labels.
    pub models: Vec<String>,
    pub tasks: Vec<TaskBoard>,
    pub languages: Vec<LanguageRow>,
    /// Sorted by rank, then label.
    pub overall: Vec<OverallRow>,
    /// Number of cells every model has.
    pub common_cells: usize,
}

impl Leaderboard {
    pub fn from_table(table: &ScoreTable) -> Leaderboard {
        let n_models = table.models.len();
        let tasks: Vec<TaskBoard> = table
            .tasks()
            .into_iter()
            .filter_map(|task| {
                let metric = table.primary(task)?;
                let languages: Vec<String> = table
                    .task_languages(task)
                    .into_iter()
                    .map(String::from)
                    .collect();
                let scores = languages
                    .iter()
                    .map(|l| {
                        (0..n_models)
                            .map(|m| table.primary_value(m, task, l))
                            .collect()
                    })
                    .collect();
                Some(TaskBoard {
                    task: task.to_string(),
                    metric: metric.to_string(),
                    languages,
                    scores,
                })
            })
            .collect();
        let all_models = |row: &[Option<f64>]| row.iter().all(Option::is_some);
        let common_cells: usize = tasks
            .iter()
            .map(|t| t.scores.iter().filter(|r| all_models(r)).count())
            .sum();
        let languages = language_rows(table, &tasks, n_models);
        let mut overall: Vec<OverallRow> = (0..n_models)
            .map(|m| {
                let common = macro_average(&tasks, m, |row| all_models(row));
                let own = macro_average(&tasks, m, |_| true);
                let mut langs = BTreeSet::new();
                let mut cells = 0;
                let mut wins = 0;
                for t in &tasks {
                    for (l, row) in t.languages.iter().zip(&t.scores) {
                        let Some(v) = row[m] else { continue };
                        langs.insert(l.as_str());
                        cells += 1;
                        let present = row.iter().flatten().count();
                        let best = row.iter().flatten().cloned().fold(f64::MIN, f64::max);
                        if present >= 2 && v >= best - 1e-9 {
                            wins += 1;
                        }
                    }
                }
                OverallRow {
                    model: m,
                    score: if common_cells > 0 { common } else { own },
                    own_score: own,
                    rank: String::new(),
                    wins,
                    languages: langs.len(),
                    cells,
                }
            })
            .collect();
        let rank_of = ranks(&overall.iter().map(|r| r.score).collect::<Vec<_>>());
        for (row, rank) in overall.iter_mut().zip(rank_of) {
            row.rank = rank.unwrap_or_else(|| MISSING.to_string());
        }
        let labels: Vec<String> = table.models.iter().map(|m| m.label.clone()).collect();
        overall.sort_by(|a, b| {
            let key = |r: &OverallRow| r.score.unwrap_or(f64::NEG_INFINITY);
            key(b)
                .total_cmp(&key(a))
                .then_with(|| labels[a.model].cmp(&labels[b.model]))
        });
        Leaderboard {
            models: labels,
            tasks,
            languages,
            overall,
            common_cells,
        }
    }

    fn overall_table(&self) -> (Vec<String>, Vec<Vec<String>>) {
        let basis = if self.common_cells > 0 {
            format!("macro average ({} common cells)", self.common_cells)
        } else {
            "macro average (own cells; no cell is common to all models)".to_string()
        };
        let header = [
            "rank",
            "model",
            &basis,
            "own average",
            "wins",
            "languages",
            "cells",
        ]
        .map(String::from)
        .to_vec();
        let rows = self
            .overall
            .iter()
            .map(|r| {
                vec![
                    r.rank.clone(),
                    self.models[r.model].clone(),
                    fmt_score(r.score),
                    fmt_score(r.own_score),
                    r.wins.to_string(),
                    r.languages.to_string(),
                    r.cells.to_string(),
                ]
            })
            .collect();
        (header, rows)
    }

    /// `(caption, header, rows)` of the per-language table and of each task's table; a cell
    /// is `score (rank)`.
    fn ranked_tables(&self) -> Vec<(String, Vec<String>, Vec<Vec<String>>)> {
        let mut header = vec!["language".to_string()];
        header.extend(self.models.iter().cloned());
        let ranked_row = |first: String, scores: &[Option<f64>]| {
            let mut row = vec![first];
            for (s, r) in scores.iter().zip(ranks(scores)) {
                row.push(match (s, r) {
                    (Some(s), Some(r)) => format!("{s:.2} ({r})"),
                    _ => MISSING.to_string(),
                });
            }
            row
        };
        let mut out = Vec::new();
        let mut lang_header = header.clone();
        lang_header.push("tasks averaged".into());
        let lang_rows = self
            .languages
            .iter()
            .map(|l| {
                let mut row = ranked_row(language_label(&l.language), &l.scores);
                row.push(if l.tasks.is_empty() {
                    "none in common".to_string()
                } else {
                    l.tasks.join(", ")
                });
                row
            })
            .collect();
        out.push(("Per language".to_string(), lang_header, lang_rows));
        for t in &self.tasks {
            let rows = t
                .languages
                .iter()
                .zip(&t.scores)
                .map(|(l, s)| ranked_row(language_label(l), s))
                .collect();
            out.push((format!("{} ({})", t.task, t.metric), header.clone(), rows));
        }
        out
    }

    pub fn to_markdown(&self) -> String {
        let mut out = String::from("# kakugo leaderboard\n\n");
        let _ = writeln!(out, "{AVERAGING}\n");
        let (h, r) = self.overall_table();
        out.push_str("## Overall\n\n");
        out.push_str(&markdown_table(&h, &r));
        for (caption, h, r) in self.ranked_tables() {
            let _ = writeln!(out, "\n## {caption}\n");
            out.push_str(&markdown_table(&h, &r));
        }
        out
    }

    /// The leaderboard's tables as an HTML fragment (section per table); `best` cells marked.
    pub fn to_html(&self) -> String {
        let mut out = format!("<p class=\"doc\">{}</p>\n", esc(AVERAGING));
        let (h, r) = self.overall_table();
        let cells = |rows: Vec<Vec<String>>| -> Vec<Vec<Cell>> {
            rows.into_iter()
                .map(|row| {
                    row.into_iter()
                        .map(|c| {
                            if c.ends_with("(1)") || c.ends_with("(1=)") {
                                Cell::with_class(c, "best")
                            } else {
                                Cell::from(c)
                            }
                        })
                        .collect()
                })
                .collect()
        };
        out.push_str(&html_table("Overall", &h, &cells(r)));
        for (caption, h, r) in self.ranked_tables() {
            out.push_str(&html_table(&caption, &h, &cells(r)));
        }
        out
    }

    /// Long-format CSV: `table,task,language,model,metric,score,rank,wins,languages,cells,note`
    /// with `table` one of `overall`, `language`, `cell`; a missing score is an empty field
    /// with note `missing`.
    pub fn to_csv(&self) -> Result<Vec<u8>> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let err = |e: csv::Error| Error::file("leaderboard.csv", e.to_string());
        w.write_record([
            "table",
            "task",
            "language",
            "model",
            "metric",
            "score",
            "rank",
            "wins",
            "languages",
            "cells",
            "note",
        ])
        .map_err(err)?;
        let num = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
        let note = |v: Option<f64>| if v.is_none() { "missing" } else { "" };
        for r in &self.overall {
            let rank = if r.score.is_some() {
                r.rank.as_str()
            } else {
                ""
            };
            w.write_record([
                "overall",
                "",
                "",
                &self.models[r.model],
                "primary",
                &num(r.score),
                rank,
                &r.wins.to_string(),
                &r.languages.to_string(),
                &r.cells.to_string(),
                note(r.score),
            ])
            .map_err(err)?;
        }
        let mut put = |table: &str, task: &str, lang: &str, metric: &str, s: &[Option<f64>]| {
            for (m, (v, rank)) in s.iter().zip(ranks(s)).enumerate() {
                let rank = rank.unwrap_or_default();
                w.write_record([
                    table,
                    task,
                    lang,
                    &self.models[m],
                    metric,
                    &num(*v),
                    &rank,
                    "",
                    "",
                    "",
                    note(*v),
                ])?;
            }
            Ok::<(), csv::Error>(())
        };
        for l in &self.languages {
            put("language", "", &l.language, "primary", &l.scores).map_err(err)?;
        }
        for t in &self.tasks {
            for (l, s) in t.languages.iter().zip(&t.scores) {
                put("cell", &t.task, l, &t.metric, s).map_err(err)?;
            }
        }
        w.into_inner()
            .map_err(|e| Error::file("leaderboard.csv", e.to_string()))
    }
}

/// Mean over tasks of the mean over languages of model `m`'s scores, over the cells `keep`
/// accepts (and the model has).
fn macro_average(
    tasks: &[TaskBoard],
    m: usize,
    keep: impl Fn(&[Option<f64>]) -> bool,
) -> Option<f64> {
    let per_task: Vec<f64> = tasks
        .iter()
        .filter_map(|t| {
            let v: Vec<f64> = t
                .scores
                .iter()
                .filter(|row| keep(row))
                .filter_map(|row| row[m])
                .collect();
            (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
        })
        .collect();
    (!per_task.is_empty()).then(|| per_task.iter().sum::<f64>() / per_task.len() as f64)
}

fn language_rows(table: &ScoreTable, tasks: &[TaskBoard], n_models: usize) -> Vec<LanguageRow> {
    table
        .languages()
        .into_iter()
        .map(|lang| {
            // (task, scores of every model) for the tasks that have this language.
            let cells: Vec<(&str, &Vec<Option<f64>>)> = tasks
                .iter()
                .filter_map(|t| {
                    let i = t.languages.iter().position(|l| l == lang)?;
                    Some((t.task.as_str(), &t.scores[i]))
                })
                .collect();
            let present: Vec<usize> = (0..n_models)
                .filter(|&m| cells.iter().any(|(_, s)| s[m].is_some()))
                .collect();
            let shared: Vec<(&str, &Vec<Option<f64>>)> = cells
                .into_iter()
                .filter(|(_, s)| present.iter().all(|&m| s[m].is_some()))
                .collect();
            let scores = (0..n_models)
                .map(|m| {
                    if !present.contains(&m) || shared.is_empty() {
                        return None;
                    }
                    let v: Vec<f64> = shared.iter().filter_map(|(_, s)| s[m]).collect();
                    Some(v.iter().sum::<f64>() / v.len() as f64)
                })
                .collect();
            LanguageRow {
                language: lang.to_string(),
                tasks: shared.iter().map(|(t, _)| t.to_string()).collect(),
                scores,
            }
        })
        .collect()
}

/// Reads every run record under `dir` (recursively, in path order) and writes
/// `leaderboard.md`, `leaderboard.csv` and `leaderboard.html` into `out`. JSON files that are
/// not run records (no `schema` and `manifest` keys) are skipped with a warning.
pub fn write_leaderboard(dir: &Path, out: &Path) -> Result<Vec<PathBuf>> {
    let paths = run_record_paths(dir)?;
    if paths.is_empty() {
        return Err(Error::usage_hint(
            format!("{} holds no run records (*.json)", dir.display()),
            "write some with `kakugo eval --out DIR`",
        ));
    }
    let runs = Run::read_all(&paths)?;
    let table = ScoreTable::from_runs(&runs)?;
    let board = Leaderboard::from_table(&table);
    let html = super::html::page(
        "kakugo leaderboard",
        &format!("<h1>kakugo leaderboard</h1>\n{}", board.to_html()),
    );
    let files = [
        ("leaderboard.md", board.to_markdown().into_bytes()),
        ("leaderboard.csv", board.to_csv()?),
        ("leaderboard.html", html.into_bytes()),
    ];
    let mut written = Vec::new();
    for (name, bytes) in files {
        write_atomic(&out.join(name), &bytes)?;
        written.push(out.join(name));
    }
    tracing::info!("leaderboard of {} records in {}", runs.len(), out.display());
    Ok(written)
}

/// `*.json` files under `dir` that look like run records, sorted by path.
pub fn run_record_paths(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut stack = vec![dir.to_path_buf()];
    let mut found = Vec::new();
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|e| Error::io(&d, e))?;
        for entry in entries {
            let path = entry.map_err(|e| Error::io(&d, e))?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                found.push(path);
            }
        }
    }
    found.sort();
    let mut records = Vec::new();
    for path in found {
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        let looks_like_record = serde_json::from_slice::<serde_json::Value>(&bytes)
            .ok()
            .is_some_and(|v| v.get("schema").is_some() && v.get("manifest").is_some());
        if looks_like_record {
            records.push(path);
        } else {
            tracing::warn!("{}: not a run record, skipped", path.display());
        }
    }
    Ok(records)
}
