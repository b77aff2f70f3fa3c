//! The one wasmtime `Engine` of a runtime, configured for deterministic execution.

use std::hash::{Hash, Hasher};

use sha2::{Digest, Sha256};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, OperatorCost, PoolingAllocationConfig};

use crate::limits::Limits;
use crate::validate::wasm_features;

/// Builds the deterministic engine. Every setting that could let two nodes disagree is
/// pinned here; the reason stands next to it.
pub(crate) fn build_engine(limits: &Limits, pool_slots: u32) -> wasmtime::Result<Engine> {
    let mut config = Config::new();
    // Fuel, not epochs or wall clock, bounds execution: it counts the same on every node.
    config.consume_fuel(true);
    // Pin the fuel table (wasmtime's defaults may change between versions) and price
    // `memory.grow` per page on top of the host-side charge (see `host::MemoryLimiter`).
    let mut cost = OperatorCost::new();
    cost.variable.memory_grow_per_page = 255;
    config.operator_cost(cost);
    // NaN bit patterns differ between CPUs unless canonicalized.
    config.cranelift_nan_canonicalization(true);
    // Accept exactly the proposals the validator accepts. Threads, the component model,
    // GC and exceptions are also compiled out (wasmtime features off).
    config.wasm_features(wasmparser::WasmFeatures::all(), false);
    config.wasm_features(wasm_features(), true);
    // SIMD is off (above); relaxed SIMD would be non-deterministic across CPUs even on.
    config.wasm_relaxed_simd(false);
    config.relaxed_simd_deterministic(true);
    // One 32-bit memory per contract: memory64 and multi-memory are off.
    config.wasm_memory64(false);
    config.wasm_multi_memory(false);
    // A fixed wasm stack, independent of the host thread's native stack. The overflow
    // depth still depends on Cranelift's frame sizes (target, CPU features): identical
    // only across one build and CPU family until stack metering is injected at
    // validation (see ABI.md, 5.2).
    config.max_wasm_stack(limits.max_wasm_stack_bytes);
    // Traps carry no backtrace: nothing host-specific is captured, and traps are cheaper.
    // (Compilation runs on the calling thread: wasmtime's `parallel-compilation` is off.)
    config.wasm_backtrace_max_frames(None);
    // Memory images are mapped copy-on-write from the module, so instantiation does not
    // copy data segments (wasmtime #14331: fuel is charged before instantiating, so this
    // does not change gas).
    config.memory_init_cow(true);

    let mut pool = PoolingAllocationConfig::new();
    let page = 64 * 1024;
    pool.total_core_instances(pool_slots)
        .total_memories(pool_slots)
        .total_tables(pool_slots)
        .max_memories_per_module(1)
        .max_tables_per_module(limits.max_tables)
        .table_elements(limits.max_table_elements as usize)
        .max_memory_size(limits.max_memory_pages as usize * page)
        // Reset memories up to 256 KiB with memset instead of madvise: a token transfer
        // took 17 µs with madvise (page faults on the next use) and 4.8 µs with memset.
        .linear_memory_keep_resident(256 * 1024)
        .table_keep_resident(64 * 1024)
        // Return each freed slot to the pool at once. A reset within `keep_resident` leaves
        // nothing to decommit, and a batch of 16 still made one `process_madvise` call of
        // empty ranges per 8 transactions and cycled 8 more slots through the caches:
        // batching cost a 10k conflict-free block 2-4% (1 and 2 threads, alternating runs).
        .decommit_batch_size(1);
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    Engine::new(&config)
}

/// A fingerprint of everything that makes a compiled artifact loadable: wasmtime's own
/// compatibility hash (version, target, settings). Artifacts are keyed by it on disk.
pub(crate) fn fingerprint(engine: &Engine) -> [u8; 32] {
    struct Sha256Hasher(Sha256);
    impl Hasher for Sha256Hasher {
        fn write(&mut self, bytes: &[u8]) {
            self.0.update(bytes);
        }
        fn finish(&self) -> u64 {
            unreachable!("only the sha256 digest is used")
        }
    }
    let mut hasher = Sha256Hasher(Sha256::new());
    engine.precompile_compatibility_hash().hash(&mut hasher);
    hasher.0.finalize().into()
}
