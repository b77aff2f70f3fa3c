//! A member DAO: members propose payouts from a token treasury (the DAO contract's own
//! balance of one token) and new members, vote once each, and a majority of the members
//! carries a proposal.
//!
//! # Rules
//!
//! - The members and the treasury token are set at instantiation; there is no admin.
//!   Members are only ever added, by a passed `AddMember` proposal. Anyone funds the
//!   treasury by transferring the token to the DAO's address.
//! - A member proposes, under an id of its choosing (so that a client knows every key the
//!   call touches), a [`Action::Payout`] of the treasury or an [`Action::AddMember`],
//!   with a voting deadline (block time, seconds).
//! - Each member votes once, yes or no, before the deadline and while the proposal is not
//!   executed. Members added later may vote on proposals still open.
//! - A proposal **passes** when more than half of the current members voted yes
//!   (`yes > members / 2`). Anyone may then execute it, before the deadline or after it:
//!   a payout is paid with the token's `transfer` from the DAO's balance, a new member is
//!   added. A proposal without a majority when its deadline is reached can never pass.
//! - A payout the treasury cannot cover fails with the token's code (1, insufficient
//!   balance) and leaves the proposal unexecuted, to be executed once the treasury is
//!   funded.
//!
//! # Methods
//!
//! Arguments are the borsh encoding of the parameter tuple; return values are borsh.
//! A failing method reverts with a [`DaoError`] code and changes nothing. A failed token
//! call ends the method with the token's own status, so its codes (1 to 4) reach the
//! receipt unchanged; this contract's codes start at 201 so that the two never mix.
//! Checks run in this order: the arguments, then the proposal's existence, the sender's
//! membership and the proposal's state.
//!
//! | method | DAO keys | token keys (in the token's namespace) |
//! | --- | --- | --- |
//! | `init(token, members: Vec<Address>) -> Result<(), _>` (at instantiation) | writes token, count, member(m) for each | |
//! | `propose(id: u64, payout_to, amount: u128, deadline: u64) -> Result<(), _>` (member) | reads member(sender); writes proposal(id) | |
//! | `propose_member(id, account, deadline) -> Result<(), _>` (member) | reads member(sender), member(account); writes proposal(id) | |
//! | `vote(id, yes: bool) -> Result<(), _>` (member) | reads member(sender); writes proposal(id), vote(id, sender) | |
//! | `execute(id) -> Result<(), _>` (anyone), a payout | reads count, token; writes proposal(id) | writes balance(dao), balance(payout_to) |
//! | `execute(id)`, a new member | writes proposal(id), count, member(account) | |
//! | `get_proposal(id) -> Option<Proposal>` | reads proposal(id) | |
//! | `is_member(account) -> bool` | reads member(account) | |
//! | `member_count() -> u32` | reads count | |
//! | `vote_of(id, member) -> Option<bool>` | reads vote(id, member) | |
//! | `token() -> Address` | reads token | |
//! | `treasury() -> u128` (the DAO's token balance) | reads token | reads balance(dao) |
//!
//! [`client`] builds each call with its exact access list, token keys included.
//!
//! # Storage layout
//!
//! | what | key | value |
//! | --- | --- | --- |
//! | treasury token | `b"token"` | borsh `Address` (32 bytes) |
//! | member count | `b"count"` | borsh `u32` |
//! | membership of `a` | `b"m"` ++ `a` (33 bytes) | empty; absent means not a member |
//! | proposal `id` | `b"p"` ++ `id` (u64 LE, 9 bytes) | borsh [`Proposal`] |
//! | vote of `member` on proposal `id` | `b"v"` ++ `id` ++ `member` (41 bytes) | borsh `bool` (yes) |
//!
//! The tally lives in the proposal record, so votes on one proposal are serialized
//! (each rewrites it) while votes on different proposals never conflict; the per-member
//! vote key is what refuses a second vote.
//!
//! # Events
//!
//! [`MemberAdded`] (topic `b"member_added"`, at instantiation and on an executed
//! `AddMember`), [`Proposed`] (`b"proposed"`), [`Voted`] (`b"voted"`) and [`Executed`]
//! (`b"executed"`), borsh-encoded; the token's `transfer` event accompanies a payout.
#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

