//! The token contract's committed artifact on the real runtime.

use keyway_host_api::{AccessList, Status, TxKind, system};
use keyway_runtime::Keypair;
use keyway_tests::Chain;
use keyway_token::{TokenError, Transfer, client};

fn transfer_event(event: &keyway_host_api::Event) -> Transfer {
    assert_eq!(event.topic, b"transfer");
    borsh::from_slice(&event.data).unwrap()
}

#[test]
fn init_gives_the_supply_to_the_creator() {
    let mut chain = Chain::new();
    let alice = Keypair::from_seed(b"alice");
    let token = chain.create_token(&alice, 1_000);
    assert_eq!(chain.balance(token, &alice.address()), 1_000);
}

#[test]
fn transfer_moves_balances_and_emits_the_event() {
    let mut chain = Chain::new();
    let (alice, bob) = (Keypair::from_seed(b"alice"), Keypair::from_seed(b"bob"));
    let token = chain.create_token(&alice, 1_000);
    let (kind, access) = client::transfer(token, alice.address(), bob.address(), 250);
    let outcome = chain.submit(&alice, kind, access);
    assert_eq!(outcome.receipt.status, Status::Success);
    assert_eq!(chain.balance(token, &alice.address()), 750);
    assert_eq!(chain.balance(token, &bob.address()), 250);
    assert_eq!(outcome.receipt.events.len(), 1);
    assert_eq!(outcome.receipt.events[0].contract, token);
    assert_eq!(
        transfer_event(&outcome.receipt.events[0]),
        Transfer {
            from: alice.address(),
            to: bob.address(),
            amount: 250
        }
    );
    // Writes: two balances and the nonce, nothing else.
    assert_eq!(outcome.writes.len(), 3);
    assert!(
        outcome
            .writes
            .get(&system::nonce_key(&alice.address()))
            .is_some()
    );
}

#[test]
fn insufficient_balance_reverts_with_the_contract_code_and_writes_nothing() {
    let mut chain = Chain::new();
    let (alice, bob) = (Keypair::from_seed(b"alice"), Keypair::from_seed(b"bob"));
    let token = chain.create_token(&alice, 100);
    let request = client::transfer(token, alice.address(), bob.address(), 101);
    chain.expect_error(&alice, request, TokenError::InsufficientBalance);
    assert_eq!(chain.balance(token, &alice.address()), 100);
    assert_eq!(chain.balance(token, &bob.address()), 0);
}

#[test]
fn approve_then_transfer_from_spends_the_allowance() {
    let mut chain = Chain::new();
    let [alice, bob, carol] = [&b"alice"[..], b"bob", b"carol"].map(Keypair::from_seed);
    let token = chain.create_token(&alice, 100);
    let (kind, access) = client::approve(token, alice.address(), bob.address(), 60);
    assert_eq!(
        chain.submit(&alice, kind, access).receipt.status,
        Status::Success
    );

    let spend = |amount| {
        client::transfer_from(
            token,
            bob.address(),
            alice.address(),
            carol.address(),
            amount,
        )
    };
    let (kind, access) = spend(70);
    assert_eq!(
        chain.submit(&bob, kind, access).receipt.status,
        Status::Reverted {
            code: TokenError::InsufficientAllowance as u32
        }
    );
    let (kind, access) = spend(60);
    assert_eq!(
        chain.submit(&bob, kind, access).receipt.status,
        Status::Success
    );
    assert_eq!(chain.balance(token, &carol.address()), 60);
    assert_eq!(chain.balance(token, &alice.address()), 40);
}

#[test]
fn only_the_owner_mints() {
    let mut chain = Chain::new();
    let (alice, bob) = (Keypair::from_seed(b"alice"), Keypair::from_seed(b"bob"));
    let token = chain.create_token(&alice, 100);
    let (kind, access) = client::mint(token, bob.address(), 5);
    assert_eq!(
        chain
            .submit(&bob, kind.clone(), access.clone())
            .receipt
            .status,
        Status::Reverted {
            code: TokenError::Unauthorized as u32
        }
    );
    assert_eq!(
        chain.submit(&alice, kind, access).receipt.status,
        Status::Success
    );
    assert_eq!(chain.balance(token, &bob.address()), 5);
}

#[test]
fn undeclared_keys_in_a_real_contract() {
    let mut chain = Chain::new();
    let (alice, bob) = (Keypair::from_seed(b"alice"), Keypair::from_seed(b"bob"));
    let token = chain.create_token(&alice, 100);
    let (kind, mut access) = client::transfer(token, alice.address(), bob.address(), 10);
    // Bob's balance declared read-only: the credit is an undeclared write.
    let bob_key = access
        .writes
        .iter()
        .position(|k| k.bytes == keyway_token::keys::balance(&bob.address()))
        .unwrap();
    let key = access.writes.remove(bob_key);
    access.reads.push(key);
    let outcome = chain.submit(&alice, kind.clone(), access);
    assert_eq!(outcome.receipt.status, Status::UndeclaredWrite);
    assert_eq!(chain.balance(token, &alice.address()), 100);

    // Nothing declared: the first balance read is an undeclared read.
    let outcome = chain.submit(&alice, kind, AccessList::default());
    assert_eq!(outcome.receipt.status, Status::UndeclaredRead);
    assert_eq!(chain.balance(token, &bob.address()), 0);
}

#[test]
fn view_methods_return_borsh() {
    let mut chain = Chain::new();
    let alice = Keypair::from_seed(b"alice");
    let token = chain.create_token(&alice, 1_234);
    let (kind, access) = client::balance_of(token, alice.address());
    let outcome = chain.submit(&alice, kind, access);
    assert_eq!(
        borsh::from_slice::<u128>(&outcome.receipt.return_data).unwrap(),
        1_234
    );
    let outcome = chain.submit(
        &alice,
        TxKind::Call {
            contract: token,
            method: "transfer".into(),
            args: vec![1, 2, 3],
        },
        AccessList::default(),
    );
    assert_eq!(
        outcome.receipt.status,
        Status::Aborted,
        "bad arguments abort"
    );
    assert!(String::from_utf8_lossy(&outcome.receipt.return_data).contains("invalid arguments"));
}

#[test]
fn transfer_gas_is_deterministic_across_runs() {
    let gas = || {
        let mut chain = Chain::new();
        let (alice, bob) = (Keypair::from_seed(b"alice"), Keypair::from_seed(b"bob"));
        let token = chain.create_token(&alice, 1_000);
        let (kind, access) = client::transfer(token, alice.address(), bob.address(), 1);
        chain.submit(&alice, kind, access).receipt.gas_used
    };
    let first = gas();
    assert_eq!(first, gas());
    assert_eq!(first, gas());
}
