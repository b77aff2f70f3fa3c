//! `keyway exec BLOCK.json`: executes the block of each vector in a vector file against
//! its pre-state (expectations, if any, are ignored) and prints the receipts and the
//! state-diff hash.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use keyway_scheduler::{BlockOptions, execute_block};
use serde_json::json;

use crate::vectors::{parse_file, resolve, state_diff_hash};

/// Options of `keyway exec`.
#[derive(clap::Args, Debug)]
pub struct ExecArgs {
    /// A vector file (FORMAT.md): its pre-state, environment and transactions.
    pub block: PathBuf,
    /// Worker threads (default: available cores; 1 is the sequential reference).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Prints JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Runs `keyway exec`.
pub fn run(args: &ExecArgs) -> anyhow::Result<ExitCode> {
    if args.threads == Some(0) {
        anyhow::bail!("--threads must be at least 1");
    }
    let file = parse_file(&args.block)?;
    let dir = args.block.parent().unwrap_or(Path::new("."));
    let options = match args.threads {
        Some(threads) => BlockOptions::with_threads(threads),
        None => BlockOptions::default(),
    };
    let runtime = crate::vectors::runtime(options.threads)?;
    let mut blocks = Vec::new();
    for vector in &file.vectors {
        let id = format!("{}::{}", args.block.display(), vector.name);
        let case = resolve(dir, &id, vector).map_err(|e| {
            anyhow::anyhow!("{}: vector {:?}: {e}", args.block.display(), vector.name)
        })?;
        let outcome = execute_block(&runtime, &case.state, &case.env, &case.block, &options)?;
        let hash = state_diff_hash(&outcome.state_diff);
        if args.json {
            let receipts: Vec<_> = outcome
                .receipts
                .iter()
                .map(|r| {
                    let events: Vec<_> = r
                        .events
                        .iter()
                        .map(|e| {
                            json!({
                                "contract": format!("0x{}", e.contract),
                                "topic": format!("0x{}", hex::encode(&e.topic)),
                                "data": format!("0x{}", hex::encode(&e.data)),
                            })
                        })
                        .collect();
                    json!({
                        "status": r.status.to_string(),
                        "gas_used": r.gas_used,
                        "events": events,
                        "return_data": format!("0x{}", hex::encode(&r.return_data)),
                    })
                })
                .collect();
            blocks.push(json!({
                "name": vector.name,
                "receipts": receipts,
                "state_diff_hash": hash,
                "state_diff_keys": outcome.state_diff.len(),
            }));
        } else {
            crate::say!("{}: {} transactions", vector.name, case.block.len());
            for (i, r) in outcome.receipts.iter().enumerate() {
                crate::say!(
                    "  tx[{i}] {} gas_used={} events={} return_data={}",
                    r.status,
                    r.gas_used,
                    r.events.len(),
                    if r.return_data.is_empty() {
                        "(empty)".to_string()
                    } else {
                        format!("0x{}", hex::encode(&r.return_data))
                    }
                );
            }
            crate::say!(
                "  state diff: {} keys, hash {hash}",
                outcome.state_diff.len()
            );
        }
    }
    if args.json {
        let text = serde_json::to_string_pretty(&json!({ "blocks": blocks }))?;
        crate::say!("{text}");
    }
    Ok(ExitCode::SUCCESS)
}
