//! The hotspot contract's committed artifact on the real runtime.

use keyway_host_api::{AccessList, Address, Key, Status, system};
use keyway_hotspot::{HotspotError, Incremented, OwnIncremented, client, keys};
use keyway_runtime::Keypair;
use keyway_tests::{Chain, artifact, one_page_artifact_methods, returned, written};

/// Creates a hotspot by `creator`; returns its address.
fn create_hotspot(chain: &mut Chain, creator: &Keypair) -> Address {
    chain.create(
        creator,
        artifact("hotspot"),
        client::init_args(),
        client::init_access,
    )
}

/// A `u64` stored under `key` of `hotspot`, straight from state.
fn stored(chain: &Chain, hotspot: Address, key: Vec<u8>) -> Option<u64> {
    chain.stored(hotspot, key)
}

#[test]
fn the_artifact_is_one_page_and_exports_the_methods() {
    assert_eq!(
        one_page_artifact_methods("hotspot"),
        ["get", "get_own", "increment", "increment_own", "init"]
    );
}

#[test]
fn init_stores_a_zero_counter() {
    let mut chain = Chain::new();
    let alice = Keypair::from_seed(b"alice");
    let hotspot = create_hotspot(&mut chain, &alice);
    assert_eq!(stored(&chain, hotspot, keys::COUNTER.to_vec()), Some(0));
}

#[test]
fn every_sender_increments_the_one_counter() {
    let mut chain = Chain::new();
    let [alice, bob] = [&b"alice"[..], b"bob"].map(Keypair::from_seed);
    let hotspot = create_hotspot(&mut chain, &alice);
    let counter = Key::new(hotspot, keys::COUNTER.to_vec());

    let mut expected = 0;
    for (sender, by) in [(&alice, 5), (&bob, 2), (&alice, 10)] {
        let (kind, access) = client::increment(hotspot, by);
        let outcome = chain.submit(sender, kind, access);
        expected += by;
        assert_eq!(returned::<u64>(&outcome), expected);
        assert_eq!(outcome.receipt.events.len(), 1);
        let event = &outcome.receipt.events[0];
        assert_eq!(
            (event.contract, event.topic.as_slice()),
            (hotspot, &b"incremented"[..])
        );
        assert_eq!(
            borsh::from_slice::<Incremented>(&event.data).unwrap(),
            Incremented {
                sender: sender.address(),
                by,
                value: expected
            }
        );
        // The counter and the sender's nonce, nothing else.
        assert_eq!(
            written(&outcome),
            vec![&system::nonce_key(&sender.address()), &counter]
        );
    }
    assert_eq!(stored(&chain, hotspot, keys::COUNTER.to_vec()), Some(17));

    let (kind, access) = client::get(hotspot);
    let outcome = chain.submit(&bob, kind, access);
    assert_eq!(returned::<u64>(&outcome), 17);
    assert!(outcome.receipt.events.is_empty());
    assert_eq!(written(&outcome), vec![&system::nonce_key(&bob.address())]);
}

#[test]
fn overflow_reverts_with_the_contract_code_and_writes_nothing() {
    let mut chain = Chain::new();
    let alice = Keypair::from_seed(b"alice");
    let hotspot = create_hotspot(&mut chain, &alice);
    let (kind, access) = client::increment(hotspot, u64::MAX);
    assert_eq!(
        returned::<u64>(&chain.submit(&alice, kind, access)),
        u64::MAX
    );
    let (kind, access) = client::increment_own(hotspot, alice.address(), u64::MAX);
    assert_eq!(
        returned::<u64>(&chain.submit(&alice, kind, access)),
        u64::MAX
    );

    for request in [
        client::increment(hotspot, 1),
        client::increment_own(hotspot, alice.address(), 1),
    ] {
        chain.expect_error(&alice, request, HotspotError::Overflow);
    }
    assert_eq!(
        stored(&chain, hotspot, keys::COUNTER.to_vec()),
        Some(u64::MAX)
    );
    assert_eq!(
        stored(&chain, hotspot, keys::own(&alice.address())),
        Some(u64::MAX)
    );
}

