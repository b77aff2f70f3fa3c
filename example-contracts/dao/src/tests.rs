//! Native tests: the DAO's methods run against `keyway_sdk::testing::TestEnv`, each call
//! with exactly the access list its [`client`] builder declares, and the treasury token
//! mocked (its calls are recorded and checked).

use keyway_sdk::host_api::TxKind;
use keyway_sdk::testing::{Outcome, State, TestEnv};
use keyway_sdk::{AccessList, Address, ContractError, Key, Status, call::ALL_GAS};

use super::*;

const ALICE: Address = Address([0xA1; 32]);
const BOB: Address = Address([0xB0; 32]);
const CAROL: Address = Address([0xCA; 32]);
const DAVE: Address = Address([0xDA; 32]);
const STRANGER: Address = Address([0x99; 32]);
const DAO: Address = Address([0xD0; 32]);
const TOKEN: Address = Address([0x70; 32]);
/// The payout proposal [`proposed`] sets up.
const ID: u64 = 3;
const NOW: u64 = 1_700_000_000;
const DEADLINE: u64 = NOW + 600;
const PAYOUT: Action = Action::Payout {
    to: DAVE,
    amount: 400,
};

/// A DAO of Alice, Bob and Carol over `TOKEN`, at [`NOW`], whose token accepts every
/// transfer.
fn setup() -> TestEnv {
    let mut env = TestEnv::new();
    env.set_contract(DAO).set_block(10, NOW, 1);
    env.mock_returns(TOKEN, "transfer", ());
    let members = [ALICE, BOB, CAROL];
    env.set_sender(STRANGER)
        .declare(client::init_access(DAO, &members));
    env.call(|| init(TOKEN, members.to_vec())).unwrap();
    env
}

fn propose_payout(env: &mut TestEnv, proposer: Address, id: u64) -> Outcome<()> {
    let request = client::propose(DAO, proposer, id, DAVE, 400, DEADLINE);
    env.call_as(proposer, request.1, || propose(id, DAVE, 400, DEADLINE))
}

/// [`setup`] plus proposal [`ID`] by Alice: pay Dave 400.
fn proposed() -> TestEnv {
    let mut env = setup();
    propose_payout(&mut env, ALICE, ID).unwrap();
    env
}

fn vote_as(env: &mut TestEnv, voter: Address, id: u64, yes: bool) -> Outcome<()> {
    let request = client::vote(DAO, voter, id, yes);
    env.call_as(voter, request.1, || vote(id, yes))
}

fn execute_as(env: &mut TestEnv, sender: Address, id: u64, action: Action) -> Outcome<()> {
    let request = client::execute(DAO, TOKEN, id, &action);
    env.call_as(sender, request.1, || execute(id))
}

