//! `keyway demo`: a realistic block from the contract suite ([`crate::suite`]), executed
//! sequentially and in parallel; both must agree.

use std::time::{Duration, Instant};

use anyhow::ensure;
use indicatif::{ProgressBar, ProgressStyle};
use keyway_host_api::Status;
use keyway_scheduler::{BlockOptions, BlockOutcome, execute_block};

use crate::suite::{ENV, Mix, Suite, SuiteOptions};
use crate::vectors::state_diff_hash;

/// Options of `keyway demo`.
#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    /// Signed transactions in the block.
    #[arg(long, default_value_t = 10_000)]
    pub transactions: usize,
    /// Users of the applications.
    #[arg(long, default_value_t = 1_000)]
    pub users: usize,
    /// Fraction of the transactions that increment the one contended counter.
    #[arg(long, default_value_t = 0.02)]
    pub hot_share: f64,
    /// Weights of the applications, e.g. `payments=30,nft=12,amm=6` (unnamed ones get 0;
    /// names: payments, nft, amm, escrow, dao, multisig, supply-chain, counters). Default:
    /// all of them.
    #[arg(long, value_parser = Mix::parse)]
    pub mix: Option<Mix>,
    /// Worker threads of the parallel run (default: available cores, at least 2).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Seed of the generator's random choices.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// A spinner with the elapsed time, shown while `work` runs (on stderr, and only on a
/// terminal: piped output stays clean).
fn with_spinner<T>(message: &str, work: impl FnOnce() -> T) -> T {
    let spinner = ProgressBar::new_spinner().with_message(message.to_string());
    spinner.set_style(
        ProgressStyle::with_template("{spinner} {msg} {elapsed}")
            .expect("a valid progress template"),
    );
    spinner.enable_steady_tick(Duration::from_millis(100));
    let value = work();
    spinner.finish_and_clear();
    eprintln!("{message} done");
    value
}

/// Runs the demo and prints its table.
pub fn run(args: &DemoArgs) -> anyhow::Result<()> {
    let threads = args
        .threads
        .unwrap_or_else(|| BlockOptions::default().threads)
        .max(2);
    let options = SuiteOptions {
        users: args.users,
        hot_share: args.hot_share,
        mix: args.mix.unwrap_or_default(),
        seed: args.seed,
    };
    let mut suite = with_spinner(
        &format!(
            "deploying the contract suite and setting up {} users",
            args.users
        ),
        || Suite::new(options),
    )?;
    let block = with_spinner(
        &format!("signing {} transactions", args.transactions),
        || suite.block(args.transactions, threads),
    );

    let run = |threads| -> anyhow::Result<(BlockOutcome, f64)> {
        let started = Instant::now();
        let outcome = execute_block(
            &suite.runtime,
            &suite.state,
            &ENV,
            &block,
            &BlockOptions::with_threads(threads),
        )?;
        Ok((outcome, started.elapsed().as_secs_f64()))
    };
    let (sequential, seq_secs) = with_spinner("executing on 1 thread", || run(1))?;
    let (parallel, par_secs) =
        with_spinner(&format!("executing on {threads} threads"), || run(threads))?;
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
    crate::say!(
        "keyway demo: {} users of the contract suite, signatures verified in the block, \
         a fresh instance per call",
        args.users
    );
    let row = |name: &str, value: String| crate::say!("{name:<36} {value:>18}");
    row("transactions", block.len().to_string());
    row("succeeded", succeeded.to_string());
    row("tx/s on 1 thread", format!("{:.0}", n / seq_secs));
    row(
        &format!("tx/s on {threads} threads"),
        format!("{:.0}", n / par_secs),
    );
    row(
        "µs per tx on 1 thread",
        format!("{:.2}", seq_secs * 1e6 / n),
    );
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
    row("state-diff hash", state_diff_hash(&parallel.state_diff));
    row("sequential = parallel", "yes".into());
    Ok(())
}
