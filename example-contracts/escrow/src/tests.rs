//! Native tests: the escrow's methods run against `keyway_sdk::testing::TestEnv`, each
//! call with exactly the access list its [`client`] builder declares, and the token
//! mocked (its calls are recorded and checked).

use keyway_sdk::host_api::TxKind;
use keyway_sdk::testing::{Outcome, RecordedCall, State, TestEnv};
use keyway_sdk::{AccessList, Address, ContractError, Status, call::ALL_GAS};

use super::*;

const CLIENT: Address = Address([0xC1; 32]);
const FREELANCER: Address = Address([0xF1; 32]);
const ARBITER: Address = Address([0xAB; 32]);
const STRANGER: Address = Address([0x99; 32]);
const ESCROW: Address = Address([0xE5; 32]);
const TOKEN: Address = Address([0x70; 32]);
/// The job [`created`] sets up.
const ID: u64 = 7;
const NOW: u64 = 1_700_000_000;
const DEADLINE: u64 = NOW + 1_000;
const AMOUNTS: [u128; 3] = [100, 250, 650];
const TOTAL: u128 = 1_000;

/// An escrow at [`NOW`] whose token accepts every call.
fn setup() -> TestEnv {
    let mut env = TestEnv::new();
    env.set_contract(ESCROW).set_block(10, NOW, 1);
    env.mock_returns(TOKEN, "transfer_from", ())
        .mock_returns(TOKEN, "transfer", ());
    env
}

fn create(env: &mut TestEnv, id: u64, milestones: &[u128], deadline: u64) -> Outcome<()> {
    let request = client::create_job(
        ESCROW, CLIENT, id, FREELANCER, ARBITER, TOKEN, milestones, deadline,
    );
    let milestones = milestones.to_vec();
    env.call_as(CLIENT, request.1, || {
        create_job(id, FREELANCER, ARBITER, TOKEN, milestones, deadline)
    })
}

/// [`setup`] plus job [`ID`] with [`AMOUNTS`] due by [`DEADLINE`].
fn created() -> TestEnv {
    let mut env = setup();
    create(&mut env, ID, &AMOUNTS, DEADLINE).unwrap();
    env
}

fn deliver(env: &mut TestEnv, sender: Address, milestone: u32) -> Outcome<()> {
    let request = client::mark_delivered(ESCROW, ID, milestone);
    env.call_as(sender, request.1, || mark_delivered(ID, milestone))
}

fn release_as(env: &mut TestEnv, sender: Address, milestone: u32) -> Outcome<()> {
    let request = client::release(ESCROW, TOKEN, FREELANCER, ID, milestone);
    env.call_as(sender, request.1, || release(ID, milestone))
}

fn dispute_as(env: &mut TestEnv, sender: Address, milestone: u32) -> Outcome<()> {
    let request = client::dispute(ESCROW, ID, milestone);
    env.call_as(sender, request.1, || dispute(ID, milestone))
}

fn resolve_as(
    env: &mut TestEnv,
    sender: Address,
    milestone: u32,
    to_freelancer: bool,
) -> Outcome<()> {
    let payee = if to_freelancer { FREELANCER } else { CLIENT };
    let request = client::resolve(ESCROW, TOKEN, payee, ID, milestone, to_freelancer);
    env.call_as(sender, request.1, || resolve(ID, milestone, to_freelancer))
}

fn refund_as(env: &mut TestEnv, sender: Address) -> Outcome<u128> {
    let request = client::refund(ESCROW, TOKEN, CLIENT, ID);
    env.call_as(sender, request.1, || refund(ID))
}

fn states(env: &mut TestEnv) -> Vec<MilestoneState> {
    let job = env.view(|| get_job(ID)).expect("the job exists");
    job.milestones.iter().map(|m| m.state).collect()
}

