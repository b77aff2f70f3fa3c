//! Access-list discovery as a property: over random programs that read, write and remove
//! keys in four contracts calling each other (`fixtures/nested_ops.wat`), a transaction
//! declared with the list `Runtime::simulate` discovered never fails with an
//! undeclared-access status, runs exactly as simulated, and needs every key listed.

mod common;

use common::Harness;
use keyway_host_api::{AccessList, Address, Status, Transaction, TxKind};
use proptest::prelude::*;

const GAS: u64 = 3_000_000;

/// One op of the fixture: [opcode, key, value].
fn op() -> impl Strategy<Value = [u8; 3]> {
    let opcode = prop_oneof![
        6 => Just(1u8),
        6 => Just(2u8),
        2 => Just(3u8),
        4 => Just(7u8),
        1 => Just(4u8),
        1 => Just(5u8),
        1 => Just(6u8),
    ];
    (opcode, 0u8..6, 0u8..5).prop_map(|(op, key, value)| [op, key, value])
}

fn program() -> impl Strategy<Value = Vec<[u8; 3]>> {
    prop::collection::vec(op(), 1..24)
}

struct Fixture {
    harness: Harness,
    contracts: [Address; 4],
}

fn fixture() -> Fixture {
    let mut harness = Harness::new();
    let contracts = [(); 4].map(|_| harness.deploy_wat("nested_ops.wat"));
    Fixture { harness, contracts }
}

fn transaction(f: &Fixture, entry: u8, program: &[[u8; 3]], access: AccessList) -> Transaction {
    let mut input: Vec<u8> = f.contracts.iter().flat_map(|c| c.0).collect();
    input.extend(program.iter().flatten());
    let kind = TxKind::Call {
        contract: f.contracts[entry as usize % 4],
        method: "run".into(),
        args: input,
    };
    f.harness.tx(kind, access, GAS)
}

fn undeclared(status: Status) -> bool {
    matches!(status, Status::UndeclaredRead | Status::UndeclaredWrite)
}

/// The list without its `index`-th entry (reads first, then writes).
fn without(list: &AccessList, index: usize) -> AccessList {
    let mut smaller = list.clone();
    if index < smaller.reads.len() {
        smaller.reads.remove(index);
    } else {
        smaller.writes.remove(index - list.reads.len());
    }
    smaller
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn a_discovered_list_is_enough_and_minimal(
        setup in program(),
        programs in prop::collection::vec((0u8..4, program()), 1..4),
    ) {
        let mut f = fixture();
        // A first transaction gives the state something to read.
        let setup_tx = transaction(&f, 0, &setup, AccessList::default());
        let found = f.harness.runtime.simulate(&f.harness.state, &f.harness.env, &setup_tx).unwrap();
        let signed = f.harness.key.sign(Transaction { access_list: found.access_list, ..setup_tx });
        f.harness.submit(&signed);

        for (entry, program) in programs {
            let tx = transaction(&f, entry, &program, AccessList::default());
            let h = &f.harness;
            let found = h.runtime.simulate(&h.state, &h.env, &tx).unwrap();
            prop_assert_eq!(found.rounds, 1, "no gas-dependent paths in this fixture");
            let list = found.access_list.clone();

            // Every key listed is needed: without it the same path is refused.
            for index in 0..list.len() {
                let smaller = transaction(&f, entry, &program, without(&list, index));
                let signed = h.key.sign(smaller);
                let outcome = h.runtime.execute(&h.state, &h.env, &signed).unwrap();
                prop_assert!(
                    undeclared(outcome.receipt.status),
                    "entry {} of {:?} was not needed: {:?}", index, list, outcome.receipt
                );
            }

            // The simulated gas is a sufficient limit.
            if found.outcome.receipt.status == Status::Success {
                let exact = Transaction {
                    access_list: list.clone(),
                    gas_limit: found.outcome.receipt.gas_used,
                    ..tx.clone()
                };
                let outcome = h.runtime.execute(&h.state, &h.env, &h.key.sign(exact)).unwrap();
                prop_assert_eq!(outcome.receipt.status, Status::Success);
            }

            let declared = Transaction { access_list: list.clone(), ..tx };
            let outcome = f.harness.submit(&f.harness.key.sign(declared));
            prop_assert!(!undeclared(outcome.receipt.status), "{:?}", outcome.receipt);
            prop_assert_eq!(&outcome, &found.outcome);
            // Every key written is declared writable; a key only read is not.
            for (key, _) in outcome.writes.iter() {
                if key.contract != Address::SYSTEM {
                    prop_assert!(list.writes.contains(key), "{:?} written, not listed", key);
                }
            }
        }
    }
}