use alloc::vec::Vec;

use borsh::{BorshDeserialize, BorshSerialize};
use keyway_sdk::{Address, ContractError, Event, Item, Map, emit_event, env, method};
use keyway_token::ext as token;

/// The token the treasury is held in.
pub const TOKEN: Item<Address> = Item::new(b"token");
/// How many members there are.
pub const MEMBER_COUNT: Item<u32> = Item::new(b"count");
/// Members: a present key (with an empty value) means a member.
pub const MEMBERS: Map<Address, ()> = Map::new(b"m");
/// Proposals by id.
pub const PROPOSALS: Map<u64, Proposal> = Map::new(b"p");
/// Votes by `(proposal id, member)`: `true` for yes.
pub const VOTES: Map<(u64, Address), bool> = Map::new(b"v");

/// The exact storage keys, for building access lists.
pub mod keys {
    use alloc::vec::Vec;

    use keyway_sdk::Address;

    /// The treasury token's key.
    pub const TOKEN: &[u8] = super::TOKEN.key();
    /// The member count's key.
    pub const MEMBER_COUNT: &[u8] = super::MEMBER_COUNT.key();

    /// The key of `account`'s membership.
    pub fn member(account: &Address) -> Vec<u8> {
        super::MEMBERS.key(account)
    }

    /// The key of proposal `id`.
    pub fn proposal(id: u64) -> Vec<u8> {
        super::PROPOSALS.key(&id)
    }

    /// The key of `member`'s vote on proposal `id`.
    pub fn vote(id: u64, member: &Address) -> Vec<u8> {
        super::VOTES.key(&(id, *member))
    }
}

/// Why a DAO method reverted; the discriminant is the revert code. Codes start at 201:
/// lower codes are left to the token, whose failures pass through unchanged.
#[derive(ContractError, Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum DaoError {
    /// The sender is not a member (proposing and voting are for members).
    NotMember = 201,
    /// The member already voted on this proposal.
    DoubleVote = 202,
    /// The proposal's deadline is reached: no more votes.
    VotingClosed = 203,
    /// The proposal has no majority (yet, or ever once its deadline is reached).
    NotPassed = 204,
    /// The proposal was executed already.
    AlreadyExecuted = 205,
    /// No proposal has this id.
    UnknownProposal = 206,
    /// A proposal with this id already exists (whatever its state).
    AlreadyExists = 207,
    /// The deadline is not after the current block time.
    InvalidDeadline = 208,
    /// The account to add is a member already.
    AlreadyMember = 209,
    /// `init` got no members.
    NoMembers = 210,
}

/// What a proposal does when executed. Encoded with a one-byte tag: the variant's
/// position in this list, so new actions may only be appended.
#[derive(BorshSerialize, BorshDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Pays `amount` of the treasury token to `to`.
    Payout {
        /// The payee.
        to: Address,
        /// The amount.
        amount: u128,
    },
    /// Makes `account` a member.
    AddMember {
        /// The new member.
        account: Address,
    },
}

/// A proposal record.
#[derive(BorshSerialize, BorshDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Proposal {
    /// The member who proposed it.
    pub proposer: Address,
    /// What it does.
    pub action: Action,
    /// The block time (seconds) from which no more votes are taken.
    pub deadline: u64,
    /// Yes votes so far.
    pub yes: u32,
    /// No votes so far.
    pub no: u32,
    /// Whether it was executed.
    pub executed: bool,
}

impl Proposal {
    /// True when more than half of `members` voted yes.
    pub fn passes(&self, members: u32) -> bool {
        u64::from(self.yes) * 2 > u64::from(members)
    }
}

/// `account` became a member.
#[derive(BorshSerialize, BorshDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemberAdded {
    /// The new member.
    pub account: Address,
}

