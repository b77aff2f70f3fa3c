//! The `keyway` command's building blocks, shared with its benchmarks and the workspace's
//! conformance tests.
#![warn(missing_docs)]

pub mod bench;
pub mod demo;
pub mod exec_cmd;
pub mod machine;
pub mod simulate_cmd;
pub mod suite;
pub mod validate_cmd;
pub mod vectors;
pub mod workload;

/// `println!` that ignores a closed standard output (`keyway ... | head`) instead of
/// panicking; the exit code still tells the outcome.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}
