//! The realistic block generator: blocks that use the example contract suite the way its
//! applications would be used — stablecoin payments, NFT sales with royalties, swaps on a
//! constant-product pool, freelance escrow milestones, DAO votes and payouts, multisig
//! payments, supply-chain tracking and a contended counter. All but the last two pay
//! through the stablecoin with cross-contract calls.
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

use crate::workload::{SplitMix, as_received, map_in_parallel};

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
    (
        "nft",
        include_bytes!("../../example-contracts/artifacts/nft.wasm"),
    ),
    (
        "amm",
        include_bytes!("../../example-contracts/artifacts/amm.wasm"),
    ),
    (
        "escrow",
        include_bytes!("../../example-contracts/artifacts/escrow.wasm"),
    ),
    (
        "dao",
        include_bytes!("../../example-contracts/artifacts/dao.wasm"),
    ),
    (
        "multisig",
        include_bytes!("../../example-contracts/artifacts/multisig.wasm"),
    ),
];

/// DAO members: the first users.
const DAO_MEMBERS: usize = 5;
/// Multisig owners: the users after the DAO members, and the approvals a payment needs.
const MULTISIG_OWNERS: std::ops::Range<usize> = 5..8;
const MULTISIG_THRESHOLD: u32 = 2;
/// What users allow the pool, the marketplace and the escrow to move for them.
const ALLOWANCE: u128 = u128::MAX / 4;

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
    /// NFT marketplace: buy a listed NFT (royalty to its creator), or list one again.
    pub nft: u32,
    /// Swaps on the pool of the stablecoin and a second token (its reserves are one key
    /// every swap writes).
    pub amm: u32,
    /// Freelance jobs: create (funds the escrow), deliver and release milestones.
    pub escrow: u32,
    /// DAO treasury payouts: propose, vote, execute.
    pub dao: u32,
    /// Multisig payments: submit, approve, execute.
    pub multisig: u32,
    /// Supply-chain shipments: create, pick up, checkpoints, deliver, confirm.
    pub supply_chain: u32,
    /// Per-user counters on the hotspot contract (uncontended).
    pub counters: u32,
}

impl Default for Mix {
    fn default() -> Self {
        Mix {
            payments: 30,
            nft: 12,
            amm: 6,
            escrow: 8,
            dao: 6,
            multisig: 6,
            supply_chain: 12,
            counters: 5,
        }
    }
}

impl Mix {
    fn weights(&self) -> [u32; 8] {
        [
            self.payments,
            self.nft,
            self.amm,
            self.escrow,
            self.dao,
            self.multisig,
            self.supply_chain,
            self.counters,
        ]
    }

    fn total(&self) -> u32 {
        self.weights().iter().sum()
    }

    /// The applications' names, in the order of `weights`.
    pub const NAMES: [&'static str; 8] = [
        "payments",
        "nft",
        "amm",
        "escrow",
        "dao",
        "multisig",
        "supply-chain",
        "counters",
    ];

    /// Parses `name=weight,...` (names from [`Mix::NAMES`]); unnamed applications get 0.
    pub fn parse(text: &str) -> Result<Mix, String> {
        let mut weights = [0u32; 8];
        for part in text.split(',').filter(|p| !p.trim().is_empty()) {
            let (name, weight) = part
                .split_once('=')
                .ok_or_else(|| format!("`{part}`: expected name=weight"))?;
            let index = Self::NAMES
                .iter()
                .position(|n| *n == name.trim())
                .ok_or_else(|| {
                    format!(
                        "unknown application `{}` (known: {})",
                        name.trim(),
                        Self::NAMES.join(", ")
                    )
                })?;
            weights[index] = weight
                .trim()
                .parse()
                .map_err(|_| format!("`{part}`: the weight must be a whole number"))?;
        }
        let [
            payments,
            nft,
            amm,
            escrow,
            dao,
            multisig,
            supply_chain,
            counters,
        ] = weights;
        Ok(Mix {
            payments,
            nft,
            amm,
            escrow,
            dao,
            multisig,
            supply_chain,
            counters,
        })
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
    /// The NFT marketplace.
    pub nft: Address,
    /// The second token, paired with the stablecoin in the pool.
    pub token_b: Address,
    /// The pool.
    pub pool: keyway_amm::client::Pool,
    /// Freelance escrow.
    pub escrow: Address,
    /// The DAO (its treasury is in the stablecoin).
    pub dao: Address,
    /// The multisig wallet (it holds stablecoin).
    pub multisig: Address,
}

/// Where a shipment is in its lifecycle (the generator's model of the contract).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    Created,
    InTransit { checkpoints: u8 },
    Delivered,
}

