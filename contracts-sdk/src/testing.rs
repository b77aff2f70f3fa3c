//! Native test mode: run contract code against an in-memory host.
//!
//! Off `wasm32` every host function of the SDK goes to a thread-local host that a
//! [`TestEnv`] sets up for the duration of [`TestEnv::call`]. It behaves like the runtime
//! for what a contract can observe: storage is namespaced by the contract's address,
//! declared keys are enforced (`UndeclaredRead`/`UndeclaredWrite`), `revert`, `abort`,
//! panics and returned `Err`s end the call, and a call that does not succeed leaves no
//! writes and no events behind. Gas is not metered and host limits are not enforced.
//! Cross-contract calls reach mocked callees ([`TestEnv::mock`]) and are recorded in
//! [`Outcome::calls`].
//!
//! ```
//! use keyway_sdk::testing::TestEnv;
//! use keyway_sdk::{AccessList, Address, Item, Key, Status};
//!
//! const COUNT: Item<u64> = Item::new(b"count");
//! fn bump() -> u64 {
//!     let n = COUNT.get_or_default() + 1;
//!     COUNT.set(&n);
//!     n
//! }
//!
//! let mut env = TestEnv::new();
//! assert_eq!(env.call(bump).value, Some(1));
//!
//! // Only reads declared: the write is refused and the call changes nothing.
//! let contract = env.contract();
//! env.declare(AccessList { reads: vec![Key::new(contract, *b"count")], writes: vec![] });
//! assert_eq!(env.call(bump).status, Status::UndeclaredWrite);
//! assert_eq!(env.storage(&contract, b"count"), Some(1u64.to_le_bytes().to_vec()));
//! ```

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::cell::RefCell;
use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind, panic_any};
use std::sync::Once;

use borsh::{BorshDeserialize, BorshSerialize};
use keyway_host_api::{AccessList, Address, BlockEnv, Status};

use crate::ContractError;
use crate::call::CallError;
use crate::events::Event as ContractEvent;

pub use keyway_host_api::Event;

/// The in-memory state: `(contract, key) -> value`, like the runtime's.
pub type State = BTreeMap<(Address, Vec<u8>), Vec<u8>>;

/// The default caller of a fresh [`TestEnv`].
pub const DEFAULT_SENDER: Address = Address([0xA1; 32]);
/// The default contract address of a fresh [`TestEnv`].
pub const DEFAULT_CONTRACT: Address = Address([0xC0; 32]);
/// The gas a fresh [`TestEnv`] reports as remaining (the runtime's default per-tx limit).
pub const DEFAULT_GAS: u64 = 100_000_000;

/// Which keys calls may touch.
#[derive(Clone, Debug)]
enum Access {
    All,
    Declared(AccessList),
}

/// A test chain with one calling account and one contract at a time.
///
/// Settings persist across calls until changed. By default every key may be read and
/// written ([`allow_all`](TestEnv::allow_all)); [`declare`](TestEnv::declare) switches to
/// the runtime's rules.
#[derive(Debug)]
pub struct TestEnv {
    state: State,
    sender: Address,
    contract: Address,
    block: BlockEnv,
    access: Access,
    gas: u64,
    input: Vec<u8>,
    mocks: Mocks,
}

/// A cross-contract call a contract made in a [`TestEnv::call`], and how it ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedCall {
    /// The callee.
    pub contract: Address,
    /// The method called.
    pub method: String,
    /// The borsh-encoded arguments.
    pub args: Vec<u8>,
    /// The gas allowance asked for ([`crate::call::ALL_GAS`] for everything).
    pub gas: u64,
    /// How the (mocked) callee ended.
    pub status: Status,
}

/// What a mocked callee sees of a call.
#[derive(Clone, Debug)]
pub struct MockCall {
    /// The calling contract.
    pub caller: Address,
    /// The borsh-encoded arguments.
    pub args: Vec<u8>,
}

