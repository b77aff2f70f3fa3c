//! A fungible token: balances, allowances (approve / transfer_from) and owner-only mint.
//!
//! # Methods
//!
//! Arguments are the borsh encoding of the parameter tuple; return values are borsh.
//! A failing method reverts with a [`TokenError`] code and changes nothing.
//!
//! | method | reads | writes |
//! | --- | --- | --- |
//! | `init(supply: u128)` (at instantiation) | | owner, supply, balance(sender) |
//! | `transfer(to, amount) -> Result<(), TokenError>` | | balance(sender), balance(to) |
//! | `balance_of(owner) -> u128` | balance(owner) | |
//! | `total_supply() -> u128` | supply | |
//! | `approve(spender, amount)` | | allowance(sender, spender) |
//! | `allowance(owner, spender) -> u128` | allowance(owner, spender) | |
//! | `transfer_from(from, to, amount) -> Result<(), TokenError>` | | allowance(from, sender), balance(from), balance(to) |
//! | `mint(to, amount) -> Result<(), TokenError>` | owner | supply, balance(to) |
//!
//! # Storage layout
//!
//! Clients build access lists from these keys (all in the token contract's namespace);
//! [`keys`] computes them with the very constants the contract uses.
//!
//! | what | key | value |
//! | --- | --- | --- |
//! | owner | `b"owner"` | borsh `Address` (32 bytes) |
//! | total supply | `b"supply"` | borsh `u128` (16 bytes, little-endian) |
//! | balance of `a` | `b"b"` ++ `a` (33 bytes) | borsh `u128`; absent means 0 |
//! | allowance of `spender` over `owner`'s tokens | `b"a"` ++ `owner` ++ `spender` (65 bytes) | borsh `u128`; absent means 0 |
//!
//! Zero balances and allowances are removed rather than stored.
//!
//! # Events
//!
//! [`Transfer`] (topic `b"transfer"`; minting comes from [`Address::SYSTEM`]) and
//! [`Approval`] (topic `b"approval"`), borsh-encoded.
#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

use borsh::{BorshDeserialize, BorshSerialize};
use keyway_sdk::{Address, ContractError, Event, Item, Map, emit_event, env, method};

/// The account allowed to mint: whoever instantiated the token.
pub const OWNER: Item<Address> = Item::new(b"owner");
/// Total supply.
pub const SUPPLY: Item<u128> = Item::new(b"supply");
/// Balances by account.
pub const BALANCES: Map<Address, u128> = Map::new(b"b");
/// Allowances by `(owner, spender)`.
pub const ALLOWANCES: Map<(Address, Address), u128> = Map::new(b"a");

/// The exact storage keys, for building access lists.
pub mod keys {
    use alloc::vec::Vec;

    use keyway_sdk::Address;

    /// The owner's key.
    pub const OWNER: &[u8] = super::OWNER.key();
    /// The total supply's key.
    pub const SUPPLY: &[u8] = super::SUPPLY.key();

    /// The key of `owner`'s balance.
    pub fn balance(owner: &Address) -> Vec<u8> {
        super::BALANCES.key(owner)
    }

    /// The key of `spender`'s allowance over `owner`'s tokens.
    pub fn allowance(owner: &Address, spender: &Address) -> Vec<u8> {
        super::ALLOWANCES.key(&(*owner, *spender))
    }
}

/// Why a token method reverted; the discriminant is the revert code.
#[derive(ContractError, Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum TokenError {
    /// The payer's balance is below the amount.
    InsufficientBalance = 1,
    /// The spender's allowance is below the amount.
    InsufficientAllowance = 2,
    /// Only the owner may mint.
    Unauthorized = 3,
    /// The supply (or a balance) would exceed `u128::MAX`.
    Overflow = 4,
}

/// Tokens moved from `from` to `to` (from [`Address::SYSTEM`] when minted).
#[derive(BorshSerialize, BorshDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transfer {
    /// The payer.
    pub from: Address,
    /// The payee.
    pub to: Address,
    /// The amount.
    pub amount: u128,
}

impl Event for Transfer {
    const TOPIC: &'static [u8] = b"transfer";
}

/// `owner` set `spender`'s allowance to `amount`.
#[derive(BorshSerialize, BorshDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Approval {
    /// The account whose tokens may be spent.
    pub owner: Address,
    /// The account that may spend them.
    pub spender: Address,
    /// The new allowance.
    pub amount: u128,
}

