//! Native tests: the NFT contract's methods run against `keyway_sdk::testing::TestEnv`,
//! each call with exactly the access list its [`client`] builder declares, and the
//! payment token mocked by a ledger with the real token's rules and revert codes.

use alloc::rc::Rc;
use alloc::vec;
use alloc::vec::Vec;
use core::cell::RefCell;

use keyway_sdk::host_api::TxKind;
use keyway_sdk::testing::{IntoOutcome, Outcome, State, TestEnv};
use keyway_sdk::{AccessList, Address, ContractError, Key, Status};
use keyway_token::TokenError;
use keyway_token::mock::{self, Ledger};

use super::*;

keyway_sdk::impl_into_outcome!(TokenInfo, Listing);

const CREATOR: Address = Address([0xC1; 32]);
const COLLECTOR: Address = Address([0xC2; 32]);
const BUYER: Address = Address([0xB0; 32]);
const STRANGER: Address = Address([0x99; 32]);
const NFT: Address = Address([0x4E; 32]);
const PAYMENT_TOKEN: Address = Address([0x70; 32]);
const OTHER_TOKEN: Address = Address([0x71; 32]);
/// The NFT [`minted`] sets up.
const ID: u64 = 7;
/// Its royalty: 10%.
const ROYALTY_BPS: u16 = 1_000;
const URI: &str = "ipfs://bafy/7.json";
const PRICE: u128 = 1_000;

/// The NFT contract and its payment token.
struct Market {
    env: TestEnv,
    ledger: Rc<RefCell<Ledger>>,
}

impl Market {
    /// An NFT contract at `NFT`, with `BUYER` and `COLLECTOR` holding 10,000 of the
    /// payment token each.
    fn new() -> Market {
        let mut env = TestEnv::new();
        env.set_contract(NFT);
        let ledger = Rc::new(RefCell::new(Ledger::default()));
        for account in [BUYER, COLLECTOR] {
            ledger
                .borrow_mut()
                .set_balance(PAYMENT_TOKEN, account, 10_000);
        }
        mock::install(&mut env, PAYMENT_TOKEN, &ledger);
        Market { env, ledger }
    }

    /// Runs `method` as `sender`, enforcing the access list of `request` (a client
    /// builder's output for the same call). A failed call undoes the mocked token's
    /// changes too, as the runtime undoes a propagated callee's writes.
    fn call<R: IntoOutcome>(
        &mut self,
        sender: Address,
        (_, access): (TxKind, AccessList),
        method: impl FnOnce() -> R,
    ) -> Outcome<R::Value> {
        let ledger = self.ledger.borrow().clone();
        self.env.set_sender(sender).declare(access);
        let outcome = self.env.call(method);
        if !outcome.is_success() {
            *self.ledger.borrow_mut() = ledger;
        }
        outcome
    }

    /// `owner` lets the NFT contract spend `amount` of its payment tokens.
    fn approve(&mut self, owner: Address, amount: u128) {
        self.ledger
            .borrow_mut()
            .approve(PAYMENT_TOKEN, owner, NFT, amount);
    }

    fn balance(&self, owner: Address) -> u128 {
        self.ledger.borrow().balance(PAYMENT_TOKEN, owner)
    }

    fn allowance(&self, owner: Address) -> u128 {
        self.ledger.borrow().allowance(PAYMENT_TOKEN, owner, NFT)
    }

    fn state(&self) -> State {
        self.env.state().clone()
    }

    fn holding(&mut self, id: u64) -> Option<Holding> {
        self.env.view(|| HOLDINGS.get(&id))
    }

    /// Mints `id` as `creator`.
    fn mint(&mut self, creator: Address, id: u64, royalty_bps: u16, uri: &str) -> Outcome<()> {
        let request = client::mint(NFT, id, royalty_bps, uri);
        self.call(creator, request, || mint(id, royalty_bps, uri.into()))
    }

