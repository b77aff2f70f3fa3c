//! The DAO contract's committed artifact on the real runtime, with its treasury in the
//! committed token artifact.

use keyway_dao::{
    Action, DaoError, Executed, MemberAdded, Proposal, Proposed, Voted, client, keys,
};
use keyway_host_api::{AccessList, Address, Key, Status, TxKind, system};
use keyway_runtime::Keypair;
use keyway_tests::{Chain, Senders, artifact, event, one_page_artifact_methods, returned};
use keyway_token::{TokenError, Transfer};

/// The payout proposal most tests work on.
const ID: u64 = 1;
const PAYOUT: u128 = 400;
/// What Alice, who creates the token, puts in the treasury.
const TREASURY: u128 = 1_000;
const SUPPLY: u128 = 10_000;
/// How long proposals are open.
const VOTING: u64 = 600;

/// Who sends a transaction.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Party {
    Alice,
    Bob,
    Carol,
    /// Not a member: the payee, and the candidate member.
    Dave,
    Stranger,
}

const MEMBERS: [Party; 3] = [Party::Alice, Party::Bob, Party::Carol];

/// A chain with a token (all of it Alice's) and a DAO of Alice, Bob and Carol whose
/// treasury holds [`TREASURY`].
struct Fixture {
    chain: Chain,
    token: Address,
    dao: Address,
    keys: [Keypair; 5],
}

impl Fixture {
    fn new() -> Fixture {
        let keys = [&b"alice"[..], b"bob", b"carol", b"dave", b"stranger"].map(Keypair::from_seed);
        let mut chain = Chain::new();
        let token = chain.create_token(&keys[0], SUPPLY);
        let mut fixture = Fixture {
            chain,
            token,
            dao: Address([0; 32]),
            keys,
        };
        // The stranger creates the DAO with the client's builder, whose access list is
        // checked against discovery like every other.
        let members = MEMBERS.map(|party| fixture.address(party));
        let stranger = fixture.address(Party::Stranger);
        let (dao, [deploy, instantiate]) =
            client::create(&artifact("dao"), stranger, 0, token, &members);
        fixture.expect_success(Party::Stranger, deploy);
        let outcome = fixture.expect_exact(Party::Stranger, "instantiate", instantiate);
        assert_eq!(outcome.receipt.return_data, dao.0);
        assert_eq!(outcome.receipt.events.len(), 3, "one MemberAdded each");
        fixture.dao = dao;
        let alice = fixture.address(Party::Alice);
        let fund = keyway_token::client::transfer(token, alice, dao, TREASURY);
        fixture.expect_success(Party::Alice, fund);
        fixture
    }

    /// [`Fixture::new`] plus proposal [`ID`] by Alice: pay Dave [`PAYOUT`].
    fn with_proposal() -> Fixture {
        let mut fixture = Fixture::new();
        let request = fixture.propose_request(Party::Alice, ID, PAYOUT);
        fixture.expect_exact(Party::Alice, "propose", request);
        fixture
    }

    fn deadline(&self) -> u64 {
        1_700_000_000 + VOTING
    }

    fn payout(&self, amount: u128) -> Action {
        Action::Payout {
            to: self.address(Party::Dave),
            amount,
        }
    }

    fn propose_request(&self, proposer: Party, id: u64, amount: u128) -> (TxKind, AccessList) {
        let (proposer, dave) = (self.address(proposer), self.address(Party::Dave));
        client::propose(self.dao, proposer, id, dave, amount, self.deadline())
    }

    fn vote_request(&self, voter: Party, id: u64, yes: bool) -> (TxKind, AccessList) {
        client::vote(self.dao, self.address(voter), id, yes)
    }

    fn execute_request(&self, id: u64, action: &Action) -> (TxKind, AccessList) {
        client::execute(self.dao, self.token, id, action)
    }

    fn balance(&self, owner: Address) -> u128 {
        self.chain.balance(self.token, &owner)
    }

    /// Proposal `id`, straight from state.
    fn proposal(&self, id: u64) -> Option<Proposal> {
        self.chain.stored(self.dao, keys::proposal(id))
    }

    /// The treasury, through the DAO's own view (a nested `balance_of`).
    fn treasury(&mut self) -> u128 {
        let request = client::treasury(self.dao, self.token);
        returned(&self.expect_exact(Party::Stranger, "treasury", request))
    }
}

keyway_tests::senders_by_index!(Fixture, Party);