impl MockCall {
    /// The arguments decoded as `T` (a tuple for several); panics (in the test) when they
    /// do not decode.
    #[track_caller]
    pub fn args<T: BorshDeserialize>(&self) -> T {
        match borsh::from_slice(&self.args) {
            Ok(args) => args,
            Err(err) => panic!("mocked call arguments do not decode: {err}"),
        }
    }
}

/// A mocked callee's answer: its return data, or its failure.
pub type MockResult = Result<Vec<u8>, CallError>;

type MockHandler = Box<dyn FnMut(&MockCall) -> MockResult>;

/// Mocked callees by (contract, method).
#[derive(Default)]
struct Mocks(BTreeMap<(Address, String), MockHandler>);

impl core::fmt::Debug for Mocks {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

impl Default for TestEnv {
    fn default() -> Self {
        TestEnv::new()
    }
}

/// How a [`TestEnv::call`] ended, as a receipt would say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome<T> {
    /// `Success`, `Reverted`, `Aborted`, `UndeclaredRead` or `UndeclaredWrite`.
    pub status: Status,
    /// The closure's value on success.
    pub value: Option<T>,
    /// The call's events, in order; empty unless it succeeded.
    pub events: Vec<Event>,
    /// What a Wasm call would return: the borsh-encoded value (or the last
    /// [`env::set_return`](crate::env::set_return) for methods returning nothing) on
    /// success, the revert data on `Reverted`, the UTF-8 message on `Aborted`.
    pub return_data: Vec<u8>,
    /// The cross-contract calls the call made, in order (kept whatever the status).
    pub calls: Vec<RecordedCall>,
}

impl<T> Outcome<T> {
    /// True when the call succeeded.
    pub fn is_success(&self) -> bool {
        self.status == Status::Success
    }

    /// The value; panics (in the test) with the status and message when the call failed.
    #[track_caller]
    pub fn unwrap(self) -> T {
        match self.value {
            Some(value) => value,
            None => panic!(
                "call ended with {} ({:?})",
                self.status,
                String::from_utf8_lossy(&self.return_data)
            ),
        }
    }

    /// The events with `E`'s topic, decoded. Panics (in the test) when one does not decode.
    #[track_caller]
    pub fn events_of<E: ContractEvent + BorshDeserialize>(&self) -> Vec<E> {
        self.events
            .iter()
            .filter(|e| e.topic == E::TOPIC)
            .map(|e| match borsh::from_slice(&e.data) {
                Ok(event) => event,
                Err(err) => panic!("event with topic {:?} does not decode: {err}", E::TOPIC),
            })
            .collect()
    }

    /// The abort message (the return data as text).
    pub fn message(&self) -> String {
        String::from_utf8_lossy(&self.return_data).into_owned()
    }
}

/// What a revert carries: the code and the data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Revert {
    /// The contract's error code.
    pub code: u32,
    /// The revert data.
    pub data: Vec<u8>,
}

/// Turns what a test closure returns into an outcome, the way `#[method]`'s glue does on
/// `wasm32`: `Err(e)` reverts with `e.code()`, other values are the return data.
///
/// Implemented for `Result<T, E: ContractError>`, `()`, `bool`, the integers, `Address`,
/// `String`, `Vec<T>`, `Option<T>` and small tuples; for other borsh types use
/// [`impl_into_outcome!`](crate::impl_into_outcome). (There is no blanket impl: `Result`
/// needs its own, and Rust has no specialization.)
pub trait IntoOutcome {
    /// The value on success.
    type Value;

    /// The value, or the revert the call ends with.
    fn into_outcome(self) -> Result<Self::Value, Revert>;

    /// The return data a method returning `value` sets, or `None` for methods that set
    /// none (returning `()`).
    fn return_data(value: &Self::Value) -> Option<Vec<u8>>;
}

impl IntoOutcome for () {
    type Value = ();
    fn into_outcome(self) -> Result<(), Revert> {
        Ok(())
    }
    fn return_data(_: &()) -> Option<Vec<u8>> {
        None
    }
}

