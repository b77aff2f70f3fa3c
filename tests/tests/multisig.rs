//! The multisig wallet's committed artifact on the real runtime, paying from its balance
//! of the committed token artifact.

use keyway_host_api::{AccessList, Address, Key, Status, TxKind, system};
use keyway_multisig::{
    Approved, Executed, MultisigError, Revoked, StoredCall, Submitted, Tally, client, keys,
};
use keyway_runtime::Keypair;
use keyway_tests::{Chain, Senders, artifact, event, one_page_artifact_methods, returned};
use keyway_token::{TokenError, Transfer};

/// The call most tests work on: pay the payee [`AMOUNT`].
const ID: u64 = 21;
const AMOUNT: u128 = 150;
/// What the treasurer, who creates the token, puts in the wallet.
const FUNDS: u128 = 500;
const SUPPLY: u128 = 10_000;
const THRESHOLD: u32 = 2;

/// Who sends a transaction.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Party {
    Ann,
    Ben,
    Cat,
    /// Created the token; not an owner.
    Treasurer,
    Payee,
}

const OWNERS: [Party; 3] = [Party::Ann, Party::Ben, Party::Cat];

/// A chain with a token and a 2-of-3 wallet of Ann, Ben and Cat holding [`FUNDS`].
struct Fixture {
    chain: Chain,
    token: Address,
    wallet: Address,
    keys: [Keypair; 5],
}

impl Fixture {
    fn new() -> Fixture {
        let keys = [&b"ann"[..], b"ben", b"cat", b"treasurer", b"payee"].map(Keypair::from_seed);
        let mut chain = Chain::new();
        let token = chain.create_token(&keys[3], SUPPLY);
        let mut fixture = Fixture {
            chain,
            token,
            wallet: Address([0; 32]),
            keys,
        };
        // Ann creates the wallet with the client's builder, whose access list is checked
        // against discovery like every other.
        let owners = OWNERS.map(|party| fixture.address(party));
        let ann = fixture.address(Party::Ann);
        let (wallet, [deploy, instantiate]) =
            client::create(&artifact("multisig"), ann, 0, &owners, THRESHOLD);
        fixture.expect_success(Party::Ann, deploy);
        let outcome = fixture.expect_exact(Party::Ann, "instantiate", instantiate);
        assert_eq!(outcome.receipt.return_data, wallet.0);
        fixture.wallet = wallet;
        fixture.fund(FUNDS);
        fixture
    }

    /// [`Fixture::new`] plus call [`ID`] (pay the payee [`AMOUNT`]), submitted by Ann.
    fn with_call() -> Fixture {
        let mut fixture = Fixture::new();
        let request = fixture.submit_request(ID, AMOUNT);
        fixture.expect_exact(Party::Ann, "submit", request);
        fixture
    }

    /// [`Fixture::with_call`], approved by Ann and Ben.
    fn approved() -> Fixture {
        let mut fixture = Fixture::with_call();
        for owner in [Party::Ann, Party::Ben] {
            let request = client::approve(fixture.wallet, fixture.address(owner), ID);
            fixture.expect_success(owner, request);
        }
        fixture
    }

    /// The treasurer sends the wallet `amount`.
    fn fund(&mut self, amount: u128) {
        let treasurer = self.address(Party::Treasurer);
        let request = keyway_token::client::transfer(self.token, treasurer, self.wallet, amount);
        self.expect_success(Party::Treasurer, request);
    }

    /// The token transfer the wallet makes: `amount` to the payee, as the token's own
    /// client builds it with the wallet as the sender.
    fn payment(&self, amount: u128) -> (TxKind, AccessList) {
        let payee = self.address(Party::Payee);
        keyway_token::client::transfer(self.token, self.wallet, payee, amount)
    }

    /// Ann submits the payment of `amount` as call `id`.
    fn submit_request(&self, id: u64, amount: u128) -> (TxKind, AccessList) {
        let ann = self.address(Party::Ann);
        client::submit_call(self.wallet, ann, id, &self.payment(amount).0)
    }

    fn execute_request(&self, sender: Party, id: u64, amount: u128) -> (TxKind, AccessList) {
        let sender = self.address(sender);
        client::execute(self.wallet, sender, id, &self.payment(amount).1)
    }

