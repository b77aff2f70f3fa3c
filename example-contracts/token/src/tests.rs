//! Native tests: the token's methods run against `keyway_sdk::testing::TestEnv`, with
//! access lists built from [`keys`] the way a client would.

use keyway_sdk::testing::TestEnv;
use keyway_sdk::{AccessList, Address, Key, Status};

use super::*;

const ALICE: Address = Address([0xA1; 32]);
const BOB: Address = Address([0xB0; 32]);
const CAROL: Address = Address([0xCA; 32]);
const TOKEN: Address = Address([0x70; 32]);

/// A token instantiated by Alice with 1,000 tokens, access enforced from then on.
fn setup() -> TestEnv {
    let mut env = TestEnv::new();
    env.set_contract(TOKEN).set_sender(ALICE);
    declare(
        &mut env,
        &[],
        &[
            keys::OWNER.to_vec(),
            keys::SUPPLY.to_vec(),
            keys::balance(&ALICE),
        ],
    );
    env.call(|| init(1_000)).unwrap();
    env
}

fn declare(env: &mut TestEnv, reads: &[Vec<u8>], writes: &[Vec<u8>]) {
    env.declare(AccessList {
        reads: reads.iter().map(|k| Key::new(TOKEN, k.clone())).collect(),
        writes: writes.iter().map(|k| Key::new(TOKEN, k.clone())).collect(),
    });
}

fn balance(env: &mut TestEnv, owner: Address) -> u128 {
    env.view(|| balance_of(owner))
}

#[test]
fn init_gives_the_supply_to_the_sender() {
    let mut env = TestEnv::new();
    env.set_contract(TOKEN).set_sender(ALICE);
    declare(
        &mut env,
        &[],
        &[
            keys::OWNER.to_vec(),
            keys::SUPPLY.to_vec(),
            keys::balance(&ALICE),
        ],
    );
    let outcome = env.call(|| init(1_000));
    assert_eq!(outcome.status, Status::Success);
    assert_eq!(
        outcome.events_of::<Transfer>(),
        vec![Transfer {
            from: Address::SYSTEM,
            to: ALICE,
            amount: 1_000
        }]
    );
    assert_eq!(outcome.events[0].topic, b"transfer");
    assert_eq!(balance(&mut env, ALICE), 1_000);
    assert_eq!(env.view(total_supply), 1_000);
    assert_eq!(env.view(|| OWNER.get()), Some(ALICE));
}

#[test]
fn transfer_moves_tokens_and_emits() {
    let mut env = setup();
    declare(&mut env, &[], &[keys::balance(&ALICE), keys::balance(&BOB)]);
    let outcome = env.call(|| transfer(BOB, 250));
    assert_eq!(outcome.status, Status::Success);
    assert_eq!(outcome.return_data, Vec::<u8>::new());
    assert_eq!(
        outcome.events_of::<Transfer>(),
        vec![Transfer {
            from: ALICE,
            to: BOB,
            amount: 250
        }]
    );
    assert_eq!(balance(&mut env, ALICE), 750);
    assert_eq!(balance(&mut env, BOB), 250);
    assert_eq!(env.view(total_supply), 1_000);

    // Spending everything removes the key: absent means zero.
    env.set_sender(BOB);
    env.call(|| transfer(ALICE, 250)).unwrap();
    assert_eq!(env.storage(&TOKEN, &keys::balance(&BOB)), None);
    assert_eq!(balance(&mut env, ALICE), 1_000);
}

#[test]
fn insufficient_balance_reverts_with_nothing_written() {
    let mut env = setup();
    declare(&mut env, &[], &[keys::balance(&ALICE), keys::balance(&BOB)]);
    let before = env.state().clone();
    let outcome = env.call(|| transfer(BOB, 1_001));
    assert_eq!(outcome.status, Status::Reverted { code: 1 });
    assert_eq!(outcome.value, None);
    assert!(outcome.events.is_empty());
    assert_eq!(env.state(), &before);

    env.set_sender(BOB);
    assert_eq!(
        env.call(|| transfer(ALICE, 1)).status,
        Status::Reverted { code: 1 }
    );
    assert_eq!(env.state(), &before);
}

