//! The NFT contract's committed artifact on the real runtime, paid in the committed token.

use keyway_host_api::{AccessList, Address, Key, Status, TxKind, system};
use keyway_nft::{
    Holding, Listed, Listing, Minted, NftError, Sold, TokenInfo, Transferred, Unlisted, client,
    keys,
};
use keyway_runtime::{Keypair, TxOutcome};
use keyway_tests::{
    Chain, Senders, artifact, events, one_page_artifact_methods, returned, written,
};
use keyway_token::{TokenError, Transfer};

/// The NFT most tests trade.
const ID: u64 = 1;
/// Its royalty: 10% of every resale.
const ROYALTY_BPS: u16 = 1_000;
const URI: &str = "ipfs://bafybeigdyrzt/1.json";
/// What the bank gives the buyer and the collector.
const FUNDS: u128 = 10_000;
/// The creator's first sale.
const FIRST_PRICE: u128 = 1_000;
/// The buyer's resale.
const RESALE_PRICE: u128 = 5_000;

/// Who sends a transaction.
#[derive(Clone, Copy, Debug)]
enum Party {
    /// Owns the payment token's supply.
    Bank,
    Creator,
    Buyer,
    Collector,
    Stranger,
}

/// A chain with a payment token, an NFT contract, and the buyer and the collector funded.
struct Fixture {
    chain: Chain,
    token: Address,
    nft: Address,
    keys: [Keypair; 5],
}

impl Fixture {
    fn new() -> Fixture {
        let keys = [
            &b"bank"[..],
            b"creator",
            b"buyer",
            b"collector",
            b"stranger",
        ]
        .map(Keypair::from_seed);
        let mut chain = Chain::new();
        let token = chain.create_token(&keys[0], 1_000_000);
        // The creator's first transactions: nonces 0 and 1.
        let (nft, create) = client::create(&artifact("nft"), keys[1].address(), 0);
        for request in create {
            chain.expect_success(&keys[1], request);
        }
        assert!(chain.state.value(&system::contract_key(&nft)).is_some());
        let mut fixture = Fixture {
            chain,
            token,
            nft,
            keys,
        };
        for party in [Party::Buyer, Party::Collector] {
            let to = fixture.address(party);
            let request =
                keyway_token::client::transfer(token, fixture.address(Party::Bank), to, FUNDS);
            fixture.expect_success(Party::Bank, request);
        }
        fixture
    }

    /// [`Fixture::new`] plus NFT [`ID`], minted by the creator.
    fn minted() -> Fixture {
        let mut fixture = Fixture::new();
        let request = client::mint(fixture.nft, ID, ROYALTY_BPS, URI);
        fixture.expect_success(Party::Creator, request);
        fixture
    }

    /// [`Fixture::minted`], listed by the creator for [`FIRST_PRICE`].
    fn listed() -> Fixture {
        let mut fixture = Fixture::minted();
        let request = client::list(fixture.nft, ID, &fixture.listing(FIRST_PRICE));
        fixture.expect_success(Party::Creator, request);
        fixture
    }

    /// A listing in the fixture's token.
    fn listing(&self, price: u128) -> Listing {
        Listing {
            payment_token: self.token,
            price,
        }
    }

    /// The buyer's `buy` of [`ID`] from `seller` at `price`, with the client's list.
    fn buy_request(&self, buyer: Party, seller: Party, price: u128) -> (TxKind, AccessList) {
        client::buy(
            self.nft,
            self.address(buyer),
            ID,
            self.address(seller),
            &self.info(ID).expect("minted"),
            &self.listing(price),
        )
    }

    /// `party` lets the NFT contract spend `amount` of its tokens.
    fn approve(&mut self, party: Party, amount: u128) -> TxOutcome {
        let request =
            keyway_token::client::approve(self.token, self.address(party), self.nft, amount);
        self.expect_success(party, request)
    }

    fn balance(&self, party: Party) -> u128 {
        self.chain.balance(self.token, &self.address(party))
    }

