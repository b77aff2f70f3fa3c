//! Loading vector files: parsing (strict), then resolving names, code and signatures into
//! a [`Case`] the runner executes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use keyway_host_api::{
    AccessList, Address, BlockEnv, Key, Signature, SignedTransaction, Status, Transaction, TxKind,
    system,
};
use keyway_runtime::{InMemoryState, Keypair, Limits, check_wasm};

use super::bytes::{Bytes, Names, parse_address};
use super::format::{
    AccessListSpec, CodeSource, EventExpect, FORMAT_VERSION, KeyRef, ReceiptExpect, TxSpec, Vector,
    VectorFile,
};

/// The block environment's defaults.
pub const DEFAULT_ENV: BlockEnv = BlockEnv {
    height: 1,
    time: 1_700_000_000,
    chain_id: 7,
};
/// A transaction's default gas limit.
pub const DEFAULT_GAS_LIMIT: u64 = 10_000_000;
/// The thread counts a vector runs with unless it says otherwise.
pub const DEFAULT_THREAD_COUNTS: [usize; 3] = [1, 2, 4];
/// The domain of a pre-state contract's derived address.
pub const CONTRACT_ADDRESS_DOMAIN: &[u8] = b"keyway-vectors/contract:";

/// Reads and parses a vector file: strict JSON (unknown fields are errors), a supported
/// `format`, unique vector names. Errors name the file, the field path and the position.
pub fn parse_file(path: &Path) -> anyhow::Result<VectorFile> {
    let text = std::fs::read_to_string(path).with_context(|| format!("{}", path.display()))?;
    parse_str(&text).with_context(|| format!("{}", path.display()))
}

/// [`parse_file`] on text.
pub fn parse_str(text: &str) -> anyhow::Result<VectorFile> {
    let deserializer = &mut serde_json::Deserializer::from_str(text);
    let file: VectorFile = serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." {
            anyhow::anyhow!("{inner}")
        } else {
            anyhow::anyhow!("{path}: {inner}")
        }
    })?;
    if file.format != FORMAT_VERSION {
        bail!(
            "format: unsupported version {:?} (this keyway reads {FORMAT_VERSION:?})",
            file.format
        );
    }
    let mut seen = std::collections::BTreeSet::new();
    for (i, vector) in file.vectors.iter().enumerate() {
        if !seen.insert(vector.name.as_str()) {
            bail!("vectors[{i}].name: duplicate vector name {:?}", vector.name);
        }
    }
    Ok(file)
}

