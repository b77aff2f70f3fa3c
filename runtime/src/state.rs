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
        let mut all: Vec<Option<(Key, Option<Vec<u8>>)>> =
            sets.into_iter().flat_map(|s| s.0).map(Some).collect();
        // Sort positions, not the 70-byte entries; ties by position, so the last of each
        // run of equal keys is the latest write (an unstable sort of unique pairs).
        let mut order: Vec<u32> = (0..all.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| {
            let key = |i: u32| &all[i as usize].as_ref().expect("not taken yet").0;
            key(a).cmp(key(b)).then(a.cmp(&b))
        });
        let mut merged: Vec<(Key, Option<Vec<u8>>)> = Vec::with_capacity(all.len());
        for i in order {
            let (key, value) = all[i as usize].take().expect("each position once");
            match merged.last_mut() {
                Some(last) if last.0 == key => last.1 = value,
                _ => merged.push((key, value)),
            }
        }
        WriteSet(merged)
    }

    /// A write set from entries sorted by key, each key once (e.g. a block's final values,
    /// merged by the caller). The order is checked in debug builds only: it costs a cache
    /// miss per entry on large sets. Out-of-order entries make lookups miss, nothing worse.
    pub fn from_sorted(entries: Vec<(Key, Option<Vec<u8>>)>) -> Self {
        debug_assert!(
            entries.windows(2).all(|pair| pair[0].0 < pair[1].0),
            "write set entries must be sorted by key, each key once"
        );
        WriteSet(entries)
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

    #[test]
    fn merged_matches_applying_the_sets_in_order() {
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        };
        let sets: Vec<WriteSet> = (0..300)
            .map(|_| {
                let mut set = WriteSet::new();
                for _ in 0..next(4) {
                    let key = Key::new(Address([next(3) as u8; 32]), vec![next(16) as u8]);
                    let value = (next(4) != 0).then(|| vec![next(256) as u8]);
                    set.insert(key, value);
                }
                set
            })
            .collect();
        let mut model = std::collections::BTreeMap::new();
        for set in &sets {
            for (key, value) in set.iter() {
                model.insert(key.clone(), value.map(<[u8]>::to_vec));
            }
        }
        let merged = WriteSet::merged(sets);
        let got: Vec<_> = merged
            .iter()
            .map(|(k, v)| (k.clone(), v.map(<[u8]>::to_vec)))
            .collect();
        assert_eq!(got, model.into_iter().collect::<Vec<_>>());
    }
}
