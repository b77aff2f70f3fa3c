//! Shared fixtures for the workspace integration tests: a chain of one in-memory state,
//! signed transactions with tracked nonces, the committed contract artifacts, and the
//! checks every contract's tests make of a client's requests ([`Chain::expect_exact`]
//! and its siblings, by party through [`Senders`]).

use std::collections::HashMap;

use borsh::BorshDeserialize;
use keyway_host_api::{AccessList, Address, BlockEnv, Key, Status, Transaction, TxKind, system};
use keyway_runtime::{
    InMemoryState, Keypair, Limits, Runtime, RuntimeConfig, TxOutcome, check_wasm,
};
use keyway_sdk::{ContractError, Event};

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

/// The methods the committed artifact `name` exports, once it is checked valid (with the
/// default limits) and found to ask for one page of memory, as every example contract does.
#[track_caller]
pub fn one_page_artifact_methods(name: &str) -> Vec<String> {
    let info = check_wasm(&artifact(name), &Limits::default()).expect("valid");
    assert_eq!(info.initial_memory_pages, 1, "{name}: one page");
    info.methods
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

    /// Submits `request` (a client builder's) from `key` and asserts that it succeeded.
    #[track_caller]
    pub fn expect_success(
        &mut self,
        key: &Keypair,
        (kind, access): (TxKind, AccessList),
    ) -> TxOutcome {
        let outcome = self.submit(key, kind, access);
        assert_eq!(
            outcome.receipt.status,
            Status::Success,
            "{}",
            String::from_utf8_lossy(&outcome.receipt.return_data)
        );
        outcome
    }

    /// Asserts that `request`'s access list is exactly what `Runtime::simulate` discovers
    /// for it, key for key (so normalized, as clients sign it), then submits it from `key`
    /// and asserts that it succeeded and ran as simulated (receipt, gas included, and
    /// writes). Prints the gas used, labelled `label`.
    #[track_caller]
    pub fn expect_exact(
        &mut self,
        key: &Keypair,
        label: &str,
        (kind, access): (TxKind, AccessList),
    ) -> TxOutcome {
        let tx = self.sign(key, kind.clone(), access.clone()).tx;
        let simulation = self
            .runtime
            .simulate(&self.state, &self.env, &tx)
            .expect("no host fault");
        assert_eq!(
            simulation.access_list, access,
            "{label}: the client's list is exactly what the call touches"
        );
        let outcome = self.expect_success(key, (kind, access));
        assert_eq!(outcome, simulation.outcome, "{label}: ran as simulated");
        println!("gas {label}: {}", outcome.receipt.gas_used);
        outcome
    }

    /// Submits `request` from `key` and asserts that it ended with `status`, emitting
    /// nothing and writing nothing but the sender's nonce. Returns the outcome.
    #[track_caller]
    pub fn expect_failure(
        &mut self,
        key: &Keypair,
        (kind, access): (TxKind, AccessList),
        status: Status,
    ) -> TxOutcome {
        let outcome = self.submit(key, kind, access);
        assert_eq!(
            outcome.receipt.status,
            status,
            "sent by {:?}",
            key.address()
        );
        assert!(
            outcome.receipt.events.is_empty(),
            "{:?}",
            outcome.receipt.events
        );
        assert_eq!(written(&outcome), [&system::nonce_key(&key.address())]);
        outcome
    }

    /// [`Chain::expect_failure`] with the revert `error` makes: its code, and its data
    /// (none for a derived error) as the return data.
    #[track_caller]
    pub fn expect_error(
        &mut self,
        key: &Keypair,
        request: (TxKind, AccessList),
        error: impl ContractError,
    ) -> TxOutcome {
        let status = error.status();
        let outcome = self.expect_failure(key, request, status);
        assert_eq!(
            outcome.receipt.return_data,
            error.data(),
            "the error's data"
        );
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

    /// The value stored under `key` of `contract` (borsh), read straight from state.
    pub fn stored<T: BorshDeserialize>(&self, contract: Address, key: Vec<u8>) -> Option<T> {
        self.state
            .value(&Key::new(contract, key))
            .map(|bytes| borsh::from_slice(bytes).expect("a stored value"))
    }

    /// A token balance, read straight from state.
    pub fn balance(&self, token: Address, owner: &Address) -> u128 {
        let key = keyway_token::keys::balance(owner);
        self.stored(token, key).unwrap_or(0)
    }
}

/// Implements [`Senders`] for a fixture with fields `chain: Chain` and `keys: [Keypair; N]`
/// and a fieldless `Party` enum whose discriminants index `keys`.
#[macro_export]
macro_rules! senders_by_index {
    ($fixture:ty, $party:ty) => {
        impl $crate::Senders for $fixture {
            type Party = $party;

            fn chain(&mut self) -> &mut $crate::Chain {
                &mut self.chain
            }

            fn key(&self, party: $party) -> &keyway_runtime::Keypair {
                &self.keys[party as usize]
            }
        }
    };
}

/// A fixture whose transactions are sent by the parties of its tests (an enum), each with
/// a key: it gets [`Chain`]'s submitting checks by party.
pub trait Senders {
    /// Who sends a transaction.
    type Party;

    /// The fixture's chain.
    fn chain(&mut self) -> &mut Chain;

    /// `party`'s key.
    fn key(&self, party: Self::Party) -> &Keypair;

    /// `party`'s address.
    fn address(&self, party: Self::Party) -> Address {
        self.key(party).address()
    }

    /// [`Chain::submit`] from `party`.
    fn submit(&mut self, party: Self::Party, (kind, access): (TxKind, AccessList)) -> TxOutcome {
        let key = self.key(party).clone();
        self.chain().submit(&key, kind, access)
    }

    /// [`Chain::expect_success`] from `party`.
    #[track_caller]
    fn expect_success(&mut self, party: Self::Party, request: (TxKind, AccessList)) -> TxOutcome {
        let key = self.key(party).clone();
        self.chain().expect_success(&key, request)
    }

    /// [`Chain::expect_exact`] from `party`.
    #[track_caller]
    fn expect_exact(
        &mut self,
        party: Self::Party,
        label: &str,
        request: (TxKind, AccessList),
    ) -> TxOutcome {
        let key = self.key(party).clone();
        self.chain().expect_exact(&key, label, request)
    }

    /// [`Chain::expect_failure`] from `party`.
    #[track_caller]
    fn expect_failure(
        &mut self,
        party: Self::Party,
        request: (TxKind, AccessList),
        status: Status,
    ) -> TxOutcome {
        let key = self.key(party).clone();
        self.chain().expect_failure(&key, request, status)
    }

    /// [`Chain::expect_error`] from `party`.
    #[track_caller]
    fn expect_error(
        &mut self,
        party: Self::Party,
        request: (TxKind, AccessList),
        error: impl ContractError,
    ) -> TxOutcome {
        let key = self.key(party).clone();
        self.chain().expect_error(&key, request, error)
    }
}

/// The keys `outcome` wrote, nonce included.
pub fn written(outcome: &TxOutcome) -> Vec<&Key> {
    outcome.writes.iter().map(|(key, _)| key).collect()
}

/// The borsh value a successful call returned.
#[track_caller]
pub fn returned<T: BorshDeserialize>(outcome: &TxOutcome) -> T {
    assert_eq!(outcome.receipt.status, Status::Success);
    borsh::from_slice(&outcome.receipt.return_data).expect("the return value decodes")
}

/// The events of `outcome` that `contract` emitted under `E`'s topic, decoded.
pub fn events<E: Event + BorshDeserialize>(outcome: &TxOutcome, contract: Address) -> Vec<E> {
    outcome
        .receipt
        .events
        .iter()
        .filter(|event| event.contract == contract && event.topic == E::TOPIC)
        .map(|event| borsh::from_slice(&event.data).expect("the event decodes"))
        .collect()
}

/// Event `index` of `outcome`: emitted by `contract` under `E`'s topic, decoded.
#[track_caller]
pub fn event<E: Event + BorshDeserialize>(
    outcome: &TxOutcome,
    index: usize,
    contract: Address,
) -> E {
    let event = &outcome.receipt.events[index];
    assert_eq!(event.contract, contract);
    assert_eq!(event.topic, E::TOPIC);
    borsh::from_slice(&event.data).expect("the event decodes")
}
