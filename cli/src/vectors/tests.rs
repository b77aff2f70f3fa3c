//! Loader, runner and fill behaviour.

use std::path::Path;

use keyway_host_api::{Status, system};
use keyway_runtime::Keypair;
use keyway_scheduler::{BlockOptions, execute_block};

use super::format::StatusSpec;
use super::*;

/// A probe contract: `echo` returns its input; `put` writes input under key "k".
const PROBE: &str = r#"(module
  (import "keyway" "input" (func $input (param i32 i32) (result i32)))
  (import "keyway" "set_return" (func $ret (param i32 i32)))
  (import "keyway" "storage_write" (func $write (param i32 i32 i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "k")
  (func (export "echo") (call $ret (i32.const 64) (call $input (i32.const 64) (i32.const 1024))))
  (func (export "put") (call $write (i32.const 0) (i32.const 1) (i32.const 64)
    (call $input (i32.const 64) (i32.const 1024)))))"#;

/// A file with one vector around `transactions` (JSON text) and the probe contract.
fn file_with(transactions: &str) -> String {
    format!(
        r#"{{
  "format": "keyway-vectors/1",
  "vectors": [{{
    "name": "v",
    "description": "test",
    "pre": {{
      "accounts": {{"alice": {{}}}},
      "contracts": [{{"name": "probe", "code": {{"wat": {}}}}}]
    }},
    "transactions": {transactions}
  }}]
}}"#,
        serde_json::to_string(PROBE).unwrap()
    )
}

fn parse_error(text: &str) -> String {
    format!("{:#}", parse_str(text).unwrap_err())
}

fn resolve_error(text: &str) -> String {
    let file = parse_str(text).unwrap();
    resolve(Path::new("."), "t::v", &file.vectors[0]).unwrap_err()
}

#[test]
fn unknown_fields_are_rejected_with_their_path() {
    let err = parse_error(&file_with(
        r#"[{"signer": "alice", "call": {"contract": "probe", "method": "echo"}, "gas": 5}]"#,
    ));
    assert!(err.contains("vectors[0].transactions[0]"), "{err}");
    assert!(err.contains("unknown field `gas`"), "{err}");
    assert!(err.contains("line"), "serde_json gives the position: {err}");

    let err = parse_error(&file_with(
        r#"[{"signer": "alice", "call": {"contract": "probe", "method": "echo"},
             "expect": {"status": "success", "gas": 1}}]"#,
    ));
    assert!(err.contains("vectors[0].transactions[0].expect"), "{err}");
    assert!(err.contains("unknown field `gas`"), "{err}");

    let err = parse_error(r#"{"format": "keyway-vectors/1", "vectors": [], "extra": 1}"#);
    assert!(err.contains("unknown field `extra`"), "{err}");
}

#[test]
fn bad_hex_names_the_field() {
    let err = parse_error(&file_with(
        r#"[{"signer": "alice", "call": {"contract": "probe", "method": "echo", "args": "0xabc"}}]"#,
    ));
    assert!(
        err.contains("vectors[0].transactions[0].call.args") && err.contains("bad hex"),
        "{err}"
    );
}

#[test]
fn unknown_status_and_bare_reverted_are_rejected() {
    let err = parse_error(&file_with(
        r#"[{"signer": "alice", "call": {"contract": "probe", "method": "echo"},
             "expect": {"status": "sucess"}}]"#,
    ));
    assert!(
        err.contains("transactions[0].expect.status") && err.contains("unknown status \"sucess\""),
        "{err}"
    );
    assert!(StatusSpec::parse("reverted").is_err());
    assert_eq!(
        StatusSpec::parse("reverted(3)"),
        Ok(Status::Reverted { code: 3 })
    );
    for status in Status::ALL {
        let text = match status {
            Status::Reverted { code } => format!("reverted({code})"),
            other => other.name().to_string(),
        };
        assert_eq!(StatusSpec::parse(&text), Ok(status), "{text}");
    }
}

#[test]
fn unsupported_version_and_duplicate_names_are_rejected() {
    let err = parse_error(r#"{"format": "keyway-vectors/2", "vectors": []}"#);
    assert!(err.contains("unsupported version"), "{err}");
    let text = r#"{"format": "keyway-vectors/1", "vectors": [
        {"name": "a", "description": "", "transactions": []},
        {"name": "a", "description": "", "transactions": []}]}"#;
    assert!(parse_error(text).contains("duplicate vector name"));
}

