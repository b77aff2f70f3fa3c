//! The AMM pool's committed artifact on the real runtime, trading two committed tokens.

use keyway_amm::client::{self, Pool};
use keyway_amm::{AmmError, LiquidityAdded, LiquidityChange, LiquidityRemoved, Swapped, keys};
use keyway_host_api::{Address, Key, Status, system};
use keyway_runtime::Keypair;
use keyway_tests::{Chain, Senders, artifact, events, one_page_artifact_methods, returned};
use keyway_token::{TokenError, Transfer};

/// What the bank gives each provider and the trader, of both tokens.
const FUNDS: u128 = 100_000_000;
/// The first deposit: 1 a for 4 b, so `isqrt(a * b)` = 2,000,000 shares.
const SEED_A: u128 = 1_000_000;
const SEED_B: u128 = 4_000_000;
const SEED_SHARES: u128 = 2_000_000;

/// Who sends a transaction.
#[derive(Clone, Copy, Debug)]
enum Party {
    /// Owns both tokens' supply and created the pool.
    Bank,
    Provider,
    SecondProvider,
    Trader,
}

/// A chain with two tokens, a pool of them, and the providers and the trader funded.
struct Fixture {
    chain: Chain,
    pool: Pool,
    keys: [Keypair; 4],
}

impl Fixture {
    fn new() -> Fixture {
        let keys =
            [&b"bank"[..], b"provider", b"second provider", b"trader"].map(Keypair::from_seed);
        let mut chain = Chain::new();
        let token_a = chain.create_token(&keys[0], 1_000_000_000);
        let token_b = chain.create_token(&keys[0], 1_000_000_000);
        // The tokens took the bank's nonces 0 to 3.
        let (pool, create) =
            client::create(&artifact("amm"), keys[0].address(), 4, token_a, token_b);
        for request in create {
            chain.expect_success(&keys[0], request);
        }
        assert!(
            chain
                .state
                .value(&system::contract_key(&pool.address))
                .is_some()
        );
        let mut fixture = Fixture { chain, pool, keys };
        let bank = fixture.address(Party::Bank);
        for token in [token_a, token_b] {
            for party in [Party::Provider, Party::SecondProvider, Party::Trader] {
                let request =
                    keyway_token::client::transfer(token, bank, fixture.address(party), FUNDS);
                fixture.expect_success(Party::Bank, request);
            }
        }
        fixture
    }

    /// [`Fixture::new`] plus the provider's first deposit of [`SEED_A`] and [`SEED_B`].
    fn seeded() -> Fixture {
        let mut fixture = Fixture::new();
        fixture.approve_both(Party::Provider, SEED_A, SEED_B);
        let request =
            fixture
                .pool
                .add_liquidity(fixture.address(Party::Provider), SEED_A, SEED_B, 0);
        fixture.expect_success(Party::Provider, request);
        fixture
    }

    /// `party` lets the pool spend `amount` of `token`.
    fn approve(&mut self, party: Party, token: Address, amount: u128) {
        let owner = self.address(party);
        let request = keyway_token::client::approve(token, owner, self.pool.address, amount);
        self.expect_success(party, request);
    }

    fn approve_both(&mut self, party: Party, amount_a: u128, amount_b: u128) {
        self.approve(party, self.pool.token_a, amount_a);
        self.approve(party, self.pool.token_b, amount_b);
    }

    /// `party`'s balances of token a and token b.
    fn balances(&self, party: Party) -> (u128, u128) {
        self.balances_of(&self.address(party))
    }

    fn balances_of(&self, owner: &Address) -> (u128, u128) {
        (
            self.chain.balance(self.pool.token_a, owner),
            self.chain.balance(self.pool.token_b, owner),
        )
    }

    /// The reserves, straight from state.
    fn reserves(&self) -> (u128, u128) {
        self.chain
            .stored(self.pool.address, keys::RESERVES.to_vec())
            .unwrap_or_default()
    }

    /// The shares outstanding and `party`'s, straight from state.
    fn shares(&self, party: Party) -> (u128, u128) {
        (
            self.chain
                .stored(self.pool.address, keys::TOTAL_SHARES.to_vec())
                .unwrap_or_default(),
            self.chain
                .stored(self.pool.address, keys::shares(&self.address(party)))
                .unwrap_or_default(),
        )
    }
}