#[test]
fn the_artifact_is_one_page_and_exports_the_methods() {
    assert_eq!(
        one_page_artifact_methods("dao"),
        [
            "execute",
            "get_proposal",
            "init",
            "is_member",
            "member_count",
            "propose",
            "propose_member",
            "token",
            "treasury",
            "vote",
            "vote_of",
        ],
        "no token method is linked in"
    );
}

#[test]
fn init_sets_the_members_and_the_token() {
    let mut fixture = Fixture::new();
    let (dao, token) = (fixture.dao, fixture.token);
    let outcome = fixture.expect_exact(Party::Dave, "member_count", client::member_count(dao));
    assert_eq!(returned::<u32>(&outcome), 3);
    let outcome = fixture.expect_exact(Party::Dave, "token", client::token(dao));
    assert_eq!(returned::<Address>(&outcome), token);
    for (party, member) in [(Party::Bob, true), (Party::Dave, false)] {
        let request = client::is_member(dao, fixture.address(party));
        let outcome = fixture.expect_exact(Party::Stranger, "is_member", request);
        assert_eq!(returned::<bool>(&outcome), member);
    }
    assert_eq!(fixture.treasury(), TREASURY);
}

#[test]
fn a_majority_pays_out_of_the_treasury() {
    let mut fixture = Fixture::new();
    let (dao, token) = (fixture.dao, fixture.token);
    let (bob, dave) = (fixture.address(Party::Bob), fixture.address(Party::Dave));
    let request = fixture.propose_request(Party::Bob, ID, PAYOUT);
    let outcome = fixture.expect_exact(Party::Bob, "propose", request);
    assert_eq!(
        event::<Proposed>(&outcome, 0, dao),
        Proposed {
            id: ID,
            proposer: bob,
            action: fixture.payout(PAYOUT),
            deadline: fixture.deadline()
        }
    );

    let request = fixture.vote_request(Party::Alice, ID, true);
    let outcome = fixture.expect_exact(Party::Alice, "vote", request);
    let alice = fixture.address(Party::Alice);
    assert_eq!(
        event::<Voted>(&outcome, 0, dao),
        Voted {
            id: ID,
            voter: alice,
            yes: true
        }
    );
    let request = fixture.vote_request(Party::Carol, ID, false);
    fixture.expect_exact(Party::Carol, "vote", request);
    // One yes of three: not yet.
    let request = fixture.execute_request(ID, &fixture.payout(PAYOUT));
    fixture.expect_error(Party::Stranger, request, DaoError::NotPassed);

    let request = fixture.vote_request(Party::Bob, ID, true);
    fixture.expect_exact(Party::Bob, "vote", request);
    let request = client::vote_of(dao, ID, bob);
    assert_eq!(
        returned::<Option<bool>>(&fixture.expect_exact(Party::Stranger, "vote_of", request)),
        Some(true)
    );
    // Two of three, before the deadline: anyone executes it.
    let request = fixture.execute_request(ID, &fixture.payout(PAYOUT));
    let outcome = fixture.expect_exact(Party::Stranger, "execute (payout)", request);
    assert_eq!(outcome.receipt.events.len(), 2);
    assert_eq!(
        event::<Transfer>(&outcome, 0, token),
        Transfer {
            from: dao,
            to: dave,
            amount: PAYOUT
        }
    );
    assert_eq!(
        event::<Executed>(&outcome, 1, dao),
        Executed {
            id: ID,
            action: fixture.payout(PAYOUT)
        }
    );
    assert_eq!(fixture.balance(dave), PAYOUT);
    assert_eq!(fixture.treasury(), TREASURY - PAYOUT);
    let stored = fixture.proposal(ID).expect("stored");
    assert_eq!((stored.yes, stored.no, stored.executed), (2, 1, true));
    let outcome = fixture.expect_exact(
        Party::Stranger,
        "get_proposal",
        client::get_proposal(dao, ID),
    );
    assert_eq!(returned::<Option<Proposal>>(&outcome), Some(stored));

    let request = fixture.execute_request(ID, &fixture.payout(PAYOUT));
    fixture.expect_error(Party::Stranger, request, DaoError::AlreadyExecuted);
    assert_eq!(fixture.balance(dave), PAYOUT, "paid once");
}

