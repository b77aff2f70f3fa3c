//! `keyway demo`: a block of signed token transfers, executed sequentially and in
//! parallel; both must agree.

use std::time::Instant;

use anyhow::ensure;
use keyway_host_api::Status;
use keyway_scheduler::{BlockOptions, BlockOutcome, execute_block};
use sha2::{Digest, Sha256};

use crate::workload::{ENV, Pattern, Workload};

/// Options of `keyway demo`.
#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    /// Signed transfers in the block.
    #[arg(long, default_value_t = 10_000)]
    pub transfers: usize,
    /// Accounts sending and receiving tokens (uniformly).
    #[arg(long, default_value_t = 1_000)]
    pub accounts: usize,
    /// Worker threads of the parallel run (default: available cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Seed of the workload's random choices.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// sha256 of the borsh-encoded sorted state diff (first 16 bytes, hex): equal on every node.
pub fn state_diff_hash(outcome: &BlockOutcome) -> String {
    let mut hasher = Sha256::new();
    for (key, value) in outcome.state_diff.iter() {
        hasher.update(borsh::to_vec(&(key, value)).expect("borsh into a Vec"));
    }
    hex::encode(&hasher.finalize()[..16])
}

/// Runs the demo and prints its table.
pub fn run(args: &DemoArgs) -> anyhow::Result<()> {
    let threads = args
        .threads
        .unwrap_or_else(|| BlockOptions::default().threads)
        .max(2);
    eprintln!(
        "deploying the token and funding {} accounts...",
        args.accounts
    );
    let mut workload = Workload::new(args.accounts)?;
    eprintln!("signing {} transfers...", args.transfers);
    let block = workload.block(Pattern::Uniform, args.transfers, args.seed, threads);

    let run = |threads| -> anyhow::Result<(BlockOutcome, f64)> {
        let started = Instant::now();
        let outcome = execute_block(
            &workload.runtime,
            &workload.state,
            &ENV,
            &block,
            &BlockOptions::with_threads(threads),
        )?;
        Ok((outcome, started.elapsed().as_secs_f64()))
    };
    eprintln!("executing sequentially...");
    let (sequential, seq_secs) = run(1)?;
    eprintln!("executing on {threads} threads...");
    let (parallel, par_secs) = run(threads)?;
    ensure!(
        sequential.receipts == parallel.receipts && sequential.state_diff == parallel.state_diff,
        "parallel execution disagrees with sequential execution"
    );

    let n = block.len().max(1) as f64;
    let succeeded = parallel
        .receipts
        .iter()
        .filter(|r| r.status == Status::Success)
        .count();
    let gas: u64 = parallel.receipts.iter().map(|r| r.gas_used).sum();
    let stats = parallel.stats;
    println!(
        "keyway demo: token transfers, signatures verified in the block, fresh instance per transaction"
    );
    let row = |name: &str, value: String| println!("{name:<36} {value:>18}");
    row("transactions", block.len().to_string());
    row("succeeded", succeeded.to_string());
    row("tx/s sequential", format!("{:.0}", n / seq_secs));
    row(
        &format!("tx/s on {threads} threads"),
        format!("{:.0}", n / par_secs),
    );
    row("µs per tx sequential", format!("{:.2}", seq_secs * 1e6 / n));
    row(
        &format!("µs per tx on {threads} threads"),
        format!("{:.2}", par_secs * 1e6 / n),
    );
    row("speedup", format!("{:.2}x", seq_secs / par_secs));
    row("work/span bound", format!("{:.1}x", stats.parallelism()));
    row(
        "conflict edges / components",
        format!("{} / {}", stats.edges, stats.components),
    );
    row("gas per tx", format!("{:.0}", gas as f64 / n));
    row("state-diff hash", state_diff_hash(&parallel));
    row("sequential = parallel", "yes".into());
    Ok(())
}