    fn balance(&self, owner: Address) -> u128 {
        self.chain.balance(self.token, &owner)
    }

    /// Call `id`'s tally, straight from state.
    fn tally(&self, id: u64) -> Option<Tally> {
        self.chain.stored(self.wallet, keys::tally(id))
    }
}

keyway_tests::senders_by_index!(Fixture, Party);

#[test]
fn the_artifact_is_one_page_and_exports_the_methods() {
    assert_eq!(
        one_page_artifact_methods("multisig"),
        [
            "approve",
            "execute",
            "get_call",
            "get_tally",
            "has_approved",
            "init",
            "is_owner",
            "revoke",
            "submit",
            "threshold",
        ]
    );
}

#[test]
fn init_sets_the_owners_and_the_threshold() {
    let mut fixture = Fixture::new();
    let wallet = fixture.wallet;
    let outcome = fixture.expect_exact(Party::Payee, "threshold", client::threshold(wallet));
    assert_eq!(returned::<u32>(&outcome), THRESHOLD);
    for (party, owner) in [(Party::Cat, true), (Party::Treasurer, false)] {
        let request = client::is_owner(wallet, fixture.address(party));
        let outcome = fixture.expect_exact(Party::Payee, "is_owner", request);
        assert_eq!(returned::<bool>(&outcome), owner);
    }
    assert_eq!(fixture.balance(wallet), FUNDS);

    // A threshold above the owners, or duplicate owners: instantiation fails.
    let code_hash = system::sha256(&artifact("multisig"));
    let [ann, ben] = [Party::Ann, Party::Ben].map(|party| fixture.address(party));
    for (owners, threshold, error) in [
        (vec![ann, ben], 3, MultisigError::InvalidThreshold),
        (vec![ann, ben], 0, MultisigError::InvalidThreshold),
        (vec![ann, ann], 1, MultisigError::DuplicateOwner),
    ] {
        let instantiate = TxKind::Instantiate {
            code_hash,
            args: client::init_args(&owners, threshold),
        };
        // Declared as a well-formed instantiation would be, at the address it would get.
        let nonce = fixture
            .chain
            .sign(
                fixture.key(Party::Ann),
                instantiate.clone(),
                AccessList::default(),
            )
            .tx
            .nonce;
        let address = system::contract_address(&ann, nonce);
        let access = client::init_access(address, &owners);
        fixture.expect_error(Party::Ann, (instantiate, access), error);
    }
}

