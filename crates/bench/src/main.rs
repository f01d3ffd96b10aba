//! `juhe-bench`: parses [`juhe_bench::BenchArgs`], runs the bench, prints the report.

use std::process::ExitCode;

use clap::Parser;

/// Load generator for juhe's merchant API: signed wallet payments/s and latency against the
/// /healthz rate and the raw durable SQLite commit rate of the same machine.
#[derive(Parser)]
#[command(name = "juhe-bench", version)]
struct Cli {
    #[command(flatten)]
    bench: juhe_bench::BenchArgs,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("juhe-bench: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(juhe_bench::run(cli.bench)) {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("juhe-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
