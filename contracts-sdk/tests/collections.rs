//! `Map` and `Item` against a `HashMap` model, over random operation sequences.
//!
//! Each sequence runs in batches, one `TestEnv::call` per batch. Some batches end in a
//! revert: their operations must leave no trace, so the model is only updated for batches
//! that commit. After each batch the whole stored state is compared with the model,
//! byte for byte, through the same public `key()` functions clients use.

use std::collections::HashMap;

use keyway_sdk::borsh;
use keyway_sdk::testing::TestEnv;
use keyway_sdk::{Address, ContractError, Item, Map, Status, storage};

/// Small key space so operations hit existing keys often; values up to 600 bytes so both
/// the 256-byte stack read and the exact-size retry run.
const BLOBS: Map<u8, Vec<u8>> = Map::new(b"m");
const PAIRS: Map<(Address, u16), u64> = Map::new(b"p");
const COUNTER: Item<u32> = Item::new(b"counter");
const NAME: Item<String> = Item::new(b"name");

/// splitmix64: deterministic, good enough to drive operation choice.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn bytes(&mut self, max_len: u64) -> Vec<u8> {
        let len = self.below(max_len + 1) as usize;
        (0..len).map(|_| self.next() as u8).collect()
    }
}

#[derive(Debug)]
struct Rollback;

impl ContractError for Rollback {
    fn code(&self) -> u32 {
        99
    }
}

#[derive(Clone, Default, Debug, PartialEq)]
struct Model {
    blobs: HashMap<u8, Vec<u8>>,
    pairs: HashMap<(Address, u16), u64>,
    counter: Option<u32>,
    name: Option<String>,
}

/// One random operation on both the contract storage and the model, checking every
/// value the storage returns against the model.
fn step(rng: &mut Rng, model: &mut Model) {
    match rng.below(12) {
        0 | 1 => {
            let (k, v) = (rng.below(16) as u8, rng.bytes(600));
            BLOBS.set(&k, &v);
            model.blobs.insert(k, v);
        }
        2 => {
            let k = rng.below(16) as u8;
            assert_eq!(BLOBS.remove(&k), model.blobs.remove(&k).is_some());
        }
        3 => {
            let k = rng.below(16) as u8;
            assert_eq!(BLOBS.get(&k), model.blobs.get(&k).cloned());
            assert_eq!(BLOBS.contains(&k), model.blobs.contains_key(&k));
            let raw = storage::read(&BLOBS.key(&k));
            assert_eq!(raw, model.blobs.get(&k).map(|v| borsh::to_vec(v).unwrap()));
        }
        4 | 5 => {
            let k = (Address([rng.below(3) as u8; 32]), rng.below(4) as u16);
            let v = rng.next();
            PAIRS.set(&k, &v);
            model.pairs.insert(k, v);
        }
        6 => {
            let k = (Address([rng.below(3) as u8; 32]), rng.below(4) as u16);
            assert_eq!(
                PAIRS.get_or_default(&k),
                model.pairs.get(&k).copied().unwrap_or(0)
            );
            if rng.below(2) == 0 {
                assert_eq!(PAIRS.remove(&k), model.pairs.remove(&k).is_some());
            }
        }
        7 => {
            let v = rng.next() as u32;
            COUNTER.set(&v);
            model.counter = Some(v);
        }
        8 => {
            assert_eq!(COUNTER.get(), model.counter);
            assert_eq!(COUNTER.get_or_default(), model.counter.unwrap_or_default());
            assert_eq!(COUNTER.exists(), model.counter.is_some());
        }
        9 => {
            assert_eq!(COUNTER.remove(), model.counter.take().is_some());
        }
        10 => {
            let name: String = rng
                .bytes(300)
                .iter()
                .map(|b| char::from(b'a' + b % 26))
                .collect();
            NAME.set(&name);
            model.name = Some(name);
        }
        _ => {
            assert_eq!(NAME.get(), model.name);
            if rng.below(3) == 0 {
                assert_eq!(NAME.remove(), model.name.take().is_some());
            }
        }
    }
}

