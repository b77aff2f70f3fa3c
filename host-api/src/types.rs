//! Types shared by contracts, the runtime, the scheduler and clients, with their borsh
//! encodings (which are part of consensus: the transaction signature covers them).

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use borsh::io::{Error as IoError, ErrorKind, Read, Write};
use borsh::{BorshDeserialize, BorshSerialize};

/// A 32-byte sha256 digest.
pub type Hash = [u8; 32];

/// A 32-byte account or contract address.
#[derive(
    Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, BorshSerialize, BorshDeserialize,
)]
pub struct Address(pub [u8; 32]);

impl Address {
    /// The system namespace: nonces, code and contract records live under it. No account
    /// or contract can have this address (it would need a sha256 preimage of zero).
    pub const SYSTEM: Address = Address([0; 32]);

    /// The raw bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Debug for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Address({self})")
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

/// A compressed (33-byte) secp256k1 public key.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, BorshSerialize, BorshDeserialize)]
pub struct PublicKey(pub [u8; 33]);

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PublicKey(")?;
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        f.write_str(")")
    }
}

/// A 64-byte compact ECDSA signature (r ‖ s, low-s).
#[derive(Clone, Copy, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Signature(pub [u8; 64]);

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Signature(")?;
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        f.write_str(")")
    }
}

/// A storage key: bytes inside one contract's namespace.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, BorshSerialize, BorshDeserialize)]
pub struct Key {
    /// The contract whose storage the key belongs to.
    pub contract: Address,
    /// The key inside that contract's storage.
    pub bytes: Vec<u8>,
}

impl Key {
    /// A key in `contract`'s storage.
    pub fn new(contract: Address, bytes: impl Into<Vec<u8>>) -> Self {
        Key {
            contract,
            bytes: bytes.into(),
        }
    }

    /// Compares with a borrowed (contract, bytes) pair without allocating.
    pub fn cmp_parts(&self, contract: &Address, bytes: &[u8]) -> core::cmp::Ordering {
        (&self.contract, self.bytes.as_slice()).cmp(&(contract, bytes))
    }
}

/// The keys a transaction declares up front. A read is allowed on `reads ∪ writes`, a
/// write only on `writes`; anything else ends the transaction.
#[derive(Clone, Default, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize)]
pub struct AccessList {
    /// Keys the transaction may read.
    pub reads: Vec<Key>,
    /// Keys the transaction may read and write.
    pub writes: Vec<Key>,
}

impl AccessList {
    /// Number of declared entries (reads + writes).
    pub fn len(&self) -> usize {
        self.reads.len() + self.writes.len()
    }

    /// True when nothing is declared.
    pub fn is_empty(&self) -> bool {
        self.reads.is_empty() && self.writes.is_empty()
    }

    /// Sorts and deduplicates both lists and drops reads that are also writes: the
    /// canonical form clients should sign (the runtime accepts any form).
    pub fn normalize(&mut self) {
        self.writes.sort();
        self.writes.dedup();
        self.reads.sort();
        self.reads.dedup();
        let writes = &self.writes;
        self.reads.retain(|k| writes.binary_search(k).is_err());
    }

    /// Adds `more`'s keys and normalizes the result (see [`AccessList::normalize`]).
    pub fn merge(&mut self, more: AccessList) {
        self.reads.extend(more.reads);
        self.writes.extend(more.writes);
        self.normalize();
    }

    /// The distinct contracts with a declared key, in ascending order.
    pub fn namespaces(&self) -> Vec<Address> {
        let mut contracts: Vec<Address> = Vec::new();
        for key in self.reads.iter().chain(&self.writes) {
            // Lists usually name one or two contracts: a scan beats sorting every key.
            if let Err(at) = contracts.binary_search(&key.contract) {
                contracts.insert(at, key.contract);
            }
        }
        contracts
    }

    /// True when `(contract, bytes)` may be read.
    pub fn allows_read(&self, contract: &Address, bytes: &[u8]) -> bool {
        contains(&self.reads, contract, bytes) || contains(&self.writes, contract, bytes)
    }

