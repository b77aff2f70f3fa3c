//! Where a block's time goes beyond the runtime: executes a block of 10k conflict-free
//! transfers through the scheduler at 1 and 2 threads, and the same transactions through
//! the runtime alone, split over the same threads. Rounds alternate between the four
//! runs; medians are printed.
//!
//! `cargo run --release -p keyway-cli --example overhead` (`ROUNDS=n`, default 7)

use std::time::{Duration, Instant};

use keyway_cli::workload::{ENV, Pattern, Workload};
use keyway_runtime::crypto::already_verified;
use keyway_scheduler::{BlockOptions, BlockTimings, execute_block};

fn main() -> anyhow::Result<()> {
    let size = 10_000;
    let rounds: usize = std::env::var("ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7);
    let mut workload = Workload::new(1_000)?;
    let block = workload.block(Pattern::Disjoint, size, 1, 2);
    let verified: Vec<_> = block.iter().map(already_verified).collect();
    let runtime_alone = |threads: usize| {
        let started = Instant::now();
        std::thread::scope(|scope| {
            for part in verified.chunks(size.div_ceil(threads)) {
                let workload = &workload;
                scope.spawn(move || {
                    for tx in part {
                        workload
                            .runtime
                            .execute_verified(&workload.state, &ENV, tx)
                            .expect("no host fault");
                    }
                });
            }
        });
        started.elapsed()
    };
    let through_block = |threads: usize| -> anyhow::Result<(Duration, BlockTimings)> {
        let mut options = BlockOptions::with_threads(threads);
        options.signatures_verified = true;
        let started = Instant::now();
        let outcome = execute_block(&workload.runtime, &workload.state, &ENV, &block, &options)?;
        Ok((started.elapsed(), outcome.timings))
    };
    let mut alone = [Vec::new(), Vec::new()];
    let mut blocks = [Vec::new(), Vec::new()];
    for _ in 0..rounds {
        for (slot, threads) in [1, 2].into_iter().enumerate() {
            alone[slot].push(runtime_alone(threads));
            blocks[slot].push(through_block(threads)?);
        }
    }
    let per = |d: Duration| d.as_secs_f64() * 1e6 / size as f64;
    let median = |mut values: Vec<Duration>| {
        values.sort_unstable();
        values[values.len() / 2]
    };
    let mut totals = [Duration::ZERO; 2];
    for (slot, threads) in [1, 2].into_iter().enumerate() {
        let runs = &blocks[slot];
        let total = median(runs.iter().map(|r| r.0).collect());
        totals[slot] = total;
        println!(
            "{threads} thread(s): runtime alone {:.2} µs/tx; block {:.2} µs/tx = graph {:.2} + execute {:.2} + state diff {:.2} (medians of {rounds})",
            per(median(alone[slot].clone())),
            per(total),
            per(median(runs.iter().map(|r| r.1.graph).collect())),
            per(median(runs.iter().map(|r| r.1.execute).collect())),
            per(median(runs.iter().map(|r| r.1.merge).collect())),
        );
    }
    println!(
        "speedup: runtime alone {:.2}x, block {:.2}x",
        median(alone[0].clone()).as_secs_f64() / median(alone[1].clone()).as_secs_f64(),
        totals[0].as_secs_f64() / totals[1].as_secs_f64()
    );
    Ok(())
}
