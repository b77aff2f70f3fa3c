//! How fresh-instance execution scales with threads, without a scheduler: each thread
//! executes the same pre-verified transfer against the same state.
//!
//! `cargo run --release -p keyway-runtime --example scaling`

use std::time::Instant;

use keyway_host_api::{BlockEnv, Status, Transaction, system};
use keyway_runtime::{InMemoryState, Keypair, Runtime, RuntimeConfig, crypto};
use keyway_token::client;

const TOKEN_WASM: &[u8] = include_bytes!("../../example-contracts/artifacts/token.wasm");
const ENV: BlockEnv = BlockEnv {
    height: 1,
    time: 0,
    chain_id: 1,
};

fn main() {
    let runtime = Runtime::new(RuntimeConfig::default()).unwrap();
    let alice = Keypair::from_seed(b"alice");
    let mut state = InMemoryState::new();
    let sign = |nonce, kind, access_list| {
        alice.sign(Transaction {
            chain_id: 1,
            sender: alice.public_key(),
            nonce,
            kind,
            access_list,
            gas_limit: 50_000_000,
        })
    };
    let (token, setup) = client::create(TOKEN_WASM, alice.address(), 0, 1 << 60);
    for (nonce, (kind, access)) in setup.into_iter().enumerate() {
        let outcome = runtime
            .execute(&state, &ENV, &sign(nonce as u64, kind, access))
            .unwrap();
        assert_eq!(outcome.receipt.status, Status::Success);
        state.apply(&outcome.writes);
    }
    // A realistically large state: lookups cost what they would on a node.
    let accounts: usize = std::env::var("ACCOUNTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    for i in 0..accounts {
        let holder = keyway_host_api::Address(system::sha256(&i.to_le_bytes()));
        state.insert(
            keyway_host_api::Key::new(token, keyway_token::keys::balance(&holder)),
            vec![1; 16],
        );
        state.insert(system::nonce_key(&holder), 1u64.to_le_bytes().to_vec());
    }
    let (kind, access) = client::transfer(
        token,
        alice.address(),
        Keypair::from_seed(b"bob").address(),
        1,
    );
    let signed = sign(2, kind, access);
    let verified = crypto::verify(&signed).unwrap();
    let iterations = 200_000;
    let mut one_thread = 0.0;
    for threads in [1usize, 2] {
        let started = Instant::now();
        std::thread::scope(|scope| {
            for _ in 0..threads {
                scope.spawn(|| {
                    for _ in 0..iterations / threads {
                        let outcome = runtime.execute_verified(&state, &ENV, &verified).unwrap();
                        assert_eq!(outcome.receipt.status, Status::Success);
                    }
                });
            }
        });
        let secs = started.elapsed().as_secs_f64();
        if threads == 1 {
            one_thread = secs;
        }
        println!(
            "{threads} thread(s): {:.2} µs per tx, {:.0} tx/s, speedup {:.2}x",
            secs * 1e6 / iterations as f64,
            iterations as f64 / secs,
            one_thread / secs
        );
    }
}