    /// Lists `id` as `seller` for `price` in the payment token.
    fn list(&mut self, seller: Address, id: u64, price: u128) -> Outcome<()> {
        let listing = Listing {
            payment_token: PAYMENT_TOKEN,
            price,
        };
        let request = client::list(NFT, id, &listing);
        self.call(seller, request, || list(id, PAYMENT_TOKEN, price))
    }

    /// `buyer` buys `id` at `price` in `payment_token`, declaring what the client builder
    /// gives for the NFT's current owner and info.
    fn buy(&mut self, buyer: Address, id: u64, payment_token: Address, price: u128) -> Outcome<()> {
        let info = self.env.view(|| token_info(id)).unwrap_or(TokenInfo {
            creator: CREATOR,
            royalty_bps: 0,
            uri: String::new(),
        });
        let seller = self.env.view(|| owner_of(id)).unwrap_or(STRANGER);
        let listing = Listing {
            payment_token,
            price,
        };
        let request = client::buy(NFT, buyer, id, seller, &info, &listing);
        self.call(buyer, request, || buy(id, payment_token, price))
    }
}

/// [`Market::new`] plus NFT [`ID`] minted by `CREATOR` with a 10% royalty.
fn minted() -> Market {
    let mut market = Market::new();
    market.mint(CREATOR, ID, ROYALTY_BPS, URI).unwrap();
    market
}

/// [`minted`], listed by its creator for [`PRICE`].
fn listed() -> Market {
    let mut market = minted();
    market.list(CREATOR, ID, PRICE).unwrap();
    market
}

/// [`listed`], bought by `COLLECTOR` and listed again by it for `price`.
fn relisted(price: u128) -> Market {
    let mut market = listed();
    market.approve(COLLECTOR, PRICE);
    market.buy(COLLECTOR, ID, PAYMENT_TOKEN, PRICE).unwrap();
    market.list(COLLECTOR, ID, price).unwrap();
    market
}

/// Asserts that `outcome` reverted with `error`, emitting nothing, and that the
/// contract's state is still `before`.
#[track_caller]
fn assert_refused<T: core::fmt::Debug>(
    market: &Market,
    before: &State,
    outcome: Outcome<T>,
    error: NftError,
) {
    assert_eq!(outcome.status, error.status());
    assert!(outcome.events.is_empty());
    assert_eq!(market.env.state(), before);
}

/// The `(from, to, amount)` of the `transfer_from` calls `outcome` made on the payment
/// token, in order.
fn payments<T>(outcome: &Outcome<T>) -> Vec<(Address, Address, u128)> {
    outcome
        .calls
        .iter()
        .map(|call| {
            assert_eq!(
                (call.contract, call.method.as_str()),
                (PAYMENT_TOKEN, "transfer_from")
            );
            borsh::from_slice(&call.args).expect("transfer_from arguments")
        })
        .collect()
}

#[test]
fn mint_records_the_creator_as_first_owner() {
    let mut market = Market::new();
    let outcome = market.mint(CREATOR, ID, ROYALTY_BPS, URI);
    assert_eq!(outcome.status, Status::Success);
    assert_eq!(outcome.events.len(), 1);
    assert_eq!(outcome.events[0].topic, b"minted");
    assert_eq!(
        outcome.events_of::<Minted>(),
        vec![Minted {
            id: ID,
            creator: CREATOR,
            royalty_bps: ROYALTY_BPS
        }]
    );
    let info = TokenInfo {
        creator: CREATOR,
        royalty_bps: ROYALTY_BPS,
        uri: URI.into(),
    };
    let request = client::token_info(NFT, ID);
    assert_eq!(
        market.call(STRANGER, request, || token_info(ID)).unwrap(),
        Some(info)
    );
    let request = client::owner_of(NFT, ID);
    assert_eq!(
        market.call(STRANGER, request, || owner_of(ID)).unwrap(),
        Some(CREATOR)
    );
    let request = client::listing(NFT, ID);
    assert_eq!(
        market.call(STRANGER, request, || listing(ID)).unwrap(),
        None
    );
    assert_eq!(market.env.state().len(), 2);

    // The cap itself is allowed, and an empty URI.
    market.mint(BUYER, ID + 1, MAX_ROYALTY_BPS, "").unwrap();
    let info = market.env.view(|| token_info(ID + 1)).expect("minted");
    assert_eq!(
        (info.creator, info.royalty_bps, info.uri.as_str()),
        (BUYER, MAX_ROYALTY_BPS, "")
    );
}

