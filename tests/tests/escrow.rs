//! The escrow contract's committed artifact on the real runtime, paying through the
//! committed token artifact.

use keyway_escrow::{
    Delivered, Disputed, EscrowError, Job, JobCreated, MilestoneState, Refunded, Released,
    Resolved, client, keys,
};
use keyway_host_api::{AccessList, Address, Key, Status, TxKind};
use keyway_runtime::Keypair;
use keyway_tests::{Chain, Senders, artifact, event, one_page_artifact_methods, returned};
use keyway_token::{TokenError, Transfer};

/// The job most tests work on.
const ID: u64 = 5;
const AMOUNTS: [u128; 3] = [100, 250, 650];
const TOTAL: u128 = 1_000;
/// The client's initial token supply.
const SUPPLY: u128 = 10_000;
/// How long after the chain's start the job is due.
const DUE_IN: u64 = 3_600;

/// Who sends a transaction.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Party {
    Client,
    Freelancer,
    Arbiter,
    Stranger,
}

/// A chain with a token (all of it the client's) and an escrow.
struct Fixture {
    chain: Chain,
    token: Address,
    escrow: Address,
    keys: [Keypair; 4],
}

impl Fixture {
    fn new() -> Fixture {
        let keys = [&b"client"[..], b"freelancer", b"arbiter", b"stranger"].map(Keypair::from_seed);
        let mut chain = Chain::new();
        let token = chain.create_token(&keys[0], SUPPLY);
        // The arbiter deploys the escrow: any account may, it has no `init` state.
        let escrow = chain.create(&keys[2], artifact("escrow"), vec![], |_| {
            AccessList::default()
        });
        Fixture {
            chain,
            token,
            escrow,
            keys,
        }
    }

    /// [`Fixture::new`] plus job [`ID`], approved and funded by the client.
    fn with_job() -> Fixture {
        let mut fixture = Fixture::new();
        fixture.approve(TOTAL);
        let request = fixture.create_request(ID, &AMOUNTS);
        fixture.expect_exact(Party::Client, "create_job", request);
        fixture
    }

    fn deadline(&self) -> u64 {
        1_700_000_000 + DUE_IN
    }

    /// The client lets the escrow take `amount`.
    fn approve(&mut self, amount: u128) {
        let client = self.address(Party::Client);
        let request = keyway_token::client::approve(self.token, client, self.escrow, amount);
        self.expect_success(Party::Client, request);
    }

    fn create_request(&self, id: u64, milestones: &[u128]) -> (TxKind, AccessList) {
        client::create_job(
            self.escrow,
            self.address(Party::Client),
            id,
            self.address(Party::Freelancer),
            self.address(Party::Arbiter),
            self.token,
            milestones,
            self.deadline(),
        )
    }

    fn deliver_request(&self, milestone: u32) -> (TxKind, AccessList) {
        client::mark_delivered(self.escrow, ID, milestone)
    }

    fn release_request(&self, milestone: u32) -> (TxKind, AccessList) {
        let freelancer = self.address(Party::Freelancer);
        client::release(self.escrow, self.token, freelancer, ID, milestone)
    }

    fn resolve_request(&self, milestone: u32, to_freelancer: bool) -> (TxKind, AccessList) {
        let payee = self.address(if to_freelancer {
            Party::Freelancer
        } else {
            Party::Client
        });
        client::resolve(self.escrow, self.token, payee, ID, milestone, to_freelancer)
    }

    fn refund_request(&self) -> (TxKind, AccessList) {
        let client = self.address(Party::Client);
        client::refund(self.escrow, self.token, client, ID)
    }

    fn balance(&self, owner: Address) -> u128 {
        self.chain.balance(self.token, &owner)
    }

    fn balance_of(&self, party: Party) -> u128 {
        self.balance(self.address(party))
    }

    /// Job `id`, straight from state.
    fn job(&self, id: u64) -> Option<Job> {
        self.chain.stored(self.escrow, keys::job(id))
    }

