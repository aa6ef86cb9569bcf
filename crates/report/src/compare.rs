//! `kakugo compare`: a baseline run against a candidate run, per task, language and metric.
//!
//! For every (task, language) in both runs the items are matched by id; items in only one
//! run are counted and left out (a cell with no common item is not comparable). Each metric
//! the two cells share is then compared on the common items:
//!
//! - per-item scores that are all 0 or 100 (accuracy): exact McNemar test on the discordant
//!   items, plus a paired-bootstrap interval of the difference;
//! - other per-item scores: paired bootstrap (interval and p-value);
//! - corpus metrics (chrF++): paired bootstrap over items, each resample's corpus scores
//!   recomputed from summed statistics with [`corpus_score_from_stats`].
//!
//! A row is **significant** when its p-value is below α. Its [`Verdict`]: `regressed` when
//! significant, the candidate is lower and the drop exceeds `max_drop` points;
//! `within_tolerance` when significant and lower but the drop is at most `max_drop`;
//! `improved` when significant and higher; `no_significant_change` otherwise. Only rows of a
//! task's primary metric ([`super::primary_metric`]) decide whether the comparison
//! [`Comparison::regressed`]; other metrics are reported alongside. With many languages, some
//! rows will be significant by chance at α = 0.05 (one in twenty under no change); use a
//! smaller α or `--max-drop` for wide suites.
//!
//! Runs are refused (`Error::Incomparable`, naming the fields) when their manifests differ in
//! the suite's hash, a data file's hash, a task's prompt, a seed or `--limit`, unless
//! mismatches are allowed; files or tasks present in only one manifest are not a mismatch,
//! since their cells are reported as not comparable. Models may differ: that is the point.
//!
//! Every bootstrap is seeded from the user's seed and the row's (task, language, metric), so a
//! row's interval does not depend on which other rows exist.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::significance::{
    mcnemar_exact, paired_bootstrap_corpus, paired_bootstrap_mean, BootstrapOptions,
};
use super::Run;
use kakugo_core::store::{Manifest, TaskResult};
use kakugo_core::{Error, Result};
use kakugo_metrics::corpus_score_from_stats;

/// Settings of a comparison.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CompareOptions {
    pub alpha: f64,
    /// A significant drop of at most this many points is tolerated.
    pub max_drop: f64,
    pub resamples: usize,
    pub seed: u64,
    pub allow_mismatch: bool,
}

impl Default for CompareOptions {
    fn default() -> Self {
        CompareOptions {
            alpha: 0.05,
            max_drop: 0.0,
            resamples: 2000,
            seed: 1234,
            allow_mismatch: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Regressed,
    Improved,
    WithinTolerance,
    NoSignificantChange,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Regressed => "regressed",
            Verdict::Improved => "improved",
            Verdict::WithinTolerance => "within tolerance",
            Verdict::NoSignificantChange => "no significant change",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Test {
    McnemarExact,
    PairedBootstrap,
}

/// Which run, for the summary and the JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunId {
    pub file: String,
    pub model: String,
    pub model_sha256: String,
    pub suite: String,
    pub suite_sha256: String,
}

impl RunId {
    fn of(run: &Run) -> RunId {
        let m = &run.record.manifest;
        RunId {
            file: run.path.display().to_string(),
            model: run.record.model.clone(),
            model_sha256: m.model.sha256.clone(),
            suite: m.suite.name.clone(),
            suite_sha256: m.suite.sha256.clone(),
        }
    }
}

/// A manifest field whose value differs between the runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mismatch {
    /// `manifest.suite.sha256`, `manifest.data_files["sib200/kaz_Cyrl/test.tsv"]`, ...
    pub field: String,
    pub baseline: String,
    pub candidate: String,
}

/// One metric of one (task, language), compared on the common items.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub task: String,
    pub language: String,
    pub metric: String,
    /// Whether this is the task's primary metric (only those gate).
    pub primary: bool,
    pub test: Test,
    /// Items scored by both runs.
    pub n: usize,
    /// Scores on the common items, in points.
    pub baseline: f64,
    pub candidate: f64,
    pub delta: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub p_value: f64,
    /// McNemar's discordant counts: right only in the baseline / only in the candidate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline_only: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub candidate_only: Option<u64>,
    /// Items of this cell present in only one run (left out).
    pub only_in_baseline: usize,
    pub only_in_candidate: usize,
    pub verdict: Verdict,
}

/// A cell or metric that could not be compared, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotComparable {
    pub task: String,
    pub language: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metric: Option<String>,
    pub reason: String,
}