#[test]
fn mint_refuses_bad_royalties_long_uris_and_taken_ids() {
    let mut market = minted();
    let before = market.state();
    let outcome = market.mint(BUYER, 8, MAX_ROYALTY_BPS + 1, URI);
    assert_refused(&market, &before, outcome, NftError::RoyaltyTooHigh);
    let long_uri = "u".repeat(MAX_URI_BYTES + 1);
    let outcome = market.mint(BUYER, 8, 0, &long_uri);
    assert_refused(&market, &before, outcome, NftError::UriTooLong);
    // Taken, by its creator or by anyone else, and whatever the royalty.
    for creator in [CREATOR, BUYER] {
        let outcome = market.mint(creator, ID, 0, URI);
        assert_refused(&market, &before, outcome, NftError::AlreadyExists);
    }
    market
        .mint(BUYER, 8, 0, &"u".repeat(MAX_URI_BYTES))
        .unwrap();
}

#[test]
fn the_owner_transfers() {
    let mut market = minted();
    let request = client::transfer(NFT, ID, COLLECTOR);
    let outcome = market.call(CREATOR, request, || transfer(ID, COLLECTOR));
    assert_eq!(outcome.status, Status::Success);
    assert_eq!(
        outcome.events_of::<Transferred>(),
        vec![Transferred {
            id: ID,
            from: CREATOR,
            to: COLLECTOR
        }]
    );
    assert_eq!(market.env.view(|| owner_of(ID)), Some(COLLECTOR));
    // The creator stays the creator.
    assert_eq!(
        market.env.view(|| token_info(ID)).map(|info| info.creator),
        Some(CREATOR)
    );

    // Only the owner: the creator no longer is.
    let before = market.state();
    for sender in [CREATOR, STRANGER] {
        let request = client::transfer(NFT, ID, sender);
        let outcome = market.call(sender, request, || transfer(ID, sender));
        assert_refused(&market, &before, outcome, NftError::NotOwner);
    }
    let request = client::transfer(NFT, 99, STRANGER);
    let outcome = market.call(COLLECTOR, request, || transfer(99, STRANGER));
    assert_refused(&market, &before, outcome, NftError::UnknownToken);
}

#[test]
fn a_transfer_ends_the_listing() {
    let mut market = listed();
    let request = client::transfer(NFT, ID, COLLECTOR);
    market
        .call(CREATOR, request, || transfer(ID, COLLECTOR))
        .unwrap();
    assert_eq!(
        market.holding(ID),
        Some(Holding {
            owner: COLLECTOR,
            listing: None
        })
    );
    let before = market.state();
    market.approve(BUYER, PRICE);
    let outcome = market.buy(BUYER, ID, PAYMENT_TOKEN, PRICE);
    assert_refused(&market, &before, outcome, NftError::NotListed);
}

#[test]
fn the_owner_lists_and_relists() {
    let mut market = minted();
    let outcome = market.list(CREATOR, ID, PRICE);
    assert_eq!(outcome.status, Status::Success);
    let expected = Listing {
        payment_token: PAYMENT_TOKEN,
        price: PRICE,
    };
    assert_eq!(outcome.events[0].topic, b"listed");
    assert_eq!(
        outcome.events_of::<Listed>(),
        vec![Listed {
            id: ID,
            seller: CREATOR,
            listing: expected
        }]
    );
    let request = client::listing(NFT, ID);
    assert_eq!(
        market.call(STRANGER, request, || listing(ID)).unwrap(),
        Some(expected)
    );

    // A new listing replaces the old one.
    let cheaper = Listing {
        payment_token: OTHER_TOKEN,
        price: 600,
    };
    let request = client::list(NFT, ID, &cheaper);
    market
        .call(CREATOR, request, || list(ID, OTHER_TOKEN, 600))
        .unwrap();
    assert_eq!(market.env.view(|| listing(ID)), Some(cheaper));
    assert_eq!(market.env.view(|| owner_of(ID)), Some(CREATOR));
}

