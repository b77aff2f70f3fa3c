//! The supply-chain contract's committed artifact on the real runtime.

use borsh::BorshDeserialize;
use keyway_host_api::{AccessList, Address, Key, Status, TxKind, system};
use keyway_runtime::{Keypair, TxOutcome};
use keyway_sdk::Event;
use keyway_supply_chain::{
    Checkpoint, CheckpointRecorded, MAX_CHECKPOINTS, MAX_DESCRIPTION_BYTES, MAX_LOCATION_BYTES,
    Shipment, ShipmentCreated, ShipmentState, ShipperSet, StatusChanged, SupplyChainError, client,
    keys,
};
use keyway_tests::{Chain, Senders, artifact, one_page_artifact_methods, returned, written};

/// The shipment most tests work on.
const ID: u64 = 42;
const DESCRIPTION: &str = "20 pallets of tiles";

/// Who sends a transaction.
#[derive(Clone, Copy, Debug)]
enum Party {
    Admin,
    Shipper,
    Carrier,
    Receiver,
    Stranger,
}

/// The accounts of the tests.
struct Parties {
    admin: Keypair,
    shipper: Keypair,
    carrier: Keypair,
    receiver: Keypair,
    stranger: Keypair,
}

impl Parties {
    fn key(&self, party: Party) -> &Keypair {
        match party {
            Party::Admin => &self.admin,
            Party::Shipper => &self.shipper,
            Party::Carrier => &self.carrier,
            Party::Receiver => &self.receiver,
            Party::Stranger => &self.stranger,
        }
    }
}

/// A chain with a supply-chain contract created and administered by `admin`, with
/// `shipper` registered.
struct Fixture {
    chain: Chain,
    contract: Address,
    parties: Parties,
}

impl Fixture {
    fn new() -> Fixture {
        let [admin, shipper, carrier, receiver, stranger] = [
            &b"admin"[..],
            b"shipper",
            b"carrier",
            b"receiver",
            b"stranger",
        ]
        .map(Keypair::from_seed);
        let mut chain = Chain::new();
        let args = client::init_args(admin.address());
        let contract = chain.create(&admin, artifact("supply-chain"), args, client::init_access);
        let mut fixture = Fixture {
            chain,
            contract,
            parties: Parties {
                admin,
                shipper,
                carrier,
                receiver,
                stranger,
            },
        };
        let shipper = fixture.address(Party::Shipper);
        fixture.expect_success(Party::Admin, client::set_shipper(contract, shipper, true));
        fixture
    }

    /// [`Fixture::new`] plus shipment [`ID`] in state `Created`.
    fn with_shipment() -> Fixture {
        let mut fixture = Fixture::new();
        let request = fixture.create_request(ID, DESCRIPTION);
        fixture.expect_success(Party::Shipper, request);
        fixture
    }

    /// [`Fixture::with_shipment`], picked up.
    fn in_transit() -> Fixture {
        let mut fixture = Fixture::with_shipment();
        let request = client::pick_up(fixture.contract, ID);
        fixture.expect_success(Party::Carrier, request);
        fixture
    }

    /// The shipper's `create_shipment` of `id` for the carrier and the receiver.
    fn create_request(&self, id: u64, description: &str) -> (TxKind, AccessList) {
        client::create_shipment(
            self.contract,
            self.address(Party::Shipper),
            id,
            self.address(Party::Carrier),
            self.address(Party::Receiver),
            description,
        )
    }

    /// Shipment `id`, straight from state.
    fn shipment(&self, id: u64) -> Option<Shipment> {
        self.chain.stored(self.contract, keys::shipment(id))
    }

    fn state_of(&self, id: u64) -> ShipmentState {
        self.shipment(id).expect("the shipment exists").state
    }
}

/// The one event of `outcome`: emitted by `contract` under `E`'s topic, decoded.
#[track_caller]
fn only_event<E: Event + BorshDeserialize>(outcome: &TxOutcome, contract: Address) -> E {
    let events = &outcome.receipt.events;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].contract, contract);
    assert_eq!(events[0].topic, E::TOPIC);
    borsh::from_slice(&events[0].data).expect("the event decodes")
}

impl Senders for Fixture {
    type Party = Party;

    fn chain(&mut self) -> &mut Chain {
        &mut self.chain
    }

    fn key(&self, party: Party) -> &Keypair {
        self.parties.key(party)
    }
}

