//! Native tests: the hotspot's methods run against `keyway_sdk::testing::TestEnv`, with
//! access lists from [`client`] the way a client would send them.

use keyway_sdk::testing::TestEnv;
use keyway_sdk::{AccessList, Address, ContractError, Status};

use super::*;

const ALICE: Address = Address([0xA1; 32]);
const BOB: Address = Address([0xB0; 32]);
const HOTSPOT: Address = Address([0x40; 32]);

/// A hotspot instantiated by Alice, access enforced from then on.
fn setup() -> TestEnv {
    let mut env = TestEnv::new();
    env.set_contract(HOTSPOT).set_sender(ALICE);
    env.declare(client::init_access(HOTSPOT));
    env.call(init).unwrap();
    env
}

/// Declares what a client builder says the call needs.
fn declare(env: &mut TestEnv, (_, access): (keyway_sdk::host_api::TxKind, AccessList)) {
    env.declare(access);
}

#[test]
fn init_stores_a_zero_counter() {
    let mut env = setup();
    assert_eq!(
        env.storage(&HOTSPOT, keys::COUNTER),
        Some(0u64.to_le_bytes().to_vec())
    );
    assert_eq!(env.state().len(), 1);
    declare(&mut env, client::get(HOTSPOT));
    assert_eq!(env.call(get).unwrap(), 0);
}

#[test]
fn increment_adds_to_the_shared_counter_and_emits() {
    let mut env = setup();
    declare(&mut env, client::increment(HOTSPOT, 5));
    let outcome = env.call(|| increment(5));
    assert_eq!(outcome.status, Status::Success);
    assert_eq!(outcome.value, Some(5));
    assert_eq!(outcome.return_data, 5u64.to_le_bytes());
    assert_eq!(outcome.events.len(), 1);
    assert_eq!(outcome.events[0].topic, b"incremented");
    assert_eq!(
        outcome.events_of::<Incremented>(),
        vec![Incremented {
            sender: ALICE,
            by: 5,
            value: 5
        }]
    );

    // Everyone writes the same key, with the same access list.
    env.set_sender(BOB);
    let outcome = env.call(|| increment(2));
    assert_eq!(outcome.value, Some(7));
    assert_eq!(
        outcome.events_of::<Incremented>(),
        vec![Incremented {
            sender: BOB,
            by: 2,
            value: 7
        }]
    );
    declare(&mut env, client::get(HOTSPOT));
    assert_eq!(env.call(get).unwrap(), 7);
    assert_eq!(env.state().len(), 1, "only the one key");
}

#[test]
fn increment_overflow_reverts_with_nothing_written() {
    let mut env = setup();
    declare(&mut env, client::increment(HOTSPOT, u64::MAX));
    env.call(|| increment(u64::MAX)).unwrap();
    let before = env.state().clone();
    let outcome = env.call(|| increment(1));
    assert_eq!(
        outcome.status,
        Status::Reverted {
            code: HotspotError::Overflow as u32
        }
    );
    assert_eq!(outcome.value, None);
    assert!(outcome.events.is_empty());
    assert_eq!(env.state(), &before);
    // Adding nothing to a full counter is fine.
    assert_eq!(env.call(|| increment(0)).value, Some(u64::MAX));
}

#[test]
fn increment_own_counts_per_sender_and_leaves_the_shared_counter() {
    let mut env = setup();
    declare(&mut env, client::increment_own(HOTSPOT, ALICE, 3));
    let outcome = env.call(|| increment_own(3));
    assert_eq!(outcome.value, Some(3));
    assert_eq!(outcome.events.len(), 1);
    assert_eq!(outcome.events[0].topic, b"own_incremented");
    assert_eq!(
        outcome.events_of::<OwnIncremented>(),
        vec![OwnIncremented {
            sender: ALICE,
            by: 3,
            value: 3
        }]
    );
    assert_eq!(env.call(|| increment_own(4)).value, Some(7));

    env.set_sender(BOB);
    declare(&mut env, client::increment_own(HOTSPOT, BOB, 1));
    assert_eq!(env.call(|| increment_own(1)).value, Some(1));

    declare(&mut env, client::get_own(HOTSPOT, ALICE));
    assert_eq!(env.call(|| get_own(ALICE)).unwrap(), 7);
    declare(&mut env, client::get_own(HOTSPOT, BOB));
    assert_eq!(env.call(|| get_own(BOB)).unwrap(), 1);
    assert_eq!(env.view(get), 0);
    assert_eq!(env.view(|| get_own(Address([0x99; 32]))), 0);
}

