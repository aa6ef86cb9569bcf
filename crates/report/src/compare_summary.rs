//! The Markdown summary of a [`Comparison`], written to fit a pull-request comment: the
//! verdict first, then the rows that changed significantly, then every row in a collapsed
//! `<details>` block, then what could not be compared and why.

use std::fmt::Write as _;

use super::compare::{Comparison, Row, Test, Verdict};
use super::language_label;
use super::tables::{fmt_delta, fmt_p, markdown_table, MISSING};

impl Comparison {
    /// The Markdown summary (deterministic: rows in task, language, metric order).
    pub fn to_markdown(&self) -> String {
        let mut out = String::new();
        let (b, c) = (&self.baseline, &self.candidate);
        let _ = writeln!(
            out,
            "## kakugo compare: `{}` vs baseline `{}`\n",
            c.model, b.model
        );
        let _ = writeln!(
            out,
            "Baseline `{}` (model sha256 `{}`), candidate `{}` (model sha256 `{}`); suite `{}`.\n",
            b.file,
            short(&b.model_sha256),
            c.file,
            short(&c.model_sha256),
            c.suite
        );
        let primary: Vec<&Row> = self.rows.iter().filter(|r| r.primary).collect();
        let count = |v: Verdict| primary.iter().filter(|r| r.verdict == v).count();
        let regressions = count(Verdict::Regressed);
        let o = &self.options;
        let verdict = match regressions {
            0 => "**No regression**".to_string(),
            1 => "**1 regression**".to_string(),
            n => format!("**{n} regressions**"),
        };
        let _ = writeln!(
            out,
            "{verdict} in {} primary-metric comparisons (α = {}, max drop {} points).\n",
            primary.len(),
            o.alpha,
            o.max_drop
        );
        let header: Vec<String> = [
            "regressed",
            "improved",
            "within tolerance",
            "no significant change",
            "not comparable",
        ]
        .map(String::from)
        .to_vec();
        let counts = vec![
            regressions.to_string(),
            count(Verdict::Improved).to_string(),
            count(Verdict::WithinTolerance).to_string(),
            count(Verdict::NoSignificantChange).to_string(),
            self.not_comparable.len().to_string(),
        ];
        out.push_str(&markdown_table(&header, &[counts]));
        out.push('\n');

        let level = format!("{}% CI", format_level(1.0 - o.alpha));
        let changed: Vec<&Row> = self
            .rows
            .iter()
            .filter(|r| r.verdict != Verdict::NoSignificantChange)
            .collect();
        if changed.is_empty() {
            out.push_str("No metric changed significantly.\n\n");
        } else {
            out.push_str("### Significant changes\n\n");
            out.push_str(&rows_table(&changed, &level));
            out.push('\n');
        }
        let all: Vec<&Row> = self.rows.iter().collect();
        let _ = writeln!(
            out,
            "<details><summary>All {} comparisons</summary>\n",
            all.len()
        );
        out.push_str(&rows_table(&all, &level));
        out.push_str("\n</details>\n\n");

        if !self.not_comparable.is_empty() {
            out.push_str("### Not comparable\n\n");
            for n in &self.not_comparable {
                let metric = n
                    .metric
                    .as_deref()
                    .map(|m| format!(" {m}"))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "- {} {}{metric}: {}",
                    n.task,
                    language_label(&n.language),
                    n.reason
                );
            }
            out.push('\n');
        }
        if !self.mismatches.is_empty() {
            out.push_str("### Manifest differences (allowed by --allow-mismatch)\n\n");
            for m in &self.mismatches {
                let _ = writeln!(
                    out,
                    "- `{}`: baseline `{}`, candidate `{}`",
                    m.field,
                    brief(&m.baseline),
                    brief(&m.candidate)
                );
            }
            out.push('\n');
        }
        let _ = writeln!(
            out,
            "Scores are in points on the items both runs scored. Accuracy: exact McNemar test; \
             other metrics: paired bootstrap ({} resamples, seed {}); intervals are paired-bootstrap \
             percentile intervals of candidate − baseline. A verdict follows the test's p-value, so \
             with few discordant items an interval can exclude 0 while McNemar's test is not \
             significant. Only primary metrics (accuracy, chrF++) decide the verdict.",
            o.resamples, o.seed
        );
        out
    }
}

fn rows_table(rows: &[&Row], level: &str) -> String {
    let header: Vec<String> = [
        "task",
        "language",
        "metric",
        "baseline",
        "candidate",
        "Δ",
        level,
        "p",
        "n",
        "verdict",
    ]
    .map(String::from)
    .to_vec();
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let test = match r.test {
                Test::McnemarExact => " (McNemar)",
                Test::PairedBootstrap => " (bootstrap)",
            };
            let verdict = match r.verdict {
                Verdict::Regressed => format!("**{}**", r.verdict.as_str()),
                v => v.as_str().to_string(),
            };
            let n = if r.only_in_baseline + r.only_in_candidate > 0 {
                format!(
                    "{} (+{}/+{} unpaired)",
                    r.n, r.only_in_baseline, r.only_in_candidate
                )
            } else {
                r.n.to_string()
            };
            vec![
                r.task.clone(),
                language_label(&r.language),
                if r.primary {
                    r.metric.clone()
                } else {
                    format!("{} (secondary)", r.metric)
                },
                format!("{:.2}", r.baseline),
                format!("{:.2}", r.candidate),
                fmt_delta(Some(r.delta)),
                format!(
                    "[{}, {}]",
                    fmt_delta(Some(r.ci_low)),
                    fmt_delta(Some(r.ci_high))
                ),
                if r.p_value.is_finite() {
                    format!("{}{test}", fmt_p(r.p_value))
                } else {
                    MISSING.to_string()
                },
                n,
                verdict,
            ]
        })
        .collect();
    markdown_table(&header, &body)
}

/// `95` for 0.95, `99.9` for 0.999.
fn format_level(level: f64) -> String {
    let s = format!("{:.3}", level * 100.0);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A manifest value on one line: escapes shown, hashes cut to 12 characters, long text cut
/// to 40 characters.
fn brief(s: &str) -> String {
    let one_line: String = s.escape_debug().collect::<String>().replace('`', "'");
    if one_line.len() == 64 && one_line.chars().all(|c| c.is_ascii_hexdigit()) {
        return one_line[..12].to_string();
    }
    match one_line.char_indices().nth(40) {
        Some((i, _)) => format!("{}…", &one_line[..i]),
        None => one_line,
    }
}

/// The first 12 characters of a hash (or a short value as is).
fn short(s: &str) -> &str {
    if s.len() > 16 && s.is_ascii() {
        &s[..12]
    } else {
        s
    }
}
