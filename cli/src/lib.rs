//! The `keyway` command's building blocks, shared with its benchmarks.
#![warn(missing_docs)]

pub mod bench;
pub mod demo;
pub mod workload;
