//! The report's `index.html`: one self-contained page (inline CSS, plots inlined as SVG, no
//! script, nothing fetched from the network) with the results tables, the leaderboard, the
//! plots, and every run's manifest and lineage.
//!
//! `<main>` carries `data-tables` and `data-plots`, the number of tables and plots the page
//! must show; `scripts/check-report-html.sh` loads the page in headless Chromium and checks
//! the rendered DOM against them.

use std::fmt::Write as _;

use serde_json::Value;

use super::leaderboard::Leaderboard;
use super::plots::RenderedPlot;
use super::scores::ScoreTable;
use super::tables::{esc, fmt_delta, fmt_score_se, html_table, Cell};
use super::{default_report_name, language_label, Run};

const CSS: &str = "
body { font-family: system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', sans-serif;
  margin: 0 auto; max-width: 1200px; padding: 1rem 2rem; color: #222; line-height: 1.4; }
h1 { font-size: 1.6rem; } h2 { border-bottom: 1px solid #ccc; margin-top: 2.5rem; }
table { border-collapse: collapse; margin: 1rem 0; font-size: 0.9rem; }
caption { text-align: left; font-weight: bold; padding: 0.3rem 0; }
th, td { border: 1px solid #ddd; padding: 0.2rem 0.5rem; vertical-align: top; }
thead th { background: #f0f0f0; } tbody th { text-align: left; font-weight: normal; } tbody tr:nth-child(even) { background: #fafafa; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.best { font-weight: bold; background: #e8f1fa; }
td.pre { white-space: pre-wrap; font-family: ui-monospace, 'DejaVu Sans Mono', monospace; }
td.hash, dd.hash { font-family: ui-monospace, 'DejaVu Sans Mono', monospace; font-size: 0.8rem; }
figure.plot { margin: 2rem 0; } figure.plot svg { max-width: 100%; height: auto; }
dl { display: grid; grid-template-columns: max-content auto; gap: 0.1rem 1rem; }
dt { font-weight: bold; } dd { margin: 0; overflow-wrap: anywhere; }
dd dl { margin: 0; } .doc { max-width: 70rem; color: #444; }
nav a { margin-right: 1rem; }
";

/// A complete HTML page around `body`.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        esc(title)
    )
}

/// The report page. The first model is the baseline.
pub fn report_page(
    runs: &[Run],
    table: &ScoreTable,
    board: &Leaderboard,
    plots: &[RenderedPlot],
) -> String {
    let name = default_report_name(runs);
    let mut body = String::new();
    let _ = writeln!(body, "<h1>kakugo report: {}</h1>", esc(&name));
    body.push_str(&summary(table, runs.len()));
    body.push_str(
        "<nav><a href=\"#results\">Results</a><a href=\"#leaderboard\">Leaderboard</a>\
         <a href=\"#plots\">Plots</a><a href=\"#runs\">Runs</a></nav>\n",
    );
    body.push_str("<section id=\"results\">\n<h2>Results</h2>\n");
    body.push_str(
        "<p class=\"doc\">Every metric in points (0-100) as value ± standard error; Δ is the \
         candidate minus the baseline. The same numbers, long format, are in \
         <a href=\"results.csv\">results.csv</a>.</p>\n",
    );
    body.push_str(&results_tables(table));
    body.push_str("</section>\n<section id=\"leaderboard\">\n<h2>Leaderboard</h2>\n");
    body.push_str(&board.to_html());
    body.push_str("</section>\n<section id=\"plots\">\n<h2>Plots</h2>\n");
    if plots.is_empty() {
        body.push_str("<p>No plots: the runs have no scores.</p>\n");
    }
    for p in plots {
        let svg = p.svg.replacen(
            "<svg ",
            &format!("<svg role=\"img\" aria-label=\"{}\" ", esc(&p.title)),
            1,
        );
        let _ = writeln!(
            body,
            "<figure class=\"plot\" id=\"plot-{stem}\">\n<figcaption><strong>{title}</strong>. \
             {caption} <a href=\"plots/{stem}.png\">PNG</a> · <a href=\"plots/{stem}.svg\">SVG</a>\
             </figcaption>\n{svg}</figure>",
            stem = esc(&p.stem),
            title = esc(&p.title),
            caption = esc(&p.caption),
        );
    }
    body.push_str("</section>\n<section id=\"runs\">\n<h2>Runs</h2>\n");
    for run in runs {
        body.push_str(&manifest_section(run));
    }
    body.push_str("</section>\n");
    let n_tables = body.matches("<table>").count();
    let main = format!(
        "<main data-tables=\"{n_tables}\" data-plots=\"{}\">\n{body}</main>\n",
        plots.len()
    );
    page(&format!("kakugo report: {name}"), &main)
}

fn summary(table: &ScoreTable, n_runs: usize) -> String {
    let mut out = String::from("<p>");
    if let Some(base) = table.models.first() {
        let _ = write!(out, "Baseline: <strong>{}</strong>. ", esc(&base.label));
    }
    let cands: Vec<String> = table.models.iter().skip(1).map(|m| esc(&m.label)).collect();
    if !cands.is_empty() {
        let _ = write!(out, "Candidates: {}. ", cands.join(", "));
    }
    let _ = writeln!(
        out,
        "{} run records, {} tasks, {} languages.</p>",
        n_runs,
        table.tasks().len(),
        table.languages().len()
    );
    out
}

/// Per task and metric: languages × models (value ± stderr), plus Δ to the baseline for each
/// candidate.
fn results_tables(table: &ScoreTable) -> String {
    let mut out = String::new();
    let n = table.models.len();
    for task in table.tasks() {
        for metric in table.task_metrics(task) {
            let mut header = vec!["language".to_string()];
            for (i, m) in table.models.iter().enumerate() {
                header.push(m.label.clone());
                if i > 0 {
                    header.push(format!("Δ {}", m.label));
                }
            }
            let rows: Vec<Vec<Cell>> = table
                .task_languages(task)
                .into_iter()
                .map(|lang| {
                    let get = |m: usize| table.get(m, task, lang, metric);
                    let base = get(0).map(|r| r.value);
                    let mut row = vec![Cell::from(language_label(lang))];
                    for m in 0..n {
                        let r = get(m);
                        row.push(fmt_score_se(r.map(|r| (r.value, r.stderr))).into());
                        if m > 0 {
                            let d = r.and_then(|r| Some(r.value - base?));
                            row.push(fmt_delta(d).into());
                        }
                    }
                    row
                })
                .collect();
            let primary = if table.primary(task) == Some(metric) {
                " (primary)"
            } else {
                ""
            };
            out.push_str(&html_table(
                &format!("{task}: {metric}{primary}"),
                &header,
                &rows,
            ));
        }
    }
    out
}

fn manifest_section(run: &Run) -> String {
    let r = &run.record;
    let m = &r.manifest;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<article class=\"run\">\n<h3>{} <small>({})</small></h3>",
        esc(&r.model),
        esc(&run.path.display().to_string())
    );
    let mut fields: Vec<(&str, String, bool)> = vec![
        ("model", m.model.name.clone(), false),
        ("model spec", m.model.spec.clone(), false),
        ("model sha256", m.model.sha256.clone(), true),
        ("tokenizer sha256", m.model.tokenizer_sha256.clone(), true),
        ("backend", m.model.backend.to_string(), false),
        ("device", m.model.device.clone(), false),
        ("dtype", m.model.dtype.clone(), false),
        ("architecture", m.model.architecture.clone(), false),
        ("context length", m.model.context_length.to_string(), false),
        ("suite", m.suite.name.clone(), false),
        ("suite sha256", m.suite.sha256.clone(), true),
        ("kakugo version", m.kakugo_version.clone(), false),
        ("git commit", m.git_commit.clone(), true),
        (
            "limit",
            m.limit.map_or("none".to_string(), |l| l.to_string()),
            false,
        ),
    ];
    // Only remote models say where their scores came from; in-process records keep their bytes.
    if !m.model.scoring.is_exact() {
        fields.insert(
            7,
            ("scoring", m.model.scoring.description().to_string(), false),
        );
    }
    out.push_str("<dl>\n");
    for (k, v, hash) in fields {
        let class = if hash { " class=\"hash\"" } else { "" };
        let _ = writeln!(out, "<dt>{}</dt><dd{class}>{}</dd>", esc(k), esc(&v));
    }
    out.push_str("</dl>\n");
    let kv = |caption: &str, cols: [&str; 2], class: &'static str, items: Vec<(String, String)>| {
        let rows: Vec<Vec<Cell>> = items
            .into_iter()
            .map(|(k, v)| vec![Cell::from(k), Cell::with_class(v, class)])
            .collect();
        let header = cols.map(String::from).to_vec();
        html_table(caption, &header, &rows)
    };
    let pairs = |map: &std::collections::BTreeMap<String, String>| -> Vec<(String, String)> {
        map.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    };
    out.push_str(&kv(
        "Data files",
        ["path", "sha256"],
        "hash",
        pairs(&m.data_files),
    ));
    out.push_str(&kv(
        "Prompts",
        ["task", "template"],
        "pre",
        pairs(&m.prompts),
    ));
    let seeds = m
        .seeds
        .iter()
        .map(|(k, v)| (k.clone(), v.to_string()))
        .collect();
    out.push_str(&kv("Seeds", ["purpose", "seed"], "hash", seeds));
    out.push_str(&kv(
        "Metric signatures",
        ["metric", "signature"],
        "hash",
        pairs(&m.metric_signatures),
    ));
    if !r.missing.is_empty() {
        let rows: Vec<Vec<Cell>> = r
            .missing
            .iter()
            .map(|x| {
                vec![
                    Cell::from(x.task.as_str()),
                    Cell::from(language_label(&x.language)),
                    Cell::from(x.reason.as_str()),
                ]
            })
            .collect();
        let header = ["task", "language", "reason"].map(String::from).to_vec();
        out.push_str(&html_table(
            "Languages asked for but missing",
            &header,
            &rows,
        ));
    }
    if !r.excluded.is_empty() {
        let rows: Vec<Vec<Cell>> = r
            .excluded
            .iter()
            .map(|x| {
                vec![
                    Cell::from(x.task.as_str()),
                    Cell::from(language_label(&x.language)),
                    Cell::from(x.id.as_str()),
                    Cell::from(x.reason.as_str()),
                ]
            })
            .collect();
        let header = ["task", "language", "item", "reason"]
            .map(String::from)
            .to_vec();
        out.push_str(&html_table("Items left out (not scored)", &header, &rows));
    }
    if let Some(lineage) = &r.lineage {
        out.push_str("<h4>Lineage</h4>\n");
        out.push_str(&json_html(
            &serde_json::to_value(lineage).expect("lineages serialise"),
        ));
        out.push('\n');
    }
    out.push_str("</article>\n");
    out
}

/// A JSON value as HTML: objects as definition lists (in the record's key order), arrays as
/// ordered lists, scalars as text.
pub fn json_html(v: &Value) -> String {
    match v {
        Value::Object(map) => {
            let mut out = String::from("<dl>");
            for (k, v) in map {
                let _ = write!(out, "<dt>{}</dt><dd>{}</dd>", esc(k), json_html(v));
            }
            out.push_str("</dl>");
            out
        }
        Value::Array(items) => {
            let mut out = String::from("<ol>");
            for v in items {
                let _ = write!(out, "<li>{}</li>", json_html(v));
            }
            out.push_str("</ol>");
            out
        }
        Value::String(s) => esc(s),
        other => esc(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lineage_renders_as_nested_definition_lists() {
        let v = serde_json::json!({"teacher": "gemma-3-27b", "training": {"lr": 1e-5, "epochs": 1},
                                   "data": ["a<b"]});
        assert_eq!(
            json_html(&v),
            "<dl><dt>teacher</dt><dd>gemma-3-27b</dd><dt>training</dt><dd><dl><dt>lr</dt>\
             <dd>0.00001</dd><dt>epochs</dt><dd>1</dd></dl></dd><dt>data</dt><dd><ol><li>a&lt;b</li>\
             </ol></dd></dl>"
        );
    }
}
