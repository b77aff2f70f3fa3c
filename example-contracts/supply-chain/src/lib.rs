//! Shipment tracking: registered shippers create shipments, carriers move them through
//! checkpoints, receivers confirm them.
//!
//! # Roles and lifecycle
//!
//! - The **admin** (named at instantiation) registers and revokes **shippers**.
//! - A registered shipper creates a shipment under an id of its choosing, naming its
//!   **carrier** and **receiver**. Ids are chosen by the client rather than counted by the
//!   contract so that a client knows every key a creation touches before sending it, and
//!   so that creations by different shippers do not all write one counter.
//! - The lifecycle, with who may move it on:
//!
//! ```text
//!             pick_up (carrier)          deliver (carrier)           confirm_receipt (receiver)
//!   Created ────────────────────▶ InTransit ──────────────────▶ Delivered ─────────────────────────▶ Received
//!      │                          ↺ checkpoint (carrier, at most 32)
//!      └── cancel (shipper) ──▶ Cancelled
//! ```
//!
//! # Methods
//!
//! Arguments are the borsh encoding of the parameter tuple; return values are borsh.
//! A failing method reverts with a [`SupplyChainError`] code and changes nothing. Checks
//! run in this order: argument sizes, then the shipment's existence, the sender's role and
//! the shipment's state (`create_shipment`: the sender's registration, then the id).
//!
//! | method | reads | writes |
//! | --- | --- | --- |
//! | `init(admin)` (at instantiation) | | admin |
//! | `set_shipper(account, allowed: bool) -> Result<(), _>` (admin) | admin | shipper(account) |
//! | `create_shipment(id: u64, carrier, receiver, description: String) -> Result<(), _>` (shipper) | shipper(sender) | shipment(id) |
//! | `pick_up(id) -> Result<(), _>` (carrier) | | shipment(id) |
//! | `checkpoint(id, location: String) -> Result<(), _>` (carrier) | shipment(id) | checkpoints(id) |
//! | `deliver(id) -> Result<(), _>` (carrier) | | shipment(id) |
//! | `confirm_receipt(id) -> Result<(), _>` (receiver) | | shipment(id) |
//! | `cancel(id) -> Result<(), _>` (shipper) | | shipment(id) |
//! | `get_shipment(id) -> Option<Shipment>` | shipment(id) | |
//! | `checkpoints(id) -> Vec<Checkpoint>` | checkpoints(id) | |
//! | `is_shipper(account) -> bool` | shipper(account) | |
//!
//! # Storage layout
//!
//! Clients build access lists from these keys (all in the contract's namespace); [`keys`]
//! computes them with the very constants the contract uses.
//!
//! | what | key | value |
//! | --- | --- | --- |
//! | admin | `b"admin"` | borsh `Address` (32 bytes) |
//! | shipper registration of `a` | `b"r"` ++ `a` (33 bytes) | empty; absent means not a shipper |
//! | shipment `id` | `b"s"` ++ `id` (u64 LE, 9 bytes) | borsh [`Shipment`] |
//! | checkpoints of shipment `id` | `b"c"` ++ `id` (u64 LE, 9 bytes) | borsh `Vec<`[`Checkpoint`]`>`; absent means none |
//!
//! Checkpoints live under their own key so that state transitions rewrite only the small
//! shipment record, and so that recording a checkpoint only reads the shipment.
//!
//! # Events
//!
//! [`ShipperSet`] (topic `b"shipper_set"`), [`ShipmentCreated`] (`b"shipment_created"`),
//! [`StatusChanged`] (`b"status_changed"`, one per transition after creation) and
//! [`CheckpointRecorded`] (`b"checkpoint"`), borsh-encoded.
#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

use alloc::string::String;

use borsh::{BorshDeserialize, BorshSerialize};
use keyway_sdk::{Address, ContractError, Event, Item, Map, emit_event, env, method, storage};

