//! Where a block's time goes beyond the runtime: compares executing a block through the
//! scheduler with calling the runtime directly on the same transactions.
//!
//! `cargo run --release -p keyway-cli --example overhead`

use std::time::Instant;

use keyway_cli::workload::{ENV, Pattern, Workload};
use keyway_runtime::crypto::already_verified;
use keyway_scheduler::{BlockOptions, build_graph, execute_block};

fn main() -> anyhow::Result<()> {
    let size = 10_000;
    let mut workload = Workload::new(1_000)?;
    let block = workload.block(Pattern::Disjoint, size, 1, 2);
    for round in 0..3 {
        let started = Instant::now();
        for signed in &block {
            workload
                .runtime
                .execute_verified(&workload.state, &ENV, &already_verified(signed))?;
        }
        let direct = started.elapsed();
        let started = Instant::now();
        let graph = build_graph(&block);
        let graph_time = started.elapsed();
        let mut options = BlockOptions::with_threads(1);
        options.signatures_verified = true;
        let started = Instant::now();
        let outcome = execute_block(&workload.runtime, &workload.state, &ENV, &block, &options)?;
        let total = started.elapsed();
        options.threads = 2;
        let started = Instant::now();
        let parallel = execute_block(&workload.runtime, &workload.state, &ENV, &block, &options)?;
        let two = started.elapsed();
        assert_eq!(parallel.receipts, outcome.receipts);
        let per = |d: std::time::Duration| d.as_secs_f64() * 1e6 / size as f64;
        println!(
            "  2 threads: {:.2} µs/tx (execute {:.2}), speedup {:.2}x",
            per(two),
            per(parallel.timings.execute),
            total.as_secs_f64() / two.as_secs_f64()
        );
        println!(
            "round {round}: runtime alone {:.2} µs/tx; block {:.2} µs/tx = graph {:.2} + execute {:.2} + merge {:.2} (+ stats); edges {}",
            per(direct),
            per(total),
            per(graph_time),
            per(outcome.timings.execute),
            per(outcome.timings.merge),
            graph.edge_count()
        );
    }
    Ok(())
}
