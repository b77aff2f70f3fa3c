//! The per-block conflict graph: pure data, no threads, no Wasm.
//!
//! Transactions are added in block order with the keys they read and write. Transaction
//! `j` depends on the latest earlier writer of every key it reads or writes; a writer also
//! depends on every reader since the previous write of that key. Only immediate
//! predecessors get edges (a writer after readers depends on the readers, which already
//! depend on the previous writer), so building is linear in the number of declared keys:
//! a block in which every transaction writes one key is a chain, not a clique.

use std::hash::{BuildHasher, Hash};
use std::marker::PhantomData;

/// No transaction (or no reader), in the compact per-key state.
const NONE: u32 = u32::MAX;

/// Per-key bookkeeping while building.
#[derive(Clone, Copy, PartialEq, Eq)]
struct KeyState {
    last_writer: u32,
    /// The latest reader since `last_writer`: an index into [`GraphBuilder::readers`],
    /// whose entries link to the reader before, back to [`NONE`].
    latest_reader: u32,
}

impl KeyState {
    const UNTOUCHED: KeyState = KeyState {
        last_writer: NONE,
        latest_reader: NONE,
    };

    /// Packed with both indices plus one, so an untouched key packs to 0 (an empty slot).
    fn pack(self) -> u64 {
        u64::from(self.last_writer.wrapping_add(1))
            | u64::from(self.latest_reader.wrapping_add(1)) << 32
    }

    fn unpack(packed: u64) -> Self {
        KeyState {
            last_writer: (packed as u32).wrapping_sub(1),
            latest_reader: ((packed >> 32) as u32).wrapping_sub(1),
        }
    }
}

/// The keys' states, in an open-addressing table of 16-byte slots (key hash, packed
/// state) with linear probing. Building a large block is mostly cache misses on this
/// table, so a slot can be prefetched a few transactions before it is used
/// ([`GraphBuilder::prefetch`]), which a standard map does not allow. A slot whose state
/// packs to 0 is empty: every key in the table has a writer or a reader.
struct KeyTable {
    /// Slot `i` is `words[2 * i]` (hash) and `words[2 * i + 1]` (packed state). All zero
    /// is all empty, so the allocator can hand a large table over as fresh zero pages.
    words: Vec<u64>,
    mask: usize,
    len: usize,
}

impl KeyTable {
    /// Room for `keys` keys before it grows.
    fn with_capacity(keys: usize) -> Self {
        let slots = (keys + keys / 3).max(16).next_power_of_two();
        KeyTable {
            words: vec![0; 2 * slots],
            mask: slots - 1,
            len: 0,
        }
    }

    fn home(&self, hash: u64) -> usize {
        // foldhash's output is good in its high bits; fold them down.
        (hash ^ (hash >> 32)) as usize & self.mask
    }

    fn prefetch(&self, hash: u64) {
        let slot = self.home(hash);
        prefetch_read(&self.words[2 * slot]);
    }

    /// The slot of `hash`, taking an empty one if it is new.
    #[inline]
    fn slot(&mut self, hash: u64) -> usize {
        // At most three quarters full: probes stay short, within a cache line or two.
        if 4 * (self.len + 1) > 3 * (self.mask + 1) {
            self.grow();
        }
        let mut slot = self.home(hash);
        loop {
            let (stored, state) = (self.words[2 * slot], self.words[2 * slot + 1]);
            if state == 0 {
                self.words[2 * slot] = hash;
                self.len += 1;
                return slot;
            }
            if stored == hash {
                return slot;
            }
            slot = (slot + 1) & self.mask;
        }
    }

    fn get(&self, slot: usize) -> KeyState {
        KeyState::unpack(self.words[2 * slot + 1])
    }

    fn set(&mut self, slot: usize, state: KeyState) {
        debug_assert!(
            state != KeyState::UNTOUCHED,
            "a stored key has a writer or reader"
        );
        self.words[2 * slot + 1] = state.pack();
    }

