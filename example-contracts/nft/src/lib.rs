//! Non-fungible tokens with creator royalties, sold for a fungible token.
//!
//! # Lifecycle
//!
//! - Anyone mints an NFT under an id of its choosing and becomes its **creator** and first
//!   **owner**. The creator fixes a royalty in basis points (at most [`MAX_ROYALTY_BPS`],
//!   25%) and a metadata URI; neither changes afterwards. Ids are chosen by the client
//!   rather than counted by the contract so that a client knows every key a mint touches
//!   before sending it, and so that mints by different creators do not all write one
//!   counter.
//! - The owner transfers it, or lists it for sale at a price in a token of its choosing
//!   (a contract with the [`keyway_token`] interface), and may cancel the listing. A
//!   transfer ends any listing.
//! - A buyer first approves this contract on the payment token for the price, then calls
//!   `buy`, naming the token and price it agreed to (so a seller cannot change the terms
//!   under it). The contract pulls the payment with the token's `transfer_from`: the
//!   royalty to the creator, the rest to the seller, and the buyer becomes the owner. No
//!   royalty is paid when the creator sells, or when it rounds down to zero.
//!
//! # Methods
//!
//! Arguments are the borsh encoding of the parameter tuple; return values are borsh.
//! A failing method reverts with an [`NftError`] code (a failing token call ends `buy`
//! with the token's own status and code, e.g. `TokenError::InsufficientAllowance` = 2)
//! and changes nothing. Checks run in this order: argument values, then the NFT's
//! existence, the sender's ownership and the listing.
//!
//! | method | reads | writes |
//! | --- | --- | --- |
//! | `mint(id: u64, royalty_bps: u16, uri: String) -> Result<(), _>` | | info(id), holding(id) |
//! | `transfer(id, to) -> Result<(), _>` (owner) | | holding(id) |
//! | `list(id, payment_token, price: u128) -> Result<(), _>` (owner) | | holding(id) |
//! | `cancel_listing(id) -> Result<(), _>` (owner) | | holding(id) |
//! | `buy(id, payment_token, price: u128) -> Result<(), _>` | info(id) | holding(id), and in the payment token: allowance(buyer, this), balance(buyer), balance(seller), balance(creator) (the last only when a royalty is paid) |
//! | `owner_of(id) -> Option<Address>` | holding(id) | |
//! | `token_info(id) -> Option<TokenInfo>` | info(id) | |
//! | `listing(id) -> Option<Listing>` | holding(id) | |
//!
//! # Storage layout
//!
//! Clients build access lists from these keys (all in the contract's namespace); [`keys`]
//! computes them with the very constants the contract uses.
//!
//! | what | key | value |
//! | --- | --- | --- |
//! | what never changes of NFT `id` | `b"i"` ++ `id` (u64 LE, 9 bytes) | borsh [`TokenInfo`] |
//! | owner and listing of NFT `id` | `b"o"` ++ `id` (u64 LE, 9 bytes) | borsh [`Holding`] |
//!
//! The owner and the listing share one record because every change of owner must end the
//! listing: a transfer or a sale then rewrites one small key, and never the URI.
//!
//! # Events
//!
//! [`Minted`] (topic `b"minted"`), [`Transferred`] (`b"transferred"`, every change of
//! owner after the mint, sales included), [`Listed`] (`b"listed"`), [`Unlisted`]
//! (`b"unlisted"`) and [`Sold`] (`b"sold"`), borsh-encoded. A sale's receipt also holds
//! the payment token's own `transfer` events.
#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

use alloc::string::String;

use borsh::{BorshDeserialize, BorshSerialize};
use keyway_sdk::{Address, ContractError, Event, Map, emit_event, env, method};

/// What never changes of each NFT, by id.
pub const INFOS: Map<u64, TokenInfo> = Map::new(b"i");
/// Each NFT's owner and listing, by id.
pub const HOLDINGS: Map<u64, Holding> = Map::new(b"o");