    fn states(&self) -> Vec<MilestoneState> {
        let job = self.job(ID).expect("the job exists");
        job.milestones.iter().map(|m| m.state).collect()
    }
}

keyway_tests::senders_by_index!(Fixture, Party);

#[test]
fn the_artifact_is_one_page_and_exports_the_methods() {
    assert_eq!(
        one_page_artifact_methods("escrow"),
        [
            "create_job",
            "dispute",
            "get_job",
            "held",
            "mark_delivered",
            "refund",
            "release",
            "resolve",
        ],
        "no token method is linked in"
    );
}

#[test]
fn the_client_builder_predicts_the_address() {
    let fixture = Fixture::new();
    let arbiter = fixture.address(Party::Arbiter);
    let (address, _) = client::create(&artifact("escrow"), arbiter, 0);
    assert_eq!(address, fixture.escrow);
}

#[test]
fn a_job_is_funded_delivered_and_paid() {
    let mut fixture = Fixture::new();
    let [client_address, freelancer, arbiter] =
        [Party::Client, Party::Freelancer, Party::Arbiter].map(|party| fixture.address(party));
    let (token, escrow) = (fixture.token, fixture.escrow);
    fixture.approve(TOTAL);

    let request = fixture.create_request(ID, &AMOUNTS);
    let outcome = fixture.expect_exact(Party::Client, "create_job", request);
    assert_eq!(outcome.receipt.events.len(), 2);
    assert_eq!(
        event::<Transfer>(&outcome, 0, token),
        Transfer {
            from: client_address,
            to: escrow,
            amount: TOTAL
        },
        "the token's event first: it was emitted inside the call"
    );
    assert_eq!(
        event::<JobCreated>(&outcome, 1, escrow),
        JobCreated {
            id: ID,
            client: client_address,
            freelancer,
            arbiter,
            token,
            milestones: AMOUNTS.to_vec(),
            deadline: fixture.deadline(),
        }
    );
    assert_eq!(fixture.balance(client_address), SUPPLY - TOTAL);
    assert_eq!(fixture.balance(escrow), TOTAL);
    let allowance = Key::new(
        token,
        keyway_token::keys::allowance(&client_address, &escrow),
    );
    assert_eq!(
        outcome.writes.get(&allowance),
        Some(None),
        "the allowance is spent"
    );
    let outcome = fixture.submit(Party::Stranger, client::get_job(escrow, ID));
    assert_eq!(returned::<Option<Job>>(&outcome), fixture.job(ID));

    let request = fixture.deliver_request(0);
    let outcome = fixture.expect_exact(Party::Freelancer, "mark_delivered", request);
    assert_eq!(
        event::<Delivered>(&outcome, 0, escrow),
        Delivered {
            id: ID,
            milestone: 0
        }
    );
    let request = fixture.release_request(0);
    let outcome = fixture.expect_exact(Party::Client, "release", request);
    assert_eq!(
        event::<Released>(&outcome, 1, escrow),
        Released {
            id: ID,
            milestone: 0,
            amount: 100
        }
    );
    assert_eq!(fixture.balance(freelancer), 100);
    assert_eq!(fixture.balance(escrow), 900);
    // Released ahead of delivery.
    let request = fixture.release_request(1);
    fixture.expect_exact(Party::Client, "release (ahead of delivery)", request);
    assert_eq!(fixture.balance(freelancer), 350);
    assert_eq!(
        fixture.states(),
        [
            MilestoneState::Released,
            MilestoneState::Released,
            MilestoneState::Funded
        ]
    );
    let outcome = fixture.expect_exact(Party::Stranger, "held", client::held(escrow, ID));
    assert_eq!(returned::<u128>(&outcome), 650);
}

