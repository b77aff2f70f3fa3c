//! `keyway`: drives the Keyway runtime from the command line.

use clap::{Parser, Subcommand};
use keyway_cli::{bench, demo};

/// Keyway: a deterministic WebAssembly smart-contract runtime with a parallel scheduler.
#[derive(Parser)]
#[command(name = "keyway", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs a block of signed token transfers sequentially and in parallel, checks that
    /// both agree, and prints throughput, speedup, the work/span bound, gas and the
    /// state-diff hash.
    Demo(demo::DemoArgs),
    /// The scheduler's workload sweep: patterns × block sizes at 1 and 2 threads.
    Bench(bench::BenchArgs),
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Demo(args) => demo::run(&args),
        Command::Bench(args) => bench::run(&args),
    }
}