#[test]
fn the_artifact_is_one_page_and_exports_the_methods() {
    assert_eq!(
        one_page_artifact_methods("supply-chain"),
        [
            "cancel",
            "checkpoint",
            "checkpoints",
            "confirm_receipt",
            "create_shipment",
            "deliver",
            "get_shipment",
            "init",
            "is_shipper",
            "pick_up",
            "set_shipper",
        ]
    );
}

#[test]
fn the_admin_registers_shippers() {
    let mut fixture = Fixture::new();
    let contract = fixture.contract;
    let admin_key = Key::new(contract, keys::ADMIN.to_vec());
    let admin = fixture.address(Party::Admin);
    assert_eq!(
        fixture.chain.state.value(&admin_key),
        Some(&admin.0[..]),
        "init stored the admin"
    );

    let shipper = fixture.address(Party::Shipper);
    let carrier = fixture.address(Party::Carrier);
    let outcome = fixture.submit(Party::Stranger, client::is_shipper(contract, shipper));
    assert!(returned::<bool>(&outcome));
    let outcome = fixture.submit(Party::Stranger, client::is_shipper(contract, carrier));
    assert!(!returned::<bool>(&outcome));

    let outcome =
        fixture.expect_success(Party::Admin, client::set_shipper(contract, carrier, true));
    assert_eq!(
        only_event::<ShipperSet>(&outcome, contract),
        ShipperSet {
            account: carrier,
            allowed: true
        }
    );
    assert_eq!(
        written(&outcome),
        vec![
            &system::nonce_key(&admin),
            &Key::new(contract, keys::shipper(&carrier))
        ]
    );
    let outcome =
        fixture.expect_success(Party::Admin, client::set_shipper(contract, carrier, false));
    assert_eq!(
        only_event::<ShipperSet>(&outcome, contract),
        ShipperSet {
            account: carrier,
            allowed: false
        }
    );
    let outcome = fixture.submit(Party::Stranger, client::is_shipper(contract, carrier));
    assert!(!returned::<bool>(&outcome));

    for party in [Party::Shipper, Party::Stranger] {
        let stranger = fixture.address(Party::Stranger);
        let request = client::set_shipper(contract, stranger, true);
        fixture.expect_error(party, request, SupplyChainError::Unauthorized);
        let request = client::set_shipper(contract, shipper, false);
        fixture.expect_error(party, request, SupplyChainError::Unauthorized);
    }
}

#[test]
fn a_shipment_goes_from_creation_to_receipt() {
    let mut fixture = Fixture::new();
    let contract = fixture.contract;
    let [shipper, carrier, receiver] =
        [Party::Shipper, Party::Carrier, Party::Receiver].map(|party| fixture.address(party));
    let shipment_key = Key::new(contract, keys::shipment(ID));

    let request = fixture.create_request(ID, DESCRIPTION);
    let outcome = fixture.expect_success(Party::Shipper, request);
    assert_eq!(
        only_event::<ShipmentCreated>(&outcome, contract),
        ShipmentCreated {
            id: ID,
            shipper,
            carrier,
            receiver
        }
    );
    assert_eq!(
        written(&outcome),
        vec![&system::nonce_key(&shipper), &shipment_key]
    );
    let expected = Shipment {
        shipper,
        carrier,
        receiver,
        state: ShipmentState::Created,
        description: DESCRIPTION.into(),
    };
    assert_eq!(fixture.shipment(ID), Some(expected.clone()));
    let outcome = fixture.submit(Party::Stranger, client::get_shipment(contract, ID));
    assert_eq!(returned::<Option<Shipment>>(&outcome), Some(expected));

    let outcome = fixture.expect_success(Party::Carrier, client::pick_up(contract, ID));
    assert_eq!(
        only_event::<StatusChanged>(&outcome, contract),
        StatusChanged {
            id: ID,
            from: ShipmentState::Created,
            to: ShipmentState::InTransit,
            by: carrier
        }
    );
    assert_eq!(
        written(&outcome),
        vec![&system::nonce_key(&carrier), &shipment_key]
    );
    assert_eq!(fixture.state_of(ID), ShipmentState::InTransit);

    let mut recorded = Vec::new();
    for (index, location) in ["Rotterdam", "Duisburg", "Basel"].into_iter().enumerate() {
        fixture.chain.env.time += 3_600;
        let request = client::checkpoint(contract, ID, location);
        let outcome = fixture.expect_success(Party::Carrier, request);
        let checkpoint = Checkpoint {
            location: location.into(),
            time: fixture.chain.env.time,
        };
        assert_eq!(
            only_event::<CheckpointRecorded>(&outcome, contract),
            CheckpointRecorded {
                id: ID,
                index: index as u32,
                checkpoint: checkpoint.clone()
            }
        );
        assert_eq!(
            written(&outcome),
            vec![
                &system::nonce_key(&carrier),
                &Key::new(contract, keys::checkpoints(ID))
            ],
            "a checkpoint leaves the shipment record alone"
        );
        recorded.push(checkpoint);
    }
    let outcome = fixture.submit(Party::Stranger, client::checkpoints(contract, ID));
    assert_eq!(returned::<Vec<Checkpoint>>(&outcome), recorded);

    let outcome = fixture.expect_success(Party::Carrier, client::deliver(contract, ID));
    assert_eq!(
        only_event::<StatusChanged>(&outcome, contract),
        StatusChanged {
            id: ID,
            from: ShipmentState::InTransit,
            to: ShipmentState::Delivered,
            by: carrier
        }
    );
    assert_eq!(fixture.state_of(ID), ShipmentState::Delivered);

    let outcome = fixture.expect_success(Party::Receiver, client::confirm_receipt(contract, ID));
    assert_eq!(
        only_event::<StatusChanged>(&outcome, contract),
        StatusChanged {
            id: ID,
            from: ShipmentState::Delivered,
            to: ShipmentState::Received,
            by: receiver
        }
    );
    assert_eq!(
        written(&outcome),
        vec![&system::nonce_key(&receiver), &shipment_key]
    );
    assert_eq!(fixture.state_of(ID), ShipmentState::Received);
}

