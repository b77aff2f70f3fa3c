//! Freelance escrow: a client funds a job's milestones in a token up front, the freelancer
//! delivers them, the client releases the payments, an arbiter settles disputes, and
//! what was never delivered goes back to the client after the deadline.
//!
//! # Roles and lifecycle
//!
//! - The **client** (the sender of `create_job`) names the **freelancer**, the
//!   **arbiter**, the **token** the job is paid in, the milestone amounts and a
//!   **deadline** (block time, seconds). The three parties are distinct accounts. The
//!   escrow takes the total from the client at once with the token's `transfer_from`, so
//!   the client first approves the escrow contract for at least the total.
//! - Job ids are chosen by the client rather than counted by the contract, so that a
//!   client knows every key a creation touches before sending it.
//! - Each milestone moves on its own:
//!
//! | from | method (who) | to |
//! | --- | --- | --- |
//! | `Funded` | `mark_delivered` (freelancer, before the deadline) | `Delivered` |
//! | `Funded` or `Delivered` | `release` (client; paying ahead of delivery is its choice) | `Released` |
//! | `Delivered` | `dispute` (client or freelancer) | `Disputed` |
//! | `Disputed` | `resolve` (arbiter) | `Released` (`to_freelancer`) or `Refunded` |
//! | `Funded` | `refund` (client, from the deadline on; every such milestone at once) | `Refunded` |
//!
//! `Released` pays the milestone to the freelancer and `Refunded` to the client, with the
//! token's `transfer` from the escrow's own balance. A delivered milestone is the
//! freelancer's claim: the client cannot take it back after the deadline, only release it
//! or dispute it.
//!
//! # Methods
//!
//! Arguments are the borsh encoding of the parameter tuple; return values are borsh.
//! A failing method reverts with an [`EscrowError`] code and changes nothing. A failed
//! token call ends the method with the token's own status, so its revert codes (1 for an
//! insufficient balance, 2 for an insufficient allowance) reach the receipt unchanged;
//! this contract's codes start at 101 so that the two never mix. Checks run in this
//! order: the arguments, then the job's existence, the sender's role, the milestone's
//! index, its state and the deadline (`refund`: the deadline, then whether anything is
//! left to refund).
//!
//! | method | escrow keys | token keys (in the token's namespace) |
//! | --- | --- | --- |
//! | `create_job(id: u64, freelancer, arbiter, token, milestones: Vec<u128>, deadline: u64) -> Result<(), _>` (client) | writes job(id) | writes allowance(client, escrow), balance(client), balance(escrow) |
//! | `mark_delivered(id, milestone: u32) -> Result<(), _>` (freelancer) | writes job(id) | |
//! | `release(id, milestone) -> Result<(), _>` (client) | writes job(id) | writes balance(escrow), balance(freelancer) |
//! | `dispute(id, milestone) -> Result<(), _>` (client or freelancer) | writes job(id) | |
//! | `resolve(id, milestone, to_freelancer: bool) -> Result<(), _>` (arbiter) | writes job(id) | writes balance(escrow), balance(payee) |
//! | `refund(id) -> Result<u128, _>` (client; returns the amount) | writes job(id) | writes balance(escrow), balance(client) |
//! | `get_job(id) -> Option<Job>` | reads job(id) | |
//! | `held(id) -> u128` (what the escrow still holds for the job) | reads job(id) | |
//!
//! [`client`] builds each call with its exact access list, token keys included.
//!
//! # Storage layout
//!
//! | what | key | value |
//! | --- | --- | --- |
//! | job `id` | `b"j"` ++ `id` (u64 LE, 9 bytes) | borsh [`Job`] |
//!
//! A job keeps its milestones in its own record (at most [`MAX_MILESTONES`]): every
//! method touches one escrow key, and jobs never conflict with each other.
//!
//! # Events
//!
//! [`JobCreated`] (topic `b"job_created"`), [`Delivered`] (`b"delivered"`), [`Released`]
//! (`b"released"`), [`Disputed`] (`b"disputed"`), [`Resolved`] (`b"resolved"`) and
//! [`Refunded`] (`b"refunded"`), borsh-encoded; the token's own `transfer` events
//! accompany every payment.
#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

use alloc::vec::Vec;

use borsh::{BorshDeserialize, BorshSerialize};
use keyway_sdk::{Address, ContractError, Event, Map, emit_event, env, method};
use keyway_token::ext as token;

/// Jobs by id.
pub const JOBS: Map<u64, Job> = Map::new(b"j");

