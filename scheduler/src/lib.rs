//! Keyway's block scheduler.
//!
//! [`GraphBuilder`] turns each transaction's declared reads and writes into a
//! [`ConflictGraph`] (pure: it knows nothing of Wasm or threads). [`execute_block`] runs a
//! block on N worker threads over that graph, each transaction in a fresh instance, and
//! returns receipts and a state diff identical to sequential execution in block order. It
//! executes through [`TransactionExecutor`] and otherwise uses only the runtime's state
//! types (`StateView`, `WriteSet`, `TxOutcome`).
#![warn(missing_docs)]

mod executor;
mod graph;
mod pool;

pub use executor::{
    BlockOptions, BlockOutcome, BlockTimings, Priority, TransactionExecutor, build_graph,
    execute_block,
};
pub use graph::{ConflictGraph, GraphBuilder, GraphStats};
