//! Executing a block: sequentially (the reference) or in parallel over the conflict graph.

use std::collections::{BinaryHeap, VecDeque};
use std::hash::{BuildHasher, Hasher};
use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicPtr, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

use keyway_host_api::system::is_nonce_key;
use keyway_host_api::{Access, Address, BlockEnv, Key, Receipt, SignedTransaction, Status};
use keyway_runtime::{
    Runtime, RuntimeError, StateError, StateView, TxOutcome, VerifiedTransaction, WriteSet,
};

use crate::graph::{ConflictGraph, GraphBuilder, GraphStats};
use crate::pool::on_threads;

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
    /// The longest remaining gas-weighted critical path first, where a path can hold the
    /// block up; block order otherwise. Paths are compared in steps of 1/64 of the
    /// block's work per thread (paths in one step tie), and only if, when the transaction
    /// becomes ready, its path is at least 3/4 of the work per thread still to run
    /// (estimated from the transactions not yet started): a greedy schedule ends within
    /// the longest path of that (Graham's bound), so shorter ones go in block order.
    /// Ordering every ready transaction by path walked the block's memory out of order
    /// for nothing: 10k uniform, zipf and mix blocks ran 4-7% slower at 2 threads than in
    /// block order.
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
    /// sequential reference executor. The runtime needs `threads × max_call_depth`
    /// instance slots (see `RuntimeConfig::instance_slots`).
    pub threads: usize,
    /// Order among ready transactions. Default [`Priority::CriticalPath`].
    pub priority: Priority,
    /// The caller has already verified every signature (e.g. at mempool admission), so
    /// the block skips the ECDSA checks. Default `false`.
    pub signatures_verified: bool,
    /// Below this work/span bound of the conflict graph, the block goes on in block order
    /// on one worker at a time while the others check signatures ahead of it: with
    /// nothing to overlap, handing each transaction to the next worker only costs (a
    /// one-hot-key block of 10k transfers took 0.77x of the sequential time through the
    /// workers). Default 1.1; 0 always schedules over the graph.
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
    /// Building the conflict graph and its statistics. With more than one thread it overlaps
    /// `execute`: one worker builds it while another runs transactions in block order.
    pub graph: Duration,
    /// Verifying signatures and executing (with more than one thread, from the start of
    /// the block, graph included); sequentially, after the graph.
    pub execute: Duration,
    /// Sorting and merging the final writes into the state diff (on the block's threads).
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
    if options.threads > 1 && !block.is_empty() {
        crate::pool::wake_helpers(options.threads);
    }
    let committed = Committed::for_block(block, options.threads);
    let view = Overlay {
        base: state,
        committed: &committed,
    };
    let mut started = Instant::now();
    let (receipts, unread, stats, graph_time) = if options.threads <= 1 || block.is_empty() {
        // The reference: the graph (for its statistics), then one transaction after another.
        let graph = build_graph(block, 1);
        let stats = graph.stats();
        committed.install_main(graph.written_keys());
        let graph_time = started.elapsed();
        started = Instant::now();
        let verified = block
            .iter()
            .map(|signed| check_signature(executor, signed, options))
            .collect();
        let (receipts, unread) = run_sequential(executor, &view, env, &graph, verified)?;
        (receipts, unread, stats, graph_time)
    } else {
        run_parallel(executor, &view, env, block, options)?
    };
    let execute = started.elapsed();
    let started = Instant::now();
    let state_diff = committed.into_state_diff(unread, options.threads);
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
///
/// Keys enter the graph as 64-bit hashes under a seed drawn for each call (collisions
/// cannot be precomputed), so each key's bytes are read once, on the deriving threads.
/// Two keys that collide share one entry, which can only add an edge, so it may order two
/// transactions that did not conflict but never lets conflicting ones overlap; outcomes
/// never depend on it. `threads` threads derive the keys; the graph itself is built on
/// the calling thread.
///
/// Senders' nonces enter by public key, not by address: an address is the sha256 of its
/// key, which took nearly half the graph's time (150 → 82 ns a transaction in a 100k
/// block) and which the executing workers derive anyway. One key has one address and two
/// keys two (short of a sha256 collision), so the edges are the same. Only a block in
/// which some transaction names a nonce key in its access list is keyed by address: that
/// key must meet its account's implicit nonce write.
pub fn build_graph(block: &[SignedTransaction], threads: usize) -> ConflictGraph<u32> {
    let seed = foldhash::fast::RandomState::default();
    let hash = |senders| {
        in_chunks(block, threads, PARALLEL_KEYS_FROM, |part| {
            hash_keys(part, &seed, senders)
        })
    };
    let mut chunks = hash(Senders::ByPublicKey);
    if chunks.iter().any(|chunk| chunk.names_a_nonce) {
        chunks = hash(Senders::ByAddress);
    }
    // Every listed key may be distinct: the table never grows while building.
    let listed = chunks.iter().map(|chunk| chunk.hashes.len()).sum();
    let mut builder = GraphBuilder::with_capacity(block.len(), listed);
    let mut i = 0u32;
    for chunk in chunks {
        let mut start = 0;
        for (t, (&(reads_end, end), &weight)) in chunk.bounds.iter().zip(&chunk.weights).enumerate()
        {
            // Hint the keys of a transaction a few ahead: in a large block, adding is
            // mostly waiting for the key table's memory.
            if let Some(&(_, ahead_end)) = chunk.bounds.get(t + PREFETCH_AHEAD) {
                let ahead_start = chunk.bounds[t + PREFETCH_AHEAD - 1].1;
                for key in &chunk.hashes[ahead_start..ahead_end] {
                    builder.prefetch(key);
                }
            }
            let (reads, writes) = (
                &chunk.hashes[start..reads_end],
                &chunk.hashes[reads_end..end],
            );
            builder.add(i, weight, reads.iter().copied(), writes.iter().copied());
            start = end;
            i += 1;
        }
    }
    builder.build()
}

/// How many transactions ahead the graph builder is told which keys come.
const PREFETCH_AHEAD: usize = 8;

/// Below this many transactions, deriving keys on other threads costs more than it saves.
const PARALLEL_KEYS_FROM: usize = 2_048;

/// A run of transactions' keys as hashes: transaction `t`'s reads are
/// `hashes[previous end..bounds[t].0]` and its writes `hashes[bounds[t].0..bounds[t].1]`.
struct HashedKeys {
    hashes: Vec<u64>,
    bounds: Vec<(usize, usize)>,
    weights: Vec<u64>,
    /// Some access list names a nonce key (then [`Senders::ByAddress`] is needed).
    names_a_nonce: bool,
}

/// How the graph tells senders' nonces apart (see [`build_graph`]).
#[derive(Clone, Copy)]
enum Senders {
    ByPublicKey,
    ByAddress,
}

/// The graph's namespace for senders' public keys: no contract has this address (it
/// would be a sha256 preimage), and were one to, a shared hash only adds an edge.
const PUBLIC_KEYS: Address = Address([0xff; 32]);

fn hash_keys(
    part: &[SignedTransaction],
    seed: &foldhash::fast::RandomState,
    senders: Senders,
) -> HashedKeys {
    let mut keys = HashedKeys {
        hashes: Vec::with_capacity(part.len() * 6),
        bounds: Vec::with_capacity(part.len()),
        weights: Vec::with_capacity(part.len()),
        names_a_nonce: false,
    };
    let mut implicit = Vec::new();
    for signed in part {
        let tx = &signed.tx;
        // The implicit keys are hashed from their parts, never built.
        implicit.clear();
        let mut visit = |access, contract: &Address, bytes: &[u8]| {
            implicit.push((access, key_hash(seed, contract, bytes)));
        };
        match senders {
            Senders::ByPublicKey => {
                visit(Access::Write, &PUBLIC_KEYS, &tx.sender.0);
                tx.visit_implicit_records(|| tx.sender_address(), visit);
                let list = &tx.access_list;
                keys.names_a_nonce |= list.reads.iter().chain(&list.writes).any(is_nonce_key);
            }
            Senders::ByAddress => tx.visit_implicit_access(&tx.sender_address(), visit),
        }
        let hash = |key: &Key| key_hash(seed, &key.contract, &key.bytes);
        let implicit_of = |wanted| {
            implicit
                .iter()
                .filter(move |(access, _)| *access == wanted)
                .map(|(_, hash)| *hash)
        };
        keys.hashes.extend(tx.access_list.reads.iter().map(hash));
        keys.hashes.extend(implicit_of(Access::Read));
        let reads_end = keys.hashes.len();
        keys.hashes.extend(tx.access_list.writes.iter().map(hash));
        keys.hashes.extend(implicit_of(Access::Write));
        keys.bounds.push((reads_end, keys.hashes.len()));
        keys.weights.push(tx.gas_limit);
    }
    keys
}

/// A key's hash in the conflict graph, from its parts (so implicit keys need not be built).
/// The contract goes in as two 128-bit words, each one multiply: as a 32-byte slice it
/// took the slice path (6.4 ns a key against 4.9, in a scratch loop over 33-byte keys).
fn key_hash(seed: &foldhash::fast::RandomState, contract: &Address, bytes: &[u8]) -> u64 {
    let (low, high) = contract.0.split_at(16);
    let word = |half: &[u8]| u128::from_le_bytes(half.try_into().expect("16 bytes"));
    let mut hasher = seed.build_hasher();
    hasher.write_u128(word(low));
    hasher.write_u128(word(high));
    hasher.write(bytes);
    hasher.finish()
}

/// `f` over consecutive chunks of `items`, on up to `threads` threads (on this one when
/// there are fewer than `parallel_from` items), results in order.
fn in_chunks<'a, T: Sync, R: Send>(
    items: &'a [T],
    threads: usize,
    parallel_from: usize,
    f: impl Fn(&'a [T]) -> R + Sync,
) -> Vec<R> {
    if threads <= 1 || items.len() < parallel_from {
        return vec![f(items)];
    }
    on_threads(items.chunks(items.len().div_ceil(threads)).collect(), f)
}

/// A transaction's signature check, or its view when the block was verified before.
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

/// The default of [`BlockOptions::serial_below`].
const CHAIN_BOUND: f64 = 1.1;

/// The reference: one transaction after another, each seeing all earlier writes.
/// `verified` holds each transaction's signature check, in block order.
fn run_sequential(
    executor: &dyn TransactionExecutor,
    view: &Overlay<'_>,
    env: &BlockEnv,
    graph: &ConflictGraph<u32>,
    verified: Vec<Result<VerifiedTransaction<'_>, Status>>,
) -> Result<(Vec<Receipt>, Vec<Unread>), RuntimeError> {
    let mut receipts = Vec::with_capacity(verified.len());
    let mut unread = unread_run(view.committed.declared_writes);
    let mut arena = view.committed.arena(0);
    for (j, checked) in verified.into_iter().enumerate() {
        let outcome = match checked {
            Ok(verified) => executor.execute(view.for_tx(graph, j as u32), env, &verified)?,
            Err(status) => TxOutcome::rejected(status),
        };
        view.committed
            .commit(graph, j as u32, outcome.writes, &mut unread, &mut arena)?;
        receipts.push(outcome.receipt);
    }
    unread.sort_unstable_by(by_key);
    Ok((receipts, vec![unread]))
}

/// Writes no later transaction of the block reads: kept by the thread that made them, and
/// sorted by it when it runs out of work.
type Unread = Vec<Entry>;

/// Emptied runs of unread writes, kept for the next blocks: a 100k-transaction block's
/// run is tens of megabytes, and a new one faulted in every page it filled, on every
/// thread at once. Runs with room for [`SPARE_ENTRIES_KEPT`] writes in all are kept at
/// most (about 250 MB of address space, of which only pages once filled are resident),
/// and never given back.
static SPARE_RUNS: Mutex<Vec<Unread>> = Mutex::new(Vec::new());

/// Room kept in spare runs, in writes: two 100k-transaction blocks' worth of transfers.
const SPARE_ENTRIES_KEPT: usize = 1 << 21;