impl<T: IntoOutcome<Value = T>, E: ContractError> IntoOutcome for Result<T, E> {
    type Value = T;
    fn into_outcome(self) -> Result<T, Revert> {
        self.map_err(|e| Revert {
            code: e.code(),
            data: e.data(),
        })
    }
    fn return_data(value: &T) -> Option<Vec<u8>> {
        T::return_data(value)
    }
}

/// Implements [`IntoOutcome`] for borsh types returned by contract methods, so that
/// [`TestEnv::call`] can run them: `keyway_sdk::impl_into_outcome!(MyStruct, MyEnum);`.
#[macro_export]
macro_rules! impl_into_outcome {
    ($($ty:ty),* $(,)?) => {$(
        impl $crate::testing::IntoOutcome for $ty {
            type Value = $ty;
            fn into_outcome(self) -> ::core::result::Result<$ty, $crate::testing::Revert> {
                ::core::result::Result::Ok(self)
            }
            fn return_data(value: &$ty) -> ::core::option::Option<$crate::__private::Vec<u8>> {
                ::core::option::Option::Some($crate::testing::encode_for_test(value))
            }
        }
    )*};
}

impl_into_outcome!(
    bool, u8, u16, u32, u64, u128, i8, i16, i32, i64, i128, Address, String, [u8; 32]
);

impl<T: BorshSerialize> IntoOutcome for Vec<T> {
    type Value = Vec<T>;
    fn into_outcome(self) -> Result<Self, Revert> {
        Ok(self)
    }
    fn return_data(value: &Self) -> Option<Vec<u8>> {
        Some(encode_for_test(value))
    }
}

impl<T: BorshSerialize> IntoOutcome for Option<T> {
    type Value = Option<T>;
    fn into_outcome(self) -> Result<Self, Revert> {
        Ok(self)
    }
    fn return_data(value: &Self) -> Option<Vec<u8>> {
        Some(encode_for_test(value))
    }
}

impl<A: BorshSerialize, B: BorshSerialize> IntoOutcome for (A, B) {
    type Value = (A, B);
    fn into_outcome(self) -> Result<Self, Revert> {
        Ok(self)
    }
    fn return_data(value: &Self) -> Option<Vec<u8>> {
        Some(encode_for_test(value))
    }
}

impl<A: BorshSerialize, B: BorshSerialize, C: BorshSerialize> IntoOutcome for (A, B, C) {
    type Value = (A, B, C);
    fn into_outcome(self) -> Result<Self, Revert> {
        Ok(self)
    }
    fn return_data(value: &Self) -> Option<Vec<u8>> {
        Some(encode_for_test(value))
    }
}

/// Borsh-encodes a test value, panicking (in the test) if a hand-written impl fails.
#[doc(hidden)]
pub fn encode_for_test<T: BorshSerialize + ?Sized>(value: &T) -> Vec<u8> {
    match borsh::to_vec(value) {
        Ok(bytes) => bytes,
        Err(err) => panic!("borsh encoding failed: {err}"),
    }
}

impl TestEnv {
    /// An empty chain: sender [`DEFAULT_SENDER`], contract [`DEFAULT_CONTRACT`], block
    /// `(1, 0, 1)`, every key allowed.
    pub fn new() -> Self {
        TestEnv {
            state: State::new(),
            sender: DEFAULT_SENDER,
            contract: DEFAULT_CONTRACT,
            block: BlockEnv {
                height: 1,
                time: 0,
                chain_id: 1,
            },
            access: Access::All,
            gas: DEFAULT_GAS,
            input: Vec::new(),
            mocks: Mocks::default(),
        }
    }

    /// Sets the caller ([`env::sender`](crate::env::sender)).
    pub fn set_sender(&mut self, sender: Address) -> &mut Self {
        self.sender = sender;
        self
    }

    /// The caller.
    pub fn sender(&self) -> Address {
        self.sender
    }

    /// Sets the running contract ([`env::self_address`](crate::env::self_address)), whose
    /// storage the calls use.
    pub fn set_contract(&mut self, contract: Address) -> &mut Self {
        self.contract = contract;
        self
    }

