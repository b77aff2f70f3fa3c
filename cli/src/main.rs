//! `keyway`: drives the Keyway runtime from the command line.

use clap::{Parser, Subcommand};

mod demo;

/// Keyway: a deterministic WebAssembly smart-contract runtime.
#[derive(Parser)]
#[command(name = "keyway", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Deploys the token contract, runs signed transfers through the runtime and prints
    /// throughput, time and gas per transaction.
    Demo(demo::DemoArgs),
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Demo(args) => demo::run(&args),
    }
}