/// An empty run with room for `capacity` writes, kept from an earlier block if one is.
fn unread_run(capacity: usize) -> Unread {
    let spare = SPARE_RUNS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .pop();
    match spare {
        Some(run) if run.capacity() >= capacity => run,
        _ => Unread::with_capacity(capacity),
    }
}

/// Keeps `runs`, whose every entry the merge moved out, for later blocks.
fn keep_spare_runs(runs: Vec<Unread>) {
    let mut spare = SPARE_RUNS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut room: usize = spare.iter().map(Vec::capacity).sum();
    for mut run in runs {
        room += run.capacity();
        if room > SPARE_ENTRIES_KEPT {
            break;
        }
        // SAFETY: shortening a vector only forgets entries, and each left here is an
        // empty one the merge put in its place, which owns no memory; dropping them one
        // by one was a pass over the whole run.
        unsafe { run.set_len(0) };
        spare.push(run);
    }
}

/// The writes `block` declares, plus one nonce each: what a run of unread writes holds at
/// most, but for the second implicit write of a deploy or instantiation. A run reserves
/// that much up front: untouched pages of a large reservation cost nothing, while growing
/// by doubling copied every entry and faulted in each larger buffer anew.
fn declared_writes(block: &[SignedTransaction]) -> usize {
    block
        .iter()
        .map(|t| t.tx.access_list.writes.len() + 1)
        .sum()
}

/// The most writes `tx` can make: those it declares, its nonce, and a deploy's or
/// instantiation's record.
fn most_writes(tx: &SignedTransaction) -> usize {
    tx.tx.access_list.writes.len() + 2
}

/// Below this many written keys, the state diff is sorted on one thread.
const PARALLEL_SORT_FROM: usize = 4_096;

/// Below this many final writes, the state diff is merged on one thread.
const PARALLEL_MERGE_FROM: usize = 1_024;

/// A summary of a key that orders like it without reading its heap bytes: the contract,
/// then the first 8 bytes zero-padded, big-endian. A smaller sort key means a smaller key;
/// equal sort keys compare the bytes (sorting the state diff on full keys was mostly cache
/// misses on those bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct SortKey([u64; 5]);

impl SortKey {
    fn of(key: &Key) -> Self {
        Self::from_parts(&key.contract, &key.bytes)
    }

    fn from_parts(contract: &Address, bytes: &[u8]) -> Self {
        let word = |bytes: &[u8]| {
            let mut word = [0u8; 8];
            let len = bytes.len().min(8);
            word[..len].copy_from_slice(&bytes[..len]);
            u64::from_be_bytes(word)
        };
        let c = &contract.0;
        SortKey([
            word(&c[0..8]),
            word(&c[8..16]),
            word(&c[16..24]),
            word(&c[24..32]),
            word(bytes),
        ])
    }
}

/// A final write on its way into the state diff.
type Entry = (SortKey, Key, Option<Vec<u8>>);

fn entry(key: Key, value: Option<Vec<u8>>) -> Entry {
    (SortKey::of(&key), key, value)
}

/// Key order (equal sort keys mean equal contracts).
fn by_key(a: &Entry, b: &Entry) -> std::cmp::Ordering {
    place(a).cmp(&place(b))
}

/// An unread entry's place in key order: its sort key, then its key's bytes.
fn place(entry: &Entry) -> (SortKey, &[u8]) {
    (entry.0, &entry.1.bytes)
}

/// A map entry's place in key order, as [`place`].
fn map_place<'m>(&(sort_key, entry): &(SortKey, &'m Published)) -> (SortKey, &'m [u8]) {
    (sort_key, entry.key_bytes())
}

/// Published writes (from a range of [`Committed`]'s slots; `maps` where runs of them
/// are passed on), sorted by key where they are: 48-byte (sort key, entry) pairs are
/// sorted, not the entries, and an entry becomes a key and a value (two allocations) only
/// if it is final.
struct MapRun<'m> {
    /// In key order.
    order: Vec<(SortKey, &'m Published)>,
}

impl<'m> MapRun<'m> {
    fn sorted(published: impl Iterator<Item = &'m Published>) -> Self {
        let mut order: Vec<(SortKey, &Published)> =
            published.map(|entry| (entry.sort_key(), entry)).collect();
        // As `map_place`, but the entry (elsewhere in memory) is read only on a tie.
        order.sort_unstable_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| a.1.key_bytes().cmp(b.1.key_bytes()))
        });
        MapRun { order }
    }
}

/// A final write as the state diff holds it.
type FinalWrite = (Key, Option<Vec<u8>>);

/// The entries of some runs of both kinds.
fn entries_in(maps: &[&[(SortKey, &Published)]], unread: &[&mut [Entry]]) -> usize {
    maps.iter().map(|run| run.len()).sum::<usize>()
        + unread.iter().map(|run| run.len()).sum::<usize>()
}

/// Merges the maps' runs and the unread runs, each sorted, into `out` (the state diff, or
/// one key range of it), which has room for all; returns how many writes it filled in,
/// from the start. No key is in two unread runs (a write without dependents is the last
/// to its key); a key in two map runs (the main table's and the early one's) is newer in
/// the first, which wins. A key in both kinds was written last by a transaction without
/// dependents: its unread value wins. Entries that lose are dropped unconverted. Unread
/// entries are moved out, leaving empty ones behind.
fn merge_runs(
    maps: &[&[(SortKey, &Published)]],
    mut unread: Vec<&mut [Entry]>,
    out: &mut [MaybeUninit<FinalWrite>],
) -> usize {
    #[derive(Clone, Copy)]
    enum Head {
        Maps(usize),
        Unread(usize),
    }
    let mut filled = 0;
    let map_key = |r: usize, at: usize| maps[r].get(at).map(map_place);
    let mut next = vec![0; unread.len()];
    let mut at = vec![0; maps.len()];
    loop {
        // A linear scan of the heads: there are about twice as many runs as threads.
        // Unread heads go first and later heads must be smaller, so a tie goes to unread,
        // then to the earlier map run.
        let mut best: Option<(Head, SortKey, &[u8])> = None;
        for (u, run) in unread.iter().enumerate() {
            if let Some(head) = run.get(next[u]).map(place)
                && best.is_none_or(|(_, s, b)| head < (s, b))
            {
                best = Some((Head::Unread(u), head.0, head.1));
            }
        }
        for (r, &at) in at.iter().enumerate() {
            if let Some(head) = map_key(r, at)
                && best.is_none_or(|(_, s, b)| head < (s, b))
            {
                best = Some((Head::Maps(r), head.0, head.1));
            }
        }
        match best.map(|(head, ..)| head) {
            None => break,
            Some(Head::Maps(r)) => {
                let winner = &maps[r][at[r]];
                for (other, at) in at.iter_mut().enumerate() {
                    if other != r && map_key(other, *at) == Some(map_place(winner)) {
                        *at += 1;
                    }
                }
                out[filled].write(winner.1.to_write());
                filled += 1;
                at[r] += 1;
            }
            Some(Head::Unread(u)) => {
                let vacated = (
                    SortKey([0; 5]),
                    Key::new(Address([0; 32]), Vec::new()),
                    None,
                );
                let taken = std::mem::replace(&mut unread[u][next[u]], vacated);
                next[u] += 1;
                for (r, at) in at.iter_mut().enumerate() {
                    if map_key(r, *at) == Some(place(&taken)) {
                        *at += 1;
                    }
                }
                let (_, key, value) = taken;
                out[filled].write((key, value));
                filled += 1;
            }
        }
    }
    filled
}

/// Merges the runs into the state diff: on `threads` threads from [`PARALLEL_MERGE_FROM`]
/// writes on, each a key range of about equal size (cut where the longest run divides
/// evenly), all into one vector, so no range is copied unless an earlier one came out
/// shorter than its runs (keys both in the maps and unread).
fn merge_in_ranges(
    maps: Vec<&[(SortKey, &Published)]>,
    unread: Vec<&mut [Entry]>,
    threads: usize,
) -> Vec<FinalWrite> {
    let total = entries_in(&maps, &unread);
    let ranges = if threads <= 1 || total < PARALLEL_MERGE_FROM {
        vec![(maps, unread)]
    } else {
        cut_into_ranges(maps, unread, threads)
    };
    let bounds: Vec<usize> = ranges
        .iter()
        .map(|(maps, unread)| entries_in(maps, unread))
        .collect();
    let mut merged: Vec<FinalWrite> = Vec::with_capacity(total);
    let mut spare = &mut merged.spare_capacity_mut()[..total];
    let mut parts = Vec::with_capacity(ranges.len());
    for (range, &bound) in ranges.into_iter().zip(&bounds) {
        let (out, rest) = spare.split_at_mut(bound);
        parts.push((range, out));
        spare = rest;
    }
    let filled = on_threads(parts, |((maps, unread), out)| {
        merge_runs(&maps, unread, out)
    });
    // Each range filled the start of its place: close the gaps.
    let base = merged.as_mut_ptr();
    let (mut len, mut place) = (0, 0);
    for (&filled, &bound) in filled.iter().zip(&bounds) {
        if place != len {
            // SAFETY: the range filled `filled` writes from `place`, which are moved to
            // `len` (≤ `place`) within the allocation; `ptr::copy` allows the overlap.
            unsafe { std::ptr::copy(base.add(place), base.add(len), filled) };
        }
        len += filled;
        place += bound;
    }
    // SAFETY: the first `len` writes are initialized (above), and `len` ≤ `total`.
    unsafe { merged.set_len(len) };
    merged
}

/// Cuts every run into `threads` key ranges of about equal size, where the longest run's
/// entries divide it evenly. A key falls in the same range in every run.
fn cut_into_ranges<'r, 'm>(
    maps: Vec<&'r [(SortKey, &'m Published)]>,
    unread: Vec<&'r mut [Entry]>,
    threads: usize,
) -> Vec<MergeRange<'r, 'm>> {
    let longest_map = maps
        .iter()
        .copied()
        .max_by_key(|run| run.len())
        .unwrap_or(&[]);
    let longest_unread = unread
        .iter()
        .map(|run| &run[..])
        .max_by_key(|run| run.len());
    let cut_at = |k: usize, len: usize| len * k / threads;
    let splitters: Vec<(SortKey, Vec<u8>)> = (1..threads)
        .map(|k| {
            let (sort_key, bytes) = match longest_unread {
                Some(run) if run.len() >= longest_map.len() => place(&run[cut_at(k, run.len())]),
                _ => map_place(&longest_map[cut_at(k, longest_map.len())]),
            };
            (sort_key, bytes.to_vec())
        })
        .collect();
    let mut ranges: Vec<MergeRange<'r, 'm>> =
        (0..threads).map(|_| (Vec::new(), Vec::new())).collect();
    for mut rest in maps {
        for (k, (sort_key, bytes)) in splitters.iter().enumerate() {
            let cut = rest.partition_point(|run| map_place(run) < (*sort_key, bytes));
            let (below, above) = rest.split_at(cut);
            ranges[k].0.push(below);
            rest = above;
        }
        ranges[threads - 1].0.push(rest);
    }
    for mut rest in unread {
        for (k, (sort_key, bytes)) in splitters.iter().enumerate() {
            let cut = rest.partition_point(|entry| place(entry) < (*sort_key, bytes));
            let (below, above) = rest.split_at_mut(cut);
            ranges[k].1.push(below);
            rest = above;
        }
        ranges[threads - 1].1.push(rest);
    }
    ranges
}

/// One key range of every run.
type MergeRange<'r, 'm> = (Vec<&'r [(SortKey, &'m Published)]>, Vec<&'r mut [Entry]>);