    /// True when `(contract, bytes)` may be written.
    pub fn allows_write(&self, contract: &Address, bytes: &[u8]) -> bool {
        contains(&self.writes, contract, bytes)
    }
}

/// Membership without allocating: binary search when the list is sorted (the canonical
/// form), a linear scan otherwise. Lists are bounded by the runtime's limits.
fn contains(keys: &[Key], contract: &Address, bytes: &[u8]) -> bool {
    let sorted = keys.windows(2).all(|w| w[0] <= w[1]);
    if sorted {
        keys.binary_search_by(|k| k.cmp_parts(contract, bytes))
            .is_ok()
    } else {
        keys.iter().any(|k| k.cmp_parts(contract, bytes).is_eq())
    }
}

/// What a transaction does.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize)]
pub enum TxKind {
    /// Stores Wasm code under its sha256 code hash (after validating it).
    Deploy {
        /// The Wasm module.
        code: Vec<u8>,
    },
    /// Creates a contract from deployed code at
    /// [`contract_address`](crate::system::contract_address)`(sender, nonce)` and calls
    /// its `init` export with `args`, if it has one.
    Instantiate {
        /// The code to instantiate.
        code_hash: Hash,
        /// Borsh-encoded arguments for `init`.
        args: Vec<u8>,
    },
    /// Calls `method` on `contract` with borsh-encoded `args`.
    Call {
        /// The contract to call.
        contract: Address,
        /// The exported method name.
        method: String,
        /// Borsh-encoded arguments.
        args: Vec<u8>,
    },
}

/// The signed body of a transaction.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize)]
pub struct Transaction {
    /// The chain the transaction is valid on.
    pub chain_id: u64,
    /// The sender's compressed public key; its sha256 is the sender's address.
    pub sender: PublicKey,
    /// Must equal the sender's current nonce; every executed transaction increments it.
    pub nonce: u64,
    /// What to do.
    pub kind: TxKind,
    /// The declared keys.
    pub access_list: AccessList,
    /// The most gas the transaction may use.
    pub gas_limit: u64,
}

impl Transaction {
    /// The borsh encoding of the body (what is signed).
    pub fn encode(&self) -> Vec<u8> {
        borsh::to_vec(self).expect("borsh encoding into a Vec cannot fail")
    }

    /// sha256 of the borsh-encoded body: the ECDSA prehash.
    pub fn signing_hash(&self) -> Hash {
        crate::system::sha256(&self.encode())
    }

    /// The sender's address: sha256 of the compressed public key.
    pub fn sender_address(&self) -> Address {
        crate::system::address_of(&self.sender)
    }

    /// Keys the runtime reads and writes on the transaction's behalf, beyond its access
    /// list. The scheduler adds them to the conflict graph.
    ///
    /// Besides the sender's nonce and the records the transaction itself names, the record
    /// of every contract with a key in the access list is read: a cross-contract call into
    /// such a contract needs it (ABI.md, "Cross-contract calls").
    pub fn implicit_access(&self) -> AccessList {
        self.implicit_access_of(&self.sender_address())
    }

    /// [`Transaction::implicit_access`] with the sender's address already derived (it is a
    /// sha256 of the public key), e.g. by signature verification.
    pub fn implicit_access_of(&self, sender: &Address) -> AccessList {
        use crate::system;
        let sender = *sender;
        let mut writes = alloc::vec![system::nonce_key(&sender)];
        let mut reads = Vec::new();
        let mut target = None;
        match &self.kind {
            TxKind::Deploy { code } => writes.push(system::code_key(&system::sha256(code))),
            TxKind::Instantiate { code_hash, .. } => {
                reads.push(system::code_key(code_hash));
                let created = system::contract_address(&sender, self.nonce);
                writes.push(system::contract_key(&created));
                target = Some(created);
            }
            TxKind::Call { contract, .. } => {
                reads.push(system::contract_key(contract));
                target = Some(*contract);
            }
        }
        for contract in self.access_list.namespaces() {
            if Some(contract) != target && contract != Address::SYSTEM {
                reads.push(system::contract_key(&contract));
            }
        }
        AccessList { reads, writes }
    }

