//! A constant-product exchange pool of two tokens (Uniswap v2 style).
//!
//! # How it works
//!
//! - The pool is instantiated with its pair, `token_a` and `token_b` (contracts with the
//!   [`keyway_token`] interface); the pair never changes.
//! - **Liquidity providers** approve the pool on both tokens, then `add_liquidity`: the
//!   pool pulls the tokens with `transfer_from` and mints **shares** of the pool. The first
//!   deposit sets the price and mints `isqrt(amount_a * amount_b)` shares; later deposits
//!   are taken at the pool's current ratio (of the two maximums offered, the one in excess
//!   is reduced, so nothing is given away) and mint
//!   `min(amount_a * S / A, amount_b * S / B)` shares, where `A`, `B` are the reserves and
//!   `S` the shares outstanding. `remove_liquidity` burns shares and pays out the same
//!   fraction of both reserves with the tokens' `transfer`.
//! - **Traders** approve the pool on the token they sell, then `swap`: for `amount_in`
//!   they get `amount_in * 997 * reserve_out / (reserve_in * 1000 + amount_in * 997)`
//!   (a 0.3% fee that stays in the pool, growing every share), or the swap reverts with
//!   [`AmmError::SlippageExceeded`] when that is below their `min_amount_out`.
//! - Every division rounds down, in the pool's favour. Products are computed in 256 bits
//!   ([`mul_div`]), so only a result that does not fit a `u128` is an
//!   [`AmmError::Overflow`].
//! - The reserves are the pool's own accounting, never the tokens' balances: tokens sent
//!   to the pool directly are not counted, so they cannot skew the price or the value of
//!   a share, and no call needs a balance query.
//!
//! # Methods
//!
//! Arguments are the borsh encoding of the parameter tuple; return values are borsh.
//! A failing method reverts with an [`AmmError`] code (a failing token call ends it with
//! the token's own status and code, e.g. `TokenError::InsufficientAllowance` = 2) and
//! changes nothing. "In token x" lists the token keys a method's calls touch.
//!
//! | method | reads | writes |
//! | --- | --- | --- |
//! | `init(token_a, token_b) -> Result<(), _>` (at instantiation) | | pair |
//! | `add_liquidity(max_amount_a: u128, max_amount_b: u128, min_shares: u128) -> Result<LiquidityChange, _>` | pair | reserves, total shares, shares(sender); in each token: allowance(sender, pool), balance(sender), balance(pool) |
//! | `remove_liquidity(shares: u128, min_amount_a: u128, min_amount_b: u128) -> Result<LiquidityChange, _>` | pair | reserves, total shares, shares(sender); in each token: balance(pool), balance(sender) |
//! | `swap(token_in, amount_in: u128, min_amount_out: u128) -> Result<u128, _>` | pair | reserves; in token_in: allowance(sender, pool), balance(sender), balance(pool); in the other token: balance(pool), balance(sender) |
//! | `quote(token_in, amount_in: u128) -> Result<u128, _>` | pair, reserves | |
//! | `reserves() -> (u128, u128)` (a, b) | reserves | |
//! | `tokens() -> (Address, Address)` (a, b) | pair | |
//! | `total_shares() -> u128` | total shares | |
//! | `shares_of(provider) -> u128` | shares(provider) | |
//!
//! # Storage layout
//!
//! Clients build access lists from these keys (all in the pool's namespace); [`keys`]
//! computes them with the very constants the contract uses.
//!
//! | what | key | value |
//! | --- | --- | --- |
//! | the pair | `b"pair"` | borsh `(Address, Address)` (64 bytes) |
//! | the reserves | `b"reserves"` | borsh `(u128, u128)` (32 bytes); absent means (0, 0) |
//! | shares outstanding | `b"total"` | borsh `u128`; absent means 0 |
//! | shares of `p` | `b"s"` ++ `p` (33 bytes) | borsh `u128`; absent means 0 |
//!
//! The pair has a key of its own because it is only ever read, and reads of one key by
//! concurrent transactions do not conflict; swaps leave the share keys alone.
//!
//! # Events
//!
//! [`LiquidityAdded`] (topic `b"liquidity_added"`), [`LiquidityRemoved`]
//! (`b"liquidity_removed"`) and [`Swapped`] (`b"swapped"`), borsh-encoded. The receipt
//! also holds the tokens' own `transfer` events.
#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

