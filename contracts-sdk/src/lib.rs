//! Write Keyway contracts in Rust.
//!
//! A contract is a `cdylib` whose exported `() -> ()` functions are its methods. Its
//! `Cargo.toml` declares a `library = []` feature: a contract that calls it depends on it
//! with `features = ["library"]`, which leaves its method exports out (build contracts one
//! package at a time, so the feature does not leak into the callee's own build). This crate
//! gives it:
//!
//! - [`method`]: exports a free function as a method (borsh arguments in, borsh value or
//!   revert out); [`ContractError`] and its derive give errors stable revert codes.
//! - [`env`](mod@env) (caller, block, input/return, revert/abort), [`storage`] (raw bytes plus the
//!   typed [`Item`] and [`Map`]), [`events`], [`crypto`] and [`call`](mod@call)
//!   (cross-contract calls): safe wrappers over the host functions of
//!   [`keyway_host_api::abi`], the one definition of the ABI.
//! - on `wasm32`, with the default `glue` feature, a bump `#[global_allocator]` (a 16 KiB
//!   static arena, then `memory.grow` only when it is exhausted) and a `#[panic_handler]`
//!   that aborts the call with the panic message. Disable default features to bring your
//!   own; a contract crate is `#![cfg_attr(target_arch = "wasm32", no_std)]`.
//! - off `wasm32`, [`testing::TestEnv`]: the same functions run against an in-memory host
//!   that enforces declared keys like the runtime, so contracts are unit-tested natively.
//! - off `wasm32`, [`client`]: what a contract's `client` module builds its transactions
//!   and their exact access lists from (calls, borsh arguments, normalized key lists, the
//!   deploy and instantiate pair that creates a contract).
//!
//! ```
//! use keyway_sdk::{Address, ContractError, Item, Map, env, method};
//!
//! pub const OWNER: Item<Address> = Item::new(b"owner");
//! pub const COUNTS: Map<Address, u64> = Map::new(b"c");
//!
//! #[derive(ContractError, Debug)]
//! #[repr(u32)]
//! pub enum CounterError { TooMany = 1 }
//!
//! #[method]
//! pub fn bump() -> Result<u64, CounterError> {
//!     let who = env::sender();
//!     let n = COUNTS.get_or_default(&who) + 1;
//!     if n > 2 {
//!         return Err(CounterError::TooMany);
//!     }
//!     COUNTS.set(&who, &n);
//!     Ok(n)
//! }
//!
//! let mut test = keyway_sdk::testing::TestEnv::new();
//! assert_eq!(test.call(bump).value, Some(1));
//! assert_eq!(test.call(bump).value, Some(2));
//! let third = test.call(bump);
//! assert_eq!(third.status, keyway_sdk::Status::Reverted { code: 1 });
//! ```
#![no_std]
#![warn(missing_docs)]

extern crate alloc;
// Native builds get the test host, which needs thread-locals and unwinding.
#[cfg(not(target_arch = "wasm32"))]
extern crate std;

// The macros expand to `::keyway_sdk::...` paths; this makes them resolve in our own tests.
extern crate self as keyway_sdk;

pub mod call;
pub mod crypto;
pub mod env;
mod error;
pub mod events;
pub mod storage;
mod sys;

#[cfg(not(target_arch = "wasm32"))]
pub mod client;
#[cfg(all(target_arch = "wasm32", feature = "glue"))]
mod glue;
#[cfg(not(target_arch = "wasm32"))]
pub mod testing;

#[doc(hidden)]
pub mod __private;

pub use borsh;
pub use borsh::{BorshDeserialize, BorshSerialize};
pub use error::ContractError;
pub use events::{Event, emit, emit_event};
pub use keyway_host_api as host_api;
pub use keyway_host_api::{AccessList, Address, BlockEnv, Hash, Key, Status};
pub use keyway_sdk_macros::{ContractError, method};
pub use storage::{Item, Map};
