//! Cross-contract calls and access-list discovery, on WAT fixtures: a relay contract that
//! performs the call its input describes (`fixtures/relay.wat`) calling the probe.

mod common;

use common::{GAS, Harness, keys};
use keyway_host_api::abi::{CALL_ALL_GAS, CALL_PROPAGATE_FAILURE, decode_call_result};
use keyway_host_api::{AccessList, Address, Key, Status, TxKind, gas, system};
use keyway_runtime::TxOutcome;

/// The relay's input for one call.
fn hop(callee: Address, flags: u32, gas: u64, method: &str, args: &[u8]) -> Vec<u8> {
    let mut input = callee.0.to_vec();
    input.extend_from_slice(&flags.to_le_bytes());
    input.extend_from_slice(&gas.to_le_bytes());
    input.extend_from_slice(&(method.len() as u32).to_le_bytes());
    input.extend_from_slice(method.as_bytes());
    input.extend_from_slice(args);
    input
}

/// What one relay reported: the callee's status, the relay's gas around the call, and
/// the callee's output.
#[derive(Debug)]
struct Relayed {
    status: Status,
    gas_before: u64,
    gas_after: u64,
    output: Vec<u8>,
}

fn relayed(return_data: &[u8]) -> Relayed {
    let word = |i: usize| u64::from_le_bytes(return_data[i * 8..i * 8 + 8].try_into().unwrap());
    Relayed {
        status: decode_call_result(word(0)).expect("a status the host returns"),
        gas_before: word(1),
        gas_after: word(2),
        output: return_data[24..].to_vec(),
    }
}

fn relay(h: &mut Harness, relay: Address, input: Vec<u8>, access: AccessList) -> TxOutcome {
    h.call_with(relay, "relay", input, access, GAS)
}

fn union(lists: &[AccessList]) -> AccessList {
    let mut all = AccessList::default();
    for list in lists {
        all.reads.extend(list.reads.iter().cloned());
        all.writes.extend(list.writes.iter().cloned());
    }
    all.normalize();
    all
}

fn written(outcome: &TxOutcome, contract: Address, key: &str) -> Option<Option<Vec<u8>>> {
    outcome
        .writes
        .get(&Key::new(contract, key.as_bytes()))
        .map(|v| v.map(<[u8]>::to_vec))
}

#[test]
fn a_nested_call_commits_the_callees_writes() {
    let mut h = Harness::new();
    let (a, b) = (h.deploy_wat("relay.wat"), h.deploy_wat("probe.wat"));
    let access = union(&[keys(a, &[], &["r"]), keys(b, &[], &["b"])]);
    let input = hop(b, 0, CALL_ALL_GAS, "write_b", b"hello");
    let outcome = relay(&mut h, a, input, access);
    assert_eq!(outcome.receipt.status, Status::Success);
    assert_eq!(
        relayed(&outcome.receipt.return_data).status,
        Status::Success
    );
    assert_eq!(written(&outcome, b, "b"), Some(Some(b"hello".to_vec())));
    assert_eq!(written(&outcome, a, "r"), Some(Some(b"relayed".to_vec())));
    assert_eq!(outcome.receipt.events.len(), 1);
    assert_eq!(outcome.receipt.events[0].contract, a);
}

#[test]
fn a_failed_callee_is_undone_and_its_caller_goes_on() {
    let mut h = Harness::new();
    let (a, b) = (h.deploy_wat("relay.wat"), h.deploy_wat("probe.wat"));
    let access = union(&[keys(a, &[], &["r"]), keys(b, &[], &["b"])]);
    // probe's `revert` writes "b", then reverts with code 7 and "out of luck".
    let outcome = relay(&mut h, a, hop(b, 0, CALL_ALL_GAS, "revert", &[]), access);
    assert_eq!(outcome.receipt.status, Status::Success);
    let report = relayed(&outcome.receipt.return_data);
    assert_eq!(report.status, Status::Reverted { code: 7 });
    assert_eq!(report.output, b"out of luck");
    assert_eq!(
        written(&outcome, b, "b"),
        None,
        "the callee's write is undone"
    );
    assert_eq!(written(&outcome, a, "r"), Some(Some(b"relayed".to_vec())));
    assert_eq!(outcome.receipt.events.len(), 1, "the caller's event stays");
}