#[test]
fn listing_needs_the_owner_a_known_id_and_a_price() {
    let mut market = minted();
    let before = market.state();
    let outcome = market.list(STRANGER, ID, PRICE);
    assert_refused(&market, &before, outcome, NftError::NotOwner);
    let outcome = market.list(CREATOR, 99, PRICE);
    assert_refused(&market, &before, outcome, NftError::UnknownToken);
    let outcome = market.list(CREATOR, ID, 0);
    assert_refused(&market, &before, outcome, NftError::ZeroPrice);
}

#[test]
fn the_owner_cancels_a_listing() {
    let mut market = listed();
    let before = market.state();
    let request = client::cancel_listing(NFT, ID);
    let outcome = market.call(STRANGER, request.clone(), || cancel_listing(ID));
    assert_refused(&market, &before, outcome, NftError::NotOwner);
    let request_99 = client::cancel_listing(NFT, 99);
    let outcome = market.call(CREATOR, request_99, || cancel_listing(99));
    assert_refused(&market, &before, outcome, NftError::UnknownToken);

    let outcome = market.call(CREATOR, request.clone(), || cancel_listing(ID));
    assert_eq!(outcome.status, Status::Success);
    assert_eq!(
        outcome.events_of::<Unlisted>(),
        vec![Unlisted {
            id: ID,
            seller: CREATOR
        }]
    );
    assert_eq!(market.env.view(|| listing(ID)), None);
    assert_eq!(market.env.view(|| owner_of(ID)), Some(CREATOR));

    // Nothing left to cancel, and nothing left to buy.
    let before = market.state();
    let outcome = market.call(CREATOR, request, || cancel_listing(ID));
    assert_refused(&market, &before, outcome, NftError::NotListed);
    market.approve(BUYER, PRICE);
    let outcome = market.buy(BUYER, ID, PAYMENT_TOKEN, PRICE);
    assert_refused(&market, &before, outcome, NftError::NotListed);
}

#[test]
fn the_creator_sells_without_a_royalty() {
    let mut market = listed();
    market.approve(BUYER, PRICE);
    let outcome = market.buy(BUYER, ID, PAYMENT_TOKEN, PRICE);
    assert_eq!(outcome.status, Status::Success);
    assert_eq!(payments(&outcome), vec![(BUYER, CREATOR, PRICE)]);
    assert_eq!(
        outcome.events_of::<Sold>(),
        vec![Sold {
            id: ID,
            seller: CREATOR,
            buyer: BUYER,
            payment_token: PAYMENT_TOKEN,
            price: PRICE,
            royalty: 0
        }]
    );
    assert_eq!(
        outcome.events_of::<Transferred>(),
        vec![Transferred {
            id: ID,
            from: CREATOR,
            to: BUYER
        }]
    );
    assert_eq!(
        market.holding(ID),
        Some(Holding {
            owner: BUYER,
            listing: None
        })
    );
    assert_eq!(market.balance(BUYER), 10_000 - PRICE);
    assert_eq!(market.balance(CREATOR), PRICE);
    assert_eq!(market.allowance(BUYER), 0);
}

#[test]
fn a_resale_pays_the_creator_its_royalty() {
    let mut market = relisted(2_000);
    assert_eq!(market.balance(CREATOR), PRICE);
    market.approve(BUYER, 2_500);
    let outcome = market.buy(BUYER, ID, PAYMENT_TOKEN, 2_000);
    assert_eq!(outcome.status, Status::Success);
    // 10% of 2,000 to the creator, the rest to the seller, both from the buyer.
    assert_eq!(
        payments(&outcome),
        vec![(BUYER, CREATOR, 200), (BUYER, COLLECTOR, 1_800)]
    );
    assert_eq!(
        outcome.events_of::<Sold>(),
        vec![Sold {
            id: ID,
            seller: COLLECTOR,
            buyer: BUYER,
            payment_token: PAYMENT_TOKEN,
            price: 2_000,
            royalty: 200
        }]
    );
    assert_eq!(market.env.view(|| owner_of(ID)), Some(BUYER));
    assert_eq!(market.balance(BUYER), 8_000);
    assert_eq!(market.balance(CREATOR), PRICE + 200);
    assert_eq!(market.balance(COLLECTOR), 10_000 - PRICE + 1_800);
    assert_eq!(market.allowance(BUYER), 500, "only the price is spent");
}

