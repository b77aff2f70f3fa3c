//! Native tests: the supply chain's methods run against `keyway_sdk::testing::TestEnv`,
//! each call with exactly the access list its [`client`] builder declares.

use keyway_sdk::host_api::TxKind;
use keyway_sdk::testing::{Outcome, TestEnv};
use keyway_sdk::{AccessList, Address, ContractError, Status};

use super::*;

const ADMIN_ACCOUNT: Address = Address([0xAD; 32]);
const SHIPPER: Address = Address([0x51; 32]);
const CARRIER: Address = Address([0xCA; 32]);
const RECEIVER: Address = Address([0xEC; 32]);
const STRANGER: Address = Address([0x99; 32]);
const CONTRACT: Address = Address([0x5C; 32]);
/// The shipment [`created`] sets up.
const ID: u64 = 7;
const TIME: u64 = 1_700_000_000;

/// A contract administered by `ADMIN_ACCOUNT`, with `SHIPPER` registered.
fn setup() -> TestEnv {
    let mut env = TestEnv::new();
    env.set_contract(CONTRACT).set_block(10, TIME, 1);
    env.set_sender(ADMIN_ACCOUNT)
        .declare(client::init_access(CONTRACT));
    env.call(|| init(ADMIN_ACCOUNT)).unwrap();
    let request = client::set_shipper(CONTRACT, SHIPPER, true);
    env.call_as(ADMIN_ACCOUNT, request.1, || set_shipper(SHIPPER, true))
        .unwrap();
    env
}

/// [`setup`] plus shipment [`ID`] from `SHIPPER`, carried by `CARRIER` to `RECEIVER`.
fn created() -> TestEnv {
    let mut env = setup();
    create(&mut env, SHIPPER, ID).unwrap();
    env
}

/// [`created`], picked up.
fn in_transit() -> TestEnv {
    let mut env = created();
    let request = client::pick_up(CONTRACT, ID);
    env.call_as(CARRIER, request.1, || pick_up(ID)).unwrap();
    env
}

/// [`in_transit`], delivered.
fn delivered() -> TestEnv {
    let mut env = in_transit();
    let request = client::deliver(CONTRACT, ID);
    env.call_as(CARRIER, request.1, || deliver(ID)).unwrap();
    env
}

fn create(env: &mut TestEnv, shipper: Address, id: u64) -> Outcome<()> {
    let request = client::create_shipment(CONTRACT, shipper, id, CARRIER, RECEIVER, "pallets");
    env.call_as(shipper, request.1, || {
        create_shipment(id, CARRIER, RECEIVER, "pallets".into())
    })
}

fn record(env: &mut TestEnv, sender: Address, id: u64, location: &str) -> Outcome<()> {
    let request = client::checkpoint(CONTRACT, id, location);
    env.call_as(sender, request.1, || checkpoint(id, location.into()))
}

fn state_of(env: &mut TestEnv, id: u64) -> ShipmentState {
    env.view(|| get_shipment(id))
        .expect("the shipment exists")
        .state
}

/// The one `StatusChanged` event of a transition.
fn status_changed(from: ShipmentState, to: ShipmentState, by: Address) -> Vec<StatusChanged> {
    vec![StatusChanged {
        id: ID,
        from,
        to,
        by,
    }]
}

/// Asserts that `outcome` reverted with `error` and that the state is still `before`.
#[track_caller]
fn assert_refused<T: core::fmt::Debug>(
    env: &TestEnv,
    before: &keyway_sdk::testing::State,
    outcome: Outcome<T>,
    error: SupplyChainError,
) {
    assert_eq!(outcome.status, error.status());
    assert!(outcome.events.is_empty());
    assert_eq!(env.state(), before);
}

#[test]
fn init_stores_the_admin() {
    let mut env = TestEnv::new();
    env.set_contract(CONTRACT)
        .set_sender(STRANGER)
        .declare(client::init_access(CONTRACT));
    let outcome = env.call(|| init(ADMIN_ACCOUNT));
    assert_eq!(outcome.status, Status::Success);
    assert!(outcome.events.is_empty());
    assert_eq!(env.view(|| ADMIN.get()), Some(ADMIN_ACCOUNT));
    assert_eq!(env.state().len(), 1);
}

