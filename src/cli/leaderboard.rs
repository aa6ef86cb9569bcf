//! `kakugo leaderboard`: rank the models of every run record in a directory, per language and
//! overall, as Markdown, CSV and HTML.
//!
//! ```text
//! kakugo leaderboard runs/ [--out reports/leaderboard]
//! ```
//! Reads every `*.json` run record under the directory (recursively); the averaging is
//! described in [`kakugo::report::leaderboard`] and on the page itself.

use std::path::PathBuf;

use clap::Args;

use kakugo::report::leaderboard::write_leaderboard;

#[derive(Debug, Args)]
pub struct LeaderboardArgs {
    /// Directory of run records (searched recursively for *.json).
    #[arg(value_name = "DIR_OF_RUNS")]
    pub dir: PathBuf,
    /// Output directory for leaderboard.{md,csv,html}.
    #[arg(long, default_value = "reports/leaderboard")]
    pub out: PathBuf,
}

pub fn run(args: LeaderboardArgs) -> anyhow::Result<i32> {
    if !args.dir.is_dir() {
        return Err(kakugo::Error::usage(format!(
            "{} is not a directory of run records",
            args.dir.display()
        ))
        .into());
    }
    for path in write_leaderboard(&args.dir, &args.out)? {
        println!("{}", path.display());
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use crate::cli::{Cli, Command};

    #[test]
    fn out_defaults_to_reports_leaderboard() {
        let cli = Cli::try_parse_from(["kakugo", "leaderboard", "runs"]).unwrap();
        let Command::Leaderboard(args) = cli.command else {
            panic!("not leaderboard")
        };
        assert_eq!(args.out, std::path::PathBuf::from("reports/leaderboard"));
    }
}