#[test]
fn self_and_zero_transfers_emit_and_change_nothing() {
    let mut env = setup();
    declare(&mut env, &[], &[keys::balance(&ALICE), keys::balance(&BOB)]);
    let before = env.state().clone();
    let outcome = env.call(|| transfer(ALICE, 400));
    assert_eq!(outcome.status, Status::Success);
    assert_eq!(
        outcome.events_of::<Transfer>(),
        vec![Transfer {
            from: ALICE,
            to: ALICE,
            amount: 400
        }]
    );
    let outcome = env.call(|| transfer(BOB, 0));
    assert_eq!(
        outcome.events_of::<Transfer>(),
        vec![Transfer {
            from: ALICE,
            to: BOB,
            amount: 0
        }]
    );
    assert_eq!(env.state(), &before);
    // A self-transfer still needs the balance.
    assert_eq!(
        env.call(|| transfer(ALICE, 1_001)).status,
        Status::Reverted { code: 1 }
    );
}

#[test]
fn approve_and_transfer_from() {
    let mut env = setup();
    declare(&mut env, &[], &[keys::allowance(&ALICE, &BOB)]);
    let outcome = env.call(|| approve(BOB, 300));
    assert_eq!(outcome.status, Status::Success);
    assert_eq!(
        outcome.events_of::<Approval>(),
        vec![Approval {
            owner: ALICE,
            spender: BOB,
            amount: 300
        }]
    );
    assert_eq!(outcome.events[0].topic, b"approval");
    assert_eq!(env.view(|| allowance(ALICE, BOB)), 300);
    assert_eq!(env.view(|| allowance(BOB, ALICE)), 0);

    // Bob moves Alice's tokens to Carol.
    env.set_sender(BOB);
    declare(
        &mut env,
        &[],
        &[
            keys::allowance(&ALICE, &BOB),
            keys::balance(&ALICE),
            keys::balance(&CAROL),
        ],
    );
    let outcome = env.call(|| transfer_from(ALICE, CAROL, 200));
    assert_eq!(outcome.status, Status::Success);
    assert_eq!(
        outcome.events_of::<Transfer>(),
        vec![Transfer {
            from: ALICE,
            to: CAROL,
            amount: 200
        }]
    );
    assert_eq!(env.view(|| allowance(ALICE, BOB)), 100);
    assert_eq!(balance(&mut env, ALICE), 800);
    assert_eq!(balance(&mut env, CAROL), 200);

    // More than the allowance: code 2, nothing changes.
    let before = env.state().clone();
    assert_eq!(
        env.call(|| transfer_from(ALICE, CAROL, 101)).status,
        Status::Reverted { code: 2 }
    );
    assert_eq!(env.state(), &before);

    // Spending the rest removes the allowance.
    env.call(|| transfer_from(ALICE, CAROL, 100)).unwrap();
    assert_eq!(env.storage(&TOKEN, &keys::allowance(&ALICE, &BOB)), None);
}

#[test]
fn transfer_from_needs_the_owners_balance_too() {
    let mut env = setup();
    env.allow_all();
    env.set_sender(BOB);
    env.call(|| approve(CAROL, 50)).unwrap();
    env.set_sender(CAROL);
    let before = env.state().clone();
    // Bob approved Carol but owns nothing.
    assert_eq!(
        env.call(|| transfer_from(BOB, CAROL, 50)).status,
        Status::Reverted { code: 1 }
    );
    assert_eq!(env.state(), &before, "the allowance is not spent either");
}

#[test]
fn mint_is_owner_only_and_checked() {
    let mut env = setup();
    declare(
        &mut env,
        &[keys::OWNER.to_vec()],
        &[keys::SUPPLY.to_vec(), keys::balance(&BOB)],
    );
    env.set_sender(BOB);
    let before = env.state().clone();
    assert_eq!(
        env.call(|| mint(BOB, 5)).status,
        Status::Reverted { code: 3 }
    );
    assert_eq!(env.state(), &before);

    env.set_sender(ALICE);
    let outcome = env.call(|| mint(BOB, 5));
    assert_eq!(outcome.status, Status::Success);
    assert_eq!(
        outcome.events_of::<Transfer>(),
        vec![Transfer {
            from: Address::SYSTEM,
            to: BOB,
            amount: 5
        }]
    );
    assert_eq!(env.view(total_supply), 1_005);
    assert_eq!(balance(&mut env, BOB), 5);

    assert_eq!(
        env.call(|| mint(BOB, u128::MAX)).status,
        Status::Reverted { code: 4 }
    );
    assert_eq!(env.view(total_supply), 1_005);
}

