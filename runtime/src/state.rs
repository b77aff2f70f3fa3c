//! How the runtime sees state: it reads through [`StateView`] and returns a [`WriteSet`];
//! it never mutates state itself, so a scheduler decides when writes become visible.

use std::collections::BTreeMap;

use keyway_host_api::Key;

/// A backend failure while reading state: a host fault, never a receipt.
#[derive(Debug, thiserror::Error)]
#[error("state backend failed: {0}")]
pub struct StateError(pub String);

/// Read access to the state a transaction executes against.
pub trait StateView {
    /// The value under `key`, or `None` when absent.
    fn get(&self, key: &Key) -> Result<Option<Vec<u8>>, StateError>;
}

impl<S: StateView + ?Sized> StateView for &S {
    fn get(&self, key: &Key) -> Result<Option<Vec<u8>>, StateError> {
        (**self).get(key)
    }
}

/// The writes of one transaction, sorted by key: `Some(value)` stores, `None` deletes.
/// It holds every key the transaction wrote or removed, with its final value, even when
/// that equals the old value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WriteSet(BTreeMap<Key, Option<Vec<u8>>>);

impl WriteSet {
    /// An empty write set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a write (`None` deletes); a later write to the same key replaces it.
    pub fn insert(&mut self, key: Key, value: Option<Vec<u8>>) {
        self.0.insert(key, value);
    }

    /// The recorded write for `key`: `Some(None)` is a deletion, `None` means untouched.
    pub fn get(&self, key: &Key) -> Option<Option<&[u8]>> {
        self.0.get(key).map(|v| v.as_deref())
    }

    /// Writes in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&Key, Option<&[u8]>)> {
        self.0.iter().map(|(k, v)| (k, v.as_deref()))
    }

    /// Number of keys written.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when nothing was written.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds `other`'s writes on top of these (later writes win).
    pub fn extend(&mut self, other: WriteSet) {
        self.0.extend(other.0);
    }
}

impl IntoIterator for WriteSet {
    type Item = (Key, Option<Vec<u8>>);
    type IntoIter = std::collections::btree_map::IntoIter<Key, Option<Vec<u8>>>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// An in-memory state for tests, demos and benchmarks.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InMemoryState {
    entries: BTreeMap<Key, Vec<u8>>,
}

impl InMemoryState {
    /// An empty state.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores `value` under `key`.
    pub fn insert(&mut self, key: Key, value: Vec<u8>) {
        self.entries.insert(key, value);
    }

    /// The value under `key`.
    pub fn value(&self, key: &Key) -> Option<&[u8]> {
        self.entries.get(key).map(Vec::as_slice)
    }

    /// Applies a transaction's writes.
    pub fn apply(&mut self, writes: &WriteSet) {
        for (key, value) in writes.iter() {
            match value {
                Some(value) => self.entries.insert(key.clone(), value.to_vec()),
                None => self.entries.remove(key),
            };
        }
    }

    /// All entries in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&Key, &[u8])> {
        self.entries.iter().map(|(k, v)| (k, v.as_slice()))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the state is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl StateView for InMemoryState {
    fn get(&self, key: &Key) -> Result<Option<Vec<u8>>, StateError> {
        Ok(self.entries.get(key).cloned())
    }
}