/// An NFT as the generator knows it.
#[derive(Clone, Debug)]
struct Nft {
    id: u64,
    info: keyway_nft::TokenInfo,
    owner: usize,
    price: Option<u128>,
}

/// A freelance job in progress: the next milestone, and whether it is delivered.
#[derive(Clone, Copy, Debug)]
struct Job {
    id: u64,
    client: usize,
    freelancer: usize,
    milestone: u32,
    delivered: bool,
}

/// A DAO payout proposal collecting votes.
#[derive(Clone, Copy, Debug)]
struct Proposal {
    id: u64,
    to: usize,
    amount: u128,
    votes: usize,
}

/// A multisig payment collecting approvals.
#[derive(Clone, Copy, Debug)]
struct WalletPayment {
    id: u64,
    to: usize,
    amount: u128,
    approvals: u32,
}

/// The milestones of every generated job.
const JOB_MILESTONES: [u128; 2] = [500, 700];

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
    nfts: Vec<Nft>,
    jobs: Vec<Job>,
    proposals: Vec<Proposal>,
    payments: Vec<WalletPayment>,
    /// Ids for shipments, jobs, proposals and wallet payments (unique across them).
    next_id: u64,
}

/// One generated transaction before signing.
struct Planned {
    user: usize,
    kind: TxKind,
    access_list: AccessList,
}

impl Planned {
    /// `user` sends a client builder's call.
    fn new(user: usize, (kind, access_list): (TxKind, AccessList)) -> Self {
        Planned {
            user,
            kind,
            access_list,
        }
    }
}

