//! `keyway demo`: the token workload end to end on one thread.

use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use keyway_host_api::{
    AccessList, BlockEnv, SignedTransaction, Status, Transaction, TxKind, system,
};
use keyway_runtime::{InMemoryState, Keypair, Runtime, RuntimeConfig, crypto};
use keyway_token::client;
use sha2::{Digest, Sha256};

const TOKEN_WASM: &[u8] = include_bytes!("../../example-contracts/artifacts/token.wasm");
const ENV: BlockEnv = BlockEnv {
    height: 1,
    time: 1_700_000_000,
    chain_id: 1,
};
const TRANSFER_GAS: u64 = 1_000_000;
const SETUP_GAS: u64 = 50_000_000;

/// Options of `keyway demo`.
#[derive(clap::Args)]
pub struct DemoArgs {
    /// Signed transfers to run.
    #[arg(long, default_value_t = 10_000)]
    transfers: usize,
    /// Accounts sending and receiving tokens.
    #[arg(long, default_value_t = 100)]
    accounts: usize,
    /// Seed of the workload's random choices.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// A small deterministic generator (splitmix64): the workload is the same on every run.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Signs transactions with per-account nonces.
struct Signer {
    nonces: Vec<u64>,
}

impl Signer {
    fn sign(
        &mut self,
        keys: &[Keypair],
        who: usize,
        (kind, access_list): (TxKind, AccessList),
        gas_limit: u64,
    ) -> SignedTransaction {
        let nonce = self.nonces[who];
        self.nonces[who] += 1;
        keys[who].sign(Transaction {
            chain_id: ENV.chain_id,
            sender: keys[who].public_key(),
            nonce,
            kind,
            access_list,
            gas_limit,
        })
    }
}

/// Runs the demo and prints its table.
pub fn run(args: &DemoArgs) -> anyhow::Result<()> {
    ensure!(args.accounts >= 2, "--accounts must be at least 2");
    let runtime = Runtime::new(RuntimeConfig::default()).context("starting the runtime")?;
    let mut state = InMemoryState::new();
    // Account 0 creates the token and funds everyone else.
    let keys: Vec<Keypair> = (0..args.accounts)
        .map(|i| Keypair::from_seed(format!("demo-account-{i}").as_bytes()))
        .collect();
    let mut signer = Signer {
        nonces: vec![0; keys.len()],
    };
    let mut setup = Vec::new();
    setup.push(signer.sign(
        &keys,
        0,
        (
            TxKind::Deploy {
                code: TOKEN_WASM.to_vec(),
            },
            AccessList::default(),
        ),
        SETUP_GAS,
    ));
    let code_hash = system::sha256(TOKEN_WASM);
    let token = system::contract_address(&keys[0].address(), 1);
    let instantiate = TxKind::Instantiate {
        code_hash,
        args: client::init_args(u64::MAX as u128),
    };
    let init_access = client::init_access(token, keys[0].address());
    setup.push(signer.sign(&keys, 0, (instantiate, init_access), SETUP_GAS));
    for key in keys.iter().skip(1) {
        let funding = client::transfer(token, keys[0].address(), key.address(), 1_000_000_000);
        setup.push(signer.sign(&keys, 0, funding, TRANSFER_GAS));
    }
    for signed in &setup {
        let outcome = runtime.execute(&state, &ENV, signed)?;
        if outcome.receipt.status != Status::Success {
            bail!("setup transaction failed: {}", outcome.receipt.status);
        }
        state.apply(&outcome.writes);
    }

    eprintln!(
        "signing {} transfers among {} accounts...",
        args.transfers, args.accounts
    );
    let mut rng = SplitMix(args.seed);
    let transfers: Vec<SignedTransaction> = (0..args.transfers)
        .map(|_| {
            let from = rng.below(keys.len());
            let to = rng.below(keys.len());
            let amount = 1 + rng.below(1_000) as u128;
            let call = client::transfer(token, keys[from].address(), keys[to].address(), amount);
            signer.sign(&keys, from, call, TRANSFER_GAS)
        })
        .collect();

    let mut verify_time = Duration::ZERO;
    let mut execute_time = Duration::ZERO;
    let mut gas = 0u64;
    let mut succeeded = 0usize;
    let mut diff = std::collections::BTreeMap::new();
    for signed in &transfers {
        let started = Instant::now();
        let verified = crypto::verify(signed);
        let verified_at = Instant::now();
        let outcome = match verified {
            Ok(verified) => runtime.execute_verified(&state, &ENV, &verified)?,
            Err(status) => bail!("a demo transfer failed verification: {status}"),
        };
        execute_time += verified_at.elapsed();
        verify_time += verified_at - started;
        gas += outcome.receipt.gas_used;
        succeeded += (outcome.receipt.status == Status::Success) as usize;
        for (key, value) in outcome.writes.iter() {
            diff.insert(key.clone(), value.map(<[u8]>::to_vec));
        }
        state.apply(&outcome.writes);
    }

    let n = transfers.len().max(1) as f64;
    let total = verify_time + execute_time;
    let per_tx = |d: Duration| d.as_secs_f64() * 1e6 / n;
    println!("keyway demo: token transfers, one thread, fresh instance per transaction");
    println!("{:<34} {:>14}", "transactions", transfers.len());
    println!("{:<34} {:>14}", "succeeded", succeeded);
    println!(
        "{:<34} {:>14.0}",
        "tx/s (execution)",
        n / execute_time.as_secs_f64()
    );
    println!(
        "{:<34} {:>14.0}",
        "tx/s (with signature check)",
        n / total.as_secs_f64()
    );
    println!(
        "{:<34} {:>14.2}",
        "µs per tx (execution)",
        per_tx(execute_time)
    );
    println!(
        "{:<34} {:>14.2}",
        "µs per tx (signature check)",
        per_tx(verify_time)
    );
    println!("{:<34} {:>14.0}", "gas per tx", gas as f64 / n);
    println!("{:<34} {:>14}", "state-diff hash", state_diff_hash(&diff));
    Ok(())
}

/// sha256 over the sorted (key, value) pairs the transfers wrote: equal on every node.
fn state_diff_hash(
    diff: &std::collections::BTreeMap<keyway_host_api::Key, Option<Vec<u8>>>,
) -> String {
    let mut hasher = Sha256::new();
    for (key, value) in diff {
        hasher.update(borsh::to_vec(&(key, value)).expect("borsh into a Vec"));
    }
    hex::encode(&hasher.finalize()[..16])
}