    /// Calls `visit` with each key of [`Transaction::implicit_access_of`], without
    /// allocating: for schedulers that only hash the keys. (The two are written
    /// separately: building the list through this visitor changes how contracts that link
    /// this crate compile, and their committed artifacts must rebuild byte-identical. A
    /// test checks that they agree.)
    pub fn visit_implicit_access(
        &self,
        sender: &Address,
        mut visit: impl FnMut(Access, &Address, &[u8]),
    ) {
        use crate::system;
        visit(
            Access::Write,
            &Address::SYSTEM,
            &system::nonce_key_bytes(sender),
        );
        self.visit_implicit_records(|| *sender, visit);
    }

    /// Calls `visit` with each key of [`Transaction::visit_implicit_access`] but the
    /// sender's nonce: the code and contract records. `sender` is called only by an
    /// instantiation, whose new contract's address derives from it; a scheduler that tells
    /// senders apart by public key then needs no sha256 for other transactions.
    pub fn visit_implicit_records(
        &self,
        sender: impl FnOnce() -> Address,
        mut visit: impl FnMut(Access, &Address, &[u8]),
    ) {
        use crate::system;
        let sys = &Address::SYSTEM;
        let target = match &self.kind {
            TxKind::Deploy { code } => {
                visit(
                    Access::Write,
                    sys,
                    &system::code_key_bytes(&system::sha256(code)),
                );
                None
            }
            TxKind::Instantiate { code_hash, .. } => {
                visit(Access::Read, sys, &system::code_key_bytes(code_hash));
                let created = system::contract_address(&sender(), self.nonce);
                visit(Access::Write, sys, &system::contract_key_bytes(&created));
                Some(created)
            }
            TxKind::Call { contract, .. } => {
                visit(Access::Read, sys, &system::contract_key_bytes(contract));
                Some(*contract)
            }
        };
        // Each namespace once. Lists usually name one contract, key after key: the
        // previous key and the first contract answer most checks without allocating.
        let list = &self.access_list;
        let mut previous: Option<&Address> = None;
        let mut first: Option<&Address> = None;
        let mut others: Vec<Address> = Vec::new();
        for key in list.reads.iter().chain(&list.writes) {
            let contract = &key.contract;
            if previous == Some(contract) {
                continue;
            }
            previous = Some(contract);
            if Some(*contract) == target || *contract == Address::SYSTEM || first == Some(contract)
            {
                continue;
            }
            if first.is_none() {
                first = Some(contract);
            } else {
                match others.binary_search(contract) {
                    Ok(_) => continue,
                    Err(at) => others.insert(at, *contract),
                }
            }
            visit(Access::Read, sys, &system::contract_key_bytes(contract));
        }
    }

    /// Length of the borsh encoding of the body ([`Transaction::encode`]), computed
    /// without encoding it.
    pub fn encoded_len(&self) -> usize {
        // Borsh: integers and byte arrays are fixed-size, a `Vec` or `String` is a u32
        // length then its items, an enum a one-byte tag then its fields.
        let bytes = |b: &[u8]| 4 + b.len();
        let keys = |keys: &[Key]| 4 + keys.iter().map(|k| 32 + bytes(&k.bytes)).sum::<usize>();
        let kind = 1 + match &self.kind {
            TxKind::Deploy { code } => bytes(code),
            TxKind::Instantiate { args, .. } => 32 + bytes(args),
            TxKind::Call { method, args, .. } => 32 + bytes(method.as_bytes()) + bytes(args),
        };
        8 + 33 + 8 + kind + keys(&self.access_list.reads) + keys(&self.access_list.writes) + 8
    }
}

