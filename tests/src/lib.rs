//! Shared fixtures for the workspace integration tests: a chain of one in-memory state,
//! signed transactions with tracked nonces, and the committed contract artifacts.

use std::collections::HashMap;

use keyway_host_api::{AccessList, Address, BlockEnv, Status, Transaction, TxKind};
use keyway_runtime::{InMemoryState, Keypair, Runtime, RuntimeConfig, TxOutcome};

/// The chain id the fixtures sign for.
pub const CHAIN_ID: u64 = 7;
/// A gas limit large enough for any call of the example contracts.
pub const GAS: u64 = 2_000_000;
/// A gas limit large enough to deploy any example contract (~210 gas per byte of Wasm).
pub const DEPLOY_GAS: u64 = 20_000_000;

/// The committed Wasm of an example contract (`example-contracts/artifacts/NAME.wasm`).
pub fn artifact(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../example-contracts/artifacts/{name}.wasm",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"))
}

/// A runtime, a state, and accounts whose nonces are tracked.
pub struct Chain {
    /// The runtime under test.
    pub runtime: Runtime,
    /// The state every transaction applies to.
    pub state: InMemoryState,
    /// The block environment.
    pub env: BlockEnv,
    nonces: HashMap<Address, u64>,
}

impl Default for Chain {
    fn default() -> Self {
        Self::new()
    }
}

impl Chain {
    /// A fresh chain with default limits.
    pub fn new() -> Self {
        Chain {
            runtime: Runtime::new(RuntimeConfig::default()).expect("runtime"),
            state: InMemoryState::new(),
            env: BlockEnv {
                height: 1,
                time: 1_700_000_000,
                chain_id: CHAIN_ID,
            },
            nonces: HashMap::new(),
        }
    }

    /// A signed transaction from `key` with its next nonce.
    pub fn sign(
        &self,
        key: &Keypair,
        kind: TxKind,
        access_list: AccessList,
    ) -> keyway_host_api::SignedTransaction {
        let gas_limit = match kind {
            TxKind::Deploy { .. } => DEPLOY_GAS,
            _ => GAS,
        };
        key.sign(Transaction {
            chain_id: CHAIN_ID,
            sender: key.public_key(),
            nonce: self.nonces.get(&key.address()).copied().unwrap_or(0),
            kind,
            access_list,
            gas_limit,
        })
    }

    /// Signs, executes and applies a transaction.
    pub fn submit(&mut self, key: &Keypair, kind: TxKind, access_list: AccessList) -> TxOutcome {
        let signed = self.sign(key, kind, access_list);
        let outcome = self
            .runtime
            .execute(&self.state, &self.env, &signed)
            .expect("no host fault");
        self.state.apply(&outcome.writes);
        if !outcome.receipt.status.is_rejection() {
            *self.nonces.entry(key.address()).or_default() += 1;
        }
        outcome
    }

    /// Deploys and instantiates `code` with `init` args; returns the contract address.
    pub fn create(
        &mut self,
        key: &Keypair,
        code: Vec<u8>,
        args: Vec<u8>,
        access: impl FnOnce(Address) -> AccessList,
    ) -> Address {
        let deployed = self.submit(key, TxKind::Deploy { code }, AccessList::default());
        assert_eq!(deployed.receipt.status, Status::Success, "deploy");
        let code_hash = deployed
            .receipt
            .return_data
            .as_slice()
            .try_into()
            .expect("code hash");
        let nonce = self.nonces[&key.address()];
        let address = keyway_host_api::system::contract_address(&key.address(), nonce);
        let created = self.submit(
            key,
            TxKind::Instantiate { code_hash, args },
            access(address),
        );
        assert_eq!(created.receipt.status, Status::Success, "instantiate");
        assert_eq!(created.receipt.return_data, address.0);
        address
    }

    /// Creates a token with `supply` owned by `owner`.
    pub fn create_token(&mut self, owner: &Keypair, supply: u128) -> Address {
        let args = keyway_token::client::init_args(supply);
        self.create(owner, artifact("token"), args, |token| {
            keyway_token::client::init_access(token, owner.address())
        })
    }

    /// A token balance, read straight from state.
    pub fn balance(&self, token: Address, owner: &Address) -> u128 {
        let key = keyway_host_api::Key::new(token, keyway_token::keys::balance(owner));
        self.state
            .value(&key)
            .map(|bytes| borsh::from_slice(bytes).expect("u128"))
            .unwrap_or(0)
    }
}