#[test]
fn the_shipper_cancels_before_pick_up_only() {
    let mut fixture = Fixture::with_shipment();
    let contract = fixture.contract;
    for party in [
        Party::Carrier,
        Party::Receiver,
        Party::Stranger,
        Party::Admin,
    ] {
        fixture.expect_error(
            party,
            client::cancel(contract, ID),
            SupplyChainError::Unauthorized,
        );
    }
    let outcome = fixture.expect_success(Party::Shipper, client::cancel(contract, ID));
    assert_eq!(
        only_event::<StatusChanged>(&outcome, contract),
        StatusChanged {
            id: ID,
            from: ShipmentState::Created,
            to: ShipmentState::Cancelled,
            by: fixture.address(Party::Shipper)
        }
    );
    assert_eq!(fixture.state_of(ID), ShipmentState::Cancelled);
    // Final: nothing moves it, and its id stays taken.
    fixture.expect_error(
        Party::Carrier,
        client::pick_up(contract, ID),
        SupplyChainError::WrongState,
    );
    fixture.expect_error(
        Party::Shipper,
        client::cancel(contract, ID),
        SupplyChainError::WrongState,
    );
    let request = fixture.create_request(ID, DESCRIPTION);
    fixture.expect_error(Party::Shipper, request, SupplyChainError::AlreadyExists);

    let mut fixture = Fixture::in_transit();
    let request = client::cancel(fixture.contract, ID);
    fixture.expect_error(Party::Shipper, request, SupplyChainError::WrongState);
}

#[test]
fn creation_needs_a_registered_shipper_a_new_id_and_a_short_description() {
    let mut fixture = Fixture::with_shipment();
    let request = fixture.create_request(ID, "again");
    fixture.expect_error(Party::Shipper, request, SupplyChainError::AlreadyExists);

    let too_long = "d".repeat(MAX_DESCRIPTION_BYTES + 1);
    let request = fixture.create_request(ID + 1, &too_long);
    fixture.expect_error(
        Party::Shipper,
        request,
        SupplyChainError::DescriptionTooLong,
    );
    let longest = "d".repeat(MAX_DESCRIPTION_BYTES);
    let request = fixture.create_request(ID + 1, &longest);
    fixture.expect_success(Party::Shipper, request);
    assert_eq!(fixture.shipment(ID + 1).unwrap().description, longest);

    // The stranger is not registered: refused with its own registration declared.
    let request = client::create_shipment(
        fixture.contract,
        fixture.address(Party::Stranger),
        ID + 2,
        fixture.address(Party::Carrier),
        fixture.address(Party::Receiver),
        DESCRIPTION,
    );
    fixture.expect_error(Party::Stranger, request, SupplyChainError::Unauthorized);
    assert_eq!(fixture.shipment(ID + 2), None);
}