#[test]
fn the_arbiter_settles_disputes_both_ways() {
    let mut fixture = Fixture::with_job();
    let escrow = fixture.escrow;
    for milestone in [0, 1] {
        let request = fixture.deliver_request(milestone);
        fixture.expect_success(Party::Freelancer, request);
    }
    let outcome = fixture.expect_exact(Party::Client, "dispute", client::dispute(escrow, ID, 0));
    let client_address = fixture.address(Party::Client);
    assert_eq!(
        event::<Disputed>(&outcome, 0, escrow),
        Disputed {
            id: ID,
            milestone: 0,
            by: client_address
        }
    );
    fixture.expect_exact(Party::Freelancer, "dispute", client::dispute(escrow, ID, 1));

    let request = fixture.resolve_request(0, true);
    let outcome = fixture.expect_exact(Party::Arbiter, "resolve (to the freelancer)", request);
    assert_eq!(
        event::<Resolved>(&outcome, 1, escrow),
        Resolved {
            id: ID,
            milestone: 0,
            to_freelancer: true,
            amount: 100
        }
    );
    let request = fixture.resolve_request(1, false);
    fixture.expect_exact(Party::Arbiter, "resolve (to the client)", request);
    assert_eq!(fixture.balance_of(Party::Freelancer), 100);
    assert_eq!(fixture.balance_of(Party::Client), SUPPLY - TOTAL + 250);
    assert_eq!(fixture.balance(escrow), 650);
    assert_eq!(
        fixture.states(),
        [
            MilestoneState::Released,
            MilestoneState::Refunded,
            MilestoneState::Funded
        ]
    );
}

#[test]
fn undelivered_milestones_go_back_after_the_deadline() {
    let mut fixture = Fixture::with_job();
    let escrow = fixture.escrow;
    let request = fixture.deliver_request(2);
    fixture.expect_success(Party::Freelancer, request);

    // One second early.
    fixture.chain.env.time = fixture.deadline() - 1;
    let request = fixture.refund_request();
    fixture.expect_error(Party::Client, request, EscrowError::DeadlineNotReached);

    fixture.chain.env.time = fixture.deadline();
    let request = fixture.deliver_request(0);
    fixture.expect_error(Party::Freelancer, request, EscrowError::DeadlinePassed);
    let request = fixture.refund_request();
    let outcome = fixture.expect_exact(Party::Client, "refund", request);
    assert_eq!(returned::<u128>(&outcome), 350);
    assert_eq!(
        event::<Refunded>(&outcome, 1, escrow),
        Refunded {
            id: ID,
            amount: 350
        }
    );
    assert_eq!(fixture.balance_of(Party::Client), SUPPLY - 650);
    assert_eq!(
        fixture.balance(escrow),
        650,
        "the delivered milestone stays"
    );
    let request = fixture.refund_request();
    fixture.expect_error(Party::Client, request, EscrowError::NothingToRefund);

    // The delivered milestone is still the client's to release.
    let request = fixture.release_request(2);
    fixture.expect_success(Party::Client, request);
    assert_eq!(fixture.balance_of(Party::Freelancer), 650);
    assert_eq!(fixture.balance(escrow), 0);
}

#[test]
fn funding_failures_pass_the_token_code_through() {
    let mut fixture = Fixture::new();
    // Nothing approved: the token's InsufficientAllowance.
    let request = fixture.create_request(ID, &AMOUNTS);
    fixture.expect_error(Party::Client, request, TokenError::InsufficientAllowance);
    // Approved, but more than the client has: the token's InsufficientBalance.
    fixture.approve(u128::MAX);
    let request = fixture.create_request(ID, &[SUPPLY, 1]);
    fixture.expect_error(Party::Client, request, TokenError::InsufficientBalance);
    assert_eq!(fixture.job(ID), None);
    assert_eq!(fixture.balance_of(Party::Client), SUPPLY);
}

