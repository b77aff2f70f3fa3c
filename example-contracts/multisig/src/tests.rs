//! Native tests: the wallet's methods run against `keyway_sdk::testing::TestEnv`, each
//! call with exactly the access list its [`client`] builder declares, and the called
//! contract (a token) mocked (its calls are recorded and checked).

use keyway_sdk::host_api::TxKind;
use keyway_sdk::testing::{Outcome, State, TestEnv};
use keyway_sdk::{AccessList, Address, ContractError, Key, Status, call::ALL_GAS};

use super::*;

const ANN: Address = Address([0xA1; 32]);
const BEN: Address = Address([0xB0; 32]);
const CAT: Address = Address([0xCA; 32]);
const PAYEE: Address = Address([0xEE; 32]);
const STRANGER: Address = Address([0x99; 32]);
const WALLET: Address = Address([0x3C; 32]);
const TOKEN: Address = Address([0x70; 32]);
/// The call [`submitted`] sets up: pay `PAYEE` 300 tokens.
const ID: u64 = 11;

fn transfer_args() -> Vec<u8> {
    borsh::to_vec(&(PAYEE, 300u128)).unwrap()
}

/// What the token's `transfer` of 300 from the wallet to `PAYEE` touches, as the token's
/// own client lists it.
fn transfer_access() -> AccessList {
    keyway_token::client::transfer(TOKEN, WALLET, PAYEE, 300).1
}

/// A 2-of-3 wallet of Ann, Ben and Cat, whose token accepts every transfer.
fn setup() -> TestEnv {
    let mut env = TestEnv::new();
    env.set_contract(WALLET);
    env.mock_returns(TOKEN, "transfer", ());
    let owners = [ANN, BEN, CAT];
    env.set_sender(STRANGER)
        .declare(client::init_access(WALLET, &owners));
    env.call(|| init(owners.to_vec(), 2)).unwrap();
    env
}

fn submit_as(env: &mut TestEnv, sender: Address, id: u64) -> Outcome<()> {
    let request = client::submit(WALLET, sender, id, TOKEN, "transfer", &transfer_args());
    env.call_as(sender, request.1, || {
        submit(id, TOKEN, "transfer".into(), transfer_args())
    })
}

/// [`setup`] plus call [`ID`], submitted by Ann.
fn submitted() -> TestEnv {
    let mut env = setup();
    submit_as(&mut env, ANN, ID).unwrap();
    env
}

fn approve_as(env: &mut TestEnv, owner: Address, id: u64) -> Outcome<()> {
    let request = client::approve(WALLET, owner, id);
    env.call_as(owner, request.1, || approve(id))
}

fn revoke_as(env: &mut TestEnv, owner: Address, id: u64) -> Outcome<()> {
    let request = client::revoke(WALLET, owner, id);
    env.call_as(owner, request.1, || revoke(id))
}

fn execute_as(env: &mut TestEnv, sender: Address, id: u64) -> Outcome<Vec<u8>> {
    let request = client::execute(WALLET, sender, id, &transfer_access());
    env.call_as(sender, request.1, || execute(id))
}

fn tally(env: &mut TestEnv, id: u64) -> Tally {
    env.view(|| get_tally(id)).expect("the call exists")
}

/// Asserts that `outcome` ended with `status` and that the state is still `before`.
#[track_caller]
fn assert_refused<T: core::fmt::Debug>(
    env: &TestEnv,
    before: &State,
    outcome: Outcome<T>,
    status: Status,
) {
    assert_eq!(outcome.status, status);
    assert!(outcome.events.is_empty());
    assert_eq!(env.state(), before);
}

#[test]
fn init_stores_the_owners_and_the_threshold() {
    let mut env = setup();
    let request = client::threshold(WALLET);
    assert_eq!(env.call_as(STRANGER, request.1, threshold).unwrap(), 2);
    let request = client::is_owner(WALLET, BEN);
    assert!(env.call_as(STRANGER, request.1, || is_owner(BEN)).unwrap());
    assert!(!env.view(|| is_owner(STRANGER)));
    assert_eq!(env.state().len(), 4);
}

