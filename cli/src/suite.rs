//! The realistic block generator: blocks that use the example contract suite the way its
//! applications would be used — stablecoin payments, supply-chain tracking, a contended
//! counter, and the apps that pay through the token with cross-contract calls.
//!
//! [`Suite::new`] deploys every contract and sets the applications up with ordinary
//! transactions (executed one by one; they are not part of the measured blocks). Each
//! [`Suite::block`] then draws transactions from the [`Mix`], tracking just enough of the
//! applications' state (who holds what, which shipment is where) that nearly every
//! transaction succeeds. Users are drawn uniformly; `hot_share` of the transactions go to
//! the hotspot counter, which every one of them writes.

use anyhow::{Context, ensure};
use keyway_host_api::{
    AccessList, Address, BlockEnv, SignedTransaction, Status, Transaction, TxKind,
};
use keyway_runtime::{InMemoryState, Keypair, Runtime, RuntimeConfig, crypto};

use crate::workload::SplitMix;

/// The committed artifacts of the suite, by contract directory name.
pub const ARTIFACTS: &[(&str, &[u8])] = &[
    (
        "token",
        include_bytes!("../../example-contracts/artifacts/token.wasm"),
    ),
    (
        "hotspot",
        include_bytes!("../../example-contracts/artifacts/hotspot.wasm"),
    ),
    (
        "supply-chain",
        include_bytes!("../../example-contracts/artifacts/supply-chain.wasm"),
    ),
];

/// The block environment of every suite block.
pub const ENV: BlockEnv = BlockEnv {
    height: 10,
    time: 1_700_000_000,
    chain_id: 1,
};

/// Gas limit of every generated transaction.
pub const TX_GAS: u64 = 5_000_000;

/// Each user's starting stablecoin balance.
pub const STARTING_BALANCE: u128 = 1_000_000_000;

/// Relative weights of the applications in a block (hotspot traffic is set apart by
/// `hot_share`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mix {
    /// Stablecoin payments between users.
    pub payments: u32,
    /// Supply-chain shipments: create, pick up, checkpoints, deliver, confirm.
    pub supply_chain: u32,
    /// Per-user counters on the hotspot contract (uncontended).
    pub counters: u32,
}

impl Default for Mix {
    fn default() -> Self {
        Mix {
            payments: 40,
            supply_chain: 20,
            counters: 10,
        }
    }
}

impl Mix {
    fn total(&self) -> u32 {
        self.payments + self.supply_chain + self.counters
    }
}

/// How a suite is set up and what its blocks contain.
#[derive(Clone, Debug)]
pub struct SuiteOptions {
    /// Users taking part (each has a key, a balance and an app role).
    pub users: usize,
    /// Fraction of transactions that increment the one hotspot counter.
    pub hot_share: f64,
    /// The applications' weights.
    pub mix: Mix,
    /// Seed of every random choice.
    pub seed: u64,
}

impl Default for SuiteOptions {
    fn default() -> Self {
        SuiteOptions {
            users: 1_000,
            hot_share: 0.02,
            mix: Mix::default(),
            seed: 1,
        }
    }
}

/// The deployed contracts.
#[derive(Clone, Copy, Debug)]
pub struct Apps {
    /// The stablecoin.
    pub token: Address,
    /// The contended counter.
    pub hotspot: Address,
    /// Shipment tracking.
    pub supply_chain: Address,
}

/// Where a shipment is in its lifecycle (the generator's model of the contract).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    Created,
    InTransit { checkpoints: u8 },
    Delivered,
}

#[derive(Clone, Copy, Debug)]
struct Shipment {
    id: u64,
    carrier: usize,
    receiver: usize,
    stage: Stage,
}

/// A genesis state with the suite deployed and set up, and a generator of blocks.
pub struct Suite {
    /// The runtime (its code cache holds the suite).
    pub runtime: Runtime,
    /// The state after setup; blocks are meant to run against it in turn.
    pub state: InMemoryState,
    /// The contracts' addresses.
    pub apps: Apps,
    options: SuiteOptions,
    operator: Keypair,
    operator_nonce: u64,
    users: Vec<Keypair>,
    nonces: Vec<u64>,
    rng: SplitMix,
    shipments: Vec<Shipment>,
    next_shipment: u64,
}

/// One generated transaction before signing.
struct Planned {
    user: usize,
    kind: TxKind,
    access_list: AccessList,
}

impl Suite {
    /// Deploys the suite and sets up `options.users` users.
    pub fn new(options: SuiteOptions) -> anyhow::Result<Self> {
        ensure!(options.users >= 4, "the suite needs at least 4 users");
        ensure!(
            (0.0..=1.0).contains(&options.hot_share),
            "hot_share must be within 0..=1"
        );
        ensure!(
            options.mix.total() > 0 || options.hot_share > 0.0,
            "the mix is empty"
        );
        let runtime = Runtime::new(RuntimeConfig::default()).context("starting the runtime")?;
        let operator = Keypair::from_seed(b"suite-operator");
        let users = (0..options.users)
            .map(|i| Keypair::from_seed(format!("suite-user-{i}").as_bytes()))
            .collect();
        let mut suite = Suite {
            runtime,
            state: InMemoryState::new(),
            apps: Apps {
                token: Address::default(),
                hotspot: Address::default(),
                supply_chain: Address::default(),
            },
            rng: SplitMix(options.seed),
            nonces: vec![0; options.users],
            options,
            operator,
            operator_nonce: 0,
            users,
            shipments: Vec::new(),
            next_shipment: 1,
        };
        suite.set_up()?;
        Ok(suite)
    }

