//! Keyway's block scheduler.
//!
//! [`GraphBuilder`] turns each transaction's declared reads and writes into a
//! [`ConflictGraph`] (pure: it knows nothing of Wasm or threads). [`execute_block`] runs a
//! block on N worker threads over that graph, each transaction in a fresh instance, and
//! returns receipts and a state diff identical to sequential execution in block order. It
//! executes through [`TransactionExecutor`] and otherwise uses only the runtime's state
//! types (`StateView`, `WriteSet`, `TxOutcome`).
//!
//! ```
//! use keyway_host_api::{AccessList, BlockEnv, Key, Status, Transaction, TxKind, system};
//! use keyway_runtime::{InMemoryState, Keypair, Runtime, RuntimeConfig};
//! use keyway_scheduler::{BlockOptions, execute_block};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let runtime = Runtime::new(RuntimeConfig::default())?;
//! let mut state = InMemoryState::new();
//! let env = BlockEnv { height: 1, time: 1_700_000_000, chain_id: 7 };
//! let tx = |sender: &Keypair, nonce, kind, writes| {
//!     sender.sign(Transaction {
//!         chain_id: 7,
//!         sender: sender.public_key(),
//!         nonce,
//!         kind,
//!         access_list: AccessList { reads: vec![], writes },
//!         gas_limit: 1_000_000,
//!     })
//! };
//!
//! // A contract whose `note` stores its two input bytes under the key of the first.
//! let code = wat::parse_str(r#"(module
//!     (import "keyway" "input" (func $input (param i32 i32) (result i32)))
//!     (import "keyway" "storage_write" (func $write (param i32 i32 i32 i32)))
//!     (memory (export "memory") 1)
//!     (func (export "note")
//!         (drop (call $input (i32.const 0) (i32.const 2)))
//!         (call $write (i32.const 0) (i32.const 1) (i32.const 0) (i32.const 2))))"#)?;
//! let owner = Keypair::from_seed(b"owner");
//! let code_hash = system::sha256(&code);
//! let setup = [
//!     tx(&owner, 0, TxKind::Deploy { code }, vec![]),
//!     tx(&owner, 1, TxKind::Instantiate { code_hash, args: vec![] }, vec![]),
//! ];
//! let outcome = execute_block(&runtime, &state, &env, &setup, &BlockOptions::default())?;
//! assert!(outcome.receipts.iter().all(|r| r.status == Status::Success));
//! state.apply(&outcome.state_diff);
//! let contract = system::contract_address(&owner.address(), 1);
//!
//! // Four users: two write key `a`, two key `b`. Each declares the key it writes.
//! let block: Vec<_> = (0..4u8)
//!     .map(|i| {
//!         let user = Keypair::from_seed(&[i]);
//!         let slot = b"ab"[usize::from(i % 2)];
//!         let call = TxKind::Call { contract, method: "note".into(), args: vec![slot, i] };
//!         tx(&user, 0, call, vec![Key::new(contract, vec![slot])])
//!     })
//!     .collect();
//! let parallel = execute_block(&runtime, &state, &env, &block, &BlockOptions::with_threads(2))?;
//! let sequential = execute_block(&runtime, &state, &env, &block, &BlockOptions::with_threads(1))?;
//!
//! // The graph: two chains of two, which may run side by side (or all in order while the
//! // graph is built); either way the result is the sequential one.
//! assert_eq!((parallel.stats.edges, parallel.stats.components), (2, 2));
//! assert_eq!(parallel.receipts, sequential.receipts);
//! assert_eq!(parallel.state_diff, sequential.state_diff);
//! assert!(parallel.receipts.iter().all(|r| r.status == Status::Success));
//! // The last writer of each key in block order wins.
//! let a = parallel.state_diff.get(&Key::new(contract, b"a".to_vec()));
//! assert_eq!(a, Some(Some(&[b'a', 2][..])));
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]

mod executor;
mod graph;
mod pool;

pub use executor::{
    BlockOptions, BlockOutcome, BlockTimings, Priority, TransactionExecutor, build_graph,
    execute_block,
};
pub use graph::{ConflictGraph, GraphBuilder, GraphStats};