/// The one token call of `outcome`: `method` with `args`, all gas forwarded.
#[track_caller]
fn assert_token_call<A: borsh::BorshSerialize>(calls: &[RecordedCall], method: &str, args: A) {
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert_eq!(calls[0].contract, TOKEN);
    assert_eq!(calls[0].method, method);
    assert_eq!(calls[0].args, borsh::to_vec(&args).unwrap());
    assert_eq!(calls[0].gas, ALL_GAS);
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
fn create_job_takes_the_total_from_the_client() {
    let mut env = setup();
    let outcome = create(&mut env, ID, &AMOUNTS, DEADLINE);
    assert_eq!(outcome.status, Status::Success);
    assert_token_call(&outcome.calls, "transfer_from", (CLIENT, ESCROW, TOTAL));
    assert_eq!(outcome.events[0].topic, b"job_created");
    assert_eq!(
        outcome.events_of::<JobCreated>(),
        vec![JobCreated {
            id: ID,
            client: CLIENT,
            freelancer: FREELANCER,
            arbiter: ARBITER,
            token: TOKEN,
            milestones: AMOUNTS.to_vec(),
            deadline: DEADLINE,
        }]
    );
    let request = client::get_job(ESCROW, ID);
    let job = env.call_as(STRANGER, request.1, || get_job(ID)).unwrap();
    assert_eq!(
        job,
        Some(Job {
            client: CLIENT,
            freelancer: FREELANCER,
            arbiter: ARBITER,
            token: TOKEN,
            deadline: DEADLINE,
            milestones: AMOUNTS
                .iter()
                .map(|&amount| Milestone {
                    amount,
                    state: MilestoneState::Funded
                })
                .collect(),
        })
    );
    let request = client::held(ESCROW, ID);
    assert_eq!(
        env.call_as(STRANGER, request.1, || held(ID)).unwrap(),
        TOTAL
    );
    assert_eq!(env.view(|| held(ID + 1)), 0, "unknown jobs hold nothing");
    assert_eq!(env.view(|| get_job(ID + 1)), None);
}

#[test]
fn create_job_checks_its_terms() {
    let mut env = created();
    let before = env.state().clone();
    let too_many = [1u128; MAX_MILESTONES + 1];
    let cases: [(&[u128], u64, EscrowError); 6] = [
        (&[], DEADLINE, EscrowError::InvalidMilestones),
        (&too_many, DEADLINE, EscrowError::InvalidMilestones),
        (&[5, 0], DEADLINE, EscrowError::InvalidMilestones),
        (&[u128::MAX, 1], DEADLINE, EscrowError::InvalidMilestones),
        (&AMOUNTS, NOW, EscrowError::InvalidDeadline),
        (&AMOUNTS, DEADLINE, EscrowError::AlreadyExists),
    ];
    for (milestones, deadline, error) in cases {
        let outcome = create(&mut env, ID, milestones, deadline);
        assert!(outcome.calls.is_empty(), "{error:?}: no token call");
        assert_refused(&env, &before, outcome, error.status());
    }
    // The most milestones allowed is fine.
    create(&mut env, ID + 1, &[1; MAX_MILESTONES], DEADLINE).unwrap();
}

#[test]
fn the_three_parties_must_be_distinct() {
    let mut env = setup();
    let before = env.state().clone();
    for (freelancer, arbiter) in [(CLIENT, ARBITER), (FREELANCER, CLIENT), (ARBITER, ARBITER)] {
        let request = client::create_job(
            ESCROW, CLIENT, ID, freelancer, arbiter, TOKEN, &AMOUNTS, DEADLINE,
        );
        let outcome = env.call_as(CLIENT, request.1, || {
            create_job(ID, freelancer, arbiter, TOKEN, AMOUNTS.to_vec(), DEADLINE)
        });
        assert_refused(&env, &before, outcome, EscrowError::InvalidParties.status());
    }
}

#[test]
fn a_failed_funding_passes_the_token_code_through_and_creates_nothing() {
    for code in [
        keyway_token::TokenError::InsufficientBalance as u32,
        keyway_token::TokenError::InsufficientAllowance as u32,
    ] {
        let mut env = setup();
        env.mock_fails(TOKEN, "transfer_from", Status::Reverted { code });
        let before = env.state().clone();
        let outcome = create(&mut env, ID, &AMOUNTS, DEADLINE);
        assert_eq!(outcome.calls[0].status, Status::Reverted { code });
        assert_refused(&env, &before, outcome, Status::Reverted { code });
        assert_eq!(env.view(|| get_job(ID)), None);
    }
}

#[test]
fn the_freelancer_marks_milestones_delivered() {
    let mut env = created();
    let outcome = deliver(&mut env, FREELANCER, 1);
    assert_eq!(outcome.status, Status::Success);
    assert!(outcome.calls.is_empty());
    assert_eq!(
        outcome.events_of::<Delivered>(),
        vec![Delivered {
            id: ID,
            milestone: 1
        }]
    );
    assert_eq!(
        states(&mut env),
        [
            MilestoneState::Funded,
            MilestoneState::Delivered,
            MilestoneState::Funded
        ]
    );
    assert_eq!(env.view(|| held(ID)), TOTAL, "delivering pays nothing yet");
}

#[test]
fn mark_delivered_refusals() {
    let mut env = created();
    deliver(&mut env, FREELANCER, 1).unwrap();
    let before = env.state().clone();
    for sender in [CLIENT, ARBITER, STRANGER] {
        let outcome = deliver(&mut env, sender, 0);
        assert_refused(&env, &before, outcome, EscrowError::Unauthorized.status());
    }
    let outcome = deliver(&mut env, FREELANCER, 3);
    assert_refused(
        &env,
        &before,
        outcome,
        EscrowError::UnknownMilestone.status(),
    );
    let outcome = deliver(&mut env, FREELANCER, 1);
    assert_refused(&env, &before, outcome, EscrowError::WrongState.status());
    let request = client::mark_delivered(ESCROW, ID + 1, 0);
    let outcome = env.call_as(FREELANCER, request.1, || mark_delivered(ID + 1, 0));
    assert_refused(&env, &before, outcome, EscrowError::UnknownJob.status());

    // At the deadline, nothing more may be delivered.
    env.set_block(11, DEADLINE, 1);
    let outcome = deliver(&mut env, FREELANCER, 0);
    assert_refused(&env, &before, outcome, EscrowError::DeadlinePassed.status());
    env.set_block(11, DEADLINE - 1, 1);
    deliver(&mut env, FREELANCER, 0).unwrap();
}

#[test]
fn the_client_releases_delivered_and_undelivered_milestones() {
    let mut env = created();
    deliver(&mut env, FREELANCER, 0).unwrap();
    let outcome = release_as(&mut env, CLIENT, 0);
    assert_eq!(outcome.status, Status::Success);
    assert_token_call(&outcome.calls, "transfer", (FREELANCER, 100u128));
    assert_eq!(
        outcome.events_of::<Released>(),
        vec![Released {
            id: ID,
            milestone: 0,
            amount: 100
        }]
    );
    // Paying ahead of delivery is the client's choice.
    let outcome = release_as(&mut env, CLIENT, 2);
    assert_token_call(&outcome.calls, "transfer", (FREELANCER, 650u128));
    assert_eq!(
        states(&mut env),
        [
            MilestoneState::Released,
            MilestoneState::Funded,
            MilestoneState::Released
        ]
    );
    assert_eq!(env.view(|| held(ID)), 250);
}

#[test]
fn release_refusals() {
    let mut env = created();
    release_as(&mut env, CLIENT, 0).unwrap();
    deliver(&mut env, FREELANCER, 1).unwrap();
    dispute_as(&mut env, CLIENT, 1).unwrap();
    let before = env.state().clone();
    for sender in [FREELANCER, ARBITER, STRANGER] {
        let outcome = release_as(&mut env, sender, 2);
        assert_refused(&env, &before, outcome, EscrowError::Unauthorized.status());
    }
    for milestone in [0, 1] {
        let outcome = release_as(&mut env, CLIENT, milestone);
        assert!(outcome.calls.is_empty());
        assert_refused(&env, &before, outcome, EscrowError::WrongState.status());
    }
    let outcome = release_as(&mut env, CLIENT, 9);
    assert_refused(
        &env,
        &before,
        outcome,
        EscrowError::UnknownMilestone.status(),
    );
}

#[test]
fn a_failed_payment_undoes_the_state_change() {
    let mut env = created();
    env.mock_fails(
        TOKEN,
        "transfer",
        Status::Reverted {
            code: keyway_token::TokenError::InsufficientBalance as u32,
        },
    );
    let before = env.state().clone();
    let outcome = release_as(&mut env, CLIENT, 0);
    assert_refused(&env, &before, outcome, Status::Reverted { code: 1 });
    assert_eq!(states(&mut env)[0], MilestoneState::Funded);
}

#[test]
fn either_party_disputes_a_delivered_milestone() {
    let mut env = created();
    deliver(&mut env, FREELANCER, 0).unwrap();
    deliver(&mut env, FREELANCER, 1).unwrap();
    for (milestone, party) in [(0, CLIENT), (1, FREELANCER)] {
        let outcome = dispute_as(&mut env, party, milestone);
        assert_eq!(outcome.status, Status::Success);
        assert!(outcome.calls.is_empty());
        assert_eq!(
            outcome.events_of::<Disputed>(),
            vec![Disputed {
                id: ID,
                milestone,
                by: party
            }]
        );
    }
    assert_eq!(
        states(&mut env),
        [
            MilestoneState::Disputed,
            MilestoneState::Disputed,
            MilestoneState::Funded
        ]
    );
    assert_eq!(env.view(|| held(ID)), TOTAL);
}

#[test]
fn dispute_refusals() {
    let mut env = created();
    deliver(&mut env, FREELANCER, 0).unwrap();
    let before = env.state().clone();
    for sender in [ARBITER, STRANGER] {
        let outcome = dispute_as(&mut env, sender, 0);
        assert_refused(&env, &before, outcome, EscrowError::Unauthorized.status());
    }
    // Only a delivered milestone is disputed: an undelivered one is refunded at the
    // deadline instead.
    let outcome = dispute_as(&mut env, CLIENT, 1);
    assert_refused(&env, &before, outcome, EscrowError::WrongState.status());
    dispute_as(&mut env, CLIENT, 0).unwrap();
    let before = env.state().clone();
    let outcome = dispute_as(&mut env, FREELANCER, 0);
    assert_refused(&env, &before, outcome, EscrowError::WrongState.status());
}

#[test]
fn the_arbiter_resolves_either_way() {
    let mut env = created();
    for milestone in [0, 1] {
        deliver(&mut env, FREELANCER, milestone).unwrap();
        dispute_as(&mut env, CLIENT, milestone).unwrap();
    }
    let outcome = resolve_as(&mut env, ARBITER, 0, true);
    assert_eq!(outcome.status, Status::Success);
    assert_token_call(&outcome.calls, "transfer", (FREELANCER, 100u128));
    assert_eq!(
        outcome.events_of::<Resolved>(),
        vec![Resolved {
            id: ID,
            milestone: 0,
            to_freelancer: true,
            amount: 100
        }]
    );
    let outcome = resolve_as(&mut env, ARBITER, 1, false);
    assert_token_call(&outcome.calls, "transfer", (CLIENT, 250u128));
    assert_eq!(
        outcome.events_of::<Resolved>(),
        vec![Resolved {
            id: ID,
            milestone: 1,
            to_freelancer: false,
            amount: 250
        }]
    );
    assert_eq!(
        states(&mut env),
        [
            MilestoneState::Released,
            MilestoneState::Refunded,
            MilestoneState::Funded
        ]
    );
    assert_eq!(env.view(|| held(ID)), 650);
}

#[test]
fn only_the_arbiter_resolves_and_only_disputes() {
    let mut env = created();
    deliver(&mut env, FREELANCER, 0).unwrap();
    dispute_as(&mut env, FREELANCER, 0).unwrap();
    let before = env.state().clone();
    for sender in [CLIENT, FREELANCER, STRANGER] {
        let outcome = resolve_as(&mut env, sender, 0, sender == FREELANCER);
        assert_refused(&env, &before, outcome, EscrowError::Unauthorized.status());
    }
    let outcome = resolve_as(&mut env, ARBITER, 1, true);
    assert_refused(&env, &before, outcome, EscrowError::WrongState.status());
    resolve_as(&mut env, ARBITER, 0, true).unwrap();
    let before = env.state().clone();
    let outcome = resolve_as(&mut env, ARBITER, 0, false);
    assert_refused(&env, &before, outcome, EscrowError::WrongState.status());
}

#[test]
fn refund_waits_for_the_deadline_and_returns_only_undelivered_milestones() {
    let mut env = created();
    deliver(&mut env, FREELANCER, 1).unwrap();
    let before = env.state().clone();
    let outcome = refund_as(&mut env, CLIENT);
    assert!(outcome.calls.is_empty());
    assert_refused(
        &env,
        &before,
        outcome,
        EscrowError::DeadlineNotReached.status(),
    );

    env.set_block(20, DEADLINE, 1);
    for sender in [FREELANCER, ARBITER, STRANGER] {
        let outcome = refund_as(&mut env, sender);
        assert_refused(&env, &before, outcome, EscrowError::Unauthorized.status());
    }
    let outcome = refund_as(&mut env, CLIENT);
    assert_eq!(outcome.value, Some(750));
    assert_token_call(&outcome.calls, "transfer", (CLIENT, 750u128));
    assert_eq!(
        outcome.events_of::<Refunded>(),
        vec![Refunded {
            id: ID,
            amount: 750
        }]
    );
    assert_eq!(
        states(&mut env),
        [
            MilestoneState::Refunded,
            MilestoneState::Delivered,
            MilestoneState::Refunded
        ]
    );
    assert_eq!(env.view(|| held(ID)), 250, "the delivered milestone stays");

    let before = env.state().clone();
    let outcome = refund_as(&mut env, CLIENT);
    assert_refused(
        &env,
        &before,
        outcome,
        EscrowError::NothingToRefund.status(),
    );
    // The delivered milestone is still the client's to release.
    release_as(&mut env, CLIENT, 1).unwrap();
    assert_eq!(env.view(|| held(ID)), 0);
}

#[test]
fn refund_of_an_unknown_job() {
    let mut env = setup();
    env.set_block(20, DEADLINE, 1);
    let before = env.state().clone();
    let outcome = refund_as(&mut env, CLIENT);
    assert_refused(&env, &before, outcome, EscrowError::UnknownJob.status());
}

#[test]
fn calls_touch_only_the_declared_job() {
    let mut env = created();
    // Declared for another job: job ID is an undeclared read.
    let request = client::mark_delivered(ESCROW, ID + 1, 0);
    let outcome = env.call_as(FREELANCER, request.1, || mark_delivered(ID, 0));
    assert_eq!(outcome.status, Status::UndeclaredRead);
    // A view's list only reads: a write would be refused.
    let request = client::get_job(ESCROW, ID);
    let outcome = env.call_as(FREELANCER, request.1, || mark_delivered(ID, 0));
    assert_eq!(outcome.status, Status::UndeclaredWrite);
}

#[test]
fn client_access_lists_name_the_token_keys() {
    use keyway_sdk::Key;
    use keyway_token::keys as token_keys;
    let (kind, access) = client::create_job(
        ESCROW, CLIENT, ID, FREELANCER, ARBITER, TOKEN, &AMOUNTS, DEADLINE,
    );
    let mut expected = AccessList {
        reads: vec![],
        writes: vec![
            Key::new(ESCROW, keys::job(ID)),
            Key::new(TOKEN, token_keys::allowance(&CLIENT, &ESCROW)),
            Key::new(TOKEN, token_keys::balance(&CLIENT)),
            Key::new(TOKEN, token_keys::balance(&ESCROW)),
        ],
    };
    expected.normalize();
    assert_eq!(access, expected);
    assert_eq!(
        kind,
        TxKind::Call {
            contract: ESCROW,
            method: "create_job".into(),
            args: borsh::to_vec(&(ID, FREELANCER, ARBITER, TOKEN, AMOUNTS.to_vec(), DEADLINE))
                .unwrap(),
        }
    );
    let (_, access) = client::refund(ESCROW, TOKEN, CLIENT, ID);
    let mut expected = AccessList {
        reads: vec![],
        writes: vec![
            Key::new(ESCROW, keys::job(ID)),
            Key::new(TOKEN, token_keys::balance(&ESCROW)),
            Key::new(TOKEN, token_keys::balance(&CLIENT)),
        ],
    };
    expected.normalize();
    assert_eq!(access, expected);
}

#[test]
fn storage_layout_is_as_documented() {
    let key = keys::job(ID);
    assert_eq!(key.len(), 9);
    assert_eq!((key[0], &key[1..]), (b'j', &ID.to_le_bytes()[..]));
    let env = created();
    assert_eq!(env.state().len(), 1);
    let stored = env.storage(&ESCROW, &key).unwrap();
    let job: Job = borsh::from_slice(&stored).unwrap();
    assert_eq!(job.milestones.len(), AMOUNTS.len());
    // One byte per state, in declaration order.
    assert_eq!(borsh::to_vec(&MilestoneState::Refunded).unwrap(), [4]);
}

#[test]
fn error_codes_are_stable() {
    let codes = [
        EscrowError::Unauthorized,
        EscrowError::WrongState,
        EscrowError::UnknownJob,
        EscrowError::AlreadyExists,
        EscrowError::DeadlineNotReached,
        EscrowError::DeadlinePassed,
        EscrowError::UnknownMilestone,
        EscrowError::InvalidMilestones,
        EscrowError::InvalidDeadline,
        EscrowError::InvalidParties,
        EscrowError::NothingToRefund,
    ]
    .map(|e| e.code());
    assert_eq!(
        codes,
        [101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111]
    );
}