/// The most milestones a job has: it bounds the job record, and with it the gas of
/// reading and rewriting it on every step.
pub const MAX_MILESTONES: usize = 16;

/// The exact storage keys, for building access lists.
pub mod keys {
    use alloc::vec::Vec;

    /// The key of job `id`.
    pub fn job(id: u64) -> Vec<u8> {
        super::JOBS.key(&id)
    }
}

/// Why an escrow method reverted; the discriminant is the revert code. Codes start at 101:
/// 1 to 100 are left to the token, whose failures pass through unchanged.
#[derive(ContractError, Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum EscrowError {
    /// The sender is not the job's party the method needs (client, freelancer, arbiter).
    Unauthorized = 101,
    /// The milestone is not in a state the method moves it from.
    WrongState = 102,
    /// No job has this id.
    UnknownJob = 103,
    /// A job with this id already exists (whatever its state).
    AlreadyExists = 104,
    /// `refund` before the job's deadline.
    DeadlineNotReached = 105,
    /// `mark_delivered` once the job's deadline is reached.
    DeadlinePassed = 106,
    /// The job has no milestone with this index.
    UnknownMilestone = 107,
    /// No milestones, more than [`MAX_MILESTONES`], a zero amount, or a total above
    /// `u128::MAX`.
    InvalidMilestones = 108,
    /// The deadline is not after the current block time.
    InvalidDeadline = 109,
    /// Client, freelancer and arbiter are not three distinct accounts.
    InvalidParties = 110,
    /// `refund` found no funded (undelivered) milestone.
    NothingToRefund = 111,
}

/// Where a milestone is. Encoded as one byte: the variant's position in this list, so
/// new states may only be appended.
#[derive(BorshSerialize, BorshDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum MilestoneState {
    /// Paid into the escrow, not delivered yet.
    Funded,
    /// The freelancer says it is delivered; the client releases or disputes it.
    Delivered,
    /// The client or the freelancer disputes it; the arbiter decides.
    Disputed,
    /// Paid to the freelancer. Final.
    Released,
    /// Paid back to the client. Final.
    Refunded,
}

impl MilestoneState {
    /// True while the escrow still holds the milestone's amount.
    pub fn is_held(self) -> bool {
        matches!(
            self,
            MilestoneState::Funded | MilestoneState::Delivered | MilestoneState::Disputed
        )
    }
}

/// One payment of a job.
#[derive(BorshSerialize, BorshDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Milestone {
    /// What it pays, in the job's token.
    pub amount: u128,
    /// Where it is.
    pub state: MilestoneState,
}

/// A job record.
#[derive(BorshSerialize, BorshDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct Job {
    /// Who funded it; releases milestones and gets refunds.
    pub client: Address,
    /// Who delivers the milestones and is paid for them.
    pub freelancer: Address,
    /// Who settles disputes.
    pub arbiter: Address,
    /// The token contract the job is paid in.
    pub token: Address,
    /// The block time (seconds) from which nothing more may be delivered and the client
    /// may take back what was not.
    pub deadline: u64,
    /// The milestones, in the order the client listed them (indices from 0).
    pub milestones: Vec<Milestone>,
}

impl Job {
    /// What the escrow still holds for the job.
    pub fn held(&self) -> u128 {
        // Cannot overflow: the amounts summed to at most u128::MAX at creation.
        self.milestones
            .iter()
            .filter(|milestone| milestone.state.is_held())
            .map(|milestone| milestone.amount)
            .sum()
    }
}

/// The client created job `id` and paid `total` into the escrow.
#[derive(BorshSerialize, BorshDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct JobCreated {
    /// The job's id.
    pub id: u64,
    /// The client (the sender).
    pub client: Address,
    /// The freelancer.
    pub freelancer: Address,
    /// The arbiter.
    pub arbiter: Address,
    /// The token paid in.
    pub token: Address,
    /// The milestone amounts.
    pub milestones: Vec<u128>,
    /// The deadline.
    pub deadline: u64,
}

impl Event for JobCreated {
    const TOPIC: &'static [u8] = b"job_created";
}

/// The freelancer delivered milestone `milestone` of job `id`.
#[derive(BorshSerialize, BorshDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Delivered {
    /// The job's id.
    pub id: u64,
    /// The milestone's index.
    pub milestone: u32,
}

impl Event for Delivered {
    const TOPIC: &'static [u8] = b"delivered";
}