/// The account that registers shippers.
pub const ADMIN: Item<Address> = Item::new(b"admin");
/// Registered shippers: a present key (with an empty value) means registered.
pub const SHIPPERS: Map<Address, ()> = Map::new(b"r");
/// Shipments by id.
pub const SHIPMENTS: Map<u64, Shipment> = Map::new(b"s");
/// Each shipment's checkpoints, oldest first.
pub const CHECKPOINTS: Map<u64, alloc::vec::Vec<Checkpoint>> = Map::new(b"c");

/// The most checkpoints a shipment records: it bounds the checkpoint list's size, and with
/// it the gas of reading and rewriting it.
pub const MAX_CHECKPOINTS: u32 = 32;
/// The longest description, in bytes (UTF-8).
pub const MAX_DESCRIPTION_BYTES: usize = 128;
/// The longest checkpoint location, in bytes (UTF-8).
pub const MAX_LOCATION_BYTES: usize = 64;

/// The exact storage keys, for building access lists.
pub mod keys {
    use alloc::vec::Vec;

    use keyway_sdk::Address;

    /// The admin's key.
    pub const ADMIN: &[u8] = super::ADMIN.key();

    /// The key of `account`'s shipper registration.
    pub fn shipper(account: &Address) -> Vec<u8> {
        super::SHIPPERS.key(account)
    }

    /// The key of shipment `id`.
    pub fn shipment(id: u64) -> Vec<u8> {
        super::SHIPMENTS.key(&id)
    }

    /// The key of shipment `id`'s checkpoint list.
    pub fn checkpoints(id: u64) -> Vec<u8> {
        super::CHECKPOINTS.key(&id)
    }
}

/// Why a supply-chain method reverted; the discriminant is the revert code.
#[derive(ContractError, Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum SupplyChainError {
    /// The sender does not hold the role the method needs (admin, registered shipper, or
    /// the shipment's shipper, carrier or receiver).
    Unauthorized = 1,
    /// The shipment is not in the state the method moves it from.
    WrongState = 2,
    /// No shipment has this id.
    UnknownShipment = 3,
    /// A shipment with this id already exists (whatever its state).
    AlreadyExists = 4,
    /// The shipment already has [`MAX_CHECKPOINTS`] checkpoints.
    TooManyCheckpoints = 5,
    /// The description is longer than [`MAX_DESCRIPTION_BYTES`].
    DescriptionTooLong = 6,
    /// The location is longer than [`MAX_LOCATION_BYTES`].
    LocationTooLong = 7,
}

/// Where a shipment is in its lifecycle. Encoded as one byte: the variant's position in
/// this list, so new states may only be appended.
#[derive(BorshSerialize, BorshDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShipmentState {
    /// Created by the shipper; the carrier has not picked it up.
    Created,
    /// Picked up by the carrier; checkpoints may be recorded.
    InTransit,
    /// The carrier says it was delivered.
    Delivered,
    /// The receiver confirmed receipt. Final.
    Received,
    /// The shipper cancelled it before pick-up. Final.
    Cancelled,
}

/// A shipment record.
#[derive(BorshSerialize, BorshDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct Shipment {
    /// Who created it; may cancel it before pick-up.
    pub shipper: Address,
    /// Who picks it up, records checkpoints and delivers it.
    pub carrier: Address,
    /// Who confirms receipt.
    pub receiver: Address,
    /// Its current state.
    pub state: ShipmentState,
    /// Free text from the shipper, at most [`MAX_DESCRIPTION_BYTES`].
    pub description: String,
}

/// A place a shipment passed through, as the carrier recorded it.
#[derive(BorshSerialize, BorshDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// Free text from the carrier, at most [`MAX_LOCATION_BYTES`].
    pub location: String,
    /// The block time it was recorded at (seconds since the Unix epoch).
    pub time: u64,
}

/// The admin registered (`allowed`) or revoked `account` as a shipper.
#[derive(BorshSerialize, BorshDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShipperSet {
    /// The account.
    pub account: Address,
    /// Whether it may now create shipments.
    pub allowed: bool,
}

