//! Native tests: the pool's methods run against `keyway_sdk::testing::TestEnv`, each call
//! with exactly the access list its [`client`] builder declares, and both tokens mocked by
//! a ledger with the real token's rules and revert codes.

use alloc::rc::Rc;
use alloc::vec;
use alloc::vec::Vec;
use core::cell::RefCell;

use keyway_sdk::call::CallError;
use keyway_sdk::host_api::TxKind;
use keyway_sdk::testing::{IntoOutcome, Outcome, State, TestEnv};
use keyway_sdk::{AccessList, Address, ContractError, Key, Status};
use keyway_token::TokenError;
use keyway_token::mock::{self, Ledger};

use super::client::Pool;
use super::*;

keyway_sdk::impl_into_outcome!(LiquidityChange);

const PROVIDER: Address = Address([0x11; 32]);
const SECOND_PROVIDER: Address = Address([0x12; 32]);
const TRADER: Address = Address([0x7A; 32]);
const POOL: Address = Address([0x90; 32]);
const TOKEN_A: Address = Address([0xAA; 32]);
const TOKEN_B: Address = Address([0xBB; 32]);
const STRANGER_TOKEN: Address = Address([0xCC; 32]);
const POOL_CLIENT: Pool = Pool {
    address: POOL,
    token_a: TOKEN_A,
    token_b: TOKEN_B,
};
/// What every account starts with, of both tokens.
const FUNDS: u128 = 100_000_000;
/// The first deposit of [`seeded`]: 1 a for 4 b, so `isqrt(a * b)` = 2,000,000 shares.
const SEED_A: u128 = 1_000_000;
const SEED_B: u128 = 4_000_000;
const SEED_SHARES: u128 = 2_000_000;

/// The pool and its two tokens.
struct Market {
    env: TestEnv,
    ledger: Rc<RefCell<Ledger>>,
}

impl Market {
    /// A pool of `TOKEN_A` and `TOKEN_B` at `POOL`, with [`FUNDS`] of both for the
    /// providers and the trader, and no liquidity.
    fn new() -> Market {
        let mut env = TestEnv::new();
        env.set_contract(POOL)
            .set_sender(PROVIDER)
            .declare(client::init_access(POOL));
        env.call(|| init(TOKEN_A, TOKEN_B)).unwrap();
        let ledger = Rc::new(RefCell::new(Ledger::default()));
        for token in [TOKEN_A, TOKEN_B] {
            for account in [PROVIDER, SECOND_PROVIDER, TRADER] {
                ledger.borrow_mut().set_balance(token, account, FUNDS);
            }
            mock::install(&mut env, token, &ledger);
        }
        Market { env, ledger }
    }

    /// Runs `method` as `sender`, enforcing the access list of `request` (a client
    /// builder's output for the same call). A failed call undoes the mocked tokens'
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

    /// `owner` lets the pool spend `amount` of `token`.
    fn approve(&mut self, token: Address, owner: Address, amount: u128) {
        self.ledger.borrow_mut().approve(token, owner, POOL, amount);
    }

    fn balance(&self, token: Address, owner: Address) -> u128 {
        self.ledger.borrow().balance(token, owner)
    }

    fn state(&self) -> State {
        self.env.state().clone()
    }

    fn add(
        &mut self,
        provider: Address,
        max_a: u128,
        max_b: u128,
        min_shares: u128,
    ) -> Outcome<LiquidityChange> {
        let request = POOL_CLIENT.add_liquidity(provider, max_a, max_b, min_shares);
        self.call(provider, request, || {
            add_liquidity(max_a, max_b, min_shares)
        })
    }

    /// Approves the pool for exactly `max_a` and `max_b`, then deposits them.
    fn approve_and_add(
        &mut self,
        provider: Address,
        max_a: u128,
        max_b: u128,
    ) -> Outcome<LiquidityChange> {
        self.approve(TOKEN_A, provider, max_a);
        self.approve(TOKEN_B, provider, max_b);
        self.add(provider, max_a, max_b, 0)
    }

    fn remove(
        &mut self,
        provider: Address,
        shares: u128,
        min_a: u128,
        min_b: u128,
    ) -> Outcome<LiquidityChange> {
        let request = POOL_CLIENT.remove_liquidity(provider, shares, min_a, min_b);
        self.call(provider, request, || remove_liquidity(shares, min_a, min_b))
    }

