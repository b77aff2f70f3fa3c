//! Single-thread cost of a token transfer: (a) native Rust on a HashMap, the physical
//! floor; (b) the runtime with a fresh instance per transaction (fuel, declared-key
//! checks, write set), signature already verified; signature verification on its own;
//! (c) compiling the token and loading its precompiled artifact.
//!
//! `cargo bench -p keyway-runtime --bench transfer`

use std::collections::HashMap;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use keyway_host_api::{Address, BlockEnv, Status, Transaction};
use keyway_runtime::{InMemoryState, Keypair, Runtime, RuntimeConfig, crypto};
use keyway_token::client;

const TOKEN_WASM: &[u8] = include_bytes!("../../example-contracts/artifacts/token.wasm");
const ENV: BlockEnv = BlockEnv {
    height: 1,
    time: 1_700_000_000,
    chain_id: 1,
};

/// A state with the token deployed and `alice` holding the supply.
fn token_state(runtime: &Runtime, alice: &Keypair) -> (InMemoryState, Address) {
    let mut state = InMemoryState::new();
    let (token, setup) = client::create(TOKEN_WASM, alice.address(), 0, 1_000_000_000);
    for (nonce, (kind, access_list)) in setup.into_iter().enumerate() {
        let tx = Transaction {
            chain_id: ENV.chain_id,
            sender: alice.public_key(),
            nonce: nonce as u64,
            kind,
            access_list,
            gas_limit: 50_000_000,
        };
        let outcome = runtime.execute(&state, &ENV, &alice.sign(tx)).unwrap();
        assert_eq!(outcome.receipt.status, Status::Success);
        state.apply(&outcome.writes);
    }
    (state, token)
}

/// The floor: the same transfer logic on a HashMap, with the event recorded.
fn native_transfer(
    balances: &mut HashMap<Address, u128>,
    events: &mut Vec<(Address, Address, u128)>,
    from: Address,
    to: Address,
    amount: u128,
) -> Result<(), u32> {
    let from_balance = balances.get(&from).copied().unwrap_or(0);
    let from_left = from_balance.checked_sub(amount).ok_or(1u32)?;
    let to_balance = balances.get(&to).copied().unwrap_or(0);
    let to_after = to_balance.checked_add(amount).ok_or(4u32)?;
    balances.insert(from, from_left);
    balances.insert(to, to_after);
    events.push((from, to, amount));
    Ok(())
}

fn transfer(c: &mut Criterion) {
    let runtime = Runtime::new(RuntimeConfig::default()).unwrap();
    let alice = Keypair::from_seed(b"alice");
    let bob = Keypair::from_seed(b"bob").address();
    let (state, token) = token_state(&runtime, &alice);
    let (kind, access_list) = client::transfer(token, alice.address(), bob, 5);
    let signed = alice.sign(Transaction {
        chain_id: ENV.chain_id,
        sender: alice.public_key(),
        nonce: 2,
        kind,
        access_list,
        gas_limit: 1_000_000,
    });
    let verified = crypto::verify(&signed).unwrap();
    let outcome = runtime.execute_verified(&state, &ENV, &verified).unwrap();
    assert_eq!(outcome.receipt.status, Status::Success);
    eprintln!("gas per transfer: {}", outcome.receipt.gas_used);

    let mut group = c.benchmark_group("transfer");
    group.bench_function("a_native_hashmap", |b| {
        let mut balances = HashMap::from([(alice.address(), u128::MAX / 2)]);
        let mut events = Vec::with_capacity(1);
        b.iter(|| {
            events.clear();
            native_transfer(
                &mut balances,
                &mut events,
                alice.address(),
                black_box(bob),
                5,
            )
        })
    });
    // The state is not updated between iterations: the same nonce stays valid, and every
    // iteration does the full work on a fresh instance.
    group.bench_function("b_runtime_fresh_instance", |b| {
        b.iter(|| {
            runtime
                .execute_verified(&state, &ENV, black_box(&verified))
                .unwrap()
        })
    });
    group.bench_function("signature_verify", |b| {
        b.iter(|| crypto::verify(black_box(&signed)).unwrap().body_len)
    });
    group.finish();
}

fn code(c: &mut Criterion) {
    let mut group = c.benchmark_group("code");
    group.sample_size(20);
    let in_memory = Runtime::new(RuntimeConfig::default()).unwrap();
    group.bench_function("c_compile", |b| {
        b.iter(|| {
            in_memory.forget_compiled();
            in_memory.prepare(black_box(TOKEN_WASM)).unwrap()
        })
    });
    let dir = tempfile::tempdir().unwrap();
    let mut config = RuntimeConfig::default();
    config.cache_dir = Some(dir.path().to_path_buf());
    let on_disk = Runtime::new(config).unwrap();
    on_disk.prepare(TOKEN_WASM).unwrap();
    group.bench_function("c_artifact_load", |b| {
        b.iter(|| {
            on_disk.forget_compiled();
            on_disk.prepare(black_box(TOKEN_WASM)).unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, transfer, code);
criterion_main!(benches);
