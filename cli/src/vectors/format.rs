//! The vector file format, version 1, as serde types (`tests/vectors/FORMAT.md` is the
//! prose reference). Every struct rejects unknown fields; every expectation is optional.

use std::collections::BTreeMap;
use std::fmt;

use keyway_host_api::Status;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::bytes::Bytes;

/// The value of a file's `format` field that this version reads.
pub const FORMAT_VERSION: &str = "keyway-vectors/1";

/// A vector file: a format version and one or more vectors.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct VectorFile {
    /// Must be [`FORMAT_VERSION`].
    pub format: String,
    /// The vectors, run in order.
    pub vectors: Vec<Vector>,
}

/// One test vector: a pre-state, a block environment, a block of transactions and what
/// executing it must produce.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Vector {
    /// Unique within the file; with the file's path it names the test.
    pub name: String,
    /// What the vector checks, for people.
    pub description: String,
    /// The block environment (defaults: height 1, time 1,700,000,000, chain id 7).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<EnvSpec>,
    /// Worker-thread counts the block is executed with, each compared with sequential
    /// execution (default `[1, 2, 4]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_counts: Option<Vec<usize>>,
    /// The state before the block.
    #[serde(default, skip_serializing_if = "PreState::is_empty")]
    pub pre: PreState,
    /// The block, in order.
    pub transactions: Vec<TxSpec>,
    /// Expectations on the block as a whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<BlockExpect>,
}

/// The block environment; absent fields take the defaults.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EnvSpec {
    /// Block height (default 1).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u64>,
    /// Block time in seconds (default 1,700,000,000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<u64>,
    /// Chain id (default 7).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain_id: Option<u64>,
}

/// The state before the block.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PreState {
    /// Accounts by test-key name (or `0x` address). Only declared names may sign or be
    /// referred to with `{"account": ...}`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub accounts: BTreeMap<String, AccountSpec>,
    /// Contracts installed directly in state (code and record; `init` does not run).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contracts: Vec<ContractSpec>,
    /// Storage entries of contracts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub storage: Vec<StorageEntry>,
}

impl PreState {
    /// True when nothing is declared.
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty() && self.contracts.is_empty() && self.storage.is_empty()
    }
}

/// An account in the pre-state.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AccountSpec {
    /// The account's nonce; when given it is stored (absent means 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<u64>,
}

/// A contract installed in the pre-state.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ContractSpec {
    /// The name transactions and expectations use for it.
    pub name: String,
    /// Its Wasm code.
    pub code: CodeSource,
    /// Its address (default: sha256 of `"keyway-vectors/contract:" ‖ name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Bytes>,
}

/// A storage entry of a contract, in the pre-state.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StorageEntry {
    /// The contract (name or `0x` address).
    pub contract: String,
    /// The key bytes.
    pub key: Bytes,
    /// The value bytes.
    pub value: Bytes,
}

/// Where Wasm code comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CodeSource {
    /// `"path/to/file.wasm"` or `.wat`, relative to the vector file.
    Path(String),
    /// `"0x..."`: the module bytes in hex.
    Hex(Vec<u8>),
    /// `{"wat": "(module ...)"}`: inline WebAssembly text.
    Wat(String),
}

impl Serialize for CodeSource {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            CodeSource::Path(path) => serializer.serialize_str(path),
            CodeSource::Hex(bytes) => {
                serializer.serialize_str(&format!("0x{}", hex::encode(bytes)))
            }
            CodeSource::Wat(text) => {
                let mut map = BTreeMap::new();
                map.insert("wat", text);
                map.serialize(serializer)
            }
        }
    }
}