impl Event for Approval {
    const TOPIC: &'static [u8] = b"approval";
}

/// Instantiation: the sender becomes the owner and receives the whole `supply`.
///
/// The runtime runs `init` only when the contract is created (it refuses calls to it),
/// so it does not check for an existing owner.
#[method]
pub fn init(supply: u128) {
    let owner = env::sender();
    OWNER.set(&owner);
    SUPPLY.set(&supply);
    set_balance(&owner, supply);
    emit_event(&Transfer {
        from: Address::SYSTEM,
        to: owner,
        amount: supply,
    });
}

/// Moves `amount` of the sender's tokens to `to`.
#[method]
pub fn transfer(to: Address, amount: u128) -> Result<(), TokenError> {
    move_tokens(env::sender(), to, amount)
}

/// `owner`'s balance.
#[method]
pub fn balance_of(owner: Address) -> u128 {
    BALANCES.get_or_default(&owner)
}

/// The total supply.
#[method]
pub fn total_supply() -> u128 {
    SUPPLY.get_or_default()
}

/// Lets `spender` move up to `amount` of the sender's tokens (replacing any previous
/// allowance).
#[method]
pub fn approve(spender: Address, amount: u128) {
    let owner = env::sender();
    if amount == 0 {
        ALLOWANCES.remove(&(owner, spender));
    } else {
        ALLOWANCES.set(&(owner, spender), &amount);
    }
    emit_event(&Approval {
        owner,
        spender,
        amount,
    });
}

/// How much `spender` may still move of `owner`'s tokens.
#[method]
pub fn allowance(owner: Address, spender: Address) -> u128 {
    ALLOWANCES.get_or_default(&(owner, spender))
}

/// Moves `amount` of `from`'s tokens to `to`, spending the sender's allowance.
#[method]
pub fn transfer_from(from: Address, to: Address, amount: u128) -> Result<(), TokenError> {
    let key = (from, env::sender());
    let left = ALLOWANCES
        .get_or_default(&key)
        .checked_sub(amount)
        .ok_or(TokenError::InsufficientAllowance)?;
    move_tokens(from, to, amount)?;
    if left == 0 {
        ALLOWANCES.remove(&key);
    } else {
        ALLOWANCES.set(&key, &left);
    }
    Ok(())
}

/// Creates `amount` new tokens for `to`; owner only.
#[method]
pub fn mint(to: Address, amount: u128) -> Result<(), TokenError> {
    if OWNER.get() != Some(env::sender()) {
        return Err(TokenError::Unauthorized);
    }
    let supply = SUPPLY
        .get_or_default()
        .checked_add(amount)
        .ok_or(TokenError::Overflow)?;
    let balance = BALANCES
        .get_or_default(&to)
        .checked_add(amount)
        .ok_or(TokenError::Overflow)?;
    SUPPLY.set(&supply);
    set_balance(&to, balance);
    emit_event(&Transfer {
        from: Address::SYSTEM,
        to,
        amount,
    });
    Ok(())
}

/// Moves tokens and emits the event. A transfer to oneself or of nothing only checks the
/// balance: writing the same values back would cost gas for nothing.
fn move_tokens(from: Address, to: Address, amount: u128) -> Result<(), TokenError> {
    let from_balance = BALANCES
        .get_or_default(&from)
        .checked_sub(amount)
        .ok_or(TokenError::InsufficientBalance)?;
    if from != to && amount != 0 {
        let to_balance = BALANCES
            .get_or_default(&to)
            .checked_add(amount)
            .ok_or(TokenError::Overflow)?;
        set_balance(&from, from_balance);
        set_balance(&to, to_balance);
    }
    emit_event(&Transfer { from, to, amount });
    Ok(())
}

/// Stores a balance; zero is stored as absent (smaller state, cheaper than a write).
fn set_balance(owner: &Address, balance: u128) {
    if balance == 0 {
        BALANCES.remove(owner);
    } else {
        BALANCES.set(owner, &balance);
    }
}

#[cfg(test)]
mod tests;

/// A stand-in for deployed tokens in the native tests of contracts that call them
/// (native only): balances and allowances per token, kept with this contract's rules and
/// revert codes, and installed as `TestEnv` mocks of `transfer` and `transfer_from`.
///
/// `TestEnv` cannot undo a mock's own changes when the calling contract fails; tests that
/// assert on a failed call restore a clone of the [`Ledger`](mock::Ledger) themselves.
#[cfg(not(target_arch = "wasm32"))]
pub mod mock {
    use alloc::collections::BTreeMap;
    use alloc::rc::Rc;
    use alloc::vec::Vec;
    use core::cell::RefCell;

