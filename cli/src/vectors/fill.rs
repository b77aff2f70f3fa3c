//! `keyway conformance fill`: computes the expectations a vector leaves out and writes
//! them into its file. An expectation already written is never changed: if one disagrees
//! with the execution, nothing is written and the disagreement is reported.

use std::io::Write;
use std::path::Path;

use keyway_host_api::{Address, Receipt};
use keyway_runtime::Runtime;

use super::bytes::Bytes;
use super::format::{
    BlockExpect, EventExpect, PostEntry, ReceiptExpect, StatusSpec, Vector, VectorFile,
};
use super::load::{Case, parse_file, parse_str, resolve};
use super::run::{Executed, check_expectations, nonce_of, run_case};

/// What `fill` did to one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Filled {
    /// Every expectation was already there (and agreed): the file is untouched.
    Unchanged,
    /// The file was rewritten with this many fields added.
    Written(usize),
}

/// Fills one file (`label` names it in messages). `Err` lists every problem (load errors,
/// disagreeing expectations, sequential/parallel mismatches); the file is then untouched.
pub fn fill_file(runtime: &Runtime, path: &Path, label: &str) -> Result<Filled, Vec<String>> {
    let mut file = parse_file(path).map_err(|e| vec![format!("{e:#}")])?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut errors = Vec::new();
    let mut added = 0;
    for vector in &mut file.vectors {
        let id = format!("{label}::{}", vector.name);
        let case = match resolve(dir, &id, vector) {
            Ok(case) => case,
            Err(e) => {
                errors.push(format!("{id}: {e}"));
                continue;
            }
        };
        let (executed, failures) = run_case(runtime, &case, None);
        if !failures.is_empty() {
            errors.extend(failures.iter().map(ToString::to_string));
            continue;
        }
        let executed = executed.expect("no failures means it executed");
        added += fill_vector(vector, &case, &executed);
        // What was filled must pass too.
        match resolve(dir, &id, vector) {
            Ok(filled) => {
                let mut again = Vec::new();
                check_expectations(&filled, &executed, &mut again);
                errors.extend(again.iter().map(|f| format!("after filling: {f}")));
            }
            Err(e) => errors.push(format!("{id}: after filling: {e}")),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let text = to_text(&file);
    let old = std::fs::read_to_string(path).map_err(|e| vec![format!("{label}: {e}")])?;
    if text == old {
        return Ok(Filled::Unchanged);
    }
    // The rewritten file must read back as the same vectors.
    match parse_str(&text) {
        Ok(again) if again == file => {}
        Ok(_) => return Err(vec![format!("{label}: rewritten file reads differently")]),
        Err(e) => return Err(vec![format!("{label}: rewritten file: {e:#}")]),
    }
    write_atomically(path, &text).map_err(|e| vec![format!("{label}: writing: {e}")])?;
    Ok(Filled::Written(added))
}

/// A vector file as `fill` writes it.
pub fn to_text(file: &VectorFile) -> String {
    let value = serde_json::to_value(file).expect("vector files serialize");
    super::json::to_string(&value)
}

/// Writes through a temporary file in the same directory and a rename, so a reader never
/// sees half a file.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    temp.write_all(text.as_bytes())?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Adds every missing expectation of `vector` from `executed`; returns how many fields it
/// added. Existing expectations agree with `executed` (the caller checked).
fn fill_vector(vector: &mut Vector, case: &Case, executed: &Executed) -> usize {
    let mut added = 0;
    let render = |bytes: &[u8]| Bytes::render(bytes, &case.names);
    let contract_ref = |address: &Address| -> String {
        case.names
            .iter()
            .find(|(a, is_contract, _)| *is_contract && a == address)
            .map_or_else(|| format!("0x{address}"), |(_, _, name)| name.clone())
    };
    for (tx, receipt) in vector.transactions.iter_mut().zip(&executed.receipts) {
        let expect = tx.expect.get_or_insert_with(ReceiptExpect::default);
        added += fill_receipt(expect, receipt, &render, &contract_ref);
    }
    let expect = vector.expect.get_or_insert_with(BlockExpect::default);
    if expect.state_diff_hash.is_none() {
        expect.state_diff_hash = Some(executed.state_diff_hash.clone());
        added += 1;
    }
    match &mut expect.post {
        Some(entries) => {
            for (entry, (key, _)) in entries.iter_mut().zip(&case.post) {
                if entry.value.is_none() {
                    entry.value = Some(executed.post.value(key).map(render));
                    added += 1;
                }
            }
        }
        None => {
            let entries: Vec<PostEntry> = executed
                .state_diff
                .iter()
                .filter(|(key, _)| key.contract != Address::SYSTEM)
                .map(|(key, value)| PostEntry {
                    contract: contract_ref(&key.contract),
                    key: render(&key.bytes),
                    value: Some(value.map(render)),
                })
                .collect();
            if !entries.is_empty() {
                added += entries.len();
                expect.post = Some(entries);
            }
        }
    }
    if expect.nonces.is_none() && !case.accounts.is_empty() {
        expect.nonces = Some(
            case.accounts
                .iter()
                .map(|(name, address)| (name.clone(), nonce_of(&executed.post, address)))
                .collect(),
        );
        added += case.accounts.len();
    }
    added
}

fn fill_receipt(
    expect: &mut ReceiptExpect,
    receipt: &Receipt,
    render: &dyn Fn(&[u8]) -> Bytes,
    contract_ref: &dyn Fn(&Address) -> String,
) -> usize {
    let mut added = 0;
    if expect.status.is_none() {
        expect.status = Some(StatusSpec(receipt.status));
        added += 1;
    }
    if expect.gas_used.is_none() {
        expect.gas_used = Some(receipt.gas_used);
        added += 1;
    }
    if expect.events.is_none() {
        added += 1;
    }
    let events = expect.events.get_or_insert_with(|| {
        receipt
            .events
            .iter()
            .map(|_| EventExpect::default())
            .collect()
    });
    for (want, event) in events.iter_mut().zip(&receipt.events) {
        if want.contract.is_none() {
            want.contract = Some(contract_ref(&event.contract));
            added += 1;
        }
        if want.topic.is_none() {
            want.topic = Some(render(&event.topic));
            added += 1;
        }
        if want.data.is_none() {
            want.data = Some(render(&event.data));
            added += 1;
        }
    }
    if expect.return_data.is_none() {
        expect.return_data = Some(render(&receipt.return_data));
        added += 1;
    }
    added
}