#[test]
fn the_admin_registers_and_revokes_shippers() {
    let mut env = setup();
    let request = client::is_shipper(CONTRACT, SHIPPER);
    assert!(
        env.call_as(STRANGER, request.1, || is_shipper(SHIPPER))
            .unwrap()
    );
    assert!(!env.view(|| is_shipper(CARRIER)));

    let request = client::set_shipper(CONTRACT, SHIPPER, false);
    let outcome = env.call_as(ADMIN_ACCOUNT, request.1, || set_shipper(SHIPPER, false));
    assert_eq!(outcome.status, Status::Success);
    assert_eq!(outcome.events[0].topic, b"shipper_set");
    assert_eq!(
        outcome.events_of::<ShipperSet>(),
        vec![ShipperSet {
            account: SHIPPER,
            allowed: false
        }]
    );
    assert!(!env.view(|| is_shipper(SHIPPER)));
    assert_eq!(env.storage(&CONTRACT, &keys::shipper(&SHIPPER)), None);

    let request = client::set_shipper(CONTRACT, CARRIER, true);
    let outcome = env.call_as(ADMIN_ACCOUNT, request.1, || set_shipper(CARRIER, true));
    assert_eq!(
        outcome.events_of::<ShipperSet>(),
        vec![ShipperSet {
            account: CARRIER,
            allowed: true
        }]
    );
    assert!(env.view(|| is_shipper(CARRIER)));
}

#[test]
fn only_the_admin_sets_shippers() {
    let mut env = setup();
    let before = env.state().clone();
    for sender in [SHIPPER, STRANGER] {
        let request = client::set_shipper(CONTRACT, STRANGER, true);
        let outcome = env.call_as(sender, request.1, || set_shipper(STRANGER, true));
        assert_refused(&env, &before, outcome, SupplyChainError::Unauthorized);
        let request = client::set_shipper(CONTRACT, SHIPPER, false);
        let outcome = env.call_as(sender, request.1, || set_shipper(SHIPPER, false));
        assert_refused(&env, &before, outcome, SupplyChainError::Unauthorized);
    }
}

#[test]
fn a_registered_shipper_creates_a_shipment() {
    let mut env = setup();
    let outcome = create(&mut env, SHIPPER, ID);
    assert_eq!(outcome.status, Status::Success);
    assert_eq!(outcome.events.len(), 1);
    assert_eq!(outcome.events[0].topic, b"shipment_created");
    assert_eq!(
        outcome.events_of::<ShipmentCreated>(),
        vec![ShipmentCreated {
            id: ID,
            shipper: SHIPPER,
            carrier: CARRIER,
            receiver: RECEIVER
        }]
    );
    let request = client::get_shipment(CONTRACT, ID);
    let shipment = env
        .call_as(STRANGER, request.1, || get_shipment(ID))
        .unwrap();
    assert_eq!(
        shipment,
        Some(Shipment {
            shipper: SHIPPER,
            carrier: CARRIER,
            receiver: RECEIVER,
            state: ShipmentState::Created,
            description: "pallets".into(),
        })
    );
    let request = client::checkpoints(CONTRACT, ID);
    assert_eq!(
        env.call_as(STRANGER, request.1, || checkpoints(ID))
            .unwrap(),
        vec![]
    );
}

#[test]
fn unregistered_and_revoked_accounts_cannot_create() {
    let mut env = setup();
    let before = env.state().clone();
    let outcome = create(&mut env, STRANGER, ID);
    assert_refused(&env, &before, outcome, SupplyChainError::Unauthorized);
    // Nor can the admin: registering is not being registered.
    let outcome = create(&mut env, ADMIN_ACCOUNT, ID);
    assert_refused(&env, &before, outcome, SupplyChainError::Unauthorized);

    let request = client::set_shipper(CONTRACT, SHIPPER, false);
    env.call_as(ADMIN_ACCOUNT, request.1, || set_shipper(SHIPPER, false))
        .unwrap();
    let before = env.state().clone();
    let outcome = create(&mut env, SHIPPER, ID);
    assert_refused(&env, &before, outcome, SupplyChainError::Unauthorized);
}