/// Every vector file under `paths`: a file is taken as is; a directory is searched
/// recursively for `*.json`, in sorted order.
pub fn collect_files(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).with_context(|| format!("{}", path.display()))?;
        if meta.is_dir() {
            let mut found = Vec::new();
            walk(path, &mut found)?;
            found.sort();
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    let entries = std::fs::read_dir(dir).with_context(|| format!("{}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("{}", dir.display()))?;
        let path = entry.path();
        if entry
            .file_type()
            .with_context(|| format!("{}", path.display()))?
            .is_dir()
        {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
    Ok(())
}

/// A vector resolved for execution: state, signed block and checks.
#[derive(Clone, Debug)]
pub struct Case {
    /// How failures name the vector (file label and vector name).
    pub id: String,
    /// The block environment.
    pub env: BlockEnv,
    /// The pre-state.
    pub state: InMemoryState,
    /// The signed block.
    pub block: Vec<SignedTransaction>,
    /// The expected receipt of each transaction.
    pub receipts: Vec<Option<ReceiptCheck>>,
    /// Expected state-diff hash.
    pub state_diff_hash: Option<String>,
    /// Expected post-state entries (`None` value: not checked; `Some(None)`: absent).
    pub post: Vec<(Key, Option<Option<Vec<u8>>>)>,
    /// Expected nonces (name as written, address, nonce).
    pub nonces: Vec<(String, Address, u64)>,
    /// Thread counts to execute the block with, each compared with sequential execution.
    pub thread_counts: Vec<usize>,
    /// Named addresses (address, is-contract, name), for rendering filled values.
    pub names: Vec<(Address, bool, String)>,
    /// Declared accounts (name as written, address), in name order.
    pub accounts: Vec<(String, Address)>,
}

/// A resolved receipt expectation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReceiptCheck {
    /// Status.
    pub status: Option<Status>,
    /// Gas used.
    pub gas_used: Option<u64>,
    /// Events (the whole list).
    pub events: Option<Vec<EventCheck>>,
    /// Return data.
    pub return_data: Option<Vec<u8>>,
}

/// A resolved event expectation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventCheck {
    /// Emitting contract.
    pub contract: Option<Address>,
    /// Topic.
    pub topic: Option<Vec<u8>>,
    /// Data.
    pub data: Option<Vec<u8>>,
}

/// The names a vector declares.
struct Scope {
    /// Declared accounts: address and, for named test keys, the key.
    accounts: BTreeMap<String, (Address, Option<Keypair>)>,
    contracts: BTreeMap<String, Address>,
}

impl Names for Scope {
    fn account(&self, name: &str) -> Result<Address, String> {
        if name.starts_with("0x") {
            return parse_address(name);
        }
        self.accounts
            .get(name)
            .map(|(address, _)| *address)
            .ok_or_else(|| format!("unknown test key {name:?} (declare it in pre.accounts)"))
    }

    fn contract(&self, name: &str) -> Result<Address, String> {
        if name.starts_with("0x") {
            return parse_address(name);
        }
        self.contracts.get(name).copied().ok_or_else(|| {
            format!("unknown contract {name:?} (name it in pre.contracts or instantiate.name)")
        })
    }
}

impl Scope {
    fn keypair(&self, name: &str) -> Result<&Keypair, String> {
        match self.accounts.get(name) {
            Some((_, Some(key))) => Ok(key),
            Some((_, None)) => Err(format!(
                "{name:?} is an address, not a test key: it cannot sign"
            )),
            None => Err(format!(
                "unknown test key {name:?} (declare it in pre.accounts)"
            )),
        }
    }
}

/// The address of a pre-state contract without an explicit one.
pub fn derived_contract_address(name: &str) -> Address {
    let mut data = CONTRACT_ADDRESS_DOMAIN.to_vec();
    data.extend_from_slice(name.as_bytes());
    Address(system::sha256(&data))
}

/// Loads a module: a path relative to `dir` (`.wat` is assembled), hex, or inline text.
pub fn load_code(dir: &Path, code: &CodeSource) -> Result<Vec<u8>, String> {
    match code {
        CodeSource::Hex(bytes) => Ok(bytes.clone()),
        CodeSource::Wat(text) => wat::parse_str(text).map_err(|e| format!("inline wat: {e}")),
        CodeSource::Path(relative) => {
            let path = dir.join(relative);
            if relative.ends_with(".wat") {
                wat::parse_file(&path).map_err(|e| format!("{}: {e}", path.display()))
            } else {
                std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))
            }
        }
    }
}

/// Prefixes an error with the field it is about.
fn at<T>(field: impl FnOnce() -> String, result: Result<T, String>) -> Result<T, String> {
    result.map_err(|e| format!("{}: {e}", field()))
}