/// The client released milestone `milestone` of job `id`: `amount` went to the freelancer.
#[derive(BorshSerialize, BorshDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Released {
    /// The job's id.
    pub id: u64,
    /// The milestone's index.
    pub milestone: u32,
    /// What the freelancer was paid.
    pub amount: u128,
}

impl Event for Released {
    const TOPIC: &'static [u8] = b"released";
}

/// `by` disputed milestone `milestone` of job `id`.
#[derive(BorshSerialize, BorshDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Disputed {
    /// The job's id.
    pub id: u64,
    /// The milestone's index.
    pub milestone: u32,
    /// The client or the freelancer.
    pub by: Address,
}

impl Event for Disputed {
    const TOPIC: &'static [u8] = b"disputed";
}

/// The arbiter settled milestone `milestone` of job `id`: `amount` went to the freelancer
/// (`to_freelancer`) or back to the client.
#[derive(BorshSerialize, BorshDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Resolved {
    /// The job's id.
    pub id: u64,
    /// The milestone's index.
    pub milestone: u32,
    /// Who won.
    pub to_freelancer: bool,
    /// What was paid.
    pub amount: u128,
}

impl Event for Resolved {
    const TOPIC: &'static [u8] = b"resolved";
}

/// The client took back `amount`: every milestone of job `id` still `Funded` at the
/// deadline.
#[derive(BorshSerialize, BorshDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refunded {
    /// The job's id.
    pub id: u64,
    /// What went back to the client.
    pub amount: u128,
}

impl Event for Refunded {
    const TOPIC: &'static [u8] = b"refunded";
}

/// The party of a job a method requires the sender to be.
#[derive(Clone, Copy)]
enum Role {
    Client,
    Freelancer,
    Arbiter,
}

impl Job {
    fn party(&self, role: Role) -> Address {
        match role {
            Role::Client => self.client,
            Role::Freelancer => self.freelancer,
            Role::Arbiter => self.arbiter,
        }
    }
}

/// Creates job `id`, funded by the sender (the client) with the sum of `milestones`,
/// which the escrow takes with the token's `transfer_from` (the client must have approved
/// the escrow for it). Every milestone starts `Funded`.
#[method]
pub fn create_job(
    id: u64,
    freelancer: Address,
    arbiter: Address,
    token: Address,
    milestones: Vec<u128>,
    deadline: u64,
) -> Result<(), EscrowError> {
    if milestones.is_empty() || milestones.len() > MAX_MILESTONES || milestones.contains(&0) {
        return Err(EscrowError::InvalidMilestones);
    }
    let total = milestones
        .iter()
        .try_fold(0u128, |sum, amount| sum.checked_add(*amount))
        .ok_or(EscrowError::InvalidMilestones)?;
    if deadline <= env::block_time() {
        return Err(EscrowError::InvalidDeadline);
    }
    let client = env::sender();
    if client == freelancer || client == arbiter || freelancer == arbiter {
        return Err(EscrowError::InvalidParties);
    }
    if JOBS.contains(&id) {
        return Err(EscrowError::AlreadyExists);
    }
    let job = Job {
        client,
        freelancer,
        arbiter,
        token,
        deadline,
        milestones: milestones
            .iter()
            .map(|&amount| Milestone {
                amount,
                state: MilestoneState::Funded,
            })
            .collect(),
    };
    // Written before the token call (checks, effects, then the interaction): if the
    // token fails, this call ends with the token's status and the write is undone.
    JOBS.set(&id, &job);
    token::transfer_from(&token, &client, &env::self_address(), total);
    emit_event(&JobCreated {
        id,
        client,
        freelancer,
        arbiter,
        token,
        milestones,
        deadline,
    });
    Ok(())
}

/// The freelancer says milestone `milestone` of job `id` is delivered: `Funded` →
/// `Delivered`, only before the deadline.
#[method]
pub fn mark_delivered(id: u64, milestone: u32) -> Result<(), EscrowError> {
    let mut job = job_for(id, &[Role::Freelancer])?;
    let deadline = job.deadline;
    let entry = milestone_of(&mut job, milestone)?;
    if entry.state != MilestoneState::Funded {
        return Err(EscrowError::WrongState);
    }
    if env::block_time() >= deadline {
        return Err(EscrowError::DeadlinePassed);
    }
    entry.state = MilestoneState::Delivered;
    JOBS.set(&id, &job);
    emit_event(&Delivered { id, milestone });
    Ok(())
}