#[test]
fn an_id_is_created_once() {
    let mut env = created();
    let before = env.state().clone();
    let outcome = create(&mut env, SHIPPER, ID);
    assert_refused(&env, &before, outcome, SupplyChainError::AlreadyExists);

    // Another shipper cannot take the id either, nor reuse it once cancelled.
    let request = client::set_shipper(CONTRACT, STRANGER, true);
    env.call_as(ADMIN_ACCOUNT, request.1, || set_shipper(STRANGER, true))
        .unwrap();
    let request = client::cancel(CONTRACT, ID);
    env.call_as(SHIPPER, request.1, || cancel(ID)).unwrap();
    let before = env.state().clone();
    let outcome = create(&mut env, STRANGER, ID);
    assert_refused(&env, &before, outcome, SupplyChainError::AlreadyExists);
    assert_eq!(create(&mut env, STRANGER, ID + 1).status, Status::Success);
}

#[test]
fn descriptions_are_bounded() {
    let mut env = setup();
    let longest = "d".repeat(MAX_DESCRIPTION_BYTES);
    let too_long = "d".repeat(MAX_DESCRIPTION_BYTES + 1);
    let before = env.state().clone();
    let request = client::create_shipment(CONTRACT, SHIPPER, 1, CARRIER, RECEIVER, &too_long);
    let outcome = env.call_as(SHIPPER, request.1, || {
        create_shipment(1, CARRIER, RECEIVER, too_long.clone())
    });
    assert_refused(&env, &before, outcome, SupplyChainError::DescriptionTooLong);
    let request = client::create_shipment(CONTRACT, SHIPPER, 1, CARRIER, RECEIVER, &longest);
    let outcome = env.call_as(SHIPPER, request.1, || {
        create_shipment(1, CARRIER, RECEIVER, longest.clone())
    });
    assert_eq!(outcome.status, Status::Success);
    assert_eq!(env.view(|| get_shipment(1)).unwrap().description, longest);
}

#[test]
fn the_full_lifecycle_emits_one_event_per_transition() {
    let mut env = created();
    let request = client::pick_up(CONTRACT, ID);
    let outcome = env.call_as(CARRIER, request.1, || pick_up(ID));
    assert_eq!(outcome.status, Status::Success);
    assert_eq!(outcome.events[0].topic, b"status_changed");
    assert_eq!(
        outcome.events_of::<StatusChanged>(),
        status_changed(ShipmentState::Created, ShipmentState::InTransit, CARRIER)
    );
    assert_eq!(state_of(&mut env, ID), ShipmentState::InTransit);

    let outcome = record(&mut env, CARRIER, ID, "Rotterdam");
    assert_eq!(outcome.status, Status::Success);
    assert_eq!(outcome.events[0].topic, b"checkpoint");
    let rotterdam = Checkpoint {
        location: "Rotterdam".into(),
        time: TIME,
    };
    assert_eq!(
        outcome.events_of::<CheckpointRecorded>(),
        vec![CheckpointRecorded {
            id: ID,
            index: 0,
            checkpoint: rotterdam.clone()
        }]
    );
    env.set_block(11, TIME + 60, 1);
    let outcome = record(&mut env, CARRIER, ID, "Duisburg");
    let duisburg = Checkpoint {
        location: "Duisburg".into(),
        time: TIME + 60,
    };
    assert_eq!(
        outcome.events_of::<CheckpointRecorded>(),
        vec![CheckpointRecorded {
            id: ID,
            index: 1,
            checkpoint: duisburg.clone()
        }]
    );
    let request = client::checkpoints(CONTRACT, ID);
    assert_eq!(
        env.call_as(STRANGER, request.1, || checkpoints(ID))
            .unwrap(),
        vec![rotterdam, duisburg]
    );

    let request = client::deliver(CONTRACT, ID);
    let outcome = env.call_as(CARRIER, request.1, || deliver(ID));
    assert_eq!(
        outcome.events_of::<StatusChanged>(),
        status_changed(ShipmentState::InTransit, ShipmentState::Delivered, CARRIER)
    );
    assert_eq!(state_of(&mut env, ID), ShipmentState::Delivered);

    let request = client::confirm_receipt(CONTRACT, ID);
    let outcome = env.call_as(RECEIVER, request.1, || confirm_receipt(ID));
    assert_eq!(
        outcome.events_of::<StatusChanged>(),
        status_changed(ShipmentState::Delivered, ShipmentState::Received, RECEIVER)
    );
    let shipment = env.view(|| get_shipment(ID)).unwrap();
    assert_eq!(shipment.state, ShipmentState::Received);
    assert_eq!(
        (shipment.shipper, shipment.carrier, shipment.receiver),
        (SHIPPER, CARRIER, RECEIVER)
    );
}