    fn swap(&mut self, token_in: Address, amount_in: u128, min_out: u128) -> Outcome<u128> {
        let request = POOL_CLIENT.swap(TRADER, token_in, amount_in, min_out);
        self.call(TRADER, request, || swap(token_in, amount_in, min_out))
    }

    /// The pool's reserves, total shares and `provider`'s shares, through the views.
    fn pool_state(&mut self, provider: Address) -> ((u128, u128), u128, u128) {
        let reserves = self
            .call(PROVIDER, POOL_CLIENT.reserves(), reserves)
            .unwrap();
        let total = self
            .call(PROVIDER, POOL_CLIENT.total_shares(), total_shares)
            .unwrap();
        let request = POOL_CLIENT.shares_of(provider);
        let shares = self
            .call(PROVIDER, request, || shares_of(provider))
            .unwrap();
        (reserves, total, shares)
    }
}

/// [`Market::new`] with `PROVIDER`'s first deposit of [`SEED_A`] and [`SEED_B`].
fn seeded() -> Market {
    let mut market = Market::new();
    market.approve_and_add(PROVIDER, SEED_A, SEED_B).unwrap();
    market
}

/// Asserts that `outcome` reverted with `error`, emitting nothing, and that the pool's
/// state and the tokens' ledger are still as before.
#[track_caller]
fn assert_refused<T: core::fmt::Debug>(
    market: &Market,
    before: &(State, Ledger),
    outcome: Outcome<T>,
    error: AmmError,
) {
    assert_eq!(outcome.status, error.status());
    assert!(outcome.events.is_empty());
    assert_eq!(market.env.state(), &before.0);
    assert_eq!(*market.ledger.borrow(), before.1);
}

fn snapshot(market: &Market) -> (State, Ledger) {
    (market.state(), market.ledger.borrow().clone())
}

/// The `(token, method, args)` of the calls `outcome` made.
fn calls<T>(outcome: &Outcome<T>) -> Vec<(Address, &str, Vec<u8>)> {
    outcome
        .calls
        .iter()
        .map(|call| (call.contract, call.method.as_str(), call.args.clone()))
        .collect()
}

fn args(value: impl borsh::BorshSerialize) -> Vec<u8> {
    borsh::to_vec(&value).unwrap()
}

#[test]
fn init_stores_the_pair() {
    let mut market = Market::new();
    let tokens = market.call(TRADER, POOL_CLIENT.tokens(), tokens).unwrap();
    assert_eq!(tokens, (TOKEN_A, TOKEN_B));
    assert_eq!(market.env.state().len(), 1);
    assert_eq!(market.pool_state(PROVIDER), ((0, 0), 0, 0));

    let mut env = TestEnv::new();
    env.set_contract(POOL).declare(client::init_access(POOL));
    let outcome = env.call(|| init(TOKEN_A, TOKEN_A));
    assert_eq!(outcome.status, AmmError::IdenticalTokens.status());
    assert!(env.state().is_empty());
}

#[test]
fn the_first_deposit_mints_the_square_root_of_the_product() {
    let mut market = Market::new();
    market.approve(TOKEN_A, PROVIDER, SEED_A);
    market.approve(TOKEN_B, PROVIDER, SEED_B);
    let outcome = market.add(PROVIDER, SEED_A, SEED_B, SEED_SHARES);
    assert_eq!(outcome.status, Status::Success);
    let change = LiquidityChange {
        amount_a: SEED_A,
        amount_b: SEED_B,
        shares: SEED_SHARES,
    };
    assert_eq!(outcome.value, Some(change));
    assert_eq!(outcome.events[0].topic, b"liquidity_added");
    assert_eq!(
        outcome.events_of::<LiquidityAdded>(),
        vec![LiquidityAdded {
            provider: PROVIDER,
            change
        }]
    );
    assert_eq!(
        calls(&outcome),
        vec![
            (TOKEN_A, "transfer_from", args((PROVIDER, POOL, SEED_A))),
            (TOKEN_B, "transfer_from", args((PROVIDER, POOL, SEED_B))),
        ]
    );
    assert_eq!(
        market.pool_state(PROVIDER),
        ((SEED_A, SEED_B), SEED_SHARES, SEED_SHARES)
    );
    assert_eq!(market.balance(TOKEN_A, POOL), SEED_A);
    assert_eq!(market.balance(TOKEN_B, POOL), SEED_B);
    assert_eq!(market.balance(TOKEN_B, PROVIDER), FUNDS - SEED_B);
}

