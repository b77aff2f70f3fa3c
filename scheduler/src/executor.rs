//! Executing a block: sequentially (the reference) or in parallel over the conflict graph.

use std::collections::{BinaryHeap, HashMap};
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, RwLock};
use std::time::{Duration, Instant};

use keyway_host_api::{BlockEnv, Key, Receipt, SignedTransaction, Status};
use keyway_runtime::{
    Runtime, RuntimeError, StateError, StateView, TxOutcome, VerifiedTransaction, WriteSet,
};

use crate::graph::{ConflictGraph, GraphBuilder, GraphStats};

/// What the block executor needs from a transaction runtime: the only place the scheduler
/// touches Wasm. [`Runtime`] implements it; tests implement it to force interleavings.
pub trait TransactionExecutor: Sync {
    /// Checks a transaction's signature; a failure is its receipt status.
    fn verify<'a>(&self, tx: &'a SignedTransaction) -> Result<VerifiedTransaction<'a>, Status>;
    /// Executes a verified transaction against `state`.
    fn execute(
        &self,
        state: &dyn StateView,
        env: &BlockEnv,
        tx: &VerifiedTransaction<'_>,
    ) -> Result<TxOutcome, RuntimeError>;
}

impl TransactionExecutor for Runtime {
    fn verify<'a>(&self, tx: &'a SignedTransaction) -> Result<VerifiedTransaction<'a>, Status> {
        keyway_runtime::verify(tx)
    }

    fn execute(
        &self,
        state: &dyn StateView,
        env: &BlockEnv,
        tx: &VerifiedTransaction<'_>,
    ) -> Result<TxOutcome, RuntimeError> {
        self.execute_verified(state, env, tx)
    }
}

/// Which ready transaction a free worker takes first.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Priority {
    /// The longest remaining gas-weighted critical path first (ties: block order).
    #[default]
    CriticalPath,
    /// Block order.
    Fifo,
}

/// How to execute a block.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct BlockOptions {
    /// Worker threads. Default: the machine's available parallelism. `1` runs the
    /// sequential reference executor. The runtime needs `threads × max_call_depth + 16`
    /// instance slots (see `RuntimeConfig::instance_slots`).
    pub threads: usize,
    /// Order among ready transactions. Default [`Priority::CriticalPath`].
    pub priority: Priority,
    /// The caller has already verified every signature (e.g. at mempool admission), so
    /// the block skips the ECDSA checks. Default `false`.
    pub signatures_verified: bool,
    /// Below this work/span bound of the conflict graph, the block runs in order on one
    /// thread after its signatures are checked on all of them: with nothing to overlap,
    /// handing each transaction to the next worker only costs (a one-hot-key block of 10k
    /// transfers took 0.77x of the sequential time through the workers). Default 1.1;
    /// 0 always uses the workers.
    pub serial_below: f64,
}

impl Default for BlockOptions {
    fn default() -> Self {
        BlockOptions {
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            priority: Priority::default(),
            signatures_verified: false,
            serial_below: CHAIN_BOUND,
        }
    }
}

impl BlockOptions {
    /// Default options with `threads` workers.
    pub fn with_threads(threads: usize) -> Self {
        BlockOptions {
            threads: threads.max(1),
            ..Self::default()
        }
    }
}

/// Where the time of a block went (wall clock: for reports only, never hashed).
#[derive(Clone, Copy, Debug, Default)]
pub struct BlockTimings {
    /// Building the conflict graph.
    pub graph: Duration,
    /// Verifying signatures and executing, overlapped.
    pub execute: Duration,
    /// Merging the write sets into the state diff.
    pub merge: Duration,
}

/// The result of a block: identical, byte for byte, whatever the thread count.
#[derive(Clone, Debug)]
pub struct BlockOutcome {
    /// One receipt per transaction, in block order.
    pub receipts: Vec<Receipt>,
    /// Every key the block wrote, sorted, with its final value (`None`: deleted).
    pub state_diff: WriteSet,
    /// The conflict graph's shape.
    pub stats: GraphStats,
    /// Where the time went.
    pub timings: BlockTimings,
}