    #[cold]
    #[inline(never)]
    fn grow(&mut self) {
        let old = std::mem::replace(self, KeyTable::with_capacity(2 * self.len));
        for pair in old.words.chunks_exact(2) {
            if pair[1] != 0 {
                let slot = self.slot(pair[0]);
                self.words[2 * slot + 1] = pair[1];
            }
        }
    }
}

/// Starts loading the cache line at `at`: a hint, never a fault.
#[inline(always)]
fn prefetch_read<T>(at: &T) {
    // SAFETY: a prefetch only hints the cache and never faults; SSE, which it needs, is
    // part of every x86-64 CPU.
    #[cfg(target_arch = "x86_64")]
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
            (at as *const T).cast(),
        )
    };
    #[cfg(not(target_arch = "x86_64"))]
    let _ = at;
}

/// Builds a [`ConflictGraph`] from transactions added in block order.
///
/// Keys are told apart by a 64-bit hash (foldhash, seeded per builder) and never stored.
/// Two keys whose hashes collide (about one pair in 2^64) count as one key: that can add
/// a dependency, never drop one, so a schedule that follows the graph stays correct.
///
/// ```
/// use keyway_scheduler::GraphBuilder;
///
/// let mut builder = GraphBuilder::new();
/// builder.add("t0", 1, [], ["a"]);      // writes a
/// builder.add("t1", 1, ["a"], []);      // reads a: after t0
/// builder.add("t2", 1, ["a"], []);      // reads a: after t0, parallel to t1
/// builder.add("t3", 1, [], ["a"]);      // writes a: after both readers
/// let graph = builder.build();
/// assert_eq!(graph.predecessors(3), &[1, 2]);
/// assert_eq!(graph.stats().span, 3);
/// ```
pub struct GraphBuilder<Id, K> {
    ids: Vec<Id>,
    weights: Vec<u64>,
    hasher: foldhash::fast::RandomState,
    keys: KeyTable,
    /// Keys are not stored: only their hashes.
    key_type: PhantomData<fn(&K)>,
    /// Readers of keys since their last write: (transaction, previous reader of the key).
    readers: Vec<(u32, u32)>,
    pred_offsets: Vec<u32>,
    preds: Vec<u32>,
    scratch: Vec<u32>,
    /// Distinct keys written so far.
    written_keys: usize,
}

impl<Id, K: Hash> Default for GraphBuilder<Id, K> {
    fn default() -> Self {
        Self::new()
    }
}

impl<Id, K: Hash> GraphBuilder<Id, K> {
    /// An empty builder.
    pub fn new() -> Self {
        GraphBuilder {
            ids: Vec::new(),
            weights: Vec::new(),
            hasher: foldhash::fast::RandomState::default(),
            keys: KeyTable::with_capacity(0),
            key_type: PhantomData,
            readers: Vec::new(),
            pred_offsets: vec![0],
            preds: Vec::new(),
            scratch: Vec::new(),
            written_keys: 0,
        }
    }

    /// An empty builder with room for `transactions` and `keys`.
    pub fn with_capacity(transactions: usize, keys: usize) -> Self {
        let mut builder = Self::new();
        builder.ids.reserve(transactions);
        builder.weights.reserve(transactions);
        builder.pred_offsets.reserve(transactions);
        builder.keys = KeyTable::with_capacity(keys);
        builder.readers.reserve(transactions);
        builder
    }

