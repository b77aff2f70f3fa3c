//! The system namespace ([`Address::SYSTEM`]): where the runtime keeps nonces, code and
//! contract records, and how addresses are derived. Contracts cannot reach it.

use alloc::vec::Vec;

use sha2::{Digest, Sha256};

use crate::types::{Address, Hash, Key, PublicKey};

const NONCE_TAG: u8 = 0x01;
const CODE_TAG: u8 = 0x02;
const CONTRACT_TAG: u8 = 0x03;
const CONTRACT_ADDRESS_DOMAIN: &[u8] = b"keyway/contract";

/// sha256 of `data`.
pub fn sha256(data: &[u8]) -> Hash {
    Sha256::digest(data).into()
}

/// An account's address: sha256 of its compressed public key.
pub fn address_of(public_key: &PublicKey) -> Address {
    Address(sha256(&public_key.0))
}

/// The address of the contract `creator` instantiates with its transaction `nonce`.
pub fn contract_address(creator: &Address, nonce: u64) -> Address {
    let mut hasher = Sha256::new();
    hasher.update(CONTRACT_ADDRESS_DOMAIN);
    hasher.update(creator.0);
    hasher.update(nonce.to_le_bytes());
    Address(hasher.finalize().into())
}

/// The bytes of a system key: a one-byte tag, then the 32-byte id.
fn tagged_bytes(tag: u8, id: &[u8; 32]) -> [u8; 33] {
    let mut bytes = [tag; 33];
    bytes[1..].copy_from_slice(id);
    bytes
}

// Not built on `tagged_bytes`: contracts link this, and their committed artifacts must
// rebuild byte-identical.
fn tagged(tag: u8, id: &[u8; 32]) -> Key {
    let mut bytes = Vec::with_capacity(33);
    bytes.push(tag);
    bytes.extend_from_slice(id);
    Key::new(Address::SYSTEM, bytes)
}

/// The bytes (in [`Address::SYSTEM`]) of [`nonce_key`], without allocating.
pub(crate) fn nonce_key_bytes(account: &Address) -> [u8; 33] {
    tagged_bytes(NONCE_TAG, &account.0)
}

/// The bytes (in [`Address::SYSTEM`]) of [`code_key`], without allocating.
pub(crate) fn code_key_bytes(code_hash: &Hash) -> [u8; 33] {
    tagged_bytes(CODE_TAG, code_hash)
}

/// The bytes (in [`Address::SYSTEM`]) of [`contract_key`], without allocating.
pub(crate) fn contract_key_bytes(contract: &Address) -> [u8; 33] {
    tagged_bytes(CONTRACT_TAG, &contract.0)
}

/// Whether `key` is some account's [`nonce_key`].
pub fn is_nonce_key(key: &Key) -> bool {
    // The tag first: most keys differ there, before 32 bytes of address are compared.
    key.bytes.len() == 33 && key.bytes[0] == NONCE_TAG && key.contract == Address::SYSTEM
}

/// Where an account's nonce lives (value: u64 little-endian; absent means 0).
pub fn nonce_key(account: &Address) -> Key {
    tagged(NONCE_TAG, &account.0)
}

/// Where deployed code lives (value: the Wasm bytes).
pub fn code_key(code_hash: &Hash) -> Key {
    tagged(CODE_TAG, code_hash)
}

/// Where a contract's record lives (value: its 32-byte code hash).
pub fn contract_key(contract: &Address) -> Key {
    tagged(CONTRACT_TAG, &contract.0)
}

/// Encodes a nonce as stored.
pub fn encode_nonce(nonce: u64) -> Vec<u8> {
    nonce.to_le_bytes().to_vec()
}

/// Decodes a stored nonce; `None` when the bytes are not 8 long.
pub fn decode_nonce(bytes: &[u8]) -> Option<u64> {
    Some(u64::from_le_bytes(bytes.try_into().ok()?))
}
