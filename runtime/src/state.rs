//! How the runtime sees state: it reads through [`StateView`] and returns a [`WriteSet`];
//! it never mutates state itself, so a scheduler decides when writes become visible.

use std::collections::HashMap;

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

/// The writes of one transaction (or block), sorted by key: `Some(value)` stores, `None`
/// deletes. It holds every key written or removed, with its final value, even when that
/// equals the old value. A sorted vector: a transaction writes a handful of keys, and
/// blocks keep thousands of write sets alive until they are merged.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WriteSet(Vec<(Key, Option<Vec<u8>>)>);

impl WriteSet {
    /// An empty write set.
    pub fn new() -> Self {
        Self::default()
    }

    /// The combined effect of write sets applied in order (later writes win).
    pub fn merged(sets: impl IntoIterator<Item = WriteSet>) -> Self {
        let mut all: Vec<(Key, Option<Vec<u8>>)> = sets.into_iter().flat_map(|s| s.0).collect();
        // Stable: equal keys keep their order, so the last of each run is the latest.
        all.sort_by(|a, b| a.0.cmp(&b.0));
        let mut merged: Vec<(Key, Option<Vec<u8>>)> = Vec::with_capacity(all.len());
        for (key, value) in all {
            match merged.last_mut() {
                Some(last) if last.0 == key => last.1 = value,
                _ => merged.push((key, value)),
            }
        }
        WriteSet(merged)
    }

    /// Records a write (`None` deletes); a later write to the same key replaces it.
    pub fn insert(&mut self, key: Key, value: Option<Vec<u8>>) {
        match self.0.binary_search_by(|(k, _)| k.cmp(&key)) {
            Ok(i) => self.0[i].1 = value,
            Err(i) => self.0.insert(i, (key, value)),
        }
    }

    /// The recorded write for `key`: `Some(None)` is a deletion, `None` means untouched.
    pub fn get(&self, key: &Key) -> Option<Option<&[u8]>> {
        self.0
            .binary_search_by(|(k, _)| k.cmp(key))
            .ok()
            .map(|i| self.0[i].1.as_deref())
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
}

impl IntoIterator for WriteSet {
    type Item = (Key, Option<Vec<u8>>);
    type IntoIter = std::vec::IntoIter<(Key, Option<Vec<u8>>)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// An in-memory state for tests, demos and benchmarks. A hash map (lookups are the hot
/// path); iteration sorts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InMemoryState {
    entries: HashMap<Key, Vec<u8>, foldhash::fast::RandomState>,
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
        let mut entries: Vec<(&Key, &[u8])> = self
            .entries
            .iter()
            .map(|(k, v)| (k, v.as_slice()))
            .collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
        entries.into_iter()
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

#[cfg(test)]
mod tests {
    use keyway_host_api::Address;

    use super::*;

    #[test]
    fn merged_keeps_the_latest_write_per_key_in_key_order() {
        let key = |b: u8| Key::new(Address([1; 32]), vec![b]);
        let mut first = WriteSet::new();
        first.insert(key(2), Some(vec![1]));
        first.insert(key(1), Some(vec![1]));
        let mut second = WriteSet::new();
        second.insert(key(2), None);
        second.insert(key(3), Some(vec![2]));
        second.insert(key(3), Some(vec![3]));
        let merged = WriteSet::merged([first, second]);
        let entries: Vec<_> = merged.iter().collect();
        assert_eq!(
            entries,
            vec![
                (&key(1), Some(&[1u8][..])),
                (&key(2), None),
                (&key(3), Some(&[3u8][..]))
            ]
        );
    }
}