    /// The running contract.
    pub fn contract(&self) -> Address {
        self.contract
    }

    /// Sets the block the calls run in.
    pub fn set_block(&mut self, height: u64, time: u64, chain_id: u64) -> &mut Self {
        self.block = BlockEnv {
            height,
            time,
            chain_id,
        };
        self
    }

    /// Sets what [`env::gas_remaining`](crate::env::gas_remaining) reports.
    pub fn set_gas_remaining(&mut self, gas: u64) -> &mut Self {
        self.gas = gas;
        self
    }

    /// Sets the raw input [`env::input`](crate::env::input) returns.
    pub fn set_input(&mut self, input: Vec<u8>) -> &mut Self {
        self.input = input;
        self
    }

    /// Enforces `list` like the runtime: reads on `reads ∪ writes`, writes on `writes`.
    pub fn declare(&mut self, list: AccessList) -> &mut Self {
        self.access = Access::Declared(list);
        self
    }

    /// Allows every key (the default).
    pub fn allow_all(&mut self) -> &mut Self {
        self.access = Access::All;
        self
    }

    /// The value stored under `key` in `contract`'s storage.
    pub fn storage(&self, contract: &Address, key: &[u8]) -> Option<Vec<u8>> {
        self.state.get(&(*contract, key.to_vec())).cloned()
    }

    /// Stores a value directly, without a call (to set up a test).
    pub fn set_storage(&mut self, contract: &Address, key: &[u8], value: &[u8]) -> &mut Self {
        self.state.insert((*contract, key.to_vec()), value.to_vec());
        self
    }

    /// The whole state.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// Answers cross-contract calls to `method` of `contract` with `handler` (a call to
    /// anything not mocked gets `UnknownContract`). Mocks model the callee's answer only:
    /// not its storage, gas, reentrancy or depth, which the integration tests on the real
    /// runtime cover.
    pub fn mock(
        &mut self,
        contract: Address,
        method: &str,
        handler: impl FnMut(&MockCall) -> MockResult + 'static,
    ) -> &mut Self {
        self.mocks
            .0
            .insert((contract, method.to_string()), Box::new(handler));
        self
    }

    /// Mocks `method` of `contract` to always succeed with `value`.
    pub fn mock_returns<T: BorshSerialize>(
        &mut self,
        contract: Address,
        method: &str,
        value: T,
    ) -> &mut Self {
        let bytes = encode_for_test(&value);
        self.mock(contract, method, move |_| Ok(bytes.clone()))
    }

    /// Mocks `method` of `contract` to always fail with `status` (and no data).
    pub fn mock_fails(&mut self, contract: Address, method: &str, status: Status) -> &mut Self {
        self.mock(contract, method, move |_| {
            Err(CallError {
                status,
                data: Vec::new(),
            })
        })
    }

    /// Runs `f` as one call of the current contract by the current sender, and commits its
    /// writes and events only if it succeeds.
    pub fn call<R: IntoOutcome>(&mut self, f: impl FnOnce() -> R) -> Outcome<R::Value> {
        let (result, frame) = self.run(f);
        let (status, value, return_data) = match result {
            Ok(returned) => match returned.into_outcome() {
                Ok(value) => {
                    let data = R::return_data(&value).unwrap_or(frame.return_data);
                    (Status::Success, Some(value), data)
                }
                Err(Revert { code, data }) => (Status::Reverted { code }, None, data),
            },
            Err(exit) => {
                let (status, data) = exit.into_status();
                (status, None, data)
            }
        };
        let events = if status == Status::Success {
            for (key, value) in frame.writes {
                match value {
                    Some(value) => self.state.insert(key, value),
                    None => self.state.remove(&key),
                };
            }
            frame.events
        } else {
            Vec::new()
        };
        Outcome {
            status,
            value,
            events,
            return_data,
            calls: frame.calls,
        }
    }

