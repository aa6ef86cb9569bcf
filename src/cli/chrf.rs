//! `kakugo chrf`: chrF++ (or chrF) of a hypothesis file against reference files, printed like
//! sacrebleu's command line.
//!
//! ```text
//! kakugo chrf --hyp hyp.txt --ref ref.txt            # chrF2++ = 63.11 + signature
//! kakugo chrf --hyp hyp.txt --ref ref.txt --sentence # one score per line
//! ```

use std::path::{Path, PathBuf};

use clap::Args;

use crate::eval::metrics::chrf::ChrF;
use crate::Error;

#[derive(Debug, Args)]
pub struct ChrfArgs {
    /// Hypotheses, one segment per line.
    #[arg(long)]
    pub hyp: PathBuf,
    /// References, one segment per line, parallel to --hyp; repeat for several references.
    #[arg(long = "ref", required = true)]
    pub refs: Vec<PathBuf>,
    /// Print one score per line instead of the corpus score.
    #[arg(long)]
    pub sentence: bool,
    /// Word n-gram order: 2 for chrF++ (default), 0 for chrF.
    #[arg(long, default_value_t = 2)]
    pub word_order: usize,
}

fn read_lines(path: &Path) -> Result<Vec<String>, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    Ok(text.lines().map(str::to_string).collect())
}

pub fn run(args: ChrfArgs) -> anyhow::Result<i32> {
    let chrf = ChrF {
        char_order: 6,
        word_order: args.word_order,
        beta: 2.0,
    };
    let hyps = read_lines(&args.hyp)?;
    let refs = args
        .refs
        .iter()
        .map(|r| read_lines(r))
        .collect::<Result<Vec<_>, _>>()?;
    for (path, r) in args.refs.iter().zip(&refs) {
        if r.len() != hyps.len() {
            return Err(Error::usage(format!(
                "{} has {} lines but {} has {}: hypotheses and references must be parallel",
                args.hyp.display(),
                hyps.len(),
                path.display(),
                r.len()
            ))
            .into());
        }
    }
    let stats: Vec<Vec<f64>> = hyps
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let rs: Vec<&str> = refs.iter().map(|r| r[i].as_str()).collect();
            chrf.segment_stats(h, &rs)
        })
        .collect();
    if args.sentence {
        for s in &stats {
            println!("{} = {:.2}", chrf.label(), chrf.score(s));
        }
    } else {
        println!("{} = {:.2}", chrf.label(), chrf.corpus_score(&stats));
    }
    println!("{}", chrf.signature(refs.len()));
    Ok(0)
}
