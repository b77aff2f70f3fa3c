//! The test harness shared by the runtime's integration tests: one account submitting
//! transactions to an in-memory state, and the WAT fixtures.
#![allow(dead_code)]

use keyway_host_api::{
    AccessList, Address, BlockEnv, Key, SignedTransaction, Status, Transaction, TxKind, system,
};
use keyway_runtime::{InMemoryState, Keypair, Runtime, RuntimeConfig, TxOutcome};

/// The chain id of the harness.
pub const CHAIN: u64 = 7;
/// A gas limit every fixture call fits in.
pub const GAS: u64 = 5_000_000;

/// A runtime, a state and one signing account with a tracked nonce.
pub struct Harness {
    pub runtime: Runtime,
    pub state: InMemoryState,
    pub env: BlockEnv,
    pub key: Keypair,
    pub nonce: u64,
}

impl Harness {
    pub fn new() -> Self {
        Harness {
            runtime: Runtime::new(RuntimeConfig::default()).unwrap(),
            state: InMemoryState::new(),
            env: BlockEnv {
                height: 10,
                time: 1_700_000_000,
                chain_id: CHAIN,
            },
            key: Keypair::from_seed(b"harness"),
            nonce: 0,
        }
    }

    pub fn tx(&self, kind: TxKind, access_list: AccessList, gas_limit: u64) -> Transaction {
        Transaction {
            chain_id: CHAIN,
            sender: self.key.public_key(),
            nonce: self.nonce,
            kind,
            access_list,
            gas_limit,
        }
    }

    /// Executes, applies the writes and advances the local nonce like the chain would.
    pub fn submit(&mut self, signed: &SignedTransaction) -> TxOutcome {
        let outcome = self
            .runtime
            .execute(&self.state, &self.env, signed)
            .unwrap();
        self.state.apply(&outcome.writes);
        if !outcome.receipt.status.is_rejection() {
            self.nonce += 1;
        }
        outcome
    }

    pub fn run(&mut self, kind: TxKind, access_list: AccessList, gas_limit: u64) -> TxOutcome {
        let signed = self.key.sign(self.tx(kind, access_list, gas_limit));
        self.submit(&signed)
    }

    pub fn deploy_wat(&mut self, file: &str) -> Address {
        let path = format!("{}/tests/fixtures/{file}", env!("CARGO_MANIFEST_DIR"));
        let code = wat::parse_file(path).unwrap();
        let deployed = self.run(TxKind::Deploy { code }, AccessList::default(), GAS);
        assert_eq!(deployed.receipt.status, Status::Success);
        let code_hash = deployed.receipt.return_data.as_slice().try_into().unwrap();
        let kind = TxKind::Instantiate {
            code_hash,
            args: vec![],
        };
        let created = self.run(kind, AccessList::default(), GAS);
        assert_eq!(created.receipt.status, Status::Success);
        Address(created.receipt.return_data.as_slice().try_into().unwrap())
    }

    pub fn call(&mut self, contract: Address, method: &str, access: AccessList) -> TxOutcome {
        self.call_with(contract, method, vec![], access, GAS)
    }

    pub fn call_with(
        &mut self,
        contract: Address,
        method: &str,
        args: Vec<u8>,
        access: AccessList,
        gas_limit: u64,
    ) -> TxOutcome {
        let kind = TxKind::Call {
            contract,
            method: method.into(),
            args,
        };
        self.run(kind, access, gas_limit)
    }

    pub fn nonce_in_state(&self) -> u64 {
        let key = system::nonce_key(&self.key.address());
        self.state
            .value(&key)
            .map(|b| system::decode_nonce(b).unwrap())
            .unwrap_or(0)
    }
}

/// An access list of `contract`'s keys.
pub fn keys(contract: Address, reads: &[&str], writes: &[&str]) -> AccessList {
    let key = |k: &&str| Key::new(contract, k.as_bytes());
    AccessList {
        reads: reads.iter().map(key).collect(),
        writes: writes.iter().map(key).collect(),
    }
}