/// Executes `block` on top of `state` and returns its receipts and state diff, equal to
/// executing the transactions one by one in block order. `Err` is a host fault: the block
/// must not be committed.
///
/// ```
/// use keyway_host_api::BlockEnv;
/// use keyway_runtime::{InMemoryState, Runtime, RuntimeConfig};
/// use keyway_scheduler::{BlockOptions, execute_block};
///
/// let runtime = Runtime::new(RuntimeConfig::default()).unwrap();
/// let state = InMemoryState::new();
/// let env = BlockEnv { height: 1, time: 0, chain_id: 1 };
/// let outcome = execute_block(&runtime, &state, &env, &[], &BlockOptions::with_threads(2)).unwrap();
/// assert!(outcome.receipts.is_empty() && outcome.state_diff.is_empty());
/// ```
pub fn execute_block(
    executor: &dyn TransactionExecutor,
    state: &(dyn StateView + Sync),
    env: &BlockEnv,
    block: &[SignedTransaction],
    options: &BlockOptions,
) -> Result<BlockOutcome, RuntimeError> {
    let started = Instant::now();
    let graph = build_graph(block);
    let graph_time = started.elapsed();
    let stats = graph.stats();
    let started = Instant::now();
    let outcomes = if options.threads <= 1 {
        let verified = block
            .iter()
            .map(|signed| check_signature(executor, signed, options))
            .collect();
        run_sequential(executor, state, env, block, verified)?
    } else if stats.parallelism() < options.serial_below {
        // Nothing to overlap: handing each transaction to the next worker only costs.
        // Signatures are still checked on every thread.
        let verified = verify_in_parallel(executor, block, options)?;
        run_sequential(executor, state, env, block, verified)?
    } else {
        run_parallel(executor, state, env, block, &graph, options)?
    };
    let execute = started.elapsed();
    let started = Instant::now();
    let mut receipts = Vec::with_capacity(outcomes.len());
    let mut writes = Vec::with_capacity(outcomes.len());
    for outcome in outcomes {
        writes.push(outcome.writes);
        receipts.push(outcome.receipt);
    }
    let state_diff = WriteSet::merged(writes);
    Ok(BlockOutcome {
        receipts,
        state_diff,
        stats,
        timings: BlockTimings {
            graph: graph_time,
            execute,
            merge: started.elapsed(),
        },
    })
}

/// The conflict graph of a block: declared keys plus the runtime's implicit ones (the
/// sender's nonce, code and contract records), weighted by gas limit.
pub fn build_graph(block: &[SignedTransaction]) -> ConflictGraph<u32> {
    let implicit: Vec<_> = block.iter().map(|t| t.tx.implicit_access()).collect();
    let mut builder = GraphBuilder::with_capacity(block.len(), block.len() * 4);
    for (i, (signed, implicit)) in block.iter().zip(&implicit).enumerate() {
        let declared = &signed.tx.access_list;
        builder.add(
            i as u32,
            signed.tx.gas_limit,
            declared.reads.iter().chain(&implicit.reads),
            declared.writes.iter().chain(&implicit.writes),
        );
    }
    builder.build()
}

/// The default of [`BlockOptions::serial_below`].
const CHAIN_BOUND: f64 = 1.1;

/// Checks every signature, spread over `options.threads` threads, in block order.
fn verify_in_parallel<'b>(
    executor: &dyn TransactionExecutor,
    block: &'b [SignedTransaction],
    options: &BlockOptions,
) -> Result<Vec<Result<VerifiedTransaction<'b>, Status>>, RuntimeError> {
    let chunk = block.len().div_ceil(options.threads.max(1)).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = block
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|signed| check_signature(executor, signed, options))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut verified = Vec::with_capacity(block.len());
        for handle in handles {
            match handle.join() {
                Ok(part) => verified.extend(part),
                Err(_) => {
                    return Err(RuntimeError::Execution(
                        "verifying signatures panicked".into(),
                    ));
                }
            }
        }
        Ok(verified)
    })
}