#[test]
fn a_callees_events_go_with_its_failure() {
    let mut h = Harness::new();
    let (a, b) = (h.deploy_wat("relay.wat"), h.deploy_wat("probe.wat"));
    let access = union(&[keys(a, &[], &["r"]), keys(b, &["c"], &["b"])]);
    // `emit` writes "b" and emits: the callee's event comes first, then the relay's.
    let ok = relay(
        &mut h,
        a,
        hop(b, 0, CALL_ALL_GAS, "emit", &[]),
        access.clone(),
    );
    assert_eq!(ok.receipt.events.len(), 2);
    assert_eq!(ok.receipt.events[0].contract, b, "the callee's event first");
    // `abort` fails the callee: its writes and events go, the caller's stay.
    let failed = relay(&mut h, a, hop(b, 0, CALL_ALL_GAS, "abort", &[]), access);
    assert_eq!(relayed(&failed.receipt.return_data).status, Status::Aborted);
    assert_eq!(failed.receipt.events.len(), 1);
    assert_eq!(failed.receipt.events[0].contract, a);
}

#[test]
fn propagating_a_failure_ends_the_caller_with_the_callees_status() {
    let mut h = Harness::new();
    let (a, b) = (h.deploy_wat("relay.wat"), h.deploy_wat("probe.wat"));
    let access = union(&[keys(a, &[], &["r"]), keys(b, &[], &["b"])]);
    let input = hop(b, CALL_PROPAGATE_FAILURE, CALL_ALL_GAS, "revert", &[]);
    let outcome = relay(&mut h, a, input, access);
    assert_eq!(outcome.receipt.status, Status::Reverted { code: 7 });
    assert_eq!(outcome.receipt.return_data, b"out of luck");
    assert!(outcome.receipt.events.is_empty());
    let nonce = system::nonce_key(&h.key.address());
    assert!(outcome.writes.iter().all(|(k, _)| *k == nonce));
}

#[test]
fn an_undeclared_access_inside_a_callee_fails_the_whole_transaction() {
    let mut h = Harness::new();
    let (a, b) = (h.deploy_wat("relay.wat"), h.deploy_wat("probe.wat"));
    let access = union(&[keys(a, &[], &["r"]), keys(b, &[], &["b"])]);
    // The callee reads undeclared "c": the caller cannot catch it, even without
    // propagation.
    let input = hop(b, 0, CALL_ALL_GAS, "write_b_then_read_c", &[]);
    let outcome = relay(&mut h, a, input, access.clone());
    assert_eq!(outcome.receipt.status, Status::UndeclaredRead);
    assert_eq!(
        outcome.writes.len(),
        1,
        "only the nonce: {:?}",
        outcome.writes
    );
    assert!(outcome.receipt.events.is_empty());
    let input = hop(b, 0, CALL_ALL_GAS, "write_c", &[]);
    let outcome = relay(&mut h, a, input, access);
    assert_eq!(outcome.receipt.status, Status::UndeclaredWrite);
}

#[test]
fn calling_needs_the_callees_record_declared() {
    let mut h = Harness::new();
    let (a, b) = (h.deploy_wat("relay.wat"), h.deploy_wat("probe.wat"));
    let input = hop(b, 0, CALL_ALL_GAS, "recall", &[]);
    let only_caller = keys(a, &[], &["r"]);
    let outcome = relay(&mut h, a, input.clone(), only_caller.clone());
    assert_eq!(outcome.receipt.status, Status::UndeclaredRead);
    let record = AccessList {
        reads: vec![system::contract_key(&b)],
        writes: vec![],
    };
    let outcome = relay(&mut h, a, input, union(&[only_caller, record]));
    assert_eq!(outcome.receipt.status, Status::Success);
    assert_eq!(
        relayed(&outcome.receipt.return_data).status,
        Status::Success
    );
}

#[test]
fn unknown_callees_and_methods_are_statuses_for_the_caller() {
    let mut h = Harness::new();
    let (a, b) = (h.deploy_wat("relay.wat"), h.deploy_wat("probe.wat"));
    let nobody = Address([9; 32]);
    let access = AccessList {
        reads: vec![system::contract_key(&nobody), system::contract_key(&b)],
        writes: vec![Key::new(a, *b"r")],
    };
    let cases = [
        (
            hop(nobody, 0, CALL_ALL_GAS, "recall", &[]),
            Status::UnknownContract,
        ),
        (
            hop(b, 0, CALL_ALL_GAS, "no_such_method", &[]),
            Status::UnknownMethod,
        ),
        (hop(b, 0, CALL_ALL_GAS, "init", &[]), Status::UnknownMethod),
    ];
    for (input, expected) in cases {
        let outcome = relay(&mut h, a, input, access.clone());
        assert_eq!(outcome.receipt.status, Status::Success);
        assert_eq!(relayed(&outcome.receipt.return_data).status, expected);
    }
    let outcome = h.call_with(a, "bad_flags", vec![], access, GAS);
    assert_eq!(
        outcome.receipt.status,
        Status::Trap,
        "unknown flag bits trap"
    );
}