use borsh::{BorshDeserialize, BorshSerialize};
use keyway_sdk::{Address, ContractError, Event, Item, Map, emit_event, env, method};
use keyway_token::ext as token;

/// The two tokens of the pool, `(token_a, token_b)`.
pub const PAIR: Item<(Address, Address)> = Item::new(b"pair");
/// The pool's holdings of `(token_a, token_b)`.
pub const RESERVES: Item<(u128, u128)> = Item::new(b"reserves");
/// The shares outstanding.
pub const TOTAL_SHARES: Item<u128> = Item::new(b"total");
/// Shares by provider.
pub const SHARES: Map<Address, u128> = Map::new(b"s");

/// What a swap keeps of the amount in, over [`FEE_DENOMINATOR`]: 997 / 1000, a 0.3% fee.
pub const FEE_NUMERATOR: u128 = 997;
/// See [`FEE_NUMERATOR`].
pub const FEE_DENOMINATOR: u128 = 1_000;

/// The exact storage keys, for building access lists.
pub mod keys {
    use alloc::vec::Vec;

    use keyway_sdk::Address;

    /// The pair's key.
    pub const PAIR: &[u8] = super::PAIR.key();
    /// The reserves' key.
    pub const RESERVES: &[u8] = super::RESERVES.key();
    /// The key of the shares outstanding.
    pub const TOTAL_SHARES: &[u8] = super::TOTAL_SHARES.key();

    /// The key of `provider`'s shares.
    pub fn shares(provider: &Address) -> Vec<u8> {
        super::SHARES.key(provider)
    }
}

/// Why a pool method reverted; the discriminant is the revert code.
#[derive(ContractError, Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum AmmError {
    /// The swap would pay less than `min_amount_out`, the deposit would mint fewer than
    /// `min_shares`, or the withdrawal would pay less than `min_amount_a`/`min_amount_b`.
    SlippageExceeded = 1,
    /// The pool holds nothing to swap against.
    InsufficientLiquidity = 2,
    /// The token is not one of the pair.
    UnknownToken = 3,
    /// An amount is zero, or rounds down to zero: the shares or tokens a deposit,
    /// withdrawal or swap would produce.
    ZeroAmount = 4,
    /// A result does not fit a `u128`.
    Overflow = 5,
    /// The sender holds fewer shares than it withdraws.
    InsufficientShares = 6,
    /// `init` was given the same token twice.
    IdenticalTokens = 7,
}

/// The tokens and shares a deposit or withdrawal moved.
#[derive(BorshSerialize, BorshDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct LiquidityChange {
    /// Of token a.
    pub amount_a: u128,
    /// Of token b.
    pub amount_b: u128,
    /// The shares minted or burned.
    pub shares: u128,
}

/// `provider` deposited tokens and received shares.
#[derive(BorshSerialize, BorshDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct LiquidityAdded {
    /// The depositor.
    pub provider: Address,
    /// What it deposited and the shares it received.
    pub change: LiquidityChange,
}

impl Event for LiquidityAdded {
    const TOPIC: &'static [u8] = b"liquidity_added";
}

/// `provider` burned shares and withdrew tokens.
#[derive(BorshSerialize, BorshDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct LiquidityRemoved {
    /// The withdrawer.
    pub provider: Address,
    /// What it withdrew and the shares it burned.
    pub change: LiquidityChange,
}

impl Event for LiquidityRemoved {
    const TOPIC: &'static [u8] = b"liquidity_removed";
}