    use keyway_sdk::call::CallError;
    use keyway_sdk::testing::{MockResult, TestEnv};
    use keyway_sdk::{Address, ContractError};

    use super::TokenError;

    /// Balances and allowances of any number of tokens. Zero balances and allowances are
    /// absent, as in the contract's storage.
    #[derive(Clone, Debug, Default, PartialEq, Eq)]
    pub struct Ledger {
        /// By `(token, owner)`.
        balances: BTreeMap<(Address, Address), u128>,
        /// By `(token, owner, spender)`.
        allowances: BTreeMap<(Address, Address, Address), u128>,
    }

    fn revert(error: TokenError) -> CallError {
        CallError {
            status: error.status(),
            data: Vec::new(),
        }
    }

    fn store<K: Ord>(map: &mut BTreeMap<K, u128>, key: K, amount: u128) {
        if amount == 0 {
            map.remove(&key);
        } else {
            map.insert(key, amount);
        }
    }

    impl Ledger {
        /// `owner`'s balance of `token`.
        pub fn balance(&self, token: Address, owner: Address) -> u128 {
            self.balances.get(&(token, owner)).copied().unwrap_or(0)
        }

        /// What `spender` may still move of `owner`'s `token`.
        pub fn allowance(&self, token: Address, owner: Address, spender: Address) -> u128 {
            let key = (token, owner, spender);
            self.allowances.get(&key).copied().unwrap_or(0)
        }

        /// Sets `owner`'s balance of `token`.
        pub fn set_balance(&mut self, token: Address, owner: Address, amount: u128) {
            store(&mut self.balances, (token, owner), amount);
        }

        /// Sets what `spender` may move of `owner`'s `token` (the token's `approve`).
        pub fn approve(&mut self, token: Address, owner: Address, spender: Address, amount: u128) {
            store(&mut self.allowances, (token, owner, spender), amount);
        }

        /// The token's `transfer` by `sender`.
        pub fn transfer(
            &mut self,
            token: Address,
            sender: Address,
            to: Address,
            amount: u128,
        ) -> MockResult {
            self.move_tokens(token, sender, to, amount)?;
            // `()` encodes to nothing.
            Ok(Vec::new())
        }

        /// The token's `transfer_from` by `spender`: the allowance is checked first, then
        /// the balance, as the contract does.
        pub fn transfer_from(
            &mut self,
            token: Address,
            spender: Address,
            from: Address,
            to: Address,
            amount: u128,
        ) -> MockResult {
            let left = self
                .allowance(token, from, spender)
                .checked_sub(amount)
                .ok_or_else(|| revert(TokenError::InsufficientAllowance))?;
            self.move_tokens(token, from, to, amount)?;
            self.approve(token, from, spender, left);
            Ok(Vec::new())
        }

        fn move_tokens(
            &mut self,
            token: Address,
            from: Address,
            to: Address,
            amount: u128,
        ) -> Result<(), CallError> {
            let from_left = self
                .balance(token, from)
                .checked_sub(amount)
                .ok_or_else(|| revert(TokenError::InsufficientBalance))?;
            if from != to && amount != 0 {
                let to_balance = self
                    .balance(token, to)
                    .checked_add(amount)
                    .ok_or_else(|| revert(TokenError::Overflow))?;
                self.set_balance(token, from, from_left);
                self.set_balance(token, to, to_balance);
            }
            Ok(())
        }
    }

    /// Mocks `token`'s `transfer` and `transfer_from` in `env`, backed by `ledger` (the
    /// calling contract is the sender or spender).
    pub fn install(env: &mut TestEnv, token: Address, ledger: &Rc<RefCell<Ledger>>) {
        let shared = Rc::clone(ledger);
        env.mock(token, "transfer", move |call| {
            let (to, amount) = call.args();
            shared.borrow_mut().transfer(token, call.caller, to, amount)
        });
        let shared = Rc::clone(ledger);
        env.mock(token, "transfer_from", move |call| {
            let (from, to, amount) = call.args();
            shared
                .borrow_mut()
                .transfer_from(token, call.caller, from, to, amount)
        });
    }
}