/// The client pays milestone `milestone` of job `id` to the freelancer: `Funded` or
/// `Delivered` → `Released` (a client may pay before delivery).
#[method]
pub fn release(id: u64, milestone: u32) -> Result<(), EscrowError> {
    let mut job = job_for(id, &[Role::Client])?;
    let entry = milestone_of(&mut job, milestone)?;
    if !matches!(
        entry.state,
        MilestoneState::Funded | MilestoneState::Delivered
    ) {
        return Err(EscrowError::WrongState);
    }
    entry.state = MilestoneState::Released;
    let amount = entry.amount;
    JOBS.set(&id, &job);
    token::transfer(&job.token, &job.freelancer, amount);
    emit_event(&Released {
        id,
        milestone,
        amount,
    });
    Ok(())
}

/// The client or the freelancer disputes delivered milestone `milestone` of job `id`:
/// `Delivered` → `Disputed`, for the arbiter to settle.
#[method]
pub fn dispute(id: u64, milestone: u32) -> Result<(), EscrowError> {
    let mut job = job_for(id, &[Role::Client, Role::Freelancer])?;
    let entry = milestone_of(&mut job, milestone)?;
    if entry.state != MilestoneState::Delivered {
        return Err(EscrowError::WrongState);
    }
    entry.state = MilestoneState::Disputed;
    JOBS.set(&id, &job);
    emit_event(&Disputed {
        id,
        milestone,
        by: env::sender(),
    });
    Ok(())
}

/// The arbiter settles disputed milestone `milestone` of job `id`: paid to the freelancer
/// (`to_freelancer`, → `Released`) or back to the client (→ `Refunded`).
#[method]
pub fn resolve(id: u64, milestone: u32, to_freelancer: bool) -> Result<(), EscrowError> {
    let mut job = job_for(id, &[Role::Arbiter])?;
    let (state, payee) = if to_freelancer {
        (MilestoneState::Released, job.freelancer)
    } else {
        (MilestoneState::Refunded, job.client)
    };
    let entry = milestone_of(&mut job, milestone)?;
    if entry.state != MilestoneState::Disputed {
        return Err(EscrowError::WrongState);
    }
    entry.state = state;
    let amount = entry.amount;
    JOBS.set(&id, &job);
    token::transfer(&job.token, &payee, amount);
    emit_event(&Resolved {
        id,
        milestone,
        to_freelancer,
        amount,
    });
    Ok(())
}

/// Once job `id`'s deadline is reached, the client takes back every milestone still
/// `Funded` (never delivered): → `Refunded`. Returns the amount refunded.
#[method]
pub fn refund(id: u64) -> Result<u128, EscrowError> {
    let mut job = job_for(id, &[Role::Client])?;
    if env::block_time() < job.deadline {
        return Err(EscrowError::DeadlineNotReached);
    }
    let mut amount = 0u128;
    for milestone in &mut job.milestones {
        if milestone.state == MilestoneState::Funded {
            milestone.state = MilestoneState::Refunded;
            // Cannot overflow: a part of the total, which fit in a u128 at creation.
            amount += milestone.amount;
        }
    }
    if amount == 0 {
        return Err(EscrowError::NothingToRefund);
    }
    JOBS.set(&id, &job);
    token::transfer(&job.token, &job.client, amount);
    emit_event(&Refunded { id, amount });
    Ok(amount)
}

/// Job `id`, or `None` when there is none.
#[method]
pub fn get_job(id: u64) -> Option<Job> {
    JOBS.get(&id)
}

/// What the escrow still holds for job `id` (`Funded`, `Delivered` and `Disputed`
/// milestones); 0 for an unknown job.
#[method]
pub fn held(id: u64) -> u128 {
    JOBS.get(&id).map_or(0, |job| job.held())
}

/// Job `id`, if the sender is its party in one of `roles`.
fn job_for(id: u64, roles: &[Role]) -> Result<Job, EscrowError> {
    let job = JOBS.get(&id).ok_or(EscrowError::UnknownJob)?;
    let sender = env::sender();
    if !roles.iter().any(|&role| job.party(role) == sender) {
        return Err(EscrowError::Unauthorized);
    }
    Ok(job)
}

/// Milestone `index` of `job`.
fn milestone_of(job: &mut Job, index: u32) -> Result<&mut Milestone, EscrowError> {
    job.milestones
        .get_mut(index as usize)
        .ok_or(EscrowError::UnknownMilestone)
}

#[cfg(test)]
mod tests;

/// Client-side builders (native only): the transaction kind and the exact access list of
/// each call, escrow and token keys, from the same key functions the contracts use.
#[cfg(not(target_arch = "wasm32"))]
pub mod client {
    use alloc::vec;

