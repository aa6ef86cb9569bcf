//! `kakugo chrf`: chrF++ (or chrF) of a hypothesis file against reference files, printed like
//! sacrebleu's command line (`sacrebleu REF -i HYP -m chrf --chrf-word-order 2 -f text`).
//!
//! ```text
//! kakugo chrf --hyp hyp.txt --ref ref.txt
//! chrF2++|nrefs:1|case:mixed|eff:yes|nc:6|nw:2|space:no|version:2.6.0|kakugo:0.1.0 = 63.11
//! kakugo chrf --hyp hyp.txt --ref ref.txt --sentence     # one line per segment
//! kakugo chrf --hyp hyp.txt --ref ref.txt --format json  # sacrebleu's JSON object
//! ```
//!
//! sacrebleu prints JSON by default; kakugo prints text unless asked. With `--sentence
//! --format json` each segment's object is printed on its own line (JSON Lines), where
//! sacrebleu would print text.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use kakugo::eval::metrics::chrf::ChrF;
use kakugo::eval::metrics::segments::Parallel;
use kakugo::eval::metrics::{sum_stats, Score};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// `chrF2++|signature = 63.11`
    Text,
    /// sacrebleu's JSON object (indent 1)
    Json,
}

#[derive(Debug, Args)]
pub struct ChrfArgs {
    /// Hypotheses, one segment per line.
    #[arg(long)]
    pub hyp: PathBuf,
    /// References, one segment per line, parallel to --hyp; repeat for several references
    /// (each segment is scored against its best reference).
    #[arg(long = "ref", required = true)]
    pub refs: Vec<PathBuf>,
    /// Print one score per segment instead of the corpus score.
    #[arg(long)]
    pub sentence: bool,
    /// Word n-gram order: 2 for chrF++, 0 for chrF.
    #[arg(long, default_value_t = 2)]
    pub word_order: usize,
    /// Character n-gram order.
    #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u64).range(1..))]
    pub char_order: u64,
    /// Recall weight β.
    #[arg(long, default_value_t = 2)]
    pub beta: u32,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Decimals printed.
    #[arg(long, default_value_t = 2)]
    pub width: usize,
}

fn print(score: &Score, args: &ChrfArgs, one_line: bool) -> anyhow::Result<()> {
    match args.format {
        Format::Text => println!("{}", score.text(args.width, true)),
        Format::Json if one_line => println!("{}", score.json(args.width)),
        Format::Json => {
            let mut out = Vec::new();
            let fmt = serde_json::ser::PrettyFormatter::with_indent(b" ");
            let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
            serde::Serialize::serialize(&score.json(args.width), &mut ser)?;
            println!("{}", String::from_utf8(out)?);
        }
    }
    Ok(())
}

pub fn run(args: ChrfArgs) -> anyhow::Result<i32> {
    let chrf = ChrF {
        char_order: args.char_order as usize,
        word_order: args.word_order,
        beta: args.beta,
    };
    let parallel = Parallel::read(&args.hyp, &args.refs)?;
    let stats = parallel.stats(|h, r| chrf.segment_stats(h, r));
    if args.sentence {
        for s in &stats {
            print(&chrf.report(s, parallel.n_refs()), &args, true)?;
        }
    } else {
        let total = sum_stats(&stats, chrf.n_stats());
        print(&chrf.report(&total, parallel.n_refs()), &args, false)?;
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: ChrfArgs,
    }

    #[test]
    fn defaults_are_chrf_plus_plus_text() {
        let cli = Cli::parse_from(["x", "--hyp", "h", "--ref", "r1", "--ref", "r2"]);
        assert_eq!(cli.args.refs.len(), 2);
        assert_eq!(
            (cli.args.word_order, cli.args.char_order, cli.args.beta),
            (2, 6, 2)
        );
        assert_eq!(cli.args.format, Format::Text);
        assert!(Cli::try_parse_from(["x", "--hyp", "h"]).is_err());
        assert!(
            Cli::try_parse_from(["x", "--hyp", "h", "--ref", "r", "--char-order", "0"]).is_err()
        );
    }
}