#[test]
fn no_royalty_transfer_when_it_is_zero() {
    // A royalty of 0 basis points, and one that rounds down to nothing.
    for (royalty_bps, price) in [(0, 2_000), (ROYALTY_BPS, 9)] {
        let mut market = Market::new();
        market.mint(CREATOR, ID, royalty_bps, URI).unwrap();
        let request = client::transfer(NFT, ID, COLLECTOR);
        market
            .call(CREATOR, request, || transfer(ID, COLLECTOR))
            .unwrap();
        market.list(COLLECTOR, ID, price).unwrap();
        market.approve(BUYER, price);
        let outcome = market.buy(BUYER, ID, PAYMENT_TOKEN, price);
        assert_eq!(outcome.status, Status::Success);
        assert_eq!(payments(&outcome), vec![(BUYER, COLLECTOR, price)]);
        assert_eq!(outcome.events_of::<Sold>()[0].royalty, 0);
        assert_eq!(market.balance(CREATOR), 0);
    }
}

#[test]
fn buying_without_approval_or_funds_fails_with_the_tokens_code() {
    let mut market = relisted(2_000);
    let before = market.state();

    // No allowance: the royalty payment fails first, with the token's code.
    let outcome = market.buy(BUYER, ID, PAYMENT_TOKEN, 2_000);
    assert_eq!(
        outcome.status,
        Status::Reverted {
            code: TokenError::InsufficientAllowance.code()
        }
    );
    assert!(outcome.events.is_empty());
    assert_eq!(market.env.state(), &before);

    // Enough for the royalty but not for the seller's part: the royalty is undone too.
    market.approve(BUYER, 200);
    let outcome = market.buy(BUYER, ID, PAYMENT_TOKEN, 2_000);
    assert_eq!(
        payments(&outcome),
        vec![(BUYER, CREATOR, 200), (BUYER, COLLECTOR, 1_800)]
    );
    assert_eq!(
        outcome.status,
        Status::Reverted {
            code: TokenError::InsufficientAllowance.code()
        }
    );
    assert_eq!(market.env.state(), &before);
    assert_eq!(market.balance(CREATOR), PRICE);
    assert_eq!(market.balance(BUYER), 10_000);
    assert_eq!(market.allowance(BUYER), 200);

    // Approved, but poorer than the price.
    market.approve(STRANGER, 2_000);
    let outcome = market.buy(STRANGER, ID, PAYMENT_TOKEN, 2_000);
    assert_eq!(
        outcome.status,
        Status::Reverted {
            code: TokenError::InsufficientBalance.code()
        }
    );
    assert_eq!(market.env.state(), &before);
    assert_eq!(market.env.view(|| owner_of(ID)), Some(COLLECTOR));
}

#[test]
fn buying_needs_a_listing_on_the_agreed_terms() {
    let mut market = listed();
    market.approve(BUYER, 10_000);
    let before = market.state();
    for (payment_token, price) in [(PAYMENT_TOKEN, PRICE - 1), (OTHER_TOKEN, PRICE)] {
        let outcome = market.buy(BUYER, ID, payment_token, price);
        assert_refused(&market, &before, outcome, NftError::ListingChanged);
    }
    let outcome = market.buy(BUYER, 99, PAYMENT_TOKEN, PRICE);
    assert_refused(&market, &before, outcome, NftError::UnknownToken);
    market.approve(CREATOR, PRICE);
    let outcome = market.buy(CREATOR, ID, PAYMENT_TOKEN, PRICE);
    assert_refused(&market, &before, outcome, NftError::BuyerIsOwner);
    // The unlisted NFT next to it.
    market.mint(CREATOR, 8, 0, URI).unwrap();
    let before = market.state();
    let outcome = market.buy(BUYER, 8, PAYMENT_TOKEN, PRICE);
    assert_refused(&market, &before, outcome, NftError::NotListed);
    assert_eq!(market.balance(BUYER), 10_000);
}