/// The reference: one transaction after another, each seeing all earlier writes.
/// `verified` holds each transaction's signature check, in block order.
fn run_sequential(
    executor: &dyn TransactionExecutor,
    state: &(dyn StateView + Sync),
    env: &BlockEnv,
    block: &[SignedTransaction],
    verified: Vec<Result<VerifiedTransaction<'_>, Status>>,
) -> Result<Vec<TxOutcome>, RuntimeError> {
    let committed = Committed::for_block(block);
    let view = Overlay {
        base: state,
        committed: &committed,
    };
    let mut outcomes = Vec::with_capacity(block.len());
    for checked in verified {
        let outcome = match checked {
            Ok(verified) => executor.execute(&view, env, &verified)?,
            Err(status) => TxOutcome::rejected(status),
        };
        committed.insert(&outcome.writes);
        outcomes.push(outcome);
    }
    Ok(outcomes)
}

fn check_signature<'b>(
    executor: &dyn TransactionExecutor,
    signed: &'b SignedTransaction,
    options: &BlockOptions,
) -> Result<VerifiedTransaction<'b>, Status> {
    if options.signatures_verified {
        Ok(keyway_runtime::crypto::already_verified(signed))
    } else {
        executor.verify(signed)
    }
}

const SHARDS: usize = 64;

/// Writes of committed transactions, sharded so workers rarely wait for each other.
struct Committed {
    shards: Vec<RwLock<KeyMap<Option<Vec<u8>>>>>,
    hasher: foldhash::fast::RandomState,
}

/// Keys come from transactions, so hashing is seeded per block (foldhash: fast, and
/// resistant to precomputed collisions); no result depends on hash order.
type KeyMap<V> = HashMap<Key, V, foldhash::fast::RandomState>;

impl Committed {
    /// Room for about `writes` keys, so the maps do not rehash while workers wait on them.
    fn new(writes: usize) -> Self {
        let hasher = foldhash::fast::RandomState::default();
        let per_shard = writes.div_ceil(SHARDS) + writes.div_ceil(SHARDS) / 4;
        Committed {
            shards: (0..SHARDS)
                .map(|_| RwLock::new(HashMap::with_capacity_and_hasher(per_shard, hasher.clone())))
                .collect(),
            hasher,
        }
    }

    /// Room for the writes `block` declares, plus one nonce each.
    fn for_block(block: &[SignedTransaction]) -> Self {
        Self::new(
            block
                .iter()
                .map(|t| t.tx.access_list.writes.len() + 1)
                .sum(),
        )
    }

    fn shard(&self, key: &Key) -> &RwLock<KeyMap<Option<Vec<u8>>>> {
        &self.shards[self.hasher.hash_one(key) as usize % SHARDS]
    }

    fn insert(&self, writes: &WriteSet) {
        for (key, value) in writes.iter() {
            let mut shard = self.shard(key).write().unwrap_or_else(|e| e.into_inner());
            shard.insert(key.clone(), value.map(<[u8]>::to_vec));
        }
    }

    fn get(&self, key: &Key) -> Option<Option<Vec<u8>>> {
        let shard = self.shard(key).read().unwrap_or_else(|e| e.into_inner());
        shard.get(key).cloned()
    }
}

/// The state a transaction sees: committed writes over the block's base state. Every
/// earlier writer of a key it declared has committed (it is an ancestor in the graph),
/// and no later writer has started (it is a descendant), so this is exactly the
/// sequential state for the keys it may touch.
struct Overlay<'a> {
    base: &'a (dyn StateView + Sync),
    committed: &'a Committed,
}

