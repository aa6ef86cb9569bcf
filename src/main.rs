//! The `kakugo` binary: parse, run, print the error chain and choose the exit code.

use clap::Parser;

fn main() {
    let cli = kakugo::cli::Cli::parse();
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
    let code = match kakugo::cli::run(cli) {
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