#[test]
fn roles_are_enforced() {
    let mut fixture = Fixture::with_shipment();
    let contract = fixture.contract;
    for party in [Party::Shipper, Party::Receiver, Party::Stranger] {
        fixture.expect_error(
            party,
            client::pick_up(contract, ID),
            SupplyChainError::Unauthorized,
        );
    }
    fixture.expect_success(Party::Carrier, client::pick_up(contract, ID));
    for party in [Party::Shipper, Party::Receiver, Party::Stranger] {
        let request = client::checkpoint(contract, ID, "Hamburg");
        fixture.expect_error(party, request, SupplyChainError::Unauthorized);
        fixture.expect_error(
            party,
            client::deliver(contract, ID),
            SupplyChainError::Unauthorized,
        );
    }
    fixture.expect_success(Party::Carrier, client::deliver(contract, ID));
    for party in [Party::Shipper, Party::Carrier, Party::Stranger] {
        let request = client::confirm_receipt(contract, ID);
        fixture.expect_error(party, request, SupplyChainError::Unauthorized);
    }
    assert_eq!(fixture.state_of(ID), ShipmentState::Delivered);
}

#[test]
fn transitions_need_the_right_state() {
    let mut fixture = Fixture::with_shipment();
    let contract = fixture.contract;
    let request = client::checkpoint(contract, ID, "Hamburg");
    fixture.expect_error(Party::Carrier, request, SupplyChainError::WrongState);
    fixture.expect_error(
        Party::Carrier,
        client::deliver(contract, ID),
        SupplyChainError::WrongState,
    );
    let request = client::confirm_receipt(contract, ID);
    fixture.expect_error(Party::Receiver, request, SupplyChainError::WrongState);

    fixture.expect_success(Party::Carrier, client::pick_up(contract, ID));
    fixture.expect_error(
        Party::Carrier,
        client::pick_up(contract, ID),
        SupplyChainError::WrongState,
    );
    let request = client::confirm_receipt(contract, ID);
    fixture.expect_error(Party::Receiver, request, SupplyChainError::WrongState);

    fixture.expect_success(Party::Carrier, client::deliver(contract, ID));
    fixture.expect_error(
        Party::Carrier,
        client::deliver(contract, ID),
        SupplyChainError::WrongState,
    );
    let request = client::checkpoint(contract, ID, "Hamburg");
    fixture.expect_error(Party::Carrier, request, SupplyChainError::WrongState);

    fixture.expect_success(Party::Receiver, client::confirm_receipt(contract, ID));
    let request = client::confirm_receipt(contract, ID);
    fixture.expect_error(Party::Receiver, request, SupplyChainError::WrongState);
    assert_eq!(fixture.state_of(ID), ShipmentState::Received);
}

#[test]
fn unknown_ids_are_refused_and_read_as_absent() {
    let mut fixture = Fixture::new();
    let contract = fixture.contract;
    let unknown = 404;
    let cases = [
        (Party::Carrier, client::pick_up(contract, unknown)),
        (
            Party::Carrier,
            client::checkpoint(contract, unknown, "Hamburg"),
        ),
        (Party::Carrier, client::deliver(contract, unknown)),
        (Party::Receiver, client::confirm_receipt(contract, unknown)),
        (Party::Shipper, client::cancel(contract, unknown)),
    ];
    for (party, request) in cases {
        fixture.expect_error(party, request, SupplyChainError::UnknownShipment);
    }
    let outcome = fixture.submit(Party::Stranger, client::get_shipment(contract, unknown));
    assert_eq!(returned::<Option<Shipment>>(&outcome), None);
    let outcome = fixture.submit(Party::Stranger, client::checkpoints(contract, unknown));
    assert_eq!(returned::<Vec<Checkpoint>>(&outcome), vec![]);
}

