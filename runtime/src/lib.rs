//! Keyway's transaction runtime: executes one signed transaction against a state view on
//! a deterministic wasmtime engine, and returns a receipt and a write set.
//!
//! Contracts reach storage only through the host API, and only the keys the transaction
//! declared: an undeclared access ends that transaction with `UndeclaredRead` or
//! `UndeclaredWrite`, never the node. Gas is Wasm fuel plus the host functions' prices
//! from [`keyway_host_api::gas`]. Every call runs in a fresh instance from the pooling
//! allocator, so no memory carries over between transactions.
//!
//! ```
//! use keyway_host_api::{AccessList, BlockEnv, Status, Transaction, TxKind};
//! use keyway_runtime::{InMemoryState, Keypair, Runtime, RuntimeConfig};
//!
//! # fn main() -> anyhow::Result<()> {
//! let runtime = Runtime::new(RuntimeConfig::default())?;
//! let mut state = InMemoryState::new();
//! let env = BlockEnv { height: 1, time: 1_700_000_000, chain_id: 7 };
//! let alice = Keypair::from_seed(b"alice");
//! let tx = |nonce, kind| Transaction {
//!     chain_id: 7,
//!     sender: alice.public_key(),
//!     nonce,
//!     kind,
//!     access_list: AccessList::default(),
//!     gas_limit: 10_000_000,
//! };
//!
//! // Deploy code, instantiate a contract from it, call a method.
//! let code = wat::parse_str(r#"(module
//!     (import "keyway" "set_return" (func $ret (param i32 i32)))
//!     (memory (export "memory") 1)
//!     (data (i32.const 0) "pong")
//!     (func (export "ping") (call $ret (i32.const 0) (i32.const 4))))"#)?;
//! let deployed = runtime.execute(&state, &env, &alice.sign(tx(0, TxKind::Deploy { code })))?;
//! assert_eq!(deployed.receipt.status, Status::Success);
//! state.apply(&deployed.writes);
//! let code_hash = deployed.receipt.return_data.as_slice().try_into()?;
//!
//! let created = runtime.execute(
//!     &state, &env, &alice.sign(tx(1, TxKind::Instantiate { code_hash, args: vec![] })))?;
//! state.apply(&created.writes);
//! let contract = keyway_host_api::Address(created.receipt.return_data.as_slice().try_into()?);
//!
//! let call = TxKind::Call { contract, method: "ping".into(), args: vec![] };
//! let outcome = runtime.execute(&state, &env, &alice.sign(tx(2, call)))?;
//! assert_eq!(outcome.receipt.status, Status::Success);
//! assert_eq!(outcome.receipt.return_data, b"pong");
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]

mod cache;
mod calls;
pub mod crypto;
mod engine;
mod execute;
mod host;
mod limits;
pub mod state;
pub mod validate;

pub use crypto::{Keypair, VerifiedTransaction, verify};
pub use execute::{Runtime, RuntimeConfig, RuntimeError, Simulation, TxOutcome};
pub use limits::Limits;
pub use state::{InMemoryState, StateError, StateView, WriteSet};
pub use validate::{ModuleInfo, ValidationError, check_wasm};