impl Event for ShipperSet {
    const TOPIC: &'static [u8] = b"shipper_set";
}

/// Shipment `id` was created in state `Created`.
#[derive(BorshSerialize, BorshDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct ShipmentCreated {
    /// The shipment's id.
    pub id: u64,
    /// Its shipper (the sender).
    pub shipper: Address,
    /// Its carrier.
    pub carrier: Address,
    /// Its receiver.
    pub receiver: Address,
}

impl Event for ShipmentCreated {
    const TOPIC: &'static [u8] = b"shipment_created";
}

/// Shipment `id` moved from `from` to `to`, by `by`.
#[derive(BorshSerialize, BorshDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatusChanged {
    /// The shipment's id.
    pub id: u64,
    /// The state it left.
    pub from: ShipmentState,
    /// The state it is now in.
    pub to: ShipmentState,
    /// The sender who moved it.
    pub by: Address,
}

impl Event for StatusChanged {
    const TOPIC: &'static [u8] = b"status_changed";
}

/// The carrier recorded checkpoint number `index` (from 0) of shipment `id`.
#[derive(BorshSerialize, BorshDeserialize, Clone, Debug, PartialEq, Eq)]
pub struct CheckpointRecorded {
    /// The shipment's id.
    pub id: u64,
    /// The checkpoint's position in the shipment's list.
    pub index: u32,
    /// The checkpoint.
    pub checkpoint: Checkpoint,
}

impl Event for CheckpointRecorded {
    const TOPIC: &'static [u8] = b"checkpoint";
}

/// The party of a shipment a method requires the sender to be.
#[derive(Clone, Copy)]
enum Role {
    Shipper,
    Carrier,
    Receiver,
}

impl Shipment {
    fn party(&self, role: Role) -> Address {
        match role {
            Role::Shipper => self.shipper,
            Role::Carrier => self.carrier,
            Role::Receiver => self.receiver,
        }
    }
}

/// Instantiation: `admin` will register shippers.
#[method]
pub fn init(admin: Address) {
    ADMIN.set(&admin);
}

/// Registers (`allowed`) or revokes `account` as a shipper; admin only. Revoking leaves
/// the account's existing shipments as they are.
#[method]
pub fn set_shipper(account: Address, allowed: bool) -> Result<(), SupplyChainError> {
    if ADMIN.get() != Some(env::sender()) {
        return Err(SupplyChainError::Unauthorized);
    }
    if allowed {
        SHIPPERS.set(&account, &());
    } else {
        SHIPPERS.remove(&account);
    }
    emit_event(&ShipperSet { account, allowed });
    Ok(())
}

/// Creates shipment `id`, shipped by the sender (a registered shipper), in state `Created`.
#[method]
pub fn create_shipment(
    id: u64,
    carrier: Address,
    receiver: Address,
    description: String,
) -> Result<(), SupplyChainError> {
    if description.len() > MAX_DESCRIPTION_BYTES {
        return Err(SupplyChainError::DescriptionTooLong);
    }
    let shipper = env::sender();
    if !SHIPPERS.contains(&shipper) {
        return Err(SupplyChainError::Unauthorized);
    }
    if SHIPMENTS.contains(&id) {
        return Err(SupplyChainError::AlreadyExists);
    }
    SHIPMENTS.set(
        &id,
        &Shipment {
            shipper,
            carrier,
            receiver,
            state: ShipmentState::Created,
            description,
        },
    );
    emit_event(&ShipmentCreated {
        id,
        shipper,
        carrier,
        receiver,
    });
    Ok(())
}

/// The carrier takes shipment `id`: `Created` → `InTransit`.
#[method]
pub fn pick_up(id: u64) -> Result<(), SupplyChainError> {
    transition(
        id,
        Role::Carrier,
        ShipmentState::Created,
        ShipmentState::InTransit,
    )
}