    /// Adds the next transaction of the block; returns its index. `weight` is its
    /// estimated cost (e.g. its gas limit). A key in both `reads` and `writes` counts as
    /// written.
    pub fn add(
        &mut self,
        id: Id,
        weight: u64,
        reads: impl IntoIterator<Item = K>,
        writes: impl IntoIterator<Item = K>,
    ) -> u32 {
        let j = u32::try_from(self.ids.len())
            .ok()
            .filter(|&j| j != NONE)
            .expect("at most 2^32 - 1 transactions");
        self.scratch.clear();
        for key in writes {
            let slot = self.keys.slot(self.hasher.hash_one(key));
            let mut state = self.keys.get(slot);
            if state.last_writer == j {
                continue; // listed twice
            }
            if state.last_writer == NONE {
                self.written_keys += 1;
            }
            if state.latest_reader == NONE {
                if state.last_writer != NONE {
                    self.scratch.push(state.last_writer);
                }
            } else {
                let mut at = state.latest_reader;
                while at != NONE {
                    let (reader, before) = self.readers[at as usize];
                    self.scratch.push(reader);
                    at = before;
                }
                state.latest_reader = NONE;
            }
            state.last_writer = j;
            self.keys.set(slot, state);
        }
        for key in reads {
            let slot = self.keys.slot(self.hasher.hash_one(key));
            let mut state = self.keys.get(slot);
            let latest_reader =
                (state.latest_reader != NONE).then(|| self.readers[state.latest_reader as usize].0);
            if state.last_writer == j || latest_reader == Some(j) {
                continue; // also written, or listed twice
            }
            if state.last_writer != NONE {
                self.scratch.push(state.last_writer);
            }
            let at = u32::try_from(self.readers.len())
                .ok()
                .filter(|&at| at != NONE)
                .expect("at most 2^32 - 1 reads");
            self.readers.push((j, state.latest_reader));
            state.latest_reader = at;
            self.keys.set(slot, state);
        }
        self.scratch.sort_unstable();
        self.scratch.dedup();
        self.preds.extend_from_slice(&self.scratch);
        self.pred_offsets.push(self.preds.len() as u32);
        self.ids.push(id);
        self.weights.push(weight);
        j
    }

    /// A hint that a transaction added soon touches `key`: starts loading its entry, so
    /// that adding it need not wait for memory. Building a block whose keys no longer fit
    /// in the CPU's caches is mostly such waits; hinting each transaction's keys a few
    /// transactions ahead overlaps them. Never changes the graph.
    pub fn prefetch(&self, key: &K) {
        self.keys.prefetch(self.hasher.hash_one(key));
    }

    /// Finishes the graph.
    pub fn build(self) -> ConflictGraph<Id> {
        let n = self.ids.len();
        // Successors in CSR form, from the predecessor lists.
        let mut succ_counts = vec![0u32; n + 1];
        for &p in &self.preds {
            succ_counts[p as usize + 1] += 1;
        }
        for i in 0..n {
            succ_counts[i + 1] += succ_counts[i];
        }
        let succ_offsets = succ_counts.clone();
        let mut fill = succ_counts;
        let mut succs = vec![0u32; self.preds.len()];
        for j in 0..n {
            let (start, end) = (self.pred_offsets[j], self.pred_offsets[j + 1]);
            for &p in &self.preds[start as usize..end as usize] {
                succs[fill[p as usize] as usize] = j as u32;
                fill[p as usize] += 1;
            }
        }
        ConflictGraph {
            ids: self.ids,
            weights: self.weights,
            pred_offsets: self.pred_offsets,
            preds: self.preds,
            succ_offsets,
            succs,
            written_keys: self.written_keys,
        }
    }
}

/// A block's conflict graph. Transactions are numbered `0..len()` in block order; every
/// edge goes from an earlier transaction to a later one.
#[derive(Clone, Debug)]
pub struct ConflictGraph<Id> {
    ids: Vec<Id>,
    weights: Vec<u64>,
    pred_offsets: Vec<u32>,
    preds: Vec<u32>,
    succ_offsets: Vec<u32>,
    succs: Vec<u32>,
    written_keys: usize,
}

/// Shape of a block's conflict graph.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GraphStats {
    /// Transactions.
    pub transactions: usize,
    /// Dependency edges.
    pub edges: usize,
    /// Connected components (transactions linked by any chain of conflicts).
    pub components: usize,
    /// Sum of the weights.
    pub work: u64,
    /// Heaviest dependency chain (critical path).
    pub span: u64,
}

impl GraphStats {
    /// The work/span bound on speedup: no schedule beats it, whatever the thread count.
    pub fn parallelism(&self) -> f64 {
        if self.span == 0 {
            1.0
        } else {
            self.work as f64 / self.span as f64
        }
    }
}

