//! An M-of-N multisig wallet: owners submit calls to any contract, approve them, and
//! execute them once enough owners approved. The wallet holds whatever the contracts it
//! calls credit to its address (token balances, say), and acts on it only through
//! executed calls.
//!
//! # Rules
//!
//! - The owners and the threshold M are set at instantiation and never change: a call
//!   from the wallet to itself would be re-entering it, which the runtime refuses
//!   (`reentrancy`), so the wallet cannot administer itself.
//! - An owner submits a call (target contract, method, borsh arguments) under an id of
//!   its choosing, so that a client knows every key the submission touches. Submitting
//!   does not approve it.
//! - Each owner approves a call at most once and may revoke its approval until the call
//!   is executed.
//! - Once at least M owners approve, any owner executes it: the wallet makes the call
//!   with all the gas left, as its sender.
//! - **A failing call fails `execute`**: the callee's status and data end the transaction
//!   (a token's revert code reaches the receipt unchanged), and nothing changes, so the
//!   call stays approved and unexecuted. It can be executed again once whatever made it
//!   fail is fixed (the wallet funded, say). This was chosen over recording the failure
//!   because it keeps an execution atomic and leaves the decision to retry or abandon to
//!   the owners; a call that should never run is abandoned by revoking approvals below M.
//!
//! # Methods
//!
//! Arguments are the borsh encoding of the parameter tuple; return values are borsh.
//! A failing method reverts with a [`MultisigError`] code and changes nothing; this
//! contract's codes start at 301 so that they do not mix with the codes of the contracts
//! it calls (whose failures pass through `execute`). Checks run in this order: the
//! arguments, then the call's existence, the sender's ownership and the call's state.
//!
//! | method | reads | writes |
//! | --- | --- | --- |
//! | `init(owners: Vec<Address>, threshold: u32) -> Result<(), _>` (at instantiation) | | threshold, owner(o) for each |
//! | `submit(id: u64, target, method: String, args: Vec<u8>) -> Result<(), _>` (owner) | owner(sender) | call(id), tally(id) |
//! | `approve(id) -> Result<(), _>` (owner) | owner(sender) | tally(id), approval(id, sender) |
//! | `revoke(id) -> Result<(), _>` (owner) | owner(sender) | tally(id), approval(id, sender) |
//! | `execute(id) -> Result<Vec<u8>, _>` (owner; returns the callee's return data) | owner(sender), threshold, call(id) | tally(id), plus whatever the call touches |
//! | `get_call(id) -> Option<StoredCall>` | call(id) | |
//! | `get_tally(id) -> Option<Tally>` | tally(id) | |
//! | `is_owner(account) -> bool` | owner(account) | |
//! | `threshold() -> u32` | threshold | |
//! | `has_approved(id, owner) -> bool` | approval(id, owner) | |
//!
//! [`client`] builds each call with its exact access list; for `execute` it merges in
//! the access list of the stored call as the wallet makes it.
//!
//! # Storage layout
//!
//! | what | key | value |
//! | --- | --- | --- |
//! | threshold | `b"threshold"` | borsh `u32` |
//! | ownership of `a` | `b"o"` ++ `a` (33 bytes) | empty; absent means not an owner |
//! | call `id` | `b"c"` ++ `id` (u64 LE, 9 bytes) | borsh [`StoredCall`] |
//! | tally of call `id` | `b"s"` ++ `id` (u64 LE, 9 bytes) | borsh [`Tally`] |
//! | approval of call `id` by `owner` | `b"a"` ++ `id` ++ `owner` (41 bytes) | empty |
//!
//! The call and its tally are kept apart so that approving rewrites only the small tally,
//! however large the call's arguments.
//!
//! # Events
//!
//! [`Submitted`] (topic `b"submitted"`), [`Approved`] (`b"approved"`), [`Revoked`]
//! (`b"revoked"`) and [`Executed`] (`b"executed"`), borsh-encoded; the callee's own
//! events come before `Executed` in the receipt.
#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;

use borsh::{BorshDeserialize, BorshSerialize};
use keyway_sdk::call::{ALL_GAS, call_raw};
use keyway_sdk::host_api::abi::CALL_PROPAGATE_FAILURE;
use keyway_sdk::{Address, ContractError, Event, Item, Map, emit_event, env, method};

/// How many approvals a call needs.
pub const THRESHOLD: Item<u32> = Item::new(b"threshold");
/// Owners: a present key (with an empty value) means an owner.
pub const OWNERS: Map<Address, ()> = Map::new(b"o");
/// Submitted calls by id.
pub const CALLS: Map<u64, StoredCall> = Map::new(b"c");
/// Each submitted call's approvals and state.
pub const TALLIES: Map<u64, Tally> = Map::new(b"s");
/// Approvals by `(call id, owner)`: a present key means approved.
pub const APPROVALS: Map<(u64, Address), ()> = Map::new(b"a");