/// Writes of committed transactions that later ones of the block read, in two tables that
/// workers read and fill without locks: `early` holds what was published before the
/// conflict graph arrived (room for [`Committed::early_room`] writes, which the in-order
/// start never exceeds), `main` what was published since, sized by the graph for every
/// key the block writes. Neither ever grows. A key's newer value is in `main`, so a read
/// looks there first.
///
/// Sizing `main` by the keys written, not the writes declared, keeps it in the caches: a
/// 10k-transfer block among 10k accounts writes about 16k keys but may make 40k writes,
/// and a table for those (2 MB, not 0.5) made more lookups and publishes cache misses.
/// Alternated runs of the block took 60.6 ms, not 64.3, at 1 thread and 35.5, not 37.4,
/// at 2; a 100k-transfer block 595 ms, not 607, and 345, not 352.
///
/// The conflict graph makes lock-free access safe. A key's writers run one after another,
/// each after the key's readers before it, and each publishes before any dependent starts
/// (that start goes through the schedule's lock, after the commit). So a slot's entry
/// changes only while no one reads its key; what may run at the same time is other keys'
/// inserts, which claim empty slots by compare-and-swap. Entries stay in their workers'
/// arenas until the block ends, so one replaced under a reader that came for another key
/// with the same hash (which then compares keys and moves on) is still there to read.
///
/// 64 shards of maps behind read-write locks, with a filter of published bits, cost a
/// read four cache lines that both workers wrote (filter word, lock, control bytes,
/// entry) and a write three atomic read-modify-writes; here a read costs the slot's line
/// and the entry, and a write one compare-and-swap.
struct Committed {
    /// Writes published before the graph was installed.
    early: Table,
    /// The writes `early` has room for.
    early_room: usize,
    /// Writes published once the graph is installed.
    main: OnceLock<Table>,
    /// Keys come from transactions, so hashing is seeded per block (foldhash: fast, and
    /// resistant to precomputed collisions); no result depends on hash order.
    hasher: foldhash::fast::RandomState,
    /// Each worker's entries; worker `t` holds `arenas[t]` locked for the whole block.
    arenas: Vec<Mutex<Arena>>,
    /// The writes the block declares, plus one nonce each ([`declared_writes`]).
    declared_writes: usize,
}

/// An open-addressing table of published writes (linear probing), at most half full.
struct Table {
    slots: Box<[Slot]>,
    /// `slots.len() - 1` (a power of two minus one).
    mask: usize,
}

/// A key's place in a [`Table`]. All zero is empty.
#[repr(C)]
struct Slot {
    /// The key's hash with its lowest bit set (0: empty).
    tag: AtomicU64,
    /// The key's latest published write, in an arena; null while its insert is under way.
    entry: AtomicPtr<Published>,
}

/// Published entries of one worker, in chunks that never reallocate: an entry's address
/// holds until the block ends. Only [`Arena::keep`] may change it (entries are read
/// through raw pointers on other threads).
#[derive(Default)]
struct Arena {
    chunks: Vec<Vec<Published>>,
}

/// Entries per arena chunk.
const ARENA_CHUNK: usize = 1_024;

impl Arena {
    /// Moves `entry` in; its address is valid for as long as the arena.
    fn keep(&mut self, entry: Published) -> *mut Published {
        if self
            .chunks
            .last()
            .is_none_or(|chunk| chunk.len() == chunk.capacity())
        {
            self.chunks.push(Vec::with_capacity(ARENA_CHUNK));
        }
        let chunk = self.chunks.last_mut().expect("a chunk with room");
        chunk.push(entry);
        // SAFETY: the entry just pushed is at `len - 1`; the chunk never grows past its
        // capacity, so its buffer (and the entry) never moves.
        unsafe { chunk.as_mut_ptr().add(chunk.len() - 1) }
    }
}

/// Slots for a block that may write `writes` keys: at least twice as many, a power of
/// two, so probes stay short and an empty slot always ends them.
fn slots_for(writes: usize) -> usize {
    writes.saturating_mul(2).max(64).next_power_of_two()
}

/// Tables emptied by the merge, kept for later blocks: a new one was zeroed (or faulted
/// in) before the block's first transaction could run. A 10k-transfer block's table is
/// 2 MB (a 100k block's, 16 MB), and its first transaction started 0.27 ms in with a new
/// one, 0.15 ms with a kept one. At most [`SPARE_SLOTS_KEPT`] slots in all are kept, and
/// never given back.
static SPARE_TABLES: Mutex<Vec<Box<[Slot]>>> = Mutex::new(Vec::new());

/// Slots kept in spare tables: 64 MB, four 100k-transfer blocks' tables.
const SPARE_SLOTS_KEPT: usize = 1 << 22;

/// `count` empty slots: a spare table of that size, or a new one.
fn table_of(count: usize) -> Box<[Slot]> {
    let spare = {
        let mut spare = SPARE_TABLES
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let fits = spare.iter().position(|table| table.len() == count);
        fits.map(|at| spare.swap_remove(at))
    };
    spare.unwrap_or_else(|| empty_slots(count))
}

/// Keeps `table`, every slot of which the merge emptied, for a later block.
fn keep_spare_table(table: Box<[Slot]>) {
    let mut spare = SPARE_TABLES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let kept: usize = spare.iter().map(|table| table.len()).sum();
    if kept + table.len() <= SPARE_SLOTS_KEPT {
        spare.push(table);
    }
}

/// `count` empty slots, as zeroed memory: a large table comes as fresh zero pages, which
/// only writes and the merge's pass over the table touch.
fn empty_slots(count: usize) -> Box<[Slot]> {
    // SAFETY: an all-zero `Slot` is a valid, empty one (tag 0, null pointer).
    unsafe { Box::<[Slot]>::new_zeroed_slice(count).assume_init() }
}

/// Key and value bytes that fit stay inside the published entry.
const INLINE: usize = 54;

/// A key's bytes followed by its value's.
enum Packed {
    Inline { len: u8, bytes: [u8; INLINE] },
    Heap(Box<[u8]>),
}

impl Packed {
    fn new(key: &[u8], value: &[u8]) -> Self {
        let len = key.len() + value.len();
        if len <= INLINE {
            let mut bytes = [0; INLINE];
            bytes[..key.len()].copy_from_slice(key);
            bytes[key.len()..len].copy_from_slice(value);
            Packed::Inline {
                len: len as u8,
                bytes,
            }
        } else {
            Packed::Heap([key, value].concat().into_boxed_slice())
        }
    }

    fn as_slice(&self) -> &[u8] {
        match self {
            Packed::Inline { len, bytes } => &bytes[..usize::from(*len)],
            Packed::Heap(bytes) => bytes,
        }
    }
}

/// A published write, its key and value inside the entry when they fit (balances and
/// nonces do): a reader then waits on the table's slot and the entry, not also
/// on the key's bytes and the value elsewhere on the heap.
struct Published {
    hash: u64,
    contract: Address,
    key_len: u32,
    /// `false`: the key was deleted.
    present: bool,
    packed: Packed,
}

impl Published {
    fn new(hash: u64, key: &Key, value: Option<&[u8]>) -> Self {
        Published {
            hash,
            contract: key.contract,
            key_len: u32::try_from(key.bytes.len()).expect("a key shorter than 4 GiB"),
            present: value.is_some(),
            packed: Packed::new(&key.bytes, value.unwrap_or_default()),
        }
    }

    fn key_bytes(&self) -> &[u8] {
        &self.packed.as_slice()[..self.key_len as usize]
    }

    fn is(&self, hash: u64, key: &Key) -> bool {
        self.hash == hash && self.contract == key.contract && self.key_bytes() == key.bytes
    }

    fn value(&self) -> Option<Vec<u8>> {
        self.present
            .then(|| self.packed.as_slice()[self.key_len as usize..].to_vec())
    }

    fn sort_key(&self) -> SortKey {
        SortKey::from_parts(&self.contract, self.key_bytes())
    }

    /// The write as the state diff holds it.
    fn to_write(&self) -> (Key, Option<Vec<u8>>) {
        (
            Key::new(self.contract, self.key_bytes().to_vec()),
            self.value(),
        )
    }
}

impl Table {
    /// An empty table with room for `writes` writes to distinct keys.
    fn with_room_for(writes: usize) -> Self {
        let slots = table_of(slots_for(writes));
        let mask = slots.len() - 1;
        Table { slots, mask }
    }

    /// The first slot a key's hash probes. foldhash is good in its high bits: fold them
    /// down.
    fn home(&self, hash: u64) -> usize {
        (hash ^ (hash >> 32)) as usize & self.mask
    }

    /// The entry of slot `at`, if it has one yet.
    fn entry(&self, at: usize) -> Option<&Published> {
        let entry = self.slots[at].entry.load(Ordering::Acquire);
        // SAFETY: a non-null entry points into an arena of the `Committed` that holds this
        // table, where it stays, never changed, until that is dropped (after the table).
        unsafe { entry.as_ref() }
    }

    /// The entry of slot `at` if it holds `key` (whose hash is `hash`); the slot's tag
    /// matched.
    fn holding(&self, at: usize, hash: u64, key: &Key) -> Option<&Published> {
        self.entry(at).filter(|entry| entry.is(hash, key))
    }

    /// Points `key`'s slot (claimed if it has none) at `entry`; `false` when the table is
    /// full.
    fn insert(&self, hash: u64, key: &Key, entry: *mut Published) -> bool {
        let tag = hash | 1;
        let mut at = self.home(hash);
        for _ in 0..self.slots.len() {
            let slot = &self.slots[at];
            let mut seen = slot.tag.load(Ordering::Acquire);
            // Only an empty slot is claimed: a compare-and-swap takes the line even when
            // it fails.
            if seen == 0 {
                match slot
                    .tag
                    .compare_exchange(0, tag, Ordering::AcqRel, Ordering::Acquire)
                {
                    Ok(_) => {
                        slot.entry.store(entry, Ordering::Release);
                        return true;
                    }
                    Err(other) => seen = other,
                }
            }
            if seen == tag && self.holding(at, hash, key).is_some() {
                slot.entry.store(entry, Ordering::Release);
                return true;
            }
            at = (at + 1) & self.mask;
        }
        false
    }

    /// The latest published write of `key` (whose hash is `hash`), if any.
    fn find(&self, hash: u64, key: &Key) -> Option<&Published> {
        let tag = hash | 1;
        let mut at = self.home(hash);
        // The table is never more than half full: an empty slot ends every probe.
        for _ in 0..self.slots.len() {
            match self.slots[at].tag.load(Ordering::Acquire) {
                0 => return None,
                seen if seen == tag => {
                    if let Some(entry) = self.holding(at, hash, key) {
                        return Some(entry);
                    }
                }
                _ => {}
            }
            at = (at + 1) & self.mask;
        }
        None
    }

    /// The entry of slot `at`, leaving the slot empty: the merge's pass over the table
    /// readies it for a later block.
    fn take_entry(&self, at: usize) -> Option<&Published> {
        let slot = &self.slots[at];
        // An empty slot is not written: its page may still be the shared zero page.
        if slot.tag.load(Ordering::Relaxed) == 0 {
            return None;
        }
        slot.tag.store(0, Ordering::Relaxed);
        let entry = slot.entry.swap(std::ptr::null_mut(), Ordering::Relaxed);
        // SAFETY: as `Table::entry`.
        unsafe { entry.as_ref() }
    }

    /// The entries of slots `range`, each slot left empty, sorted by key.
    fn take_sorted(&self, range: std::ops::Range<usize>) -> MapRun<'_> {
        MapRun::sorted(range.filter_map(|at| self.take_entry(at)))
    }
}

impl Committed {
    /// Room for `early_room` writes before the graph is installed, of `declared` declared
    /// writes in all (with a nonce each, [`declared_writes`]), for `threads` workers.
    fn new(early_room: usize, declared: usize, threads: usize) -> Self {
        Committed {
            early: Table::with_room_for(early_room),
            early_room,
            main: OnceLock::new(),
            hasher: foldhash::fast::RandomState::default(),
            arenas: (0..threads.max(1)).map(|_| Mutex::default()).collect(),
            declared_writes: declared,
        }
    }