/// The carrier records that shipment `id` (`InTransit`) passed `location`.
#[method]
pub fn checkpoint(id: u64, location: String) -> Result<(), SupplyChainError> {
    if location.len() > MAX_LOCATION_BYTES {
        return Err(SupplyChainError::LocationTooLong);
    }
    let shipment = shipment_for(id, Role::Carrier)?;
    if shipment.state != ShipmentState::InTransit {
        return Err(SupplyChainError::WrongState);
    }
    // Appended to the stored encoding rather than decoded and re-encoded: a borsh
    // `Vec<Checkpoint>` is its u32 LE length followed by the elements, so appending is
    // bumping the length and adding one encoded element.
    let key = CHECKPOINTS.key(&id);
    let mut list = storage::read(&key).unwrap_or_else(|| 0u32.to_le_bytes().to_vec());
    let Some(length) = list.first_chunk_mut::<4>() else {
        env::abort("supply-chain: a stored checkpoint list is shorter than its length");
    };
    let index = u32::from_le_bytes(*length);
    if index >= MAX_CHECKPOINTS {
        return Err(SupplyChainError::TooManyCheckpoints);
    }
    *length = (index + 1).to_le_bytes();
    let checkpoint = Checkpoint {
        location,
        time: env::block_time(),
    };
    if checkpoint.serialize(&mut list).is_err() {
        env::abort("supply-chain: borsh encoding of a checkpoint failed");
    }
    storage::write(&key, &list);
    emit_event(&CheckpointRecorded {
        id,
        index,
        checkpoint,
    });
    Ok(())
}

/// The carrier hands shipment `id` over: `InTransit` → `Delivered`.
#[method]
pub fn deliver(id: u64) -> Result<(), SupplyChainError> {
    transition(
        id,
        Role::Carrier,
        ShipmentState::InTransit,
        ShipmentState::Delivered,
    )
}

/// The receiver confirms it has shipment `id`: `Delivered` → `Received`.
#[method]
pub fn confirm_receipt(id: u64) -> Result<(), SupplyChainError> {
    transition(
        id,
        Role::Receiver,
        ShipmentState::Delivered,
        ShipmentState::Received,
    )
}

/// The shipper calls shipment `id` off before pick-up: `Created` → `Cancelled`. The id
/// stays taken.
#[method]
pub fn cancel(id: u64) -> Result<(), SupplyChainError> {
    transition(
        id,
        Role::Shipper,
        ShipmentState::Created,
        ShipmentState::Cancelled,
    )
}

/// Shipment `id`, or `None` when there is none.
#[method]
pub fn get_shipment(id: u64) -> Option<Shipment> {
    SHIPMENTS.get(&id)
}

/// Shipment `id`'s checkpoints, oldest first (empty for an unknown id).
#[method]
pub fn checkpoints(id: u64) -> alloc::vec::Vec<Checkpoint> {
    CHECKPOINTS.get(&id).unwrap_or_default()
}

/// Whether `account` may create shipments.
#[method]
pub fn is_shipper(account: Address) -> bool {
    SHIPPERS.contains(&account)
}

/// Shipment `id`, if the sender is its party in `role`.
fn shipment_for(id: u64, role: Role) -> Result<Shipment, SupplyChainError> {
    let shipment = SHIPMENTS
        .get(&id)
        .ok_or(SupplyChainError::UnknownShipment)?;
    if shipment.party(role) != env::sender() {
        return Err(SupplyChainError::Unauthorized);
    }
    Ok(shipment)
}

/// Moves shipment `id` from `from` to `to` if the sender is its party in `role`, and
/// emits the event.
fn transition(
    id: u64,
    role: Role,
    from: ShipmentState,
    to: ShipmentState,
) -> Result<(), SupplyChainError> {
    let mut shipment = shipment_for(id, role)?;
    if shipment.state != from {
        return Err(SupplyChainError::WrongState);
    }
    shipment.state = to;
    SHIPMENTS.set(&id, &shipment);
    emit_event(&StatusChanged {
        id,
        from,
        to,
        // The sender, as checked above (without a second host call).
        by: shipment.party(role),
    });
    Ok(())
}