/// `trader` sold `amount_in` of `token_in` for `amount_out` of `token_out`.
#[derive(BorshSerialize, BorshDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Swapped {
    /// The seller.
    pub trader: Address,
    /// The token sold.
    pub token_in: Address,
    /// The amount sold.
    pub amount_in: u128,
    /// The token bought.
    pub token_out: Address,
    /// The amount bought.
    pub amount_out: u128,
}

impl Event for Swapped {
    const TOPIC: &'static [u8] = b"swapped";
}

/// Instantiation: the pool trades `token_a` against `token_b`.
#[method]
pub fn init(token_a: Address, token_b: Address) -> Result<(), AmmError> {
    if token_a == token_b {
        return Err(AmmError::IdenticalTokens);
    }
    PAIR.set(&(token_a, token_b));
    Ok(())
}

/// Deposits at most `max_amount_a` of token a and `max_amount_b` of token b, at the
/// pool's ratio, for at least `min_shares` new shares. The sender must have approved the
/// pool on both tokens.
#[method]
pub fn add_liquidity(
    max_amount_a: u128,
    max_amount_b: u128,
    min_shares: u128,
) -> Result<LiquidityChange, AmmError> {
    if max_amount_a == 0 || max_amount_b == 0 {
        return Err(AmmError::ZeroAmount);
    }
    let (token_a, token_b) = pair();
    let (reserve_a, reserve_b) = RESERVES.get_or_default();
    let total = TOTAL_SHARES.get_or_default();
    let change = if total == 0 {
        LiquidityChange {
            amount_a: max_amount_a,
            amount_b: max_amount_b,
            shares: sqrt_product(max_amount_a, max_amount_b)?,
        }
    } else {
        // At the pool's ratio: all of a with its worth of b if there is enough b,
        // otherwise all of b with its worth of a (then at most `max_amount_a`).
        let b_for_all_a = mul_div(max_amount_a, reserve_b, reserve_a)?;
        let (amount_a, amount_b) = if b_for_all_a <= max_amount_b {
            (max_amount_a, b_for_all_a)
        } else {
            (mul_div(max_amount_b, reserve_a, reserve_b)?, max_amount_b)
        };
        let shares = mul_div(amount_a, total, reserve_a)?.min(mul_div(amount_b, total, reserve_b)?);
        LiquidityChange {
            amount_a,
            amount_b,
            shares,
        }
    };
    if change.amount_a == 0 || change.amount_b == 0 || change.shares == 0 {
        return Err(AmmError::ZeroAmount);
    }
    if change.shares < min_shares {
        return Err(AmmError::SlippageExceeded);
    }
    let reserves = (
        checked_add(reserve_a, change.amount_a)?,
        checked_add(reserve_b, change.amount_b)?,
    );
    let total = checked_add(total, change.shares)?;
    let provider = env::sender();
    // A provider's shares are at most the total, which did not overflow.
    let provider_shares = SHARES.get_or_default(&provider) + change.shares;
    RESERVES.set(&reserves);
    TOTAL_SHARES.set(&total);
    SHARES.set(&provider, &provider_shares);
    emit_event(&LiquidityAdded { provider, change });
    let pool = env::self_address();
    token::transfer_from(&token_a, &provider, &pool, change.amount_a);
    token::transfer_from(&token_b, &provider, &pool, change.amount_b);
    Ok(change)
}