keyway_tests::senders_by_index!(Fixture, Party);

#[test]
fn the_artifact_is_one_page_and_exports_the_methods() {
    assert_eq!(
        one_page_artifact_methods("amm"),
        [
            "add_liquidity",
            "init",
            "quote",
            "remove_liquidity",
            "reserves",
            "shares_of",
            "swap",
            "tokens",
            "total_shares",
        ]
    );
}

#[test]
fn a_pool_of_identical_tokens_is_refused() {
    let mut chain = Chain::new();
    let bank = Keypair::from_seed(b"bank");
    let token = chain.create_token(&bank, 1);
    // The token took nonces 0 and 1.
    let (pool, [(deploy, no_keys), (instantiate, access)]) =
        client::create(&artifact("amm"), bank.address(), 2, token, token);
    let deployed = chain.submit(&bank, deploy, no_keys);
    assert_eq!(deployed.receipt.status, Status::Success);
    let outcome = chain.submit(&bank, instantiate, access);
    assert_eq!(
        outcome.receipt.status,
        Status::Reverted {
            code: AmmError::IdenticalTokens as u32
        }
    );
    assert_eq!(chain.state.value(&Key::new(pool.address, keys::PAIR)), None);
    assert_eq!(
        chain.state.value(&system::contract_key(&pool.address)),
        None
    );
}

#[test]
fn liquidity_comes_in_at_the_pools_ratio_and_goes_out_pro_rata() {
    let mut fixture = Fixture::new();
    let pool = fixture.pool;
    let [provider, second] =
        [Party::Provider, Party::SecondProvider].map(|party| fixture.address(party));

    fixture.approve_both(Party::Provider, SEED_A, SEED_B);
    let request = pool.add_liquidity(provider, SEED_A, SEED_B, SEED_SHARES);
    let outcome = fixture.expect_exact(Party::Provider, "add_liquidity (first)", request);
    let change = LiquidityChange {
        amount_a: SEED_A,
        amount_b: SEED_B,
        shares: SEED_SHARES,
    };
    assert_eq!(returned::<LiquidityChange>(&outcome), change);
    assert_eq!(
        events::<LiquidityAdded>(&outcome, pool.address),
        vec![LiquidityAdded { provider, change }]
    );
    assert_eq!(
        events::<Transfer>(&outcome, pool.token_b),
        vec![Transfer {
            from: provider,
            to: pool.address,
            amount: SEED_B
        }]
    );
    assert_eq!(fixture.reserves(), (SEED_A, SEED_B));
    assert_eq!(fixture.shares(Party::Provider), (SEED_SHARES, SEED_SHARES));
    assert_eq!(fixture.balances_of(&pool.address), (SEED_A, SEED_B));
    assert_eq!(
        fixture.balances(Party::Provider),
        (FUNDS - SEED_A, FUNDS - SEED_B)
    );

    // Offered 500,000 a and 5,000,000 b, the pool takes 2,000,000 b: the ratio's worth.
    fixture.approve_both(Party::SecondProvider, 500_000, 5_000_000);
    let request = pool.add_liquidity(second, 500_000, 5_000_000, 1_000_000);
    let outcome = fixture.expect_exact(Party::SecondProvider, "add_liquidity (later)", request);
    assert_eq!(
        returned::<LiquidityChange>(&outcome),
        LiquidityChange {
            amount_a: 500_000,
            amount_b: 2_000_000,
            shares: 1_000_000
        }
    );
    assert_eq!(fixture.reserves(), (1_500_000, 6_000_000));
    assert_eq!(
        fixture.shares(Party::SecondProvider),
        (3_000_000, 1_000_000)
    );
    assert_eq!(
        fixture.balances(Party::SecondProvider),
        (FUNDS - 500_000, FUNDS - 2_000_000)
    );

    // A quarter of the shares: a quarter of both reserves.
    let request = pool.remove_liquidity(provider, 750_000, 375_000, 1_500_000);
    let outcome = fixture.expect_exact(Party::Provider, "remove_liquidity", request);
    let change = LiquidityChange {
        amount_a: 375_000,
        amount_b: 1_500_000,
        shares: 750_000,
    };
    assert_eq!(returned::<LiquidityChange>(&outcome), change);
    assert_eq!(
        events::<LiquidityRemoved>(&outcome, pool.address),
        vec![LiquidityRemoved { provider, change }]
    );
    assert_eq!(fixture.reserves(), (1_125_000, 4_500_000));
    assert_eq!(fixture.shares(Party::Provider), (2_250_000, 1_250_000));
    assert_eq!(
        fixture.balances(Party::Provider),
        (FUNDS - SEED_A + 375_000, FUNDS - SEED_B + 1_500_000)
    );
    assert_eq!(fixture.balances_of(&pool.address), (1_125_000, 4_500_000));

    // Everyone out: the pool is empty and its share keys are gone.
    let request = pool.remove_liquidity(provider, 1_250_000, 0, 0);
    fixture.expect_success(Party::Provider, request);
    let request = pool.remove_liquidity(second, 1_000_000, 0, 0);
    fixture.expect_success(Party::SecondProvider, request);
    assert_eq!(fixture.reserves(), (0, 0));
    assert_eq!(fixture.shares(Party::Provider), (0, 0));
    assert_eq!(
        fixture
            .chain
            .state
            .value(&Key::new(pool.address, keys::TOTAL_SHARES)),
        None
    );
    assert_eq!(fixture.balances_of(&pool.address), (0, 0));
    assert_eq!(fixture.balances(Party::Provider), (FUNDS, FUNDS));
    assert_eq!(fixture.balances(Party::SecondProvider), (FUNDS, FUNDS));

    // The views, as transactions.
    let outcome = fixture.expect_exact(Party::Trader, "reserves", pool.reserves());
    assert_eq!(returned::<(u128, u128)>(&outcome), (0, 0));
    let outcome = fixture.expect_exact(Party::Trader, "tokens", pool.tokens());
    assert_eq!(
        returned::<(Address, Address)>(&outcome),
        (pool.token_a, pool.token_b)
    );
}

