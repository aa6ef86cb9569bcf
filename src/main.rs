//! The `kakugo` binary: parse, run, print the error chain and choose the exit code.

use clap::Parser;

mod cli;

fn main() {
    // candle's own thread pool spin-waits at a barrier after every small element-wise op, and
    // competes with the rayon threads that run kakugo's matrix products: on 2 cores that cost
    // ~18% of scoring time (perf). One candle thread keeps its ops on the calling thread.
    // Set before any candle op runs (and before any thread exists), so the pool sees it.
    if std::env::var_os("CANDLE_NUM_THREADS").is_none() {
        std::env::set_var("CANDLE_NUM_THREADS", "1");
    }
    let cli = cli::Cli::parse();
    let default_level = match cli.verbose {
        0 => "kakugo=info",
        1 => "kakugo=debug",
        _ => "kakugo=trace",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level)),
        )
        .with_writer(std::io::stderr)
        .with_target(false)
        .without_time()
        .init();
    let code = match cli::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("kakugo: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            err.downcast_ref::<kakugo::Error>()
                .map(kakugo::Error::exit_code)
                .unwrap_or(2)
        }
    };
    std::process::exit(code);
}