/// Whether a key is read or written.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Access {
    /// Read only.
    Read,
    /// Written (and maybe read).
    Write,
}

/// A transaction with the sender's signature over [`Transaction::signing_hash`].
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize)]
pub struct SignedTransaction {
    /// The signed body.
    pub tx: Transaction,
    /// ECDSA (secp256k1) over sha256 of the borsh-encoded body.
    pub signature: Signature,
}

/// The block a transaction executes in.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, BorshSerialize, BorshDeserialize)]
pub struct BlockEnv {
    /// Block height.
    pub height: u64,
    /// Block timestamp in seconds, as the block header says.
    pub time: u64,
    /// The chain id; transactions for another chain are rejected.
    pub chain_id: u64,
}

/// An event a contract emitted.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize)]
pub struct Event {
    /// The emitting contract.
    pub contract: Address,
    /// A short tag, e.g. `b"transfer"`.
    pub topic: Vec<u8>,
    /// Borsh-encoded payload.
    pub data: Vec<u8>,
}

/// The outcome of one transaction. Everything in it is deterministic: no host error text,
/// no timings.
#[derive(Clone, PartialEq, Eq, Debug, BorshSerialize, BorshDeserialize)]
pub struct Receipt {
    /// How the transaction ended.
    pub status: Status,
    /// Gas charged (intrinsic + execution); `gas_limit` when it ran out.
    pub gas_used: u64,
    /// Events, in emission order; empty unless `status` is `Success`.
    pub events: Vec<Event>,
    /// Return data on success, revert data on `Reverted`, the message on `Aborted`.
    pub return_data: Vec<u8>,
}

/// How a transaction ended. Each variant has a stable numeric code ([`Status::code`]),
/// which is also its borsh tag; new variants only ever get new codes.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
#[non_exhaustive]
pub enum Status {
    /// Executed; writes and events kept.
    Success,
    /// The contract returned an error with this contract-defined code.
    Reverted {
        /// The contract's error code.
        code: u32,
    },
    /// Gas ran out; `gas_used == gas_limit`.
    OutOfGas,
    /// The contract read a key outside `reads ∪ writes`.
    UndeclaredRead,
    /// The contract wrote a key outside `writes`.
    UndeclaredWrite,
    /// The Wasm trapped (unreachable, out-of-bounds access, stack overflow, ...).
    Trap,
    /// The contract called `abort` (e.g. a panic); the message is the return data.
    Aborted,
    /// The signature does not verify for the sender's key. Rejected: nothing changes.
    InvalidSignature,
    /// The nonce is not the sender's current nonce. Rejected: nothing changes.
    BadNonce,
    /// Deployed code failed validation.
    InvalidModule,
    /// The transaction is for another chain. Rejected: nothing changes.
    WrongChainId,
    /// No contract exists at the called address.
    UnknownContract,
    /// The contract does not export the called method.
    UnknownMethod,
    /// No code with the code hash to instantiate has been deployed.
    UnknownCode,
    /// A contract already exists at the address being instantiated.
    ContractExists,
    /// A host limit (key, value, event, return-data or access-list size, gas limit) was
    /// exceeded.
    LimitExceeded,
    /// A cross-contract call would re-enter a contract already on the call stack
    /// (A → B → A); the callee did not run.
    Reentrancy,
    /// A cross-contract call would exceed the call-depth limit; the callee did not run.
    CallDepthExceeded,
}

impl Status {
    /// Every status, in code order.
    pub const ALL: [Status; 18] = [
        Status::Success,
        Status::Reverted { code: 0 },
        Status::OutOfGas,
        Status::UndeclaredRead,
        Status::UndeclaredWrite,
        Status::Trap,
        Status::Aborted,
        Status::InvalidSignature,
        Status::BadNonce,
        Status::InvalidModule,
        Status::WrongChainId,
        Status::UnknownContract,
        Status::UnknownMethod,
        Status::UnknownCode,
        Status::ContractExists,
        Status::LimitExceeded,
        Status::Reentrancy,
        Status::CallDepthExceeded,
    ];

