//! Token-transfer workloads for the demo and the benchmarks: uniform and Zipf-distributed
//! accounts, disjoint (conflict-free) pairs, a single hot key, and a mix.

use anyhow::{Context, ensure};
use keyway_host_api::{Address, BlockEnv, Key, SignedTransaction, Status, Transaction};
use keyway_runtime::{InMemoryState, Keypair, Runtime, RuntimeConfig};
use keyway_token::{client, keys};

/// The committed token artifact.
pub const TOKEN_WASM: &[u8] = include_bytes!("../../example-contracts/artifacts/token.wasm");
/// The block environment of every workload.
pub const ENV: BlockEnv = BlockEnv {
    height: 1,
    time: 1_700_000_000,
    chain_id: 1,
};
/// Gas limit of a transfer (the weight in the conflict graph).
pub const TRANSFER_GAS: u64 = 1_000_000;
/// Each account's starting balance.
pub const STARTING_BALANCE: u128 = 1_000_000_000_000;

/// How senders and receivers are chosen.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Pattern {
    /// Each transaction has its own sender and receiver: no conflicts at all.
    Disjoint,
    /// Sender and receiver uniform over the accounts.
    Uniform,
    /// Sender and receiver Zipf-distributed over the accounts (a few hot accounts).
    Zipf {
        /// The exponent (1.0 is the classic Zipf law).
        s: f64,
    },
    /// Every transaction pays the same account: one key that every transaction writes.
    HotKey,
    /// Uniform transfers, a quarter of which pay the hot account.
    Mix,
}

impl Pattern {
    /// The patterns the benchmarks sweep, Zipf with s = 1.0.
    pub const BENCHMARKED: [Pattern; 5] = [
        Pattern::Disjoint,
        Pattern::Uniform,
        Pattern::Zipf { s: 1.0 },
        Pattern::HotKey,
        Pattern::Mix,
    ];

    /// A short name for tables.
    pub fn name(&self) -> String {
        match self {
            Pattern::Disjoint => "disjoint".into(),
            Pattern::Uniform => "uniform".into(),
            Pattern::Zipf { s } => format!("zipf(s={s})"),
            Pattern::HotKey => "hot-key".into(),
            Pattern::Mix => "mix".into(),
        }
    }
}

/// A small deterministic generator (splitmix64): workloads are the same on every run.
#[derive(Clone, Debug)]
pub struct SplitMix(pub u64);

impl SplitMix {
    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A token deployed in a genesis state with funded accounts, and signed transfer blocks.
pub struct Workload {
    /// The runtime (its code cache holds the token).
    pub runtime: Runtime,
    /// The genesis state: the token and every account's balance.
    pub state: InMemoryState,
    /// The token's address.
    pub token: Address,
    accounts: Vec<Keypair>,
    nonces: Vec<u64>,
    /// The accounts the uniform, Zipf and mix patterns draw from: the first `pool`.
    pool: usize,
}

impl Workload {
    /// Deploys the token and funds `accounts` accounts directly in the genesis state; the
    /// uniform, Zipf and mix patterns draw from these.
    pub fn new(accounts: usize) -> anyhow::Result<Self> {
        ensure!(accounts >= 2, "a workload needs at least 2 accounts");
        let runtime = Runtime::new(RuntimeConfig::default()).context("starting the runtime")?;
        let mut state = InMemoryState::new();
        let creator = Keypair::from_seed(b"workload-creator");
        let (token, setup) = client::create(TOKEN_WASM, creator.address(), 0, 0);
        for (nonce, (kind, access_list)) in setup.into_iter().enumerate() {
            let tx = Transaction {
                chain_id: ENV.chain_id,
                sender: creator.public_key(),
                nonce: nonce as u64,
                kind,
                access_list,
                gas_limit: 50_000_000,
            };
            let outcome = runtime.execute(&state, &ENV, &creator.sign(tx))?;
            ensure!(
                outcome.receipt.status == Status::Success,
                "setting up the token failed: {}",
                outcome.receipt.status
            );
            state.apply(&outcome.writes);
        }
        let mut workload = Workload {
            runtime,
            state,
            token,
            accounts: Vec::new(),
            nonces: Vec::new(),
            pool: accounts,
        };
        workload.ensure_accounts(accounts);
        Ok(workload)
    }

    /// Number of funded accounts.
    pub fn accounts(&self) -> usize {
        self.accounts.len()
    }