/// The result of `kakugo compare`, as written to `--json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub baseline: RunId,
    pub candidate: RunId,
    pub options: CompareOptions,
    /// Manifest differences that `allow_mismatch` let through.
    pub mismatches: Vec<Mismatch>,
    /// Sorted by task, language, metric.
    pub rows: Vec<Row>,
    pub not_comparable: Vec<NotComparable>,
    /// Whether a primary-metric row regressed (exit code 1).
    pub regressed: bool,
}

/// Differences between two manifests in what must match for a paired comparison.
pub fn manifest_mismatches(a: &Manifest, b: &Manifest) -> Vec<Mismatch> {
    let mut out = Vec::new();
    let mut push = |field: String, x: String, y: String| {
        if x != y {
            out.push(Mismatch {
                field,
                baseline: x,
                candidate: y,
            })
        }
    };
    push(
        "manifest.suite.sha256".into(),
        a.suite.sha256.clone(),
        b.suite.sha256.clone(),
    );
    let show = |l: Option<usize>| l.map_or("none".to_string(), |v| v.to_string());
    push("manifest.limit".into(), show(a.limit), show(b.limit));
    for (key, x) in &a.data_files {
        if let Some(y) = b.data_files.get(key) {
            push(
                format!("manifest.data_files[{key:?}]"),
                x.clone(),
                y.clone(),
            );
        }
    }
    for (key, x) in &a.prompts {
        if let Some(y) = b.prompts.get(key) {
            push(format!("manifest.prompts[{key:?}]"), x.clone(), y.clone());
        }
    }
    for (key, x) in &a.seeds {
        if let Some(y) = b.seeds.get(key) {
            push(
                format!("manifest.seeds[{key:?}]"),
                x.to_string(),
                y.to_string(),
            );
        }
    }
    out
}

/// Compares `candidate` against `baseline`; see the module documentation.
pub fn compare(baseline: &Run, candidate: &Run, opts: &CompareOptions) -> Result<Comparison> {
    let mismatches = manifest_mismatches(&baseline.record.manifest, &candidate.record.manifest);
    if !mismatches.is_empty() && !opts.allow_mismatch {
        let fields: Vec<String> = mismatches.iter().map(|m| m.field.clone()).collect();
        return Err(Error::Incomparable {
            message: format!(
                "{} and {} differ in {}; pass --allow-mismatch to compare anyway",
                baseline.path.display(),
                candidate.path.display(),
                fields.join(", ")
            ),
            fields,
        });
    }
    let mut rows = Vec::new();
    let mut not_comparable = Vec::new();
    let cells: BTreeSet<(&str, &str)> = baseline
        .record
        .results
        .iter()
        .chain(&candidate.record.results)
        .map(|r| (r.task.as_str(), r.language.as_str()))
        .collect();
    for (task, language) in cells {
        let skip = |reason: &str| NotComparable {
            task: task.to_string(),
            language: language.to_string(),
            metric: None,
            reason: reason.to_string(),
        };
        match (
            baseline.record.result(task, language),
            candidate.record.result(task, language),
        ) {
            (Some(b), Some(c)) => compare_cell(
                (baseline, b),
                (candidate, c),
                opts,
                &mut rows,
                &mut not_comparable,
            )?,
            (Some(_), None) => not_comparable.push(skip("only in the baseline")),
            (None, _) => not_comparable.push(skip("only in the candidate")),
        }
    }
    if rows.is_empty() {
        return Err(Error::Incomparable {
            message: format!(
                "{} and {} have no task and language scored on the same items",
                baseline.path.display(),
                candidate.path.display()
            ),
            fields: Vec::new(),
        });
    }
    let regressed = rows
        .iter()
        .any(|r| r.primary && r.verdict == Verdict::Regressed);
    Ok(Comparison {
        baseline: RunId::of(baseline),
        candidate: RunId::of(candidate),
        options: *opts,
        mismatches,
        rows,
        not_comparable,
        regressed,
    })
}

/// Item id → position, rejecting duplicate ids (a record that lists an item twice is broken).
fn item_index<'a>(run: &Run, res: &'a TaskResult) -> Result<BTreeMap<&'a str, usize>> {
    let mut index = BTreeMap::new();
    for (i, item) in res.items.iter().enumerate() {
        if index.insert(item.id.as_str(), i).is_some() {
            return Err(Error::file(
                &run.path,
                format!(
                    "task {} language {}: item id {:?} appears twice",
                    res.task, res.language, item.id
                ),
            ));
        }
    }
    Ok(index)
}

