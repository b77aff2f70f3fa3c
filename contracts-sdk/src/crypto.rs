//! Cryptography the host computes (cheaper in gas than doing it in Wasm).

use crate::sys;

/// sha256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    sys::sha256(data)
}

/// True when `signature` (64-byte compact r ‖ s) over the 32-byte prehash `hash` is valid
/// for the 33-byte compressed secp256k1 `public_key`. High-s signatures do not verify.
pub fn secp256k1_verify(hash: &[u8; 32], signature: &[u8; 64], public_key: &[u8; 33]) -> bool {
    sys::secp256k1_verify(hash, signature, public_key)
}