/// Resolves `vector` (from a file in `dir`) into a [`Case`] named `id`. Errors name the
/// field (`transactions[2].call.contract: unknown contract "tokn" ...`).
pub fn resolve(dir: &Path, id: &str, vector: &Vector) -> Result<Case, String> {
    let env = vector.env.clone().unwrap_or_default();
    let env = BlockEnv {
        height: env.height.unwrap_or(DEFAULT_ENV.height),
        time: env.time.unwrap_or(DEFAULT_ENV.time),
        chain_id: env.chain_id.unwrap_or(DEFAULT_ENV.chain_id),
    };
    let thread_counts = match &vector.thread_counts {
        Some(counts) if counts.is_empty() || counts.contains(&0) => {
            return Err("thread_counts: every count must be at least 1, and one is needed".into());
        }
        Some(counts) => counts.clone(),
        None => DEFAULT_THREAD_COUNTS.to_vec(),
    };
    let mut state = InMemoryState::new();
    let mut scope = Scope {
        accounts: BTreeMap::new(),
        contracts: BTreeMap::new(),
    };
    let mut counters: BTreeMap<String, u64> = BTreeMap::new();

    for (name, account) in &vector.pre.accounts {
        let field = || format!("pre.accounts.{name}");
        let (address, key) = if name.starts_with("0x") {
            (at(field, parse_address(name))?, None)
        } else {
            let key = Keypair::from_seed(name.as_bytes());
            (key.address(), Some(key))
        };
        if let Some(nonce) = account.nonce {
            state.insert(system::nonce_key(&address), system::encode_nonce(nonce));
        }
        counters.insert(name.clone(), account.nonce.unwrap_or(0));
        scope.accounts.insert(name.clone(), (address, key));
    }

    let limits = Limits::default();
    for (i, contract) in vector.pre.contracts.iter().enumerate() {
        let field = |f: &str| format!("pre.contracts[{i}].{f}");
        let code = at(|| field("code"), load_code(dir, &contract.code))?;
        at(
            || field("code"),
            check_wasm(&code, &limits)
                .map(|_| ())
                .map_err(|e| format!("rejected by validation: {e}")),
        )?;
        let address = match &contract.address {
            Some(bytes) => {
                let bytes = at(|| field("address"), bytes.resolve(&scope))?;
                Address(at(
                    || field("address"),
                    bytes
                        .try_into()
                        .map_err(|b: Vec<u8>| format!("an address is 32 bytes, not {}", b.len())),
                )?)
            }
            None => derived_contract_address(&contract.name),
        };
        if scope
            .contracts
            .insert(contract.name.clone(), address)
            .is_some()
        {
            return Err(format!(
                "{}: duplicate contract name {:?}",
                field("name"),
                contract.name
            ));
        }
        let code_hash = system::sha256(&code);
        state.insert(system::code_key(&code_hash), code);
        state.insert(system::contract_key(&address), code_hash.to_vec());
    }

    // First pass: nonces and the names of instantiated contracts, so any transaction or
    // expectation may refer to a contract created later in the block.
    let mut nonces = Vec::with_capacity(vector.transactions.len());
    for (i, tx) in vector.transactions.iter().enumerate() {
        let field = |f: &str| format!("transactions[{i}].{f}");
        if tx.signed.is_some() {
            nonces.push(0);
            continue;
        }
        let signer = tx
            .signer
            .as_deref()
            .ok_or_else(|| format!("transactions[{i}]: needs `signer` (or `signed`)"))?;
        let key = at(|| field("signer"), scope.keypair(signer))?;
        let sender = key.address();
        let counter = counters
            .get_mut(signer)
            .expect("declared accounts have counters");
        let nonce = match tx.nonce {
            Some(nonce) => nonce,
            None => {
                let nonce = *counter;
                let rejected = tx.signature.is_some()
                    || tx.signed_by.as_ref().is_some_and(|other| other != signer)
                    || tx.chain_id.is_some_and(|c| c != env.chain_id);
                if !rejected {
                    *counter += 1;
                }
                nonce
            }
        };
        nonces.push(nonce);
        if let Some(name) = tx.instantiate.as_ref().and_then(|s| s.name.as_ref()) {
            let address = system::contract_address(&sender, nonce);
            if scope.contracts.insert(name.clone(), address).is_some() {
                return Err(format!(
                    "{}: duplicate contract name {name:?}",
                    field("instantiate.name")
                ));
            }
        }
    }

    for (i, entry) in vector.pre.storage.iter().enumerate() {
        let field = |f: &str| format!("pre.storage[{i}].{f}");
        let contract = at(|| field("contract"), scope.contract(&entry.contract))?;
        let key = at(|| field("key"), entry.key.resolve(&scope))?;
        let value = at(|| field("value"), entry.value.resolve(&scope))?;
        state.insert(Key::new(contract, key), value);
    }

    let mut block = Vec::with_capacity(vector.transactions.len());
    let mut receipts = Vec::with_capacity(vector.transactions.len());
    for (i, tx) in vector.transactions.iter().enumerate() {
        let prefix = format!("transactions[{i}]");
        block.push(build_tx(dir, &scope, &env, tx, nonces[i], &prefix)?);
        receipts.push(match &tx.expect {
            Some(expect) => Some(receipt_check(&scope, expect, &format!("{prefix}.expect"))?),
            None => None,
        });
    }

    let mut case = Case {
        id: id.to_string(),
        env,
        state,
        block,
        receipts,
        state_diff_hash: None,
        post: Vec::new(),
        nonces: Vec::new(),
        thread_counts,
        names: Vec::new(),
        accounts: Vec::new(),
    };
    if let Some(expect) = &vector.expect {
        if let Some(hash) = &expect.state_diff_hash {
            let valid = hash.len() == 32 && hash.bytes().all(|b| b.is_ascii_hexdigit());
            if !valid {
                return Err(format!(
                    "expect.state_diff_hash: expected 32 lowercase hex digits, found {hash:?}"
                ));
            }
            case.state_diff_hash = Some(hash.to_ascii_lowercase());
        }
        for (j, entry) in expect.post.iter().flatten().enumerate() {
            let field = |f: &str| format!("expect.post[{j}].{f}");
            let contract = at(|| field("contract"), scope.contract(&entry.contract))?;
            let key = at(|| field("key"), entry.key.resolve(&scope))?;
            let value = match &entry.value {
                None => None,
                Some(None) => Some(None),
                Some(Some(bytes)) => Some(Some(at(|| field("value"), bytes.resolve(&scope))?)),
            };
            case.post.push((Key::new(contract, key), value));
        }
        for (name, nonce) in expect.nonces.iter().flatten() {
            let address = at(|| format!("expect.nonces.{name}"), scope.account(name))?;
            case.nonces.push((name.clone(), address, *nonce));
        }
    }
    for (name, (address, _)) in &scope.accounts {
        if !name.starts_with("0x") {
            case.names.push((*address, false, name.clone()));
        }
        case.accounts.push((name.clone(), *address));
    }
    for (name, address) in &scope.contracts {
        case.names.push((*address, true, name.clone()));
    }
    Ok(case)
}