impl<'de> Deserialize<'de> for CodeSource {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CodeSource;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("code: a path (.wasm or .wat), \"0x...\" hex, or {\"wat\": \"...\"}")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<CodeSource, E> {
                if text.starts_with("0x") {
                    super::bytes::parse_hex(text)
                        .map(CodeSource::Hex)
                        .map_err(E::custom)
                } else if text.ends_with(".wasm") || text.ends_with(".wat") {
                    Ok(CodeSource::Path(text.to_string()))
                } else {
                    Err(E::custom(format!(
                        "code path {text:?} must end in .wasm or .wat (or be 0x hex)"
                    )))
                }
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<CodeSource, A::Error> {
                let key: Option<String> = map.next_key()?;
                match key.as_deref() {
                    Some("wat") => {}
                    Some(other) => return Err(de::Error::unknown_field(other, &["wat"])),
                    None => return Err(de::Error::missing_field("wat")),
                }
                let text: String = map.next_value()?;
                if let Some(extra) = map.next_key::<String>()? {
                    return Err(de::Error::unknown_field(&extra, &["wat"]));
                }
                Ok(CodeSource::Wat(text))
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// One transaction of the block: built from a named test key and signed at load time, or
/// given fully signed.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TxSpec {
    /// A note for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The test key that sends and signs (declared in `pre.accounts`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer: Option<String>,
    /// The nonce (default: the signer's tracked next nonce).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<u64>,
    /// The chain id signed (default: the block's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain_id: Option<u64>,
    /// The gas limit (default 10,000,000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gas_limit: Option<u64>,
    /// A `Call`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call: Option<CallSpec>,
    /// A `Deploy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deploy: Option<DeploySpec>,
    /// An `Instantiate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instantiate: Option<InstantiateSpec>,
    /// The declared keys (default: none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_list: Option<AccessListSpec>,
    /// Replaces the signature with these 64 bytes (negative vectors).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<Bytes>,
    /// Signs with this test key instead of the signer's (negative vectors).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_by: Option<String>,
    /// A fully signed transaction: hex of the borsh `SignedTransaction`. Excludes every
    /// field above except `note`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed: Option<Bytes>,
    /// The expected receipt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect: Option<ReceiptExpect>,
}

/// `TxKind::Call`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CallSpec {
    /// The contract (name or `0x` address).
    pub contract: String,
    /// The method.
    pub method: String,
    /// The input (default empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args: Option<Bytes>,
}

/// `TxKind::Deploy`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DeploySpec {
    /// The module to deploy.
    pub code: CodeSource,
}

/// `TxKind::Instantiate`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct InstantiateSpec {
    /// The code whose hash to instantiate (exactly one of `code` and `code_hash`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<CodeSource>,
    /// The 32-byte code hash to instantiate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_hash: Option<Bytes>,
    /// `init`'s input (default empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub args: Option<Bytes>,
    /// Names the created contract (its derived address) for later use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// The declared keys.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AccessListSpec {
    /// Keys the transaction may read.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reads: Vec<KeyRef>,
    /// Keys the transaction may read and write.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub writes: Vec<KeyRef>,
}

/// A storage key: a contract and key bytes.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct KeyRef {
    /// The contract (name or `0x` address).
    pub contract: String,
    /// The key bytes.
    pub key: Bytes,
}

/// The expected receipt of one transaction; absent fields are not checked.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ReceiptExpect {
    /// `"success"`, `"reverted(CODE)"`, `"out_of_gas"`, ... (`Status`'s Display).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusSpec>,
    /// Gas used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gas_used: Option<u64>,
    /// The events, all of them, in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<Vec<EventExpect>>,
    /// The return data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_data: Option<Bytes>,
}

/// An expected event; absent fields are not checked.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct EventExpect {
    /// The emitting contract (name or `0x` address).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract: Option<String>,
    /// The topic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<Bytes>,
    /// The data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Bytes>,
}

/// Expectations on the block as a whole; absent fields are not checked.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BlockExpect {
    /// The state-diff hash (FORMAT.md, "State-diff hash").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_diff_hash: Option<String>,
    /// Storage entries after the block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post: Option<Vec<PostEntry>>,
    /// Nonces after the block, by account name (or `0x` address).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonces: Option<BTreeMap<String, u64>>,
}

/// A storage entry after the block.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PostEntry {
    /// The contract (name or `0x` address).
    pub contract: String,
    /// The key bytes.
    pub key: Bytes,
    /// The value; `null` means absent; a missing `value` is not checked (`fill` adds it).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub value: Option<Option<Bytes>>,
}

/// Tells a field given as `null` (`Some(None)`) from a missing one (`None`).
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Option<Bytes>>, D::Error> {
    Option::<Bytes>::deserialize(deserializer).map(Some)
}

/// A receipt status as written in vectors: [`Status::name`], or `reverted(CODE)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatusSpec(pub Status);

impl StatusSpec {
    /// Parses `success`, `reverted(3)`, ...
    pub fn parse(text: &str) -> Result<Status, String> {
        if let Some(code) = text
            .strip_prefix("reverted(")
            .and_then(|rest| rest.strip_suffix(')'))
        {
            return code
                .parse()
                .map(|code| Status::Reverted { code })
                .map_err(|e| format!("bad revert code in {text:?}: {e}"));
        }
        if text == "reverted" {
            return Err("write a revert as \"reverted(CODE)\"".into());
        }
        Status::ALL
            .iter()
            .find(|s| s.name() == text)
            .copied()
            .ok_or_else(|| {
                let names: Vec<String> = Status::ALL
                    .iter()
                    .map(|s| match s {
                        Status::Reverted { .. } => "reverted(CODE)".to_string(),
                        s => s.name().to_string(),
                    })
                    .collect();
                format!(
                    "unknown status {text:?}; expected one of {}",
                    names.join(", ")
                )
            })
    }
}

impl Serialize for StatusSpec {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0.to_string())
    }
}

impl<'de> Deserialize<'de> for StatusSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        StatusSpec::parse(&text)
            .map(StatusSpec)
            .map_err(de::Error::custom)
    }
}