    /// The stable numeric code.
    pub const fn code(&self) -> u8 {
        match self {
            Status::Success => 0,
            Status::Reverted { .. } => 1,
            Status::OutOfGas => 2,
            Status::UndeclaredRead => 3,
            Status::UndeclaredWrite => 4,
            Status::Trap => 5,
            Status::Aborted => 6,
            Status::InvalidSignature => 7,
            Status::BadNonce => 8,
            Status::InvalidModule => 9,
            Status::WrongChainId => 10,
            Status::UnknownContract => 11,
            Status::UnknownMethod => 12,
            Status::UnknownCode => 13,
            Status::ContractExists => 14,
            Status::LimitExceeded => 15,
            Status::Reentrancy => 16,
            Status::CallDepthExceeded => 17,
        }
    }

    /// The status for a code (`Reverted` gets `contract_code`).
    pub const fn from_code(code: u8, contract_code: u32) -> Option<Status> {
        Some(match code {
            0 => Status::Success,
            1 => Status::Reverted {
                code: contract_code,
            },
            2 => Status::OutOfGas,
            3 => Status::UndeclaredRead,
            4 => Status::UndeclaredWrite,
            5 => Status::Trap,
            6 => Status::Aborted,
            7 => Status::InvalidSignature,
            8 => Status::BadNonce,
            9 => Status::InvalidModule,
            10 => Status::WrongChainId,
            11 => Status::UnknownContract,
            12 => Status::UnknownMethod,
            13 => Status::UnknownCode,
            14 => Status::ContractExists,
            15 => Status::LimitExceeded,
            16 => Status::Reentrancy,
            17 => Status::CallDepthExceeded,
            _ => return None,
        })
    }

    /// A stable snake_case name, for logs, JSON and vectors.
    pub const fn name(&self) -> &'static str {
        match self {
            Status::Success => "success",
            Status::Reverted { .. } => "reverted",
            Status::OutOfGas => "out_of_gas",
            Status::UndeclaredRead => "undeclared_read",
            Status::UndeclaredWrite => "undeclared_write",
            Status::Trap => "trap",
            Status::Aborted => "aborted",
            Status::InvalidSignature => "invalid_signature",
            Status::BadNonce => "bad_nonce",
            Status::InvalidModule => "invalid_module",
            Status::WrongChainId => "wrong_chain_id",
            Status::UnknownContract => "unknown_contract",
            Status::UnknownMethod => "unknown_method",
            Status::UnknownCode => "unknown_code",
            Status::ContractExists => "contract_exists",
            Status::LimitExceeded => "limit_exceeded",
            Status::Reentrancy => "reentrancy",
            Status::CallDepthExceeded => "call_depth_exceeded",
        }
    }

    /// True when the transaction was rejected before execution: its nonce does not
    /// advance and it changes nothing.
    pub const fn is_rejection(&self) -> bool {
        matches!(
            self,
            Status::InvalidSignature | Status::BadNonce | Status::WrongChainId
        )
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Status::Reverted { code } => write!(f, "reverted({code})"),
            other => f.write_str(other.name()),
        }
    }
}

impl BorshSerialize for Status {
    fn serialize<W: Write>(&self, writer: &mut W) -> borsh::io::Result<()> {
        writer.write_all(&[self.code()])?;
        if let Status::Reverted { code } = self {
            code.serialize(writer)?;
        }
        Ok(())
    }
}

impl BorshDeserialize for Status {
    fn deserialize_reader<R: Read>(reader: &mut R) -> borsh::io::Result<Self> {
        let tag = u8::deserialize_reader(reader)?;
        let contract_code = if tag == 1 {
            u32::deserialize_reader(reader)?
        } else {
            0
        };
        Status::from_code(tag, contract_code)
            .ok_or_else(|| IoError::new(ErrorKind::InvalidData, "unknown status code"))
    }
}