#[test]
fn later_deposits_are_taken_at_the_pools_ratio() {
    let mut market = seeded();
    // Too much b: only the b worth 500,000 a is taken.
    let outcome = market.approve_and_add(SECOND_PROVIDER, 500_000, 5_000_000);
    let change = LiquidityChange {
        amount_a: 500_000,
        amount_b: 2_000_000,
        shares: 1_000_000,
    };
    assert_eq!(outcome.value, Some(change));
    assert_eq!(
        outcome.events_of::<LiquidityAdded>(),
        vec![LiquidityAdded {
            provider: SECOND_PROVIDER,
            change
        }]
    );
    assert_eq!(
        market.pool_state(SECOND_PROVIDER),
        ((1_500_000, 6_000_000), 3_000_000, 1_000_000)
    );
    assert_eq!(market.balance(TOKEN_B, SECOND_PROVIDER), FUNDS - 2_000_000);

    // Too much a: only the a worth 400,000 b is taken.
    let outcome = market.approve_and_add(SECOND_PROVIDER, 1_000_000, 400_000);
    assert_eq!(
        outcome.value,
        Some(LiquidityChange {
            amount_a: 100_000,
            amount_b: 400_000,
            shares: 200_000,
        })
    );
    assert_eq!(
        market.pool_state(SECOND_PROVIDER),
        ((1_600_000, 6_400_000), 3_200_000, 1_200_000)
    );
    assert_eq!(market.pool_state(PROVIDER).2, SEED_SHARES);
}

#[test]
fn deposits_refuse_slippage_zero_amounts_and_missing_approvals() {
    let mut market = seeded();
    market.approve(TOKEN_A, SECOND_PROVIDER, FUNDS);
    market.approve(TOKEN_B, SECOND_PROVIDER, FUNDS);
    let before = snapshot(&market);
    // 500,000 a and 2,000,000 b mint 1,000,000 shares: one more is too many.
    let outcome = market.add(SECOND_PROVIDER, 500_000, 2_000_000, 1_000_001);
    assert_refused(&market, &before, outcome, AmmError::SlippageExceeded);
    for (max_a, max_b) in [(0, 1_000), (1_000, 0)] {
        let outcome = market.add(SECOND_PROVIDER, max_a, max_b, 0);
        assert_refused(&market, &before, outcome, AmmError::ZeroAmount);
    }
    // 1 a is worth 4 b, but 3 b is worth no whole a.
    let outcome = market.add(SECOND_PROVIDER, 1, 3, 0);
    assert_refused(&market, &before, outcome, AmmError::ZeroAmount);

    // The token's own code passes through, and the pull of token a is undone.
    market.approve(TOKEN_B, SECOND_PROVIDER, 1_999_999);
    let before = snapshot(&market);
    let outcome = market.add(SECOND_PROVIDER, 500_000, 2_000_000, 0);
    assert_eq!(outcome.calls.len(), 2);
    assert_eq!(outcome.calls[0].status, Status::Success);
    assert_eq!(
        outcome.status,
        Status::Reverted {
            code: TokenError::InsufficientAllowance.code()
        }
    );
    assert!(outcome.events.is_empty());
    assert_eq!(market.env.state(), &before.0);
    assert_eq!(*market.ledger.borrow(), before.1);
}

