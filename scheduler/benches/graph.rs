//! Conflict-graph construction cost per transaction (pure: no Wasm).
//!
//! `cargo bench -p keyway-scheduler --bench graph`

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use keyway_scheduler::GraphBuilder;

/// Deterministic pseudo-random keys: each transaction reads 1 and writes 3 of `keys`.
fn accesses(transactions: usize, keys: u64) -> Vec<([u64; 1], [u64; 3])> {
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % keys
    };
    (0..transactions)
        .map(|_| ([next()], [next(), next(), next()]))
        .collect()
}

fn build(c: &mut Criterion) {
    let mut group = c.benchmark_group("graph_build");
    for transactions in [1_000, 10_000, 100_000] {
        for (name, keys) in [("spread", 1u64 << 40), ("hot", 16)] {
            let block = accesses(transactions, keys);
            group.throughput(Throughput::Elements(transactions as u64));
            group.bench_with_input(BenchmarkId::new(name, transactions), &block, |b, block| {
                b.iter(|| {
                    let mut builder = GraphBuilder::with_capacity(block.len(), block.len() * 4);
                    for (i, (reads, writes)) in block.iter().enumerate() {
                        builder.add(i, 1, reads.iter(), writes.iter());
                    }
                    black_box(builder.build().edge_count())
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, build);
criterion_main!(benches);
