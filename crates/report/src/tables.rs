//! Table helpers shared by the Markdown, HTML and CSV outputs: cell formatting (two decimals,
//! `—` for a missing cell), Markdown tables, HTML tables with escaping, and ranking with
//! explicit ties.

use std::fmt::Write as _;

/// What a missing cell shows, in every format.
pub const MISSING: &str = "—";

/// A score in points, two decimals; `—` when missing.
pub fn fmt_score(v: Option<f64>) -> String {
    v.map_or_else(|| MISSING.to_string(), |v| format!("{v:.2}"))
}

/// `62.75 ± 3.39` (value and standard error); `—` when missing.
pub fn fmt_score_se(v: Option<(f64, f64)>) -> String {
    v.map_or_else(
        || MISSING.to_string(),
        |(v, se)| format!("{v:.2} ± {se:.2}"),
    )
}

/// A signed difference, two decimals (`+1.25`, `-0.50`); `—` when missing.
pub fn fmt_delta(v: Option<f64>) -> String {
    v.map_or_else(|| MISSING.to_string(), |v| format!("{v:+.2}"))
}

/// A p-value: four decimals, `<0.0001` below that.
pub fn fmt_p(p: f64) -> String {
    if p < 1e-4 {
        "<0.0001".to_string()
    } else {
        format!("{p:.4}")
    }
}

/// A Markdown table; `|` inside cells is escaped.
pub fn markdown_table(header: &[String], rows: &[Vec<String>]) -> String {
    let cell = |s: &String| s.replace('|', "\\|");
    let mut out = String::new();
    let _ = writeln!(
        out,
        "| {} |",
        header.iter().map(cell).collect::<Vec<_>>().join(" | ")
    );
    let _ = writeln!(out, "|{}", "---|".repeat(header.len()));
    for row in rows {
        let _ = writeln!(
            out,
            "| {} |",
            row.iter().map(cell).collect::<Vec<_>>().join(" | ")
        );
    }
    out
}

/// Escapes text for HTML element content and attribute values.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// An HTML table cell: text (escaped on output) and an optional CSS class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub text: String,
    pub class: Option<&'static str>,
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell { text, class: None }
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell::from(text.to_string())
    }
}

impl Cell {
    pub fn with_class(text: impl Into<String>, class: &'static str) -> Cell {
        Cell {
            text: text.into(),
            class: Some(class),
        }
    }
}

/// An HTML table with a caption; numeric-looking cells are right-aligned by the page's CSS
/// class `num`.
pub fn html_table(caption: &str, header: &[String], rows: &[Vec<Cell>]) -> String {
    let mut out = String::from("<table>\n");
    let _ = writeln!(out, "<caption>{}</caption>", esc(caption));
    out.push_str("<thead><tr>");
    for h in header {
        let _ = write!(out, "<th scope=\"col\">{}</th>", esc(h));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in rows {
        out.push_str("<tr>");
        for (i, c) in row.iter().enumerate() {
            let tag = if i == 0 { "th scope=\"row\"" } else { "td" };
            let close = if i == 0 { "th" } else { "td" };
            let mut classes: Vec<&str> = c.class.into_iter().collect();
            if i > 0 && looks_numeric(&c.text) {
                classes.push("num");
            }
            if classes.is_empty() {
                let _ = write!(out, "<{tag}>{}</{close}>", esc(&c.text));
            } else {
                let _ = write!(
                    out,
                    "<{tag} class=\"{}\">{}</{close}>",
                    classes.join(" "),
                    esc(&c.text)
                );
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    out
}

fn looks_numeric(s: &str) -> bool {
    s == MISSING
        || s.chars()
            .next()
            .is_some_and(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '<'))
}

/// Ranks of `values` (higher is better) with ties explicit: competition ranking, so two
/// models tied for first are both `1=` and the next is `3`. Values within 1e-9 points tie.
/// Missing values get no rank.
pub fn ranks(values: &[Option<f64>]) -> Vec<Option<String>> {
    values
        .iter()
        .map(|v| {
            let v = (*v)?;
            let better = values.iter().flatten().filter(|o| **o > v + 1e-9).count();
            let tied = values
                .iter()
                .flatten()
                .filter(|o| (**o - v).abs() <= 1e-9)
                .count();
            Some(if tied > 1 {
                format!("{}=", better + 1)
            } else {
                (better + 1).to_string()
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_make_ties_explicit() {
        let r = ranks(&[Some(50.0), None, Some(70.0), Some(70.0), Some(10.0)]);
        let r: Vec<String> = r.into_iter().map(|r| r.unwrap_or_default()).collect();
        assert_eq!(r, ["3", "", "1=", "1=", "4"]);
    }

    #[test]
    fn markdown_escapes_pipes_and_html_escapes_markup() {
        let md = markdown_table(&["a|b".into()], &[vec!["x".into()]]);
        assert_eq!(md, "| a\\|b |\n|---|\n| x |\n");
        assert_eq!(
            esc("<a href='x'>&</a>"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;"
        );
        assert_eq!(fmt_delta(Some(-0.5)), "-0.50");
        assert_eq!(fmt_score(None), "—");
    }
}