impl<Id> ConflictGraph<Id> {
    /// Number of transactions.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// True for an empty block.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The id given to transaction `i`.
    pub fn id(&self, i: u32) -> &Id {
        &self.ids[i as usize]
    }

    /// The weight given to transaction `i`.
    pub fn weight(&self, i: u32) -> u64 {
        self.weights[i as usize]
    }

    /// Immediate predecessors of `i`, ascending.
    pub fn predecessors(&self, i: u32) -> &[u32] {
        let i = i as usize;
        &self.preds[self.pred_offsets[i] as usize..self.pred_offsets[i + 1] as usize]
    }

    /// Immediate successors of `i`, ascending.
    pub fn successors(&self, i: u32) -> &[u32] {
        let i = i as usize;
        &self.succs[self.succ_offsets[i] as usize..self.succ_offsets[i + 1] as usize]
    }

    /// Number of edges.
    pub fn edge_count(&self) -> usize {
        self.preds.len()
    }

    /// Number of distinct keys written, however many times each: what a table of the
    /// block's writes must hold. Keys are told apart by their hashes, so two keys whose
    /// hashes collide count once.
    pub fn written_keys(&self) -> usize {
        self.written_keys
    }

    /// For each transaction, the heaviest path from it to the end of the block, its own
    /// weight included: the scheduler runs the largest first.
    pub fn remaining_critical_path(&self) -> Vec<u64> {
        let n = self.len();
        let mut level = vec![0u64; n];
        for i in (0..n).rev() {
            let below = self
                .successors(i as u32)
                .iter()
                .map(|&s| level[s as usize])
                .max()
                .unwrap_or(0);
            level[i] = self.weights[i].saturating_add(below);
        }
        level
    }