    use keyway_sdk::client::{access, call, deploy_and_instantiate, encode, view};
    use keyway_sdk::host_api::TxKind;
    use keyway_sdk::{AccessList, Address};
    use keyway_token::keys as token_keys;

    use super::keys;

    /// Job `id` written in the escrow's namespace, plus the token keys the call's nested
    /// token call writes.
    fn job_access(escrow: Address, id: u64, token_writes: AccessList) -> AccessList {
        let mut list = access(escrow, vec![], vec![keys::job(id)]);
        list.merge(token_writes);
        list
    }

    /// What a transfer of the escrow's own `token`s to `payee` writes: both balances.
    fn payout(escrow: Address, token: Address, payee: Address) -> AccessList {
        let writes = vec![token_keys::balance(&escrow), token_keys::balance(&payee)];
        access(token, vec![], writes)
    }

    /// The escrow has no `init`: deploying `code` and instantiating it by `creator`, whose
    /// next nonce is `nonce`, creates it. Returns its address with the two transactions
    /// (sign them with nonces `nonce` and `nonce + 1`).
    pub fn create(
        code: &[u8],
        creator: Address,
        nonce: u64,
    ) -> (Address, [(TxKind, AccessList); 2]) {
        deploy_and_instantiate(code, creator, nonce, vec![], |_| AccessList::default())
    }

    /// `client` creates job `id`, paying the sum of `milestones` of `token` into the
    /// escrow (after approving the escrow for it).
    // The method's six arguments plus the two addresses every builder takes.
    #[allow(clippy::too_many_arguments)]
    pub fn create_job(
        escrow: Address,
        client: Address,
        id: u64,
        freelancer: Address,
        arbiter: Address,
        token: Address,
        milestones: &[u128],
        deadline: u64,
    ) -> (TxKind, AccessList) {
        let token_writes = vec![
            token_keys::allowance(&client, &escrow),
            token_keys::balance(&client),
            token_keys::balance(&escrow),
        ];
        (
            call(
                escrow,
                "create_job",
                encode((id, freelancer, arbiter, token, milestones, deadline)),
            ),
            job_access(escrow, id, access(token, vec![], token_writes)),
        )
    }

    /// The freelancer marks milestone `milestone` of job `id` delivered.
    pub fn mark_delivered(escrow: Address, id: u64, milestone: u32) -> (TxKind, AccessList) {
        (
            call(escrow, "mark_delivered", encode((id, milestone))),
            job_access(escrow, id, AccessList::default()),
        )
    }

    /// The client releases milestone `milestone` of job `id`, paid in `token` to
    /// `freelancer`.
    pub fn release(
        escrow: Address,
        token: Address,
        freelancer: Address,
        id: u64,
        milestone: u32,
    ) -> (TxKind, AccessList) {
        (
            call(escrow, "release", encode((id, milestone))),
            job_access(escrow, id, payout(escrow, token, freelancer)),
        )
    }

    /// The client or the freelancer disputes milestone `milestone` of job `id`.
    pub fn dispute(escrow: Address, id: u64, milestone: u32) -> (TxKind, AccessList) {
        (
            call(escrow, "dispute", encode((id, milestone))),
            job_access(escrow, id, AccessList::default()),
        )
    }

    /// The arbiter settles milestone `milestone` of job `id`, paying `payee` (the
    /// freelancer when `to_freelancer`, else the client) in `token`.
    pub fn resolve(
        escrow: Address,
        token: Address,
        payee: Address,
        id: u64,
        milestone: u32,
        to_freelancer: bool,
    ) -> (TxKind, AccessList) {
        (
            call(escrow, "resolve", encode((id, milestone, to_freelancer))),
            job_access(escrow, id, payout(escrow, token, payee)),
        )
    }

    /// `client` takes back job `id`'s undelivered milestones, paid in `token`.
    pub fn refund(
        escrow: Address,
        token: Address,
        client: Address,
        id: u64,
    ) -> (TxKind, AccessList) {
        (
            call(escrow, "refund", encode(id)),
            job_access(escrow, id, payout(escrow, token, client)),
        )
    }

    /// Reads job `id`.
    pub fn get_job(escrow: Address, id: u64) -> (TxKind, AccessList) {
        view(escrow, "get_job", encode(id), vec![keys::job(id)])
    }

    /// Reads what the escrow holds for job `id`.
    pub fn held(escrow: Address, id: u64) -> (TxKind, AccessList) {
        view(escrow, "held", encode(id), vec![keys::job(id)])
    }
}
