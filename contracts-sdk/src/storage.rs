//! The contract's storage: raw byte keys and values, plus typed [`Item`] and [`Map`].
//!
//! Keys are exactly the bytes given (the host namespaces them by contract address), so a
//! client can compute every key a call touches and declare it in the transaction's access
//! list: a read outside `reads ∪ writes` ends the call as `UndeclaredRead`, a write or
//! remove outside `writes` as `UndeclaredWrite`.
//!
//! Typed values are borsh-encoded. Give every `Item` key and `Map` prefix a distinct
//! first byte (or otherwise make sure no key is a prefix of another's keys) so that two
//! collections can never produce the same storage key.

use alloc::vec;
use alloc::vec::Vec;
use core::any::type_name;
use core::marker::PhantomData;

use borsh::{BorshDeserialize, BorshSerialize};

use crate::env::{STACK_BUFFER, abort, abort_with};
use crate::sys;

/// Reads the value under `key`, or `None` when absent.
pub fn read(key: &[u8]) -> Option<Vec<u8>> {
    let mut stack = [0u8; STACK_BUFFER];
    let mut heap = Vec::new();
    let len = read_raw(key, &mut stack, &mut heap)?.len();
    if heap.is_empty() {
        Some(stack[..len].to_vec())
    } else {
        Some(heap)
    }
}

/// The value under `key`, in `stack` when it fits (no allocation: the typed collections
/// decode straight from it), otherwise read again into `heap`, sized exactly. Not generic,
/// so contracts carry one copy of it whatever their value types.
fn read_raw<'a>(
    key: &[u8],
    stack: &'a mut [u8; STACK_BUFFER],
    heap: &'a mut Vec<u8>,
) -> Option<&'a [u8]> {
    let len = sys::storage_read(key, stack)?;
    if len <= STACK_BUFFER {
        return Some(&stack[..len]);
    }
    *heap = vec![0u8; len];
    if sys::storage_read(key, heap) != Some(len) {
        // Only a misbehaving host gets here: nothing else runs between the two reads.
        abort("keyway-sdk: a stored value changed length between two reads");
    }
    Some(heap)
}

/// Reads and decodes the value under `key`; `collection` names the type for the abort
/// message when the bytes do not decode.
fn read_typed<T: BorshDeserialize>(key: &[u8], collection: &[&str]) -> Option<T> {
    let mut stack = [0u8; STACK_BUFFER];
    let mut heap = Vec::new();
    let bytes = read_raw(key, &mut stack, &mut heap)?;
    Some(decode(bytes, collection))
}

/// Stores `value` under `key`.
pub fn write(key: &[u8], value: &[u8]) {
    sys::storage_write(key, value)
}

/// Deletes `key`; true when it held a value.
pub fn remove(key: &[u8]) -> bool {
    sys::storage_remove(key)
}

/// True when `key` holds a value (a read, as far as access lists go).
pub fn has(key: &[u8]) -> bool {
    sys::storage_has(key)
}

/// Decodes a stored value; a value that is not valid borsh for `T` means the contract's
/// layout changed under it, so the call aborts naming the collection type.
fn decode<T: BorshDeserialize>(bytes: &[u8], collection: &[&str]) -> T {
    match borsh::from_slice(bytes) {
        Ok(value) => value,
        Err(_) => {
            let mut parts = vec!["keyway-sdk: stored value is not a valid "];
            parts.extend_from_slice(collection);
            abort_with(&parts)
        }
    }
}

/// One typed value under a fixed key.
///
/// ```
/// use keyway_sdk::{Address, Item};
/// pub const OWNER: Item<Address> = Item::new(b"owner");
/// assert_eq!(OWNER.key(), b"owner");
/// ```
pub struct Item<T> {
    key: &'static [u8],
    // `fn() -> T`: an `Item` never holds a `T`, so it is `Send + Sync + Copy` whatever `T` is.
    _value: PhantomData<fn() -> T>,
}

