//! Execution semantics on WAT fixtures: gas, declared keys, failures, isolation.

use keyway_host_api::{AccessList, Address, Key, Receipt, Status, TxKind, gas, system};
use keyway_runtime::{Keypair, Runtime, RuntimeConfig, TxOutcome};

mod common;

use common::{CHAIN, GAS, Harness, keys};

/// Asserts a failed call left nothing behind but the nonce.
fn assert_only_nonce_written(h: &Harness, outcome: &TxOutcome) {
    let nonce_key = system::nonce_key(&h.key.address());
    let written: Vec<&Key> = outcome.writes.iter().map(|(k, _)| k).collect();
    assert_eq!(written, vec![&nonce_key], "{:?}", outcome.receipt);
    assert!(outcome.receipt.events.is_empty());
}

#[test]
fn infinite_loop_runs_out_of_gas_using_exactly_the_limit() {
    let mut h = Harness::new();
    let contract = h.deploy_wat("loop.wat");
    let nonce_before = h.nonce_in_state();
    let outcome = h.call_with(contract, "spin", vec![], AccessList::default(), 1_000_000);
    assert_eq!(outcome.receipt.status, Status::OutOfGas);
    assert_eq!(outcome.receipt.gas_used, 1_000_000);
    assert_only_nonce_written(&h, &outcome);
    assert_eq!(
        h.nonce_in_state(),
        nonce_before + 1,
        "the nonce still advances"
    );
}

#[test]
fn gas_limit_below_intrinsic_is_out_of_gas_and_advances_the_nonce() {
    let mut h = Harness::new();
    let contract = h.deploy_wat("probe.wat");
    let outcome = h.call_with(contract, "read_a", vec![], AccessList::default(), 1_000);
    assert_eq!(outcome.receipt.status, Status::OutOfGas);
    assert_eq!(outcome.receipt.gas_used, 1_000);
    assert_only_nonce_written(&h, &outcome);
}

#[test]
fn storage_round_trip_through_declared_keys() {
    let mut h = Harness::new();
    let c = h.deploy_wat("probe.wat");
    let wrote = h.call_with(c, "write_b", b"hello".to_vec(), keys(c, &[], &["b"]), GAS);
    assert_eq!(wrote.receipt.status, Status::Success);
    assert_eq!(
        wrote.writes.get(&Key::new(c, *b"b")),
        Some(Some(&b"hello"[..]))
    );
    assert_eq!(h.state.value(&Key::new(c, *b"b")), Some(&b"hello"[..]));

    let removed = h.call(c, "remove_b", keys(c, &[], &["b"]));
    assert_eq!(removed.receipt.return_data, vec![1]);
    assert_eq!(removed.writes.get(&Key::new(c, *b"b")), Some(None));
    assert_eq!(h.state.value(&Key::new(c, *b"b")), None);

    let absent = h.call(c, "has_a", keys(c, &["a"], &[]));
    assert_eq!(absent.receipt.return_data, vec![0]);
    h.state.insert(Key::new(c, *b"a"), b"A!".to_vec());
    let read = h.call(c, "read_a", keys(c, &["a"], &[]));
    assert_eq!(read.receipt.status, Status::Success);
    assert_eq!(read.receipt.return_data, b"A!");
}

#[test]
fn undeclared_read_fails_and_discards_writes_and_events() {
    let mut h = Harness::new();
    let c = h.deploy_wat("probe.wat");
    let outcome = h.call(c, "write_b_then_read_c", keys(c, &[], &["b"]));
    assert_eq!(outcome.receipt.status, Status::UndeclaredRead);
    assert_only_nonce_written(&h, &outcome);
    assert_eq!(h.state.value(&Key::new(c, *b"b")), None);
    assert!(outcome.receipt.gas_used > 0 && outcome.receipt.gas_used < GAS);
}

#[test]
fn undeclared_write_fails_even_when_the_key_is_declared_read_only() {
    let mut h = Harness::new();
    let c = h.deploy_wat("probe.wat");
    let outcome = h.call(c, "write_c", keys(c, &["c"], &[]));
    assert_eq!(outcome.receipt.status, Status::UndeclaredWrite);
    assert_only_nonce_written(&h, &outcome);
    assert_eq!(h.state.value(&Key::new(c, *b"c")), None);
}