/// Burns `shares` of the sender's for the same fraction of both reserves, at least
/// `min_amount_a` and `min_amount_b`.
#[method]
pub fn remove_liquidity(
    shares: u128,
    min_amount_a: u128,
    min_amount_b: u128,
) -> Result<LiquidityChange, AmmError> {
    if shares == 0 {
        return Err(AmmError::ZeroAmount);
    }
    let provider = env::sender();
    let owned = SHARES.get_or_default(&provider);
    if shares > owned {
        return Err(AmmError::InsufficientShares);
    }
    let (token_a, token_b) = pair();
    let (reserve_a, reserve_b) = RESERVES.get_or_default();
    // At least `owned`, so not zero.
    let total = TOTAL_SHARES.get_or_default();
    let change = LiquidityChange {
        amount_a: mul_div(shares, reserve_a, total)?,
        amount_b: mul_div(shares, reserve_b, total)?,
        shares,
    };
    if change.amount_a == 0 || change.amount_b == 0 {
        return Err(AmmError::ZeroAmount);
    }
    if change.amount_a < min_amount_a || change.amount_b < min_amount_b {
        return Err(AmmError::SlippageExceeded);
    }
    // `shares <= total` gives `amount <= reserve`: nothing underflows.
    RESERVES.set(&(reserve_a - change.amount_a, reserve_b - change.amount_b));
    // Zero counts are stored as absent: smaller state, and a remove is cheaper than a write.
    if shares == total {
        TOTAL_SHARES.remove();
    } else {
        TOTAL_SHARES.set(&(total - shares));
    }
    if shares == owned {
        SHARES.remove(&provider);
    } else {
        SHARES.set(&provider, &(owned - shares));
    }
    emit_event(&LiquidityRemoved { provider, change });
    token::transfer(&token_a, &provider, change.amount_a);
    token::transfer(&token_b, &provider, change.amount_b);
    Ok(change)
}

/// Sells `amount_in` of `token_in` (one of the pair) for the other token, at least
/// `min_amount_out` of it; returns the amount bought. The sender must have approved the
/// pool on `token_in`.
#[method]
pub fn swap(token_in: Address, amount_in: u128, min_amount_out: u128) -> Result<u128, AmmError> {
    let trade = trade(token_in, amount_in)?;
    if trade.amount_out < min_amount_out {
        return Err(AmmError::SlippageExceeded);
    }
    let reserve_in = checked_add(trade.reserve_in, amount_in)?;
    // The formula keeps `amount_out` below `reserve_out`.
    let reserve_out = trade.reserve_out - trade.amount_out;
    RESERVES.set(&if trade.a_to_b {
        (reserve_in, reserve_out)
    } else {
        (reserve_out, reserve_in)
    });
    let trader = env::sender();
    emit_event(&Swapped {
        trader,
        token_in,
        amount_in,
        token_out: trade.token_out,
        amount_out: trade.amount_out,
    });
    token::transfer_from(&token_in, &trader, &env::self_address(), amount_in);
    token::transfer(&trade.token_out, &trader, trade.amount_out);
    Ok(trade.amount_out)
}

/// What `swap(token_in, amount_in, 0)` would pay now.
#[method]
pub fn quote(token_in: Address, amount_in: u128) -> Result<u128, AmmError> {
    trade(token_in, amount_in).map(|trade| trade.amount_out)
}

/// The reserves of token a and token b.
#[method]
pub fn reserves() -> (u128, u128) {
    RESERVES.get_or_default()
}

/// The pair: token a and token b.
#[method]
pub fn tokens() -> (Address, Address) {
    pair()
}

/// The shares outstanding.
#[method]
pub fn total_shares() -> u128 {
    TOTAL_SHARES.get_or_default()
}

/// `provider`'s shares.
#[method]
pub fn shares_of(provider: Address) -> u128 {
    SHARES.get_or_default(&provider)
}

/// The amount a swap pays for `amount_in` against `reserve_in` and `reserve_out`, fee
/// deducted; rounds down. Clients compute `min_amount_out` with it.
pub fn amount_out(amount_in: u128, reserve_in: u128, reserve_out: u128) -> Result<u128, AmmError> {
    if amount_in == 0 {
        return Err(AmmError::ZeroAmount);
    }
    if reserve_in == 0 || reserve_out == 0 {
        return Err(AmmError::InsufficientLiquidity);
    }
    let kept = amount_in
        .checked_mul(FEE_NUMERATOR)
        .ok_or(AmmError::Overflow)?;
    let denominator = reserve_in
        .checked_mul(FEE_DENOMINATOR)
        .and_then(|scaled| scaled.checked_add(kept))
        .ok_or(AmmError::Overflow)?;
    let amount_out = mul_div(kept, reserve_out, denominator)?;
    if amount_out == 0 {
        return Err(AmmError::ZeroAmount);
    }
    Ok(amount_out)
}