impl<T> Item<T> {
    /// An item stored under `key`.
    pub const fn new(key: &'static [u8]) -> Self {
        Item {
            key,
            _value: PhantomData,
        }
    }

    /// The exact storage key.
    pub const fn key(&self) -> &'static [u8] {
        self.key
    }

    /// True when a value is stored (a read, as far as access lists go).
    pub fn exists(&self) -> bool {
        has(self.key)
    }

    /// Deletes the value; true when there was one.
    pub fn remove(&self) -> bool {
        remove(self.key)
    }
}

impl<T: BorshSerialize + BorshDeserialize> Item<T> {
    /// The stored value, or `None` when absent.
    pub fn get(&self) -> Option<T> {
        read_typed(self.key, &["Item<", type_name::<T>(), ">"])
    }

    /// The stored value, or `T::default()` when absent.
    pub fn get_or_default(&self) -> T
    where
        T: Default,
    {
        self.get().unwrap_or_default()
    }

    /// Stores `value`.
    pub fn set(&self, value: &T) {
        write(self.key, &crate::__private::encode(value))
    }
}

impl<T> Clone for Item<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Item<T> {}

impl<T> core::fmt::Debug for Item<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Item").field("key", &self.key).finish()
    }
}

/// Typed values under `prefix ++ borsh(key)`.
///
/// ```
/// use keyway_sdk::{Address, Map};
/// pub const BALANCES: Map<Address, u128> = Map::new(b"b");
///
/// let alice = Address([7; 32]);
/// let key = BALANCES.key(&alice);
/// assert_eq!(key[0], b'b');
/// assert_eq!(&key[1..], &alice.0);
/// ```
pub struct Map<K, V> {
    prefix: &'static [u8],
    // See `Item`: a `Map` holds neither keys nor values.
    _types: PhantomData<fn() -> (K, V)>,
}

impl<K, V> Map<K, V> {
    /// A map whose keys all start with `prefix`.
    pub const fn new(prefix: &'static [u8]) -> Self {
        Map {
            prefix,
            _types: PhantomData,
        }
    }

    /// The prefix of every key of the map.
    pub const fn prefix(&self) -> &'static [u8] {
        self.prefix
    }
}

impl<K: BorshSerialize, V> Map<K, V> {
    /// The exact storage key for `key`: the prefix followed by the borsh encoding of `key`.
    /// Public so that clients build access lists with the very function the contract uses.
    pub fn key(&self, key: &K) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(self.prefix.len() + 32);
        bytes.extend_from_slice(self.prefix);
        if key.serialize(&mut bytes).is_err() {
            abort("keyway-sdk: borsh encoding of a map key failed");
        }
        bytes
    }

    /// True when `key` holds a value (a read, as far as access lists go).
    pub fn contains(&self, key: &K) -> bool {
        has(&self.key(key))
    }

    /// Deletes `key`'s value; true when there was one.
    pub fn remove(&self, key: &K) -> bool {
        remove(&self.key(key))
    }
}

impl<K: BorshSerialize, V: BorshSerialize + BorshDeserialize> Map<K, V> {
    /// The value under `key`, or `None` when absent.
    pub fn get(&self, key: &K) -> Option<V> {
        read_typed(
            &self.key(key),
            &["Map<", type_name::<K>(), ", ", type_name::<V>(), "> value"],
        )
    }

    /// The value under `key`, or `V::default()` when absent.
    pub fn get_or_default(&self, key: &K) -> V
    where
        V: Default,
    {
        self.get(key).unwrap_or_default()
    }

    /// Stores `value` under `key`.
    pub fn set(&self, key: &K, value: &V) {
        write(&self.key(key), &crate::__private::encode(value))
    }
}

impl<K, V> Clone for Map<K, V> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<K, V> Copy for Map<K, V> {}

impl<K, V> core::fmt::Debug for Map<K, V> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Map").field("prefix", &self.prefix).finish()
    }
}