#[test]
fn declared_keys_are_namespaced_by_contract() {
    let mut h = Harness::new();
    let c = h.deploy_wat("probe.wat");
    let other = Address([9; 32]);
    let outcome = h.call(c, "write_c", keys(other, &[], &["c"]));
    assert_eq!(outcome.receipt.status, Status::UndeclaredWrite);
}

#[test]
fn successful_call_keeps_events() {
    let mut h = Harness::new();
    let c = h.deploy_wat("probe.wat");
    let outcome = h.call(c, "emit", keys(c, &[], &["b"]));
    assert_eq!(outcome.receipt.status, Status::Success);
    assert_eq!(outcome.receipt.events.len(), 1);
    assert_eq!(outcome.receipt.events[0].contract, c);
    assert_eq!(outcome.receipt.events[0].topic, b"topic");
    assert_eq!(outcome.receipt.events[0].data, b"value-b");
}

#[test]
fn revert_keeps_code_and_data_and_discards_writes() {
    let mut h = Harness::new();
    let c = h.deploy_wat("probe.wat");
    let outcome = h.call(c, "revert", keys(c, &[], &["b"]));
    assert_eq!(outcome.receipt.status, Status::Reverted { code: 7 });
    assert_eq!(outcome.receipt.return_data, b"out of luck");
    assert_only_nonce_written(&h, &outcome);
}

#[test]
fn abort_carries_the_message() {
    let mut h = Harness::new();
    let c = h.deploy_wat("probe.wat");
    let outcome = h.call(c, "abort", AccessList::default());
    assert_eq!(outcome.receipt.status, Status::Aborted);
    assert_eq!(outcome.receipt.return_data, b"out of luck");
}

#[test]
fn traps_become_a_status_not_a_host_error() {
    let mut h = Harness::new();
    let c = h.deploy_wat("probe.wat");
    for method in ["bad_pointer", "unreachable", "recurse"] {
        let outcome = h.call(c, method, keys(c, &[], &[]));
        assert_eq!(outcome.receipt.status, Status::Trap, "{method}");
        assert!(outcome.receipt.return_data.is_empty(), "no host text");
        assert_only_nonce_written(&h, &outcome);
    }
}

#[test]
fn memory_does_not_carry_over_between_transactions() {
    let mut h = Harness::new();
    let c = h.deploy_wat("probe.wat");
    assert_eq!(
        h.call(c, "remember", AccessList::default()).receipt.status,
        Status::Success
    );
    let recalled = h.call(c, "recall", AccessList::default());
    assert_eq!(recalled.receipt.status, Status::Success);
    assert_eq!(recalled.receipt.return_data, vec![0, 0, 0, 0]);
}

#[test]
fn memory_growth_is_priced_and_capped() {
    let mut h = Harness::new();
    let c = h.deploy_wat("probe.wat");
    let grow = |h: &mut Harness, pages: u8, gas_limit| {
        h.call_with(c, "grow", vec![pages], AccessList::default(), gas_limit)
            .receipt
    };
    let grown = grow(&mut h, 4, GAS);
    assert_eq!(grown.return_data, vec![1]);
    let not_grown = grow(&mut h, 0, GAS);
    // Each page costs the host price plus wasmtime's per-page fuel (255).
    assert_eq!(
        grown.gas_used - not_grown.gas_used,
        4 * (gas::MEMORY_GROW_PER_PAGE + 255)
    );
    let refused = h.call(c, "grow_too_much", AccessList::default());
    assert_eq!(refused.receipt.status, Status::Success);
    assert_eq!(refused.receipt.return_data, vec![0]);

    // Growth the remaining gas cannot pay for ends the call at once.
    let receipt = grow(&mut h, 100, 300_000);
    assert_eq!(receipt.status, Status::OutOfGas);
    assert_eq!(receipt.gas_used, 300_000);
}

#[test]
fn same_transaction_same_gas_every_run() {
    let run = || {
        let mut h = Harness::new();
        let c = h.deploy_wat("probe.wat");
        h.state.insert(Key::new(c, *b"a"), vec![1; 100]);
        let receipts: Vec<Receipt> = ["read_a", "emit", "revert", "grow"]
            .iter()
            .map(|m| {
                let access = keys(c, &["a"], &["b"]);
                h.call_with(c, m, vec![2], access, GAS).receipt
            })
            .collect();
        receipts
    };
    let first = run();
    assert_eq!(first, run());
    assert_eq!(first, run());
    assert!(first.iter().all(|r| r.gas_used > gas::TX_BASE));
}