#[test]
fn withdrawals_pay_the_same_fraction_of_both_reserves() {
    let mut market = seeded();
    market
        .approve_and_add(SECOND_PROVIDER, 500_000, 2_000_000)
        .unwrap();
    // A quarter of the pool's 3,000,000 shares.
    let outcome = market.remove(PROVIDER, 750_000, 375_000, 1_500_000);
    assert_eq!(outcome.status, Status::Success);
    let change = LiquidityChange {
        amount_a: 375_000,
        amount_b: 1_500_000,
        shares: 750_000,
    };
    assert_eq!(outcome.value, Some(change));
    assert_eq!(outcome.events[0].topic, b"liquidity_removed");
    assert_eq!(
        outcome.events_of::<LiquidityRemoved>(),
        vec![LiquidityRemoved {
            provider: PROVIDER,
            change
        }]
    );
    assert_eq!(
        calls(&outcome),
        vec![
            (TOKEN_A, "transfer", args((PROVIDER, 375_000u128))),
            (TOKEN_B, "transfer", args((PROVIDER, 1_500_000u128))),
        ]
    );
    assert_eq!(
        market.pool_state(PROVIDER),
        ((1_125_000, 4_500_000), 2_250_000, 1_250_000)
    );
    assert_eq!(market.balance(TOKEN_A, PROVIDER), FUNDS - SEED_A + 375_000);

    // Everything left: the provider's key and then the total are removed.
    market.remove(PROVIDER, 1_250_000, 0, 0).unwrap();
    assert_eq!(market.env.storage(&POOL, &keys::shares(&PROVIDER)), None);
    market.remove(SECOND_PROVIDER, 1_000_000, 0, 0).unwrap();
    assert_eq!(market.pool_state(SECOND_PROVIDER), ((0, 0), 0, 0));
    assert_eq!(market.env.storage(&POOL, keys::TOTAL_SHARES), None);
    assert_eq!(market.balance(TOKEN_A, POOL), 0);
    assert_eq!(market.balance(TOKEN_B, POOL), 0);
    // An emptied pool starts over with a first deposit.
    let outcome = market.approve_and_add(TRADER, 9, 4);
    assert_eq!(outcome.value.map(|change| change.shares), Some(6));
}

#[test]
fn withdrawals_refuse_slippage_zero_amounts_and_missing_shares() {
    let mut market = seeded();
    let before = snapshot(&market);
    let outcome = market.remove(PROVIDER, 1_000_000, 500_001, 0);
    assert_refused(&market, &before, outcome, AmmError::SlippageExceeded);
    let outcome = market.remove(PROVIDER, 1_000_000, 0, 2_000_001);
    assert_refused(&market, &before, outcome, AmmError::SlippageExceeded);
    let outcome = market.remove(PROVIDER, SEED_SHARES + 1, 0, 0);
    assert_refused(&market, &before, outcome, AmmError::InsufficientShares);
    let outcome = market.remove(TRADER, 1, 0, 0);
    assert_refused(&market, &before, outcome, AmmError::InsufficientShares);
    let outcome = market.remove(PROVIDER, 0, 0, 0);
    assert_refused(&market, &before, outcome, AmmError::ZeroAmount);
    // One share is worth 0.5 a: it rounds down to nothing.
    let outcome = market.remove(PROVIDER, 1, 0, 0);
    assert_refused(&market, &before, outcome, AmmError::ZeroAmount);
}

#[test]
fn swaps_pay_the_constant_product_price_less_the_fee() {
    let mut market = seeded();
    market.approve(TOKEN_A, TRADER, 10_000);
    let request = POOL_CLIENT.quote(TOKEN_A, 10_000);
    let quoted = market
        .call(TRADER, request, || quote(TOKEN_A, 10_000))
        .unwrap();
    // 10,000 * 997 * 4,000,000 / (1,000,000 * 1,000 + 10,000 * 997), rounded down.
    assert_eq!(quoted, 39_486);
    let outcome = market.swap(TOKEN_A, 10_000, 39_486);
    assert_eq!(outcome.status, Status::Success);
    assert_eq!(outcome.value, Some(39_486));
    assert_eq!(outcome.events[0].topic, b"swapped");
    assert_eq!(
        outcome.events_of::<Swapped>(),
        vec![Swapped {
            trader: TRADER,
            token_in: TOKEN_A,
            amount_in: 10_000,
            token_out: TOKEN_B,
            amount_out: 39_486
        }]
    );
    assert_eq!(
        calls(&outcome),
        vec![
            (TOKEN_A, "transfer_from", args((TRADER, POOL, 10_000u128))),
            (TOKEN_B, "transfer", args((TRADER, 39_486u128))),
        ]
    );
    assert_eq!(
        market.pool_state(PROVIDER),
        ((1_010_000, 3_960_514), SEED_SHARES, SEED_SHARES)
    );
    assert_eq!(market.balance(TOKEN_A, TRADER), FUNDS - 10_000);
    assert_eq!(market.balance(TOKEN_B, TRADER), FUNDS + 39_486);

    // And back: b for a, on the new reserves.
    market.approve(TOKEN_B, TRADER, 100_000);
    let outcome = market.swap(TOKEN_B, 100_000, 0);
    assert_eq!(outcome.value, Some(24_800));
    assert_eq!(
        market.pool_state(PROVIDER).0,
        (1_010_000 - 24_800, 3_960_514 + 100_000)
    );
    // The fees stay in the pool: the product only grows.
    let (reserve_a, reserve_b) = market.pool_state(PROVIDER).0;
    assert!(reserve_a * reserve_b > SEED_A * SEED_B);
}