    /// Runs `f` as one call by `sender` with `access` declared (e.g. the list a client
    /// builder gives for the same call): [`set_sender`](TestEnv::set_sender),
    /// [`declare`](TestEnv::declare), [`call`](TestEnv::call).
    pub fn call_as<R: IntoOutcome>(
        &mut self,
        sender: Address,
        access: AccessList,
        f: impl FnOnce() -> R,
    ) -> Outcome<R::Value> {
        self.set_sender(sender).declare(access);
        self.call(f)
    }

    /// Runs `f` with every key readable and discards whatever it writes or emits: for
    /// assertions like `env.view(|| token::balance_of(alice))`. Panics (in the test) when
    /// `f` does not complete.
    #[track_caller]
    pub fn view<R>(&mut self, f: impl FnOnce() -> R) -> R {
        let access = core::mem::replace(&mut self.access, Access::All);
        let (result, _) = self.run(f);
        self.access = access;
        match result {
            Ok(value) => value,
            Err(exit) => {
                let (status, data) = exit.into_status();
                panic!(
                    "view ended with {status}: {}",
                    String::from_utf8_lossy(&data)
                )
            }
        }
    }

    /// Runs `f` with a frame installed; returns how it ended and the frame.
    fn run<R>(&mut self, f: impl FnOnce() -> R) -> (Result<R, Exit>, Frame) {
        install_quiet_hook();
        let frame = Frame {
            state: core::mem::take(&mut self.state),
            writes: BTreeMap::new(),
            events: Vec::new(),
            return_data: Vec::new(),
            sender: self.sender,
            contract: self.contract,
            block: self.block,
            access: self.access.clone(),
            gas: self.gas,
            input: self.input.clone(),
            mocks: core::mem::take(&mut self.mocks),
            calls: Vec::new(),
            call_output: Vec::new(),
        };
        CURRENT.with(|current| {
            let mut current = current.borrow_mut();
            assert!(
                current.is_none(),
                "TestEnv::call inside another call: mock callees with TestEnv::mock instead"
            );
            *current = Some(frame);
        });
        let result = catch_unwind(AssertUnwindSafe(f)).map_err(Exit::from_payload);
        let mut frame = CURRENT
            .with(|current| current.borrow_mut().take())
            .unwrap_or_else(|| unreachable!("the frame installed above is still there"));
        self.state = core::mem::take(&mut frame.state);
        self.mocks = core::mem::take(&mut frame.mocks);
        (result, frame)
    }
}

/// One running call: the committed state (moved in from the [`TestEnv`]), its pending
/// writes (`None` = removed) and what it emitted.
struct Frame {
    state: State,
    writes: BTreeMap<(Address, Vec<u8>), Option<Vec<u8>>>,
    events: Vec<Event>,
    return_data: Vec<u8>,
    sender: Address,
    contract: Address,
    block: BlockEnv,
    access: Access,
    gas: u64,
    input: Vec<u8>,
    mocks: Mocks,
    calls: Vec<RecordedCall>,
    call_output: Vec<u8>,
}

impl Frame {
    fn may_read(&self, key: &[u8]) -> bool {
        match &self.access {
            Access::All => true,
            Access::Declared(list) => list.allows_read(&self.contract, key),
        }
    }

    fn may_write(&self, key: &[u8]) -> bool {
        match &self.access {
            Access::All => true,
            Access::Declared(list) => list.allows_write(&self.contract, key),
        }
    }

    fn get(&self, key: &[u8]) -> Option<&Vec<u8>> {
        let full = (self.contract, key.to_vec());
        match self.writes.get(&full) {
            Some(pending) => pending.as_ref(),
            None => self.state.get(&full),
        }
    }
}

std::thread_local! {
    static CURRENT: RefCell<Option<Frame>> = const { RefCell::new(None) };
}

/// How a call ended early. Thrown with `panic_any` from the host functions and caught
/// by [`TestEnv::call`]; the quiet hook keeps it off stderr.
enum Exit {
    UndeclaredRead,
    UndeclaredWrite,
    Revert(Revert),
    Abort(String),
    /// A callee failed and the caller propagates it.
    Propagate(Status, Vec<u8>),
}