fn build_tx(
    dir: &Path,
    scope: &Scope,
    env: &BlockEnv,
    tx: &TxSpec,
    nonce: u64,
    prefix: &str,
) -> Result<SignedTransaction, String> {
    let field = |f: &str| format!("{prefix}.{f}");
    if let Some(signed) = &tx.signed {
        let others = [
            ("signer", tx.signer.is_some()),
            ("nonce", tx.nonce.is_some()),
            ("chain_id", tx.chain_id.is_some()),
            ("gas_limit", tx.gas_limit.is_some()),
            ("call", tx.call.is_some()),
            ("deploy", tx.deploy.is_some()),
            ("instantiate", tx.instantiate.is_some()),
            ("access_list", tx.access_list.is_some()),
            ("signature", tx.signature.is_some()),
            ("signed_by", tx.signed_by.is_some()),
        ];
        if let Some((name, _)) = others.iter().find(|(_, given)| *given) {
            return Err(format!(
                "{}: `signed` is a complete transaction; `{name}` cannot be given with it",
                field("signed")
            ));
        }
        let bytes = at(|| field("signed"), signed.resolve(scope))?;
        return at(
            || field("signed"),
            borsh::from_slice::<SignedTransaction>(&bytes)
                .map_err(|e| format!("not a borsh SignedTransaction: {e}")),
        );
    }
    let signer = tx.signer.as_deref().expect("checked in the first pass");
    let key = at(|| field("signer"), scope.keypair(signer))?;
    let kinds = [
        tx.call.is_some(),
        tx.deploy.is_some(),
        tx.instantiate.is_some(),
    ];
    if kinds.iter().filter(|k| **k).count() != 1 {
        return Err(format!(
            "{prefix}: needs exactly one of `call`, `deploy`, `instantiate` (or `signed`)"
        ));
    }
    let args = |bytes: &Option<Bytes>, f: &str| match bytes {
        Some(bytes) => at(|| field(f), bytes.resolve(scope)),
        None => Ok(Vec::new()),
    };
    let kind = if let Some(call) = &tx.call {
        TxKind::Call {
            contract: at(|| field("call.contract"), scope.contract(&call.contract))?,
            method: call.method.clone(),
            args: args(&call.args, "call.args")?,
        }
    } else if let Some(deploy) = &tx.deploy {
        TxKind::Deploy {
            code: at(|| field("deploy.code"), load_code(dir, &deploy.code))?,
        }
    } else {
        let spec = tx.instantiate.as_ref().expect("one kind");
        let code_hash = match (&spec.code, &spec.code_hash) {
            (Some(code), None) => {
                system::sha256(&at(|| field("instantiate.code"), load_code(dir, code))?)
            }
            (None, Some(hash)) => {
                let bytes = at(|| field("instantiate.code_hash"), hash.resolve(scope))?;
                at(
                    || field("instantiate.code_hash"),
                    bytes
                        .try_into()
                        .map_err(|b: Vec<u8>| format!("a code hash is 32 bytes, not {}", b.len())),
                )?
            }
            _ => {
                return Err(format!(
                    "{}: needs exactly one of `code` and `code_hash`",
                    field("instantiate")
                ));
            }
        };
        TxKind::Instantiate {
            code_hash,
            args: args(&spec.args, "instantiate.args")?,
        }
    };
    let access_list = match &tx.access_list {
        Some(spec) => access_list(scope, spec, &field("access_list"))?,
        None => AccessList::default(),
    };
    let body = Transaction {
        chain_id: tx.chain_id.unwrap_or(env.chain_id),
        sender: key.public_key(),
        nonce,
        kind,
        access_list,
        gas_limit: tx.gas_limit.unwrap_or(DEFAULT_GAS_LIMIT),
    };
    let mut signed = match &tx.signed_by {
        Some(other) => {
            let other = at(|| field("signed_by"), scope.keypair(other))?;
            let signature = other.sign_prehash(&body.signing_hash());
            SignedTransaction {
                tx: body,
                signature,
            }
        }
        None => key.sign(body),
    };
    if let Some(signature) = &tx.signature {
        let bytes = at(|| field("signature"), signature.resolve(scope))?;
        signed.signature = Signature(at(
            || field("signature"),
            bytes
                .try_into()
                .map_err(|b: Vec<u8>| format!("a signature is 64 bytes, not {}", b.len())),
        )?);
    }
    Ok(signed)
}