/// The highest royalty a creator may set: 2,500 basis points, 25% of every resale.
pub const MAX_ROYALTY_BPS: u16 = 2_500;
/// Basis points in a whole: a royalty of `bps` is `bps / 10_000` of the price.
pub const BPS_PER_WHOLE: u128 = 10_000;
/// The longest metadata URI, in bytes (UTF-8).
pub const MAX_URI_BYTES: usize = 128;

/// The exact storage keys, for building access lists.
pub mod keys {
    use alloc::vec::Vec;

    /// The key of NFT `id`'s [`TokenInfo`](super::TokenInfo).
    pub fn info(id: u64) -> Vec<u8> {
        super::INFOS.key(&id)
    }

    /// The key of NFT `id`'s [`Holding`](super::Holding) (owner and listing).
    pub fn holding(id: u64) -> Vec<u8> {
        super::HOLDINGS.key(&id)
    }
}

/// Why an NFT method reverted; the discriminant is the revert code.
#[derive(ContractError, Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum NftError {
    /// The sender does not own the NFT.
    NotOwner = 1,
    /// The NFT is not for sale.
    NotListed = 2,
    /// No NFT has this id.
    UnknownToken = 3,
    /// An NFT with this id already exists.
    AlreadyExists = 4,
    /// The royalty is above [`MAX_ROYALTY_BPS`].
    RoyaltyTooHigh = 5,
    /// The URI is longer than [`MAX_URI_BYTES`].
    UriTooLong = 6,
    /// A listing must ask for something: the price is zero.
    ZeroPrice = 7,
    /// The listing's payment token or price is not what the buyer agreed to.
    ListingChanged = 8,
    /// The owner cannot buy its own NFT.
    BuyerIsOwner = 9,
}

/// What the creator fixed at the mint.
#[derive(BorshSerialize, BorshDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct TokenInfo {
    /// Who minted it; receives the royalty of every sale by someone else.
    pub creator: Address,
    /// The creator's share of every resale, in basis points (at most [`MAX_ROYALTY_BPS`]).
    pub royalty_bps: u16,
    /// Where its metadata lives (at most [`MAX_URI_BYTES`]).
    pub uri: String,
}

/// An offer to sell an NFT.
#[derive(BorshSerialize, BorshDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Listing {
    /// The token contract the price is paid in.
    pub payment_token: Address,
    /// The price, in the payment token's units; never zero.
    pub price: u128,
}

/// Who owns an NFT, and whether it is for sale.
#[derive(BorshSerialize, BorshDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Holding {
    /// The owner.
    pub owner: Address,
    /// The owner's offer, if it is for sale.
    pub listing: Option<Listing>,
}

/// `creator` minted NFT `id`, which it now owns.
#[derive(BorshSerialize, BorshDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Minted {
    /// The NFT's id.
    pub id: u64,
    /// Its creator and first owner.
    pub creator: Address,
    /// The royalty it set, in basis points.
    pub royalty_bps: u16,
}

impl Event for Minted {
    const TOPIC: &'static [u8] = b"minted";
}

/// NFT `id` went from `from` to `to` (by a transfer or a sale).
#[derive(BorshSerialize, BorshDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transferred {
    /// The NFT's id.
    pub id: u64,
    /// The previous owner.
    pub from: Address,
    /// The new owner.
    pub to: Address,
}

impl Event for Transferred {
    const TOPIC: &'static [u8] = b"transferred";
}

/// `seller` put NFT `id` up for sale (replacing any previous listing).
#[derive(BorshSerialize, BorshDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Listed {
    /// The NFT's id.
    pub id: u64,
    /// Its owner.
    pub seller: Address,
    /// The terms.
    pub listing: Listing,
}

impl Event for Listed {
    const TOPIC: &'static [u8] = b"listed";
}