#[test]
fn swaps_refuse_slippage_unknown_tokens_and_empty_pools() {
    let mut market = seeded();
    market.approve(TOKEN_A, TRADER, u128::MAX);
    let before = snapshot(&market);
    let outcome = market.swap(TOKEN_A, 10_000, 39_487);
    assert_refused(&market, &before, outcome, AmmError::SlippageExceeded);
    let outcome = market.swap(STRANGER_TOKEN, 10_000, 0);
    assert_refused(&market, &before, outcome, AmmError::UnknownToken);
    let outcome = market.swap(TOKEN_A, 0, 0);
    assert_refused(&market, &before, outcome, AmmError::ZeroAmount);
    // 1 b buys 0.249 a: nothing, so it is refused rather than taken for nothing.
    let outcome = market.swap(TOKEN_B, 1, 0);
    assert_refused(&market, &before, outcome, AmmError::ZeroAmount);
    // More than the trader has: the token's code passes through.
    let outcome = market.swap(TOKEN_A, FUNDS + 1, 0);
    assert_eq!(
        outcome.status,
        Status::Reverted {
            code: TokenError::InsufficientBalance.code()
        }
    );
    assert_eq!(market.env.state(), &before.0);
    // Without an allowance on token b.
    let outcome = market.swap(TOKEN_B, 10_000, 0);
    assert_eq!(
        outcome.status,
        Status::Reverted {
            code: TokenError::InsufficientAllowance.code()
        }
    );
    assert_eq!(market.env.state(), &before.0);
    assert_eq!(*market.ledger.borrow(), before.1);

    let mut empty = Market::new();
    empty.approve(TOKEN_A, TRADER, FUNDS);
    let before = snapshot(&empty);
    let outcome = empty.swap(TOKEN_A, 10_000, 0);
    assert_refused(&empty, &before, outcome, AmmError::InsufficientLiquidity);
    let request = POOL_CLIENT.quote(TOKEN_A, 10_000);
    let outcome = empty.call(TRADER, request, || quote(TOKEN_A, 10_000));
    assert_eq!(outcome.status, AmmError::InsufficientLiquidity.status());
    let request = POOL_CLIENT.quote(STRANGER_TOKEN, 10_000);
    let outcome = empty.call(TRADER, request, || quote(STRANGER_TOKEN, 10_000));
    assert_eq!(outcome.status, AmmError::UnknownToken.status());
}

#[test]
fn overflowing_amounts_are_refused() {
    let mut market = seeded();
    market.approve(TOKEN_A, PROVIDER, u128::MAX);
    market.approve(TOKEN_B, PROVIDER, u128::MAX);
    let before = snapshot(&market);
    // `amount_in * 997` does not fit.
    let outcome = market.swap(TOKEN_A, u128::MAX / 2, 0);
    assert_refused(&market, &before, outcome, AmmError::Overflow);
    // All of a is worth four times as much b, which does not fit.
    let outcome = market.add(PROVIDER, u128::MAX, u128::MAX, 0);
    assert_refused(&market, &before, outcome, AmmError::Overflow);
    assert_eq!(
        amount_out(1, u128::MAX / 999, 1_000),
        Err(AmmError::Overflow),
        "reserve_in * 1000 does not fit"
    );

    // A pool already holding `u128::MAX` of both cannot take one more of each.
    let mut market = Market::new();
    for token in [TOKEN_A, TOKEN_B] {
        let mut ledger = market.ledger.borrow_mut();
        ledger.set_balance(token, PROVIDER, u128::MAX);
    }
    let outcome = market.approve_and_add(PROVIDER, u128::MAX, u128::MAX);
    assert_eq!(outcome.value.map(|change| change.shares), Some(u128::MAX));
    market.approve(TOKEN_A, TRADER, 1);
    market.approve(TOKEN_B, TRADER, 1);
    let before = snapshot(&market);
    let outcome = market.add(TRADER, 1, 1, 0);
    assert_refused(&market, &before, outcome, AmmError::Overflow);
}