#[test]
fn unknown_names_are_errors_naming_the_field() {
    let err = resolve_error(&file_with(
        r#"[{"signer": "alcie", "call": {"contract": "probe", "method": "echo"}}]"#,
    ));
    assert!(
        err.contains("transactions[0].signer") && err.contains("unknown test key \"alcie\""),
        "{err}"
    );
    let err = resolve_error(&file_with(
        r#"[{"signer": "alice", "call": {"contract": "prob", "method": "echo"}}]"#,
    ));
    assert!(
        err.contains("transactions[0].call.contract") && err.contains("unknown contract"),
        "{err}"
    );
    let err = resolve_error(&file_with(
        r#"[{"signer": "alice", "call": {"contract": "probe", "method": "echo",
             "args": {"account": "bob"}}}]"#,
    ));
    assert!(err.contains("transactions[0].call.args"), "{err}");
    let err = resolve_error(&file_with(r#"[{"signer": "alice"}]"#));
    assert!(err.contains("exactly one of"), "{err}");
}

#[test]
fn missing_files_and_bad_wat_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.json");
    let err = format!("{:#}", parse_file(&missing).unwrap_err());
    assert!(err.contains("nope.json"), "{err}");

    std::fs::write(dir.path().join("broken.wat"), "(module (memory 1").unwrap();
    let text = r#"{"format": "keyway-vectors/1", "vectors": [{"name": "v", "description": "",
        "pre": {"contracts": [{"name": "c", "code": "broken.wat"}]}, "transactions": []}]}"#;
    let path = dir.path().join("v.json");
    std::fs::write(&path, text).unwrap();
    let file = parse_file(&path).unwrap();
    let err = resolve(dir.path(), "v", &file.vectors[0]).unwrap_err();
    assert!(
        err.contains("pre.contracts[0].code") && err.contains("broken.wat"),
        "{err}"
    );

    let err = format!(
        "{:#}",
        parse_str("{\"format\": \"keyway-vectors/1\",\n \"vectors\": [}").unwrap_err()
    );
    assert!(err.contains("line 2"), "{err}");
}

#[test]
fn nonces_are_tracked_past_certain_rejections_only() {
    let text = file_with(
        r#"[
        {"signer": "alice", "call": {"contract": "probe", "method": "echo"}},
        {"signer": "alice", "chain_id": 99, "call": {"contract": "probe", "method": "echo"}},
        {"signer": "alice", "signed_by": "alice", "signature": "0x00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000", "call": {"contract": "probe", "method": "echo"}},
        {"signer": "alice", "nonce": 7, "call": {"contract": "probe", "method": "echo"}},
        {"signer": "alice", "call": {"contract": "probe", "method": "echo"}}
    ]"#,
    );
    let file = parse_str(&text).unwrap();
    let case = resolve(Path::new("."), "t::v", &file.vectors[0]).unwrap();
    let nonces: Vec<u64> = case.block.iter().map(|t| t.tx.nonce).collect();
    assert_eq!(nonces, vec![0, 1, 1, 7, 1]);
    let alice = Keypair::from_seed(b"alice");
    assert_eq!(case.block[0].tx.sender, alice.public_key());
    assert_eq!(case.block[1].tx.chain_id, 99);
    assert!(keyway_runtime::verify(&case.block[0]).is_ok());
    assert!(keyway_runtime::verify(&case.block[2]).is_err());
}

#[test]
fn state_diff_hash_follows_its_definition() {
    let text = file_with(
        r#"[{"signer": "alice", "call": {"contract": "probe", "method": "put", "args": "0x01"},
             "access_list": {"writes": [{"contract": "probe", "key": {"utf8": "k"}}]}}]"#,
    );
    let file = parse_str(&text).unwrap();
    let case = resolve(Path::new("."), "t::v", &file.vectors[0]).unwrap();
    let runtime = runtime(2).unwrap();
    let outcome = execute_block(
        &runtime,
        &case.state,
        &case.env,
        &case.block,
        &BlockOptions::with_threads(2),
    )
    .unwrap();
    assert_eq!(outcome.state_diff.len(), 2, "the value and the nonce");
    // FORMAT.md: sha256 over borsh((key, value)) of each sorted entry, first 16 bytes.
    let mut hasher = <sha2::Sha256 as sha2::Digest>::new();
    for (key, value) in outcome.state_diff.iter() {
        sha2::Digest::update(&mut hasher, borsh::to_vec(&(key, value)).unwrap());
    }
    let expected = hex::encode(&sha2::Digest::finalize(hasher)[..16]);
    assert_eq!(state_diff_hash(&outcome.state_diff), expected);
    let executed = execute_sequential(&runtime, &case).unwrap();
    assert_eq!(executed.state_diff, outcome.state_diff);
}

