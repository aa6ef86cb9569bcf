//! `kakugo report`: tables, plots, leaderboard and manifests of run records as one
//! self-contained HTML page plus CSV, Markdown, SVG and PNG files.
//!
//! ```text
//! kakugo report runs/base/smollm2-135m.smoke.json runs/candidate/*.json [--out DIR]
//! ```
//! The first record's model is the baseline. Writes `index.html`, `results.csv`,
//! `leaderboard.md` and `plots/` into `--out` (default `reports/<name>`, the name made from
//! the runs' model and suite names).

use std::path::{Path, PathBuf};

use clap::Args;

use kakugo::report::{default_report_name, write_report, Run};

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Run records written by `kakugo eval`; the first one's model is the baseline.
    #[arg(required = true, value_name = "RUN.json")]
    pub runs: Vec<PathBuf>,
    /// Output directory (default: reports/<models>.<suites>).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run(args: ReportArgs) -> anyhow::Result<i32> {
    let runs = Run::read_all(&args.runs)?;
    let out = args
        .out
        .unwrap_or_else(|| Path::new("reports").join(default_report_name(&runs)));
    let files = write_report(&runs, &out)?;
    println!(
        "report: {} ({} files)",
        out.join("index.html").display(),
        files.files.len()
    );
    Ok(0)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use crate::cli::{Cli, Command};

    #[test]
    fn takes_several_runs_and_an_optional_out() {
        let cli =
            Cli::try_parse_from(["kakugo", "report", "a.json", "b.json", "--out", "r"]).unwrap();
        let Command::Report(args) = cli.command else {
            panic!("not report")
        };
        assert_eq!(args.runs.len(), 2);
        assert_eq!(args.out.as_deref(), Some(std::path::Path::new("r")));
        assert!(
            Cli::try_parse_from(["kakugo", "report"]).is_err(),
            "a run is required"
        );
    }
}