#[test]
fn mul_div_keeps_256_bits() {
    assert_eq!(mul_div(6, 7, 4), Ok(10));
    assert_eq!(mul_div(u128::MAX, u128::MAX, u128::MAX), Ok(u128::MAX));
    assert_eq!(mul_div(u128::MAX, 3, 4), Ok(u128::MAX / 4 * 3 + 2));
    assert_eq!(mul_div(1 << 100, 1 << 100, 1 << 90), Ok(1 << 110));
    assert_eq!(mul_div(u128::MAX, 2, 2), Ok(u128::MAX));
    assert_eq!(mul_div(u128::MAX, 2, 1), Err(AmmError::Overflow));
    assert_eq!(mul_div(1, 1, 0), Err(AmmError::Overflow));
    // Against plain u128 arithmetic where that fits.
    for a in [0u128, 1, 997, 123_456_789, u64::MAX as u128] {
        for b in [1u128, 3, 1_000, u64::MAX as u128] {
            for divisor in [1u128, 7, 1_000_003, u64::MAX as u128] {
                assert_eq!(
                    mul_div(a, b, divisor),
                    Ok(a * b / divisor),
                    "{a} {b} {divisor}"
                );
            }
        }
    }
    assert_eq!(mul_wide(u128::MAX, u128::MAX), (u128::MAX - 1, 1));
}

#[test]
fn sqrt_product_is_the_floor_square_root() {
    assert_eq!(sqrt_product(SEED_A, SEED_B), Ok(SEED_SHARES));
    assert_eq!(sqrt_product(1, 1), Ok(1));
    assert_eq!(sqrt_product(2, 4), Ok(2));
    assert_eq!(sqrt_product(3, 3), Ok(3));
    assert_eq!(sqrt_product(0, 5), Ok(0));
    assert_eq!(sqrt_product(u128::MAX, u128::MAX), Ok(u128::MAX));
    assert_eq!(sqrt_product(u128::MAX, 1), Ok(u64::MAX as u128));
    assert_eq!(sqrt_product(1 << 127, 2), Ok(1 << 64));
    // 10^21 * 10^21 needs 140 bits.
    let big = 10u128.pow(21);
    assert_eq!(sqrt_product(big, big), Ok(big));
    assert_eq!(sqrt_product(big, big + 2), Ok(big));
    for a in 1u128..60 {
        for b in 1u128..60 {
            let root = sqrt_product(a, b).unwrap();
            assert!(
                root * root <= a * b && (root + 1) * (root + 1) > a * b,
                "{a} {b}"
            );
        }
    }
}

#[test]
fn client_access_lists_name_the_tokens_keys() {
    use keyway_token::keys as token_keys;
    let token_key = |token, bytes: Vec<u8>| Key::new(token, bytes);
    let pair = Key::new(POOL, keys::PAIR);

    let (kind, list) = POOL_CLIENT.swap(TRADER, TOKEN_B, 5, 1);
    let mut expected = AccessList {
        reads: vec![pair.clone()],
        writes: vec![
            Key::new(POOL, keys::RESERVES),
            token_key(TOKEN_B, token_keys::allowance(&TRADER, &POOL)),
            token_key(TOKEN_B, token_keys::balance(&TRADER)),
            token_key(TOKEN_B, token_keys::balance(&POOL)),
            token_key(TOKEN_A, token_keys::balance(&POOL)),
            token_key(TOKEN_A, token_keys::balance(&TRADER)),
        ],
    };
    expected.normalize();
    assert_eq!(list, expected);
    assert_eq!(
        kind,
        TxKind::Call {
            contract: POOL,
            method: "swap".into(),
            args: args((TOKEN_B, 5u128, 1u128)),
        }
    );

    let pool_writes = [
        Key::new(POOL, keys::RESERVES),
        Key::new(POOL, keys::TOTAL_SHARES),
        Key::new(POOL, keys::shares(&PROVIDER)),
    ];
    let (_, list) = POOL_CLIENT.add_liquidity(PROVIDER, 1, 2, 3);
    let mut expected = AccessList {
        reads: vec![pair.clone()],
        writes: pool_writes.to_vec(),
    };
    for token in [TOKEN_A, TOKEN_B] {
        expected.writes.extend([
            token_key(token, token_keys::allowance(&PROVIDER, &POOL)),
            token_key(token, token_keys::balance(&PROVIDER)),
            token_key(token, token_keys::balance(&POOL)),
        ]);
    }
    expected.normalize();
    assert_eq!(list, expected);

    let (_, list) = POOL_CLIENT.remove_liquidity(PROVIDER, 1, 2, 3);
    let mut expected = AccessList {
        reads: vec![pair],
        writes: pool_writes.to_vec(),
    };
    for token in [TOKEN_A, TOKEN_B] {
        expected.writes.extend([
            token_key(token, token_keys::balance(&PROVIDER)),
            token_key(token, token_keys::balance(&POOL)),
        ]);
    }
    expected.normalize();
    assert_eq!(list, expected);
}