#[test]
fn voting_closes_at_the_deadline() {
    let mut fixture = Fixture::with_proposal();
    let request = fixture.vote_request(Party::Alice, ID, true);
    fixture.expect_success(Party::Alice, request);
    fixture.chain.env.time = fixture.deadline();
    let request = fixture.vote_request(Party::Bob, ID, true);
    fixture.expect_error(Party::Bob, request, DaoError::VotingClosed);
    let request = fixture.execute_request(ID, &fixture.payout(PAYOUT));
    fixture.expect_error(Party::Alice, request, DaoError::NotPassed);
    assert_eq!(fixture.balance(fixture.address(Party::Dave)), 0);
}

#[test]
fn a_passed_proposal_executes_after_the_deadline() {
    let mut fixture = Fixture::with_proposal();
    for voter in [Party::Alice, Party::Carol] {
        let request = fixture.vote_request(voter, ID, true);
        fixture.expect_success(voter, request);
    }
    fixture.chain.env.time = fixture.deadline() + 86_400;
    let request = fixture.execute_request(ID, &fixture.payout(PAYOUT));
    fixture.expect_exact(Party::Carol, "execute (after the deadline)", request);
    assert_eq!(fixture.balance(fixture.address(Party::Dave)), PAYOUT);
}

#[test]
fn members_propose_and_vote_once() {
    let mut fixture = Fixture::with_proposal();
    let request = fixture.propose_request(Party::Dave, ID + 1, PAYOUT);
    fixture.expect_error(Party::Dave, request, DaoError::NotMember);
    let request = fixture.propose_request(Party::Bob, ID, PAYOUT);
    fixture.expect_error(Party::Bob, request, DaoError::AlreadyExists);
    let request = fixture.vote_request(Party::Stranger, ID, true);
    fixture.expect_error(Party::Stranger, request, DaoError::NotMember);
    let request = fixture.vote_request(Party::Alice, ID + 1, true);
    fixture.expect_error(Party::Alice, request, DaoError::UnknownProposal);
    let request = fixture.vote_request(Party::Alice, ID, false);
    fixture.expect_success(Party::Alice, request);
    for yes in [true, false] {
        let request = fixture.vote_request(Party::Alice, ID, yes);
        fixture.expect_error(Party::Alice, request, DaoError::DoubleVote);
    }
    let request = fixture.execute_request(ID + 1, &fixture.payout(PAYOUT));
    fixture.expect_error(Party::Alice, request, DaoError::UnknownProposal);
}

#[test]
fn an_empty_treasury_fails_with_the_token_code_until_funded() {
    let mut fixture = Fixture::new();
    let too_much = TREASURY + 1;
    let request = fixture.propose_request(Party::Alice, ID, too_much);
    fixture.expect_success(Party::Alice, request);
    for voter in [Party::Alice, Party::Bob] {
        let request = fixture.vote_request(voter, ID, true);
        fixture.expect_success(voter, request);
    }
    let request = fixture.execute_request(ID, &fixture.payout(too_much));
    fixture.expect_error(Party::Alice, request, TokenError::InsufficientBalance);
    assert!(!fixture.proposal(ID).expect("stored").executed);

    let (alice, dao) = (fixture.address(Party::Alice), fixture.dao);
    let top_up = keyway_token::client::transfer(fixture.token, alice, dao, 1);
    fixture.expect_success(Party::Alice, top_up);
    let request = fixture.execute_request(ID, &fixture.payout(too_much));
    fixture.expect_exact(Party::Alice, "execute (payout)", request);
    assert_eq!(fixture.treasury(), 0);
    assert_eq!(fixture.balance(fixture.address(Party::Dave)), too_much);
}

