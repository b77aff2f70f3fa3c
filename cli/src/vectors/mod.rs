//! Conformance test vectors (`tests/vectors/FORMAT.md`): the file format, loading,
//! signing, running (sequentially and on the parallel scheduler), diffing and filling.
//!
//! ```no_run
//! use std::path::{Path, PathBuf};
//! use keyway_cli::vectors;
//!
//! # fn main() -> anyhow::Result<()> {
//! let runtime = vectors::runtime(4)?;
//! for path in vectors::collect_files(&[PathBuf::from("tests/vectors")])? {
//!     let file = vectors::parse_file(&path)?;
//!     for vector in &file.vectors {
//!         let id = format!("{}::{}", path.display(), vector.name);
//!         let case = vectors::resolve(path.parent().unwrap(), &id, vector)
//!             .map_err(anyhow::Error::msg)?;
//!         let (_, failures) = vectors::run_case(&runtime, &case, None);
//!         for failure in failures {
//!             println!("{failure}");
//!         }
//!     }
//! }
//! # Ok(())
//! # }
//! ```

pub mod bytes;
pub mod command;
pub mod fill;
pub mod format;
pub(crate) mod json;
pub mod load;
pub mod run;

use keyway_runtime::{Runtime, RuntimeConfig};

pub use fill::{Filled, fill_file};
pub use format::{FORMAT_VERSION, Vector, VectorFile};
pub use load::{Case, collect_files, parse_file, parse_str, resolve};
pub use run::{Executed, Failure, execute_sequential, run_case, state_diff_hash};

/// A runtime with default limits and enough instance slots for blocks executed on up to
/// `max_threads` threads.
pub fn runtime(max_threads: usize) -> anyhow::Result<Runtime> {
    let mut config = RuntimeConfig::default();
    config.instance_slots = config.instance_slots.max(
        u32::try_from(max_threads)
            .unwrap_or(u32::MAX)
            .saturating_add(32),
    );
    Ok(Runtime::new(config)?)
}

#[cfg(test)]
mod tests;