    /// For `block` on `threads` workers: on one, the graph comes first and nothing is
    /// published early; on more, transactions run in order while the graph is built, as
    /// long as their writes fit in [`early_room`].
    fn for_block(block: &[SignedTransaction], threads: usize) -> Self {
        let declared = declared_writes(block);
        let early = if threads <= 1 {
            0
        } else {
            early_room(declared + block.len())
        };
        Self::new(early, declared, threads)
    }

    /// Installs the table for writes from now on, with room for the `written_keys`
    /// distinct keys the graph saw written. Once only.
    fn install_main(&self, written_keys: usize) {
        assert!(
            self.main.set(Table::with_room_for(written_keys)).is_ok(),
            "one main table per block"
        );
    }

    /// Worker `t`'s arena, for the whole block.
    fn arena(&self, t: usize) -> std::sync::MutexGuard<'_, Arena> {
        self.arenas[t]
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Makes transaction `j`'s writes visible to its dependents (entries into `arena`).
    /// Without dependents, no later transaction of the block reads or writes its keys:
    /// they go to `unread` instead, sparing the shared table (in a conflict-free block,
    /// only the transactions run before the graph arrived publish). Returns whether `j`
    /// had no dependents; `Err` as [`Committed::publish`].
    fn commit(
        &self,
        graph: &ConflictGraph<u32>,
        j: u32,
        writes: WriteSet,
        unread: &mut Unread,
        arena: &mut Arena,
    ) -> Result<bool, RuntimeError> {
        let no_dependents = graph.successors(j).is_empty();
        if no_dependents {
            unread.extend(writes.into_iter().map(|(key, value)| entry(key, value)));
        } else {
            self.publish(writes, arena)?;
        }
        Ok(no_dependents)
    }

    /// Makes writes visible to every later reader; their entries go into `arena`. `Err`
    /// when the table is full, which a block whose writes stay within its declarations
    /// never makes it (the runtime refuses undeclared writes, and the in-order start
    /// stays within the early table's room).
    fn publish(&self, writes: WriteSet, arena: &mut Arena) -> Result<(), RuntimeError> {
        let table = self.main.get().unwrap_or(&self.early);
        for (key, value) in writes {
            let hash = self.hasher.hash_one(&key);
            let entry = arena.keep(Published::new(hash, &key, value.as_deref()));
            if !table.insert(hash, &key, entry) {
                return Err(RuntimeError::Execution(format!(
                    "the block wrote more keys than its declarations allow ({} slots)",
                    table.slots.len()
                )));
            }
        }
        Ok(())
    }

    /// The block's state diff: the final value of every key written, sorted by key. The
    /// tables hold the last value of each key written by a transaction with dependents:
    /// writers of one key commit in block order (each depends on the previous), each
    /// commit replaces the value before it, and one in `main` replaces one in `early`. A
    /// key in an `unread` run (each sorted) was written last by a transaction without
    /// dependents, whose value replaces the tables'. The tables' entries are sorted, and
    /// all are merged, on `threads` threads.
    fn into_state_diff(self, mut unread: Vec<Unread>, threads: usize) -> WriteSet {
        // The main table is read in slot ranges, one per thread, in memory order: visiting
        // only the slots claimed, in the order claimed, missed the cache on nearly every
        // one (a 100k uniform block took 6% longer at 2 threads). The last range's thread
        // also takes the early table.
        let parts = if self.declared_writes < PARALLEL_SORT_FROM {
            1
        } else {
            threads.max(1)
        };
        let main = self.main.get();
        let main_slots = main.map_or(0, |table| table.slots.len());
        let jobs: Vec<(usize, std::ops::Range<usize>)> = (0..parts)
            .map(|k| (k, k * main_slots / parts..(k + 1) * main_slots / parts))
            .collect();
        // The early run comes last: on a tie, the merge keeps the earlier run's entry.
        let maps: Vec<MapRun> = on_threads(jobs, |(k, range)| {
            let mut runs = Vec::with_capacity(2);
            if let Some(main) = main {
                runs.push(main.take_sorted(range));
            }
            if k == parts - 1 {
                runs.push(self.early.take_sorted(0..self.early.slots.len()));
            }
            runs
        })
        .into_iter()
        .flatten()
        .collect();
        let map_runs: Vec<&[(SortKey, &Published)]> = maps.iter().map(|m| &m.order[..]).collect();
        let unread_runs: Vec<&mut [Entry]> = unread.iter_mut().map(|run| &mut run[..]).collect();
        let merged = merge_in_ranges(map_runs, unread_runs, threads);
        drop(maps);
        keep_spare_runs(unread);
        keep_spare_table(self.early.slots);
        if let Some(main) = self.main.into_inner() {
            keep_spare_table(main.slots);
        }
        WriteSet::from_sorted(merged)
    }

    /// The latest value published for `key`: `Some(None)` if deleted, `None` if
    /// unpublished.
    fn get(&self, key: &Key) -> Option<Option<Vec<u8>>> {
        let hash = self.hasher.hash_one(key);
        self.main
            .get()
            .and_then(|main| main.find(hash, key))
            .or_else(|| self.early.find(hash, key))
            .map(Published::value)
    }
}

/// Room for writes before the graph arrives, in a block that may make `writes` writes
/// in all: a sixteenth of them, at least [`EARLY_ROOM_AT_LEAST`]. A 100k-transfer
/// block's graph took 19 ms, while one worker ran about 3,000 transfers in order, which
/// reserve 12,000 writes of the 25,000 room (a sixteenth of the 400,000 the block may
/// make).
fn early_room(writes: usize) -> usize {
    writes.min((writes / 16).max(EARLY_ROOM_AT_LEAST))
}

/// The least room for writes before the graph arrives.
const EARLY_ROOM_AT_LEAST: usize = 1_024;

/// The state a transaction sees: committed writes over the block's base state. Every
/// earlier writer of a key it declared has committed (it is an ancestor in the graph),
/// and no later writer has started (it is a descendant), so this is exactly the
/// sequential state for the keys it may touch.
struct Overlay<'a> {
    base: &'a (dyn StateView + Sync),
    committed: &'a Committed,
}

impl Overlay<'_> {
    /// What transaction `j` reads through. With no predecessor, no earlier transaction of
    /// the block wrote any key it may touch, so it reads the base state and skips the
    /// overlay's lookups.
    fn for_tx(&self, graph: &ConflictGraph<u32>, j: u32) -> &dyn StateView {
        if graph.predecessors(j).is_empty() {
            self.base
        } else {
            self
        }
    }
}

impl StateView for Overlay<'_> {
    fn get(&self, key: &Key) -> Result<Option<Vec<u8>>, StateError> {
        match self.committed.get(key) {
            Some(value) => Ok(value),
            None => self.base.get(key),
        }
    }
}

/// How workers choose the next transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// The graph is being built (or bounds the block below `serial_below`): one worker at
    /// a time runs the next transaction in block order, which is always safe; the others
    /// check signatures ahead of it.
    InOrder {
        /// The next transaction to run.
        next: usize,
        /// A worker is running `next - 1`.
        running: bool,
    },
    /// Ready transactions by priority, over the graph.
    Graph,
}

/// Scheduling state shared by the workers, behind one mutex. In declared order
/// (`repr(C)`), and the mutex aligned to a line pair ([`Lines`]): what every turn of the
/// lock changes (the commit count, what was taken and released) shares the lock's line.
#[repr(C)]
struct Schedule<'b> {
    /// Transactions committed, counted under the lock, which a worker takes after every
    /// commit but those within a claimed run (counted at its next turn). An atomic counter
    /// of its own cost each such commit one more line from the other worker's core: its
    /// `lock xadd` drew a fifth of the worker loop's samples in a 10k uniform block.
    committed: usize,
    /// Transactions taken to run (in order, or from [`Schedule::ready`]).
    started: usize,
    /// Ready transactions, highest priority first.
    ready: Ready,
    mode: Mode,
    /// Predecessors not yet committed, per transaction (filled when the graph arrives).
    waiting_on: Vec<u32>,
    /// Signature checks, filled in block order by whichever worker is free.
    verified: Vec<Option<Result<VerifiedTransaction<'b>, Status>>>,
    /// The block's length.
    transactions: usize,
    next_to_verify: usize,
    /// The block's signatures were checked before it: [`Schedule::verified`] stays empty,
    /// and whoever runs a transaction derives its sender.
    signatures_verified: bool,
    /// Workers asleep on the condition variable: only they need a (system-call) wake-up.
    idle: usize,
    /// Writes the early table still has room for ([`Committed::early_room`]): until the
    /// graph arrives, a transaction runs in order only if all it may write fits.
    early_room_left: usize,
    fault: Option<RuntimeError>,
}

/// `T` alone in its pair of cache lines (the unit Intel's adjacent-line prefetcher
/// fetches): the schedule and the signal live on the caller's stack, where they shared
/// lines with each other and with what else the workers read there.
#[repr(C, align(128))]
struct Lines<T>(T);

impl<T> std::ops::Deref for Lines<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// How workers learn that work appeared: spinning workers watch `events` without taking
/// the schedule's lock; sleeping ones wait on `sleep`.
struct Signal {
    events: AtomicU64,
    sleep: Condvar,
    /// Transactions released by commits and not taken yet ([`Ready::released`]), read
    /// without the lock: a worker with a claimed run looks here before going on with it.
    released: AtomicUsize,
}

impl Signal {
    /// One piece of work appeared: one sleeper, if any, is enough.
    fn notify_one(&self, idle: usize) {
        self.events.fetch_add(1, Ordering::Release);
        if idle > 0 {
            self.sleep.notify_one();
        }
    }

    /// Everyone must look again (the graph arrived, the block ended or failed).
    fn notify_all(&self) {
        self.events.fetch_add(1, Ordering::Release);
        self.sleep.notify_all();
    }
}

/// The graph and what the workers derive from it, built by one worker.
struct Planned {
    graph: ConflictGraph<u32>,
    stats: GraphStats,
    priorities: Vec<u64>,
    took: Duration,
}

impl<'b> Schedule<'b> {
    /// Copies how many released transactions wait into [`Signal::released`], after they
    /// changed. Only a change is stored: a store takes the line from the other workers,
    /// which read it after every transaction.
    fn mirror_released(&self, signal: &Signal) {
        let waiting = self.ready.released.len();
        if signal.released.load(Ordering::Relaxed) != waiting {
            signal.released.store(waiting, Ordering::Relaxed);
        }
    }

    /// Whether transaction `i` may run in order now: once the graph is installed
    /// (`graph`), always; before, if all it may write fits in the early table's room left.
    fn fits_early(
        &self,
        graph: Option<&ConflictGraph<u32>>,
        block: &[SignedTransaction],
        i: usize,
    ) -> bool {
        graph.is_some() || most_writes(&block[i]) <= self.early_room_left
    }

    /// Whether `i`'s signature check is done.
    fn checked(&self, i: usize) -> bool {
        self.signatures_verified || self.verified[i].is_some()
    }

    /// `i`'s priority as it becomes ready (kept until it is taken): its path level if the
    /// path is critical, at least 3/4 of the work per thread left (estimated from the
    /// transactions not started, in the levels' steps of 1/64 of the block's work per
    /// thread); otherwise 0, block order (see [`Priority::CriticalPath`]).
    fn priority(&self, i: usize, priorities: &[u64]) -> u64 {
        let level = priorities[i];
        let (n, left) = (
            self.transactions as u64,
            (self.transactions - self.started) as u64,
        );
        if level.saturating_mul(n).saturating_mul(4) >= 3 * PATH_STEPS_PER_THREAD_WORK * left {
            level
        } else {
            0
        }
    }

    /// Makes `i` ready if it is verified and waits on nothing.
    fn release(&mut self, i: usize, priorities: &[u64], signal: &Signal) {
        if self.mode == Mode::Graph && self.waiting_on[i] == 0 && self.checked(i) {
            let priority = self.priority(i, priorities);
            self.ready.push(priority, i as u32);
            self.mirror_released(signal);
            signal.notify_one(self.idle);
        }
    }