#[test]
fn init_refuses_bad_thresholds_and_duplicate_owners() {
    let cases: [(&[Address], u32, MultisigError); 5] = [
        (&[ANN, BEN], 0, MultisigError::InvalidThreshold),
        (&[ANN, BEN], 3, MultisigError::InvalidThreshold),
        (&[], 1, MultisigError::InvalidThreshold),
        (&[ANN, BEN, ANN], 2, MultisigError::DuplicateOwner),
        (&[ANN, ANN], 1, MultisigError::DuplicateOwner),
    ];
    for (owners, threshold, error) in cases {
        let mut env = TestEnv::new();
        env.set_contract(WALLET)
            .declare(client::init_access(WALLET, owners));
        let outcome = env.call(|| init(owners.to_vec(), threshold));
        assert_eq!(outcome.status, error.status(), "{owners:?} {threshold}");
        assert!(env.state().is_empty());
    }
    // 1-of-1 and N-of-N are fine.
    let mut env = TestEnv::new();
    env.call(|| init(vec![ANN], 1)).unwrap();
    env.call(|| init(vec![BEN, CAT], 2)).unwrap();
}

#[test]
fn an_owner_submits_a_call() {
    let mut env = setup();
    let outcome = submit_as(&mut env, BEN, ID);
    assert_eq!(outcome.status, Status::Success);
    assert!(outcome.calls.is_empty(), "submitting calls nothing");
    assert_eq!(outcome.events[0].topic, b"submitted");
    assert_eq!(
        outcome.events_of::<Submitted>(),
        vec![Submitted {
            id: ID,
            submitter: BEN,
            target: TOKEN,
            method: "transfer".into()
        }]
    );
    let request = client::get_call(WALLET, ID);
    assert_eq!(
        env.call_as(STRANGER, request.1, || get_call(ID)).unwrap(),
        Some(StoredCall {
            target: TOKEN,
            method: "transfer".into(),
            args: transfer_args()
        })
    );
    let request = client::get_tally(WALLET, ID);
    assert_eq!(
        env.call_as(STRANGER, request.1, || get_tally(ID)).unwrap(),
        Some(Tally {
            submitter: BEN,
            approvals: 0,
            executed: false
        })
    );
    assert_eq!(env.view(|| get_call(ID + 1)), None);
}

#[test]
fn submit_refusals() {
    let mut env = submitted();
    let before = env.state().clone();
    let outcome = submit_as(&mut env, STRANGER, ID + 1);
    assert_refused(&env, &before, outcome, MultisigError::NotOwner.status());
    let outcome = submit_as(&mut env, BEN, ID);
    assert_refused(
        &env,
        &before,
        outcome,
        MultisigError::AlreadyExists.status(),
    );
}

#[test]
fn owners_approve_once_and_may_revoke() {
    let mut env = submitted();
    let outcome = approve_as(&mut env, ANN, ID);
    assert_eq!(
        outcome.events_of::<Approved>(),
        vec![Approved {
            id: ID,
            owner: ANN,
            approvals: 1
        }]
    );
    let request = client::has_approved(WALLET, ID, ANN);
    assert!(
        env.call_as(STRANGER, request.1, || has_approved(ID, ANN))
            .unwrap()
    );
    let before = env.state().clone();
    let outcome = approve_as(&mut env, ANN, ID);
    assert_refused(
        &env,
        &before,
        outcome,
        MultisigError::AlreadyApproved.status(),
    );

    approve_as(&mut env, BEN, ID).unwrap();
    assert_eq!(tally(&mut env, ID).approvals, 2);
    let outcome = revoke_as(&mut env, ANN, ID);
    assert_eq!(
        outcome.events_of::<Revoked>(),
        vec![Revoked {
            id: ID,
            owner: ANN,
            approvals: 1
        }]
    );
    assert!(!env.view(|| has_approved(ID, ANN)));
    assert_eq!(env.storage(&WALLET, &keys::approval(ID, &ANN)), None);
    assert_eq!(tally(&mut env, ID).approvals, 1);
    // Approving again after revoking counts again.
    approve_as(&mut env, ANN, ID).unwrap();
    assert_eq!(tally(&mut env, ID).approvals, 2);
}

#[test]
fn approve_and_revoke_refusals() {
    let mut env = submitted();
    let before = env.state().clone();
    let outcome = approve_as(&mut env, STRANGER, ID);
    assert_refused(&env, &before, outcome, MultisigError::NotOwner.status());
    let outcome = approve_as(&mut env, ANN, ID + 1);
    assert_refused(
        &env,
        &before,
        outcome,
        MultisigError::UnknownTransaction.status(),
    );
    let outcome = revoke_as(&mut env, STRANGER, ID);
    assert_refused(&env, &before, outcome, MultisigError::NotOwner.status());
    let outcome = revoke_as(&mut env, ANN, ID);
    assert_refused(&env, &before, outcome, MultisigError::NotApproved.status());
    let outcome = revoke_as(&mut env, ANN, ID + 1);
    assert_refused(
        &env,
        &before,
        outcome,
        MultisigError::UnknownTransaction.status(),
    );
}