impl Event for MemberAdded {
    const TOPIC: &'static [u8] = b"member_added";
}

/// `proposer` proposed `action` as proposal `id`, open until `deadline`.
#[derive(BorshSerialize, BorshDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Proposed {
    /// The proposal's id.
    pub id: u64,
    /// The member who proposed it.
    pub proposer: Address,
    /// What it does.
    pub action: Action,
    /// Its voting deadline.
    pub deadline: u64,
}

impl Event for Proposed {
    const TOPIC: &'static [u8] = b"proposed";
}

/// `voter` voted on proposal `id`.
#[derive(BorshSerialize, BorshDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Voted {
    /// The proposal's id.
    pub id: u64,
    /// The member who voted.
    pub voter: Address,
    /// Yes or no.
    pub yes: bool,
}

impl Event for Voted {
    const TOPIC: &'static [u8] = b"voted";
}

/// Proposal `id` passed and its `action` was carried out.
#[derive(BorshSerialize, BorshDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Executed {
    /// The proposal's id.
    pub id: u64,
    /// What was done.
    pub action: Action,
}

impl Event for Executed {
    const TOPIC: &'static [u8] = b"executed";
}

/// Instantiation: the treasury is held in `token`, and `members` (duplicates counted
/// once) are the first members.
#[method]
pub fn init(token: Address, members: Vec<Address>) -> Result<(), DaoError> {
    if members.is_empty() {
        return Err(DaoError::NoMembers);
    }
    TOKEN.set(&token);
    let mut count = 0u32;
    for account in members {
        if !MEMBERS.contains(&account) {
            MEMBERS.set(&account, &());
            count += 1;
            emit_event(&MemberAdded { account });
        }
    }
    MEMBER_COUNT.set(&count);
    Ok(())
}

/// A member proposes paying `amount` of the treasury to `payout_to`, as proposal `id`
/// open for votes until `deadline`.
#[method]
pub fn propose(id: u64, payout_to: Address, amount: u128, deadline: u64) -> Result<(), DaoError> {
    create_proposal(
        id,
        Action::Payout {
            to: payout_to,
            amount,
        },
        deadline,
    )
}

/// A member proposes making `account` a member, as proposal `id` open for votes until
/// `deadline`.
#[method]
pub fn propose_member(id: u64, account: Address, deadline: u64) -> Result<(), DaoError> {
    create_proposal(id, Action::AddMember { account }, deadline)
}

/// The sender, a member, votes `yes` or no on proposal `id`, once, before its deadline.
#[method]
pub fn vote(id: u64, yes: bool) -> Result<(), DaoError> {
    let mut proposal = PROPOSALS.get(&id).ok_or(DaoError::UnknownProposal)?;
    let voter = env::sender();
    if !MEMBERS.contains(&voter) {
        return Err(DaoError::NotMember);
    }
    if proposal.executed {
        return Err(DaoError::AlreadyExecuted);
    }
    if env::block_time() >= proposal.deadline {
        return Err(DaoError::VotingClosed);
    }
    if VOTES.contains(&(id, voter)) {
        return Err(DaoError::DoubleVote);
    }
    VOTES.set(&(id, voter), &yes);
    if yes {
        proposal.yes += 1;
    } else {
        proposal.no += 1;
    }
    PROPOSALS.set(&id, &proposal);
    emit_event(&Voted { id, voter, yes });
    Ok(())
}

/// Carries out proposal `id` once more than half of the members voted yes; anyone may
/// call it. A payout the treasury cannot cover fails with the token's code and leaves the
/// proposal unexecuted.
#[method]
pub fn execute(id: u64) -> Result<(), DaoError> {
    let mut proposal = PROPOSALS.get(&id).ok_or(DaoError::UnknownProposal)?;
    if proposal.executed {
        return Err(DaoError::AlreadyExecuted);
    }
    let members = MEMBER_COUNT.get_or_default();
    if !proposal.passes(members) {
        return Err(DaoError::NotPassed);
    }
    proposal.executed = true;
    PROPOSALS.set(&id, &proposal);
    match proposal.action {
        Action::Payout { to, amount } => token::transfer(&treasury_token(), &to, amount),
        // Another proposal may have added the account meanwhile: it is counted once.
        Action::AddMember { account } => {
            if !MEMBERS.contains(&account) {
                MEMBERS.set(&account, &());
                MEMBER_COUNT.set(&(members + 1));
                emit_event(&MemberAdded { account });
            }
        }
    }
    emit_event(&Executed {
        id,
        action: proposal.action,
    });
    Ok(())
}