    /// The users' addresses, in order.
    pub fn user_addresses(&self) -> Vec<Address> {
        self.users.iter().map(Keypair::address).collect()
    }

    fn artifact(name: &str) -> &'static [u8] {
        ARTIFACTS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, code)| *code)
            .unwrap_or_else(|| unreachable!("{name} is in ARTIFACTS"))
    }

    /// Executes one setup transaction by the operator and applies it; it must succeed.
    fn operator_tx(&mut self, kind: TxKind, access_list: AccessList) -> anyhow::Result<()> {
        let key = self.operator.clone();
        let nonce = self.operator_nonce;
        self.operator_nonce += 1;
        self.setup_tx(&key, nonce, kind, access_list)
    }

    fn setup_tx(
        &mut self,
        key: &Keypair,
        nonce: u64,
        kind: TxKind,
        access_list: AccessList,
    ) -> anyhow::Result<()> {
        let what = describe(&kind);
        let signed = SignedTransaction {
            tx: Transaction {
                chain_id: ENV.chain_id,
                sender: key.public_key(),
                nonce,
                kind,
                access_list,
                gas_limit: 90_000_000,
            },
            // Setup transactions skip signatures: only the measured blocks are signed.
            signature: keyway_host_api::Signature([0; 64]),
        };
        let verified = crypto::already_verified(&signed);
        let outcome = self
            .runtime
            .execute_verified(&self.state, &ENV, &verified)?;
        ensure!(
            outcome.receipt.status == Status::Success,
            "suite setup: {what} ended with {} ({:?})",
            outcome.receipt.status,
            String::from_utf8_lossy(&outcome.receipt.return_data)
        );
        self.state.apply(&outcome.writes);
        Ok(())
    }

    fn set_up(&mut self) -> anyhow::Result<()> {
        let operator = self.operator.address();
        let supply = STARTING_BALANCE * (self.users.len() as u128 + 1);

        let (token, txs) = keyway_token::client::create(
            Self::artifact("token"),
            operator,
            self.operator_nonce,
            supply,
        );
        self.apps.token = token;
        for (kind, access) in txs {
            self.operator_tx(kind, access)?;
        }
        let (hotspot, txs) = keyway_hotspot::client::create(
            Self::artifact("hotspot"),
            operator,
            self.operator_nonce,
        );
        self.apps.hotspot = hotspot;
        for (kind, access) in txs {
            self.operator_tx(kind, access)?;
        }
        let (supply_chain, txs) = keyway_supply_chain::client::create(
            Self::artifact("supply-chain"),
            operator,
            self.operator_nonce,
            operator,
        );
        self.apps.supply_chain = supply_chain;
        for (kind, access) in txs {
            self.operator_tx(kind, access)?;
        }

        for user in 0..self.users.len() {
            let address = self.users[user].address();
            let (kind, access) =
                keyway_token::client::transfer(token, operator, address, STARTING_BALANCE);
            self.operator_tx(kind, access)?;
            // Every fourth user ships goods.
            if user % 4 == 0 {
                let (kind, access) =
                    keyway_supply_chain::client::set_shipper(supply_chain, address, true);
                self.operator_tx(kind, access)?;
            }
        }
        // Setup transactions advanced the users' nonces; blocks continue from there.
        Ok(())
    }

    /// Signs a block of `size` transactions (signing uses `threads`). Successive blocks
    /// continue the applications' story; run them in order against [`Suite::state`],
    /// applying each block's state diff before the next.
    pub fn block(&mut self, size: usize, threads: usize) -> Vec<SignedTransaction> {
        let planned: Vec<Planned> = (0..size).map(|_| self.plan_one()).collect();
        let signed: Vec<(usize, u64, &Planned)> = planned
            .iter()
            .map(|p| {
                let nonce = self.nonces[p.user];
                self.nonces[p.user] += 1;
                (p.user, nonce, p)
            })
            .collect();
        let users = &self.users;
        let sign = |&(user, nonce, planned): &(usize, u64, &Planned)| {
            let key = &users[user];
            key.sign(Transaction {
                chain_id: ENV.chain_id,
                sender: key.public_key(),
                nonce,
                kind: planned.kind.clone(),
                access_list: planned.access_list.clone(),
                gas_limit: TX_GAS,
            })
        };
        let chunk = signed.len().div_ceil(threads.max(1)).max(1);
        std::thread::scope(|scope| {
            let handles: Vec<_> = signed
                .chunks(chunk)
                .map(|part| scope.spawn(move || part.iter().map(sign).collect::<Vec<_>>()))
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("signing thread"))
                .collect()
        })
    }

    fn user(&mut self) -> usize {
        self.rng.below(self.users.len())
    }

    fn other_user(&mut self, not: usize) -> usize {
        let n = self.users.len();
        (not + 1 + self.rng.below(n - 1)) % n
    }

    fn plan_one(&mut self) -> Planned {
        if self.rng.unit() < self.options.hot_share {
            let user = self.user();
            let (kind, access_list) = keyway_hotspot::client::increment(self.apps.hotspot, 1);
            return Planned {
                user,
                kind,
                access_list,
            };
        }
        let mix = self.options.mix;
        let mut pick = self.rng.below(mix.total().max(1) as usize) as u32;
        if pick < mix.payments {
            return self.payment();
        }
        pick -= mix.payments;
        if pick < mix.supply_chain {
            return self.shipment_step();
        }
        self.counter()
    }

    fn payment(&mut self) -> Planned {
        let from = self.user();
        let to = self.other_user(from);
        let amount = 1 + self.rng.below(10_000) as u128;
        let (kind, access_list) = keyway_token::client::transfer(
            self.apps.token,
            self.users[from].address(),
            self.users[to].address(),
            amount,
        );
        Planned {
            user: from,
            kind,
            access_list,
        }
    }

    fn counter(&mut self) -> Planned {
        let user = self.user();
        let (kind, access_list) =
            keyway_hotspot::client::increment_own(self.apps.hotspot, self.users[user].address(), 1);
        Planned {
            user,
            kind,
            access_list,
        }
    }

    /// Advances a shipment in flight, or creates one (about one in three steps).
    fn shipment_step(&mut self) -> Planned {
        use keyway_supply_chain::client;
        let contract = self.apps.supply_chain;
        if self.shipments.is_empty() || self.rng.below(3) == 0 {
            let shipper = 4 * self.rng.below(self.users.len().div_ceil(4));
            let carrier = self.other_user(shipper);
            let receiver = self.other_user(carrier);
            let id = self.next_shipment;
            self.next_shipment += 1;
            self.shipments.push(Shipment {
                id,
                carrier,
                receiver,
                stage: Stage::Created,
            });
            let (kind, access_list) = client::create_shipment(
                contract,
                self.users[shipper].address(),
                id,
                self.users[carrier].address(),
                self.users[receiver].address(),
                "pallet of coffee",
            );
            return Planned {
                user: shipper,
                kind,
                access_list,
            };
        }
        let index = self.rng.below(self.shipments.len());
        let shipment = self.shipments[index];
        let (user, (kind, access_list), next) = match shipment.stage {
            Stage::Created => (
                shipment.carrier,
                client::pick_up(contract, shipment.id),
                Some(Stage::InTransit { checkpoints: 0 }),
            ),
            Stage::InTransit { checkpoints } if checkpoints < 3 => (
                shipment.carrier,
                client::checkpoint(contract, shipment.id, "port of Rotterdam"),
                Some(Stage::InTransit {
                    checkpoints: checkpoints + 1,
                }),
            ),
            Stage::InTransit { .. } => (
                shipment.carrier,
                client::deliver(contract, shipment.id),
                Some(Stage::Delivered),
            ),
            Stage::Delivered => (
                shipment.receiver,
                client::confirm_receipt(contract, shipment.id),
                None,
            ),
        };
        match next {
            Some(stage) => self.shipments[index].stage = stage,
            None => {
                self.shipments.swap_remove(index);
            }
        }
        Planned {
            user,
            kind,
            access_list,
        }
    }
}