/// Typed cross-contract calls into a token, for other contracts (depend on this crate with
/// `features = ["library"]`). A failure of the token ends the calling contract's call with
/// the token's status, so `TokenError` codes reach the receipt unchanged; the keys the
/// token touches must be in the transaction's access list ([`client`] lists them).
pub mod ext {
    use keyway_sdk::Address;
    use keyway_sdk::call::call;

    /// Moves `amount` from the calling contract's own balance to `to`.
    pub fn transfer(token: &Address, to: &Address, amount: u128) {
        call::<()>(token, "transfer", &(to, amount))
    }

    /// Moves `amount` from `from` to `to` using `from`'s allowance to the calling contract.
    pub fn transfer_from(token: &Address, from: &Address, to: &Address, amount: u128) {
        call::<()>(token, "transfer_from", &(from, to, amount))
    }

    /// `owner`'s balance.
    pub fn balance_of(token: &Address, owner: &Address) -> u128 {
        call(token, "balance_of", &(owner,))
    }

    /// Lets `spender` move up to `amount` of the calling contract's balance.
    pub fn approve(token: &Address, spender: &Address, amount: u128) {
        call::<()>(token, "approve", &(spender, amount))
    }
}

/// Client-side builders (native only): the transaction kind and the exact access list of
/// each call, from the same key constants the contract uses.
#[cfg(not(target_arch = "wasm32"))]
pub mod client {
    use alloc::vec;
    use alloc::vec::Vec;

    use keyway_sdk::client::{access, call, deploy_and_instantiate, encode, view};
    use keyway_sdk::host_api::TxKind;
    use keyway_sdk::{AccessList, Address};

    use super::keys;

    /// The two transactions that create a token: deploy `code`, then instantiate it with
    /// `supply` for `creator`, whose next nonce is `nonce`. Returns the token's address
    /// with them (sign them with nonces `nonce` and `nonce + 1`).
    pub fn create(
        code: &[u8],
        creator: Address,
        nonce: u64,
        supply: u128,
    ) -> (Address, [(TxKind, AccessList); 2]) {
        deploy_and_instantiate(code, creator, nonce, init_args(supply), |token| {
            init_access(token, creator)
        })
    }

    /// `init`'s arguments (for `TxKind::Instantiate`).
    pub fn init_args(supply: u128) -> Vec<u8> {
        encode(supply)
    }

    /// What instantiating a token at `token` by `owner` writes.
    pub fn init_access(token: Address, owner: Address) -> AccessList {
        let writes = vec![
            keys::OWNER.to_vec(),
            keys::SUPPLY.to_vec(),
            keys::balance(&owner),
        ];
        access(token, vec![], writes)
    }

    /// `sender` transfers `amount` to `to`.
    pub fn transfer(
        token: Address,
        sender: Address,
        to: Address,
        amount: u128,
    ) -> (TxKind, AccessList) {
        let writes = vec![keys::balance(&sender), keys::balance(&to)];
        (
            call(token, "transfer", encode((to, amount))),
            access(token, vec![], writes),
        )
    }

    /// Reads `owner`'s balance.
    pub fn balance_of(token: Address, owner: Address) -> (TxKind, AccessList) {
        view(
            token,
            "balance_of",
            encode(owner),
            vec![keys::balance(&owner)],
        )
    }

    /// `owner` lets `spender` move up to `amount`.
    pub fn approve(
        token: Address,
        owner: Address,
        spender: Address,
        amount: u128,
    ) -> (TxKind, AccessList) {
        let writes = vec![keys::allowance(&owner, &spender)];
        (
            call(token, "approve", encode((spender, amount))),
            access(token, vec![], writes),
        )
    }

    /// `spender` moves `amount` of `from`'s tokens to `to`.
    pub fn transfer_from(
        token: Address,
        spender: Address,
        from: Address,
        to: Address,
        amount: u128,
    ) -> (TxKind, AccessList) {
        let writes = vec![
            keys::allowance(&from, &spender),
            keys::balance(&from),
            keys::balance(&to),
        ];
        (
            call(token, "transfer_from", encode((from, to, amount))),
            access(token, vec![], writes),
        )
    }

    /// `sender` (the owner, or it reverts) mints `amount` for `to`.
    pub fn mint(token: Address, to: Address, amount: u128) -> (TxKind, AccessList) {
        let reads = vec![keys::OWNER.to_vec()];
        let writes = vec![keys::SUPPLY.to_vec(), keys::balance(&to)];
        (
            call(token, "mint", encode((to, amount))),
            access(token, reads, writes),
        )
    }
}