fn compare_cell(
    (brun, b): (&Run, &TaskResult),
    (crun, c): (&Run, &TaskResult),
    opts: &CompareOptions,
    rows: &mut Vec<Row>,
    not_comparable: &mut Vec<NotComparable>,
) -> Result<()> {
    let skip = |metric: Option<&str>, reason: String| NotComparable {
        task: b.task.clone(),
        language: b.language.clone(),
        metric: metric.map(str::to_string),
        reason,
    };
    if b.items.is_empty() || c.items.is_empty() {
        let which = if b.items.is_empty() {
            "baseline"
        } else {
            "candidate"
        };
        not_comparable.push(skip(None, format!("the {which} has no per-item scores")));
        return Ok(());
    }
    let bi = item_index(brun, b)?;
    let ci = item_index(crun, c)?;
    let common: Vec<(usize, usize)> = bi
        .iter()
        .filter_map(|(id, &i)| ci.get(id).map(|&j| (i, j)))
        .collect();
    if common.is_empty() {
        not_comparable.push(skip(None, "no item id is in both runs".into()));
        return Ok(());
    }
    let only_b = bi.len() - common.len();
    let only_c = ci.len() - common.len();
    let b_names: Vec<&str> = b.metrics.iter().map(|m| m.name.as_str()).collect();
    let c_names: Vec<&str> = c.metrics.iter().map(|m| m.name.as_str()).collect();
    let shared: Vec<&str> = b_names
        .iter()
        .copied()
        .filter(|m| c_names.contains(m))
        .collect();
    let primary = super::primary_metric(shared.iter().copied());
    for metric in b_names.iter().chain(&c_names) {
        if !shared.contains(metric) {
            not_comparable.push(skip(Some(metric), "metric in only one run".into()));
        }
    }
    let mut shared_sorted = shared.clone();
    shared_sorted.sort_unstable();
    for metric in shared_sorted {
        let paired = PairedValues::collect((brun, b), (crun, c), &common, metric)?;
        let boot = BootstrapOptions {
            resamples: opts.resamples,
            seed: row_seed(opts.seed, &b.task, &b.language, metric),
            alpha: opts.alpha,
        };
        let stats = match paired {
            PairedValues::Scores(xb, xc) => mean_row(&xb, &xc, boot),
            PairedValues::Stats(xb, xc) => {
                if corpus_score_from_stats(metric, &xb[0]).is_none() {
                    not_comparable.push(skip(
                        Some(metric),
                        format!(
                            "this kakugo cannot compute corpus metric {metric} from statistics"
                        ),
                    ));
                    continue;
                }
                let score = |s: &[f64]| corpus_score_from_stats(metric, s).unwrap_or(f64::NAN);
                let sum = |v: &[Vec<f64>]| -> Vec<f64> {
                    let mut acc = vec![0.0; v[0].len()];
                    for s in v {
                        acc.iter_mut().zip(s).for_each(|(a, x)| *a += x);
                    }
                    acc
                };
                let r = paired_bootstrap_corpus(&xb, &xc, score, boot);
                RowStats {
                    test: Test::PairedBootstrap,
                    baseline: score(&sum(&xb)),
                    candidate: score(&sum(&xc)),
                    delta: r.delta,
                    ci: (r.ci_low, r.ci_high),
                    p_value: r.p_value,
                    discordant: None,
                }
            }
        };
        rows.push(Row {
            task: b.task.clone(),
            language: b.language.clone(),
            metric: metric.to_string(),
            primary: primary == Some(metric),
            test: stats.test,
            n: common.len(),
            baseline: stats.baseline,
            candidate: stats.candidate,
            delta: stats.delta,
            ci_low: stats.ci.0,
            ci_high: stats.ci.1,
            p_value: stats.p_value,
            baseline_only: stats.discordant.map(|d| d.0),
            candidate_only: stats.discordant.map(|d| d.1),
            only_in_baseline: only_b,
            only_in_candidate: only_c,
            verdict: verdict(stats.delta, stats.p_value, opts),
        });
    }
    Ok(())
}

struct RowStats {
    test: Test,
    baseline: f64,
    candidate: f64,
    delta: f64,
    ci: (f64, f64),
    p_value: f64,
    discordant: Option<(u64, u64)>,
}

fn mean_row(xb: &[f64], xc: &[f64], boot: BootstrapOptions) -> RowStats {
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let r = paired_bootstrap_mean(xb, xc, boot);
    let binary = xb.iter().chain(xc).all(|&v| v == 0.0 || v == 100.0);
    let (test, p_value, discordant) = if binary {
        let bo = xb.iter().zip(xc).filter(|(b, c)| **b > **c).count() as u64;
        let co = xb.iter().zip(xc).filter(|(b, c)| **c > **b).count() as u64;
        (Test::McnemarExact, mcnemar_exact(bo, co), Some((bo, co)))
    } else {
        (Test::PairedBootstrap, r.p_value, None)
    };
    RowStats {
        test,
        baseline: mean(xb),
        candidate: mean(xc),
        delta: r.delta,
        ci: (r.ci_low, r.ci_high),
        p_value,
        discordant,
    }
}