#[test]
fn execute_needs_the_threshold_then_makes_the_call() {
    let mut env = submitted();
    approve_as(&mut env, ANN, ID).unwrap();
    let before = env.state().clone();
    let outcome = execute_as(&mut env, ANN, ID);
    assert!(outcome.calls.is_empty());
    assert_refused(
        &env,
        &before,
        outcome,
        MultisigError::NotEnoughApprovals.status(),
    );

    approve_as(&mut env, CAT, ID).unwrap();
    let before = env.state().clone();
    let outcome = execute_as(&mut env, STRANGER, ID);
    assert_refused(&env, &before, outcome, MultisigError::NotOwner.status());

    // Any owner executes, approver or not.
    let outcome = execute_as(&mut env, BEN, ID);
    assert_eq!(outcome.status, Status::Success);
    assert_eq!(outcome.calls.len(), 1);
    let made = &outcome.calls[0];
    assert_eq!((made.contract, made.method.as_str()), (TOKEN, "transfer"));
    assert_eq!((&made.args, made.gas), (&transfer_args(), ALL_GAS));
    assert_eq!(outcome.value, Some(vec![]), "transfer returns nothing");
    assert_eq!(
        outcome.events_of::<Executed>(),
        vec![Executed { id: ID, by: BEN }]
    );
    assert!(tally(&mut env, ID).executed);

    let before = env.state().clone();
    let executed = MultisigError::AlreadyExecuted.status();
    let outcome = execute_as(&mut env, ANN, ID);
    assert_refused(&env, &before, outcome, executed);
    let outcome = approve_as(&mut env, BEN, ID);
    assert_refused(&env, &before, outcome, executed);
    let outcome = revoke_as(&mut env, ANN, ID);
    assert_refused(&env, &before, outcome, executed);
    let outcome = execute_as(&mut env, ANN, ID + 1);
    assert_refused(
        &env,
        &before,
        outcome,
        MultisigError::UnknownTransaction.status(),
    );
}

#[test]
fn execute_returns_the_callees_return_data() {
    let mut env = setup();
    env.mock_returns(TOKEN, "balance_of", 777u128);
    let args = borsh::to_vec(&(WALLET,)).unwrap();
    let request = client::submit(WALLET, ANN, 1, TOKEN, "balance_of", &args);
    env.call_as(ANN, request.1, || {
        submit(1, TOKEN, "balance_of".into(), args.clone())
    })
    .unwrap();
    approve_as(&mut env, ANN, 1).unwrap();
    approve_as(&mut env, BEN, 1).unwrap();
    let request = client::execute(WALLET, ANN, 1, &AccessList::default());
    let outcome = env.call_as(ANN, request.1, || execute(1));
    assert_eq!(outcome.value, Some(777u128.to_le_bytes().to_vec()));
}

#[test]
fn a_failing_call_fails_execute_and_stays_executable() {
    let mut env = submitted();
    approve_as(&mut env, ANN, ID).unwrap();
    approve_as(&mut env, BEN, ID).unwrap();
    // The wallet holds too little: the token reverts with its code 1.
    env.mock_fails(TOKEN, "transfer", Status::Reverted { code: 1 });
    let before = env.state().clone();
    let outcome = execute_as(&mut env, ANN, ID);
    assert_eq!(outcome.calls[0].status, Status::Reverted { code: 1 });
    assert_refused(&env, &before, outcome, Status::Reverted { code: 1 });
    assert!(!tally(&mut env, ID).executed);
    // Other failures pass through as they are too.
    env.mock_fails(TOKEN, "transfer", Status::Reentrancy);
    let outcome = execute_as(&mut env, ANN, ID);
    assert_refused(&env, &before, outcome, Status::Reentrancy);

    // Once the wallet is funded, the same call goes through.
    env.mock_returns(TOKEN, "transfer", ());
    execute_as(&mut env, CAT, ID).unwrap();
    assert!(tally(&mut env, ID).executed);
}