/// `seller` took NFT `id` off sale.
#[derive(BorshSerialize, BorshDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unlisted {
    /// The NFT's id.
    pub id: u64,
    /// Its owner.
    pub seller: Address,
}

impl Event for Unlisted {
    const TOPIC: &'static [u8] = b"unlisted";
}

/// `buyer` bought NFT `id` from `seller`: it paid `price` in `payment_token`, of which
/// `royalty` went to the creator and the rest to the seller.
#[derive(BorshSerialize, BorshDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sold {
    /// The NFT's id.
    pub id: u64,
    /// The previous owner.
    pub seller: Address,
    /// The new owner.
    pub buyer: Address,
    /// The token paid in.
    pub payment_token: Address,
    /// What the buyer paid in all.
    pub price: u128,
    /// The creator's part of `price` (0 when the creator sold).
    pub royalty: u128,
}

impl Event for Sold {
    const TOPIC: &'static [u8] = b"sold";
}

/// The royalty of a sale at `price`: `price * royalty_bps / 10_000`, rounded down.
/// Computed without overflow for every `u128` price.
pub fn royalty(price: u128, royalty_bps: u16) -> u128 {
    let bps = u128::from(royalty_bps);
    // price = whole * 10_000 + part, and whole * bps <= price, so nothing overflows; the
    // rounding only happens in the last term, as in `price * bps / 10_000`.
    let (whole, part) = (price / BPS_PER_WHOLE, price % BPS_PER_WHOLE);
    whole * bps + part * bps / BPS_PER_WHOLE
}

/// Mints NFT `id` for the sender, its creator, with a royalty of `royalty_bps` on every
/// resale and metadata at `uri`.
#[method]
pub fn mint(id: u64, royalty_bps: u16, uri: String) -> Result<(), NftError> {
    if royalty_bps > MAX_ROYALTY_BPS {
        return Err(NftError::RoyaltyTooHigh);
    }
    if uri.len() > MAX_URI_BYTES {
        return Err(NftError::UriTooLong);
    }
    if INFOS.contains(&id) {
        return Err(NftError::AlreadyExists);
    }
    let creator = env::sender();
    INFOS.set(
        &id,
        &TokenInfo {
            creator,
            royalty_bps,
            uri,
        },
    );
    HOLDINGS.set(
        &id,
        &Holding {
            owner: creator,
            listing: None,
        },
    );
    emit_event(&Minted {
        id,
        creator,
        royalty_bps,
    });
    Ok(())
}

/// Gives NFT `id` to `to`; owner only. Ends any listing.
#[method]
pub fn transfer(id: u64, to: Address) -> Result<(), NftError> {
    let holding = owned(id)?;
    HOLDINGS.set(
        &id,
        &Holding {
            owner: to,
            listing: None,
        },
    );
    emit_event(&Transferred {
        id,
        from: holding.owner,
        to,
    });
    Ok(())
}

/// Offers NFT `id` for `price` in `payment_token`; owner only. Replaces any listing.
#[method]
pub fn list(id: u64, payment_token: Address, price: u128) -> Result<(), NftError> {
    if price == 0 {
        return Err(NftError::ZeroPrice);
    }
    let mut holding = owned(id)?;
    let listing = Listing {
        payment_token,
        price,
    };
    holding.listing = Some(listing);
    HOLDINGS.set(&id, &holding);
    emit_event(&Listed {
        id,
        seller: holding.owner,
        listing,
    });
    Ok(())
}

/// Takes NFT `id` off sale; owner only.
#[method]
pub fn cancel_listing(id: u64) -> Result<(), NftError> {
    let mut holding = owned(id)?;
    if holding.listing.take().is_none() {
        return Err(NftError::NotListed);
    }
    HOLDINGS.set(&id, &holding);
    emit_event(&Unlisted {
        id,
        seller: holding.owner,
    });
    Ok(())
}