/// The committed state holds exactly the model's entries, under the documented keys.
fn assert_state_matches(env: &TestEnv, model: &Model) {
    let contract = env.contract();
    let mut expected = 0;
    for (k, v) in &model.blobs {
        assert_eq!(
            env.storage(&contract, &BLOBS.key(k)),
            Some(borsh::to_vec(v).unwrap())
        );
        expected += 1;
    }
    for (k, v) in &model.pairs {
        let key = PAIRS.key(k);
        assert_eq!(key.len(), 1 + 32 + 2, "prefix ++ borsh((Address, u16))");
        assert_eq!(env.storage(&contract, &key), Some(v.to_le_bytes().to_vec()));
        expected += 1;
    }
    if let Some(v) = model.counter {
        assert_eq!(
            env.storage(&contract, b"counter"),
            Some(v.to_le_bytes().to_vec())
        );
        expected += 1;
    }
    if let Some(v) = &model.name {
        assert_eq!(
            env.storage(&contract, b"name"),
            Some(borsh::to_vec(v).unwrap())
        );
        expected += 1;
    }
    assert_eq!(env.state().len(), expected, "no stray keys");
}

#[test]
fn random_operation_sequences_match_a_hashmap_model() {
    for seed in 0..40 {
        let mut rng = Rng(seed);
        let mut env = TestEnv::new();
        let mut model = Model::default();
        for batch in 0..25 {
            let ops = rng.below(20) as usize + 1;
            let roll_back = rng.below(4) == 0;
            let batch_seed = rng.next();
            let mut scratch = model.clone();
            let outcome = env.call(|| {
                let mut rng = Rng(batch_seed);
                for _ in 0..ops {
                    step(&mut rng, &mut scratch);
                }
                if roll_back { Err(Rollback) } else { Ok(()) }
            });
            if roll_back {
                assert_eq!(
                    outcome.status,
                    Status::Reverted { code: 99 },
                    "seed {seed} batch {batch}"
                );
            } else {
                assert_eq!(
                    outcome.status,
                    Status::Success,
                    "seed {seed} batch {batch}: {}",
                    outcome.message()
                );
                model = scratch;
            }
            assert_state_matches(&env, &model);
        }
    }
}

#[test]
fn reads_at_the_stack_buffer_boundary() {
    let mut env = TestEnv::new();
    let contract = env.contract();
    for len in [0usize, 1, 255, 256, 257, 4096] {
        let value: Vec<u8> = (0..len).map(|i| i as u8).collect();
        env.set_storage(&contract, b"raw", &value);
        let read = env.call(|| storage::read(b"raw"));
        assert_eq!(read.value, Some(Some(value.clone())), "len {len}");
        assert!(env.call(|| storage::has(b"raw")).unwrap());
    }
    assert_eq!(env.call(|| storage::read(b"absent")).unwrap(), None);
}

#[test]
fn undecodable_stored_value_aborts_naming_the_type() {
    let mut env = TestEnv::new();
    let contract = env.contract();
    env.set_storage(&contract, b"counter", &[1, 2]);
    let outcome = env.call(|| COUNTER.get());
    assert_eq!(outcome.status, Status::Aborted);
    assert_eq!(
        outcome.message(),
        "keyway-sdk: stored value is not a valid Item<u32>"
    );

    env.set_storage(&contract, &BLOBS.key(&3), &[9]);
    let outcome = env.call(|| BLOBS.get(&3));
    assert_eq!(outcome.status, Status::Aborted);
    assert!(
        outcome
            .message()
            .contains("Map<u8, alloc::vec::Vec<u8>> value"),
        "{}",
        outcome.message()
    );
}

#[test]
fn map_keys_are_prefix_then_borsh() {
    let a = Address([5; 32]);
    let mut expected = b"p".to_vec();
    expected.extend_from_slice(&a.0);
    expected.extend_from_slice(&7u16.to_le_bytes());
    assert_eq!(PAIRS.key(&(a, 7)), expected);
    assert_eq!(BLOBS.key(&200), vec![b'm', 200]);
    assert_eq!(COUNTER.key(), b"counter");
    assert_eq!(BLOBS.prefix(), b"m");
}