/// The exact storage keys, for building access lists.
pub mod keys {
    use alloc::vec::Vec;

    use keyway_sdk::Address;

    /// The threshold's key.
    pub const THRESHOLD: &[u8] = super::THRESHOLD.key();

    /// The key of `account`'s ownership.
    pub fn owner(account: &Address) -> Vec<u8> {
        super::OWNERS.key(account)
    }

    /// The key of call `id`.
    pub fn call(id: u64) -> Vec<u8> {
        super::CALLS.key(&id)
    }

    /// The key of call `id`'s tally.
    pub fn tally(id: u64) -> Vec<u8> {
        super::TALLIES.key(&id)
    }

    /// The key of `owner`'s approval of call `id`.
    pub fn approval(id: u64, owner: &Address) -> Vec<u8> {
        super::APPROVALS.key(&(id, *owner))
    }
}

/// Why a multisig method reverted; the discriminant is the revert code. Codes start at
/// 301: lower codes are left to the contracts the wallet calls.
#[derive(ContractError, Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum MultisigError {
    /// The sender is not an owner.
    NotOwner = 301,
    /// The owner already approved this call.
    AlreadyApproved = 302,
    /// Fewer owners than the threshold approved the call.
    NotEnoughApprovals = 303,
    /// The call was executed already.
    AlreadyExecuted = 304,
    /// No call was submitted under this id.
    UnknownTransaction = 305,
    /// The threshold is 0 or above the number of owners.
    InvalidThreshold = 306,
    /// A call was already submitted under this id (whatever its state).
    AlreadyExists = 307,
    /// `revoke` by an owner who has not approved the call.
    NotApproved = 308,
    /// `init` got the same owner twice.
    DuplicateOwner = 309,
}

/// A call the wallet makes when executed.
#[derive(BorshSerialize, BorshDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct StoredCall {
    /// The contract called.
    pub target: Address,
    /// Its method.
    pub method: String,
    /// The method's borsh-encoded arguments.
    pub args: Vec<u8>,
}

/// Where a submitted call stands.
#[derive(BorshSerialize, BorshDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tally {
    /// The owner who submitted it.
    pub submitter: Address,
    /// How many owners approve it now.
    pub approvals: u32,
    /// Whether it was executed (successfully: a failed execution changes nothing).
    pub executed: bool,
}

/// `submitter` submitted call `id`: `method` of `target`.
#[derive(BorshSerialize, BorshDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct Submitted {
    /// The call's id.
    pub id: u64,
    /// The owner who submitted it.
    pub submitter: Address,
    /// The contract it calls.
    pub target: Address,
    /// The method it calls.
    pub method: String,
}

impl Event for Submitted {
    const TOPIC: &'static [u8] = b"submitted";
}

/// `owner` approved call `id`, which now has `approvals`.
#[derive(BorshSerialize, BorshDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Approved {
    /// The call's id.
    pub id: u64,
    /// The owner.
    pub owner: Address,
    /// The approvals after this one.
    pub approvals: u32,
}

impl Event for Approved {
    const TOPIC: &'static [u8] = b"approved";
}

/// `owner` withdrew its approval of call `id`, which now has `approvals`.
#[derive(BorshSerialize, BorshDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Revoked {
    /// The call's id.
    pub id: u64,
    /// The owner.
    pub owner: Address,
    /// The approvals left.
    pub approvals: u32,
}

impl Event for Revoked {
    const TOPIC: &'static [u8] = b"revoked";
}

/// `by` executed call `id`, and the callee succeeded.
#[derive(BorshSerialize, BorshDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct Executed {
    /// The call's id.
    pub id: u64,
    /// The owner who executed it.
    pub by: Address,
}

impl Event for Executed {
    const TOPIC: &'static [u8] = b"executed";
}

/// Instantiation: `owners` (distinct) hold the wallet, and `threshold` of them (1 to
/// N) must approve a call.
#[method]
pub fn init(owners: Vec<Address>, threshold: u32) -> Result<(), MultisigError> {
    if threshold == 0 || threshold as usize > owners.len() {
        return Err(MultisigError::InvalidThreshold);
    }
    for owner in &owners {
        if OWNERS.contains(owner) {
            return Err(MultisigError::DuplicateOwner);
        }
        OWNERS.set(owner, &());
    }
    THRESHOLD.set(&threshold);
    Ok(())
}