/// Buys NFT `id` at its listing, which must be `price` in `payment_token`. The sender
/// must have approved this contract on `payment_token` for at least `price`.
#[method]
pub fn buy(id: u64, payment_token: Address, price: u128) -> Result<(), NftError> {
    let holding = HOLDINGS.get(&id).ok_or(NftError::UnknownToken)?;
    let listing = holding.listing.ok_or(NftError::NotListed)?;
    let agreed = Listing {
        payment_token,
        price,
    };
    if listing != agreed {
        return Err(NftError::ListingChanged);
    }
    let (seller, buyer) = (holding.owner, env::sender());
    if buyer == seller {
        return Err(NftError::BuyerIsOwner);
    }
    let info = INFOS.get(&id).ok_or(NftError::UnknownToken)?;
    let royalty = if info.creator == seller {
        0
    } else {
        royalty(price, info.royalty_bps)
    };

    // Checks, effects, then interactions: the NFT's state is final before the token runs
    // (the runtime refuses reentrancy anyway, and a failed payment undoes all of it).
    HOLDINGS.set(
        &id,
        &Holding {
            owner: buyer,
            listing: None,
        },
    );
    emit_event(&Transferred {
        id,
        from: seller,
        to: buyer,
    });
    emit_event(&Sold {
        id,
        seller,
        buyer,
        payment_token,
        price,
        royalty,
    });
    if royalty != 0 {
        keyway_token::ext::transfer_from(&payment_token, &buyer, &info.creator, royalty);
    }
    // The royalty is at most 25% of the price, so this never underflows.
    keyway_token::ext::transfer_from(&payment_token, &buyer, &seller, price - royalty);
    Ok(())
}

/// NFT `id`'s owner, or `None` when there is no such NFT.
#[method]
pub fn owner_of(id: u64) -> Option<Address> {
    HOLDINGS.get(&id).map(|holding| holding.owner)
}

/// What the creator fixed for NFT `id`, or `None` when there is no such NFT.
#[method]
pub fn token_info(id: u64) -> Option<TokenInfo> {
    INFOS.get(&id)
}

/// NFT `id`'s listing, or `None` when it is not for sale (or does not exist).
#[method]
pub fn listing(id: u64) -> Option<Listing> {
    HOLDINGS.get(&id).and_then(|holding| holding.listing)
}

/// NFT `id`'s holding, if the sender owns it.
fn owned(id: u64) -> Result<Holding, NftError> {
    let holding = HOLDINGS.get(&id).ok_or(NftError::UnknownToken)?;
    if holding.owner != env::sender() {
        return Err(NftError::NotOwner);
    }
    Ok(holding)
}

#[cfg(test)]
mod tests;

/// Typed cross-contract calls into an NFT contract, for other contracts (depend on this
/// crate with `features = ["library"]`). A failure ends the calling contract's call with
/// the NFT contract's status, so [`NftError`] codes reach the receipt unchanged; inside the
/// NFT contract the calling contract is the sender (the owner, or the buyer).
pub mod ext {
    use keyway_sdk::Address;
    use keyway_sdk::call::call;

    /// NFT `id`'s owner, or `None` when there is no such NFT.
    pub fn owner_of(nft: &Address, id: u64) -> Option<Address> {
        call(nft, "owner_of", &(id,))
    }

    /// Gives NFT `id`, owned by the calling contract, to `to`.
    pub fn transfer(nft: &Address, id: u64, to: &Address) {
        call::<()>(nft, "transfer", &(id, to))
    }

    /// Buys NFT `id` for the calling contract at `price` in `payment_token` (which the
    /// calling contract approved the NFT contract on).
    pub fn buy(nft: &Address, id: u64, payment_token: &Address, price: u128) {
        call::<()>(nft, "buy", &(id, payment_token, price))
    }
}

/// Client-side builders (native only): the transaction kind and the exact access list of
/// each call, from the same key constants the contract (and the payment token) use.
#[cfg(not(target_arch = "wasm32"))]
pub mod client {
    use alloc::vec;
    use alloc::vec::Vec;