impl Suite {
    /// Deploys the suite and sets up `options.users` users.
    pub fn new(options: SuiteOptions) -> anyhow::Result<Self> {
        ensure!(
            options.users >= MULTISIG_OWNERS.end,
            "the suite needs at least {} users",
            MULTISIG_OWNERS.end
        );
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
                nft: Address::default(),
                token_b: Address::default(),
                pool: keyway_amm::client::Pool {
                    address: Address::default(),
                    token_a: Address::default(),
                    token_b: Address::default(),
                },
                escrow: Address::default(),
                dao: Address::default(),
                multisig: Address::default(),
            },
            rng: SplitMix(options.seed),
            nonces: vec![0; options.users],
            options,
            operator,
            operator_nonce: 0,
            users,
            shipments: Vec::new(),
            nfts: Vec::new(),
            jobs: Vec::new(),
            proposals: Vec::new(),
            payments: Vec::new(),
            next_id: 1,
        };
        suite.set_up()?;
        // Load the suite's code into every engine shard now, as a node does at start-up,
        // so no measured block pays for it.
        for (name, code) in ARTIFACTS {
            suite
                .runtime
                .prepare(code)
                .with_context(|| format!("preparing {name}"))?;
        }
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

    /// Executes one setup transaction by `user` and applies it; it must succeed.
    fn user_setup_tx(
        &mut self,
        user: usize,
        (kind, access_list): (TxKind, AccessList),
    ) -> anyhow::Result<()> {
        let key = self.users[user].clone();
        let nonce = self.nonces[user];
        self.nonces[user] += 1;
        self.setup_tx(&key, nonce, kind, access_list)
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

    /// Runs a contract's two creation transactions; returns its address (or handle).
    fn create<A>(&mut self, (address, txs): (A, [(TxKind, AccessList); 2])) -> anyhow::Result<A> {
        for (kind, access) in txs {
            self.operator_tx(kind, access)?;
        }
        Ok(address)
    }

    fn set_up(&mut self) -> anyhow::Result<()> {
        use keyway_token::client as token;
        let operator = self.operator.address();
        let n = self.users.len();
        // The users' balances plus the pool's liquidity and the two treasuries.
        let supply = STARTING_BALANCE * (n as u128 + 100);

        let token_a = self.create(token::create(
            Self::artifact("token"),
            operator,
            self.operator_nonce,
            supply,
        ))?;
        self.apps.token = token_a;
        let token_b = self.create(token::create(
            Self::artifact("token"),
            operator,
            self.operator_nonce,
            supply,
        ))?;
        self.apps.token_b = token_b;
        let hotspot = self.create(keyway_hotspot::client::create(
            Self::artifact("hotspot"),
            operator,
            self.operator_nonce,
        ))?;
        self.apps.hotspot = hotspot;
        let supply_chain = self.create(keyway_supply_chain::client::create(
            Self::artifact("supply-chain"),
            operator,
            self.operator_nonce,
            operator,
        ))?;
        self.apps.supply_chain = supply_chain;
        let nft = self.create(keyway_nft::client::create(
            Self::artifact("nft"),
            operator,
            self.operator_nonce,
        ))?;
        self.apps.nft = nft;
        let pool = self.create(keyway_amm::client::create(
            Self::artifact("amm"),
            operator,
            self.operator_nonce,
            token_a,
            token_b,
        ))?;
        self.apps.pool = pool;
        let escrow = self.create(keyway_escrow::client::create(
            Self::artifact("escrow"),
            operator,
            self.operator_nonce,
        ))?;
        self.apps.escrow = escrow;
        let members: Vec<Address> = (0..DAO_MEMBERS).map(|i| self.users[i].address()).collect();
        let dao = self.create(keyway_dao::client::create(
            Self::artifact("dao"),
            operator,
            self.operator_nonce,
            token_a,
            &members,
        ))?;
        self.apps.dao = dao;
        let owners: Vec<Address> = MULTISIG_OWNERS.map(|i| self.users[i].address()).collect();
        let multisig = self.create(keyway_multisig::client::create(
            Self::artifact("multisig"),
            operator,
            self.operator_nonce,
            &owners,
            MULTISIG_THRESHOLD,
        ))?;
        self.apps.multisig = multisig;

        // Liquidity for the pool, and the treasuries.
        let liquidity = STARTING_BALANCE * 40;
        for t in [token_a, token_b] {
            let (kind, access) = token::approve(t, operator, pool.address, liquidity);
            self.operator_tx(kind, access)?;
        }
        let (kind, access) = pool.add_liquidity(operator, liquidity, liquidity, 0);
        self.operator_tx(kind, access)?;
        for wallet in [dao, multisig] {
            let (kind, access) = token::transfer(token_a, operator, wallet, STARTING_BALANCE * 10);
            self.operator_tx(kind, access)?;
        }

        for user in 0..n {
            let address = self.users[user].address();
            for t in [token_a, token_b] {
                let (kind, access) = token::transfer(t, operator, address, STARTING_BALANCE);
                self.operator_tx(kind, access)?;
            }
            // Every fourth user ships goods.
            if user % 4 == 0 {
                let (kind, access) =
                    keyway_supply_chain::client::set_shipper(supply_chain, address, true);
                self.operator_tx(kind, access)?;
            }
            for (t, spender) in [
                (token_a, pool.address),
                (token_b, pool.address),
                (token_a, nft),
                (token_a, escrow),
            ] {
                self.user_setup_tx(user, token::approve(t, address, spender, ALLOWANCE))?;
            }
            // Every user creates an NFT with a 5% royalty and offers it for sale.
            let id = user as u64;
            let info = keyway_nft::TokenInfo {
                creator: address,
                royalty_bps: 500,
                uri: format!("ipfs://suite/{id}"),
            };
            self.user_setup_tx(
                user,
                keyway_nft::client::mint(nft, id, info.royalty_bps, &info.uri),
            )?;
            let price = 1_000 + self.rng.below(4_000) as u128;
            let listing = keyway_nft::Listing {
                payment_token: token_a,
                price,
            };
            self.user_setup_tx(user, keyway_nft::client::list(nft, id, &listing))?;
            self.nfts.push(Nft {
                id,
                info,
                owner: user,
                price: Some(price),
            });
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
        as_received(map_in_parallel(&signed, threads, sign))
    }

    fn user(&mut self) -> usize {
        self.rng.below(self.users.len())
    }

    fn other_user(&mut self, not: usize) -> usize {
        let n = self.users.len();
        (not + 1 + self.rng.below(n - 1)) % n
    }

    fn plan_one(&mut self) -> Planned {
        // With every weight 0, all traffic is hot.
        if self.rng.unit() < self.options.hot_share || self.options.mix.total() == 0 {
            let user = self.user();
            return Planned::new(
                user,
                keyway_hotspot::client::increment(self.apps.hotspot, 1),
            );
        }
        let weights = self.options.mix.weights();
        let mut pick = self.rng.below(self.options.mix.total().max(1) as usize) as u32;
        let app = weights
            .iter()
            .position(|&w| {
                if pick < w {
                    true
                } else {
                    pick -= w;
                    false
                }
            })
            .unwrap_or(weights.len() - 1);
        match app {
            0 => self.payment(),
            1 => self.nft_step(),
            2 => self.swap(),
            3 => self.job_step(),
            4 => self.proposal_step(),
            5 => self.wallet_step(),
            6 => self.shipment_step(),
            _ => self.counter(),
        }
    }

    fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Buys a listed NFT (the royalty goes to its creator), or lists one again.
    fn nft_step(&mut self) -> Planned {
        use keyway_nft::{Listing, client};
        let index = self.rng.below(self.nfts.len());
        let nft = self.nfts[index].clone();
        let contract = self.apps.nft;
        let token = self.apps.token;
        match nft.price {
            Some(price) => {
                let buyer = self.other_user(nft.owner);
                let listing = Listing {
                    payment_token: token,
                    price,
                };
                let (kind, access_list) = client::buy(
                    contract,
                    self.users[buyer].address(),
                    nft.id,
                    self.users[nft.owner].address(),
                    &nft.info,
                    &listing,
                );
                self.nfts[index].owner = buyer;
                self.nfts[index].price = None;
                Planned::new(buyer, (kind, access_list))
            }
            None => {
                let price = 1_000 + self.rng.below(4_000) as u128;
                let listing = Listing {
                    payment_token: token,
                    price,
                };
                self.nfts[index].price = Some(price);
                Planned::new(nft.owner, client::list(contract, nft.id, &listing))
            }
        }
    }

    /// Swaps a small amount of either token (no slippage limit: the pool is deep).
    fn swap(&mut self) -> Planned {
        let user = self.user();
        let pool = self.apps.pool;
        let token_in = if self.rng.below(2) == 0 {
            pool.token_a
        } else {
            pool.token_b
        };
        let amount = 1_000 + self.rng.below(9_000) as u128;
        Planned::new(
            user,
            pool.swap(self.users[user].address(), token_in, amount, 1),
        )
    }

    /// Creates a job, or moves one on: the freelancer delivers, the client releases.
    fn job_step(&mut self) -> Planned {
        use keyway_escrow::client;
        let (escrow, token) = (self.apps.escrow, self.apps.token);
        if self.jobs.is_empty() || self.rng.below(3) == 0 {
            let client_user = self.user();
            let freelancer = self.other_user(client_user);
            let mut arbiter = self.other_user(freelancer);
            if arbiter == client_user {
                arbiter = self.other_user(arbiter);
            }
            let id = self.id();
            self.jobs.push(Job {
                id,
                client: client_user,
                freelancer,
                milestone: 0,
                delivered: false,
            });
            return Planned::new(
                client_user,
                client::create_job(
                    escrow,
                    self.users[client_user].address(),
                    id,
                    self.users[freelancer].address(),
                    self.users[arbiter].address(),
                    token,
                    &JOB_MILESTONES,
                    ENV.time + 30 * 24 * 3600,
                ),
            );
        }
        let index = self.rng.below(self.jobs.len());
        let job = self.jobs[index];
        if !job.delivered {
            self.jobs[index].delivered = true;
            return Planned::new(
                job.freelancer,
                client::mark_delivered(escrow, job.id, job.milestone),
            );
        }
        let freelancer = self.users[job.freelancer].address();
        let (kind, access_list) = client::release(escrow, token, freelancer, job.id, job.milestone);
        if job.milestone + 1 == JOB_MILESTONES.len() as u32 {
            self.jobs.swap_remove(index);
        } else {
            self.jobs[index].milestone += 1;
            self.jobs[index].delivered = false;
        }
        Planned::new(job.client, (kind, access_list))
    }

    /// Proposes a treasury payout, votes on one, or executes one that has a majority.
    fn proposal_step(&mut self) -> Planned {
        use keyway_dao::client;
        let dao = self.apps.dao;
        let majority = DAO_MEMBERS / 2 + 1;
        if self.proposals.is_empty() || self.rng.below(4) == 0 {
            let proposer = self.rng.below(DAO_MEMBERS);
            let to = self.user();
            let amount = 1 + self.rng.below(1_000) as u128;
            let id = self.id();
            self.proposals.push(Proposal {
                id,
                to,
                amount,
                votes: 0,
            });
            return Planned::new(
                proposer,
                client::propose(
                    dao,
                    self.users[proposer].address(),
                    id,
                    self.users[to].address(),
                    amount,
                    ENV.time + 7 * 24 * 3600,
                ),
            );
        }
        let index = self.rng.below(self.proposals.len());
        let proposal = self.proposals[index];
        if proposal.votes < majority {
            // Members vote in order, so nobody votes twice.
            let voter = proposal.votes;
            self.proposals[index].votes += 1;
            return Planned::new(
                voter,
                client::vote(dao, self.users[voter].address(), proposal.id, true),
            );
        }
        self.proposals.swap_remove(index);
        let action = keyway_dao::Action::Payout {
            to: self.users[proposal.to].address(),
            amount: proposal.amount,
        };
        Planned::new(
            self.user(),
            client::execute(dao, self.apps.token, proposal.id, &action),
        )
    }

    /// Submits a wallet payment, approves one, or executes one with enough approvals.
    fn wallet_step(&mut self) -> Planned {
        use keyway_multisig::client;
        let (wallet, token) = (self.apps.multisig, self.apps.token);
        let owner = |k: u32| MULTISIG_OWNERS.start + k as usize;
        if self.payments.is_empty() || self.rng.below(3) == 0 {
            let to = self.user();
            let amount = 1 + self.rng.below(1_000) as u128;
            let id = self.id();
            self.payments.push(WalletPayment {
                id,
                to,
                amount,
                approvals: 0,
            });
            let (inner, _) =
                keyway_token::client::transfer(token, wallet, self.users[to].address(), amount);
            let submitter = owner(0);
            return Planned::new(
                submitter,
                client::submit_call(wallet, self.users[submitter].address(), id, &inner),
            );
        }
        let index = self.rng.below(self.payments.len());
        let payment = self.payments[index];
        if payment.approvals < MULTISIG_THRESHOLD {
            let approver = owner(payment.approvals);
            self.payments[index].approvals += 1;
            return Planned::new(
                approver,
                client::approve(wallet, self.users[approver].address(), payment.id),
            );
        }
        self.payments.swap_remove(index);
        let (_, inner) = keyway_token::client::transfer(
            token,
            wallet,
            self.users[payment.to].address(),
            payment.amount,
        );
        let executor = owner(0);
        Planned::new(
            executor,
            client::execute(wallet, self.users[executor].address(), payment.id, &inner),
        )
    }

    fn payment(&mut self) -> Planned {
        let from = self.user();
        let to = self.other_user(from);
        let amount = 1 + self.rng.below(10_000) as u128;
        Planned::new(
            from,
            keyway_token::client::transfer(
                self.apps.token,
                self.users[from].address(),
                self.users[to].address(),
                amount,
            ),
        )
    }

    fn counter(&mut self) -> Planned {
        let user = self.user();
        Planned::new(
            user,
            keyway_hotspot::client::increment_own(self.apps.hotspot, self.users[user].address(), 1),
        )
    }

    /// Advances a shipment in flight, or creates one (about one in three steps).
    fn shipment_step(&mut self) -> Planned {
        use keyway_supply_chain::client;
        let contract = self.apps.supply_chain;
        if self.shipments.is_empty() || self.rng.below(3) == 0 {
            let shipper = 4 * self.rng.below(self.users.len().div_ceil(4));
            let carrier = self.other_user(shipper);
            let receiver = self.other_user(carrier);
            let id = self.id();
            self.shipments.push(Shipment {
                id,
                carrier,
                receiver,
                stage: Stage::Created,
            });
            return Planned::new(
                shipper,
                client::create_shipment(
                    contract,
                    self.users[shipper].address(),
                    id,
                    self.users[carrier].address(),
                    self.users[receiver].address(),
                    "pallet of coffee",
                ),
            );
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
        Planned::new(user, (kind, access_list))
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
    fn mixes_parse_by_name() {
        let mix = Mix::parse("payments=3, nft=1,supply-chain=2").unwrap();
        assert_eq!(mix.weights(), [3, 1, 0, 0, 0, 0, 2, 0]);
        assert!(
            Mix::parse("lottery=1")
                .unwrap_err()
                .contains("unknown application")
        );
        assert!(Mix::parse("nft").is_err());
        assert!(Mix::parse("nft=-1").is_err());
    }

    #[test]
    fn suite_blocks_succeed_and_agree_across_threads() {
        let options = SuiteOptions {
            users: 40,
            hot_share: 0.1,
            ..SuiteOptions::default()
        };
        let mut suite = Suite::new(options).unwrap();
        let apps = suite.apps;
        let mut called = std::collections::BTreeSet::new();
        for _ in 0..2 {
            let block = suite.block(150, 2);
            for signed in &block {
                if let TxKind::Call {
                    contract, method, ..
                } = &signed.tx.kind
                {
                    called.insert((*contract, method.clone()));
                }
            }
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
        // Every application's main flow took part.
        for (contract, method) in [
            (apps.token, "transfer"),
            (apps.nft, "buy"),
            (apps.pool.address, "swap"),
            (apps.escrow, "release"),
            (apps.dao, "execute"),
            (apps.multisig, "execute"),
            (apps.supply_chain, "pick_up"),
            (apps.hotspot, "increment"),
        ] {
            assert!(
                called.contains(&(contract, method.to_string())),
                "no {method} on {contract}"
            );
        }
    }
}