#[test]
fn only_the_carrier_picks_up_delivers_and_records() {
    let mut env = created();
    let before = env.state().clone();
    for sender in [SHIPPER, RECEIVER, STRANGER] {
        let outcome = env.call_as(sender, (client::pick_up(CONTRACT, ID)).1, || pick_up(ID));
        assert_refused(&env, &before, outcome, SupplyChainError::Unauthorized);
    }

    let mut env = in_transit();
    let before = env.state().clone();
    for sender in [SHIPPER, RECEIVER, STRANGER] {
        let outcome = record(&mut env, sender, ID, "Hamburg");
        assert_refused(&env, &before, outcome, SupplyChainError::Unauthorized);
        let outcome = env.call_as(sender, (client::deliver(CONTRACT, ID)).1, || deliver(ID));
        assert_refused(&env, &before, outcome, SupplyChainError::Unauthorized);
    }
}

#[test]
fn only_the_receiver_confirms_and_only_the_shipper_cancels() {
    let mut env = delivered();
    let before = env.state().clone();
    for sender in [SHIPPER, CARRIER, STRANGER] {
        let request = client::confirm_receipt(CONTRACT, ID);
        let outcome = env.call_as(sender, request.1, || confirm_receipt(ID));
        assert_refused(&env, &before, outcome, SupplyChainError::Unauthorized);
    }

    let mut env = created();
    let before = env.state().clone();
    for sender in [CARRIER, RECEIVER, STRANGER, ADMIN_ACCOUNT] {
        let outcome = env.call_as(sender, (client::cancel(CONTRACT, ID)).1, || cancel(ID));
        assert_refused(&env, &before, outcome, SupplyChainError::Unauthorized);
    }
}

/// Sets up a contract with shipment [`ID`] in some state.
type Fixture = fn() -> TestEnv;

/// A transition method, its client builder and the party allowed to call it.
#[derive(Clone, Copy)]
struct Transition {
    method: fn(u64) -> Result<(), SupplyChainError>,
    request: fn(Address, u64) -> (TxKind, AccessList),
    sender: Address,
}

const PICK_UP: Transition = Transition {
    method: pick_up,
    request: client::pick_up,
    sender: CARRIER,
};
const DELIVER: Transition = Transition {
    method: deliver,
    request: client::deliver,
    sender: CARRIER,
};
const CONFIRM_RECEIPT: Transition = Transition {
    method: confirm_receipt,
    request: client::confirm_receipt,
    sender: RECEIVER,
};
const CANCEL: Transition = Transition {
    method: cancel,
    request: client::cancel,
    sender: SHIPPER,
};

impl Transition {
    /// Runs the transition of shipment `id` as its allowed party.
    fn run(self, env: &mut TestEnv, id: u64) -> Outcome<()> {
        env.call_as(self.sender, ((self.request)(CONTRACT, id)).1, || {
            (self.method)(id)
        })
    }
}