/// A metric's per-item values on the common items, in the same order for both runs.
enum PairedValues {
    Scores(Vec<f64>, Vec<f64>),
    Stats(Vec<Vec<f64>>, Vec<Vec<f64>>),
}

impl PairedValues {
    fn collect(
        (brun, b): (&Run, &TaskResult),
        (crun, c): (&Run, &TaskResult),
        common: &[(usize, usize)],
        metric: &str,
    ) -> Result<PairedValues> {
        // A corpus metric keeps statistics in every item; a mean metric keeps scores.
        let corpus = b.items[common[0].0].stats.contains_key(metric);
        let missing = |run: &Run, res: &TaskResult, id: &str, field: &str| {
            Error::file(
                &run.path,
                format!(
                    "task {} language {} item {id:?}: no `{field}[{metric:?}]` although other \
                     items of the cell have it",
                    res.task, res.language
                ),
            )
        };
        if corpus {
            let mut width = None;
            let get = |run: &Run, res: &TaskResult, i: usize| -> Result<Vec<f64>> {
                let item = &res.items[i];
                let s = item
                    .stats
                    .get(metric)
                    .ok_or_else(|| missing(run, res, &item.id, "stats"))?;
                match width {
                    None => width = Some(s.len()),
                    Some(w) if w != s.len() => {
                        return Err(Error::file(
                            &run.path,
                            format!(
                            "task {} language {} item {:?}: {} {metric} statistics, other items \
                                 have {w}",
                            res.task,
                            res.language,
                            item.id,
                            s.len()
                        ),
                        ))
                    }
                    _ => {}
                }
                Ok(s.clone())
            };
            let (xb, xc) = paired((brun, b), (crun, c), common, get)?;
            Ok(PairedValues::Stats(xb, xc))
        } else {
            let get = |run: &Run, res: &TaskResult, i: usize| -> Result<f64> {
                let item = &res.items[i];
                item.scores
                    .get(metric)
                    .copied()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| missing(run, res, &item.id, "scores"))
            };
            let (xb, xc) = paired((brun, b), (crun, c), common, get)?;
            Ok(PairedValues::Scores(xb, xc))
        }
    }
}

/// `get` applied to both runs' items at the common positions, in the same order.
fn paired<T>(
    (brun, b): (&Run, &TaskResult),
    (crun, c): (&Run, &TaskResult),
    common: &[(usize, usize)],
    mut get: impl FnMut(&Run, &TaskResult, usize) -> Result<T>,
) -> Result<(Vec<T>, Vec<T>)> {
    let mut xb = Vec::with_capacity(common.len());
    let mut xc = Vec::with_capacity(common.len());
    for &(i, j) in common {
        xb.push(get(brun, b, i)?);
        xc.push(get(crun, c, j)?);
    }
    Ok((xb, xc))
}

fn verdict(delta: f64, p_value: f64, opts: &CompareOptions) -> Verdict {
    if p_value >= opts.alpha || delta == 0.0 {
        Verdict::NoSignificantChange
    } else if delta > 0.0 {
        Verdict::Improved
    } else if -delta > opts.max_drop {
        Verdict::Regressed
    } else {
        Verdict::WithinTolerance
    }
}

/// The seed of one row's bootstrap: the user's seed mixed with the row's identity.
fn row_seed(seed: u64, task: &str, language: &str, metric: &str) -> u64 {
    let h =
        kakugo_core::store::hash::sha256_bytes(format!("{task}\0{language}\0{metric}").as_bytes());
    let bits = u64::from_str_radix(&h[..16], 16).expect("hex digest");
    seed ^ bits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_need_significance_and_respect_max_drop() {
        let opts = CompareOptions {
            max_drop: 2.0,
            ..CompareOptions::default()
        };
        assert_eq!(verdict(-5.0, 0.01, &opts), Verdict::Regressed);
        assert_eq!(verdict(-1.5, 0.01, &opts), Verdict::WithinTolerance);
        assert_eq!(verdict(-5.0, 0.2, &opts), Verdict::NoSignificantChange);
        assert_eq!(verdict(3.0, 0.001, &opts), Verdict::Improved);
        assert_eq!(verdict(0.0, 0.0, &opts), Verdict::NoSignificantChange);
    }
}