/// An owner submits call `id`: `method` of `target` with `args` (borsh-encoded).
#[method]
pub fn submit(
    id: u64,
    target: Address,
    method: String,
    args: Vec<u8>,
) -> Result<(), MultisigError> {
    let submitter = owner()?;
    if TALLIES.contains(&id) {
        return Err(MultisigError::AlreadyExists);
    }
    TALLIES.set(
        &id,
        &Tally {
            submitter,
            approvals: 0,
            executed: false,
        },
    );
    let call = StoredCall {
        target,
        method,
        args,
    };
    CALLS.set(&id, &call);
    emit_event(&Submitted {
        id,
        submitter,
        target,
        method: call.method,
    });
    Ok(())
}

/// The sender, an owner, approves call `id` (once).
#[method]
pub fn approve(id: u64) -> Result<(), MultisigError> {
    let (mut tally, owner) = open_tally(id)?;
    if APPROVALS.contains(&(id, owner)) {
        return Err(MultisigError::AlreadyApproved);
    }
    APPROVALS.set(&(id, owner), &());
    tally.approvals += 1;
    TALLIES.set(&id, &tally);
    emit_event(&Approved {
        id,
        owner,
        approvals: tally.approvals,
    });
    Ok(())
}

/// The sender, an owner, withdraws its approval of call `id`.
#[method]
pub fn revoke(id: u64) -> Result<(), MultisigError> {
    let (mut tally, owner) = open_tally(id)?;
    if !APPROVALS.remove(&(id, owner)) {
        return Err(MultisigError::NotApproved);
    }
    tally.approvals -= 1;
    TALLIES.set(&id, &tally);
    emit_event(&Revoked {
        id,
        owner,
        approvals: tally.approvals,
    });
    Ok(())
}

/// An owner executes call `id` once the threshold is met, and returns the callee's return
/// data. If the callee fails, this call ends with the callee's status and data, and
/// nothing changes.
#[method]
pub fn execute(id: u64) -> Result<Vec<u8>, MultisigError> {
    let (mut tally, by) = open_tally(id)?;
    if tally.approvals < THRESHOLD.get_or_default() {
        return Err(MultisigError::NotEnoughApprovals);
    }
    tally.executed = true;
    TALLIES.set(&id, &tally);
    let Some(call) = CALLS.get(&id) else {
        // `submit` writes both; only a broken invariant gets here.
        env::abort("multisig: a tally without its call");
    };
    let output = match call_raw(
        &call.target,
        &call.method,
        &call.args,
        ALL_GAS,
        CALL_PROPAGATE_FAILURE,
    ) {
        Ok(output) => output,
        // A failure ended this call already (propagated); only a host breaking the ABI
        // returns one.
        Err(_) => env::abort("multisig: a propagated call failure returned"),
    };
    emit_event(&Executed { id, by });
    Ok(output)
}

/// Call `id`, or `None` when none was submitted under it.
#[method]
pub fn get_call(id: u64) -> Option<StoredCall> {
    CALLS.get(&id)
}

/// Call `id`'s tally, or `None` when none was submitted under it.
#[method]
pub fn get_tally(id: u64) -> Option<Tally> {
    TALLIES.get(&id)
}

/// Whether `account` is an owner.
#[method]
pub fn is_owner(account: Address) -> bool {
    OWNERS.contains(&account)
}

/// How many approvals a call needs.
#[method]
pub fn threshold() -> u32 {
    THRESHOLD.get_or_default()
}

/// Whether `owner` approves call `id` now.
#[method]
pub fn has_approved(id: u64, owner: Address) -> bool {
    APPROVALS.contains(&(id, owner))
}

/// The sender, if it is an owner.
fn owner() -> Result<Address, MultisigError> {
    let sender = env::sender();
    if !OWNERS.contains(&sender) {
        return Err(MultisigError::NotOwner);
    }
    Ok(sender)
}

/// Call `id`'s tally and the sender, if the call exists, the sender is an owner and the
/// call is not executed yet.
fn open_tally(id: u64) -> Result<(Tally, Address), MultisigError> {
    let tally = TALLIES.get(&id).ok_or(MultisigError::UnknownTransaction)?;
    let owner = owner()?;
    if tally.executed {
        return Err(MultisigError::AlreadyExecuted);
    }
    Ok((tally, owner))
}

#[cfg(test)]
mod tests;

/// Client-side builders (native only): the transaction kind and the exact access list of
/// each call, from the same key functions the contract uses.
#[cfg(not(target_arch = "wasm32"))]
pub mod client {
    use alloc::vec;
    use alloc::vec::Vec;

    use keyway_sdk::client::{access, call, deploy_and_instantiate, encode, view};
    use keyway_sdk::host_api::TxKind;
    use keyway_sdk::{AccessList, Address};

    use super::keys;