#[test]
fn swaps_move_the_reserves_exactly() {
    let mut fixture = Fixture::seeded();
    let pool = fixture.pool;
    let trader = fixture.address(Party::Trader);

    let outcome = fixture.expect_exact(Party::Trader, "quote", pool.quote(pool.token_a, 10_000));
    // 10,000 * 997 * 4,000,000 / (1,000,000 * 1,000 + 10,000 * 997), rounded down.
    assert_eq!(returned::<u128>(&outcome), 39_486);

    fixture.approve(Party::Trader, pool.token_a, 10_000);
    let request = pool.swap(trader, pool.token_a, 10_000, 39_486);
    let outcome = fixture.expect_exact(Party::Trader, "swap (a for b)", request);
    assert_eq!(returned::<u128>(&outcome), 39_486);
    assert_eq!(
        events::<Swapped>(&outcome, pool.address),
        vec![Swapped {
            trader,
            token_in: pool.token_a,
            amount_in: 10_000,
            token_out: pool.token_b,
            amount_out: 39_486
        }]
    );
    assert_eq!(
        events::<Transfer>(&outcome, pool.token_b),
        vec![Transfer {
            from: pool.address,
            to: trader,
            amount: 39_486
        }]
    );
    assert_eq!(fixture.reserves(), (1_010_000, 3_960_514));
    assert_eq!(fixture.balances_of(&pool.address), (1_010_000, 3_960_514));
    assert_eq!(
        fixture.balances(Party::Trader),
        (FUNDS - 10_000, FUNDS + 39_486)
    );
    assert_eq!(fixture.shares(Party::Provider), (SEED_SHARES, SEED_SHARES));

    fixture.approve(Party::Trader, pool.token_b, 100_000);
    let request = pool.swap(trader, pool.token_b, 100_000, 24_800);
    let outcome = fixture.expect_exact(Party::Trader, "swap (b for a)", request);
    assert_eq!(returned::<u128>(&outcome), 24_800);
    assert_eq!(fixture.reserves(), (985_200, 4_060_514));
    assert_eq!(
        fixture.balances(Party::Trader),
        (FUNDS - 10_000 + 24_800, FUNDS + 39_486 - 100_000)
    );

    // The fees stayed in the pool (the product of the reserves grew), and the provider,
    // who owns every share, withdraws both reserves whole.
    let (reserve_a, reserve_b) = fixture.reserves();
    assert!(reserve_a * reserve_b > SEED_A * SEED_B);
    let provider = fixture.address(Party::Provider);
    let request = pool.remove_liquidity(provider, SEED_SHARES, 985_200, 4_060_514);
    fixture.expect_success(Party::Provider, request);
    assert_eq!(fixture.balances_of(&pool.address), (0, 0));
    assert_eq!(
        fixture.balances(Party::Provider),
        (FUNDS - SEED_A + 985_200, FUNDS - SEED_B + 4_060_514)
    );
    let outcome = fixture.expect_exact(Party::Trader, "shares_of", pool.shares_of(provider));
    assert_eq!(returned::<u128>(&outcome), 0);
    let outcome = fixture.expect_exact(Party::Trader, "total_shares", pool.total_shares());
    assert_eq!(returned::<u128>(&outcome), 0);
}