    /// Adds funded accounts up to `count`, e.g. so that blocks of every size run against
    /// the same state (key derivation costs ~50 µs each; it runs on every core).
    pub fn ensure_accounts(&mut self, count: usize) {
        let balance = borsh::to_vec(&STARTING_BALANCE).expect("borsh u128");
        let new: Vec<usize> = (self.accounts.len()..count).collect();
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let derived = map_in_parallel(&new, threads, |i| {
            Keypair::from_seed(format!("account-{i}").as_bytes())
        });
        for key in derived {
            let balance_key = Key::new(self.token, keys::balance(&key.address()));
            self.state.insert(balance_key, balance.clone());
            self.accounts.push(key);
            self.nonces.push(0);
        }
    }

    /// Signs a block of `size` transfers drawn from `pattern` (signing uses `threads`).
    /// Nonces continue from earlier blocks of this workload; the blocks are meant to run
    /// against the genesis state one at a time, so start each from fresh nonces with
    /// [`Workload::reset_nonces`].
    pub fn block(
        &mut self,
        pattern: Pattern,
        size: usize,
        seed: u64,
        threads: usize,
    ) -> Vec<SignedTransaction> {
        if pattern == Pattern::Disjoint {
            self.ensure_accounts(2 * size);
        }
        let n = self.pool;
        let mut rng = SplitMix(seed);
        let zipf = match pattern {
            Pattern::Zipf { s } => zipf_cdf(n, s),
            _ => Vec::new(),
        };
        let pick = |rng: &mut SplitMix| match pattern {
            Pattern::Zipf { .. } => {
                let u = rng.unit();
                zipf.partition_point(|&c| c < u).min(n - 1)
            }
            _ => rng.below(n),
        };
        let plan: Vec<(usize, usize, u128, u64)> = (0..size)
            .map(|i| {
                let (from, to) = match pattern {
                    Pattern::Disjoint => (2 * i, 2 * i + 1),
                    Pattern::Uniform | Pattern::Zipf { .. } => (pick(&mut rng), pick(&mut rng)),
                    Pattern::HotKey => (1 + rng.below(n - 1), 0),
                    Pattern::Mix => {
                        let from = 1 + rng.below(n - 1);
                        let to = if rng.below(4) == 0 { 0 } else { rng.below(n) };
                        (from, to)
                    }
                };
                let amount = 1 + rng.below(1_000) as u128;
                let nonce = self.nonces[from];
                self.nonces[from] += 1;
                (from, to, amount, nonce)
            })
            .collect();
        self.sign_transfers(&plan, threads)
    }

    /// Signs up to `count` blocks of `size` conflict-free transfers (at least one), each
    /// among accounts no other of them touches, as many as the funded accounts allow. Run
    /// in turn, each block finds its state entries cold in the CPU's caches, as a node's
    /// next block does; a block run again finds them warm, which favours small blocks.
    pub fn disjoint_blocks(
        &mut self,
        size: usize,
        count: usize,
        threads: usize,
    ) -> Vec<Vec<SignedTransaction>> {
        if size == 0 {
            return vec![Vec::new()];
        }
        self.ensure_accounts(2 * size);
        let count = count.min(self.accounts.len() / (2 * size)).max(1);
        let plan: Vec<(usize, usize, u128, u64)> = (0..count * size)
            .map(|i| {
                let from = 2 * i;
                let nonce = self.nonces[from];
                self.nonces[from] += 1;
                (from, from + 1, 1 + (i % 1_000) as u128, nonce)
            })
            .collect();
        plan.chunks(size)
            .map(|part| self.sign_transfers(part, threads))
            .collect()
    }

    /// Signs `(from, to, amount, nonce)` transfers, laid out as decoded.
    fn sign_transfers(
        &self,
        plan: &[(usize, usize, u128, u64)],
        threads: usize,
    ) -> Vec<SignedTransaction> {
        let sign = |&(from, to, amount, nonce): &(usize, usize, u128, u64)| {
            let key = &self.accounts[from];
            let (kind, access_list) = client::transfer(
                self.token,
                key.address(),
                self.accounts[to].address(),
                amount,
            );
            key.sign(Transaction {
                chain_id: ENV.chain_id,
                sender: key.public_key(),
                nonce,
                kind,
                access_list,
                gas_limit: TRANSFER_GAS,
            })
        };
        as_received(map_in_parallel(plan, threads, sign))
    }