    use keyway_sdk::client::{access, call, deploy_and_instantiate, encode, view};
    use keyway_sdk::host_api::TxKind;
    use keyway_sdk::{AccessList, Address};

    use super::{Listing, TokenInfo, keys, royalty};

    /// The two transactions that create an NFT contract: deploy `code`, then instantiate it
    /// (it has no `init`: instantiation writes nothing). `creator`'s next nonce is
    /// `nonce`; sign them with nonces `nonce` and `nonce + 1`. Returns the contract's
    /// address with them.
    pub fn create(
        code: &[u8],
        creator: Address,
        nonce: u64,
    ) -> (Address, [(TxKind, AccessList); 2]) {
        deploy_and_instantiate(code, creator, nonce, Vec::new(), |_| AccessList::default())
    }

    /// The sender mints NFT `id` with `royalty_bps` and `uri`.
    pub fn mint(contract: Address, id: u64, royalty_bps: u16, uri: &str) -> (TxKind, AccessList) {
        (
            call(contract, "mint", encode((id, royalty_bps, uri))),
            access(contract, vec![], vec![keys::info(id), keys::holding(id)]),
        )
    }

    /// The owner gives NFT `id` to `to`.
    pub fn transfer(contract: Address, id: u64, to: Address) -> (TxKind, AccessList) {
        (
            call(contract, "transfer", encode((id, to))),
            access(contract, vec![], vec![keys::holding(id)]),
        )
    }

    /// The owner offers NFT `id` on `listing`'s terms.
    pub fn list(contract: Address, id: u64, listing: &Listing) -> (TxKind, AccessList) {
        (
            call(
                contract,
                "list",
                encode((id, listing.payment_token, listing.price)),
            ),
            access(contract, vec![], vec![keys::holding(id)]),
        )
    }

    /// The owner takes NFT `id` off sale.
    pub fn cancel_listing(contract: Address, id: u64) -> (TxKind, AccessList) {
        (
            call(contract, "cancel_listing", encode(id)),
            access(contract, vec![], vec![keys::holding(id)]),
        )
    }

    /// `buyer` buys NFT `id` from `seller` (its owner) at `listing`; `info` is the NFT's
    /// [`TokenInfo`] (read with `token_info`), which says whether a royalty is paid and to
    /// whom. The list holds the payment token's keys that its `transfer_from` calls touch.
    pub fn buy(
        contract: Address,
        buyer: Address,
        id: u64,
        seller: Address,
        info: &TokenInfo,
        listing: &Listing,
    ) -> (TxKind, AccessList) {
        let Listing {
            payment_token,
            price,
        } = *listing;
        let mut list = access(contract, vec![keys::info(id)], vec![keys::holding(id)]);
        let royalty = if info.creator == seller {
            0
        } else {
            royalty(price, info.royalty_bps)
        };
        let pay = |to, amount| {
            keyway_token::client::transfer_from(payment_token, contract, buyer, to, amount).1
        };
        if royalty != 0 {
            list.merge(pay(info.creator, royalty));
        }
        list.merge(pay(seller, price - royalty));
        (
            call(contract, "buy", encode((id, payment_token, price))),
            list,
        )
    }

    /// Reads NFT `id`'s owner.
    pub fn owner_of(contract: Address, id: u64) -> (TxKind, AccessList) {
        view(contract, "owner_of", encode(id), vec![keys::holding(id)])
    }

    /// Reads what the creator fixed for NFT `id`.
    pub fn token_info(contract: Address, id: u64) -> (TxKind, AccessList) {
        view(contract, "token_info", encode(id), vec![keys::info(id)])
    }

    /// Reads NFT `id`'s listing.
    pub fn listing(contract: Address, id: u64) -> (TxKind, AccessList) {
        view(contract, "listing", encode(id), vec![keys::holding(id)])
    }
}