#[test]
fn transitions_only_leave_their_own_state() {
    // Each transition, by its party, from every state it does not start from.
    let cases: [(Fixture, Vec<Transition>); 3] = [
        (created, vec![DELIVER, CONFIRM_RECEIPT]),
        (in_transit, vec![PICK_UP, CONFIRM_RECEIPT, CANCEL]),
        (delivered, vec![PICK_UP, DELIVER, CANCEL]),
    ];
    for (fixture, refused) in cases {
        let mut env = fixture();
        let before = env.state().clone();
        for transition in refused {
            let outcome = transition.run(&mut env, ID);
            assert_refused(&env, &before, outcome, SupplyChainError::WrongState);
        }
    }

    // The final states accept nothing.
    let mut received = delivered();
    CONFIRM_RECEIPT.run(&mut received, ID).unwrap();
    let mut cancelled = created();
    CANCEL.run(&mut cancelled, ID).unwrap();
    assert_eq!(state_of(&mut cancelled, ID), ShipmentState::Cancelled);
    for mut env in [received, cancelled] {
        let before = env.state().clone();
        for transition in [PICK_UP, DELIVER, CONFIRM_RECEIPT, CANCEL] {
            let outcome = transition.run(&mut env, ID);
            assert_refused(&env, &before, outcome, SupplyChainError::WrongState);
        }
        let outcome = record(&mut env, CARRIER, ID, "Hamburg");
        assert_refused(&env, &before, outcome, SupplyChainError::WrongState);
    }
}

#[test]
fn cancel_before_pick_up() {
    let mut env = created();
    let outcome = env.call_as(SHIPPER, (client::cancel(CONTRACT, ID)).1, || cancel(ID));
    assert_eq!(outcome.status, Status::Success);
    assert_eq!(
        outcome.events_of::<StatusChanged>(),
        status_changed(ShipmentState::Created, ShipmentState::Cancelled, SHIPPER)
    );
    assert_eq!(state_of(&mut env, ID), ShipmentState::Cancelled);
}

#[test]
fn checkpoints_need_the_shipment_in_transit() {
    for fixture in [created as Fixture, delivered] {
        let mut env = fixture();
        let before = env.state().clone();
        let outcome = record(&mut env, CARRIER, ID, "Hamburg");
        assert_refused(&env, &before, outcome, SupplyChainError::WrongState);
    }
}

#[test]
fn checkpoints_are_bounded_in_number_and_length() {
    let mut env = in_transit();
    let longest = "l".repeat(MAX_LOCATION_BYTES);
    let before = env.state().clone();
    let outcome = record(&mut env, CARRIER, ID, &"l".repeat(MAX_LOCATION_BYTES + 1));
    assert_refused(&env, &before, outcome, SupplyChainError::LocationTooLong);

    for index in 0..MAX_CHECKPOINTS {
        let outcome = record(&mut env, CARRIER, ID, &longest);
        assert_eq!(outcome.status, Status::Success, "checkpoint {index}");
        assert_eq!(outcome.events_of::<CheckpointRecorded>()[0].index, index);
    }
    let before = env.state().clone();
    let outcome = record(&mut env, CARRIER, ID, "one too many");
    assert_refused(&env, &before, outcome, SupplyChainError::TooManyCheckpoints);

    let recorded = env.view(|| checkpoints(ID));
    assert_eq!(recorded.len(), MAX_CHECKPOINTS as usize);
    assert!(
        recorded
            .iter()
            .all(|c| c.location == longest && c.time == TIME)
    );
    // The appended bytes are exactly the borsh encoding of the list.
    let stored = env.storage(&CONTRACT, &keys::checkpoints(ID)).unwrap();
    assert_eq!(stored, borsh::to_vec(&recorded).unwrap());
    // Delivery is still possible.
    let outcome = env.call_as(CARRIER, (client::deliver(CONTRACT, ID)).1, || deliver(ID));
    assert_eq!(outcome.status, Status::Success);
}

