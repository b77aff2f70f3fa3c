//! Executing a [`Case`] sequentially and on the scheduler, and comparing everything with
//! the expectations and with each other.

use std::collections::BTreeMap;
use std::fmt;

use keyway_host_api::{Address, Key, Receipt, system};
use keyway_runtime::{InMemoryState, Runtime, WriteSet};
use keyway_scheduler::{BlockOptions, execute_block};
use sha2::{Digest, Sha256};

use super::bytes::display;
use super::load::{Case, EventCheck, ReceiptCheck};

/// One difference between what a vector expects and what happened (or between two
/// executions of its block).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The vector (file label and name).
    pub vector: String,
    /// Where: `tx[2] receipt.gas_used`, `post[...]`, `threads=4 tx[0] receipt.status`, ...
    pub field: String,
    /// What was expected (or what sequential execution gave).
    pub expected: String,
    /// What happened.
    pub got: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}: expected {}, got {}",
            self.vector, self.field, self.expected, self.got
        )
    }
}

/// The sequential (reference) execution of a block.
#[derive(Clone, Debug)]
pub struct Executed {
    /// Receipts, in block order.
    pub receipts: Vec<Receipt>,
    /// The block's state diff (sorted; `None` deletes).
    pub state_diff: WriteSet,
    /// [`state_diff_hash`] of `state_diff`.
    pub state_diff_hash: String,
    /// The pre-state with the diff applied.
    pub post: InMemoryState,
}

/// The state-diff hash (FORMAT.md): sha256 over the sorted diff's entries, each the borsh
/// encoding of `(Key, Option<Vec<u8>>)`, concatenated; the first 16 bytes, in lowercase
/// hex. The same definition as `keyway demo`'s.
pub fn state_diff_hash(diff: &WriteSet) -> String {
    let mut hasher = Sha256::new();
    for (key, value) in diff.iter() {
        hasher.update(borsh::to_vec(&(key, value)).expect("borsh into a Vec"));
    }
    hex::encode(&hasher.finalize()[..16])
}

/// Executes the block one transaction at a time with [`Runtime::execute`], applying each
/// write set before the next: the reference every other execution is compared with.
pub fn execute_sequential(runtime: &Runtime, case: &Case) -> Result<Executed, String> {
    let mut state = case.state.clone();
    let mut receipts = Vec::with_capacity(case.block.len());
    let mut writes = Vec::with_capacity(case.block.len());
    for (i, tx) in case.block.iter().enumerate() {
        let outcome = runtime
            .execute(&state, &case.env, tx)
            .map_err(|e| format!("tx[{i}]: host fault: {e}"))?;
        state.apply(&outcome.writes);
        receipts.push(outcome.receipt);
        writes.push(outcome.writes);
    }
    let state_diff = WriteSet::merged(writes);
    Ok(Executed {
        receipts,
        state_diff_hash: state_diff_hash(&state_diff),
        state_diff,
        post: state,
    })
}

/// Runs `case`: sequentially, then with `execute_block` on each of `thread_counts`
/// (default: the vector's own). Returns the sequential execution and every failure.
pub fn run_case(
    runtime: &Runtime,
    case: &Case,
    thread_counts: Option<&[usize]>,
) -> (Option<Executed>, Vec<Failure>) {
    let mut failures = Vec::new();
    let fail = |field: String, expected: String, got: String| Failure {
        vector: case.id.clone(),
        field,
        expected,
        got,
    };
    let reference = match execute_sequential(runtime, case) {
        Ok(reference) => reference,
        Err(fault) => {
            failures.push(fail(
                "sequential execution".into(),
                "no host fault".into(),
                fault,
            ));
            return (None, failures);
        }
    };
    for &threads in thread_counts.unwrap_or(&case.thread_counts) {
        let options = BlockOptions::with_threads(threads);
        match execute_block(runtime, &case.state, &case.env, &case.block, &options) {
            Ok(outcome) => {
                compare_receipts(
                    &reference.receipts,
                    &outcome.receipts,
                    &format!("threads={threads} "),
                    &mut |field, expected, got| failures.push(fail(field, expected, got)),
                );
                for (key, expected, got) in
                    diff_differences(&reference.state_diff, &outcome.state_diff)
                {
                    failures.push(fail(
                        format!(
                            "threads={threads} state_diff[{} {}]",
                            name_of(case, &key.contract),
                            display(&key.bytes)
                        ),
                        format!("(sequential) {expected}"),
                        got,
                    ));
                }
            }
            Err(fault) => failures.push(fail(
                format!("threads={threads} execute_block"),
                "no host fault".into(),
                fault.to_string(),
            )),
        }
    }
    check_expectations(case, &reference, &mut failures);
    (Some(reference), failures)
}