#[test]
fn run_reports_each_wrong_field() {
    let text = file_with(
        r#"[{"signer": "alice", "call": {"contract": "probe", "method": "echo", "args": {"utf8": "hi"}},
             "expect": {"status": "reverted(1)", "return_data": {"utf8": "ho"}, "events": []}}]"#,
    );
    let file = parse_str(&text).unwrap();
    let case = resolve(Path::new("."), "t::v", &file.vectors[0]).unwrap();
    let (_, failures) = run_case(&runtime(4).unwrap(), &case, None);
    let lines: Vec<String> = failures.iter().map(ToString::to_string).collect();
    assert_eq!(
        lines,
        vec![
            "t::v: tx[0] receipt.status: expected reverted(1), got success",
            "t::v: tx[0] receipt.return_data: expected \"ho\", got \"hi\"",
        ]
    );
}

#[test]
fn fill_adds_missing_fields_and_refuses_to_overwrite_disagreeing_ones() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v.json");
    let runtime = runtime(4).unwrap();

    // A wrong expectation: reported, file untouched.
    let wrong = file_with(
        r#"[{"signer": "alice", "call": {"contract": "probe", "method": "echo", "args": {"utf8": "hi"}},
             "expect": {"gas_used": 1}}]"#,
    );
    std::fs::write(&path, &wrong).unwrap();
    let errors = fill_file(&runtime, &path, "v.json").unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("tx[0] receipt.gas_used: expected 1, got"),
        "{errors:?}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), wrong);

    // Nothing wrong: every missing field is filled, then the file is stable.
    let partial = file_with(
        r#"[{"signer": "alice", "call": {"contract": "probe", "method": "put", "args": {"utf8": "hi"}},
             "access_list": {"writes": [{"contract": "probe", "key": {"utf8": "k"}}]},
             "expect": {"status": "success"}}]"#,
    );
    std::fs::write(&path, &partial).unwrap();
    assert!(matches!(
        fill_file(&runtime, &path, "v.json"),
        Ok(Filled::Written(n)) if n > 0
    ));
    assert_eq!(fill_file(&runtime, &path, "v.json"), Ok(Filled::Unchanged));
    let filled = parse_file(&path).unwrap();
    let vector = &filled.vectors[0];
    let expect = vector.transactions[0].expect.as_ref().unwrap();
    assert!(expect.gas_used.is_some() && expect.events == Some(vec![]));
    let block = vector.expect.as_ref().unwrap();
    assert!(block.state_diff_hash.is_some());
    assert_eq!(block.nonces.as_ref().unwrap()["alice"], 1);
    let post = block.post.as_ref().unwrap();
    assert_eq!(post.len(), 1);
    assert_eq!(
        post[0].value,
        Some(Some(bytes::Bytes::Utf8("hi".into()))),
        "rendered readably"
    );
    let case = resolve(dir.path(), "v", vector).unwrap();
    assert!(run_case(&runtime, &case, None).1.is_empty());
    let key = keyway_host_api::Key::new(load::derived_contract_address("probe"), *b"k");
    assert_eq!(case.post, vec![(key, Some(Some(b"hi".to_vec())))]);
}

#[test]
fn post_value_null_means_absent_and_missing_means_unchecked() {
    let text = r#"{"format": "keyway-vectors/1", "vectors": [{"name": "v", "description": "",
        "pre": {"contracts": [{"name": "c", "code": {"wat": "(module (memory (export \"memory\") 1))"}}],
                "storage": [{"contract": "c", "key": "0x01", "value": "0x02"}]},
        "transactions": [],
        "expect": {"post": [
            {"contract": "c", "key": "0x01"},
            {"contract": "c", "key": "0x03", "value": null},
            {"contract": "c", "key": "0x01", "value": "0x02"}]}}]}"#;
    let file = parse_str(text).unwrap();
    let post = file.vectors[0]
        .expect
        .as_ref()
        .unwrap()
        .post
        .as_ref()
        .unwrap();
    assert_eq!(post[0].value, None);
    assert_eq!(post[1].value, Some(None));
    let again = parse_str(&fill::to_text(&file)).unwrap();
    assert_eq!(again, file, "null and missing survive a rewrite");
    let case = resolve(Path::new("."), "v", &file.vectors[0]).unwrap();
    let runtime = runtime(4).unwrap();
    assert!(run_case(&runtime, &case, None).1.is_empty());
    // The code and contract record are in the pre-state.
    let address = load::derived_contract_address("c");
    assert!(case.state.value(&system::contract_key(&address)).is_some());
}

#[test]
fn collect_files_recurses_in_sorted_order() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("b")).unwrap();
    for name in ["b/z.json", "a.json", "b/a.json", "notes.md"] {
        std::fs::write(dir.path().join(name), "").unwrap();
    }
    let files = collect_files(&[dir.path().to_path_buf()]).unwrap();
    let names: Vec<String> = files
        .iter()
        .map(|p| {
            p.strip_prefix(dir.path())
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(names, vec!["a.json", "b/a.json", "b/z.json"]);
    assert!(collect_files(&[dir.path().join("missing")]).is_err());
}