    /// The two transactions that create a wallet of `owners` needing `threshold`
    /// approvals: deploy `code`, then instantiate it by `creator`, whose next nonce is
    /// `nonce`. Returns the wallet's address with them (sign them with nonces `nonce` and
    /// `nonce + 1`).
    pub fn create(
        code: &[u8],
        creator: Address,
        nonce: u64,
        owners: &[Address],
        threshold: u32,
    ) -> (Address, [(TxKind, AccessList); 2]) {
        deploy_and_instantiate(
            code,
            creator,
            nonce,
            init_args(owners, threshold),
            |multisig| init_access(multisig, owners),
        )
    }

    /// `init`'s arguments (for `TxKind::Instantiate`).
    pub fn init_args(owners: &[Address], threshold: u32) -> Vec<u8> {
        encode((owners, threshold))
    }

    /// What instantiating the wallet at `multisig` with `owners` writes.
    pub fn init_access(multisig: Address, owners: &[Address]) -> AccessList {
        let mut writes = vec![keys::THRESHOLD.to_vec()];
        writes.extend(owners.iter().map(keys::owner));
        access(multisig, vec![], writes)
    }

    /// Owner `sender` submits call `id`: `method` of `target` with `args`.
    pub fn submit(
        multisig: Address,
        sender: Address,
        id: u64,
        target: Address,
        method: &str,
        args: &[u8],
    ) -> (TxKind, AccessList) {
        (
            call(multisig, "submit", encode((id, target, method, args))),
            access(
                multisig,
                vec![keys::owner(&sender)],
                vec![keys::call(id), keys::tally(id)],
            ),
        )
    }

    /// Owner `sender` submits as call `id` the call `inner` describes (a
    /// `TxKind::Call` from the target contract's own client, built as the wallet would
    /// send it).
    ///
    /// # Panics
    ///
    /// When `inner` is not a `TxKind::Call`.
    pub fn submit_call(
        multisig: Address,
        sender: Address,
        id: u64,
        inner: &TxKind,
    ) -> (TxKind, AccessList) {
        match inner {
            TxKind::Call {
                contract,
                method,
                args,
            } => submit(multisig, sender, id, *contract, method, args),
            other => panic!("a wallet submits calls, not {other:?}"),
        }
    }

    /// Owner `owner` approves call `id`.
    pub fn approve(multisig: Address, owner: Address, id: u64) -> (TxKind, AccessList) {
        approval_change(multisig, "approve", owner, id)
    }

    /// Owner `owner` revokes its approval of call `id`.
    pub fn revoke(multisig: Address, owner: Address, id: u64) -> (TxKind, AccessList) {
        approval_change(multisig, "revoke", owner, id)
    }

    fn approval_change(
        multisig: Address,
        method: &str,
        owner: Address,
        id: u64,
    ) -> (TxKind, AccessList) {
        (
            call(multisig, method, encode(id)),
            access(
                multisig,
                vec![keys::owner(&owner)],
                vec![keys::tally(id), keys::approval(id, &owner)],
            ),
        )
    }

    /// Owner `sender` executes call `id`, whose own access list, as the wallet makes the
    /// call, is `inner` (for a token transfer from the wallet,
    /// `keyway_token::client::transfer(token, multisig, to, amount).1`). A call whose
    /// callee touches none of its own keys needs the callee's record declared instead
    /// (a read of `system::contract_key(&target)`).
    pub fn execute(
        multisig: Address,
        sender: Address,
        id: u64,
        inner: &AccessList,
    ) -> (TxKind, AccessList) {
        let mut list = access(
            multisig,
            vec![
                keys::owner(&sender),
                keys::THRESHOLD.to_vec(),
                keys::call(id),
            ],
            vec![keys::tally(id)],
        );
        list.merge(inner.clone());
        (call(multisig, "execute", encode(id)), list)
    }

    /// Reads call `id`.
    pub fn get_call(multisig: Address, id: u64) -> (TxKind, AccessList) {
        view(multisig, "get_call", encode(id), vec![keys::call(id)])
    }

    /// Reads call `id`'s tally.
    pub fn get_tally(multisig: Address, id: u64) -> (TxKind, AccessList) {
        view(multisig, "get_tally", encode(id), vec![keys::tally(id)])
    }

    /// Asks whether `account` is an owner.
    pub fn is_owner(multisig: Address, account: Address) -> (TxKind, AccessList) {
        view(
            multisig,
            "is_owner",
            encode(account),
            vec![keys::owner(&account)],
        )
    }

    /// Reads the threshold.
    pub fn threshold(multisig: Address) -> (TxKind, AccessList) {
        view(
            multisig,
            "threshold",
            vec![],
            vec![keys::THRESHOLD.to_vec()],
        )
    }

    /// Asks whether `owner` approves call `id`.
    pub fn has_approved(multisig: Address, id: u64, owner: Address) -> (TxKind, AccessList) {
        view(
            multisig,
            "has_approved",
            encode((id, owner)),
            vec![keys::approval(id, &owner)],
        )
    }
}