#[test]
fn reentrancy_is_refused_with_its_own_status() {
    let mut h = Harness::new();
    let (a1, a2) = (h.deploy_wat("relay.wat"), h.deploy_wat("relay.wat"));
    let b = h.deploy_wat("probe.wat");
    let access = union(&[keys(a1, &[], &["r"]), keys(a2, &[], &["r"])]);
    // a1 → a2 → a1: the second entry into a1 is refused.
    let inner = hop(a1, 0, CALL_ALL_GAS, "relay", &hop(b, 0, 0, "recall", &[]));
    let outcome = relay(
        &mut h,
        a1,
        hop(a2, 0, CALL_ALL_GAS, "relay", &inner),
        access,
    );
    assert_eq!(outcome.receipt.status, Status::Success);
    let outer = relayed(&outcome.receipt.return_data);
    assert_eq!(outer.status, Status::Success);
    assert_eq!(relayed(&outer.output).status, Status::Reentrancy);
    // A contract calling itself is reentrancy too.
    let access = keys(a1, &[], &["r"]);
    let outcome = relay(&mut h, a1, hop(a1, 0, CALL_ALL_GAS, "relay", &[]), access);
    assert_eq!(
        relayed(&outcome.receipt.return_data).status,
        Status::Reentrancy
    );
}

#[test]
fn the_call_depth_limit_counts_the_transactions_own_call() {
    let mut h = Harness::new();
    let relays: Vec<Address> = (0..8).map(|_| h.deploy_wat("relay.wat")).collect();
    let b = h.deploy_wat("probe.wat");
    let lists: Vec<AccessList> = relays.iter().map(|r| keys(*r, &[], &["r"])).collect();
    let mut access = union(&lists);
    access.reads.push(system::contract_key(&b));
    // A chain of `n` relays ending in the probe: n + 1 frames.
    let chain = |n: usize| {
        let mut input = hop(b, 0, CALL_ALL_GAS, "recall", &[]);
        for relay in relays[1..n].iter().rev() {
            input = hop(*relay, 0, CALL_ALL_GAS, "relay", &input);
        }
        input
    };
    let innermost = |outcome: &TxOutcome, n: usize| {
        let mut report = relayed(&outcome.receipt.return_data);
        for _ in 1..n {
            assert_eq!(report.status, Status::Success);
            report = relayed(&report.output);
        }
        report.status
    };
    // 7 relays + the probe = 8 frames: allowed. 8 + 1 = 9: the last call is refused.
    let outcome = relay(&mut h, relays[0], chain(7), access.clone());
    assert_eq!(innermost(&outcome, 7), Status::Success);
    let outcome = relay(&mut h, relays[0], chain(8), access);
    assert_eq!(innermost(&outcome, 8), Status::CallDepthExceeded);
}

#[test]
fn deep_calls_run_on_a_small_native_stack() {
    // Eight frames with a 256 KiB Wasm stack each need more than this thread has; the
    // runtime grows the native stack for nested calls.
    let handle = std::thread::Builder::new()
        .stack_size(512 * 1024)
        .spawn(|| {
            let mut h = Harness::new();
            let relays: Vec<Address> = (0..8).map(|_| h.deploy_wat("relay.wat")).collect();
            let lists: Vec<AccessList> = relays.iter().map(|r| keys(*r, &[], &["r"])).collect();
            let access = union(&lists);
            let mut input = Vec::new();
            for relay in relays[1..].iter().rev() {
                input = hop(*relay, 0, CALL_ALL_GAS, "relay", &input);
            }
            relay(&mut h, relays[0], input, access).receipt.status
        })
        .unwrap();
    assert_eq!(handle.join().unwrap(), Status::Success);
}