fn access_list(scope: &Scope, spec: &AccessListSpec, prefix: &str) -> Result<AccessList, String> {
    let keys = |refs: &[KeyRef], list: &str| -> Result<Vec<Key>, String> {
        refs.iter()
            .enumerate()
            .map(|(j, r)| {
                let field = |f: &str| format!("{prefix}.{list}[{j}].{f}");
                let contract = at(|| field("contract"), scope.contract(&r.contract))?;
                let bytes = at(|| field("key"), r.key.resolve(scope))?;
                Ok(Key::new(contract, bytes))
            })
            .collect()
    };
    Ok(AccessList {
        reads: keys(&spec.reads, "reads")?,
        writes: keys(&spec.writes, "writes")?,
    })
}

fn receipt_check(
    scope: &Scope,
    expect: &ReceiptExpect,
    prefix: &str,
) -> Result<ReceiptCheck, String> {
    let field = |f: &str| format!("{prefix}.{f}");
    let events = match &expect.events {
        None => None,
        Some(events) => Some(
            events
                .iter()
                .enumerate()
                .map(|(j, e)| event_check(scope, e, &field(&format!("events[{j}]"))))
                .collect::<Result<Vec<_>, String>>()?,
        ),
    };
    Ok(ReceiptCheck {
        status: expect.status.map(|s| s.0),
        gas_used: expect.gas_used,
        events,
        return_data: match &expect.return_data {
            Some(bytes) => Some(at(|| field("return_data"), bytes.resolve(scope))?),
            None => None,
        },
    })
}

fn event_check(scope: &Scope, expect: &EventExpect, prefix: &str) -> Result<EventCheck, String> {
    let field = |f: &str| format!("{prefix}.{f}");
    Ok(EventCheck {
        contract: match &expect.contract {
            Some(name) => Some(at(|| field("contract"), scope.contract(name))?),
            None => None,
        },
        topic: match &expect.topic {
            Some(bytes) => Some(at(|| field("topic"), bytes.resolve(scope))?),
            None => None,
        },
        data: match &expect.data {
            Some(bytes) => Some(at(|| field("data"), bytes.resolve(scope))?),
            None => None,
        },
    })
}