/// Proposal `id`, or `None` when there is none.
#[method]
pub fn get_proposal(id: u64) -> Option<Proposal> {
    PROPOSALS.get(&id)
}

/// Whether `account` is a member.
#[method]
pub fn is_member(account: Address) -> bool {
    MEMBERS.contains(&account)
}

/// How many members there are.
#[method]
pub fn member_count() -> u32 {
    MEMBER_COUNT.get_or_default()
}

/// How `member` voted on proposal `id` (`Some(true)` for yes), or `None` if it did not.
#[method]
pub fn vote_of(id: u64, member: Address) -> Option<bool> {
    VOTES.get(&(id, member))
}

/// The token the treasury is held in.
#[method]
pub fn token() -> Address {
    treasury_token()
}

/// The treasury: the DAO's balance of its token, asked of the token.
#[method]
pub fn treasury() -> u128 {
    token::balance_of(&treasury_token(), &env::self_address())
}

/// The treasury token, stored by `init`.
fn treasury_token() -> Address {
    match TOKEN.get() {
        Some(token) => token,
        // `init` always stores it; only a contract instantiated some other way gets here.
        None => env::abort("dao: no treasury token (init did not run)"),
    }
}

/// Stores proposal `id` by the sender, a member.
fn create_proposal(id: u64, action: Action, deadline: u64) -> Result<(), DaoError> {
    if deadline <= env::block_time() {
        return Err(DaoError::InvalidDeadline);
    }
    let proposer = env::sender();
    if !MEMBERS.contains(&proposer) {
        return Err(DaoError::NotMember);
    }
    if let Action::AddMember { account } = action
        && MEMBERS.contains(&account)
    {
        return Err(DaoError::AlreadyMember);
    }
    if PROPOSALS.contains(&id) {
        return Err(DaoError::AlreadyExists);
    }
    PROPOSALS.set(
        &id,
        &Proposal {
            proposer,
            action,
            deadline,
            yes: 0,
            no: 0,
            executed: false,
        },
    );
    emit_event(&Proposed {
        id,
        proposer,
        action,
        deadline,
    });
    Ok(())
}

#[cfg(test)]
mod tests;

/// Client-side builders (native only): the transaction kind and the exact access list of
/// each call, DAO and token keys, from the same key functions the contracts use.
#[cfg(not(target_arch = "wasm32"))]
pub mod client {
    use alloc::vec;
    use alloc::vec::Vec;

    use keyway_sdk::client::{access, call, deploy_and_instantiate, encode, view};
    use keyway_sdk::host_api::TxKind;
    use keyway_sdk::{AccessList, Address};
    use keyway_token::keys as token_keys;

    use super::{Action, keys};

    /// The two transactions that create a DAO over `token` with `members`: deploy
    /// `code`, then instantiate it by `creator`, whose next nonce is `nonce`. Returns the
    /// DAO's address with them (sign them with nonces `nonce` and `nonce + 1`).
    pub fn create(
        code: &[u8],
        creator: Address,
        nonce: u64,
        token: Address,
        members: &[Address],
    ) -> (Address, [(TxKind, AccessList); 2]) {
        deploy_and_instantiate(code, creator, nonce, init_args(token, members), |dao| {
            init_access(dao, members)
        })
    }

    /// `init`'s arguments (for `TxKind::Instantiate`).
    pub fn init_args(token: Address, members: &[Address]) -> Vec<u8> {
        encode((token, members))
    }

