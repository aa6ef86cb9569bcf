//! `kakugo compare`: per-language regression verdicts of a candidate run against a baseline
//! run, for pull-request comments and CI gates.
//!
//! ```text
//! kakugo compare --baseline ci/baseline/smoke-smollm2.json --candidate runs/candidate/x.json \
//!                [--max-drop POINTS] [--alpha 0.05] [--json OUT] [--allow-mismatch]
//! ```
//! Prints a Markdown summary on stdout. Exit codes: 0 nothing regressed, 1 a primary metric
//! regressed (significant at α and a drop of more than --max-drop points), 2 the runs cannot
//! be compared (manifests differ in suite, data, prompts, seeds or limit; no common items) or
//! any other error. Statistics and verdicts: [`kakugo::report::compare`].

use std::path::PathBuf;

use clap::Args;

use kakugo::report::compare::{compare, CompareOptions};
use kakugo::report::Run;
use kakugo::Error;

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The reference run record (e.g. a committed baseline).
    #[arg(long)]
    pub baseline: PathBuf,
    /// The run record to judge.
    #[arg(long)]
    pub candidate: PathBuf,
    /// Largest tolerated significant drop, in points (0–100 scale, every metric).
    #[arg(long, default_value_t = 0.0, value_name = "POINTS")]
    pub max_drop: f64,
    /// Significance level; intervals are at 1 − alpha.
    #[arg(long, default_value_t = 0.05)]
    pub alpha: f64,
    /// Paired-bootstrap resamples per comparison.
    #[arg(long, default_value_t = 2000)]
    pub resamples: usize,
    /// Seed of the paired bootstrap (ChaCha8), mixed with each row's task, language and metric.
    #[arg(long, default_value_t = 1234)]
    pub seed: u64,
    /// Also write the full comparison as JSON here.
    #[arg(long, value_name = "OUT")]
    pub json: Option<PathBuf>,
    /// Compare even when the manifests differ in suite, data files, prompts, seeds or limit.
    #[arg(long)]
    pub allow_mismatch: bool,
}

impl CompareArgs {
    fn options(&self) -> Result<CompareOptions, Error> {
        if !(self.alpha > 0.0 && self.alpha < 1.0) {
            return Err(Error::usage_hint(
                format!("--alpha {} is not between 0 and 1", self.alpha),
                "the usual level is --alpha 0.05",
            ));
        }
        if !(self.max_drop >= 0.0 && self.max_drop.is_finite()) {
            return Err(Error::usage(format!(
                "--max-drop {} must be a non-negative number of points",
                self.max_drop
            )));
        }
        if self.resamples < 100 {
            return Err(Error::usage_hint(
                format!(
                    "--resamples {} is too few for a percentile interval",
                    self.resamples
                ),
                "use at least 1000",
            ));
        }
        Ok(CompareOptions {
            alpha: self.alpha,
            max_drop: self.max_drop,
            resamples: self.resamples,
            seed: self.seed,
            allow_mismatch: self.allow_mismatch,
        })
    }
}

pub fn run(args: CompareArgs) -> anyhow::Result<i32> {
    let opts = args.options()?;
    let baseline = Run::read(&args.baseline)?;
    let candidate = Run::read(&args.candidate)?;
    let comparison = compare(&baseline, &candidate, &opts)?;
    print!("{}", comparison.to_markdown());
    if let Some(path) = &args.json {
        let mut json = serde_json::to_vec_pretty(&comparison).expect("comparisons serialise");
        json.push(b'\n');
        kakugo::store::atomic::write_atomic(path, &json)?;
    }
    Ok(if comparison.regressed { 1 } else { 0 })
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use crate::cli::{Cli, Command};

    fn parse(extra: &[&str]) -> super::CompareArgs {
        let mut argv = vec![
            "kakugo",
            "compare",
            "--baseline",
            "a.json",
            "--candidate",
            "b.json",
        ];
        argv.extend(extra);
        match Cli::try_parse_from(argv).unwrap().command {
            Command::Compare(args) => args,
            _ => panic!("not compare"),
        }
    }

    #[test]
    fn defaults_are_alpha_005_no_tolerance() {
        let opts = parse(&[]).options().unwrap();
        assert_eq!((opts.alpha, opts.max_drop, opts.seed), (0.05, 0.0, 1234));
        assert!(!opts.allow_mismatch);
    }

    #[test]
    fn rejects_impossible_alpha_and_negative_drop() {
        assert!(parse(&["--alpha", "1.5"]).options().is_err());
        assert!(parse(&["--max-drop=-1"]).options().is_err());
        assert!(
            parse(&["--max-drop", "2", "--allow-mismatch"])
                .options()
                .unwrap()
                .allow_mismatch
        );
    }
}