    /// NFT `id`'s owner and listing, straight from state.
    fn holding(&self, id: u64) -> Option<Holding> {
        self.chain.stored(self.nft, keys::holding(id))
    }

    /// NFT `id`'s info, straight from state.
    fn info(&self, id: u64) -> Option<TokenInfo> {
        self.chain.stored(self.nft, keys::info(id))
    }
}

keyway_tests::senders_by_index!(Fixture, Party);

#[test]
fn the_artifact_is_one_page_and_exports_the_methods() {
    assert_eq!(
        one_page_artifact_methods("nft"),
        [
            "buy",
            "cancel_listing",
            "list",
            "listing",
            "mint",
            "owner_of",
            "token_info",
            "transfer",
        ]
    );
}

#[test]
fn a_sale_and_a_resale_pay_the_creator_its_royalty() {
    let mut fixture = Fixture::new();
    let (nft, token) = (fixture.nft, fixture.token);
    let [creator, buyer, collector] =
        [Party::Creator, Party::Buyer, Party::Collector].map(|party| fixture.address(party));
    let holding_key = Key::new(nft, keys::holding(ID));

    let outcome = fixture.expect_exact(
        Party::Creator,
        "mint",
        client::mint(nft, ID, ROYALTY_BPS, URI),
    );
    assert_eq!(
        events::<Minted>(&outcome, nft),
        vec![Minted {
            id: ID,
            creator,
            royalty_bps: ROYALTY_BPS
        }]
    );
    let outcome = fixture.expect_exact(
        Party::Creator,
        "list",
        client::list(nft, ID, &fixture.listing(FIRST_PRICE)),
    );
    assert_eq!(
        events::<Listed>(&outcome, nft),
        vec![Listed {
            id: ID,
            seller: creator,
            listing: fixture.listing(FIRST_PRICE)
        }]
    );

    // The creator's own sale: the whole price to the creator, no royalty.
    let outcome = fixture.approve(Party::Buyer, FIRST_PRICE);
    println!("gas token approve: {}", outcome.receipt.gas_used);
    let request = fixture.buy_request(Party::Buyer, Party::Creator, FIRST_PRICE);
    let outcome = fixture.expect_exact(Party::Buyer, "buy (from the creator)", request);
    assert_eq!(
        events::<Sold>(&outcome, nft),
        vec![Sold {
            id: ID,
            seller: creator,
            buyer,
            payment_token: token,
            price: FIRST_PRICE,
            royalty: 0
        }]
    );
    assert_eq!(
        events::<Transfer>(&outcome, token),
        vec![Transfer {
            from: buyer,
            to: creator,
            amount: FIRST_PRICE
        }]
    );
    assert_eq!(fixture.balance(Party::Creator), FIRST_PRICE);
    assert_eq!(fixture.balance(Party::Buyer), FUNDS - FIRST_PRICE);
    let token_key = |bytes| Key::new(token, bytes);
    let nonce_key = system::nonce_key(&buyer);
    let mut expected = vec![&nonce_key, &holding_key];
    let spent = [
        token_key(keyway_token::keys::allowance(&buyer, &nft)),
        token_key(keyway_token::keys::balance(&buyer)),
        token_key(keyway_token::keys::balance(&creator)),
    ];
    expected.extend(&spent);
    expected.sort();
    assert_eq!(written(&outcome), expected);
    assert_eq!(
        fixture.holding(ID),
        Some(Holding {
            owner: buyer,
            listing: None
        })
    );

    // The resale: 10% of 5,000 to the creator, the rest to the buyer, now the seller.
    let request = client::list(nft, ID, &fixture.listing(RESALE_PRICE));
    fixture.expect_success(Party::Buyer, request);
    fixture.approve(Party::Collector, RESALE_PRICE);
    let request = fixture.buy_request(Party::Collector, Party::Buyer, RESALE_PRICE);
    let outcome = fixture.expect_exact(Party::Collector, "buy (resale, with royalty)", request);
    assert_eq!(
        events::<Sold>(&outcome, nft),
        vec![Sold {
            id: ID,
            seller: buyer,
            buyer: collector,
            payment_token: token,
            price: RESALE_PRICE,
            royalty: 500
        }]
    );
    assert_eq!(
        events::<Transferred>(&outcome, nft),
        vec![Transferred {
            id: ID,
            from: buyer,
            to: collector
        }]
    );
    assert_eq!(
        events::<Transfer>(&outcome, token),
        vec![
            Transfer {
                from: collector,
                to: creator,
                amount: 500
            },
            Transfer {
                from: collector,
                to: buyer,
                amount: 4_500
            }
        ]
    );
    assert_eq!(fixture.balance(Party::Creator), FIRST_PRICE + 500);
    assert_eq!(fixture.balance(Party::Buyer), FUNDS - FIRST_PRICE + 4_500);
    assert_eq!(fixture.balance(Party::Collector), FUNDS - RESALE_PRICE);
    assert_eq!(
        fixture.holding(ID).map(|holding| holding.owner),
        Some(collector)
    );
    let allowance = token_key(keyway_token::keys::allowance(&collector, &nft));
    assert_eq!(fixture.chain.state.value(&allowance), None, "spent in full");

    // The views, as transactions.
    let outcome = fixture.expect_exact(Party::Stranger, "owner_of", client::owner_of(nft, ID));
    assert_eq!(returned::<Option<Address>>(&outcome), Some(collector));
    let outcome = fixture.expect_exact(Party::Stranger, "token_info", client::token_info(nft, ID));
    assert_eq!(
        returned::<Option<TokenInfo>>(&outcome),
        Some(TokenInfo {
            creator,
            royalty_bps: ROYALTY_BPS,
            uri: URI.into()
        })
    );
    let outcome = fixture.expect_exact(Party::Stranger, "listing", client::listing(nft, ID));
    assert_eq!(returned::<Option<Listing>>(&outcome), None);
}