#[test]
fn checkpoints_are_bounded_in_number_and_length() {
    let mut fixture = Fixture::in_transit();
    let contract = fixture.contract;
    let too_long = "l".repeat(MAX_LOCATION_BYTES + 1);
    let request = client::checkpoint(contract, ID, &too_long);
    fixture.expect_error(Party::Carrier, request, SupplyChainError::LocationTooLong);

    let longest = "l".repeat(MAX_LOCATION_BYTES);
    for _ in 0..MAX_CHECKPOINTS {
        fixture.expect_success(Party::Carrier, client::checkpoint(contract, ID, &longest));
    }
    let request = client::checkpoint(contract, ID, "one too many");
    fixture.expect_error(
        Party::Carrier,
        request,
        SupplyChainError::TooManyCheckpoints,
    );
    let outcome = fixture.submit(Party::Stranger, client::checkpoints(contract, ID));
    let recorded: Vec<Checkpoint> = returned(&outcome);
    assert_eq!(recorded.len(), MAX_CHECKPOINTS as usize);
    assert!(
        recorded
            .iter()
            .all(|checkpoint| checkpoint.location == longest)
    );
    fixture.expect_success(Party::Carrier, client::deliver(contract, ID));
}

#[test]
fn access_lists_are_exact() {
    let mut fixture = Fixture::in_transit();
    let contract = fixture.contract;
    let carrier = fixture.address(Party::Carrier);
    let (checkpoint, _) = client::checkpoint(contract, ID, "Hamburg");
    let (create, _) = fixture.create_request(ID + 1, DESCRIPTION);
    let cases = [
        // A transition's list does not cover the checkpoint list.
        (
            Party::Carrier,
            checkpoint.clone(),
            client::deliver(contract, ID).1,
            Status::UndeclaredRead,
        ),
        // The checkpoint list declared read-only: the append is refused.
        (
            Party::Carrier,
            checkpoint,
            AccessList {
                reads: vec![
                    Key::new(contract, keys::shipment(ID)),
                    Key::new(contract, keys::checkpoints(ID)),
                ],
                writes: vec![],
            },
            Status::UndeclaredWrite,
        ),
        // Someone else's registration does not cover the shipper's.
        (
            Party::Shipper,
            create,
            client::is_shipper(contract, carrier).1,
            Status::UndeclaredRead,
        ),
    ];
    for (party, kind, access, status) in cases {
        let outcome = fixture.submit(party, (kind, access));
        assert_eq!(outcome.receipt.status, status);
        assert_eq!(
            written(&outcome),
            vec![&system::nonce_key(&fixture.address(party))]
        );
    }
    assert_eq!(fixture.shipment(ID + 1), None);
}

#[test]
fn gas_of_typical_calls() {
    let mut fixture = Fixture::new();
    let contract = fixture.contract;
    let create_request = |id| fixture.create_request(id, DESCRIPTION);
    let (create_first, create_second) = (create_request(ID), create_request(ID + 1));
    let mut gas = |party, request| fixture.expect_success(party, request).receipt.gas_used;

    let set_shipper = gas(
        Party::Admin,
        client::set_shipper(contract, Address([7; 32]), true),
    );
    let create = gas(Party::Shipper, create_first);
    let pick_up = gas(Party::Carrier, client::pick_up(contract, ID));
    let first_checkpoint = gas(
        Party::Carrier,
        client::checkpoint(contract, ID, "Rotterdam"),
    );
    let mut tenth_checkpoint = first_checkpoint;
    for _ in 1..10 {
        tenth_checkpoint = gas(
            Party::Carrier,
            client::checkpoint(contract, ID, "Rotterdam"),
        );
    }
    // Each checkpoint rewrites the whole list: the tenth pays for nine more entries.
    assert!(tenth_checkpoint > first_checkpoint);
    let deliver = gas(Party::Carrier, client::deliver(contract, ID));
    let confirm = gas(Party::Receiver, client::confirm_receipt(contract, ID));
    gas(Party::Shipper, create_second);
    let cancel = gas(Party::Shipper, client::cancel(contract, ID + 1));
    let get_shipment = gas(Party::Stranger, client::get_shipment(contract, ID));
    let checkpoints = gas(Party::Stranger, client::checkpoints(contract, ID));
    let is_shipper = gas(
        Party::Stranger,
        client::is_shipper(contract, Address([7; 32])),
    );
    eprintln!(
        "supply-chain gas: set_shipper {set_shipper}, create_shipment {create}, pick_up \
         {pick_up}, checkpoint {first_checkpoint} (1st) {tenth_checkpoint} (10th), deliver \
         {deliver}, confirm_receipt {confirm}, cancel {cancel}, get_shipment {get_shipment}, \
         checkpoints (10) {checkpoints}, is_shipper {is_shipper}"
    );
}
