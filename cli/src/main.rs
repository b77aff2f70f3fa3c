//! `keyway`: drives the Keyway runtime from the command line.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use keyway_cli::{bench, demo, exec_cmd, simulate_cmd, validate_cmd, vectors};

/// Keyway: a deterministic WebAssembly smart-contract runtime with a parallel scheduler.
#[derive(Parser)]
#[command(name = "keyway", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs a realistic block of the example contracts sequentially and in parallel,
    /// checks that both agree, and prints throughput, speedup, the work/span bound, gas
    /// and the state-diff hash.
    Demo(demo::DemoArgs),
    /// The scheduler's workload sweep: patterns × block sizes at 1 and 2 threads.
    Bench(bench::BenchArgs),
    /// Conformance test vectors (tests/vectors/FORMAT.md): run them, or fill in their
    /// expectations.
    #[command(subcommand)]
    Conformance(vectors::command::ConformanceCommand),
    /// Checks a `.wasm` or `.wat` module against the ABI and the default limits; exit
    /// code 1 when it is rejected.
    Validate(validate_cmd::ValidateArgs),
    /// Executes the block of a vector file against its pre-state and prints the receipts
    /// and the state-diff hash.
    Exec(exec_cmd::ExecArgs),
    /// Discovers the access list of each transaction of a vector file (running them in
    /// order, each seeing the writes of the ones before) and prints it in the file's own
    /// `access_list` syntax, with the simulated status and gas.
    Simulate(simulate_cmd::SimulateArgs),
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Demo(args) => demo::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Bench(args) => bench::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Conformance(command) => vectors::command::run(&command),
        Command::Validate(args) => validate_cmd::run(&args),
        Command::Exec(args) => exec_cmd::run(&args),
        Command::Simulate(args) => simulate_cmd::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