#[cfg(test)]
mod tests;

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

    /// The two transactions that create a supply-chain contract administered by `admin`:
    /// deploy `code`, then instantiate it by `creator`, whose next nonce is `nonce`.
    /// Returns the contract's address with them (sign them with nonces `nonce` and
    /// `nonce + 1`).
    pub fn create(
        code: &[u8],
        creator: Address,
        nonce: u64,
        admin: Address,
    ) -> (Address, [(TxKind, AccessList); 2]) {
        deploy_and_instantiate(code, creator, nonce, init_args(admin), init_access)
    }

    /// `init`'s arguments (for `TxKind::Instantiate`).
    pub fn init_args(admin: Address) -> Vec<u8> {
        encode(admin)
    }

    /// What instantiating the contract at `contract` writes.
    pub fn init_access(contract: Address) -> AccessList {
        access(contract, vec![], vec![keys::ADMIN.to_vec()])
    }

    /// The admin registers (`allowed`) or revokes `account` as a shipper.
    pub fn set_shipper(contract: Address, account: Address, allowed: bool) -> (TxKind, AccessList) {
        (
            call(contract, "set_shipper", encode((account, allowed))),
            access(
                contract,
                vec![keys::ADMIN.to_vec()],
                vec![keys::shipper(&account)],
            ),
        )
    }

    /// `shipper` creates shipment `id` for `carrier` to bring to `receiver`.
    pub fn create_shipment(
        contract: Address,
        shipper: Address,
        id: u64,
        carrier: Address,
        receiver: Address,
        description: &str,
    ) -> (TxKind, AccessList) {
        (
            call(
                contract,
                "create_shipment",
                encode((id, carrier, receiver, description)),
            ),
            access(
                contract,
                vec![keys::shipper(&shipper)],
                vec![keys::shipment(id)],
            ),
        )
    }

    /// A transition of shipment `id`: it rewrites only the shipment record.
    fn transition(contract: Address, method: &str, id: u64) -> (TxKind, AccessList) {
        (
            call(contract, method, encode(id)),
            access(contract, vec![], vec![keys::shipment(id)]),
        )
    }

    /// The carrier picks up shipment `id`.
    pub fn pick_up(contract: Address, id: u64) -> (TxKind, AccessList) {
        transition(contract, "pick_up", id)
    }

    /// The carrier records that shipment `id` passed `location`.
    pub fn checkpoint(contract: Address, id: u64, location: &str) -> (TxKind, AccessList) {
        (
            call(contract, "checkpoint", encode((id, location))),
            access(
                contract,
                vec![keys::shipment(id)],
                vec![keys::checkpoints(id)],
            ),
        )
    }

    /// The carrier delivers shipment `id`.
    pub fn deliver(contract: Address, id: u64) -> (TxKind, AccessList) {
        transition(contract, "deliver", id)
    }

    /// The receiver confirms receipt of shipment `id`.
    pub fn confirm_receipt(contract: Address, id: u64) -> (TxKind, AccessList) {
        transition(contract, "confirm_receipt", id)
    }

    /// The shipper cancels shipment `id`.
    pub fn cancel(contract: Address, id: u64) -> (TxKind, AccessList) {
        transition(contract, "cancel", id)
    }

    /// Reads shipment `id`.
    pub fn get_shipment(contract: Address, id: u64) -> (TxKind, AccessList) {
        view(
            contract,
            "get_shipment",
            encode(id),
            vec![keys::shipment(id)],
        )
    }

    /// Reads shipment `id`'s checkpoints.
    pub fn checkpoints(contract: Address, id: u64) -> (TxKind, AccessList) {
        view(
            contract,
            "checkpoints",
            encode(id),
            vec![keys::checkpoints(id)],
        )
    }

    /// Asks whether `account` is a registered shipper.
    pub fn is_shipper(contract: Address, account: Address) -> (TxKind, AccessList) {
        let reads = vec![keys::shipper(&account)];
        view(contract, "is_shipper", encode(account), reads)
    }
}
