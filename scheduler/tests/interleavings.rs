//! Interleavings forced without sleeps: a test executor that blocks on barriers and
//! records when each transaction starts and commits.

use std::collections::HashSet;
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use keyway_host_api::{
    AccessList, BlockEnv, Key, PublicKey, Receipt, Signature, SignedTransaction, Status,
    Transaction, TxKind, system,
};
use keyway_runtime::{
    InMemoryState, RuntimeError, StateView, TxOutcome, VerifiedTransaction, WriteSet,
};
use keyway_scheduler::{BlockOptions, TransactionExecutor, build_graph, execute_block};

const ENV: BlockEnv = BlockEnv {
    height: 1,
    time: 0,
    chain_id: 1,
};

/// A transaction from sender `sender` declaring `writes`; `method` tags its behaviour.
fn tx(sender: u8, writes: &[&str], method: &str) -> SignedTransaction {
    let contract = keyway_host_api::Address([1; 32]);
    SignedTransaction {
        tx: Transaction {
            chain_id: 1,
            sender: PublicKey([sender; 33]),
            nonce: 0,
            kind: TxKind::Call {
                contract,
                method: method.into(),
                args: vec![],
            },
            access_list: AccessList {
                reads: vec![],
                writes: writes
                    .iter()
                    .map(|k| Key::new(contract, k.as_bytes()))
                    .collect(),
            },
            gas_limit: 1,
        },
        signature: Signature([0; 64]),
    }
}

/// A barrier that fails instead of hanging when the other party never arrives (which
/// would mean the transactions did not run concurrently).
struct Meeting {
    arrived: Mutex<usize>,
    all_here: Condvar,
    parties: usize,
}

impl Meeting {
    fn wait(&self) {
        let mut arrived = self.arrived.lock().unwrap();
        *arrived += 1;
        self.all_here.notify_all();
        while *arrived < self.parties {
            let (guard, timeout) = self
                .all_here
                .wait_timeout(arrived, Duration::from_secs(30))
                .unwrap();
            arrived = guard;
            assert!(
                !timeout.timed_out(),
                "the other transaction never ran concurrently"
            );
        }
    }
}

/// Executes nothing: it writes each declared key with the transaction's index, after
/// checking that every predecessor has already committed. Transactions whose method is
/// "meet" wait for each other, so they must run at the same time.
struct Recorder<'a> {
    block: &'a [SignedTransaction],
    committed: Mutex<HashSet<usize>>,
    log: Mutex<Vec<String>>,
    meet: Meeting,
}

impl Recorder<'_> {
    fn index(&self, tx: &SignedTransaction) -> usize {
        self.block.iter().position(|t| std::ptr::eq(t, tx)).unwrap()
    }
}

impl TransactionExecutor for Recorder<'_> {
    fn verify<'b>(&self, tx: &'b SignedTransaction) -> Result<VerifiedTransaction<'b>, Status> {
        Ok(VerifiedTransaction {
            signed: tx,
            sender: system::address_of(&tx.tx.sender),
            body_len: 0,
        })
    }

    fn execute(
        &self,
        state: &dyn StateView,
        _env: &BlockEnv,
        tx: &VerifiedTransaction<'_>,
    ) -> Result<TxOutcome, RuntimeError> {
        let j = self.index(tx.signed);
        let graph = build_graph(self.block, 1);
        {
            let committed = self.committed.lock().unwrap();
            for &p in graph.predecessors(j as u32) {
                assert!(
                    committed.contains(&(p as usize)),
                    "{j} started before {p} committed"
                );
            }
        }
        self.log.lock().unwrap().push(format!("start {j}"));
        let TxKind::Call { method, .. } = &tx.signed.tx.kind else {
            unreachable!()
        };
        if method == "meet" {
            self.meet.wait();
        }
        assert_ne!(method, "boom", "the executor panics on purpose");
        let mut writes = WriteSet::new();
        for key in &tx.signed.tx.access_list.writes {
            // Each writer sees its predecessor's value: a chain accumulates indices.
            let mut value = state.get(key).unwrap().unwrap_or_default();
            value.push(j as u8);
            writes.insert(key.clone(), Some(value));
        }
        self.committed.lock().unwrap().insert(j);
        self.log.lock().unwrap().push(format!("commit {j}"));
        Ok(TxOutcome {
            receipt: Receipt {
                status: Status::Success,
                gas_used: 1,
                events: vec![],
                return_data: vec![],
            },
            writes,
        })
    }
}