/// Field-by-field differences between two executions' receipts.
fn compare_receipts(
    reference: &[Receipt],
    other: &[Receipt],
    prefix: &str,
    report: &mut dyn FnMut(String, String, String),
) {
    if reference.len() != other.len() {
        report(
            format!("{prefix}receipts"),
            format!("(sequential) {} receipts", reference.len()),
            other.len().to_string(),
        );
        return;
    }
    for (i, (a, b)) in reference.iter().zip(other).enumerate() {
        let check = ReceiptCheck {
            status: Some(a.status),
            gas_used: Some(a.gas_used),
            events: Some(
                a.events
                    .iter()
                    .map(|e| EventCheck {
                        contract: Some(e.contract),
                        topic: Some(e.topic.clone()),
                        data: Some(e.data.clone()),
                    })
                    .collect(),
            ),
            return_data: Some(a.return_data.clone()),
        };
        check_receipt(&check, b, &format!("{prefix}tx[{i}]"), &mut |f, e, g| {
            report(f, format!("(sequential) {e}"), g)
        });
    }
}

fn check_receipt(
    check: &ReceiptCheck,
    got: &Receipt,
    prefix: &str,
    report: &mut dyn FnMut(String, String, String),
) {
    if let Some(status) = check.status
        && status != got.status
    {
        report(
            format!("{prefix} receipt.status"),
            status.to_string(),
            got.status.to_string(),
        );
    }
    if let Some(gas) = check.gas_used
        && gas != got.gas_used
    {
        report(
            format!("{prefix} receipt.gas_used"),
            gas.to_string(),
            got.gas_used.to_string(),
        );
    }
    if let Some(data) = &check.return_data
        && *data != got.return_data
    {
        report(
            format!("{prefix} receipt.return_data"),
            display(data),
            display(&got.return_data),
        );
    }
    if let Some(events) = &check.events {
        if events.len() != got.events.len() {
            report(
                format!("{prefix} receipt.events"),
                format!("{} events", events.len()),
                format!("{} events", got.events.len()),
            );
            return;
        }
        for (j, (want, event)) in events.iter().zip(&got.events).enumerate() {
            let field = |f: &str| format!("{prefix} receipt.events[{j}].{f}");
            if let Some(contract) = want.contract
                && contract != event.contract
            {
                report(
                    field("contract"),
                    contract.to_string(),
                    event.contract.to_string(),
                );
            }
            if let Some(topic) = &want.topic
                && *topic != event.topic
            {
                report(field("topic"), display(topic), display(&event.topic));
            }
            if let Some(data) = &want.data
                && *data != event.data
            {
                report(field("data"), display(data), display(&event.data));
            }
        }
    }
}

/// Compares the reference execution with the case's expectations.
pub fn check_expectations(case: &Case, reference: &Executed, failures: &mut Vec<Failure>) {
    let mut report = |field: String, expected: String, got: String| {
        failures.push(Failure {
            vector: case.id.clone(),
            field,
            expected,
            got,
        })
    };
    for (i, (check, receipt)) in case.receipts.iter().zip(&reference.receipts).enumerate() {
        if let Some(check) = check {
            check_receipt(check, receipt, &format!("tx[{i}]"), &mut report);
        }
    }
    if let Some(hash) = &case.state_diff_hash
        && *hash != reference.state_diff_hash
    {
        report(
            "state_diff_hash".into(),
            hash.clone(),
            reference.state_diff_hash.clone(),
        );
    }
    for (key, value) in &case.post {
        let Some(expected) = value else { continue };
        let got = reference.post.value(key);
        if expected.as_deref() != got {
            let show = |v: Option<&[u8]>| v.map_or_else(|| "absent".to_string(), display);
            report(
                format!(
                    "post[{} {}]",
                    name_of(case, &key.contract),
                    display(&key.bytes)
                ),
                show(expected.as_deref()),
                show(got),
            );
        }
    }
    for (name, address, nonce) in &case.nonces {
        let got = nonce_of(&reference.post, address);
        if got != *nonce {
            report(format!("nonces.{name}"), nonce.to_string(), got.to_string());
        }
    }
}

/// An account's nonce in `state` (absent: 0; malformed: `u64::MAX`, which no
/// expectation matches).
pub fn nonce_of(state: &InMemoryState, account: &Address) -> u64 {
    state
        .value(&system::nonce_key(account))
        .map_or(0, |bytes| system::decode_nonce(bytes).unwrap_or(u64::MAX))
}

fn name_of(case: &Case, address: &Address) -> String {
    case.names
        .iter()
        .find(|(a, _, _)| a == address)
        .map_or_else(|| format!("0x{address}"), |(_, _, name)| name.clone())
}

/// The keys on which two state diffs differ, with each side's write.
fn diff_differences(a: &WriteSet, b: &WriteSet) -> Vec<(Key, String, String)> {
    let mut keys: BTreeMap<&Key, [Option<Option<&[u8]>>; 2]> = BTreeMap::new();
    for (side, diff) in [a, b].into_iter().enumerate() {
        for (key, value) in diff.iter() {
            keys.entry(key).or_default()[side] = Some(value);
        }
    }
    let show = |write: Option<Option<&[u8]>>| match write {
        None => "not written".to_string(),
        Some(None) => "deleted".to_string(),
        Some(Some(value)) => display(value),
    };
    keys.into_iter()
        .filter(|(_, [x, y])| x != y)
        .map(|(key, [x, y])| (key.clone(), show(x), show(y)))
        .collect()
}