impl StateView for Overlay<'_> {
    fn get(&self, key: &Key) -> Result<Option<Vec<u8>>, StateError> {
        match self.committed.get(key) {
            Some(value) => Ok(value),
            None => self.base.get(key),
        }
    }
}

/// Scheduling state shared by the workers, behind one mutex.
struct Schedule<'b> {
    /// Ready transactions: (priority, reversed index) so the max is taken first.
    ready: BinaryHeap<(u64, std::cmp::Reverse<u32>)>,
    /// Predecessors not yet committed, per transaction.
    waiting_on: Vec<u32>,
    /// Signature checks, filled in block order by whichever worker is free.
    verified: Vec<Option<Result<VerifiedTransaction<'b>, Status>>>,
    next_to_verify: usize,
    committed: usize,
    /// Workers asleep on the condition variable: only they need a (system-call) wake-up.
    idle: usize,
    fault: Option<RuntimeError>,
}

/// How workers learn that work appeared: spinning workers watch `events` without taking
/// the schedule's lock; sleeping ones wait on `sleep`.
struct Signal {
    events: AtomicU64,
    sleep: Condvar,
}

impl Schedule<'_> {
    /// Makes `i` ready if it is verified and waits on nothing.
    fn release(&mut self, i: usize, priorities: &[u64], signal: &Signal) {
        if self.waiting_on[i] == 0 && self.verified[i].is_some() {
            self.ready
                .push((priorities[i], std::cmp::Reverse(i as u32)));
            signal.events.fetch_add(1, Ordering::Release);
            if self.idle > 0 {
                signal.sleep.notify_one();
            }
        }
    }
}

/// What a worker does next.
enum Work<'b> {
    Verify(usize),
    Execute(u32, Result<VerifiedTransaction<'b>, Status>),
}