#[test]
fn the_owner_transfers_and_cancels() {
    let mut fixture = Fixture::listed();
    let nft = fixture.nft;
    let [creator, stranger] = [Party::Creator, Party::Stranger].map(|party| fixture.address(party));

    let outcome = fixture.expect_exact(
        Party::Creator,
        "cancel_listing",
        client::cancel_listing(nft, ID),
    );
    assert_eq!(
        events::<Unlisted>(&outcome, nft),
        vec![Unlisted {
            id: ID,
            seller: creator
        }]
    );
    let request = client::list(nft, ID, &fixture.listing(FIRST_PRICE));
    fixture.expect_success(Party::Creator, request);

    // A transfer ends the listing.
    let outcome = fixture.expect_exact(
        Party::Creator,
        "transfer",
        client::transfer(nft, ID, stranger),
    );
    assert_eq!(
        events::<Transferred>(&outcome, nft),
        vec![Transferred {
            id: ID,
            from: creator,
            to: stranger
        }]
    );
    assert_eq!(
        fixture.holding(ID),
        Some(Holding {
            owner: stranger,
            listing: None
        })
    );
    fixture.approve(Party::Buyer, FIRST_PRICE);
    let request = fixture.buy_request(Party::Buyer, Party::Stranger, FIRST_PRICE);
    fixture.expect_error(Party::Buyer, request, NftError::NotListed);

    // Only the owner, and only known ids.
    for request in [
        client::transfer(nft, ID, creator),
        client::list(nft, ID, &fixture.listing(1)),
        client::cancel_listing(nft, ID),
    ] {
        fixture.expect_error(Party::Creator, request, NftError::NotOwner);
    }
    fixture.expect_error(
        Party::Stranger,
        client::transfer(nft, 99, creator),
        NftError::UnknownToken,
    );
    fixture.expect_error(
        Party::Stranger,
        client::cancel_listing(nft, ID),
        NftError::NotListed,
    );
}