#[test]
fn gas_is_forwarded_and_returned_exactly() {
    let mut h = Harness::new();
    let a = h.deploy_wat("relay.wat");
    let spinner = h.deploy_wat("loop.wat");
    let b = h.deploy_wat("probe.wat");
    let access = AccessList {
        reads: vec![system::contract_key(&spinner), system::contract_key(&b)],
        writes: vec![Key::new(a, *b"r")],
    };
    let call_price = |method: &str| gas::GAS_REMAINING.base + gas::CALL.total(method.len() as u64);

    // A callee that spins uses exactly its allowance and leaves the rest to the caller.
    let allowance = 100_000;
    let outcome = relay(
        &mut h,
        a,
        hop(spinner, 0, allowance, "spin", &[]),
        access.clone(),
    );
    assert_eq!(outcome.receipt.status, Status::Success);
    let report = relayed(&outcome.receipt.return_data);
    assert_eq!(report.status, Status::OutOfGas);
    // The relay's own operators between its two `gas_remaining` calls: the same on every
    // path through it.
    let relay_ops = report.gas_before - report.gas_after - call_price("spin") - allowance;
    assert!(relay_ops < 64, "{relay_ops}");

    // A callee that finishes costs the caller exactly what it costs as a transaction of
    // its own (minus that transaction's intrinsic gas).
    let direct_tx = h.tx(
        TxKind::Call {
            contract: b,
            method: "recall".into(),
            args: vec![],
        },
        AccessList::default(),
        GAS,
    );
    let intrinsic = gas::intrinsic(direct_tx.encode().len() as u64, 0);
    let direct = h.call(b, "recall", AccessList::default());
    let callee_used = direct.receipt.gas_used - intrinsic;
    let outcome = relay(&mut h, a, hop(b, 0, CALL_ALL_GAS, "recall", &[]), access);
    let report = relayed(&outcome.receipt.return_data);
    assert_eq!(report.status, Status::Success);
    assert_eq!(
        report.gas_before - report.gas_after,
        call_price("recall") + callee_used + relay_ops
    );
}

#[test]
fn discovery_finds_the_smallest_list_across_calls() {
    let mut h = Harness::new();
    let (a, b) = (h.deploy_wat("relay.wat"), h.deploy_wat("probe.wat"));
    let kind = |input| TxKind::Call {
        contract: a,
        method: "relay".into(),
        args: input,
    };

    let tx = h.tx(
        kind(hop(b, 0, CALL_ALL_GAS, "write_b", b"x")),
        AccessList::default(),
        GAS,
    );
    let found = h.runtime.simulate(&h.state, &h.env, &tx).unwrap();
    assert_eq!(
        found.access_list,
        union(&[keys(a, &[], &["r"]), keys(b, &[], &["b"])])
    );
    assert_eq!(found.outcome.receipt.status, Status::Success);
    assert_eq!(found.rounds, 1);

    // A failed callee's keys are still needed to run the same path.
    let tx = h.tx(
        kind(hop(b, 0, CALL_ALL_GAS, "revert", &[])),
        AccessList::default(),
        GAS,
    );
    let found = h.runtime.simulate(&h.state, &h.env, &tx).unwrap();
    assert_eq!(
        found.access_list,
        union(&[keys(a, &[], &["r"]), keys(b, &[], &["b"])])
    );

    // A callee that touches no storage is covered by its record; reads stay reads.
    let tx = h.tx(
        kind(hop(b, 0, CALL_ALL_GAS, "recall", &[])),
        keys(a, &["unused"], &[]),
        GAS,
    );
    let found = h.runtime.simulate(&h.state, &h.env, &tx).unwrap();
    let mut expected = keys(a, &[], &["r"]);
    expected.reads.push(system::contract_key(&b));
    expected.normalize();
    assert_eq!(
        found.access_list, expected,
        "declared but unused keys are dropped"
    );

    let tx = h.tx(
        kind(hop(b, 0, CALL_ALL_GAS, "has_a", &[])),
        AccessList::default(),
        GAS,
    );
    let found = h.runtime.simulate(&h.state, &h.env, &tx).unwrap();
    assert_eq!(
        found.access_list,
        union(&[keys(a, &[], &["r"]), keys(b, &["a"], &[])])
    );

    // Declared with what discovery found, the transaction runs as simulated.
    let mut declared = tx.clone();
    declared.access_list = found.access_list.clone();
    let signed = h.key.sign(declared);
    let outcome = h.submit(&signed);
    assert_eq!(outcome, found.outcome);
}