#[test]
fn undeclared_keys_end_the_call() {
    let mut env = setup();
    // Bob's balance is only declared as a read: writing it is refused.
    declare(&mut env, &[keys::balance(&BOB)], &[keys::balance(&ALICE)]);
    let before = env.state().clone();
    let outcome = env.call(|| transfer(BOB, 1));
    assert_eq!(outcome.status, Status::UndeclaredWrite);
    assert!(outcome.events.is_empty());
    assert_eq!(env.state(), &before);

    // Not declared at all: the read of Bob's balance is refused first.
    declare(&mut env, &[], &[keys::balance(&ALICE)]);
    assert_eq!(env.call(|| transfer(BOB, 1)).status, Status::UndeclaredRead);
    assert_eq!(env.state(), &before);
}

#[test]
fn storage_layout_is_as_documented() {
    assert_eq!(keys::OWNER, b"owner");
    assert_eq!(keys::SUPPLY, b"supply");
    let balance_key = keys::balance(&ALICE);
    assert_eq!(balance_key.len(), 33);
    assert_eq!((balance_key[0], &balance_key[1..]), (b'b', &ALICE.0[..]));
    let allowance_key = keys::allowance(&ALICE, &BOB);
    assert_eq!(allowance_key.len(), 65);
    assert_eq!(allowance_key[0], b'a');
    assert_eq!(
        (&allowance_key[1..33], &allowance_key[33..]),
        (&ALICE.0[..], &BOB.0[..])
    );

    let env = setup();
    assert_eq!(env.storage(&TOKEN, b"owner"), Some(ALICE.0.to_vec()));
    assert_eq!(
        env.storage(&TOKEN, b"supply"),
        Some(1_000u128.to_le_bytes().to_vec())
    );
    assert_eq!(
        env.storage(&TOKEN, &balance_key),
        Some(1_000u128.to_le_bytes().to_vec())
    );
    assert_eq!(env.state().len(), 3);
}

#[test]
fn error_codes_are_stable() {
    use keyway_sdk::ContractError;
    let codes = [
        TokenError::InsufficientBalance,
        TokenError::InsufficientAllowance,
        TokenError::Unauthorized,
        TokenError::Overflow,
    ]
    .map(|e| e.code());
    assert_eq!(codes, [1, 2, 3, 4]);
}

#[test]
fn the_mock_ledger_follows_the_contract() {
    // The same transfers through the contract and through `mock::Ledger`: same statuses,
    // same balances and allowances after each.
    let mut env = setup();
    env.allow_all();
    let mut ledger = mock::Ledger::default();
    ledger.set_balance(TOKEN, ALICE, 1_000);
    let steps: [(Address, Option<Address>, Address, u128); 8] = [
        (ALICE, None, BOB, 300),        // transfer
        (BOB, None, CAROL, 301),        // more than Bob has
        (BOB, None, BOB, 300),          // to oneself
        (CAROL, Some(ALICE), BOB, 50),  // no allowance
        (ALICE, None, CAROL, 0),        // nothing
        (CAROL, Some(ALICE), BOB, 600), // more than the 500 Alice allowed
        (CAROL, Some(ALICE), BOB, 500), // exactly the allowance
        (CAROL, Some(BOB), ALICE, 1),   // allowance used up... of another owner
    ];
    env.set_sender(ALICE);
    env.call(|| approve(CAROL, 500)).unwrap();
    ledger.approve(TOKEN, ALICE, CAROL, 500);
    for (sender, from, to, amount) in steps {
        env.set_sender(sender);
        let (real, mocked) = match from {
            None => (
                env.call(|| transfer(to, amount)).status,
                ledger.transfer(TOKEN, sender, to, amount),
            ),
            Some(from) => (
                env.call(|| transfer_from(from, to, amount)).status,
                ledger.transfer_from(TOKEN, sender, from, to, amount),
            ),
        };
        let mocked = mocked.map_or_else(|e| e.status, |_| Status::Success);
        assert_eq!(real, mocked, "{sender:?} {from:?} {to:?} {amount}");
        for owner in [ALICE, BOB, CAROL] {
            assert_eq!(balance(&mut env, owner), ledger.balance(TOKEN, owner));
            assert_eq!(
                env.view(|| allowance(owner, CAROL)),
                ledger.allowance(TOKEN, owner, CAROL)
            );
        }
    }
}