/// The payload the host functions unwind with (private, so no contract can forge one).
struct ExitMarker(Exit);

impl Exit {
    fn from_payload(payload: Box<dyn Any + Send>) -> Exit {
        let payload = match payload.downcast::<ExitMarker>() {
            Ok(marker) => return marker.0,
            Err(other) => other,
        };
        // Any other panic is what the wasm panic handler turns into `abort(message)`.
        let message = if let Some(s) = payload.downcast_ref::<&'static str>() {
            (*s).to_string()
        } else if let Some(s) = payload.downcast_ref::<String>() {
            s.clone()
        } else {
            "panic".to_string()
        };
        Exit::Abort(message)
    }

    fn into_status(self) -> (Status, Vec<u8>) {
        match self {
            Exit::UndeclaredRead => (Status::UndeclaredRead, Vec::new()),
            Exit::UndeclaredWrite => (Status::UndeclaredWrite, Vec::new()),
            Exit::Revert(Revert { code, data }) => (Status::Reverted { code }, data),
            Exit::Abort(message) => (Status::Aborted, message.into_bytes()),
            Exit::Propagate(status, data) => match status {
                Status::Reverted { .. } | Status::Aborted => (status, data),
                _ => (status, Vec::new()),
            },
        }
    }
}

fn exit(exit: Exit) -> ! {
    panic_any(ExitMarker(exit))
}

/// Keeps the default hook's "thread panicked at" output for real panics only.
fn install_quiet_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !info.payload().is::<ExitMarker>() {
                previous(info);
            }
        }));
    });
}

/// Runs `f` on the current frame. Outside [`TestEnv::call`] there is no host to talk to.
fn with_frame<R>(f: impl FnOnce(&mut Frame) -> R) -> R {
    CURRENT.with(|current| match current.borrow_mut().as_mut() {
        Some(frame) => f(frame),
        None => panic!(
            "keyway-sdk: a host function was called outside TestEnv::call; natively, contract \
             code runs inside `TestEnv::call(|| ...)`"
        ),
    })
}

/// The host functions, with the signatures of the wasm32 ones in `sys`.
pub(crate) mod host {
    use super::*;

    pub(crate) fn storage_read(key: &[u8], out: &mut [u8]) -> Option<usize> {
        let value = with_frame(|frame| {
            if !frame.may_read(key) {
                return Err(Exit::UndeclaredRead);
            }
            Ok(frame.get(key).cloned())
        });
        let value = value.unwrap_or_else(|e| exit(e))?;
        if value.len() <= out.len() {
            out[..value.len()].copy_from_slice(&value);
        }
        Some(value.len())
    }

    pub(crate) fn storage_has(key: &[u8]) -> bool {
        with_frame(|frame| {
            if !frame.may_read(key) {
                return Err(Exit::UndeclaredRead);
            }
            Ok(frame.get(key).is_some())
        })
        .unwrap_or_else(|e| exit(e))
    }

    fn put(key: &[u8], value: Option<Vec<u8>>) -> bool {
        with_frame(|frame| {
            if !frame.may_write(key) {
                return Err(Exit::UndeclaredWrite);
            }
            let existed = frame.get(key).is_some();
            frame.writes.insert((frame.contract, key.to_vec()), value);
            Ok(existed)
        })
        .unwrap_or_else(|e| exit(e))
    }

    pub(crate) fn storage_write(key: &[u8], value: &[u8]) {
        put(key, Some(value.to_vec()));
    }

    pub(crate) fn storage_remove(key: &[u8]) -> bool {
        put(key, None)
    }

    pub(crate) fn input(out: &mut [u8]) -> usize {
        with_frame(|frame| {
            let len = frame.input.len();
            if len <= out.len() {
                out[..len].copy_from_slice(&frame.input);
            }
            len
        })
    }