#[test]
fn two_of_three_owners_pay_from_the_wallet() {
    let mut fixture = Fixture::new();
    let (wallet, token) = (fixture.wallet, fixture.token);
    let [ann, ben, cat] = OWNERS.map(|party| fixture.address(party));
    let payee = fixture.address(Party::Payee);

    let request = fixture.submit_request(ID, AMOUNT);
    let outcome = fixture.expect_exact(Party::Ann, "submit", request);
    assert_eq!(
        event::<Submitted>(&outcome, 0, wallet),
        Submitted {
            id: ID,
            submitter: ann,
            target: token,
            method: "transfer".into()
        }
    );
    let outcome = fixture.expect_exact(Party::Payee, "get_call", client::get_call(wallet, ID));
    assert_eq!(
        returned::<Option<StoredCall>>(&outcome),
        Some(StoredCall {
            target: token,
            method: "transfer".into(),
            args: borsh::to_vec(&(payee, AMOUNT)).unwrap()
        })
    );

    let outcome = fixture.expect_exact(Party::Ann, "approve", client::approve(wallet, ann, ID));
    assert_eq!(
        event::<Approved>(&outcome, 0, wallet),
        Approved {
            id: ID,
            owner: ann,
            approvals: 1
        }
    );
    // One approval of two needed.
    let request = fixture.execute_request(Party::Ann, ID, AMOUNT);
    fixture.expect_error(Party::Ann, request, MultisigError::NotEnoughApprovals);
    fixture.expect_exact(Party::Ben, "approve", client::approve(wallet, ben, ID));
    let request = client::has_approved(wallet, ID, ben);
    assert!(returned::<bool>(&fixture.expect_exact(
        Party::Payee,
        "has_approved",
        request
    )));

    // Cat executes without having approved.
    let request = fixture.execute_request(Party::Cat, ID, AMOUNT);
    let outcome = fixture.expect_exact(Party::Cat, "execute", request);
    assert_eq!(outcome.receipt.events.len(), 2);
    assert_eq!(
        event::<Transfer>(&outcome, 0, token),
        Transfer {
            from: wallet,
            to: payee,
            amount: AMOUNT
        },
        "the token sees the wallet as the sender"
    );
    assert_eq!(
        event::<Executed>(&outcome, 1, wallet),
        Executed { id: ID, by: cat }
    );
    assert_eq!(
        returned::<Vec<u8>>(&outcome),
        Vec::<u8>::new(),
        "transfer's (empty) return data"
    );
    assert_eq!(fixture.balance(payee), AMOUNT);
    assert_eq!(fixture.balance(wallet), FUNDS - AMOUNT);
    let outcome = fixture.expect_exact(Party::Payee, "get_tally", client::get_tally(wallet, ID));
    assert_eq!(
        returned::<Option<Tally>>(&outcome),
        Some(Tally {
            submitter: ann,
            approvals: 2,
            executed: true
        })
    );

    let request = fixture.execute_request(Party::Ann, ID, AMOUNT);
    fixture.expect_error(Party::Ann, request, MultisigError::AlreadyExecuted);
    fixture.expect_error(
        Party::Cat,
        client::approve(wallet, cat, ID),
        MultisigError::AlreadyExecuted,
    );
    assert_eq!(fixture.balance(payee), AMOUNT, "paid once");
}

#[test]
fn only_owners_act_and_each_approves_once() {
    let mut fixture = Fixture::with_call();
    let wallet = fixture.wallet;
    let [ann, ben] = [Party::Ann, Party::Ben].map(|party| fixture.address(party));
    let treasurer = fixture.address(Party::Treasurer);
    let (kind, _) = fixture.payment(AMOUNT);
    let request = client::submit_call(wallet, treasurer, ID + 1, &kind);
    fixture.expect_error(Party::Treasurer, request, MultisigError::NotOwner);
    let request = fixture.submit_request(ID, AMOUNT);
    fixture.expect_error(Party::Ann, request, MultisigError::AlreadyExists);
    let request = client::approve(wallet, treasurer, ID);
    fixture.expect_error(Party::Treasurer, request, MultisigError::NotOwner);
    let request = client::approve(wallet, ann, ID + 1);
    fixture.expect_error(Party::Ann, request, MultisigError::UnknownTransaction);

    fixture.expect_success(Party::Ann, client::approve(wallet, ann, ID));
    let request = client::approve(wallet, ann, ID);
    fixture.expect_error(Party::Ann, request, MultisigError::AlreadyApproved);
    fixture.expect_success(Party::Ben, client::approve(wallet, ben, ID));
    let request = fixture.execute_request(Party::Treasurer, ID, AMOUNT);
    fixture.expect_error(Party::Treasurer, request, MultisigError::NotOwner);

    // Ben changes his mind: below the threshold again.
    let outcome = fixture.expect_exact(Party::Ben, "revoke", client::revoke(wallet, ben, ID));
    assert_eq!(
        event::<Revoked>(&outcome, 0, wallet),
        Revoked {
            id: ID,
            owner: ben,
            approvals: 1
        }
    );
    let request = client::revoke(wallet, ben, ID);
    fixture.expect_error(Party::Ben, request, MultisigError::NotApproved);
    let request = fixture.execute_request(Party::Ann, ID, AMOUNT);
    fixture.expect_error(Party::Ann, request, MultisigError::NotEnoughApprovals);
    assert_eq!(fixture.balance(fixture.address(Party::Payee)), 0);
}

