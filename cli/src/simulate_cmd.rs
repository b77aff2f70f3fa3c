//! `keyway simulate FILE`: access-list discovery (`Runtime::simulate`, ABI.md section
//! 4.2) for the transactions of a vector file. Each vector's transactions run in order on
//! its pre-state; each one's outcome, declared with the list discovery found, is applied
//! before the next, so later transactions see what earlier ones wrote. The lists are
//! printed in the vector format's own `access_list` syntax, ready to paste into the file.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use keyway_host_api::{AccessList, Address, Key, Status};
use serde_json::json;

use crate::vectors::bytes::Bytes;
use crate::vectors::format::{AccessListSpec, KeyRef};
use crate::vectors::{Case, parse_file, resolve};

/// Options of `keyway simulate`.
#[derive(clap::Args, Debug)]
pub struct SimulateArgs {
    /// A vector file (FORMAT.md): its pre-state, environment and transactions.
    pub file: PathBuf,
    /// Prints a JSON array (one object per transaction) instead of text.
    #[arg(long)]
    pub json: bool,
}

/// What discovery found for one transaction of a vector.
#[derive(Clone, Debug, PartialEq)]
pub struct Discovered {
    /// The vector's name.
    pub vector: String,
    /// The transaction's index in the vector's block.
    pub index: usize,
    /// The status of the transaction declared with the discovered list (or the rejection:
    /// `invalid_signature`, `bad_nonce`, `wrong_chain_id`).
    pub status: Status,
    /// Its exact gas used.
    pub gas_used: u64,
    /// Discovery rounds (more than one only when execution depends on the gas left); 0
    /// when the signature was rejected before discovery.
    pub rounds: u32,
    /// The discovered list, as the vector file writes it (names for known accounts and
    /// contracts).
    pub access_list: AccessListSpec,
    /// The discovered list itself (normalized).
    pub keys: AccessList,
    /// Whether the transaction, as the file gives it, declares exactly this list (after
    /// normalizing both).
    pub matches_declared: bool,
}

/// Runs discovery for every transaction of every vector in `path`. Errors name the file,
/// the vector and the field (load errors) or the transaction (host faults).
pub fn simulate_file(path: &Path) -> anyhow::Result<Vec<Discovered>> {
    let file = parse_file(path)?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let runtime = crate::vectors::runtime(1)?;
    let mut found = Vec::new();
    for vector in &file.vectors {
        let id = format!("{}::{}", path.display(), vector.name);
        let case = resolve(dir, &id, vector)
            .map_err(|e| anyhow::anyhow!("{}: vector {:?}: {e}", path.display(), vector.name))?;
        let mut state = case.state.clone();
        for (index, signed) in case.block.iter().enumerate() {
            let context = || format!("{}: vector {:?}: tx[{index}]", path.display(), vector.name);
            let mut declared = signed.tx.access_list.clone();
            declared.normalize();
            // Discovery does not check signatures; a block would reject the transaction
            // before running it, so it is reported rejected and changes nothing.
            if let Err(status) = keyway_runtime::verify(signed) {
                found.push(Discovered {
                    vector: vector.name.clone(),
                    index,
                    status,
                    gas_used: 0,
                    rounds: 0,
                    access_list: AccessListSpec::default(),
                    keys: AccessList::default(),
                    matches_declared: declared == AccessList::default(),
                });
                continue;
            }
            let simulation = runtime
                .simulate(&state, &case.env, &signed.tx)
                .with_context(context)?;
            state.apply(&simulation.outcome.writes);
            found.push(Discovered {
                vector: vector.name.clone(),
                index,
                status: simulation.outcome.receipt.status,
                gas_used: simulation.outcome.receipt.gas_used,
                rounds: simulation.rounds,
                access_list: render(&case, &simulation.access_list),
                matches_declared: declared == simulation.access_list,
                keys: simulation.access_list,
            });
        }
    }
    Ok(found)
}

/// `list` in the vector format: contracts by name (or `0x` address, the system namespace
/// included), key bytes in the readable forms `fill` writes.
fn render(case: &Case, list: &AccessList) -> AccessListSpec {
    let contract = |address: &Address| -> String {
        case.names
            .iter()
            .find(|(a, is_contract, _)| *is_contract && a == address)
            .map_or_else(|| format!("0x{address}"), |(_, _, name)| name.clone())
    };
    let key = |key: &Key| KeyRef {
        contract: contract(&key.contract),
        key: Bytes::render(&key.bytes, &case.names),
    };
    AccessListSpec {
        reads: list.reads.iter().map(key).collect(),
        writes: list.writes.iter().map(key).collect(),
    }
}