fn recorder(block: &[SignedTransaction], meeting: usize) -> Recorder<'_> {
    Recorder {
        block,
        committed: Mutex::new(HashSet::new()),
        log: Mutex::new(Vec::new()),
        meet: Meeting {
            arrived: Mutex::new(0),
            all_here: Condvar::new(),
            parties: meeting,
        },
    }
}

/// Runs `block` on `threads` workers through `executor`.
fn run(
    executor: &Recorder<'_>,
    block: &[SignedTransaction],
    threads: usize,
) -> Result<keyway_scheduler::BlockOutcome, RuntimeError> {
    execute_block(
        executor,
        &InMemoryState::new(),
        &ENV,
        block,
        &BlockOptions::with_threads(threads),
    )
}

/// What the block left under key `name`.
fn final_value<'a>(
    outcome: &'a keyway_scheduler::BlockOutcome,
    name: &str,
) -> Option<Option<&'a [u8]>> {
    let contract = keyway_host_api::Address([1; 32]);
    outcome.state_diff.get(&Key::new(contract, name.as_bytes()))
}

#[test]
fn independent_transactions_run_at_the_same_time() {
    // Both wait at a two-party barrier: with two workers this only finishes if they run
    // concurrently (with one worker it would deadlock, so the test is not vacuous).
    let block = vec![tx(1, &["a"], "meet"), tx(2, &["b"], "meet")];
    let executor = recorder(&block, 2);
    let outcome = run(&executor, &block, 2).unwrap();
    let log = executor.log.lock().unwrap().clone();
    assert!(
        log[0].starts_with("start") && log[1].starts_with("start"),
        "both started before either committed: {log:?}"
    );
    assert_eq!(outcome.stats.edges, 0);
}

#[test]
fn a_transaction_running_in_order_when_the_graph_arrives_still_holds_back_its_dependents() {
    // Until the graph is built one worker runs transactions in block order. If it takes
    // 0, that one waits at the barrier for 1, which can only start once the graph is
    // scheduled; 2 depends on the still-running 0 and must wait for its commit.
    let block = vec![
        tx(1, &["a"], "meet"),
        tx(2, &["b"], "meet"),
        tx(3, &["a"], "plain"),
    ];
    for threads in [2, 3] {
        let executor = recorder(&block, 2);
        let outcome = run(&executor, &block, threads).unwrap();
        assert_eq!(final_value(&outcome, "a"), Some(Some(&[0u8, 2][..])));
    }
}

#[test]
fn dependents_never_start_before_their_predecessors_commit() {
    // A chain on key k interleaved with independent work on other keys.
    let block = vec![
        tx(1, &["k"], "plain"),
        tx(2, &["x"], "plain"),
        tx(3, &["k"], "plain"),
        tx(4, &["y"], "plain"),
        tx(5, &["k", "x"], "plain"),
        tx(6, &["z"], "plain"),
    ];
    for threads in [2, 3, 4] {
        let executor = recorder(&block, 1);
        let outcome = run(&executor, &block, threads).unwrap();
        // The chain's writes accumulated in block order: 0, then 2, then 4.
        assert_eq!(final_value(&outcome, "k"), Some(Some(&[0u8, 2, 4][..])));
        assert_eq!(final_value(&outcome, "x"), Some(Some(&[1u8, 4][..])));
        assert_eq!(executor.log.lock().unwrap().len(), 2 * block.len());
    }
}

#[test]
fn a_panicking_transaction_fails_the_block_instead_of_hanging_it() {
    let block = vec![
        tx(1, &["a"], "plain"),
        tx(2, &["b"], "boom"),
        tx(3, &["a"], "plain"),
        tx(4, &["c"], "plain"),
    ];
    for threads in [2, 4] {
        let executor = recorder(&block, 1);
        let result = run(&executor, &block, threads);
        assert!(
            matches!(result, Err(RuntimeError::Execution(ref m)) if m.contains("panicked")),
            "{result:?}"
        );
    }
}