    /// Starts every account's nonce from the genesis state again.
    pub fn reset_nonces(&mut self) {
        self.nonces.iter_mut().for_each(|n| *n = 0);
    }
}

/// `block` laid out in memory as a node holds it after decoding it from the network: each
/// transaction's parts together, in block order. As signed, they lie scattered among the
/// signing's temporary buffers, and hashing a 100k-transaction block's keys for the
/// conflict graph then cost 2.5 times as much (a cache miss on nearly every key).
pub fn as_received(block: Vec<SignedTransaction>) -> Vec<SignedTransaction> {
    let bytes = borsh::to_vec(&block).expect("encoding into a Vec cannot fail");
    drop(block);
    borsh::from_slice(&bytes).expect("a block decodes from its own encoding")
}

/// `f` over `items` on `threads` threads, results in order (signing a transaction costs
/// ~50 µs, deriving a key about as much).
pub fn map_in_parallel<T: Sync, R: Send>(
    items: &[T],
    threads: usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let chunk = items.len().div_ceil(threads.max(1)).max(1);
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(f).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("worker thread"))
            .collect()
    })
}

/// Cumulative Zipf(s) probabilities over ranks `1..=n`.
fn zipf_cdf(n: usize, s: f64) -> Vec<f64> {
    let weights: Vec<f64> = (1..=n).map(|rank| 1.0 / (rank as f64).powf(s)).collect();
    let total: f64 = weights.iter().sum();
    let mut acc = 0.0;
    weights
        .iter()
        .map(|w| {
            acc += w / total;
            acc
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use keyway_scheduler::{BlockOptions, execute_block};

    #[test]
    fn patterns_have_the_expected_conflict_shape() {
        let mut workload = Workload::new(50).unwrap();
        let disjoint = workload.block(Pattern::Disjoint, 20, 1, 2);
        let stats = keyway_scheduler::build_graph(&disjoint, 1).stats();
        assert_eq!((stats.edges, stats.components), (0, 20));
        workload.reset_nonces();
        let hot = workload.block(Pattern::HotKey, 20, 1, 2);
        let stats = keyway_scheduler::build_graph(&hot, 1).stats();
        assert_eq!(
            stats.span,
            20 * TRANSFER_GAS,
            "a chain through the hot account"
        );
    }

    #[test]
    fn workload_blocks_succeed_and_agree_across_threads() {
        let mut workload = Workload::new(30).unwrap();
        for pattern in [Pattern::Uniform, Pattern::Zipf { s: 1.0 }, Pattern::Mix] {
            workload.reset_nonces();
            let block = workload.block(pattern, 60, 7, 2);
            let run = |threads| {
                execute_block(
                    &workload.runtime,
                    &workload.state,
                    &ENV,
                    &block,
                    &BlockOptions::with_threads(threads),
                )
                .unwrap()
            };
            let (one, two) = (run(1), run(2));
            assert!(one.receipts.iter().all(|r| r.status == Status::Success));
            assert_eq!(one.receipts, two.receipts);
            assert_eq!(one.state_diff, two.state_diff);
        }
    }

    #[test]
    fn disjoint_blocks_touch_separate_accounts_and_succeed() {
        let mut workload = Workload::new(2).unwrap();
        workload.ensure_accounts(50);
        // 50 accounts hold two blocks of 10 transfers (20 accounts each), not three.
        let blocks = workload.disjoint_blocks(10, 3, 2);
        assert_eq!(blocks.len(), 2);
        assert_eq!(workload.disjoint_blocks(0, 3, 2), vec![Vec::new()]);
        let senders: std::collections::BTreeSet<_> =
            blocks.iter().flatten().map(|tx| tx.tx.sender).collect();
        assert_eq!(senders.len(), 20, "no sender in two blocks");
        for block in &blocks {
            let stats = keyway_scheduler::build_graph(block, 1).stats();
            assert_eq!((stats.edges, stats.components), (0, 10));
            let outcome = execute_block(
                &workload.runtime,
                &workload.state,
                &ENV,
                block,
                &BlockOptions::with_threads(2),
            )
            .unwrap();
            assert!(outcome.receipts.iter().all(|r| r.status == Status::Success));
        }
    }

    #[test]
    fn zipf_prefers_low_ranks() {
        let cdf = zipf_cdf(100, 1.0);
        assert!((cdf[99] - 1.0).abs() < 1e-9);
        assert!(cdf[0] > 0.19 && cdf[0] < 0.2, "rank 1 has ~19% of the mass");
    }
}
