//! A deliberately contended counter, for benchmarking schedulers.
//!
//! Every [`increment`] writes the same storage key, so any two of them conflict and a
//! parallel scheduler must run them one after another: a block of increments is the worst
//! case for parallelism. [`increment_own`] does the same work on a counter of the sender's
//! own, so increments by different senders never conflict: the best case, at nearly the
//! same gas, for comparison.
//!
//! # Methods
//!
//! Arguments are the borsh encoding of the parameter tuple; return values are borsh.
//! A failing method reverts with a [`HotspotError`] code and changes nothing.
//!
//! | method | reads | writes |
//! | --- | --- | --- |
//! | `init()` (at instantiation) | | counter |
//! | `increment(by: u64) -> Result<u64, HotspotError>` | | counter |
//! | `get() -> u64` | counter | |
//! | `increment_own(by: u64) -> Result<u64, HotspotError>` | | own(sender) |
//! | `get_own(account) -> u64` | own(account) | |
//!
//! The increments return the counter's new value.
//!
//! # Storage layout
//!
//! Clients build access lists from these keys (all in the contract's namespace); [`keys`]
//! computes them with the very constants the contract uses.
//!
//! | what | key | value |
//! | --- | --- | --- |
//! | the shared counter | `b"counter"` | borsh `u64` (8 bytes, little-endian) |
//! | `a`'s own counter | `b"o"` ++ `a` (33 bytes) | borsh `u64`; absent means 0 |
//!
//! # Events
//!
//! [`Incremented`] (topic `b"incremented"`) and [`OwnIncremented`] (topic
//! `b"own_incremented"`), borsh-encoded.
#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

use borsh::{BorshDeserialize, BorshSerialize};
use keyway_sdk::{Address, ContractError, Event, Item, Map, emit_event, env, method};

/// The shared counter: the one hot key.
pub const COUNTER: Item<u64> = Item::new(b"counter");
/// Each account's own counter.
pub const OWN_COUNTERS: Map<Address, u64> = Map::new(b"o");

/// The exact storage keys, for building access lists.
pub mod keys {
    use alloc::vec::Vec;

    use keyway_sdk::Address;

    /// The shared counter's key: every `increment` writes it.
    pub const COUNTER: &[u8] = super::COUNTER.key();

    /// The key of `account`'s own counter.
    pub fn own(account: &Address) -> Vec<u8> {
        super::OWN_COUNTERS.key(account)
    }
}

/// Why a hotspot method reverted; the discriminant is the revert code.
#[derive(ContractError, Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum HotspotError {
    /// The counter would exceed `u64::MAX`.
    Overflow = 1,
}

/// `sender` added `by` to the shared counter, which is now `value`.
#[derive(BorshSerialize, BorshDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Incremented {
    /// Who incremented.
    pub sender: Address,
    /// The amount added.
    pub by: u64,
    /// The counter's new value.
    pub value: u64,
}

impl Event for Incremented {
    const TOPIC: &'static [u8] = b"incremented";
}

/// `sender` added `by` to its own counter, which is now `value`.
#[derive(BorshSerialize, BorshDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct OwnIncremented {
    /// Whose counter was incremented.
    pub sender: Address,
    /// The amount added.
    pub by: u64,
    /// The counter's new value.
    pub value: u64,
}

impl Event for OwnIncremented {
    const TOPIC: &'static [u8] = b"own_incremented";
}

/// Instantiation: stores the shared counter as 0.
///
/// Storing the zero (rather than leaving the key absent) makes every increment pay for
/// the same read and write, from the first one on.
#[method]
pub fn init() {
    COUNTER.set(&0);
}

/// Adds `by` to the shared counter and returns its new value.
#[method]
pub fn increment(by: u64) -> Result<u64, HotspotError> {
    let value = COUNTER
        .get_or_default()
        .checked_add(by)
        .ok_or(HotspotError::Overflow)?;
    COUNTER.set(&value);
    emit_event(&Incremented {
        sender: env::sender(),
        by,
        value,
    });
    Ok(value)
}

/// The shared counter.
#[method]
pub fn get() -> u64 {
    COUNTER.get_or_default()
}

/// Adds `by` to the sender's own counter and returns its new value.
#[method]
pub fn increment_own(by: u64) -> Result<u64, HotspotError> {
    let sender = env::sender();
    let value = OWN_COUNTERS
        .get_or_default(&sender)
        .checked_add(by)
        .ok_or(HotspotError::Overflow)?;
    OWN_COUNTERS.set(&sender, &value);
    emit_event(&OwnIncremented { sender, by, value });
    Ok(value)
}

/// `account`'s own counter.
#[method]
pub fn get_own(account: Address) -> u64 {
    OWN_COUNTERS.get_or_default(&account)
}

#[cfg(test)]
mod tests;

/// Client-side builders (native only): the transaction kind and the exact access list of
/// each call, from the same key constants the contract uses.
#[cfg(not(target_arch = "wasm32"))]
pub mod client {
    use alloc::vec;
    use alloc::vec::Vec;

    use keyway_sdk::client::{access, call, deploy_and_instantiate, encode, view};
    use keyway_sdk::host_api::TxKind;
    use keyway_sdk::{AccessList, Address};

    use super::keys;

    /// The two transactions that create a hotspot: deploy `code`, then instantiate it by
    /// `creator`, whose next nonce is `nonce`. Returns the contract's address with them
    /// (sign them with nonces `nonce` and `nonce + 1`).
    pub fn create(
        code: &[u8],
        creator: Address,
        nonce: u64,
    ) -> (Address, [(TxKind, AccessList); 2]) {
        deploy_and_instantiate(code, creator, nonce, init_args(), init_access)
    }

    /// `init`'s arguments (for `TxKind::Instantiate`): none.
    pub fn init_args() -> Vec<u8> {
        Vec::new()
    }

    /// What instantiating a hotspot at `hotspot` writes.
    pub fn init_access(hotspot: Address) -> AccessList {
        access(hotspot, vec![], vec![keys::COUNTER.to_vec()])
    }

    /// Adds `by` to the shared counter: the hot key is the one write.
    pub fn increment(hotspot: Address, by: u64) -> (TxKind, AccessList) {
        (
            call(hotspot, "increment", encode(by)),
            access(hotspot, vec![], vec![keys::COUNTER.to_vec()]),
        )
    }

    /// Reads the shared counter.
    pub fn get(hotspot: Address) -> (TxKind, AccessList) {
        view(hotspot, "get", Vec::new(), vec![keys::COUNTER.to_vec()])
    }

    /// `sender` adds `by` to its own counter.
    pub fn increment_own(hotspot: Address, sender: Address, by: u64) -> (TxKind, AccessList) {
        (
            call(hotspot, "increment_own", encode(by)),
            access(hotspot, vec![], vec![keys::own(&sender)]),
        )
    }

    /// Reads `account`'s own counter.
    pub fn get_own(hotspot: Address, account: Address) -> (TxKind, AccessList) {
        view(
            hotspot,
            "get_own",
            encode(account),
            vec![keys::own(&account)],
        )
    }
}