/// `a * b / divisor`, rounded down, with a 256-bit intermediate product: an error only
/// when the result does not fit a `u128` (or `divisor` is zero).
pub fn mul_div(a: u128, b: u128, divisor: u128) -> Result<u128, AmmError> {
    let (high, low) = mul_wide(a, b);
    if high >= divisor {
        return Err(AmmError::Overflow);
    }
    if high == 0 {
        return Ok(low / divisor);
    }
    // Long division of `high:low` by `divisor`, one bit of `low` at a time. The remainder
    // stays below `divisor`; doubling it can carry out of 128 bits, in which case it is
    // certainly at least `divisor`, and the wrapping subtraction gives the true remainder.
    let (mut remainder, mut quotient) = (high, 0u128);
    for bit in (0..128).rev() {
        let carry = remainder >> 127;
        remainder = (remainder << 1) | ((low >> bit) & 1);
        quotient <<= 1;
        if carry == 1 || remainder >= divisor {
            remainder = remainder.wrapping_sub(divisor);
            quotient |= 1;
        }
    }
    Ok(quotient)
}

/// The 256-bit product `a * b` as `(high, low)` 128-bit halves.
fn mul_wide(a: u128, b: u128) -> (u128, u128) {
    const LOW_64: u128 = u64::MAX as u128;
    let (a_high, a_low) = (a >> 64, a & LOW_64);
    let (b_high, b_low) = (b >> 64, b & LOW_64);
    // Each partial product of two 64-bit halves fits 128 bits.
    let low_low = a_low * b_low;
    let low_high = a_low * b_high;
    let high_low = a_high * b_low;
    let high_high = a_high * b_high;
    // Bits 64..128: three values below 2^64 each, so no overflow.
    let middle = (low_low >> 64) + (low_high & LOW_64) + (high_low & LOW_64);
    let low = (low_low & LOW_64) | (middle << 64);
    let high = high_high + (low_high >> 64) + (high_low >> 64) + (middle >> 64);
    (high, low)
}

/// `isqrt(a * b)` (rounded down), with the product in 256 bits.
pub fn sqrt_product(a: u128, b: u128) -> Result<u128, AmmError> {
    if a == 0 || b == 0 {
        return Ok(0);
    }
    // Newton's method from above converges to the floor square root. Start at the power
    // of two just above it: `a * b < 2^(bits(a) + bits(b))`.
    let bits = |x: u128| 128 - x.leading_zeros();
    let mut root = 1u128
        .checked_shl(bits(a).div_ceil(2) + bits(b).div_ceil(2))
        .unwrap_or(u128::MAX);
    loop {
        // `root >= isqrt(a * b)`, so the quotient fits; the mean is taken without overflow.
        let quotient = mul_div(a, b, root)?;
        let next = (root >> 1) + (quotient >> 1) + (root & quotient & 1);
        if next >= root {
            return Ok(root);
        }
        root = next;
    }
}

/// A swap of `amount_in` of `token_in`, priced on the current reserves.
struct Trade {
    /// Token a is sold for token b (otherwise b for a).
    a_to_b: bool,
    token_out: Address,
    reserve_in: u128,
    reserve_out: u128,
    amount_out: u128,
}