#[test]
fn refusals_write_nothing_but_the_nonce() {
    let mut fixture = Fixture::with_job();
    let escrow = fixture.escrow;
    let request = fixture.create_request(ID, &AMOUNTS);
    fixture.expect_error(Party::Client, request, EscrowError::AlreadyExists);
    let request = fixture.create_request(ID + 1, &[]);
    fixture.expect_error(Party::Client, request, EscrowError::InvalidMilestones);
    for party in [Party::Client, Party::Arbiter, Party::Stranger] {
        let request = fixture.deliver_request(0);
        fixture.expect_error(party, request, EscrowError::Unauthorized);
    }
    for party in [Party::Freelancer, Party::Arbiter, Party::Stranger] {
        let request = fixture.release_request(0);
        fixture.expect_error(party, request, EscrowError::Unauthorized);
        let request = fixture.refund_request();
        fixture.expect_error(party, request, EscrowError::Unauthorized);
    }
    let request = fixture.resolve_request(0, true);
    fixture.expect_error(Party::Client, request, EscrowError::Unauthorized);
    let request = fixture.resolve_request(0, true);
    fixture.expect_error(Party::Arbiter, request, EscrowError::WrongState);
    fixture.expect_error(
        Party::Client,
        client::dispute(escrow, ID, 0),
        EscrowError::WrongState,
    );
    let request = fixture.deliver_request(3);
    fixture.expect_error(Party::Freelancer, request, EscrowError::UnknownMilestone);
    fixture.expect_error(
        Party::Freelancer,
        client::mark_delivered(escrow, ID + 1, 0),
        EscrowError::UnknownJob,
    );
    assert_eq!(fixture.balance(escrow), TOTAL);
    assert!(
        fixture
            .states()
            .iter()
            .all(|s| *s == MilestoneState::Funded)
    );
}

#[test]
fn undeclared_token_keys_end_the_whole_transaction() {
    let mut fixture = Fixture::with_job();
    let freelancer_balance = Key::new(
        fixture.token,
        keyway_token::keys::balance(&fixture.address(Party::Freelancer)),
    );
    // The freelancer's balance not declared: the token's read of it.
    let (kind, mut access) = fixture.release_request(0);
    access.writes.retain(|key| *key != freelancer_balance);
    fixture.expect_failure(
        Party::Client,
        (kind.clone(), access.clone()),
        Status::UndeclaredRead,
    );
    // Declared only as a read: the token's write of it.
    access.reads.push(freelancer_balance);
    fixture.expect_failure(Party::Client, (kind, access), Status::UndeclaredWrite);
    // No token key at all: the escrow cannot even reach the token's record.
    let (kind, mut access) = fixture.release_request(0);
    access.writes.retain(|key| key.contract == fixture.escrow);
    fixture.expect_failure(Party::Client, (kind, access), Status::UndeclaredRead);
    assert_eq!(fixture.states()[0], MilestoneState::Funded);
    assert_eq!(fixture.balance_of(Party::Freelancer), 0);
}

#[test]
fn gas_of_typical_calls() {
    let mut fixture = Fixture::new();
    fixture.approve(TOTAL);
    let escrow = fixture.escrow;
    let mut gas = Vec::new();
    let mut measure = |fixture: &mut Fixture, name: &str, party, request| {
        let outcome = fixture.expect_exact(party, name, request);
        gas.push((name.to_string(), outcome.receipt.gas_used));
    };
    let request = fixture.create_request(ID, &AMOUNTS);
    measure(
        &mut fixture,
        "create_job (3 milestones)",
        Party::Client,
        request,
    );
    let request = fixture.deliver_request(0);
    measure(&mut fixture, "mark_delivered", Party::Freelancer, request);
    let request = fixture.release_request(0);
    measure(&mut fixture, "release", Party::Client, request);
    let request = fixture.deliver_request(1);
    fixture.expect_success(Party::Freelancer, request);
    measure(
        &mut fixture,
        "dispute",
        Party::Client,
        client::dispute(escrow, ID, 1),
    );
    let request = fixture.resolve_request(1, true);
    measure(&mut fixture, "resolve", Party::Arbiter, request);
    fixture.chain.env.time = fixture.deadline();
    let request = fixture.refund_request();
    measure(&mut fixture, "refund", Party::Client, request);
    measure(
        &mut fixture,
        "get_job",
        Party::Stranger,
        client::get_job(escrow, ID),
    );
    for (name, used) in &gas {
        println!("escrow {name}: {used} gas");
        assert!(*used < keyway_tests::GAS / 4, "{name}: {used}");
    }
}