#[test]
fn increment_own_overflow_reverts_with_nothing_written() {
    let mut env = setup();
    declare(&mut env, client::increment_own(HOTSPOT, ALICE, u64::MAX));
    env.call(|| increment_own(u64::MAX)).unwrap();
    let before = env.state().clone();
    let outcome = env.call(|| increment_own(1));
    assert_eq!(
        outcome.status,
        Status::Reverted {
            code: HotspotError::Overflow as u32
        }
    );
    assert!(outcome.events.is_empty());
    assert_eq!(env.state(), &before);
}

#[test]
fn access_lists_are_exact() {
    let mut env = setup();
    // The shared counter declared read-only: the increment is an undeclared write.
    declare(&mut env, client::get(HOTSPOT));
    let before = env.state().clone();
    assert_eq!(env.call(|| increment(1)).status, Status::UndeclaredWrite);
    // Another sender's own counter does not cover the sender's.
    declare(&mut env, client::increment_own(HOTSPOT, BOB, 1));
    assert_eq!(env.call(|| increment_own(1)).status, Status::UndeclaredRead);
    // The shared counter does not cover an own counter, nor the other way round.
    declare(&mut env, client::increment(HOTSPOT, 1));
    assert_eq!(env.call(|| increment_own(1)).status, Status::UndeclaredRead);
    declare(&mut env, client::increment_own(HOTSPOT, ALICE, 1));
    assert_eq!(env.call(|| increment(1)).status, Status::UndeclaredRead);
    assert_eq!(env.state(), &before);

    let (_, increment_access) = client::increment(HOTSPOT, 1);
    assert!(increment_access.reads.is_empty());
    assert_eq!(increment_access.writes.len(), 1);
    assert_eq!(increment_access.writes[0].contract, HOTSPOT);
    assert_eq!(increment_access.writes[0].bytes, keys::COUNTER);
}

#[test]
fn client_arguments_decode_as_the_methods_expect() {
    use keyway_sdk::host_api::TxKind;
    let TxKind::Call {
        contract,
        method,
        args,
    } = client::increment(HOTSPOT, 9).0
    else {
        panic!("a call")
    };
    assert_eq!((contract, method.as_str()), (HOTSPOT, "increment"));
    assert_eq!(borsh::from_slice::<u64>(&args).unwrap(), 9);
    let TxKind::Call { method, args, .. } = client::get_own(HOTSPOT, BOB).0 else {
        panic!("a call")
    };
    assert_eq!(method, "get_own");
    assert_eq!(borsh::from_slice::<Address>(&args).unwrap(), BOB);

    let (address, [(deploy, deploy_access), (instantiate, init_access)]) =
        client::create(b"wasm", ALICE, 4);
    assert_eq!(
        address,
        keyway_sdk::host_api::system::contract_address(&ALICE, 5)
    );
    assert!(matches!(deploy, TxKind::Deploy { code } if code == b"wasm"));
    assert_eq!(deploy_access, AccessList::default());
    assert!(matches!(instantiate, TxKind::Instantiate { args, .. } if args.is_empty()));
    assert_eq!(init_access, client::init_access(address));
}

#[test]
fn storage_layout_is_as_documented() {
    assert_eq!(keys::COUNTER, b"counter");
    let own = keys::own(&ALICE);
    assert_eq!(own.len(), 33);
    assert_eq!((own[0], &own[1..]), (b'o', &ALICE.0[..]));

    let mut env = setup();
    env.allow_all();
    env.call(|| increment_own(6)).unwrap();
    assert_eq!(
        env.storage(&HOTSPOT, &own),
        Some(6u64.to_le_bytes().to_vec())
    );
}

#[test]
fn error_codes_are_stable() {
    assert_eq!(HotspotError::Overflow.code(), 1);
}