fn trade(token_in: Address, amount_in: u128) -> Result<Trade, AmmError> {
    let (token_a, token_b) = pair();
    let (reserve_a, reserve_b) = RESERVES.get_or_default();
    let trade = |a_to_b, token_out, reserve_in, reserve_out| {
        Ok(Trade {
            a_to_b,
            token_out,
            reserve_in,
            reserve_out,
            amount_out: amount_out(amount_in, reserve_in, reserve_out)?,
        })
    };
    if token_in == token_a {
        trade(true, token_b, reserve_a, reserve_b)
    } else if token_in == token_b {
        trade(false, token_a, reserve_b, reserve_a)
    } else {
        Err(AmmError::UnknownToken)
    }
}

/// The pair; `init` stored it when the pool was created.
fn pair() -> (Address, Address) {
    match PAIR.get() {
        Some(pair) => pair,
        None => env::abort("amm: the pool has no pair"),
    }
}

fn checked_add(a: u128, b: u128) -> Result<u128, AmmError> {
    a.checked_add(b).ok_or(AmmError::Overflow)
}

#[cfg(test)]
mod tests;

/// Typed cross-contract calls into a pool, for other contracts (depend on this crate with
/// `features = ["library"]`). A failure ends the calling contract's call with the pool's
/// status, so [`AmmError`] codes reach the receipt unchanged; inside the pool the calling
/// contract is the trader.
pub mod ext {
    use keyway_sdk::Address;
    use keyway_sdk::call::call;

    /// Sells `amount_in` of `token_in` (approved to the pool by the calling contract) for
    /// at least `min_amount_out` of the other token; returns the amount bought.
    pub fn swap(pool: &Address, token_in: &Address, amount_in: u128, min_amount_out: u128) -> u128 {
        call(pool, "swap", &(token_in, amount_in, min_amount_out))
    }

    /// What selling `amount_in` of `token_in` would pay now.
    pub fn quote(pool: &Address, token_in: &Address, amount_in: u128) -> u128 {
        call(pool, "quote", &(token_in, amount_in))
    }
}

/// Client-side builders (native only): the transaction kind and the exact access list of
/// each call, from the same key constants the pool (and the tokens) use.
#[cfg(not(target_arch = "wasm32"))]
pub mod client {
    use alloc::vec;
    use alloc::vec::Vec;

    use keyway_sdk::client::{access, call, deploy_and_instantiate, encode, view};
    use keyway_sdk::host_api::TxKind;
    use keyway_sdk::{AccessList, Address};
    use keyway_token::client as token;

    use super::keys;