#[test]
fn unknown_ids_are_refused_and_read_as_absent() {
    let mut env = setup();
    let before = env.state().clone();
    let unknown = 404;
    for transition in [PICK_UP, DELIVER, CONFIRM_RECEIPT, CANCEL] {
        let outcome = transition.run(&mut env, unknown);
        assert_refused(&env, &before, outcome, SupplyChainError::UnknownShipment);
    }
    let outcome = record(&mut env, CARRIER, unknown, "Hamburg");
    assert_refused(&env, &before, outcome, SupplyChainError::UnknownShipment);

    let request = client::get_shipment(CONTRACT, unknown);
    assert_eq!(
        env.call_as(STRANGER, request.1, || get_shipment(unknown))
            .unwrap(),
        None
    );
    let request = client::checkpoints(CONTRACT, unknown);
    assert_eq!(
        env.call_as(STRANGER, request.1, || checkpoints(unknown))
            .unwrap(),
        vec![]
    );
}

#[test]
fn access_lists_are_exact() {
    let mut env = in_transit();
    let before = env.state().clone();
    // The checkpoint list declared read-only: the append is an undeclared write.
    let (_, mut access) = client::checkpoint(CONTRACT, ID, "Hamburg");
    access.reads.append(&mut access.writes);
    env.set_sender(CARRIER).declare(access);
    assert_eq!(
        env.call(|| checkpoint(ID, "Hamburg".into())).status,
        Status::UndeclaredWrite
    );
    // A transition's list does not cover the checkpoint list.
    env.declare(client::deliver(CONTRACT, ID).1);
    assert_eq!(
        env.call(|| checkpoint(ID, "Hamburg".into())).status,
        Status::UndeclaredRead
    );
    // Creating needs the shipper's registration declared, not the admin.
    let (_, access) = client::create_shipment(CONTRACT, STRANGER, 1, CARRIER, RECEIVER, "x");
    env.set_sender(SHIPPER).declare(access);
    assert_eq!(
        env.call(|| create_shipment(1, CARRIER, RECEIVER, "x".into()))
            .status,
        Status::UndeclaredRead
    );
    assert_eq!(env.state(), &before);

    // Transitions write only the shipment; checkpoints only read it.
    let (_, access) = client::deliver(CONTRACT, ID);
    assert!(access.reads.is_empty());
    assert_eq!(access.writes.len(), 1);
    assert_eq!(access.writes[0].bytes, keys::shipment(ID));
    let (_, access) = client::checkpoint(CONTRACT, ID, "Hamburg");
    assert_eq!(access.reads.len(), 1);
    assert_eq!(access.reads[0].bytes, keys::shipment(ID));
    assert_eq!(access.writes.len(), 1);
    assert_eq!(access.writes[0].bytes, keys::checkpoints(ID));
}

