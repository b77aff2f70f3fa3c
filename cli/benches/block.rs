//! Block execution through the scheduler, per workload pattern: a 10k-transfer block at 1
//! thread and at 2 (critical-path priority and block order), signatures verified before
//! the block. Criterion keeps each configuration's history, so a change that slows one
//! down shows against the saved baseline. Each configuration runs one block again and
//! again, so its state is warm in the caches, and an iteration's time includes dropping
//! its outcome: compare its times with its own baseline, not with `keyway bench`'s, which
//! rotates blocks and frees each outcome outside the timing.
//!
//! `cargo bench -p keyway-cli --bench block`
//!
//! Criterion runs one configuration after another; on this shared machine, whose vCPUs
//! run at an unsteady speed for seconds at a time, a ratio of two of them is only as good
//! as the spell each ran in. `keyway bench` alternates the configurations round by round
//! and reports speedups from that; use it for speedups, this for regressions.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use keyway_cli::workload::{ENV, Pattern, Workload};
use keyway_scheduler::{BlockOptions, Priority, execute_block};

/// Transactions per block.
const SIZE: usize = 10_000;

fn blocks(c: &mut Criterion) {
    let mut workload = Workload::new(10_000).expect("the token workload");
    let mut group = c.benchmark_group("block_10k");
    group.sample_size(10);
    group.throughput(Throughput::Elements(SIZE as u64));
    for pattern in Pattern::BENCHMARKED {
        workload.reset_nonces();
        let block = workload.block(pattern, SIZE, 42, 2);
        for (config, threads, priority) in [
            ("1_thread", 1, Priority::CriticalPath),
            ("2_threads", 2, Priority::CriticalPath),
            ("2_threads_fifo", 2, Priority::Fifo),
        ] {
            let mut options = BlockOptions::with_threads(threads);
            options.priority = priority;
            options.signatures_verified = true;
            let id = BenchmarkId::new(pattern.name(), config);
            group.bench_function(id, |b| {
                b.iter(|| {
                    let outcome =
                        execute_block(&workload.runtime, &workload.state, &ENV, &block, &options)
                            .expect("no host fault");
                    black_box(outcome.state_diff.len())
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, blocks);
criterion_main!(benches);
