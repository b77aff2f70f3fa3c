//! Random blocks on the real runtime: the sequential executor gives the receipts and state
//! diff of executing the transactions one by one, and parallel execution at every thread
//! count and both priorities gives the same, byte for byte.

use keyway_host_api::{
    AccessList, Address, BlockEnv, Key, Receipt, SignedTransaction, Status, Transaction, TxKind,
    system,
};
use keyway_runtime::{InMemoryState, Keypair, Runtime, RuntimeConfig, WriteSet};
use keyway_scheduler::{BlockOptions, BlockOutcome, Priority, execute_block};
use proptest::prelude::*;

const ENV: BlockEnv = BlockEnv {
    height: 3,
    time: 1_700_000_000,
    chain_id: 5,
};

/// One generated transaction.
#[derive(Clone, Debug)]
struct Plan {
    sender: usize,
    /// (opcode, key, value) triples for ops.wat.
    ops: Vec<(u8, u8, u8)>,
    /// Drop one touched key from the declaration (undeclared access).
    undeclare: bool,
    /// Declare written keys as reads only (undeclared write).
    writes_as_reads: bool,
    /// A gas limit that runs out during execution.
    starve: bool,
    /// Corrupt the signature.
    bad_signature: bool,
    /// Use a nonce one too high.
    bad_nonce: bool,
}

fn op() -> impl Strategy<Value = (u8, u8, u8)> {
    // Mostly reads and writes over few keys (hot keys); sometimes a failure.
    let opcode = prop_oneof![8 => Just(1u8), 8 => Just(2u8), 2 => Just(3u8), 1 => Just(4u8), 1 => Just(5u8), 1 => Just(6u8)];
    let key = prop_oneof![3 => 0u8..2, 2 => 0u8..12];
    (opcode, key, any::<u8>())
}

fn plan(senders: usize) -> impl Strategy<Value = Plan> {
    (
        0..senders,
        prop::collection::vec(op(), 0..6),
        prop::bool::weighted(0.08),
        prop::bool::weighted(0.05),
        prop::bool::weighted(0.05),
        prop::bool::weighted(0.04),
        prop::bool::weighted(0.04),
    )
        .prop_map(
            |(sender, ops, undeclare, writes_as_reads, starve, bad_signature, bad_nonce)| Plan {
                sender,
                ops,
                undeclare,
                writes_as_reads,
                starve,
                bad_signature,
                bad_nonce,
            },
        )
}

struct Fixture {
    runtime: Runtime,
    state: InMemoryState,
    contract: Address,
    senders: Vec<Keypair>,
}