#[test]
fn members_vote_in_a_new_member() {
    let mut fixture = Fixture::new();
    let (dao, dave) = (fixture.dao, fixture.address(Party::Dave));
    let deadline = fixture.deadline();
    let carol = fixture.address(Party::Carol);
    let request = client::propose_member(dao, carol, 7, dave, deadline);
    fixture.expect_exact(Party::Carol, "propose_member", request);
    let request = client::propose_member(dao, carol, 8, carol, deadline);
    fixture.expect_error(Party::Carol, request, DaoError::AlreadyMember);
    for voter in [Party::Alice, Party::Bob] {
        let request = fixture.vote_request(voter, 7, true);
        fixture.expect_exact(voter, "vote", request);
    }
    let add_dave = Action::AddMember { account: dave };
    let request = fixture.execute_request(7, &add_dave);
    let outcome = fixture.expect_exact(Party::Dave, "execute (add member)", request);
    assert_eq!(
        event::<MemberAdded>(&outcome, 0, dao),
        MemberAdded { account: dave }
    );
    assert_eq!(
        event::<Executed>(&outcome, 1, dao),
        Executed {
            id: 7,
            action: add_dave
        }
    );
    let outcome = fixture.expect_exact(Party::Dave, "member_count", client::member_count(dao));
    assert_eq!(returned::<u32>(&outcome), 4);

    // Dave proposes and votes now; four members need three yes votes.
    let request = fixture.propose_request(Party::Dave, ID, PAYOUT);
    fixture.expect_exact(Party::Dave, "propose", request);
    for voter in [Party::Dave, Party::Alice] {
        let request = fixture.vote_request(voter, ID, true);
        fixture.expect_success(voter, request);
    }
    let request = fixture.execute_request(ID, &fixture.payout(PAYOUT));
    fixture.expect_error(Party::Dave, request, DaoError::NotPassed);
    let request = fixture.vote_request(Party::Bob, ID, true);
    fixture.expect_success(Party::Bob, request);
    let request = fixture.execute_request(ID, &fixture.payout(PAYOUT));
    fixture.expect_success(Party::Dave, request);
    assert_eq!(fixture.balance(dave), PAYOUT);
}

#[test]
fn undeclared_token_keys_end_the_whole_transaction() {
    let mut fixture = Fixture::with_proposal();
    for voter in [Party::Alice, Party::Bob] {
        let request = fixture.vote_request(voter, ID, true);
        fixture.expect_success(voter, request);
    }
    let dave_balance = Key::new(
        fixture.token,
        keyway_token::keys::balance(&fixture.address(Party::Dave)),
    );
    let (kind, mut access) = fixture.execute_request(ID, &fixture.payout(PAYOUT));
    access.writes.retain(|key| *key != dave_balance);
    fixture.expect_failure(
        Party::Alice,
        (kind.clone(), access.clone()),
        Status::UndeclaredRead,
    );
    access.reads.push(dave_balance);
    access.normalize();
    fixture.expect_failure(Party::Alice, (kind, access), Status::UndeclaredWrite);
    assert!(!fixture.proposal(ID).expect("stored").executed);
    assert_eq!(fixture.treasury(), TREASURY);
}

#[test]
fn instantiation_needs_members() {
    let mut fixture = Fixture::new();
    // The code is deployed already (by `Fixture::new`); a second DAO without members.
    let instantiate = TxKind::Instantiate {
        code_hash: system::sha256(&artifact("dao")),
        args: client::init_args(fixture.token, &[]),
    };
    fixture.expect_error(
        Party::Stranger,
        (instantiate, AccessList::default()),
        DaoError::NoMembers,
    );
}

#[test]
fn gas_of_typical_calls() {
    let mut fixture = Fixture::new();
    let dao = fixture.dao;
    let mut gas = Vec::new();
    let mut measure = |fixture: &mut Fixture, name: &str, party, request| {
        let outcome = fixture.expect_exact(party, name, request);
        gas.push((name.to_string(), outcome.receipt.gas_used));
    };
    let request = fixture.propose_request(Party::Alice, ID, PAYOUT);
    measure(&mut fixture, "propose", Party::Alice, request);
    let request = fixture.vote_request(Party::Alice, ID, true);
    measure(&mut fixture, "vote", Party::Alice, request);
    let request = fixture.vote_request(Party::Bob, ID, true);
    fixture.expect_success(Party::Bob, request);
    let request = fixture.execute_request(ID, &fixture.payout(PAYOUT));
    measure(&mut fixture, "execute (payout)", Party::Alice, request);
    let (carol, dave) = (fixture.address(Party::Carol), fixture.address(Party::Dave));
    let request = client::propose_member(dao, carol, 2, dave, fixture.deadline());
    measure(&mut fixture, "propose_member", Party::Carol, request);
    for voter in [Party::Alice, Party::Bob] {
        let request = fixture.vote_request(voter, 2, true);
        fixture.expect_success(voter, request);
    }
    let request = fixture.execute_request(2, &Action::AddMember { account: dave });
    measure(&mut fixture, "execute (add member)", Party::Carol, request);
    measure(
        &mut fixture,
        "get_proposal",
        Party::Stranger,
        client::get_proposal(dao, ID),
    );
    let request = client::treasury(dao, fixture.token);
    measure(&mut fixture, "treasury", Party::Stranger, request);
    for (name, used) in &gas {
        println!("dao {name}: {used} gas");
        assert!(*used < keyway_tests::GAS / 4, "{name}: {used}");
    }
}
