//! Encoding speed on real sentences.
//!
//! ```text
//! cargo run --release --example speed -- MODEL FLORES_TSV [REPEATS]
//! cargo run --release --example speed -- tests/fixtures/unigram_nfkc.model \
//!     ../../../shared/data/flores/subset/eng_Latn.tsv
//! ```
//!
//! The TSV is one of `shared/data/flores/subset/<lang>.tsv` (`index_id`, `split`, `text`);
//! the text column is read naively (quotes kept), which is fine for timing.

use std::time::Instant;

use kakugo_sentencepiece::SentencePiece;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, model, tsv, rest @ ..] = args.as_slice() else {
        return Err("usage: speed MODEL FLORES_TSV [REPEATS]".into());
    };
    let repeats: usize = rest.first().map_or(Ok(20), |r| r.parse())?;
    let sp = SentencePiece::from_file(model)?;
    let text = std::fs::read_to_string(tsv)?;
    let lines: Vec<&str> = text
        .lines()
        .skip(1)
        .filter_map(|l| l.splitn(3, '\t').nth(2))
        .collect();
    let bytes: usize = lines.iter().map(|l| l.len()).sum();
    let mut pieces = 0;
    let start = Instant::now();
    for _ in 0..repeats {
        pieces = lines.iter().map(|l| sp.encode_ids(l).len()).sum::<usize>();
    }
    let per_pass = start.elapsed().as_secs_f64() / repeats as f64;
    let start = Instant::now();
    for _ in 0..repeats {
        for l in &lines {
            std::hint::black_box(sp.normalize(l));
        }
    }
    let normalize = start.elapsed().as_secs_f64() / repeats as f64;
    println!(
        "{} sentences ({bytes} bytes, {pieces} pieces): {:.2} ms per pass ({:.2} ms of it \
         normalising), {:.1} MB/s",
        lines.len(),
        per_pass * 1e3,
        normalize * 1e3,
        bytes as f64 / per_pass / 1e6
    );
    Ok(())
}