    /// Transactions, edges, components, work and span.
    pub fn stats(&self) -> GraphStats {
        let n = self.len();
        // Span: heaviest path ending at each transaction (edges go forward in block order).
        let mut finish = vec![0u64; n];
        let mut span = 0;
        for j in 0..n {
            let before = self
                .predecessors(j as u32)
                .iter()
                .map(|&p| finish[p as usize])
                .max()
                .unwrap_or(0);
            finish[j] = before.saturating_add(self.weights[j]);
            span = span.max(finish[j]);
        }
        // Components: union-find over the edges.
        let mut parent: Vec<u32> = (0..n as u32).collect();
        fn root(parent: &mut [u32], mut x: u32) -> u32 {
            while parent[x as usize] != x {
                parent[x as usize] = parent[parent[x as usize] as usize];
                x = parent[x as usize];
            }
            x
        }
        let mut components = n;
        for j in 0..n {
            for &p in self.predecessors(j as u32) {
                let (a, b) = (root(&mut parent, j as u32), root(&mut parent, p));
                if a != b {
                    parent[a as usize] = b;
                    components -= 1;
                }
            }
        }
        GraphStats {
            transactions: n,
            edges: self.edge_count(),
            components,
            work: self.weights.iter().fold(0u64, |a, &w| a.saturating_add(w)),
            span,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    /// Builds a graph from `(reads, writes)` per transaction, weight 1 each.
    fn graph(txs: &[(&[&str], &[&str])]) -> ConflictGraph<usize> {
        let mut builder = GraphBuilder::new();
        for (i, (reads, writes)) in txs.iter().enumerate() {
            builder.add(i, 1, reads.iter().copied(), writes.iter().copied());
        }
        builder.build()
    }

    fn all_preds(g: &ConflictGraph<usize>) -> Vec<Vec<u32>> {
        (0..g.len() as u32)
            .map(|i| g.predecessors(i).to_vec())
            .collect()
    }

    #[test]
    fn chain_of_writers() {
        let g = graph(&[(&[], &["k"]), (&[], &["k"]), (&[], &["k"]), (&[], &["k"])]);
        assert_eq!(all_preds(&g), vec![vec![], vec![0], vec![1], vec![2]]);
        let stats = g.stats();
        assert_eq!(
            (stats.edges, stats.components, stats.work, stats.span),
            (3, 1, 4, 4)
        );
        assert_eq!(g.successors(1), &[2]);
    }

    #[test]
    fn diamond() {
        // 0 writes a and b; 1 reads a writes c; 2 reads b writes d; 3 reads c and d.
        let g = graph(&[
            (&[], &["a", "b"]),
            (&["a"], &["c"]),
            (&["b"], &["d"]),
            (&["c", "d"], &[]),
        ]);
        assert_eq!(all_preds(&g), vec![vec![], vec![0], vec![0], vec![1, 2]]);
        let stats = g.stats();
        assert_eq!((stats.edges, stats.span, stats.components), (4, 3, 1));
        assert_eq!(g.remaining_critical_path(), vec![3, 2, 2, 1]);
    }

    #[test]
    fn readers_then_writer_then_reader() {
        let g = graph(&[
            (&[], &["k"]),
            (&["k"], &[]),
            (&["k"], &[]),
            (&["k"], &[]),
            (&[], &["k"]),
            (&["k"], &[]),
        ]);
        assert_eq!(
            all_preds(&g),
            vec![vec![], vec![0], vec![0], vec![0], vec![1, 2, 3], vec![4]]
        );
        let stats = g.stats();
        assert_eq!((stats.edges, stats.span), (7, 4));
        assert!((stats.parallelism() - 1.5).abs() < 1e-9);
    }

    #[test]
    fn written_keys_count_each_key_once_and_never_a_key_only_read() {
        let g = graph(&[
            (&["r"], &["a", "b"]),
            (&["a"], &["b", "b"]),
            (&["r", "c"], &[]),
            (&["c"], &["c", "a"]),
        ]);
        assert_eq!(g.written_keys(), 3);
        assert_eq!(graph(&[(&["r"], &[])]).written_keys(), 0);
    }

    #[test]
    fn readers_before_any_writer_are_independent() {
        let g = graph(&[(&["k"], &[]), (&["k"], &[]), (&[], &["k"])]);
        assert_eq!(all_preds(&g), vec![vec![], vec![], vec![0, 1]]);
        assert_eq!(g.stats().components, 1);
    }

    #[test]
    fn disjoint_sets_have_no_edges() {
        let g = graph(&[
            (&["a"], &["b"]),
            (&["c"], &["d"]),
            (&[], &["e"]),
            (&["f"], &[]),
        ]);
        let stats = g.stats();
        assert_eq!(
            (stats.edges, stats.components, stats.span, stats.work),
            (0, 4, 1, 4)
        );
        assert!((stats.parallelism() - 4.0).abs() < 1e-9);
    }

    #[test]
    fn key_read_and_written_counts_as_written_once() {
        let g = graph(&[(&["k"], &["k"]), (&["k", "k"], &["k", "k"]), (&["k"], &[])]);
        assert_eq!(all_preds(&g), vec![vec![], vec![0], vec![1]]);
        assert_eq!(g.edge_count(), 2);
    }

    #[test]
    fn one_hot_key_builds_a_chain_in_linear_edges() {
        let n = 100_000;
        let mut builder = GraphBuilder::with_capacity(n, 1);
        for i in 0..n {
            builder.add(i, 1, [], ["hot"]);
        }
        let g = builder.build();
        let stats = g.stats();
        assert_eq!(stats.edges, n - 1);
        assert_eq!(stats.span, n as u64);
        assert_eq!(stats.components, 1);
        assert_eq!(g.predecessors(n as u32 - 1), &[n as u32 - 2]);
    }

    #[test]
    fn many_readers_then_one_writer_is_linear() {
        let n = 10_000;
        let mut builder = GraphBuilder::new();
        builder.add(0, 1, [], ["k"]);
        for i in 1..n {
            builder.add(i, 1, ["k"], []);
        }
        builder.add(n, 1, [], ["k"]);
        let g = builder.build();
        assert_eq!(g.edge_count(), 2 * (n - 1));
        assert_eq!(g.predecessors(n as u32).len(), n - 1);
        assert_eq!(g.stats().span, 3);
    }

    #[test]
    fn weights_shape_the_span_and_priorities() {
        let mut builder = GraphBuilder::new();
        builder.add('a', 10, [], ["x"]);
        builder.add('b', 1, ["x"], []);
        builder.add('c', 5, [], ["y"]);
        let g = builder.build();
        assert_eq!(g.stats().span, 11);
        assert_eq!(g.stats().work, 16);
        assert_eq!(g.remaining_critical_path(), vec![11, 1, 5]);
        assert_eq!(*g.id(2), 'c');
    }

    /// The dependency rule spelled out, quadratically: for every key of `j`, the latest
    /// earlier writer, or, when `j` writes the key and it was read since, those readers.
    fn reference_predecessors(txs: &[(Vec<u8>, Vec<u8>)]) -> Vec<Vec<u32>> {
        let writes = |i: usize, k: u8| txs[i].1.contains(&k);
        let only_reads = |i: usize, k: u8| txs[i].0.contains(&k) && !writes(i, k);
        (0..txs.len())
            .map(|j| {
                let keys: BTreeSet<u8> = txs[j].0.iter().chain(&txs[j].1).copied().collect();
                let mut preds = BTreeSet::new();
                for k in keys {
                    let last_writer = (0..j).rev().find(|&i| writes(i, k));
                    let since = last_writer.map_or(0, |w| w + 1);
                    let readers: Vec<usize> = (since..j).filter(|&i| only_reads(i, k)).collect();
                    if writes(j, k) && !readers.is_empty() {
                        preds.extend(readers);
                    } else {
                        preds.extend(last_writer);
                    }
                }
                preds.into_iter().map(|i| i as u32).collect()
            })
            .collect()
    }

    proptest! {
        /// Few keys, so most transactions conflict; keys may repeat within a list and
        /// appear in both lists. The table starts small and grows, or is sized up front
        /// and hinted ahead: the graph is the same.
        #[test]
        fn graph_matches_the_rule_spelled_out(
            txs in prop::collection::vec(
                (prop::collection::vec(0u8..8, 0..4), prop::collection::vec(0u8..8, 0..3)),
                0..60,
            ),
        ) {
            let expected = reference_predecessors(&txs);
            let mut growing = GraphBuilder::new();
            let mut sized = GraphBuilder::with_capacity(txs.len(), 8);
            for (i, (reads, writes)) in txs.iter().enumerate() {
                if let Some((ahead_reads, ahead_writes)) = txs.get(i + 2) {
                    ahead_reads.iter().chain(ahead_writes).for_each(|k| sized.prefetch(k));
                }
                growing.add(i, 1, reads.iter().copied(), writes.iter().copied());
                sized.add(i, 1, reads.iter().copied(), writes.iter().copied());
            }
            for g in [growing.build(), sized.build()] {
                prop_assert_eq!(&all_preds(&g), &expected);
                for i in 0..g.len() as u32 {
                    let successors: Vec<u32> = (0..g.len() as u32)
                        .filter(|&j| expected[j as usize].contains(&i))
                        .collect();
                    prop_assert_eq!(g.successors(i), &successors[..]);
                }
            }
        }
    }

    #[test]
    fn key_table_keeps_every_key_through_growth() {
        let mut table = KeyTable::with_capacity(0);
        let hashes: Vec<u64> = (0..10_000u64)
            .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .collect();
        for (i, &hash) in hashes.iter().enumerate() {
            let slot = table.slot(hash);
            table.set(
                slot,
                KeyState {
                    last_writer: i as u32,
                    latest_reader: NONE,
                },
            );
        }
        assert_eq!(table.len, hashes.len());
        for (i, &hash) in hashes.iter().enumerate() {
            let slot = table.slot(hash);
            assert_eq!(table.get(slot).last_writer, i as u32);
        }
        assert_eq!(table.len, hashes.len(), "looking keys up adds none");
    }
}