fn fixture() -> Fixture {
    let runtime = Runtime::new(RuntimeConfig::default()).unwrap();
    let mut state = InMemoryState::new();
    let deployer = Keypair::from_seed(b"deployer");
    let code = wat::parse_file(format!(
        "{}/tests/fixtures/ops.wat",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let code_hash = system::sha256(&code);
    let kinds = [
        TxKind::Deploy { code },
        TxKind::Instantiate {
            code_hash,
            args: vec![],
        },
    ];
    for (nonce, kind) in kinds.into_iter().enumerate() {
        let tx = Transaction {
            chain_id: ENV.chain_id,
            sender: deployer.public_key(),
            nonce: nonce as u64,
            kind,
            access_list: AccessList::default(),
            gas_limit: 50_000_000,
        };
        let outcome = runtime.execute(&state, &ENV, &deployer.sign(tx)).unwrap();
        assert_eq!(outcome.receipt.status, Status::Success);
        state.apply(&outcome.writes);
    }
    Fixture {
        runtime,
        state,
        contract: system::contract_address(&deployer.address(), 1),
        senders: (0..6)
            .map(|i| Keypair::from_seed(format!("sender-{i}").as_bytes()))
            .collect(),
    }
}

fn block(fixture: &Fixture, plans: &[Plan]) -> Vec<SignedTransaction> {
    let mut nonces = vec![0u64; fixture.senders.len()];
    plans
        .iter()
        .map(|plan| {
            let key = &fixture.senders[plan.sender];
            let mut reads: Vec<u8> = Vec::new();
            let mut writes: Vec<u8> = Vec::new();
            for &(opcode, k, _) in &plan.ops {
                match opcode {
                    1 => reads.push(k),
                    2 | 3 => writes.push(k),
                    _ => {}
                }
            }
            if plan.writes_as_reads {
                reads.append(&mut writes);
            }
            if plan.undeclare {
                let first = plan.ops.iter().find(|o| o.0 <= 3).map(|o| o.1);
                reads.retain(|k| Some(*k) != first);
                writes.retain(|k| Some(*k) != first);
            }
            let to_key = |k: &u8| Key::new(fixture.contract, vec![*k]);
            let input: Vec<u8> = plan.ops.iter().flat_map(|&(o, k, v)| [o, k, v]).collect();
            let nonce = nonces[plan.sender] + plan.bad_nonce as u64;
            let tx = Transaction {
                chain_id: ENV.chain_id,
                sender: key.public_key(),
                nonce,
                kind: TxKind::Call {
                    contract: fixture.contract,
                    method: "run".into(),
                    args: input,
                },
                access_list: AccessList {
                    reads: reads.iter().map(to_key).collect(),
                    writes: writes.iter().map(to_key).collect(),
                },
                gas_limit: if plan.starve { 135_000 } else { 400_000 },
            };
            let mut signed = key.sign(tx);
            if plan.bad_signature {
                signed.signature.0[5] ^= 0x40;
            } else if !plan.bad_nonce {
                nonces[plan.sender] += 1;
            }
            signed
        })
        .collect()
}

/// The definition of a block's result, independent of the scheduler: each transaction
/// executed on the state its predecessors left, receipts in order, all writes merged.
fn executed_one_by_one(fixture: &Fixture, block: &[SignedTransaction]) -> (Vec<Receipt>, WriteSet) {
    let mut state = fixture.state.clone();
    let mut receipts = Vec::new();
    let mut writes = Vec::new();
    for tx in block {
        let outcome = fixture.runtime.execute(&state, &ENV, tx).unwrap();
        state.apply(&outcome.writes);
        receipts.push(outcome.receipt);
        writes.push(outcome.writes);
    }
    (receipts, WriteSet::merged(writes))
}

fn check_block(fixture: &Fixture, plans: &[Plan]) -> Result<(), TestCaseError> {
    let block = block(fixture, plans);
    let (receipts, state_diff) = executed_one_by_one(fixture, &block);
    let reference = execute_block(
        &fixture.runtime,
        &fixture.state,
        &ENV,
        &block,
        &BlockOptions::with_threads(1),
    )
    .unwrap();
    prop_assert_eq!(&reference.receipts, &receipts, "sequential executor");
    prop_assert_eq!(&reference.state_diff, &state_diff, "sequential executor");
    for threads in [2, 3, 4, 8] {
        for priority in [Priority::CriticalPath, Priority::Fifo] {
            let mut options = BlockOptions::with_threads(threads);
            options.priority = priority;
            // Chain-shaped blocks would otherwise run in order: test the workers on them
            // too (FIFO runs keep the default).
            if priority == Priority::CriticalPath {
                options.serial_below = 0.0;
            }
            let parallel =
                execute_block(&fixture.runtime, &fixture.state, &ENV, &block, &options).unwrap();
            same_outcome(&parallel, &reference, threads)?;
        }
    }
    // Signatures checked before the block (a corrupted one then executes as signed).
    let verified_before = |threads| {
        let mut options = BlockOptions::with_threads(threads);
        options.signatures_verified = true;
        execute_block(&fixture.runtime, &fixture.state, &ENV, &block, &options).unwrap()
    };
    let reference = verified_before(1);
    for threads in [2, 3] {
        same_outcome(&verified_before(threads), &reference, threads)?;
    }
    Ok(())
}

fn same_outcome(
    parallel: &BlockOutcome,
    reference: &BlockOutcome,
    threads: usize,
) -> Result<(), TestCaseError> {
    prop_assert_eq!(
        &parallel.receipts,
        &reference.receipts,
        "{} threads",
        threads
    );
    prop_assert_eq!(
        &parallel.state_diff,
        &reference.state_diff,
        "{} threads",
        threads
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn parallel_equals_sequential(plans in prop::collection::vec(plan(6), 1..40)) {
        let fixture = fixture();
        check_block(&fixture, &plans)?;
    }
}

#[test]
fn every_status_of_interest_occurs_in_a_mixed_block() {
    let fixture = fixture();
    let plain = |sender, ops: Vec<(u8, u8, u8)>| Plan {
        sender,
        ops,
        undeclare: false,
        writes_as_reads: false,
        starve: false,
        bad_signature: false,
        bad_nonce: false,
    };
    let plans = vec![
        plain(0, vec![(2, 1, 7), (1, 1, 0)]),
        Plan {
            undeclare: true,
            ..plain(1, vec![(1, 2, 0)])
        },
        Plan {
            writes_as_reads: true,
            ..plain(2, vec![(2, 3, 1)])
        },
        plain(3, vec![(2, 1, 9), (4, 0, 0)]),
        plain(4, vec![(5, 0, 0)]),
        plain(5, vec![(6, 0, 0)]),
        Plan {
            bad_signature: true,
            ..plain(0, vec![])
        },
        Plan {
            bad_nonce: true,
            ..plain(1, vec![])
        },
        plain(0, vec![(1, 1, 0), (2, 2, 3)]),
    ];
    let block = block(&fixture, &plans);
    let outcome = execute_block(
        &fixture.runtime,
        &fixture.state,
        &ENV,
        &block,
        &BlockOptions::with_threads(2),
    )
    .unwrap();
    let statuses: Vec<Status> = outcome.receipts.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        vec![
            Status::Success,
            Status::UndeclaredRead,
            Status::UndeclaredWrite,
            Status::Reverted { code: 9 },
            Status::OutOfGas,
            Status::Trap,
            Status::InvalidSignature,
            Status::BadNonce,
            Status::Success,
        ]
    );
    check_block(&fixture, &plans).unwrap();
    // The last transaction read key 1 as written by the first: [7, 0].
    assert_eq!(
        outcome.state_diff.get(&Key::new(fixture.contract, vec![1])),
        Some(Some(&[7u8, 0][..]))
    );
}