#[test]
fn views_of_unknown_ids_are_none() {
    let mut market = minted();
    assert_eq!(market.env.view(|| owner_of(99)), None);
    assert_eq!(market.env.view(|| token_info(99)), None);
    assert_eq!(market.env.view(|| listing(99)), None);
}

#[test]
fn royalties_round_down_and_never_overflow() {
    assert_eq!(royalty(2_000, 1_000), 200);
    assert_eq!(royalty(9, 1_000), 0);
    assert_eq!(royalty(10, 1_000), 1);
    assert_eq!(royalty(19_999, 2_500), 4_999);
    assert_eq!(royalty(12_345, 0), 0);
    for price in [0, 1, 9_999, 10_000, 10_001, 123_456_789] {
        for bps in [0, 1, 333, 2_500] {
            assert_eq!(
                royalty(price, bps),
                price * u128::from(bps) / BPS_PER_WHOLE,
                "{price} at {bps}"
            );
        }
    }
    // Where `price * bps` itself would overflow.
    assert_eq!(royalty(u128::MAX, 2_500), u128::MAX / 4);
    assert_eq!(royalty(u128::MAX, 10_000), u128::MAX);
}

#[test]
fn client_access_lists_name_the_payment_tokens_keys() {
    use keyway_token::keys as token_keys;
    let info = TokenInfo {
        creator: CREATOR,
        royalty_bps: ROYALTY_BPS,
        uri: URI.into(),
    };
    let listing = Listing {
        payment_token: PAYMENT_TOKEN,
        price: 2_000,
    };
    let token_key = |bytes: Vec<u8>| Key::new(PAYMENT_TOKEN, bytes);
    let nft_reads = vec![Key::new(NFT, keys::info(ID))];
    let nft_writes = [Key::new(NFT, keys::holding(ID))];

    // A resale pays the creator and the seller.
    let (kind, list) = client::buy(NFT, BUYER, ID, COLLECTOR, &info, &listing);
    let mut expected = AccessList {
        reads: nft_reads.clone(),
        writes: vec![
            token_key(token_keys::allowance(&BUYER, &NFT)),
            token_key(token_keys::balance(&BUYER)),
            token_key(token_keys::balance(&CREATOR)),
            token_key(token_keys::balance(&COLLECTOR)),
        ],
    };
    expected.writes.extend(nft_writes.clone());
    expected.normalize();
    assert_eq!(list, expected);
    assert_eq!(
        kind,
        TxKind::Call {
            contract: NFT,
            method: "buy".into(),
            args: borsh::to_vec(&(ID, PAYMENT_TOKEN, 2_000u128)).unwrap(),
        }
    );

    // The creator's own sale leaves out the royalty payment.
    let (_, list) = client::buy(NFT, BUYER, ID, CREATOR, &info, &listing);
    let mut expected = AccessList {
        reads: nft_reads,
        writes: vec![
            token_key(token_keys::allowance(&BUYER, &NFT)),
            token_key(token_keys::balance(&BUYER)),
            token_key(token_keys::balance(&CREATOR)),
        ],
    };
    expected.writes.extend(nft_writes);
    expected.normalize();
    assert_eq!(list, expected);
}