#[test]
fn slippage_limits_revert_with_nothing_written() {
    let mut fixture = Fixture::seeded();
    let pool = fixture.pool;
    let [provider, second, trader] =
        [Party::Provider, Party::SecondProvider, Party::Trader].map(|party| fixture.address(party));
    fixture.approve(Party::Trader, pool.token_a, 10_000);
    let request = pool.swap(trader, pool.token_a, 10_000, 39_487);
    fixture.expect_error(Party::Trader, request, AmmError::SlippageExceeded);

    fixture.approve_both(Party::SecondProvider, 500_000, 2_000_000);
    let request = pool.add_liquidity(second, 500_000, 2_000_000, 1_000_001);
    fixture.expect_error(Party::SecondProvider, request, AmmError::SlippageExceeded);

    let request = pool.remove_liquidity(provider, 1_000_000, 500_001, 0);
    fixture.expect_error(Party::Provider, request, AmmError::SlippageExceeded);
    let request = pool.remove_liquidity(provider, SEED_SHARES + 1, 0, 0);
    fixture.expect_error(Party::Provider, request, AmmError::InsufficientShares);

    let request = pool.swap(trader, Address([0xCC; 32]), 10_000, 0);
    fixture.expect_error(Party::Trader, request, AmmError::UnknownToken);
    let request = pool.swap(trader, pool.token_a, 0, 0);
    fixture.expect_error(Party::Trader, request, AmmError::ZeroAmount);

    assert_eq!(fixture.reserves(), (SEED_A, SEED_B));
    assert_eq!(fixture.balances(Party::Trader), (FUNDS, FUNDS));
}

#[test]
fn swapping_without_approval_fails_with_the_tokens_code() {
    let mut fixture = Fixture::seeded();
    let pool = fixture.pool;
    let trader = fixture.address(Party::Trader);
    let request = pool.swap(trader, pool.token_a, 10_000, 0);
    fixture.expect_error(Party::Trader, request, TokenError::InsufficientAllowance);
    // Approved, but for more than it has.
    fixture.approve(Party::Trader, pool.token_a, u128::MAX);
    let request = pool.swap(trader, pool.token_a, FUNDS + 1, 0);
    fixture.expect_error(Party::Trader, request, TokenError::InsufficientBalance);
    assert_eq!(fixture.reserves(), (SEED_A, SEED_B));
    assert_eq!(fixture.balances(Party::Trader), (FUNDS, FUNDS));
}

#[test]
fn an_undeclared_token_key_ends_the_swap() {
    let mut fixture = Fixture::seeded();
    let pool = fixture.pool;
    let trader = fixture.address(Party::Trader);
    fixture.approve(Party::Trader, pool.token_a, 10_000);
    let (kind, access) = pool.swap(trader, pool.token_a, 10_000, 0);
    // The payout's credit: the trader's balance of token b.
    let payout = Key::new(pool.token_b, keyway_token::keys::balance(&trader));
    assert!(access.writes.contains(&payout));

    let mut dropped = access.clone();
    dropped.writes.retain(|key| key != &payout);
    fixture.expect_failure(
        Party::Trader,
        (kind.clone(), dropped.clone()),
        Status::UndeclaredRead,
    );
    dropped.reads.push(payout);
    dropped.normalize();
    fixture.expect_failure(
        Party::Trader,
        (kind.clone(), dropped),
        Status::UndeclaredWrite,
    );
    assert_eq!(fixture.reserves(), (SEED_A, SEED_B));

    fixture.expect_success(Party::Trader, (kind, access));
    assert_eq!(fixture.reserves(), (1_010_000, 3_960_514));
}