#[test]
fn revoking_below_the_threshold_blocks_execution() {
    let mut env = submitted();
    approve_as(&mut env, ANN, ID).unwrap();
    approve_as(&mut env, BEN, ID).unwrap();
    revoke_as(&mut env, BEN, ID).unwrap();
    let before = env.state().clone();
    let outcome = execute_as(&mut env, ANN, ID);
    assert_refused(
        &env,
        &before,
        outcome,
        MultisigError::NotEnoughApprovals.status(),
    );
}

#[test]
fn the_execute_list_merges_the_inner_calls_list() {
    let (kind, access) = client::execute(WALLET, ANN, ID, &transfer_access());
    assert_eq!(
        kind,
        TxKind::Call {
            contract: WALLET,
            method: "execute".into(),
            args: ID.to_le_bytes().to_vec()
        }
    );
    let mut expected = AccessList {
        reads: vec![
            Key::new(WALLET, keys::owner(&ANN)),
            Key::new(WALLET, keys::THRESHOLD.to_vec()),
            Key::new(WALLET, keys::call(ID)),
        ],
        writes: vec![Key::new(WALLET, keys::tally(ID))],
    };
    expected.writes.extend(transfer_access().writes);
    expected.normalize();
    assert_eq!(access, expected);

    // `submit_call` takes the inner call as its own client builds it.
    let inner = TxKind::Call {
        contract: TOKEN,
        method: "transfer".into(),
        args: transfer_args(),
    };
    assert_eq!(
        client::submit_call(WALLET, ANN, ID, &inner),
        client::submit(WALLET, ANN, ID, TOKEN, "transfer", &transfer_args())
    );
}

#[test]
fn calls_touch_only_declared_keys() {
    let mut env = submitted();
    approve_as(&mut env, ANN, ID).unwrap();
    approve_as(&mut env, BEN, ID).unwrap();
    // Without the stored call's key: an undeclared read.
    let (_, mut access) = client::execute(WALLET, ANN, ID, &transfer_access());
    access.reads.retain(|key| key.bytes != keys::call(ID));
    env.set_sender(ANN).declare(access);
    assert_eq!(env.call(|| execute(ID)).status, Status::UndeclaredRead);
    // The tally only read: an undeclared write.
    let (_, mut access) = client::execute(WALLET, ANN, ID, &transfer_access());
    access.writes.retain(|key| key.bytes != keys::tally(ID));
    access.reads.push(Key::new(WALLET, keys::tally(ID)));
    env.declare(access);
    assert_eq!(env.call(|| execute(ID)).status, Status::UndeclaredWrite);
    assert!(!tally(&mut env, ID).executed);
}

#[test]
fn storage_layout_is_as_documented() {
    assert_eq!(keys::THRESHOLD, b"threshold");
    let owner = keys::owner(&ANN);
    assert_eq!((owner[0], &owner[1..]), (b'o', &ANN.0[..]));
    for (key, prefix) in [(keys::call(ID), b'c'), (keys::tally(ID), b's')] {
        assert_eq!((key[0], &key[1..]), (prefix, &ID.to_le_bytes()[..]));
    }
    let approval = keys::approval(ID, &BEN);
    assert_eq!(approval.len(), 41);
    assert_eq!(
        (approval[0], &approval[1..9], &approval[9..]),
        (b'a', &ID.to_le_bytes()[..], &BEN.0[..])
    );

    let mut env = submitted();
    approve_as(&mut env, BEN, ID).unwrap();
    assert_eq!(
        env.storage(&WALLET, b"threshold"),
        Some(2u32.to_le_bytes().to_vec())
    );
    assert_eq!(env.storage(&WALLET, &owner), Some(vec![]));
    assert_eq!(env.storage(&WALLET, &approval), Some(vec![]));
    // threshold, three owners, the call, its tally, one approval.
    assert_eq!(env.state().len(), 7);
}

#[test]
fn error_codes_are_stable() {
    let codes = [
        MultisigError::NotOwner,
        MultisigError::AlreadyApproved,
        MultisigError::NotEnoughApprovals,
        MultisigError::AlreadyExecuted,
        MultisigError::UnknownTransaction,
        MultisigError::InvalidThreshold,
        MultisigError::AlreadyExists,
        MultisigError::NotApproved,
        MultisigError::DuplicateOwner,
    ]
    .map(|e| e.code());
    assert_eq!(codes, [301, 302, 303, 304, 305, 306, 307, 308, 309]);
}