    /// A pool and its pair, which is all its builders need to know.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub struct Pool {
        /// The pool contract.
        pub address: Address,
        /// Token a of the pair.
        pub token_a: Address,
        /// Token b of the pair.
        pub token_b: Address,
    }

    /// The two transactions that create a pool of `token_a` and `token_b`: deploy `code`,
    /// then instantiate it. `creator`'s next nonce is `nonce`; sign them with nonces
    /// `nonce` and `nonce + 1`. Returns the pool with them.
    pub fn create(
        code: &[u8],
        creator: Address,
        nonce: u64,
        token_a: Address,
        token_b: Address,
    ) -> (Pool, [(TxKind, AccessList); 2]) {
        let args = init_args(token_a, token_b);
        let (address, create) = deploy_and_instantiate(code, creator, nonce, args, init_access);
        let pool = Pool {
            address,
            token_a,
            token_b,
        };
        (pool, create)
    }

    /// `init`'s arguments (for `TxKind::Instantiate`).
    pub fn init_args(token_a: Address, token_b: Address) -> Vec<u8> {
        encode((token_a, token_b))
    }

    /// What instantiating the pool at `pool` writes.
    pub fn init_access(pool: Address) -> AccessList {
        access(pool, vec![], vec![keys::PAIR.to_vec()])
    }

    impl Pool {
        /// What a change of `provider`'s liquidity writes in the pool.
        fn liquidity_access(&self, provider: &Address) -> AccessList {
            access(
                self.address,
                vec![keys::PAIR.to_vec()],
                vec![
                    keys::RESERVES.to_vec(),
                    keys::TOTAL_SHARES.to_vec(),
                    keys::shares(provider),
                ],
            )
        }

        /// The other token of the pair (token a for anything but token a).
        fn other(&self, token: Address) -> Address {
            if token == self.token_a {
                self.token_b
            } else {
                self.token_a
            }
        }

        /// `provider` deposits at most `max_amount_a` and `max_amount_b` for at least
        /// `min_shares`.
        pub fn add_liquidity(
            &self,
            provider: Address,
            max_amount_a: u128,
            max_amount_b: u128,
            min_shares: u128,
        ) -> (TxKind, AccessList) {
            let mut list = self.liquidity_access(&provider);
            for (token, amount) in [(self.token_a, max_amount_a), (self.token_b, max_amount_b)] {
                let pull =
                    token::transfer_from(token, self.address, provider, self.address, amount);
                list.merge(pull.1);
            }
            let args = encode((max_amount_a, max_amount_b, min_shares));
            (call(self.address, "add_liquidity", args), list)
        }

        /// `provider` burns `shares` for at least `min_amount_a` and `min_amount_b`.
        pub fn remove_liquidity(
            &self,
            provider: Address,
            shares: u128,
            min_amount_a: u128,
            min_amount_b: u128,
        ) -> (TxKind, AccessList) {
            let mut list = self.liquidity_access(&provider);
            for token in [self.token_a, self.token_b] {
                // The amount does not change which keys a transfer touches.
                list.merge(token::transfer(token, self.address, provider, 0).1);
            }
            let args = encode((shares, min_amount_a, min_amount_b));
            (call(self.address, "remove_liquidity", args), list)
        }

        /// `trader` sells `amount_in` of `token_in` for at least `min_amount_out` of the
        /// other token. (A `token_in` outside the pair reverts; its list then holds more
        /// than the call touches.)
        pub fn swap(
            &self,
            trader: Address,
            token_in: Address,
            amount_in: u128,
            min_amount_out: u128,
        ) -> (TxKind, AccessList) {
            let mut list = access(
                self.address,
                vec![keys::PAIR.to_vec()],
                vec![keys::RESERVES.to_vec()],
            );
            let pull =
                token::transfer_from(token_in, self.address, trader, self.address, amount_in);
            list.merge(pull.1);
            // The amount does not change which keys a transfer touches.
            let pay = token::transfer(self.other(token_in), self.address, trader, 0);
            list.merge(pay.1);
            let args = encode((token_in, amount_in, min_amount_out));
            (call(self.address, "swap", args), list)
        }

        /// Asks what selling `amount_in` of `token_in` would pay.
        pub fn quote(&self, token_in: Address, amount_in: u128) -> (TxKind, AccessList) {
            let reads = vec![keys::PAIR.to_vec(), keys::RESERVES.to_vec()];
            view(self.address, "quote", encode((token_in, amount_in)), reads)
        }

        /// Reads the reserves.
        pub fn reserves(&self) -> (TxKind, AccessList) {
            view(
                self.address,
                "reserves",
                Vec::new(),
                vec![keys::RESERVES.to_vec()],
            )
        }

        /// Reads the pair.
        pub fn tokens(&self) -> (TxKind, AccessList) {
            view(
                self.address,
                "tokens",
                Vec::new(),
                vec![keys::PAIR.to_vec()],
            )
        }

        /// Reads the shares outstanding.
        pub fn total_shares(&self) -> (TxKind, AccessList) {
            let reads = vec![keys::TOTAL_SHARES.to_vec()];
            view(self.address, "total_shares", Vec::new(), reads)
        }

        /// Reads `provider`'s shares.
        pub fn shares_of(&self, provider: Address) -> (TxKind, AccessList) {
            let reads = vec![keys::shares(&provider)];
            view(self.address, "shares_of", encode(provider), reads)
        }
    }
}