fn proposal(env: &mut TestEnv, id: u64) -> Proposal {
    env.view(|| get_proposal(id)).expect("the proposal exists")
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
fn init_stores_the_token_and_the_members_once_each() {
    let mut env = TestEnv::new();
    env.set_contract(DAO);
    let members = [ALICE, BOB, ALICE];
    env.declare(client::init_access(DAO, &members));
    let outcome = env.call(|| init(TOKEN, members.to_vec()));
    assert_eq!(outcome.status, Status::Success);
    assert_eq!(
        outcome.events_of::<MemberAdded>(),
        vec![MemberAdded { account: ALICE }, MemberAdded { account: BOB }]
    );
    assert_eq!(outcome.events[0].topic, b"member_added");
    assert_eq!(env.view(member_count), 2);
    assert_eq!(env.view(token), TOKEN);
    assert!(env.view(|| is_member(ALICE)) && env.view(|| is_member(BOB)));
    assert!(!env.view(|| is_member(CAROL)));

    let mut env = TestEnv::new();
    let outcome = env.call(|| init(TOKEN, vec![]));
    assert_eq!(outcome.status, DaoError::NoMembers.status());
    assert!(env.state().is_empty());
}

#[test]
fn a_member_proposes_a_payout() {
    let mut env = setup();
    let outcome = propose_payout(&mut env, BOB, ID);
    assert_eq!(outcome.status, Status::Success);
    assert_eq!(outcome.events[0].topic, b"proposed");
    assert_eq!(
        outcome.events_of::<Proposed>(),
        vec![Proposed {
            id: ID,
            proposer: BOB,
            action: PAYOUT,
            deadline: DEADLINE
        }]
    );
    let request = client::get_proposal(DAO, ID);
    let stored = env
        .call_as(STRANGER, request.1, || get_proposal(ID))
        .unwrap();
    assert_eq!(
        stored,
        Some(Proposal {
            proposer: BOB,
            action: PAYOUT,
            deadline: DEADLINE,
            yes: 0,
            no: 0,
            executed: false
        })
    );
    assert_eq!(env.view(|| get_proposal(ID + 1)), None);
}

#[test]
fn propose_refusals() {
    let mut env = proposed();
    let before = env.state().clone();
    let outcome = propose_payout(&mut env, STRANGER, ID + 1);
    assert_refused(&env, &before, outcome, DaoError::NotMember.status());
    let outcome = propose_payout(&mut env, BOB, ID);
    assert_refused(&env, &before, outcome, DaoError::AlreadyExists.status());
    let request = client::propose(DAO, BOB, ID + 1, DAVE, 1, NOW);
    let outcome = env.call_as(BOB, request.1, || propose(ID + 1, DAVE, 1, NOW));
    assert_refused(&env, &before, outcome, DaoError::InvalidDeadline.status());
    let request = client::propose_member(DAO, BOB, ID + 1, CAROL, DEADLINE);
    let outcome = env.call_as(BOB, request.1, || propose_member(ID + 1, CAROL, DEADLINE));
    assert_refused(&env, &before, outcome, DaoError::AlreadyMember.status());
}

#[test]
fn members_vote_once_each() {
    let mut env = proposed();
    let outcome = vote_as(&mut env, BOB, ID, true);
    assert_eq!(outcome.status, Status::Success);
    assert_eq!(
        outcome.events_of::<Voted>(),
        vec![Voted {
            id: ID,
            voter: BOB,
            yes: true
        }]
    );
    vote_as(&mut env, CAROL, ID, false).unwrap();
    let stored = proposal(&mut env, ID);
    assert_eq!((stored.yes, stored.no), (1, 1));
    let request = client::vote_of(DAO, ID, BOB);
    assert_eq!(
        env.call_as(STRANGER, request.1, || vote_of(ID, BOB))
            .unwrap(),
        Some(true)
    );
    assert_eq!(env.view(|| vote_of(ID, CAROL)), Some(false));
    assert_eq!(env.view(|| vote_of(ID, ALICE)), None);

    let before = env.state().clone();
    for yes in [true, false] {
        let outcome = vote_as(&mut env, BOB, ID, yes);
        assert_refused(&env, &before, outcome, DaoError::DoubleVote.status());
    }
}

#[test]
fn vote_refusals() {
    let mut env = proposed();
    let before = env.state().clone();
    let outcome = vote_as(&mut env, STRANGER, ID, true);
    assert_refused(&env, &before, outcome, DaoError::NotMember.status());
    let outcome = vote_as(&mut env, ALICE, ID + 1, true);
    assert_refused(&env, &before, outcome, DaoError::UnknownProposal.status());
    env.set_block(11, DEADLINE, 1);
    let outcome = vote_as(&mut env, ALICE, ID, true);
    assert_refused(&env, &before, outcome, DaoError::VotingClosed.status());
}

#[test]
fn a_majority_executes_the_payout_before_the_deadline() {
    let mut env = proposed();
    vote_as(&mut env, ALICE, ID, true).unwrap();
    // One yes of three members is not a majority.
    let before = env.state().clone();
    let outcome = execute_as(&mut env, STRANGER, ID, PAYOUT);
    assert!(outcome.calls.is_empty());
    assert_refused(&env, &before, outcome, DaoError::NotPassed.status());

    vote_as(&mut env, BOB, ID, true).unwrap();
    // Anyone executes a passed proposal.
    let outcome = execute_as(&mut env, STRANGER, ID, PAYOUT);
    assert_eq!(outcome.status, Status::Success);
    assert_eq!(outcome.calls.len(), 1);
    assert_eq!(
        (outcome.calls[0].contract, outcome.calls[0].method.as_str()),
        (TOKEN, "transfer")
    );
    assert_eq!(
        outcome.calls[0].args,
        borsh::to_vec(&(DAVE, 400u128)).unwrap()
    );
    assert_eq!(outcome.calls[0].gas, ALL_GAS);
    assert_eq!(
        outcome.events_of::<Executed>(),
        vec![Executed {
            id: ID,
            action: PAYOUT
        }]
    );
    assert!(proposal(&mut env, ID).executed);

    let before = env.state().clone();
    let outcome = execute_as(&mut env, ALICE, ID, PAYOUT);
    assert!(outcome.calls.is_empty());
    assert_refused(&env, &before, outcome, DaoError::AlreadyExecuted.status());
    let outcome = vote_as(&mut env, CAROL, ID, true);
    assert_refused(&env, &before, outcome, DaoError::AlreadyExecuted.status());
}

#[test]
fn without_a_majority_by_the_deadline_nothing_is_paid() {
    let mut env = proposed();
    vote_as(&mut env, ALICE, ID, true).unwrap();
    vote_as(&mut env, BOB, ID, false).unwrap();
    env.set_block(20, DEADLINE + 1, 1);
    let before = env.state().clone();
    let outcome = execute_as(&mut env, ALICE, ID, PAYOUT);
    assert_refused(&env, &before, outcome, DaoError::NotPassed.status());
    let outcome = vote_as(&mut env, CAROL, ID, true);
    assert_refused(&env, &before, outcome, DaoError::VotingClosed.status());
    let outcome = execute_as(&mut env, ALICE, ID + 1, PAYOUT);
    assert_refused(&env, &before, outcome, DaoError::UnknownProposal.status());
}

#[test]
fn a_passed_proposal_executes_after_the_deadline_too() {
    let mut env = proposed();
    vote_as(&mut env, ALICE, ID, true).unwrap();
    vote_as(&mut env, CAROL, ID, true).unwrap();
    env.set_block(20, DEADLINE + 1_000, 1);
    execute_as(&mut env, BOB, ID, PAYOUT).unwrap();
    assert!(proposal(&mut env, ID).executed);
}

#[test]
fn an_empty_treasury_fails_with_the_token_code_and_stays_executable() {
    let mut env = proposed();
    vote_as(&mut env, ALICE, ID, true).unwrap();
    vote_as(&mut env, BOB, ID, true).unwrap();
    let insufficient = keyway_token::TokenError::InsufficientBalance as u32;
    env.mock_fails(TOKEN, "transfer", Status::Reverted { code: insufficient });
    let before = env.state().clone();
    let outcome = execute_as(&mut env, ALICE, ID, PAYOUT);
    assert_eq!(outcome.calls[0].status, Status::Reverted { code: 1 });
    assert_refused(&env, &before, outcome, Status::Reverted { code: 1 });
    assert!(!proposal(&mut env, ID).executed);

    // Once the treasury is funded, the same proposal pays.
    env.mock_returns(TOKEN, "transfer", ());
    execute_as(&mut env, ALICE, ID, PAYOUT).unwrap();
    assert!(proposal(&mut env, ID).executed);
}

#[test]
fn a_passed_add_member_proposal_grows_the_majority() {
    let mut env = setup();
    let add_dave = Action::AddMember { account: DAVE };
    let request = client::propose_member(DAO, CAROL, 9, DAVE, DEADLINE);
    let outcome = env.call_as(CAROL, request.1, || propose_member(9, DAVE, DEADLINE));
    assert_eq!(
        outcome.events_of::<Proposed>(),
        vec![Proposed {
            id: 9,
            proposer: CAROL,
            action: add_dave,
            deadline: DEADLINE
        }]
    );
    vote_as(&mut env, ALICE, 9, true).unwrap();
    vote_as(&mut env, BOB, 9, true).unwrap();
    let outcome = execute_as(&mut env, STRANGER, 9, add_dave);
    assert_eq!(outcome.status, Status::Success);
    assert!(outcome.calls.is_empty());
    assert_eq!(
        outcome.events_of::<MemberAdded>(),
        vec![MemberAdded { account: DAVE }]
    );
    assert_eq!(
        outcome.events_of::<Executed>(),
        vec![Executed {
            id: 9,
            action: add_dave
        }]
    );
    assert_eq!(env.view(member_count), 4);
    let request = client::is_member(DAO, DAVE);
    assert!(
        env.call_as(STRANGER, request.1, || is_member(DAVE))
            .unwrap()
    );

    // Four members: two yes votes are no longer a majority; the new member's is.
    propose_payout(&mut env, DAVE, ID).unwrap();
    vote_as(&mut env, ALICE, ID, true).unwrap();
    vote_as(&mut env, BOB, ID, true).unwrap();
    let before = env.state().clone();
    let outcome = execute_as(&mut env, ALICE, ID, PAYOUT);
    assert_refused(&env, &before, outcome, DaoError::NotPassed.status());
    vote_as(&mut env, DAVE, ID, true).unwrap();
    execute_as(&mut env, ALICE, ID, PAYOUT).unwrap();
}

#[test]
fn adding_the_same_member_twice_counts_once() {
    let mut env = setup();
    for id in [1, 2] {
        let request = client::propose_member(DAO, ALICE, id, DAVE, DEADLINE);
        env.call_as(ALICE, request.1, || propose_member(id, DAVE, DEADLINE))
            .unwrap();
        // Three yes votes: still a majority once Dave makes four members.
        for voter in [ALICE, BOB, CAROL] {
            vote_as(&mut env, voter, id, true).unwrap();
        }
    }
    let add_dave = Action::AddMember { account: DAVE };
    execute_as(&mut env, ALICE, 1, add_dave).unwrap();
    let outcome = execute_as(&mut env, ALICE, 2, add_dave);
    assert_eq!(outcome.status, Status::Success);
    assert!(outcome.events_of::<MemberAdded>().is_empty());
    assert_eq!(env.view(member_count), 4);
    assert!(proposal(&mut env, 2).executed);
}

#[test]
fn the_treasury_view_asks_the_token() {
    let mut env = setup();
    env.mock(TOKEN, "balance_of", |call| {
        let (owner,): (Address,) = call.args();
        assert_eq!(owner, DAO, "the DAO asks for its own balance");
        Ok(borsh::to_vec(&1_234u128).unwrap())
    });
    let request = client::treasury(DAO, TOKEN);
    let outcome = env.call_as(STRANGER, request.1, treasury);
    assert_eq!(outcome.value, Some(1_234));
    assert_eq!(outcome.calls[0].method, "balance_of");
    let request = client::token(DAO);
    assert_eq!(env.call_as(STRANGER, request.1, token).unwrap(), TOKEN);
    let request = client::member_count(DAO);
    assert_eq!(env.call_as(STRANGER, request.1, member_count).unwrap(), 3);
}

#[test]
fn calls_touch_only_declared_keys() {
    let mut env = proposed();
    // Bob's vote declared under Alice's key: Bob's vote key is an undeclared read.
    let request = client::vote(DAO, ALICE, ID, true);
    let outcome = env.call_as(BOB, request.1, || vote(ID, true));
    assert_eq!(outcome.status, Status::UndeclaredRead);
    // A view's list only reads: the vote's writes are refused.
    let mut reads = client::vote(DAO, BOB, ID, true).1.writes;
    reads.push(Key::new(DAO, keys::member(&BOB)));
    env.set_sender(BOB).declare(AccessList {
        reads,
        writes: vec![],
    });
    assert_eq!(env.call(|| vote(ID, true)).status, Status::UndeclaredWrite);
}

#[test]
fn client_access_lists_name_the_token_keys() {
    use keyway_token::keys as token_keys;
    let (kind, access) = client::execute(DAO, TOKEN, ID, &PAYOUT);
    assert_eq!(
        kind,
        TxKind::Call {
            contract: DAO,
            method: "execute".into(),
            args: ID.to_le_bytes().to_vec()
        }
    );
    let mut expected = AccessList {
        reads: vec![
            Key::new(DAO, keys::MEMBER_COUNT.to_vec()),
            Key::new(DAO, keys::TOKEN.to_vec()),
        ],
        writes: vec![
            Key::new(DAO, keys::proposal(ID)),
            Key::new(TOKEN, token_keys::balance(&DAO)),
            Key::new(TOKEN, token_keys::balance(&DAVE)),
        ],
    };
    expected.normalize();
    assert_eq!(access, expected);
}

#[test]
fn storage_layout_is_as_documented() {
    assert_eq!(keys::TOKEN, b"token");
    assert_eq!(keys::MEMBER_COUNT, b"count");
    let member = keys::member(&ALICE);
    assert_eq!((member[0], &member[1..]), (b'm', &ALICE.0[..]));
    let proposal_key = keys::proposal(ID);
    assert_eq!(
        (proposal_key[0], &proposal_key[1..]),
        (b'p', &ID.to_le_bytes()[..])
    );
    let vote = keys::vote(ID, &BOB);
    assert_eq!(vote.len(), 41);
    assert_eq!(
        (vote[0], &vote[1..9], &vote[9..]),
        (b'v', &ID.to_le_bytes()[..], &BOB.0[..])
    );

    let mut env = proposed();
    vote_as(&mut env, BOB, ID, false).unwrap();
    assert_eq!(env.storage(&DAO, b"token"), Some(TOKEN.0.to_vec()));
    assert_eq!(
        env.storage(&DAO, b"count"),
        Some(3u32.to_le_bytes().to_vec())
    );
    assert_eq!(env.storage(&DAO, &member), Some(vec![]));
    assert_eq!(env.storage(&DAO, &vote), Some(vec![0]));
    // token, count, three members, one proposal, one vote.
    assert_eq!(env.state().len(), 7);
}

#[test]
fn error_codes_are_stable() {
    let codes = [
        DaoError::NotMember,
        DaoError::DoubleVote,
        DaoError::VotingClosed,
        DaoError::NotPassed,
        DaoError::AlreadyExecuted,
        DaoError::UnknownProposal,
        DaoError::AlreadyExists,
        DaoError::InvalidDeadline,
        DaoError::AlreadyMember,
        DaoError::NoMembers,
    ]
    .map(|e| e.code());
    assert_eq!(codes, [201, 202, 203, 204, 205, 206, 207, 208, 209, 210]);
}