    /// Switches to scheduling over the graph, unless it bounds the block below
    /// `serial_below` (then the block goes on in order). Transactions before `next` ran
    /// in order (`next - 1` may still run); only the others wait, and only on
    /// predecessors that have not committed.
    fn install(&mut self, planned: &Planned, serial_below: f64, signal: &Signal) {
        let Mode::InOrder { next, running } = self.mode else {
            unreachable!("the graph is installed once")
        };
        let n = planned.graph.len();
        if planned.stats.parallelism() < serial_below {
            // A worker may wait for the room the early table lacked.
            signal.notify_all();
            return;
        }
        let in_flight = running.then(|| next - 1);
        self.waiting_on = (0..n as u32)
            .map(|i| {
                let preds = planned.graph.predecessors(i);
                preds
                    .iter()
                    .filter(|&&p| p as usize >= next || Some(p as usize) == in_flight)
                    .count() as u32
            })
            .collect();
        self.mode = Mode::Graph;
        self.started = next;
        let ready_now = (next..n).filter(|&i| self.waiting_on[i] == 0 && self.checked(i));
        let ready_now = ready_now
            .map(|i| (self.priority(i, &planned.priorities), i as u32))
            .collect();
        self.ready.start(n, ready_now);
        signal.notify_all();
    }

    /// This worker's next piece of work, or `None` when there is none now. Over the graph
    /// (`graph`, given once installed): the best ready transaction, plus (while plenty are
    /// ready) a run of the next ones without dependents into `claimed`, so the lock is
    /// taken once per run; a worker that still holds a run comes back only when commits
    /// released work, and takes the best first. In order: the next transaction.
    /// Otherwise a signature to check ahead; executing unblocks others, verifying only
    /// feeds the queue, so it comes last.
    fn next_work(
        &mut self,
        claimed: &mut VecDeque<(u32, Option<Result<VerifiedTransaction<'b>, Status>>)>,
        block: &[SignedTransaction],
        options: &BlockOptions,
        signal: &Signal,
        graph: Option<&ConflictGraph<u32>>,
    ) -> Option<Work<'b>> {
        let n = self.transactions;
        let work = match self.mode {
            Mode::Graph => {
                let graph = graph.expect("the graph is installed");
                // `None` for a pre-verified block: the worker derives the sender.
                let take = |ready: &mut Ready, verified: &mut [Option<_>], started: &mut usize| {
                    let j = ready.pop()?;
                    *started += 1;
                    Some((j, verified.get_mut(j as usize).and_then(Option::take)))
                };
                if claimed.is_empty() {
                    let turn = (self.ready.len() / (options.threads * 4)).clamp(1, 16);
                    for k in 0..turn {
                        // Past the first, only transactions without dependents: no one
                        // waits for them, and they commit without the lock. A run holding
                        // one with dependents made it wait for this worker while the
                        // others ran out of work (in lock-step, a block with one hot key
                        // in four transactions took 6-7% longer).
                        if k > 0
                            && self
                                .ready
                                .peek()
                                .is_none_or(|j| !graph.successors(j).is_empty())
                        {
                            break;
                        }
                        let Some(next) =
                            take(&mut self.ready, &mut self.verified, &mut self.started)
                        else {
                            break;
                        };
                        claimed.push_back(next);
                    }
                } else if let Some(best) =
                    take(&mut self.ready, &mut self.verified, &mut self.started)
                {
                    // A commit released work while this worker held a run: the best
                    // ready transaction (usually on the critical path) goes first.
                    claimed.push_front(best);
                }
                self.mirror_released(signal);
                claimed.pop_front().map(|(j, verified)| Work::Execute {
                    j,
                    verified,
                    in_order: false,
                })
            }
            Mode::InOrder { next, running }
                if !running && next < n && self.fits_early(graph, block, next) =>
            {
                let verified = match self.verified.get_mut(next).and_then(Option::take) {
                    Some(verified) => Some(Some(verified)),
                    // Nobody took its signature yet (or it was checked before the block):
                    // check it, then run it.
                    None if options.signatures_verified || self.next_to_verify <= next => {
                        if !options.signatures_verified {
                            self.next_to_verify = next + 1;
                        }
                        Some(None)
                    }
                    // Another worker is checking it.
                    None => None,
                };
                verified.map(|verified| {
                    if graph.is_none() {
                        self.early_room_left -= most_writes(&block[next]);
                    }
                    self.mode = Mode::InOrder {
                        next: next + 1,
                        running: true,
                    };
                    Work::Execute {
                        j: next as u32,
                        verified,
                        in_order: true,
                    }
                })
            }
            Mode::InOrder { .. } => None,
        };
        work.or_else(|| {
            (self.next_to_verify < n).then(|| {
                self.next_to_verify += 1;
                Work::Verify(self.next_to_verify - 1)
            })
        })
    }
}

/// Ready transactions, highest priority first, ties in block order. Those ready when the
/// graph arrives (in a wide block, most of it) are sorted once and taken in turn: taking
/// one touches one cache line, where a heap of thousands sifts through a dozen, each last
/// written by the other worker. Transactions released later are [`Released`].
#[derive(Default)]
#[repr(C)]
struct Ready {
    taken: usize,
    released: Released,
    /// (priority, transaction), sorted highest first; `sorted[taken..]` are left.
    sorted: Vec<(u64, u32)>,
}

impl Ready {
    /// The transactions ready when the graph arrives, in any order, of a block of `n`.
    fn start(&mut self, n: usize, mut ready: Vec<(u64, u32)>) {
        ready.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        self.sorted = ready;
        self.taken = 0;
        self.released = Released::new(n);
    }

    fn push(&mut self, priority: u64, j: u32) {
        self.released.push(priority, j);
    }

    /// The transaction [`Ready::pop`] would take.
    fn peek(&self) -> Option<u32> {
        // Higher priority first, then the earlier transaction.
        let rank = |(priority, j): (u64, u32)| (priority, std::cmp::Reverse(j));
        let from_sorted = self.sorted.get(self.taken).copied();
        match (from_sorted, self.released.peek()) {
            (Some(first), Some(other)) if rank(other) > rank(first) => Some(other.1),
            (Some((_, j)), _) => Some(j),
            (None, other) => other.map(|(_, j)| j),
        }
    }

    /// The highest-priority ready transaction.
    fn pop(&mut self) -> Option<u32> {
        let j = self.peek()?;
        if self
            .sorted
            .get(self.taken)
            .is_some_and(|&(_, first)| first == j)
        {
            self.taken += 1;
        } else {
            self.released.pop();
        }
        Some(j)
    }

    fn len(&self) -> usize {
        self.sorted.len() - self.taken + self.released.len()
    }

    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Transactions released by commits, highest priority first, ties in block order. Most
/// have priority 0 (in a wide block, all: see [`Priority::CriticalPath`]); those are bits
/// in block order, found through a word of summary bits per 64 words, so taking one reads
/// the summary words up to the first set one (25 at most in a 100k block) and one word.
/// A binary heap of them, thousands deep in a 10k uniform block, cost 0.27 µs a
/// transaction at 2 threads: each pop sifted through lines the other worker had written.
/// The few above 0 are a heap.
#[derive(Default)]
#[repr(C)]
struct Released {
    lowest_len: usize,
    above: BinaryHeap<(u64, std::cmp::Reverse<u32>)>,
    /// A bit per transaction of priority 0.
    lowest: Vec<u64>,
    /// A bit per word of `lowest` that is not zero.
    summary: Vec<u64>,
}

impl Released {
    /// Room for the transactions of a block of `n`.
    fn new(n: usize) -> Self {
        let words = n.div_ceil(64);
        Released {
            lowest: vec![0; words],
            summary: vec![0; words.div_ceil(64)],
            lowest_len: 0,
            above: BinaryHeap::new(),
        }
    }

    fn push(&mut self, priority: u64, j: u32) {
        if priority > 0 {
            self.above.push((priority, std::cmp::Reverse(j)));
            return;
        }
        let (word, bit) = (j as usize / 64, j % 64);
        debug_assert!(self.lowest[word] & (1 << bit) == 0, "released once");
        self.lowest[word] |= 1 << bit;
        self.summary[word / 64] |= 1 << (word % 64);
        self.lowest_len += 1;
    }

    /// The first transaction of priority 0: the first set bit.
    fn first_lowest(&self) -> Option<u32> {
        if self.lowest_len == 0 {
            return None;
        }
        let (at, summary) = self
            .summary
            .iter()
            .enumerate()
            .find(|(_, summary)| **summary != 0)?;
        let word = at * 64 + summary.trailing_zeros() as usize;
        Some((word * 64) as u32 + self.lowest[word].trailing_zeros())
    }

    /// (priority, transaction) of the one [`Released::pop`] takes.
    fn peek(&self) -> Option<(u64, u32)> {
        match self.above.peek() {
            Some(&(priority, std::cmp::Reverse(j))) => Some((priority, j)),
            None => self.first_lowest().map(|j| (0, j)),
        }
    }

    fn pop(&mut self) -> Option<(u64, u32)> {
        if let Some((priority, std::cmp::Reverse(j))) = self.above.pop() {
            return Some((priority, j));
        }
        let j = self.first_lowest()?;
        let word = j as usize / 64;
        self.lowest[word] &= !(1 << (j % 64));
        if self.lowest[word] == 0 {
            self.summary[word / 64] &= !(1 << (word % 64));
        }
        self.lowest_len -= 1;
        Some((0, j))
    }

    fn len(&self) -> usize {
        self.lowest_len + self.above.len()
    }
}

/// How many steps of the work per thread [`Priority::CriticalPath`] tells apart.
const PATH_STEPS_PER_THREAD_WORK: u64 = 64;

/// Each transaction's priority under `options.priority`, higher first.
fn priorities(graph: &ConflictGraph<u32>, stats: &GraphStats, options: &BlockOptions) -> Vec<u64> {
    match options.priority {
        Priority::CriticalPath => {
            let step = (stats.work / (options.threads as u64 * PATH_STEPS_PER_THREAD_WORK)).max(1);
            let mut paths = graph.remaining_critical_path();
            for path in &mut paths {
                *path /= step;
            }
            paths
        }
        Priority::Fifo => vec![0; graph.len()],
    }
}

/// What a worker does next.
enum Work<'b> {
    Verify(usize),
    Execute {
        j: u32,
        /// `None`: check the signature first (or derive the view of a pre-verified
        /// transaction).
        verified: Option<Result<VerifiedTransaction<'b>, Status>>,
        /// Run in block order, before the graph was known: reads everything through the
        /// overlay and publishes every write.
        in_order: bool,
    },
}