#[test]
fn gas_is_the_same_in_a_fresh_process() {
    // The child prints its gas; the parent compares with its own run.
    let gas_of_run = || {
        let mut h = Harness::new();
        let c = h.deploy_wat("probe.wat");
        h.call(c, "emit", keys(c, &[], &["b"])).receipt.gas_used
    };
    if std::env::var_os("KEYWAY_GAS_CHILD").is_some() {
        println!("GAS={}", gas_of_run());
        return;
    }
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "gas_is_the_same_in_a_fresh_process",
            "--exact",
            "--nocapture",
        ])
        .env("KEYWAY_GAS_CHILD", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let child_gas: u64 = stdout
        .lines()
        .find_map(|l| l.strip_prefix("GAS="))
        .unwrap_or_else(|| panic!("child printed no gas: {stdout}"))
        .parse()
        .unwrap();
    assert_eq!(child_gas, gas_of_run());
}

#[test]
fn bad_signature_is_rejected_without_state_change() {
    let mut h = Harness::new();
    let tx = h.tx(TxKind::Deploy { code: vec![] }, AccessList::default(), GAS);
    let mut signed = h.key.sign(tx.clone());
    signed.signature.0[10] ^= 1;
    let outcome = h.submit(&signed);
    assert_eq!(outcome.receipt.status, Status::InvalidSignature);
    assert_eq!(outcome.receipt.gas_used, 0);
    assert!(outcome.writes.is_empty());

    // Signed by someone else's key.
    let mallory = Keypair::from_seed(b"mallory");
    let forged = mallory.sign(tx);
    assert_eq!(h.submit(&forged).receipt.status, Status::InvalidSignature);
    assert_eq!(h.nonce_in_state(), 0);
}

#[test]
fn wrong_nonce_and_wrong_chain_are_rejected() {
    let mut h = Harness::new();
    let mut tx = h.tx(TxKind::Deploy { code: vec![] }, AccessList::default(), GAS);
    tx.nonce = 1;
    let outcome = h.submit(&h.key.sign(tx.clone()));
    assert_eq!(outcome.receipt.status, Status::BadNonce);
    assert!(outcome.writes.is_empty());

    tx.nonce = 0;
    tx.chain_id = CHAIN + 1;
    let outcome = h.submit(&h.key.sign(tx));
    assert_eq!(outcome.receipt.status, Status::WrongChainId);
    assert!(outcome.writes.is_empty());
    assert_eq!(h.nonce_in_state(), 0);

    // Replaying an executed transaction is a bad nonce.
    let deploy = h
        .key
        .sign(h.tx(TxKind::Deploy { code: vec![] }, AccessList::default(), GAS));
    assert_eq!(h.submit(&deploy).receipt.status, Status::InvalidModule);
    assert_eq!(h.submit(&deploy).receipt.status, Status::BadNonce);
}