    pub(crate) fn set_return(data: &[u8]) {
        with_frame(|frame| frame.return_data = data.to_vec())
    }

    pub(crate) fn sender() -> Address {
        with_frame(|frame| frame.sender)
    }

    pub(crate) fn self_address() -> Address {
        with_frame(|frame| frame.contract)
    }

    pub(crate) fn block_height() -> u64 {
        with_frame(|frame| frame.block.height)
    }

    pub(crate) fn block_time() -> u64 {
        with_frame(|frame| frame.block.time)
    }

    pub(crate) fn chain_id() -> u64 {
        with_frame(|frame| frame.block.chain_id)
    }

    pub(crate) fn gas_remaining() -> u64 {
        with_frame(|frame| frame.gas)
    }

    pub(crate) fn emit_event(topic: &[u8], data: &[u8]) {
        with_frame(|frame| {
            let event = Event {
                contract: frame.contract,
                topic: topic.to_vec(),
                data: data.to_vec(),
            };
            frame.events.push(event);
        })
    }

    pub(crate) fn sha256(data: &[u8]) -> [u8; 32] {
        keyway_host_api::system::sha256(data)
    }

    pub(crate) fn secp256k1_verify(hash: &[u8; 32], sig: &[u8; 64], pubkey: &[u8; 33]) -> bool {
        use k256::ecdsa::signature::hazmat::PrehashVerifier;
        use k256::ecdsa::{Signature, VerifyingKey};
        let (Ok(key), Ok(sig)) = (
            VerifyingKey::from_sec1_bytes(pubkey),
            Signature::from_slice(sig),
        ) else {
            return false;
        };
        // Like the runtime: high-s signatures are malleable copies and do not verify.
        if sig.normalize_s().is_some() {
            return false;
        }
        key.verify_prehash(hash, &sig).is_ok()
    }

    pub(crate) fn revert(code: u32, data: &[u8]) -> ! {
        exit(Exit::Revert(Revert {
            code,
            data: data.to_vec(),
        }))
    }

    pub(crate) fn abort(message: &str) -> ! {
        exit(Exit::Abort(message.to_string()))
    }

    pub(crate) fn call(contract: &Address, method: &str, args: &[u8], gas: u64, flags: u32) -> u64 {
        use keyway_host_api::abi::{CALL_PROPAGATE_FAILURE, encode_call_result};
        let key = (*contract, method.to_string());
        let (caller, handler) = with_frame(|frame| (frame.contract, frame.mocks.0.remove(&key)));
        let result = match handler {
            Some(mut handler) => {
                // The handler runs without the frame borrowed, and goes back afterwards.
                let call = MockCall {
                    caller,
                    args: args.to_vec(),
                };
                let result = handler(&call);
                with_frame(|frame| frame.mocks.0.insert(key, handler));
                result
            }
            None => Err(CallError {
                status: Status::UnknownContract,
                data: Vec::new(),
            }),
        };
        let status = match &result {
            Ok(_) => Status::Success,
            Err(error) => error.status,
        };
        with_frame(|frame| {
            frame.calls.push(RecordedCall {
                contract: *contract,
                method: method.to_string(),
                args: args.to_vec(),
                gas,
                status,
            });
            frame.call_output = match &result {
                Ok(output) => output.clone(),
                Err(error) => error.data.clone(),
            };
        });
        match result {
            Ok(_) => encode_call_result(Status::Success),
            Err(error) => match error.status {
                Status::UndeclaredRead => exit(Exit::UndeclaredRead),
                Status::UndeclaredWrite => exit(Exit::UndeclaredWrite),
                status if flags & CALL_PROPAGATE_FAILURE != 0 => {
                    exit(Exit::Propagate(status, error.data))
                }
                status => encode_call_result(status),
            },
        }
    }

    pub(crate) fn call_output(out: &mut [u8]) -> usize {
        with_frame(|frame| {
            let len = frame.call_output.len();
            if len <= out.len() {
                out[..len].copy_from_slice(&frame.call_output);
            }
            len
        })
    }
}
