//! Reports: everything kakugo publishes, made from run records only (never models or data).
//!
//! - [`scores`]: run records → one long table of scores ([`scores::ScoreTable`]), the shape
//!   every other output reads; `results.csv` is that table.
//! - [`significance`]: the exact McNemar test and paired bootstrap tests.
//! - [`compare`] / [`compare_summary`]: baseline vs candidate, per task, language and metric,
//!   with verdicts a CI job can gate on ([`compare::compare`]).
//! - [`leaderboard`]: ranks per language and overall, as Markdown, CSV and HTML.
//! - [`plots`]: grouped bars, delta heatmaps, teacher ablations and translation scatters (SVG
//!   and PNG, drawn with plotters).
//! - [`html`] / [`tables`]: the self-contained `index.html` and the table helpers it uses.
//!
//! Conventions shared by all of them live here: which metric of a task is its *primary*
//! metric ([`primary_metric`]), how translation tasks are named ([`translation_direction`]),
//! how a language is labelled ([`language_label`]) and where a report goes by default
//! ([`default_report_name`]). Every output is deterministic: the same records given in the
//! same order produce the same bytes (no timestamps, no hash-map iteration order).
//!
//! ```no_run
//! use std::path::{Path, PathBuf};
//! let runs = kakugo_report::Run::read_all(&[PathBuf::from("runs/smollm2-135m.smoke.json")])?;
//! let out = Path::new("reports").join(kakugo_report::default_report_name(&runs));
//! kakugo_report::write_report(&runs, &out)?;
//! # Ok::<(), kakugo_core::Error>(())
//! ```

use std::path::{Path, PathBuf};

use kakugo_core::store::RunRecord;
use kakugo_core::Result;

pub mod compare;
pub mod compare_summary;
pub mod html;
pub mod leaderboard;
pub mod plots;
pub mod scores;
pub mod significance;
pub mod tables;

/// A run record with the file it was read from (errors and manifests name the file).
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub path: PathBuf,
    pub record: RunRecord,
}

impl Run {
    pub fn read(path: &Path) -> Result<Run> {
        Ok(Run {
            path: path.to_path_buf(),
            record: RunRecord::read(path)?,
        })
    }

    /// Reads records in the order given.
    pub fn read_all(paths: &[PathBuf]) -> Result<Vec<Run>> {
        paths.iter().map(|p| Run::read(p)).collect()
    }
}

/// Metrics in order of preference for a task's primary metric: accuracy for multiple choice,
/// chrF++ for translation, then the other corpus metrics. A task with none of these uses its
/// alphabetically first metric.
pub const PRIMARY_METRICS: &[&str] = &["acc", "chrf++", "chrf", "bleu", "acc_norm"];

/// The primary metric among `names`: the leaderboard ranks by it, the delta heatmap shows it
/// and `kakugo compare` gates on it.
pub fn primary_metric<'a>(names: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let names: Vec<&str> = names.into_iter().collect();
    PRIMARY_METRICS
        .iter()
        .find_map(|p| names.iter().copied().find(|n| n == p))
        .or_else(|| names.iter().copied().min())
}

/// How plots name a metric: `accuracy`, `chrF++`, ...; unknown names as given.
pub fn metric_label(metric: &str) -> &str {
    match metric {
        "acc" => "accuracy",
        "acc_norm" => "accuracy (length-normalised)",
        "chrf++" => "chrF++",
        "chrf" => "chrF",
        "bleu" => "BLEU",
        other => other,
    }
}

/// Direction of a translation task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Direction {
    /// From the task's language into English (`<dataset>_xx_en`).
    IntoEnglish,
    /// From English into the task's language (`<dataset>_en_xx`).
    FromEnglish,
}

/// The naming convention for translation tasks: `<dataset>_xx_en` translates the task's
/// language into English and `<dataset>_en_xx` English into it (`flores_xx_en`,
/// `flores_en_xx`). Returns the dataset prefix and the direction; `None` for other tasks.
pub fn translation_direction(task: &str) -> Option<(&str, Direction)> {
    if let Some(prefix) = task.strip_suffix("_xx_en") {
        Some((prefix, Direction::IntoEnglish))
    } else {
        task.strip_suffix("_en_xx")
            .map(|prefix| (prefix, Direction::FromEnglish))
    }
}