#[test]
fn invalid_code_is_an_invalid_module_receipt() {
    let mut h = Harness::new();
    let unknown_import =
        wat::parse_str(r#"(module (import "env" "now" (func)) (memory (export "memory") 1))"#)
            .unwrap();
    for code in [b"not wasm".to_vec(), unknown_import] {
        let outcome = h.run(TxKind::Deploy { code }, AccessList::default(), GAS);
        assert_eq!(outcome.receipt.status, Status::InvalidModule);
        assert!(outcome.receipt.gas_used > gas::TX_BASE);
        assert_only_nonce_written(&h, &outcome);
    }
}

#[test]
fn unknown_contract_method_and_code() {
    let mut h = Harness::new();
    let c = h.deploy_wat("probe.wat");
    let missing = h.call(Address([3; 32]), "read_a", AccessList::default());
    assert_eq!(missing.receipt.status, Status::UnknownContract);
    let no_method = h.call(c, "nope", AccessList::default());
    assert_eq!(no_method.receipt.status, Status::UnknownMethod);
    let memory_is_not_a_method = h.call(c, "memory", AccessList::default());
    assert_eq!(memory_is_not_a_method.receipt.status, Status::UnknownMethod);
    let kind = TxKind::Instantiate {
        code_hash: [1; 32],
        args: vec![],
    };
    let no_code = h.run(kind, AccessList::default(), GAS);
    assert_eq!(no_code.receipt.status, Status::UnknownCode);
    assert_only_nonce_written(&h, &no_code);
}

#[test]
fn limits_exceeded_are_receipts() {
    let mut h = Harness::new();
    let c = h.deploy_wat("probe.wat");
    let too_much_gas = h.call_with(c, "read_a", vec![], AccessList::default(), u64::MAX);
    assert_eq!(too_much_gas.receipt.status, Status::LimitExceeded);
    let huge_args = vec![0; h.runtime.limits().max_io_bytes as usize + 1];
    let too_big = h.call_with(c, "write_b", huge_args, keys(c, &[], &["b"]), GAS);
    assert_eq!(too_big.receipt.status, Status::LimitExceeded);
    assert_only_nonce_written(&h, &too_big);
}

#[test]
fn precompiled_artifacts_are_reused_and_tampering_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let config = || {
        let mut config = RuntimeConfig::default();
        config.cache_dir = Some(dir.path().to_path_buf());
        config
    };
    let code = wat::parse_file(format!(
        "{}/tests/fixtures/probe.wat",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let hash = Runtime::new(config()).unwrap().prepare(&code).unwrap();
    let artifacts: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "cwasm"))
        .collect();
    assert_eq!(artifacts.len(), 1);
    assert!(
        artifacts[0]
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with(&hex::encode(hash))
    );

    // A flipped byte fails the node's MAC: the runtime recompiles instead of loading it.
    let mut bytes = std::fs::read(&artifacts[0]).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&artifacts[0], &bytes).unwrap();
    assert_eq!(
        Runtime::new(config()).unwrap().prepare(&code).unwrap(),
        hash
    );
    assert_ne!(std::fs::read(&artifacts[0]).unwrap(), bytes, "rewritten");
}

#[test]
fn declared_values_are_priced_per_byte_and_only_the_callees_are_loaded() {
    let mut h = Harness::new();
    let c = h.deploy_wat("probe.wat");
    let other = Address([9; 32]);
    let has_a = |h: &mut Harness, access| h.call(c, "has_a", access).receipt.gas_used;

    h.state.insert(Key::new(c, *b"a"), vec![7; 1]);
    let small = has_a(&mut h, keys(c, &["a"], &[]));
    h.state.insert(Key::new(c, *b"a"), vec![7; 1_001]);
    let large = has_a(&mut h, keys(c, &["a"], &[]));
    assert_eq!(large - small, 1_000 * gas::DECLARED_VALUE_PER_BYTE);

    // Another contract's declared key is out of reach: not loaded, not charged per byte.
    let mut with_foreign = keys(c, &["a"], &[]);
    with_foreign.reads.push(Key::new(other, *b"z"));
    let foreign_absent = has_a(&mut h, with_foreign.clone());
    h.state.insert(Key::new(other, *b"z"), vec![1; 50_000]);
    let foreign_large = has_a(&mut h, with_foreign);
    assert_eq!(foreign_absent, foreign_large);
}

#[test]
fn a_gas_limit_equal_to_the_gas_used_is_enough() {
    let mut h = Harness::new();
    let contract = h.deploy_wat("probe.wat");
    let access = keys(contract, &["a"], &["b"]);
    // `remember` ends in plain Wasm (wasmtime checks fuel at function entry), `has_a` in
    // a host call: both must succeed with exactly their own gas, and fail with one less.
    for method in ["remember", "has_a", "emit"] {
        // Twice: `emit`'s first write changes the declared values loaded (and priced).
        h.call(contract, method, access.clone());
        let first = h.call(contract, method, access.clone());
        assert_eq!(first.receipt.status, Status::Success, "{method}");
        let used = first.receipt.gas_used;
        let exact = h.call_with(contract, method, vec![], access.clone(), used);
        assert_eq!(
            exact.receipt.status,
            Status::Success,
            "{method} with {used}"
        );
        assert_eq!(exact.receipt.gas_used, used);
        let short = h.call_with(contract, method, vec![], access.clone(), used - 1);
        assert_eq!(
            short.receipt.status,
            Status::OutOfGas,
            "{method} with {}",
            used - 1
        );
    }
}