/// Executes a block on `options.threads` workers. One worker first builds the conflict
/// graph while another runs transactions in block order (always safe), so building it
/// costs no wall time of its own; then they all run ready transactions over the graph.
/// Returns the receipts, the unread write runs, the graph's statistics and the time it
/// took to build.
fn run_parallel<'b>(
    executor: &dyn TransactionExecutor,
    view: &Overlay<'_>,
    env: &BlockEnv,
    block: &'b [SignedTransaction],
    options: &BlockOptions,
) -> Result<(Vec<Receipt>, Vec<Unread>, GraphStats, Duration), RuntimeError> {
    let n = block.len();
    let schedule = Lines(Mutex::new(Schedule {
        mode: Mode::InOrder {
            next: 0,
            running: false,
        },
        ready: Ready::default(),
        waiting_on: Vec::new(),
        // Taking a `None` from a shared vector still wrote its line, which the other
        // worker then missed: 0.08 µs a transaction in a 10k uniform block at 2 threads.
        verified: if options.signatures_verified {
            Vec::new()
        } else {
            (0..n).map(|_| None).collect()
        },
        transactions: n,
        started: 0,
        committed: 0,
        next_to_verify: if options.signatures_verified { n } else { 0 },
        signatures_verified: options.signatures_verified,
        idle: 0,
        early_room_left: view.committed.early_room,
        fault: None,
    }));
    let signal = Lines(Signal {
        events: AtomicU64::new(0),
        sleep: Condvar::new(),
        released: AtomicUsize::new(0),
    });
    let plan: OnceLock<Planned> = OnceLock::new();
    let fail = |guard: &mut std::sync::MutexGuard<'_, Schedule<'b>>, fault: RuntimeError| {
        guard.fault.get_or_insert(fault);
        signal.notify_all();
    };

    let worker = |t: usize| {
        // The second worker builds the graph (the first is the calling thread, which
        // starts at once).
        let builds_graph = t == 1;
        let mut unread = unread_run(view.committed.declared_writes);
        let mut arena = view.committed.arena(t);
        // This worker's receipts, placed in block order after the block: a shared vector
        // of them, made by the calling thread, cost each other worker a cache miss from
        // that thread's cache per transaction.
        let mut receipts: Vec<(u32, Receipt)> = Vec::with_capacity(n / options.threads + 16);
        // Ready transactions this worker took in one turn of the lock, run in order.
        let mut claimed: VecDeque<(u32, Option<Result<VerifiedTransaction<'b>, Status>>)> =
            VecDeque::new();
        // Commits not yet added to [`Schedule::committed`]. Only a worker with claimed work
        // left holds any, so the block cannot look finished while some are held.
        let mut uncounted = 0;
        if builds_graph {
            let built = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let started = Instant::now();
                let graph = build_graph(block, 1);
                let stats = graph.stats();
                let priorities = priorities(&graph, &stats, options);
                // Before the lock: a transaction still running in order publishes here
                // from now on, which its dependents find first.
                view.committed.install_main(graph.written_keys());
                Planned {
                    graph,
                    stats,
                    priorities,
                    took: started.elapsed(),
                }
            }));
            let mut guard = schedule.lock().unwrap_or_else(|e| e.into_inner());
            match built {
                Ok(planned) => {
                    guard.install(&planned, options.serial_below, &signal);
                    assert!(plan.set(planned).is_ok(), "one graph per block");
                }
                Err(_) => fail(
                    &mut guard,
                    RuntimeError::Execution("building the conflict graph panicked".into()),
                ),
            }
        }
        let lock = || schedule.lock().unwrap_or_else(|e| e.into_inner());
        // The lock, while this worker holds it between two pieces of work.
        let mut held = Some(lock());
        loop {
            // A claimed run goes on without the lock, unless commits released work (which
            // may be more urgent) meanwhile.
            let run_on = !claimed.is_empty() && signal.released.load(Ordering::Relaxed) == 0;
            let work = if run_on && let Some((j, verified)) = claimed.pop_front() {
                drop(held.take());
                Work::Execute {
                    j,
                    verified,
                    in_order: false,
                }
            } else {
                let mut guard = held.take().unwrap_or_else(lock);
                if guard.fault.is_some() || guard.committed == n {
                    break;
                }
                match guard.next_work(
                    &mut claimed,
                    block,
                    options,
                    &signal,
                    plan.get().map(|p| &p.graph),
                ) {
                    Some(work) => work,
                    None => {
                        held = Some(wait_for_work(guard, &schedule, &signal));
                        continue;
                    }
                }
            };
            match work {
                Work::Verify(i) => {
                    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        executor.verify(&block[i])
                    }));
                    let mut guard = lock();
                    let Ok(result) = result else {
                        fail(
                            &mut guard,
                            RuntimeError::Execution(format!("verifying transaction {i} panicked")),
                        );
                        held = Some(guard);
                        continue;
                    };
                    guard.verified[i] = Some(result);
                    if guard.mode == Mode::Graph {
                        let priorities = &plan.get().expect("installed").priorities;
                        guard.release(i, priorities, &signal);
                    } else {
                        // The worker running in order may be waiting for this one.
                        signal.notify_one(guard.idle);
                    }
                    held = Some(guard);
                }
                Work::Execute {
                    j,
                    verified,
                    in_order,
                } => {
                    // A panic (in the runtime or a state backend) must fail the block, not
                    // leave the other workers waiting for a commit that never comes.
                    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        let checked = || check_signature(executor, &block[j as usize], options);
                        match verified.unwrap_or_else(checked) {
                            Ok(verified) if in_order => executor.execute(view, env, &verified),
                            Ok(verified) => {
                                let graph = &plan.get().expect("installed").graph;
                                executor.execute(view.for_tx(graph, j), env, &verified)
                            }
                            Err(status) => Ok(TxOutcome::rejected(status)),
                        }
                    }))
                    .unwrap_or_else(|_| {
                        Err(RuntimeError::Execution(format!(
                            "executing transaction {j} panicked"
                        )))
                    });
                    // Writes become visible before any dependent can start. Before the
                    // graph, every write is published (dependents are not known yet).
                    let committing = result.and_then(|outcome| {
                        let no_dependents = if in_order {
                            view.committed
                                .publish(outcome.writes, &mut arena)
                                .map(|()| false)
                        } else {
                            let graph = &plan.get().expect("installed").graph;
                            view.committed
                                .commit(graph, j, outcome.writes, &mut unread, &mut arena)
                        }?;
                        Ok((no_dependents, outcome.receipt))
                    });
                    let (no_dependents, receipt) = match committing {
                        Ok(committed) => committed,
                        Err(fault) => {
                            let mut guard = lock();
                            fail(&mut guard, fault);
                            claimed.clear();
                            held = Some(guard);
                            continue;
                        }
                    };
                    receipts.push((j, receipt));
                    uncounted += 1;
                    // No one waits on a transaction without dependents: with work
                    // claimed, this worker goes on without the lock (the block is not
                    // finished while that work is left).
                    if no_dependents && !claimed.is_empty() {
                        continue;
                    }
                    let mut guard = lock();
                    guard.committed += uncounted;
                    uncounted = 0;
                    let all_committed = guard.committed == n;
                    if let Mode::InOrder { next, .. } = guard.mode {
                        // This worker holds the lock and takes the next one itself.
                        guard.mode = Mode::InOrder {
                            next,
                            running: false,
                        };
                    } else {
                        // The graph may have arrived while `j` ran in order: it counted
                        // `j` as a predecessor still to commit.
                        let planned = plan.get().expect("installed");
                        for &s in planned.graph.successors(j) {
                            guard.waiting_on[s as usize] -= 1;
                            guard.release(s as usize, &planned.priorities, &signal);
                        }
                    }
                    if all_committed {
                        signal.notify_all();
                    }
                    held = Some(guard);
                }
            }
        }
        drop(held);
        unread.sort_unstable_by(by_key);
        (unread, receipts)
    };
    let per_worker = on_threads((0..options.threads).collect(), worker);
    let schedule = schedule.0.into_inner().unwrap_or_else(|e| e.into_inner());
    if let Some(fault) = schedule.fault {
        return Err(fault);
    }
    let planned = plan.into_inner().expect("the graph was built");
    let mut placed: Vec<Option<Receipt>> = (0..n).map(|_| None).collect();
    let mut unread = Vec::with_capacity(per_worker.len());
    for (worker_unread, receipts) in per_worker {
        unread.push(worker_unread);
        for (j, receipt) in receipts {
            let slot = &mut placed[j as usize];
            assert!(slot.is_none(), "each transaction executes once");
            *slot = Some(receipt);
        }
    }
    let receipts = placed
        .into_iter()
        .map(|r| r.expect("every transaction committed"))
        .collect();
    Ok((receipts, unread, planned.stats, planned.took))
}