    /// What instantiating the DAO at `dao` with `members` writes.
    pub fn init_access(dao: Address, members: &[Address]) -> AccessList {
        let mut writes = vec![keys::TOKEN.to_vec(), keys::MEMBER_COUNT.to_vec()];
        writes.extend(members.iter().map(keys::member));
        access(dao, vec![], writes)
    }

    /// `proposer` proposes paying `amount` to `payout_to` as proposal `id`.
    pub fn propose(
        dao: Address,
        proposer: Address,
        id: u64,
        payout_to: Address,
        amount: u128,
        deadline: u64,
    ) -> (TxKind, AccessList) {
        (
            call(dao, "propose", encode((id, payout_to, amount, deadline))),
            access(dao, vec![keys::member(&proposer)], vec![keys::proposal(id)]),
        )
    }

    /// `proposer` proposes making `account` a member as proposal `id`.
    pub fn propose_member(
        dao: Address,
        proposer: Address,
        id: u64,
        account: Address,
        deadline: u64,
    ) -> (TxKind, AccessList) {
        (
            call(dao, "propose_member", encode((id, account, deadline))),
            access(
                dao,
                vec![keys::member(&proposer), keys::member(&account)],
                vec![keys::proposal(id)],
            ),
        )
    }

    /// `voter` votes `yes` or no on proposal `id`.
    pub fn vote(dao: Address, voter: Address, id: u64, yes: bool) -> (TxKind, AccessList) {
        (
            call(dao, "vote", encode((id, yes))),
            access(
                dao,
                vec![keys::member(&voter)],
                vec![keys::proposal(id), keys::vote(id, &voter)],
            ),
        )
    }

    /// Executes proposal `id`, whose action is `action`, of a DAO whose treasury is
    /// held in `token` (a payout writes the DAO's and the payee's token balances).
    pub fn execute(dao: Address, token: Address, id: u64, action: &Action) -> (TxKind, AccessList) {
        let (proposal, count) = (keys::proposal(id), keys::MEMBER_COUNT.to_vec());
        let list = match action {
            Action::Payout { to, .. } => {
                let mut list = access(dao, vec![count, keys::TOKEN.to_vec()], vec![proposal]);
                let balances = vec![token_keys::balance(&dao), token_keys::balance(to)];
                list.merge(access(token, vec![], balances));
                list
            }
            Action::AddMember { account } => {
                access(dao, vec![], vec![proposal, count, keys::member(account)])
            }
        };
        (call(dao, "execute", encode(id)), list)
    }

    /// Reads proposal `id`.
    pub fn get_proposal(dao: Address, id: u64) -> (TxKind, AccessList) {
        view(dao, "get_proposal", encode(id), vec![keys::proposal(id)])
    }

    /// Asks whether `account` is a member.
    pub fn is_member(dao: Address, account: Address) -> (TxKind, AccessList) {
        view(
            dao,
            "is_member",
            encode(account),
            vec![keys::member(&account)],
        )
    }

    /// Reads the member count.
    pub fn member_count(dao: Address) -> (TxKind, AccessList) {
        view(
            dao,
            "member_count",
            vec![],
            vec![keys::MEMBER_COUNT.to_vec()],
        )
    }

    /// Reads `member`'s vote on proposal `id`.
    pub fn vote_of(dao: Address, id: u64, member: Address) -> (TxKind, AccessList) {
        view(
            dao,
            "vote_of",
            encode((id, member)),
            vec![keys::vote(id, &member)],
        )
    }

    /// Reads the treasury token.
    pub fn token(dao: Address) -> (TxKind, AccessList) {
        view(dao, "token", vec![], vec![keys::TOKEN.to_vec()])
    }

    /// Reads the treasury, the DAO's balance of `token`.
    pub fn treasury(dao: Address, token: Address) -> (TxKind, AccessList) {
        let (kind, mut list) = view(dao, "treasury", vec![], vec![keys::TOKEN.to_vec()]);
        let balance = vec![token_keys::balance(&dao)];
        list.merge(access(token, balance, vec![]));
        (kind, list)
    }
}