fn run_parallel(
    executor: &dyn TransactionExecutor,
    state: &(dyn StateView + Sync),
    env: &BlockEnv,
    block: &[SignedTransaction],
    graph: &ConflictGraph<u32>,
    options: &BlockOptions,
) -> Result<Vec<TxOutcome>, RuntimeError> {
    let n = block.len();
    let priorities: Vec<u64> = match options.priority {
        Priority::CriticalPath => graph.remaining_critical_path(),
        Priority::Fifo => vec![0; n],
    };
    let mut initial = Schedule {
        ready: BinaryHeap::new(),
        waiting_on: (0..n as u32)
            .map(|i| graph.predecessors(i).len() as u32)
            .collect(),
        verified: (0..n).map(|_| None).collect(),
        next_to_verify: 0,
        committed: 0,
        idle: 0,
        fault: None,
    };
    let signal = Signal {
        events: AtomicU64::new(0),
        sleep: Condvar::new(),
    };
    if options.signatures_verified {
        // Nothing to verify: every transaction is a candidate from the start.
        for (i, signed) in block.iter().enumerate() {
            initial.verified[i] = Some(Ok(keyway_runtime::crypto::already_verified(signed)));
            initial.release(i, &priorities, &signal);
        }
        initial.next_to_verify = n;
    }
    let schedule = Mutex::new(initial);
    let committed = Committed::for_block(block);
    let outcomes: Vec<Mutex<Option<TxOutcome>>> = (0..n).map(|_| Mutex::new(None)).collect();
    let view = Overlay {
        base: state,
        committed: &committed,
    };

    let worker = || {
        let mut guard = schedule.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            if guard.fault.is_some() || guard.committed == n {
                break;
            }
            // Executing unblocks others; verifying only feeds the queue.
            let work = if let Some((_, std::cmp::Reverse(j))) = guard.ready.pop() {
                let verified = guard.verified[j as usize]
                    .take()
                    .expect("a ready transaction has been verified");
                Work::Execute(j, verified)
            } else if guard.next_to_verify < n {
                guard.next_to_verify += 1;
                Work::Verify(guard.next_to_verify - 1)
            } else {
                // Work usually appears within microseconds: spin on the event counter
                // (not the lock, which the committing worker needs) before sleeping, since
                // a futex sleep and wake-up costs more than a transaction.
                let seen = signal.events.load(Ordering::Acquire);
                drop(guard);
                let mut spins = 0u32;
                guard = loop {
                    while signal.events.load(Ordering::Acquire) == seen && spins < 20_000 {
                        std::hint::spin_loop();
                        spins += 1;
                    }
                    // The worker that signalled usually still holds the lock and takes
                    // the work itself (a chain stays on one core): only try the lock, so
                    // its unlock never has to wake a blocked waiter.
                    if spins >= 20_000 {
                        break schedule.lock().unwrap_or_else(|e| e.into_inner());
                    }
                    match schedule.try_lock() {
                        Ok(guard) => break guard,
                        Err(std::sync::TryLockError::Poisoned(e)) => break e.into_inner(),
                        Err(std::sync::TryLockError::WouldBlock) => {
                            spins += 64;
                            std::hint::spin_loop();
                        }
                    }
                };
                if signal.events.load(Ordering::Acquire) == seen
                    && guard.ready.is_empty()
                    && guard.committed < n
                    && guard.fault.is_none()
                {
                    guard.idle += 1;
                    guard = signal.sleep.wait(guard).unwrap_or_else(|e| e.into_inner());
                    guard.idle -= 1;
                }
                continue;
            };
            drop(guard);
            match work {
                Work::Verify(i) => {
                    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        check_signature(executor, &block[i], options)
                    }));
                    guard = schedule.lock().unwrap_or_else(|e| e.into_inner());
                    let Ok(result) = result else {
                        let panicked = format!("verifying transaction {i} panicked");
                        guard.fault.get_or_insert(RuntimeError::Execution(panicked));
                        signal.events.fetch_add(1, Ordering::Release);
                        signal.sleep.notify_all();
                        continue;
                    };
                    guard.verified[i] = Some(result);
                    guard.release(i, &priorities, &signal);
                }
                Work::Execute(j, verified) => {
                    // A panic (in the runtime or a state backend) must fail the block, not
                    // leave the other workers waiting for a commit that never comes.
                    let result =
                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match verified {
                            Ok(verified) => executor.execute(&view, env, &verified),
                            Err(status) => Ok(TxOutcome::rejected(status)),
                        }))
                        .unwrap_or_else(|_| {
                            Err(RuntimeError::Execution(format!(
                                "executing transaction {j} panicked"
                            )))
                        });
                    let outcome = match result {
                        Ok(outcome) => outcome,
                        Err(fault) => {
                            guard = schedule.lock().unwrap_or_else(|e| e.into_inner());
                            guard.fault.get_or_insert(fault);
                            signal.events.fetch_add(1, Ordering::Release);
                            signal.sleep.notify_all();
                            continue;
                        }
                    };
                    // Writes become visible before any dependent can start.
                    committed.insert(&outcome.writes);
                    *outcomes[j as usize]
                        .lock()
                        .unwrap_or_else(|e| e.into_inner()) = Some(outcome);
                    guard = schedule.lock().unwrap_or_else(|e| e.into_inner());
                    guard.committed += 1;
                    for &s in graph.successors(j) {
                        guard.waiting_on[s as usize] -= 1;
                        guard.release(s as usize, &priorities, &signal);
                    }
                    if guard.committed == n {
                        signal.events.fetch_add(1, Ordering::Release);
                        signal.sleep.notify_all();
                    }
                }
            }
        }
    };
    std::thread::scope(|scope| {
        for _ in 1..options.threads {
            scope.spawn(worker);
        }
        worker();
    });
    let schedule = schedule.into_inner().unwrap_or_else(|e| e.into_inner());
    if let Some(fault) = schedule.fault {
        return Err(fault);
    }
    Ok(outcomes
        .into_iter()
        .map(|o| {
            o.into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .expect("every transaction committed")
        })
        .collect())
}