/// Waits until work may have appeared (an event), without holding the lock meanwhile.
fn wait_for_work<'g, 'b>(
    guard: std::sync::MutexGuard<'g, Schedule<'b>>,
    schedule: &'g Mutex<Schedule<'b>>,
    signal: &Signal,
) -> std::sync::MutexGuard<'g, Schedule<'b>> {
    // Work usually appears within microseconds: spin on the event counter (not the lock,
    // which the committing worker needs) before sleeping, since a futex sleep and wake-up
    // costs more than a transaction.
    let seen = signal.events.load(Ordering::Acquire);
    drop(guard);
    let mut spins = 0u32;
    let mut guard = loop {
        while signal.events.load(Ordering::Acquire) == seen && spins < 20_000 {
            std::hint::spin_loop();
            spins += 1;
        }
        // The worker that signalled usually still holds the lock and takes the work
        // itself (a chain stays on one core): only try the lock, so its unlock never has
        // to wake a blocked waiter.
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
        && guard.committed < guard.transactions
        && guard.fault.is_none()
    {
        guard.idle += 1;
        guard = signal.sleep.wait(guard).unwrap_or_else(|e| e.into_inner());
        guard.idle -= 1;
    }
    guard
}

#[cfg(test)]
mod tests {
    use std::cmp::Reverse;

    use super::*;
    use keyway_host_api::Address;

    /// A repeatable stream of numbers below a bound (xorshift), from a nonzero seed.
    fn numbers(mut state: u64) -> impl FnMut(u64) -> u64 {
        move |bound| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % bound
        }
    }

    /// Keys that stress the integer sort: contracts equal in their first bytes, bytes that
    /// tie on the zero-padded 8-byte prefix ("ab", "ab\0", "ab\0\0"...), long and empty.
    fn tricky_keys(count: usize, seed: u64) -> Vec<Key> {
        let mut next = numbers(seed);
        let contracts: Vec<Address> = (0..4u8)
            .map(|c| {
                let mut bytes = [7u8; 32];
                bytes[31] = c; // same first 31 bytes
                Address(bytes)
            })
            .chain([Address([0; 32]), Address([255; 32])])
            .collect();
        let mut keys: Vec<Key> = (0..count)
            .map(|_| {
                let contract = contracts[next(contracts.len() as u64) as usize];
                let len = next(12) as usize;
                let bytes = (0..len)
                    .map(|i| {
                        if i >= 2 && next(2) == 0 {
                            0
                        } else {
                            next(3) as u8
                        }
                    })
                    .collect::<Vec<u8>>();
                Key::new(contract, bytes)
            })
            .collect();
        keys.sort();
        keys.dedup();
        // Shuffle.
        for i in (1..keys.len()).rev() {
            keys.swap(i, next(i as u64 + 1) as usize);
        }
        keys
    }

    #[test]
    fn ready_transactions_come_out_as_from_one_heap() {
        // Priorities with many ties, most 0; some ready at the start, the rest released
        // while taking, as commits do, in no order (over more than 64 words of bits).
        let n = 9_000;
        let mut next = numbers(0x51_7cc1_b727_220au64);
        let priorities: Vec<u64> = (0..n).map(|_| next(12).saturating_sub(6)).collect();
        let (initial, later) = priorities.split_at(3_000);
        let mut ready = Ready::default();
        let mut heap = BinaryHeap::new();
        ready.start(
            n,
            initial
                .iter()
                .enumerate()
                .rev()
                .map(|(i, &p)| (p, i as u32))
                .collect(),
        );
        heap.extend(
            initial
                .iter()
                .enumerate()
                .map(|(i, &p)| (p, Reverse(i as u32))),
        );
        let mut later: Vec<(u64, u32)> = later
            .iter()
            .enumerate()
            .map(|(i, &p)| (p, 3_000 + i as u32))
            .collect();
        for i in (1..later.len()).rev() {
            later.swap(i, next(i as u64 + 1) as usize);
        }
        let mut later = later.into_iter();
        let mut taken = Vec::new();
        while !ready.is_empty() || later.len() > 0 {
            // At least one release when nothing is ready, so the loop always progresses.
            let releases = next(3) as usize + usize::from(ready.is_empty());
            for (p, j) in later.by_ref().take(releases) {
                ready.push(p, j);
                heap.push((p, Reverse(j)));
            }
            assert_eq!(ready.len(), heap.len());
            let expected = heap.pop().map(|(_, Reverse(j))| j);
            assert_eq!(ready.pop(), expected);
            taken.extend(expected);
        }
        assert_eq!(later.next(), None);
        assert_eq!(taken.len(), n);
    }

    /// Steps for `threads` workers in lock-step, each transaction taking one step, to run
    /// `graph` through the real schedule (claimed runs, releases, priorities): the
    /// workers' loop without the threads.
    fn lock_step_makespan(graph: ConflictGraph<u32>, threads: usize, priority: Priority) -> usize {
        let n = graph.len();
        let mut options = BlockOptions::with_threads(threads);
        options.priority = priority;
        let signal = Signal {
            events: AtomicU64::new(0),
            sleep: Condvar::new(),
            released: AtomicUsize::new(0),
        };
        let mut schedule = Schedule {
            mode: Mode::InOrder {
                next: 0,
                running: false,
            },
            ready: Ready::default(),
            waiting_on: Vec::new(),
            // Any checked result will do: the schedule only passes it on.
            verified: (0..n).map(|_| Some(Err(Status::BadNonce))).collect(),
            transactions: n,
            started: 0,
            committed: 0,
            next_to_verify: n,
            signatures_verified: false,
            idle: 0,
            early_room_left: 0,
            fault: None,
        };
        let stats = graph.stats();
        let planned = Planned {
            priorities: priorities(&graph, &stats, &options),
            stats,
            graph,
            took: Duration::ZERO,
        };
        schedule.install(&planned, options.serial_below, &signal);
        let mut claimed: Vec<VecDeque<_>> = (0..threads).map(|_| VecDeque::new()).collect();
        let (mut steps, mut done) = (0, 0);
        while done < n {
            let mut running = Vec::new();
            for claimed in &mut claimed {
                let run_on = !claimed.is_empty() && signal.released.load(Ordering::Relaxed) == 0;
                let work = if run_on {
                    claimed.pop_front().map(|(j, verified)| Work::Execute {
                        j,
                        verified,
                        in_order: false,
                    })
                } else {
                    schedule.next_work(claimed, &[], &options, &signal, Some(&planned.graph))
                };
                match work {
                    Some(Work::Execute { j, .. }) => running.push(j),
                    Some(Work::Verify(_)) => unreachable!("all verified"),
                    None => {}
                }
            }
            assert!(!running.is_empty(), "stalled after {done} of {n}");
            steps += 1;
            for j in running {
                done += 1;
                for &s in planned.graph.successors(j) {
                    schedule.waiting_on[s as usize] -= 1;
                    schedule.release(s as usize, &planned.priorities, &signal);
                }
            }
        }
        steps
    }

    /// A block like the bench's transfers: each transaction writes a sender's key and a
    /// receiver's, of `keys` keys; one in `hot_share` sends to key 0, the hot one.
    fn mixed_graph(n: usize, keys: u64, hot_share: u64, seed: u64) -> ConflictGraph<u32> {
        let mut next = numbers(seed);
        let mut builder = GraphBuilder::new();
        for i in 0..n as u32 {
            let from = 1 + next(keys - 1);
            let to = if next(hot_share) == 0 { 0 } else { next(keys) };
            builder.add(i, 1, [], [from, to]);
        }
        builder.build()
    }

    #[test]
    fn claimed_runs_never_hold_back_a_narrow_graph() {
        // Runs of any 16 ready transactions lengthened this (a work/span bound of about
        // 4) by 6%: those leading to the hot key's next write waited in one worker's run
        // while the other ran out of work.
        for seed in 1..4 {
            let graph = mixed_graph(4_000, 4_000, 4, seed);
            let bound = graph.stats().parallelism();
            assert!((3.0..6.0).contains(&bound), "bound {bound}");
            assert_eq!(
                lock_step_makespan(graph, 2, Priority::CriticalPath),
                2_000,
                "seed {seed}"
            );
        }
    }

    #[test]
    fn claimed_runs_never_hold_back_a_wide_graph() {
        for seed in 1..4 {
            let graph = mixed_graph(4_000, 4_000, u64::MAX, seed);
            assert!(graph.stats().parallelism() > 50.0);
            assert_eq!(
                lock_step_makespan(graph, 2, Priority::CriticalPath),
                2_000,
                "seed {seed}"
            );
        }
    }

    #[test]
    fn a_long_path_late_in_the_block_still_starts_first() {
        // 1,000 independent transactions, then a chain as heavy: block order runs the
        // chain after them (1,500 steps); its path starts it at once, and keeps it ahead
        // while the path is critical (at least 3/4 of the work per thread left). Where
        // it falls under that, it ties with the independent ones, which come first in
        // block order: 1,022 steps, 2% over the span.
        let mut builder = GraphBuilder::new();
        for i in 0..2_000u32 {
            let key = if i < 1_000 { 1 + u64::from(i) } else { 0 };
            builder.add(i, 1, [], [key]);
        }
        let graph = builder.build();
        assert_eq!(lock_step_makespan(graph.clone(), 2, Priority::Fifo), 1_500);
        assert_eq!(lock_step_makespan(graph, 2, Priority::CriticalPath), 1_022);
    }

    #[test]
    fn paths_within_a_step_tie_and_run_in_block_order() {
        let options = BlockOptions::with_threads(2);
        // Work 4,000, so a step is 4,000 / (2 * 64) = 31: spans of 1 and 2 tie.
        let wide = mixed_graph(4_000, 4_000, u64::MAX, 1);
        let stats = wide.stats();
        assert!(stats.span >= 2, "span {}", stats.span);
        assert!(priorities(&wide, &stats, &options).iter().all(|&p| p == 0));
        // A chain of 100 among them: its first 70 stand ahead of everything else, in
        // steps; the other transactions' paths are shorter than one.
        let mut builder = GraphBuilder::new();
        for i in 0..4_000u32 {
            let key = if i % 40 == 0 { 0 } else { 1 + u64::from(i) };
            builder.add(i, 1, [], [key]);
        }
        let graph = builder.build();
        let stats = graph.stats();
        let got = priorities(&graph, &stats, &options);
        let step = stats.work / (2 * PATH_STEPS_PER_THREAD_WORK);
        for (i, &priority) in got.iter().enumerate() {
            let expected = if i % 40 == 0 {
                (100 - i as u64 / 40) / step
            } else {
                0
            };
            assert_eq!(priority, expected, "transaction {i}");
        }
        assert_eq!(got[0], 3);
    }

    #[test]
    fn entries_sort_like_keys() {
        for seed in 1..20 {
            let keys = tricky_keys(500, seed);
            let mut entries: Vec<Entry> = keys.iter().cloned().map(|k| entry(k, None)).collect();
            entries.sort_unstable_by(by_key);
            let mut expected = keys.clone();
            expected.sort();
            let got: Vec<Key> = entries.into_iter().map(|(_, k, _)| k).collect();
            assert_eq!(got, expected, "seed {seed}");
            for pair in keys.windows(2) {
                let (a, b) = (SortKey::of(&pair[0]), SortKey::of(&pair[1]));
                if a != b {
                    assert_eq!(a < b, pair[0] < pair[1], "{:?} vs {:?}", pair[0], pair[1]);
                }
            }
        }
    }

    #[test]
    fn published_writes_read_back_inline_or_on_the_heap() {
        // Lengths around the inline limit: key and value bytes together fit, just fit,
        // or spill to the heap; values present, empty or deleted.
        let contract = Address([3; 32]);
        let mut cases: Vec<(Key, Option<Vec<u8>>)> =
            [0, 1, 20, INLINE - 1, INLINE, INLINE + 1, 300]
                .into_iter()
                .flat_map(|key_len| {
                    [
                        None,
                        Some(0),
                        Some(1),
                        // Exactly fills the entry with the key's extra byte below.
                        Some(INLINE.saturating_sub(key_len + 1)),
                        Some(INLINE + 9),
                    ]
                    .into_iter()
                    .map(move |value_len| {
                        let mut bytes = vec![key_len as u8; key_len];
                        // Distinct keys for each value length.
                        bytes.push(value_len.map_or(255, |len| len as u8));
                        let value = value_len.map(|len| vec![0xab; len]);
                        (Key::new(contract, bytes), value)
                    })
                })
                .collect();
        cases.sort();
        cases.dedup();
        let committed = Committed::new(2 * cases.len(), cases.len(), 1);
        // Each key first gets a value of another size, so every case also replaces one.
        for (key, value) in &cases {
            let mut first = WriteSet::new();
            first.insert(
                key.clone(),
                value.as_ref().map_or(Some(vec![1; 70]), |_| None),
            );
            committed
                .publish(first, &mut committed.arena(0))
                .expect("room");
            let mut set = WriteSet::new();
            set.insert(key.clone(), value.clone());
            committed
                .publish(set, &mut committed.arena(0))
                .expect("room");
        }
        for (key, value) in &cases {
            assert_eq!(committed.get(key), Some(value.clone()), "{key:?}");
        }
        let absent = Key::new(contract, vec![9; 3]);
        assert_eq!(committed.get(&absent), None);
        let diff = committed.into_state_diff(vec![], 1);
        let got: Vec<_> = diff
            .iter()
            .map(|(key, value)| (key.clone(), value.map(<[u8]>::to_vec)))
            .collect();
        assert_eq!(got, cases);
    }

    #[test]
    fn writes_past_the_table_are_a_fault_not_a_hang() {
        let committed = Committed::new(1, 1, 1);
        let keys = tricky_keys(100, 3);
        assert!(keys.len() > 64);
        let publish = |key: &Key| {
            let mut set = WriteSet::new();
            set.insert(key.clone(), Some(vec![1]));
            committed.publish(set, &mut committed.arena(0))
        };
        // The smallest table has 64 slots.
        for key in &keys[..64] {
            publish(key).expect("room");
        }
        assert!(matches!(
            publish(&keys[64]),
            Err(RuntimeError::Execution(_))
        ));
        // A key already in is replaced in place.
        publish(&keys[0]).expect("replaced");
    }

    #[test]
    fn the_merge_leaves_the_table_empty_for_a_later_block() {
        let committed = Committed::new(64, 64, 1);
        let keys = tricky_keys(40, 5);
        for (k, key) in keys.iter().enumerate() {
            let mut set = WriteSet::new();
            set.insert(key.clone(), (k % 3 != 0).then(|| vec![k as u8; k]));
            committed
                .publish(set, &mut committed.arena(0))
                .expect("room");
        }
        // What the merge's pass does, slot by slot.
        let table = &committed.early;
        let taken = (0..table.slots.len())
            .filter(|&at| table.take_entry(at).is_some())
            .count();
        assert_eq!(taken, keys.len());
        assert!(table.slots.iter().all(|slot| {
            slot.tag.load(Ordering::Relaxed) == 0 && slot.entry.load(Ordering::Relaxed).is_null()
        }));
        // A table taken from the spares is empty, whichever block left it.
        let diff = Committed::new(64, 64, 1).into_state_diff(vec![], 1);
        assert!(diff.is_empty());
        let table = table_of(committed.early.slots.len());
        assert!(
            table
                .iter()
                .all(|slot| slot.tag.load(Ordering::Relaxed) == 0)
        );
        keep_spare_table(table);
    }

    #[test]
    fn keys_published_at_once_by_many_workers_all_read_back() {
        // Four workers fill one small table at once (distinct keys, as the graph allows),
        // each replacing its keys' values once and reading them back while the others
        // insert theirs.
        let threads = 4;
        let keys = tricky_keys(2_000, 11);
        let committed = Committed::new(keys.len(), keys.len(), threads);
        let value = |k: usize, round: u8| Some(vec![round; k % 90]);
        std::thread::scope(|scope| {
            for t in 0..threads {
                let (committed, keys) = (&committed, &keys);
                scope.spawn(move || {
                    let mut arena = committed.arena(t);
                    let mine: Vec<usize> = (t..keys.len()).step_by(threads).collect();
                    for round in [1, 2] {
                        for &k in &mine {
                            let mut set = WriteSet::new();
                            set.insert(keys[k].clone(), value(k, round));
                            committed.publish(set, &mut arena).expect("room");
                            assert_eq!(committed.get(&keys[k]), Some(value(k, round)));
                        }
                    }
                });
            }
        });
        for (k, key) in keys.iter().enumerate() {
            assert_eq!(committed.get(key), Some(value(k, 2)), "key {k}");
        }
        let diff = committed.into_state_diff(vec![], 2);
        assert_eq!(diff.len(), keys.len());
        let expected: WriteSet = {
            let mut set = WriteSet::new();
            for (k, key) in keys.iter().enumerate() {
                set.insert(key.clone(), value(k, 2));
            }
            set
        };
        assert!(diff == expected);
    }

    #[test]
    fn the_state_diff_is_sorted_whatever_the_threads() {
        let keys = tricky_keys(PARALLEL_SORT_FROM * 2, 99);
        let half = keys.len() / 2;
        // Two transactions per key. For the first half, both write it: the first has a
        // dependent, so its write goes through the maps; the second has none and keeps
        // its (final) write. For the second half, the first writes it and the second only
        // reads it: the final value is the maps'.
        let sets: Vec<WriteSet> = (0..2 * keys.len())
            .map(|i| {
                let mut set = WriteSet::new();
                if i / 2 < half || i % 2 == 0 {
                    set.insert(keys[i / 2].clone(), (i % 3 != 0).then(|| vec![i as u8]));
                }
                set
            })
            .collect();
        let mut builder = GraphBuilder::new();
        for i in 0..sets.len() as u32 {
            let key = i / 2;
            if (key as usize) < half || i % 2 == 0 {
                builder.add(i, 1, [], [key]);
            } else {
                builder.add(i, 1, [key], []);
            }
        }
        let graph = builder.build();
        let expected = WriteSet::merged(sets.clone());
        for threads in [1, 2, 3, 8] {
            let committed = Committed::new(keys.len(), keys.len(), threads);
            let mut unread = Unread::new();
            for (j, set) in sets.iter().cloned().enumerate() {
                let arena = &mut committed.arena(j % threads);
                committed
                    .commit(&graph, j as u32, set, &mut unread, arena)
                    .expect("room");
            }
            assert_eq!(unread.len(), half, "one unread write per pair of writers");
            unread.sort_unstable_by(by_key);
            // One run per worker, as the workers would leave them: each sorted.
            let mut runs: Vec<Unread> = (0..threads).map(|_| Unread::new()).collect();
            for (i, entry) in unread.into_iter().enumerate() {
                runs[i % threads].push(entry);
            }
            let diff = committed.into_state_diff(runs, threads);
            assert!(diff == expected, "{threads} threads: wrong state diff");
        }
    }

    #[test]
    fn a_write_after_the_graph_replaces_an_early_one_in_reads_and_the_state_diff() {
        let keys = tricky_keys(PARALLEL_SORT_FROM * 2, 7);
        let value = |k: usize, round: u8| (!k.is_multiple_of(5)).then(|| vec![round; k % 70]);
        let one = |k: usize, round: u8| {
            let mut set = WriteSet::new();
            set.insert(keys[k].clone(), value(k, round));
            set
        };
        // Every key early; every other key again once the graph is in; every third one
        // last by a transaction without dependents (unread).
        let early: Vec<usize> = (0..keys.len()).collect();
        let after: Vec<usize> = (0..keys.len()).step_by(2).collect();
        let last: Vec<usize> = (0..keys.len()).step_by(3).collect();
        let expected = WriteSet::merged(
            early
                .iter()
                .map(|&k| one(k, 1))
                .chain(after.iter().map(|&k| one(k, 2)))
                .chain(last.iter().map(|&k| one(k, 3))),
        );
        for threads in [1, 2, 3] {
            let committed = Committed::new(keys.len(), 2 * keys.len(), threads);
            let publish = |k: usize, round: u8| {
                committed
                    .publish(one(k, round), &mut committed.arena(0))
                    .expect("room");
            };
            early.iter().for_each(|&k| publish(k, 1));
            committed.install_main(after.len());
            after.iter().for_each(|&k| publish(k, 2));
            for (k, key) in keys.iter().enumerate() {
                let round = if k % 2 == 0 { 2 } else { 1 };
                assert_eq!(committed.get(key), Some(value(k, round)), "key {k}");
            }
            let mut runs: Vec<Unread> = (0..threads).map(|_| Unread::new()).collect();
            for &k in &last {
                let (key, value) = one(k, 3).into_iter().next().expect("one write");
                runs[k % threads].push(entry(key, value));
            }
            runs.iter_mut().for_each(|run| run.sort_unstable_by(by_key));
            let diff = committed.into_state_diff(runs, threads);
            assert!(diff == expected, "{threads} threads: wrong state diff");
        }
    }

    #[test]
    fn before_the_graph_transactions_run_in_order_only_while_their_writes_fit_early() {
        // Each may write three keys: its declared one, its nonce, and a record.
        let tx = |sender: u8| {
            let mut signed = call_reading(sender, vec![]);
            signed.tx.access_list.writes = vec![Key::new(Address([2; 32]), vec![sender])];
            signed
        };
        let block = vec![tx(1), tx(2), tx(3)];
        assert_eq!(most_writes(&block[0]), 3);
        let mut options = BlockOptions::with_threads(2);
        options.signatures_verified = true;
        let signal = Signal {
            events: AtomicU64::new(0),
            sleep: Condvar::new(),
            released: AtomicUsize::new(0),
        };
        let mut schedule = Schedule {
            mode: Mode::InOrder {
                next: 0,
                running: false,
            },
            ready: Ready::default(),
            waiting_on: Vec::new(),
            verified: Vec::new(),
            transactions: block.len(),
            started: 0,
            committed: 0,
            next_to_verify: block.len(),
            signatures_verified: true,
            idle: 0,
            early_room_left: 7,
            fault: None,
        };
        let next = |schedule: &mut Schedule, graph: Option<&ConflictGraph<u32>>| {
            let mut claimed = VecDeque::new();
            let work = schedule.next_work(&mut claimed, &block, &options, &signal, graph);
            if let Mode::InOrder { next, .. } = schedule.mode {
                // As the worker's commit leaves it.
                schedule.mode = Mode::InOrder {
                    next,
                    running: false,
                };
            }
            match work {
                Some(Work::Execute { j, in_order, .. }) => {
                    assert!(in_order);
                    Some(j)
                }
                _ => None,
            }
        };
        assert_eq!(next(&mut schedule, None), Some(0));
        assert_eq!(next(&mut schedule, None), Some(1));
        assert_eq!(schedule.early_room_left, 1);
        // Three writes do not fit in the one left: wait for the graph.
        assert_eq!(next(&mut schedule, None), None);
        let mut builder = GraphBuilder::new();
        for i in 0..3u32 {
            builder.add(i, 1, [], [i]);
        }
        let graph = builder.build();
        assert_eq!(next(&mut schedule, Some(&graph)), Some(2));
        assert_eq!(
            schedule.early_room_left, 1,
            "the main table holds writes from now on"
        );
    }

    #[test]
    fn early_room_is_a_sixteenth_of_the_writes_but_at_least_a_floor() {
        assert_eq!(early_room(10), 10);
        assert_eq!(early_room(EARLY_ROOM_AT_LEAST * 4), EARLY_ROOM_AT_LEAST);
        assert_eq!(
            early_room(EARLY_ROOM_AT_LEAST * 64),
            EARLY_ROOM_AT_LEAST * 4
        );
    }

    #[test]
    fn spare_runs_come_back_empty_and_big_enough() {
        // Other tests run blocks meanwhile and share the spares: only what holds for any
        // spare is asserted.
        let vacated = || {
            (
                SortKey([0; 5]),
                Key::new(Address([0; 32]), Vec::new()),
                None,
            )
        };
        let mut small = Unread::with_capacity(4);
        small.extend((0..4).map(|_| vacated()));
        keep_spare_runs(vec![small]);
        for capacity in [1, 4, 5, 1_000] {
            let run = unread_run(capacity);
            assert!(run.is_empty() && run.capacity() >= capacity);
            keep_spare_runs(vec![run]);
        }
        let huge = Unread::with_capacity(SPARE_ENTRIES_KEPT + 1);
        let address = huge.as_ptr();
        keep_spare_runs(vec![huge]);
        assert!(
            !SPARE_RUNS
                .lock()
                .unwrap()
                .iter()
                .any(|run| run.as_ptr() == address),
            "a run bigger than all the room kept is dropped"
        );
    }

    #[test]
    fn unread_writes_replace_the_maps_in_the_merge() {
        // Each key is in the maps only, unread only, or both (the unread value is the
        // later); unread keys spread over runs of very different lengths, one empty.
        let keys = tricky_keys(PARALLEL_SORT_FROM * 3, 7);
        let mut next = numbers(0x9e37_79b9_7f4a_7c15u64);
        let value = |next: &mut dyn FnMut(u64) -> u64, tag: u8| {
            (next(4) != 0).then(|| vec![tag; next(70) as usize])
        };
        for threads in [1, 2, 3, 8] {
            let committed = Committed::new(keys.len(), keys.len(), threads);
            let mut runs: Vec<Unread> = vec![Unread::new(); 4];
            let mut expected = Vec::new();
            for key in &keys {
                let place = next(3);
                let mut last = None;
                if place != 1 {
                    let mut set = WriteSet::new();
                    let published = value(&mut next, 1);
                    set.insert(key.clone(), published.clone());
                    committed
                        .publish(set, &mut committed.arena(0))
                        .expect("room");
                    last = Some(published);
                }
                if place != 0 {
                    let unread = value(&mut next, 2);
                    // Run 3 stays empty; run 0 gets most.
                    let run = [0, 0, 0, 0, 0, 1, 1, 2][next(8) as usize];
                    runs[run].push(entry(key.clone(), unread.clone()));
                    last = Some(unread);
                }
                expected.push((key.clone(), last.expect("written")));
            }
            for run in &mut runs {
                run.sort_unstable_by(by_key);
            }
            expected.sort_by(|a, b| a.0.cmp(&b.0));
            let diff = committed.into_state_diff(runs, threads);
            assert!(
                diff == WriteSet::from_sorted(expected),
                "{threads} threads: wrong merge"
            );
        }
    }

    /// A call from `sender` to one contract, declaring `reads`.
    fn call_reading(sender: u8, reads: Vec<Key>) -> SignedTransaction {
        use keyway_host_api::{AccessList, PublicKey, Signature, Transaction, TxKind};
        SignedTransaction {
            tx: Transaction {
                chain_id: 1,
                sender: PublicKey([sender; 33]),
                nonce: 0,
                kind: TxKind::Call {
                    contract: Address([1; 32]),
                    method: "m".into(),
                    args: vec![],
                },
                access_list: AccessList {
                    reads,
                    writes: vec![],
                },
                gas_limit: 1,
            },
            signature: Signature([0; 64]),
        }
    }

    #[test]
    fn a_declared_nonce_key_meets_its_senders_implicit_nonce_write() {
        use keyway_host_api::{PublicKey, system};
        let nonce_of_2 = system::nonce_key(&system::address_of(&PublicKey([2; 33])));
        let predecessors = |block: &[SignedTransaction]| {
            let graph = build_graph(block, 1);
            (0..block.len() as u32)
                .map(|i| graph.predecessors(i).to_vec())
                .collect::<Vec<_>>()
        };
        // Sender 2 twice, with 3 between: the second of 2's waits on the first (nonces).
        let block = [
            call_reading(2, vec![]),
            call_reading(3, vec![]),
            call_reading(2, vec![]),
        ];
        assert_eq!(predecessors(&block), [vec![], vec![], vec![0]]);
        // 3 reads 2's nonce: after 2's first transaction, before its second.
        let block = [
            call_reading(2, vec![]),
            call_reading(3, vec![nonce_of_2.clone()]),
            call_reading(2, vec![]),
        ];
        assert_eq!(predecessors(&block), [vec![], vec![0], vec![1]]);
        // Another account's nonce orders nothing.
        let nonce_of_4 = system::nonce_key(&system::address_of(&PublicKey([4; 33])));
        let block = [
            call_reading(2, vec![]),
            call_reading(3, vec![nonce_of_4]),
            call_reading(2, vec![]),
        ];
        assert_eq!(predecessors(&block), [vec![], vec![], vec![0]]);
    }
}