#[test]
fn undeclared_keys_end_the_call() {
    let mut market = seeded();
    market.approve(TOKEN_A, TRADER, 10_000);
    let before = snapshot(&market);
    let (kind, mut access) = POOL_CLIENT.swap(TRADER, TOKEN_A, 10_000, 0);
    let reserves_key = Key::new(POOL, keys::RESERVES);
    access.writes.retain(|key| key != &reserves_key);
    access.reads.push(reserves_key);
    let outcome = market.call(TRADER, (kind.clone(), access.clone()), || {
        swap(TOKEN_A, 10_000, 0)
    });
    assert_eq!(outcome.status, Status::UndeclaredWrite);
    access.reads.retain(|key| key.bytes != keys::PAIR);
    let outcome = market.call(TRADER, (kind, access), || swap(TOKEN_A, 10_000, 0));
    assert_eq!(outcome.status, Status::UndeclaredRead);
    assert_eq!(market.env.state(), &before.0);
    assert_eq!(*market.ledger.borrow(), before.1);
}

/// A contract that uses [`ext`] on the pool.
const ROUTER: Address = Address([0x60; 32]);

#[test]
fn ext_calls_the_pool() {
    let mut env = TestEnv::new();
    env.set_contract(ROUTER);
    env.mock_returns(POOL, "quote", 39_486u128);
    env.mock(POOL, "swap", |call| {
        assert_eq!(call.caller, ROUTER);
        let (token_in, amount_in, min_out): (Address, u128, u128) = call.args();
        assert_eq!((token_in, amount_in), (TOKEN_A, 10_000));
        if min_out > 39_486 {
            return Err(CallError {
                status: AmmError::SlippageExceeded.status(),
                data: Vec::new(),
            });
        }
        Ok(args(39_486u128))
    });
    let outcome = env.call(|| {
        let quoted = ext::quote(&POOL, &TOKEN_A, 10_000);
        ext::swap(&POOL, &TOKEN_A, 10_000, quoted)
    });
    assert_eq!(outcome.value, Some(39_486));
    // The pool's code reaches the caller's receipt.
    let outcome = env.call(|| ext::swap(&POOL, &TOKEN_A, 10_000, 40_000));
    assert_eq!(outcome.status, AmmError::SlippageExceeded.status());
}

#[test]
fn storage_layout_is_as_documented() {
    assert_eq!(keys::PAIR, b"pair");
    assert_eq!(keys::RESERVES, b"reserves");
    assert_eq!(keys::TOTAL_SHARES, b"total");
    let shares_key = keys::shares(&PROVIDER);
    assert_eq!((shares_key[0], &shares_key[1..]), (b's', &PROVIDER.0[..]));

    let market = seeded();
    let mut pair = TOKEN_A.0.to_vec();
    pair.extend_from_slice(&TOKEN_B.0);
    assert_eq!(market.env.storage(&POOL, b"pair"), Some(pair));
    let mut reserves = SEED_A.to_le_bytes().to_vec();
    reserves.extend_from_slice(&SEED_B.to_le_bytes());
    assert_eq!(market.env.storage(&POOL, b"reserves"), Some(reserves));
    let shares = Some(SEED_SHARES.to_le_bytes().to_vec());
    assert_eq!(market.env.storage(&POOL, b"total"), shares);
    assert_eq!(market.env.storage(&POOL, &shares_key), shares);
    assert_eq!(market.env.state().len(), 4);
}

#[test]
fn error_codes_are_stable() {
    let codes = [
        AmmError::SlippageExceeded,
        AmmError::InsufficientLiquidity,
        AmmError::UnknownToken,
        AmmError::ZeroAmount,
        AmmError::Overflow,
        AmmError::InsufficientShares,
        AmmError::IdenticalTokens,
    ]
    .map(|e| e.code());
    assert_eq!(codes, [1, 2, 3, 4, 5, 6, 7]);
}