#[test]
fn a_failing_call_fails_execute_and_can_be_retried() {
    let mut fixture = Fixture::new();
    let too_much = FUNDS + 1;
    let request = fixture.submit_request(ID, too_much);
    fixture.expect_success(Party::Ann, request);
    for owner in [Party::Ann, Party::Cat] {
        let request = client::approve(fixture.wallet, fixture.address(owner), ID);
        fixture.expect_success(owner, request);
    }
    let request = fixture.execute_request(Party::Ann, ID, too_much);
    fixture.expect_error(Party::Ann, request, TokenError::InsufficientBalance);
    assert!(!fixture.tally(ID).expect("stored").executed);

    fixture.fund(1);
    let request = fixture.execute_request(Party::Ann, ID, too_much);
    fixture.expect_exact(Party::Ann, "execute", request);
    assert_eq!(fixture.balance(fixture.address(Party::Payee)), too_much);
    assert_eq!(fixture.balance(fixture.wallet), 0);
}

#[test]
fn the_wallet_cannot_call_itself() {
    let mut fixture = Fixture::new();
    let wallet = fixture.wallet;
    let [ann, ben] = [Party::Ann, Party::Ben].map(|party| fixture.address(party));
    // A call to the wallet's own `approve`: re-entering it is refused.
    let request = client::submit(
        wallet,
        ann,
        ID,
        wallet,
        "approve",
        &borsh::to_vec(&ID).unwrap(),
    );
    fixture.expect_success(Party::Ann, request);
    for (party, owner) in [(Party::Ann, ann), (Party::Ben, ben)] {
        fixture.expect_success(party, client::approve(wallet, owner, ID));
    }
    let request = client::execute(wallet, ann, ID, &AccessList::default());
    fixture.expect_failure(Party::Ann, request, Status::Reentrancy);
}

#[test]
fn undeclared_token_keys_end_the_whole_transaction() {
    let mut fixture = Fixture::approved();
    let payee_balance = Key::new(
        fixture.token,
        keyway_token::keys::balance(&fixture.address(Party::Payee)),
    );
    let (kind, mut access) = fixture.execute_request(Party::Ann, ID, AMOUNT);
    access.writes.retain(|key| *key != payee_balance);
    fixture.expect_failure(
        Party::Ann,
        (kind.clone(), access.clone()),
        Status::UndeclaredRead,
    );
    access.reads.push(payee_balance);
    access.normalize();
    fixture.expect_failure(Party::Ann, (kind.clone(), access), Status::UndeclaredWrite);
    // The wallet's own keys only: the token's record is out of reach.
    let ann = fixture.address(Party::Ann);
    let request = client::execute(fixture.wallet, ann, ID, &AccessList::default());
    fixture.expect_failure(Party::Ann, request, Status::UndeclaredRead);
    assert!(!fixture.tally(ID).expect("stored").executed);
    assert_eq!(fixture.balance(fixture.wallet), FUNDS);
}

#[test]
fn gas_of_typical_calls() {
    let mut fixture = Fixture::new();
    let wallet = fixture.wallet;
    let [ann, ben] = [Party::Ann, Party::Ben].map(|party| fixture.address(party));
    let mut gas = Vec::new();
    let mut measure = |fixture: &mut Fixture, name: &str, party, request| {
        let outcome = fixture.expect_exact(party, name, request);
        gas.push((name.to_string(), outcome.receipt.gas_used));
    };
    let request = fixture.submit_request(ID, AMOUNT);
    measure(&mut fixture, "submit (token transfer)", Party::Ann, request);
    let request = client::approve(wallet, ann, ID);
    measure(&mut fixture, "approve", Party::Ann, request);
    let request = client::revoke(wallet, ann, ID);
    measure(&mut fixture, "revoke", Party::Ann, request);
    for (party, owner) in [(Party::Ann, ann), (Party::Ben, ben)] {
        fixture.expect_success(party, client::approve(wallet, owner, ID));
    }
    let request = fixture.execute_request(Party::Ben, ID, AMOUNT);
    measure(
        &mut fixture,
        "execute (token transfer)",
        Party::Ben,
        request,
    );
    let request = client::get_call(wallet, ID);
    measure(&mut fixture, "get_call", Party::Payee, request);
    for (name, used) in &gas {
        println!("multisig {name}: {used} gas");
        assert!(*used < keyway_tests::GAS / 4, "{name}: {used}");
    }
}
