//! `keyway validate FILE`: checks a module against the ABI and the default limits, as a
//! `Deploy` would, without compiling it.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use keyway_runtime::{Limits, ModuleInfo, check_wasm};
use wasmparser::{Parser, Payload};

/// Options of `keyway validate`.
#[derive(clap::Args, Debug)]
pub struct ValidateArgs {
    /// The module: `.wat` text, or Wasm binary (any other extension).
    pub file: PathBuf,
}

/// Reads a module: `.wat` files are assembled, anything else is read as Wasm bytes.
pub fn read_module(path: &Path) -> anyhow::Result<Vec<u8>> {
    if path.extension().is_some_and(|e| e == "wat") {
        // wat's error names the file, line and column.
        wat::parse_file(path).map_err(|e| anyhow::anyhow!("{e}"))
    } else {
        std::fs::read(path).with_context(|| format!("{}", path.display()))
    }
}

/// Facts about an accepted module, for the summary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    /// Size in bytes.
    pub size: usize,
    /// Functions the module defines.
    pub functions: u32,
    /// Host functions it imports, in import order.
    pub imports: Vec<String>,
    /// All export names, in module order.
    pub exports: Vec<String>,
    /// What validation reported (methods, initial memory).
    pub info: ModuleInfo,
}

/// Counts what the summary shows; `wasm` has passed [`check_wasm`].
pub fn summarize(wasm: &[u8], info: ModuleInfo) -> anyhow::Result<Summary> {
    let mut summary = Summary {
        size: wasm.len(),
        functions: 0,
        imports: Vec::new(),
        exports: Vec::new(),
        info,
    };
    for payload in Parser::new(0).parse_all(wasm) {
        match payload? {
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    summary.imports.push(import?.name.to_string());
                }
            }
            Payload::FunctionSection(reader) => summary.functions += reader.count(),
            Payload::ExportSection(reader) => {
                for export in reader {
                    summary.exports.push(export?.name.to_string());
                }
            }
            _ => {}
        }
    }
    Ok(summary)
}

/// Runs `keyway validate`: exit code 0 when accepted, 1 when rejected.
pub fn run(args: &ValidateArgs) -> anyhow::Result<ExitCode> {
    let wasm = read_module(&args.file)?;
    let file = args.file.display();
    match check_wasm(&wasm, &Limits::default()) {
        Ok(info) => {
            let summary = summarize(&wasm, info)?;
            crate::say!("{file}: accepted");
            crate::say!("  size             {} bytes", summary.size);
            crate::say!(
                "  functions        {} defined, {} imported",
                summary.functions,
                summary.imports.len()
            );
            crate::say!("  host functions   {}", list(&summary.imports));
            crate::say!("  exports          {}", list(&summary.exports));
            crate::say!("  methods          {}", list(&summary.info.methods));
            crate::say!(
                "  initial memory   {} pages of 64 KiB",
                summary.info.initial_memory_pages
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            crate::say!("{file}: rejected: {e}");
            Ok(ExitCode::FAILURE)
        }
    }
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        "(none)".into()
    } else {
        items.join(", ")
    }
}