/// `kaz_Cyrl Kazakh`: the FLORES code and the English name, ASCII only, so plots render with
/// the shipped Latin font whatever the language's script. Unknown codes are shown as given.
pub fn language_label(code: &str) -> String {
    match kakugo_core::lang::get(code) {
        Some(l) => format!("{} {}", l.code, l.name),
        None => code.to_string(),
    }
}

pub use kakugo_core::paths::slug;

/// The directory name under `reports/` for these runs: the distinct model names joined by
/// `-vs-`, then the distinct suite names joined by `+` (`smollm2-135m-vs-gemma3-270m.smoke`),
/// in the order the runs were given. Names longer than 80 characters are cut and end with
/// the first 8 hex digits of the sha256 of the full name, so they stay distinct.
pub fn default_report_name(runs: &[Run]) -> String {
    let mut models: Vec<&str> = Vec::new();
    let mut suites: Vec<&str> = Vec::new();
    for run in runs {
        if !models.contains(&run.record.model.as_str()) {
            models.push(&run.record.model);
        }
        if !suites.contains(&run.record.manifest.suite.name.as_str()) {
            suites.push(&run.record.manifest.suite.name);
        }
    }
    let name = slug(&format!("{}.{}", models.join("-vs-"), suites.join("+")));
    if name.len() <= 80 {
        return name;
    }
    let hash = kakugo_core::store::hash::sha256_bytes(name.as_bytes());
    format!("{}-{}", &name[..71], &hash[..8])
}

/// What [`write_report`] wrote, relative to the output directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFiles {
    pub files: Vec<PathBuf>,
}

/// Writes a full report for `runs` into `out`: `index.html`, `results.csv`,
/// `leaderboard.md` and `plots/*.{svg,png}`. The first run's model is the baseline; every
/// other model is a candidate.
pub fn write_report(runs: &[Run], out: &Path) -> Result<ReportFiles> {
    use kakugo_core::store::atomic::write_atomic;
    let table = scores::ScoreTable::from_runs(runs)?;
    let mut files = Vec::new();
    let mut put = |name: &str, bytes: &[u8]| -> Result<()> {
        write_atomic(&out.join(name), bytes)?;
        files.push(PathBuf::from(name));
        Ok(())
    };
    put("results.csv", &table.to_csv()?)?;
    let board = leaderboard::Leaderboard::from_table(&table);
    put("leaderboard.md", board.to_markdown().as_bytes())?;
    let rendered = plots::render_all(&table)?;
    for plot in &rendered {
        put(&format!("plots/{}.svg", plot.stem), plot.svg.as_bytes())?;
        put(&format!("plots/{}.png", plot.stem), &plot.png)?;
    }
    let page = html::report_page(runs, &table, &board, &rendered);
    put("index.html", page.as_bytes())?;
    tracing::info!(
        "report: {} files in {} ({} plots)",
        files.len(),
        out.display(),
        rendered.len()
    );
    Ok(ReportFiles { files })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primary_metric_prefers_accuracy_then_chrf_plus_plus() {
        assert_eq!(primary_metric(["acc_norm", "acc"]), Some("acc"));
        assert_eq!(primary_metric(["chrf", "chrf++"]), Some("chrf++"));
        assert_eq!(primary_metric(["zeta", "f1"]), Some("f1"));
        assert_eq!(primary_metric([]), None);
    }

    #[test]
    fn translation_tasks_follow_the_xx_en_convention() {
        assert_eq!(
            translation_direction("flores_xx_en"),
            Some(("flores", Direction::IntoEnglish))
        );
        assert_eq!(
            translation_direction("flores_plus_en_xx"),
            Some(("flores_plus", Direction::FromEnglish))
        );
        assert_eq!(translation_direction("sib200"), None);
    }

    #[test]
    fn labels_and_slugs_are_ascii() {
        assert_eq!(language_label("kaz_Cyrl"), "kaz_Cyrl Kazakh");
        assert_eq!(language_label("xyz_Latn"), "xyz_Latn");
        assert_eq!(slug("hf:org/model@v1 (q8)"), "hf-org-model-v1--q8");
    }
}