#[test]
fn mint_refuses_taken_ids_and_high_royalties() {
    let mut fixture = Fixture::minted();
    let nft = fixture.nft;
    fixture.expect_error(
        Party::Stranger,
        client::mint(nft, ID, 0, URI),
        NftError::AlreadyExists,
    );
    let request = client::mint(nft, 2, keyway_nft::MAX_ROYALTY_BPS + 1, URI);
    fixture.expect_error(Party::Stranger, request, NftError::RoyaltyTooHigh);
    let long_uri = "u".repeat(keyway_nft::MAX_URI_BYTES + 1);
    fixture.expect_error(
        Party::Stranger,
        client::mint(nft, 2, 0, &long_uri),
        NftError::UriTooLong,
    );
    assert_eq!(fixture.info(2), None);
}

#[test]
fn buying_without_approval_or_funds_fails_with_the_tokens_code() {
    let mut fixture = Fixture::listed();
    let creator = fixture.address(Party::Creator);

    // No allowance: the token's InsufficientAllowance, and only the nonce is written.
    let request = fixture.buy_request(Party::Buyer, Party::Creator, FIRST_PRICE);
    fixture.expect_error(Party::Buyer, request, TokenError::InsufficientAllowance);
    // Approved, but without the funds: InsufficientBalance.
    fixture.approve(Party::Stranger, FIRST_PRICE);
    let request = fixture.buy_request(Party::Stranger, Party::Creator, FIRST_PRICE);
    fixture.expect_error(Party::Stranger, request, TokenError::InsufficientBalance);
    assert_eq!(
        fixture.holding(ID).map(|holding| holding.owner),
        Some(creator)
    );
    assert_eq!(fixture.balance(Party::Creator), 0);
    assert_eq!(fixture.balance(Party::Buyer), FUNDS);

    // Terms other than the listing's: refused before any payment.
    fixture.approve(Party::Buyer, FUNDS);
    let request = fixture.buy_request(Party::Buyer, Party::Creator, FIRST_PRICE - 1);
    fixture.expect_error(Party::Buyer, request, NftError::ListingChanged);
    let request = fixture.buy_request(Party::Creator, Party::Creator, FIRST_PRICE);
    fixture.expect_error(Party::Creator, request, NftError::BuyerIsOwner);
    assert_eq!(fixture.balance(Party::Buyer), FUNDS);
}

#[test]
fn an_undeclared_token_key_ends_the_sale() {
    let mut fixture = Fixture::listed();
    let (nft, token) = (fixture.nft, fixture.token);
    let buyer = fixture.address(Party::Buyer);
    // The buyer resells to the collector, so that the creator's royalty is paid.
    fixture.approve(Party::Buyer, FIRST_PRICE);
    let request = fixture.buy_request(Party::Buyer, Party::Creator, FIRST_PRICE);
    fixture.expect_success(Party::Buyer, request);
    let request = client::list(nft, ID, &fixture.listing(RESALE_PRICE));
    fixture.expect_success(Party::Buyer, request);
    fixture.approve(Party::Collector, RESALE_PRICE);

    let creator_balance = Key::new(
        token,
        keyway_token::keys::balance(&fixture.address(Party::Creator)),
    );
    let (kind, access) = fixture.buy_request(Party::Collector, Party::Buyer, RESALE_PRICE);
    assert!(access.writes.contains(&creator_balance));

    // The creator's balance left out: the token's read of it is refused.
    let mut dropped = access.clone();
    dropped.writes.retain(|key| key != &creator_balance);
    fixture.expect_failure(
        Party::Collector,
        (kind.clone(), dropped.clone()),
        Status::UndeclaredRead,
    );
    // Declared as a read only: the credit is refused.
    dropped.reads.push(creator_balance);
    dropped.normalize();
    fixture.expect_failure(
        Party::Collector,
        (kind.clone(), dropped),
        Status::UndeclaredWrite,
    );
    assert_eq!(
        fixture.holding(ID).map(|holding| holding.owner),
        Some(buyer)
    );

    // As declared by the client, it goes through.
    fixture.expect_success(Party::Collector, (kind, access));
}