#[test]
fn own_counters_are_per_sender_and_disjoint() {
    let mut chain = Chain::new();
    let [alice, bob] = [&b"alice"[..], b"bob"].map(Keypair::from_seed);
    let hotspot = create_hotspot(&mut chain, &alice);

    for (sender, by, expected) in [(&alice, 3, 3), (&bob, 1, 1), (&alice, 4, 7)] {
        let (kind, access) = client::increment_own(hotspot, sender.address(), by);
        let outcome = chain.submit(sender, kind, access);
        assert_eq!(returned::<u64>(&outcome), expected);
        let event = &outcome.receipt.events[..];
        assert_eq!(event.len(), 1);
        assert_eq!(event[0].topic, b"own_incremented");
        assert_eq!(
            borsh::from_slice::<OwnIncremented>(&event[0].data).unwrap(),
            OwnIncremented {
                sender: sender.address(),
                by,
                value: expected
            }
        );
        assert_eq!(
            written(&outcome),
            vec![
                &system::nonce_key(&sender.address()),
                &Key::new(hotspot, keys::own(&sender.address()))
            ]
        );
    }
    for (account, expected) in [
        (alice.address(), 7),
        (bob.address(), 1),
        (Address([9; 32]), 0),
    ] {
        let (kind, access) = client::get_own(hotspot, account);
        assert_eq!(returned::<u64>(&chain.submit(&bob, kind, access)), expected);
    }
    assert_eq!(
        stored(&chain, hotspot, keys::COUNTER.to_vec()),
        Some(0),
        "the shared counter is untouched"
    );

    // What a scheduler sees: every increment writes the same key, own increments do not.
    let (_, alice_hot) = client::increment(hotspot, 1);
    let (_, bob_hot) = client::increment(hotspot, 1);
    assert_eq!(alice_hot, bob_hot);
    let (_, alice_own) = client::increment_own(hotspot, alice.address(), 1);
    let (_, bob_own) = client::increment_own(hotspot, bob.address(), 1);
    assert!(
        alice_own
            .writes
            .iter()
            .all(|key| !bob_own.writes.contains(key))
    );
}

#[test]
fn undeclared_keys_and_bad_arguments() {
    let mut chain = Chain::new();
    let [alice, bob] = [&b"alice"[..], b"bob"].map(Keypair::from_seed);
    let hotspot = create_hotspot(&mut chain, &alice);
    let (increment, _) = client::increment(hotspot, 1);
    let (increment_own, _) = client::increment_own(hotspot, alice.address(), 1);
    let cases = [
        // The counter declared read-only: the write is refused.
        (
            increment.clone(),
            client::get(hotspot).1,
            Status::UndeclaredWrite,
        ),
        // Nothing declared: the read is refused first.
        (increment, AccessList::default(), Status::UndeclaredRead),
        // Bob's own counter does not cover Alice's.
        (
            increment_own,
            client::increment_own(hotspot, bob.address(), 1).1,
            Status::UndeclaredRead,
        ),
    ];
    for (kind, access, status) in cases {
        chain.expect_failure(&alice, (kind, access), status);
    }
    assert_eq!(stored(&chain, hotspot, keys::COUNTER.to_vec()), Some(0));

    let (_, access) = client::increment(hotspot, 1);
    let kind = keyway_host_api::TxKind::Call {
        contract: hotspot,
        method: "increment".into(),
        args: vec![1, 2, 3],
    };
    let outcome = chain.submit(&alice, kind, access);
    assert_eq!(outcome.receipt.status, Status::Aborted);
    assert_eq!(
        String::from_utf8_lossy(&outcome.receipt.return_data),
        "invalid arguments for `increment`"
    );
}

#[test]
fn gas_of_typical_calls() {
    let mut chain = Chain::new();
    let [alice, bob] = [&b"alice"[..], b"bob"].map(Keypair::from_seed);
    let hotspot = create_hotspot(&mut chain, &alice);
    let mut gas = |sender: &Keypair, (kind, access)| {
        let outcome = chain.submit(sender, kind, access);
        assert_eq!(outcome.receipt.status, Status::Success);
        outcome.receipt.gas_used
    };
    let increments = [
        gas(&alice, client::increment(hotspot, 1)),
        gas(&bob, client::increment(hotspot, 1)),
        gas(&alice, client::increment(hotspot, 1_000)),
    ];
    // The counter exists from `init` on: every increment pays exactly the same.
    assert_eq!(increments, [increments[0]; 3]);
    let first_own = gas(&alice, client::increment_own(hotspot, alice.address(), 1));
    let own = gas(&alice, client::increment_own(hotspot, alice.address(), 1));
    // The first reads an absent key: no value bytes to pay for.
    assert!(first_own < own);
    let get = gas(&bob, client::get(hotspot));
    let get_own = gas(&bob, client::get_own(hotspot, alice.address()));
    eprintln!(
        "hotspot gas: increment {}, increment_own {own} (first {first_own}), get {get}, \
         get_own {get_own}",
        increments[0]
    );
}