/// `"access_list": {...}` as `fill` would write it in a transaction, one line per item,
/// to paste into a vector file.
fn access_list_field(list: &AccessListSpec) -> Vec<String> {
    let text = crate::vectors::json::to_string(&json!({ "access_list": list }));
    let text = text.trim_end();
    let lines: Vec<&str> = text.lines().collect();
    if let [line] = lines.as_slice() {
        // It fits on one line: `{"access_list": {...}}`.
        let inner = line.strip_prefix('{').and_then(|l| l.strip_suffix('}'));
        return vec![inner.unwrap_or(line).to_string()];
    }
    // `{`, the field's lines indented by two, `}`.
    lines[1..lines.len() - 1]
        .iter()
        .map(|line| line.strip_prefix("  ").unwrap_or(line).to_string())
        .collect()
}

/// Runs `keyway simulate`.
pub fn run(args: &SimulateArgs) -> anyhow::Result<ExitCode> {
    let found = simulate_file(&args.file)?;
    if args.json {
        let items: Vec<_> = found
            .iter()
            .map(|d| {
                json!({
                    "vector": d.vector,
                    "tx": d.index,
                    "status": d.status.to_string(),
                    "gas_used": d.gas_used,
                    "rounds": d.rounds,
                    "matches_declared": d.matches_declared,
                    "access_list": d.access_list,
                })
            })
            .collect();
        crate::say!(
            "{}",
            crate::vectors::json::to_string(&json!(items)).trim_end()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let mut current: Option<&str> = None;
    for d in &found {
        if current != Some(d.vector.as_str()) {
            crate::say!("{}:", d.vector);
            current = Some(&d.vector);
        }
        let declared = if d.matches_declared {
            "the file declares this list"
        } else {
            "differs from the file's list"
        };
        crate::say!(
            "  tx[{}] {} gas_used={} rounds={} ({declared})",
            d.index,
            d.status,
            d.gas_used,
            d.rounds
        );
        for line in access_list_field(&d.access_list) {
            crate::say!("    {line}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use keyway_host_api::{AccessList, Address, Key, Status, system};

    use super::*;

    fn fixture(name: &str) -> String {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/vectors/wat")
            .join(name);
        serde_json::to_string(&path.display().to_string()).unwrap()
    }

    /// A relay calling the callee's `put` (which writes key "k"), then a second
    /// transaction reading "k" through the relay.
    fn write_vector(dir: &Path) -> PathBuf {
        let text = format!(
            r#"{{
  "format": "keyway-vectors/1",
  "vectors": [{{
    "name": "relay_put",
    "description": "discovery across a nested call",
    "pre": {{
      "accounts": {{"alice": {{}}}},
      "contracts": [{{"name": "relay", "code": {relay}}}, {{"name": "callee", "code": {callee}}}]
    }},
    "transactions": [
      {{
        "signer": "alice",
        "call": {{"contract": "relay", "method": "relay", "args": [
          {{"contract": "callee"}}, {{"u32": 0}}, {{"u64": 18446744073709551615}},
          {{"u32": 3}}, {{"utf8": "put"}}, {{"u8": 1}}, {{"utf8": "k"}}, {{"utf8": "v"}}]}},
        "access_list": {{"writes": [{{"contract": "relay", "key": {{"utf8": "r"}}}}]}}
      }},
      {{
        "signer": "alice",
        "call": {{"contract": "relay", "method": "relay", "args": [
          {{"contract": "callee"}}, {{"u32": 0}}, {{"u64": 18446744073709551615}},
          {{"u32": 3}}, {{"utf8": "get"}}, {{"utf8": "k"}}]}},
        "access_list": {{
          "reads": [{{"contract": "callee", "key": {{"utf8": "k"}}}}],
          "writes": [{{"contract": "relay", "key": {{"utf8": "r"}}}}]
        }}
      }},
      {{
        "signer": "alice",
        "call": {{"contract": "relay", "method": "relay", "args": [
          {{"contract": "callee"}}, {{"u32": 0}}, {{"u64": 18446744073709551615}},
          {{"u32": 7}}, {{"utf8": "nothing"}}]}}
      }}
    ]
  }}]
}}"#,
            relay = fixture("relay.wat"),
            callee = fixture("callee.wat"),
        );
        let path = dir.join("v.json");
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn discovery_lists_both_contracts_keys_and_later_transactions_see_earlier_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_vector(dir.path());
        let found = simulate_file(&path).unwrap();
        assert_eq!(found.len(), 3);
        let relay = crate::vectors::load::derived_contract_address("relay");
        let callee = crate::vectors::load::derived_contract_address("callee");

        // The relay's own key and the callee's, written: nothing declared was enough.
        assert_eq!(found[0].status, Status::Success);
        assert_eq!(found[0].rounds, 1);
        assert!(found[0].keys.reads.is_empty());
        let mut expected = AccessList {
            reads: vec![],
            writes: vec![Key::new(relay, *b"r"), Key::new(callee, *b"k")],
        };
        expected.normalize();
        assert_eq!(found[0].keys, expected);
        assert!(!found[0].matches_declared);
        // Rendered with the vector's names.
        let rendered: Vec<String> = found[0]
            .access_list
            .writes
            .iter()
            .map(|k| serde_json::to_string(k).unwrap())
            .collect();
        assert_eq!(rendered.len(), 2);
        assert!(rendered.contains(&r#"{"contract":"relay","key":{"utf8":"r"}}"#.to_string()));
        assert!(rendered.contains(&r#"{"contract":"callee","key":{"utf8":"k"}}"#.to_string()));

        // The second transaction reads "k" (written by the first, applied before it) and
        // declares exactly what discovery finds.
        assert_eq!(found[1].status, Status::Success);
        assert_eq!(found[1].keys.reads, vec![Key::new(callee, *b"k")]);
        assert_eq!(found[1].keys.writes, vec![Key::new(relay, *b"r")]);
        assert!(found[1].matches_declared);

        // A callee that touches no storage is covered by its record, in the system
        // namespace, rendered as the 0x03 tag and the callee's name.
        assert_eq!(found[2].keys.reads, vec![system::contract_key(&callee)]);
        let text = serde_json::to_string(&found[2].access_list.reads).unwrap();
        assert_eq!(
            text,
            format!(
                r#"[{{"contract":"0x{}","key":["0x03",{{"contract":"callee"}}]}}]"#,
                Address::SYSTEM
            )
        );
    }

    #[test]
    fn printed_lists_are_the_files_access_list_field() {
        assert_eq!(
            access_list_field(&AccessListSpec::default()),
            vec![r#""access_list": {}"#.to_string()]
        );
        let one = KeyRef {
            contract: "relay".into(),
            key: Bytes::Utf8("r".into()),
        };
        let small = AccessListSpec {
            reads: vec![],
            writes: vec![one.clone()],
        };
        assert_eq!(
            access_list_field(&small),
            vec![r#""access_list": {"writes": [{"contract": "relay", "key": {"utf8": "r"}}]}"#]
        );
        let large = AccessListSpec {
            reads: vec![one.clone(); 3],
            writes: vec![one; 3],
        };
        let lines = access_list_field(&large);
        assert_eq!(lines[0], r#""access_list": {"#);
        assert_eq!(lines.last().unwrap(), "}");
        // The lines put together are the field of a transaction object.
        let text = format!("{{{}}}", lines.join("\n"));
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed["access_list"], serde_json::to_value(&large).unwrap());
    }

    #[test]
    fn bad_input_names_the_file_and_the_field() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_vector(dir.path());
        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replace(r#""signer": "alice""#, r#""signer": "alcie""#);
        std::fs::write(&path, text).unwrap();
        let error = format!("{:#}", simulate_file(&path).unwrap_err());
        assert!(error.contains("v.json"), "{error}");
        assert!(error.contains("transactions[0].signer"), "{error}");

        std::fs::write(&path, "{\"format\": \"keyway-vectors/1\", \"vectors\": 3}").unwrap();
        let error = format!("{:#}", simulate_file(&path).unwrap_err());
        assert!(
            error.contains("v.json") && error.contains("vectors"),
            "{error}"
        );
    }
}