#[test]
fn client_arguments_decode_as_the_methods_expect() {
    let TxKind::Call {
        contract,
        method,
        args,
    } = client::create_shipment(CONTRACT, SHIPPER, 3, CARRIER, RECEIVER, "crates").0
    else {
        panic!("a call")
    };
    assert_eq!((contract, method.as_str()), (CONTRACT, "create_shipment"));
    let decoded: (u64, Address, Address, String) = borsh::from_slice(&args).unwrap();
    assert_eq!(decoded, (3, CARRIER, RECEIVER, "crates".into()));

    let TxKind::Call { method, args, .. } = client::checkpoint(CONTRACT, 3, "Lyon").0 else {
        panic!("a call")
    };
    assert_eq!(method, "checkpoint");
    let decoded: (u64, String) = borsh::from_slice(&args).unwrap();
    assert_eq!(decoded, (3, "Lyon".into()));

    for (request, name) in [
        (client::pick_up(CONTRACT, 3), "pick_up"),
        (client::deliver(CONTRACT, 3), "deliver"),
        (client::confirm_receipt(CONTRACT, 3), "confirm_receipt"),
        (client::cancel(CONTRACT, 3), "cancel"),
        (client::get_shipment(CONTRACT, 3), "get_shipment"),
        (client::checkpoints(CONTRACT, 3), "checkpoints"),
    ] {
        let TxKind::Call { method, args, .. } = request.0 else {
            panic!("a call")
        };
        assert_eq!(method, name);
        assert_eq!(borsh::from_slice::<u64>(&args).unwrap(), 3);
    }

    let (address, [(deploy, deploy_access), (instantiate, init_access)]) =
        client::create(b"wasm", SHIPPER, 0, ADMIN_ACCOUNT);
    assert_eq!(
        address,
        keyway_sdk::host_api::system::contract_address(&SHIPPER, 1)
    );
    assert!(matches!(deploy, TxKind::Deploy { code } if code == b"wasm"));
    assert_eq!(deploy_access, AccessList::default());
    let TxKind::Instantiate { args, .. } = instantiate else {
        panic!("an instantiation")
    };
    assert_eq!(borsh::from_slice::<Address>(&args).unwrap(), ADMIN_ACCOUNT);
    assert_eq!(init_access, client::init_access(address));
}

#[test]
fn storage_layout_is_as_documented() {
    assert_eq!(keys::ADMIN, b"admin");
    let shipper = keys::shipper(&SHIPPER);
    assert_eq!((shipper[0], &shipper[1..]), (b'r', &SHIPPER.0[..]));
    let shipment = keys::shipment(0x0102);
    assert_eq!(shipment, [b's', 2, 1, 0, 0, 0, 0, 0, 0]);
    let list = keys::checkpoints(0x0102);
    assert_eq!(list, [b'c', 2, 1, 0, 0, 0, 0, 0, 0]);

    let mut env = in_transit();
    record(&mut env, CARRIER, ID, "A").unwrap();
    assert_eq!(
        env.storage(&CONTRACT, b"admin"),
        Some(ADMIN_ACCOUNT.0.to_vec())
    );
    assert_eq!(env.storage(&CONTRACT, &shipper), Some(vec![]));
    let mut record_bytes = Vec::new();
    record_bytes.extend_from_slice(&SHIPPER.0);
    record_bytes.extend_from_slice(&CARRIER.0);
    record_bytes.extend_from_slice(&RECEIVER.0);
    record_bytes.push(1); // InTransit
    record_bytes.extend_from_slice(&7u32.to_le_bytes());
    record_bytes.extend_from_slice(b"pallets");
    assert_eq!(
        env.storage(&CONTRACT, &keys::shipment(ID)),
        Some(record_bytes)
    );
    let mut list_bytes = 1u32.to_le_bytes().to_vec();
    list_bytes.extend_from_slice(&1u32.to_le_bytes());
    list_bytes.extend_from_slice(b"A");
    list_bytes.extend_from_slice(&TIME.to_le_bytes());
    assert_eq!(
        env.storage(&CONTRACT, &keys::checkpoints(ID)),
        Some(list_bytes)
    );
    assert_eq!(env.state().len(), 4);
}

#[test]
fn state_encodings_are_stable() {
    let states = [
        ShipmentState::Created,
        ShipmentState::InTransit,
        ShipmentState::Delivered,
        ShipmentState::Received,
        ShipmentState::Cancelled,
    ]
    .map(|s| borsh::to_vec(&s).unwrap());
    assert_eq!(states, [[0], [1], [2], [3], [4]]);
}

#[test]
fn error_codes_are_stable() {
    let codes = [
        SupplyChainError::Unauthorized,
        SupplyChainError::WrongState,
        SupplyChainError::UnknownShipment,
        SupplyChainError::AlreadyExists,
        SupplyChainError::TooManyCheckpoints,
        SupplyChainError::DescriptionTooLong,
        SupplyChainError::LocationTooLong,
    ]
    .map(|e| e.code());
    assert_eq!(codes, [1, 2, 3, 4, 5, 6, 7]);
}