/// A short description of a transaction kind, for setup errors.
fn describe(kind: &TxKind) -> String {
    match kind {
        TxKind::Deploy { code } => format!("deploying {} bytes", code.len()),
        TxKind::Instantiate { .. } => "instantiating".into(),
        TxKind::Call {
            contract, method, ..
        } => format!("{method} on {contract}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keyway_scheduler::{BlockOptions, execute_block};

    #[test]
    fn suite_blocks_succeed_and_agree_across_threads() {
        let options = SuiteOptions {
            users: 40,
            hot_share: 0.1,
            ..SuiteOptions::default()
        };
        let mut suite = Suite::new(options).unwrap();
        for _ in 0..2 {
            let block = suite.block(150, 2);
            let run = |threads| {
                execute_block(
                    &suite.runtime,
                    &suite.state,
                    &ENV,
                    &block,
                    &BlockOptions::with_threads(threads),
                )
                .unwrap()
            };
            let one = run(1);
            for r in &one.receipts {
                assert_eq!(r.status, Status::Success, "{r:?}");
            }
            for threads in [2, 3, 4] {
                let other = run(threads);
                assert_eq!(one.receipts, other.receipts);
                assert_eq!(one.state_diff, other.state_diff);
            }
            suite.state.apply(&one.state_diff);
        }
    }
}