#[test]
fn undeclared_keys_end_the_call() {
    let mut market = listed();
    market.approve(BUYER, PRICE);
    let before = market.state();
    // The holding only declared as a read: the sale cannot write it.
    let (kind, mut access) = client::buy(
        NFT,
        BUYER,
        ID,
        CREATOR,
        &market.env.view(|| token_info(ID)).expect("minted"),
        &Listing {
            payment_token: PAYMENT_TOKEN,
            price: PRICE,
        },
    );
    let holding = Key::new(NFT, keys::holding(ID));
    access.writes.retain(|key| key != &holding);
    access.reads.push(holding);
    let outcome = market.call(BUYER, (kind.clone(), access.clone()), || {
        buy(ID, PAYMENT_TOKEN, PRICE)
    });
    assert_eq!(outcome.status, Status::UndeclaredWrite);
    assert_eq!(market.env.state(), &before);

    // The info not declared at all.
    access.reads.retain(|key| key.bytes != keys::info(ID));
    let outcome = market.call(BUYER, (kind, access), || buy(ID, PAYMENT_TOKEN, PRICE));
    assert_eq!(outcome.status, Status::UndeclaredRead);
    assert_eq!(market.env.state(), &before);
    assert_eq!(market.balance(BUYER), 10_000);
}

/// A contract that uses [`ext`] on the NFT contract.
const BROKER: Address = Address([0xB7; 32]);

#[test]
fn ext_calls_the_nft_contract() {
    let mut env = TestEnv::new();
    env.set_contract(BROKER);
    env.mock_returns(NFT, "owner_of", Some(BROKER));
    env.mock(NFT, "transfer", |call| {
        assert_eq!(call.caller, BROKER);
        assert_eq!(call.args::<(u64, Address)>(), (ID, BUYER));
        Ok(Vec::new())
    });
    env.mock_fails(NFT, "buy", NftError::ListingChanged.status());

    let outcome = env.call(|| {
        if ext::owner_of(&NFT, ID) == Some(BROKER) {
            ext::transfer(&NFT, ID, &BUYER);
        }
    });
    assert_eq!(outcome.status, Status::Success);
    let methods: Vec<&str> = outcome.calls.iter().map(|c| c.method.as_str()).collect();
    assert_eq!(methods, ["owner_of", "transfer"]);

    // The NFT contract's code reaches the caller's receipt.
    let outcome = env.call(|| ext::buy(&NFT, ID, &PAYMENT_TOKEN, PRICE));
    assert_eq!(outcome.status, NftError::ListingChanged.status());
    assert_eq!(
        outcome.calls[0].args,
        borsh::to_vec(&(ID, PAYMENT_TOKEN, PRICE)).unwrap()
    );
}

#[test]
fn storage_layout_is_as_documented() {
    let info_key = keys::info(ID);
    assert_eq!(info_key.len(), 9);
    assert_eq!((info_key[0], &info_key[1..]), (b'i', &ID.to_le_bytes()[..]));
    let holding_key = keys::holding(ID);
    assert_eq!(
        (holding_key[0], &holding_key[1..]),
        (b'o', &ID.to_le_bytes()[..])
    );

    let mut market = listed();
    let mut holding = CREATOR.0.to_vec();
    holding.push(1);
    holding.extend_from_slice(&PAYMENT_TOKEN.0);
    holding.extend_from_slice(&PRICE.to_le_bytes());
    assert_eq!(market.env.storage(&NFT, &holding_key), Some(holding));
    let mut info = CREATOR.0.to_vec();
    info.extend_from_slice(&ROYALTY_BPS.to_le_bytes());
    info.extend_from_slice(&(URI.len() as u32).to_le_bytes());
    info.extend_from_slice(URI.as_bytes());
    assert_eq!(market.env.storage(&NFT, &info_key), Some(info));
    assert_eq!(market.env.state().len(), 2);
    assert_eq!(
        market.holding(ID).and_then(|h| h.listing).map(|l| l.price),
        Some(PRICE)
    );
}

#[test]
fn error_codes_are_stable() {
    let codes = [
        NftError::NotOwner,
        NftError::NotListed,
        NftError::UnknownToken,
        NftError::AlreadyExists,
        NftError::RoyaltyTooHigh,
        NftError::UriTooLong,
        NftError::ZeroPrice,
        NftError::ListingChanged,
        NftError::BuyerIsOwner,
    ]
    .map(|e| e.code());
    assert_eq!(codes, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
}
