//! The host side of the ABI: per-transaction store data and the host functions.
//!
//! A transaction's declared keys are fetched before it runs into [`Slots`]; contracts read
//! and write only those slots, so the declared-key check and the lookup are one binary
//! search and the store owns everything it needs (`Store<T>` requires `T: 'static`).

use keyway_host_api::gas::{self, HostCost};
use keyway_host_api::{AccessList, Address, BlockEnv, Event, IMPORT_MODULE, Key};
use wasmtime::{AsContext, AsContextMut, Caller, Linker, Memory, ResourceLimiter};

use crate::calls::ContextPtr;
use crate::execute::RuntimeError;
use crate::limits::Limits;

/// Why a call ended early, recorded by the host function that ended it. A host function
/// that sets an exit returns [`ExitSignal`] to unwind the Wasm.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Exit {
    OutOfGas,
    UndeclaredRead,
    UndeclaredWrite,
    /// A pointer or length outside the contract's memory.
    Trap,
    LimitExceeded,
    Revert {
        code: u32,
        data: Vec<u8>,
    },
    Abort {
        message: Vec<u8>,
    },
    /// A nested call failed and the caller asked to fail with it.
    Propagate {
        status: keyway_host_api::Status,
        data: Vec<u8>,
    },
}

/// The error a host function returns after recording an [`Exit`].
#[derive(Debug)]
pub(crate) struct ExitSignal;

impl std::fmt::Display for ExitSignal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("contract exit")
    }
}

impl std::error::Error for ExitSignal {}

/// One storage key a transaction may touch: its value before the transaction and what the
/// transaction did to it.
#[derive(Debug)]
pub(crate) struct Slot {
    pub key: Key,
    /// The value before the transaction; valid once `loaded`.
    pub original: Option<Vec<u8>>,
    /// Values are loaded per contract, when a call first enters it.
    pub loaded: bool,
    /// `Some(None)`: removed; `Some(Some(v))`: written; `None`: untouched.
    pub written: Option<Option<Vec<u8>>>,
    pub writable: bool,
    /// Whether a contract read it (discovery reports these).
    pub read_seen: bool,
    /// Whether a contract wrote or removed it.
    pub write_seen: bool,
}

impl Slot {
    pub fn new(key: Key, writable: bool) -> Self {
        Slot {
            key,
            original: None,
            loaded: false,
            written: None,
            writable,
            read_seen: false,
            write_seen: false,
        }
    }

    fn current(&self) -> Option<&[u8]> {
        match &self.written {
            Some(value) => value.as_deref(),
            None => self.original.as_deref(),
        }
    }
}

/// The keys of a transaction, sorted by (contract, key): each contract's keys are one run.
#[derive(Debug, Default)]
pub(crate) struct Slots(pub Vec<Slot>);

impl Slots {
    /// The declared keys of `access`, deduplicated (a key both read and written is
    /// writable), none loaded yet.
    pub fn declared(access: &AccessList) -> Self {
        let mut declared: Vec<(&Key, bool)> = access
            .writes
            .iter()
            .map(|k| (k, true))
            .chain(access.reads.iter().map(|k| (k, false)))
            .collect();
        // Writable first among equal keys, so dedup keeps the writable one.
        declared.sort_unstable_by(|a, b| a.0.cmp(b.0).then(b.1.cmp(&a.1)));
        declared.dedup_by(|later, earlier| later.0 == earlier.0);
        Slots(
            declared
                .into_iter()
                .map(|(key, writable)| Slot::new(key.clone(), writable))
                .collect(),
        )
    }

    pub fn find(&self, contract: &Address, bytes: &[u8]) -> Result<usize, usize> {
        self.0
            .binary_search_by(|slot| slot.key.cmp_parts(contract, bytes))
    }

    /// The index range of `contract`'s keys.
    pub fn namespace(&self, contract: &Address) -> std::ops::Range<usize> {
        let start = self.0.partition_point(|slot| slot.key.contract < *contract);
        let end = start + self.0[start..].partition_point(|slot| slot.key.contract == *contract);
        start..end
    }
}

/// What one transaction's calls share, handed from store to store as calls nest: its keys,
/// events, the call stack and the journal that undoes a failed nested call.
#[derive(Debug, Default)]
pub(crate) struct TxState {
    pub slots: Slots,
    pub events: Vec<Event>,
    /// The contracts on the call stack, outermost first.
    pub stack: Vec<Address>,
    /// `(slot, its previous write)` for writes made inside nested calls, newest last. The
    /// outermost call needs none: when it fails, every write goes.
    pub journal: Vec<(usize, Option<Option<Vec<u8>>>)>,
    /// Access-list discovery: no key is refused; unknown keys are loaded when touched.
    pub discovery: bool,
    /// Contracts called from another contract (discovery reports their records).
    pub callees: Vec<Address>,
}

impl TxState {
    pub fn new(access: &AccessList, discovery: bool) -> Self {
        TxState {
            slots: Slots::declared(access),
            discovery,
            ..TxState::default()
        }
    }

    /// Records a write to `slot`, journaled when inside a nested call.
    fn write(&mut self, slot: usize, value: Option<Vec<u8>>) {
        let previous = self.slots.0[slot].written.replace(value);
        if self.stack.len() > 1 {
            self.journal.push((slot, previous));
        }
        self.slots.0[slot].write_seen = true;
    }

    /// Undoes the writes journaled since `mark` (a nested call failed).
    pub fn roll_back(&mut self, mark: usize) {
        while self.journal.len() > mark {
            let (slot, previous) = self.journal.pop().expect("journal above mark");
            self.slots.0[slot].written = previous;
        }
    }

    /// Forgets every write (the outermost call failed).
    pub fn discard_writes(&mut self) {
        for slot in &mut self.slots.0 {
            slot.written = None;
        }
        self.journal.clear();
    }

    /// Inserts a key found during discovery at `at`, keeping journal indices valid.
    fn insert(&mut self, at: usize, slot: Slot) {
        self.slots.0.insert(at, slot);
        for (index, _) in &mut self.journal {
            if *index >= at {
                *index += 1;
            }
        }
    }
}

/// Caps memory and table growth and prices `memory.grow`. It cannot touch fuel, so it
/// queues the charge, which the next host call or the end of the call settles; growth that
/// could never be paid for is refused at once (fuel only falls between host calls).
#[derive(Debug)]
pub(crate) struct MemoryLimiter {
    max_memory_bytes: usize,
    max_table_elements: usize,
    /// False during instantiation: initial pages are priced before instantiating.
    pub instantiated: bool,
    pub pending_gas: u64,
    /// Fuel left at the last host boundary: an upper bound of fuel left now.
    pub fuel_bound: u64,
    /// Set when growth was refused because no remaining gas could pay for it.
    pub out_of_gas: bool,
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        // Growth that fails (above our cap or the module's own maximum) costs nothing here.
        if desired > self.max_memory_bytes || maximum.is_some_and(|max| desired > max) {
            return Ok(false);
        }
        if self.instantiated {
            let pages = (desired.saturating_sub(current) / (64 * 1024)) as u64;
            self.pending_gas = self
                .pending_gas
                .saturating_add(pages.saturating_mul(gas::MEMORY_GROW_PER_PAGE));
            if self.pending_gas > self.fuel_bound {
                self.out_of_gas = true;
                return Err(wasmtime::Error::new(ExitSignal));
            }
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= self.max_table_elements)
    }
}

/// Host limits copied into each store (the store must own its data).
#[derive(Clone, Copy, Debug)]
pub(crate) struct HostLimits {
    pub max_key_bytes: u32,
    pub max_value_bytes: u32,
    pub max_event_bytes: u32,
    pub max_events: u32,
    pub max_io_bytes: u32,
    pub max_call_depth: u32,
    pub max_wasm_stack_bytes: usize,
}

impl HostLimits {
    pub fn new(limits: &Limits) -> Self {
        HostLimits {
            max_key_bytes: limits.max_key_bytes,
            max_value_bytes: limits.max_value_bytes,
            max_event_bytes: limits.max_event_bytes,
            max_events: limits.max_events,
            max_io_bytes: limits.max_io_bytes,
            max_call_depth: limits.max_call_depth,
            max_wasm_stack_bytes: limits.max_wasm_stack_bytes,
        }
    }
}

/// Everything a call's host functions see: the store's data.
#[derive(Debug)]
pub(crate) struct HostState {
    pub memory: Option<Memory>,
    /// The transaction's shared state, lent to this call while it runs.
    pub tx: TxState,
    pub contract: Address,
    /// The transaction's sender, or the calling contract in a nested call.
    pub sender: Address,
    pub env: BlockEnv,
    pub input: Vec<u8>,
    pub return_data: Vec<u8>,
    /// The return data of this call's last `call`.
    pub call_output: Vec<u8>,
    pub exit: Option<Exit>,
    /// A host fault met inside a host function; the call ends and the fault is returned.
    pub fault: Option<RuntimeError>,
    pub limiter: MemoryLimiter,
    pub limits: HostLimits,
    /// The executing shard and state, for nested calls and discovery loads.
    pub context: Option<ContextPtr>,
}

impl HostState {
    pub fn new(
        tx: TxState,
        contract: Address,
        sender: Address,
        env: BlockEnv,
        input: Vec<u8>,
        limits: &Limits,
        context: Option<ContextPtr>,
    ) -> Self {
        HostState {
            memory: None,
            tx,
            contract,
            sender,
            env,
            input,
            return_data: Vec::new(),
            call_output: Vec::new(),
            exit: None,
            fault: None,
            limiter: MemoryLimiter {
                max_memory_bytes: limits.max_memory_pages as usize * 64 * 1024,
                max_table_elements: limits.max_table_elements as usize,
                instantiated: false,
                pending_gas: 0,
                fuel_bound: u64::MAX,
                out_of_gas: false,
            },
            limits: HostLimits::new(limits),
            context,
        }
    }
}

type HostResult<T> = wasmtime::Result<T>;

/// Records `exit` and returns the signal that unwinds the Wasm.
pub(crate) fn exit<T>(caller: &mut Caller<'_, HostState>, exit: Exit) -> HostResult<T> {
    caller.data_mut().exit = Some(exit);
    Err(wasmtime::Error::new(ExitSignal))
}

/// Records a host fault and returns the signal that unwinds the Wasm.
pub(crate) fn fault<T>(caller: &mut Caller<'_, HostState>, error: RuntimeError) -> HostResult<T> {
    caller.data_mut().fault = Some(error);
    Err(wasmtime::Error::new(ExitSignal))
}

/// The fuel a store holds beyond its gas. wasmtime's fuel checks (function entry, loop
/// headers) trap when the fuel left reaches zero, not below it, so without this unit a
/// call that uses exactly its gas limit would run out of gas at its last check, and a
/// transaction's `gas_used` would not be a sufficient `gas_limit` for it. It also makes
/// overspending visible: operators after the last fuel check are charged unchecked, and
/// wasmtime reports fuel below zero as zero, so zero fuel means the gas was overspent.
const FUEL_RESERVE: u64 = 1;

/// The gas a store has left (its fuel minus the reserve).
pub(crate) fn gas_left(ctx: impl AsContext) -> wasmtime::Result<u64> {
    Ok(ctx.as_context().get_fuel()?.saturating_sub(FUEL_RESERVE))
}

/// True when Wasm used more gas than it had (after its last fuel check): the call is
/// out of gas, whatever it did next.
pub(crate) fn overspent(ctx: impl AsContext) -> wasmtime::Result<bool> {
    Ok(ctx.as_context().get_fuel()? < FUEL_RESERVE)
}

/// Gives a store `gas` (plus the reserve) as fuel.
pub(crate) fn set_gas_left(mut ctx: impl AsContextMut, gas: u64) -> wasmtime::Result<()> {
    ctx.as_context_mut()
        .set_fuel(gas.saturating_add(FUEL_RESERVE))
}

/// Charges `amount` plus any queued memory-growth gas, before the work is done.
pub(crate) fn charge(caller: &mut Caller<'_, HostState>, amount: u64) -> HostResult<()> {
    let gas = gas_left(&mut *caller)?;
    let total = amount.saturating_add(std::mem::take(&mut caller.data_mut().limiter.pending_gas));
    if total > gas || overspent(&mut *caller)? {
        set_gas_left(&mut *caller, 0)?;
        return exit(caller, Exit::OutOfGas);
    }
    set_gas_left(&mut *caller, gas - total)?;
    caller.data_mut().limiter.fuel_bound = gas - total;
    Ok(())
}

pub(crate) fn charge_cost(
    caller: &mut Caller<'_, HostState>,
    cost: HostCost,
    bytes: u64,
) -> HostResult<()> {
    charge(caller, cost.total(bytes))
}

/// The guest memory and the host state at once.
pub(crate) fn memory_and_state<'a>(
    caller: &'a mut Caller<'_, HostState>,
) -> HostResult<(&'a mut [u8], &'a mut HostState)> {
    match caller.data().memory {
        Some(memory) => Ok(memory.data_and_store_mut(caller)),
        None => exit(caller, Exit::Trap),
    }
}

pub(crate) fn range(ptr: u32, len: u32, memory_len: usize) -> Option<std::ops::Range<usize>> {
    let start = ptr as usize;
    let end = start.checked_add(len as usize)?;
    (end <= memory_len).then_some(start..end)
}

/// Copies guest bytes out, or ends the call with a trap when out of bounds.
pub(crate) fn read_guest(
    caller: &mut Caller<'_, HostState>,
    ptr: u32,
    len: u32,
) -> HostResult<Vec<u8>> {
    let (memory, _) = memory_and_state(caller)?;
    match range(ptr, len, memory.len()) {
        Some(r) => Ok(memory[r].to_vec()),
        None => exit(caller, Exit::Trap),
    }
}

/// Copies bytes into guest memory, or ends the call with a trap when out of bounds.
pub(crate) fn write_guest(
    caller: &mut Caller<'_, HostState>,
    ptr: u32,
    bytes: &[u8],
) -> HostResult<()> {
    let (memory, _) = memory_and_state(caller)?;
    match range(ptr, bytes.len() as u32, memory.len()) {
        Some(r) => {
            memory[r].copy_from_slice(bytes);
            Ok(())
        }
        None => exit(caller, Exit::Trap),
    }
}

/// Checks a length against a host limit.
pub(crate) fn within(caller: &mut Caller<'_, HostState>, len: u32, limit: u32) -> HostResult<()> {
    if len > limit {
        return exit(caller, Exit::LimitExceeded);
    }
    Ok(())
}

#[derive(Clone, Copy)]
enum Access {
    Read,
    Write,
}

/// Finds the declared slot for a key of the running contract, or ends the call with the
/// undeclared-access status. The key is looked up in place, without copying it. In
/// discovery mode nothing is refused: a key not yet known is loaded and priced like a
/// declared value.
fn declared_slot(
    caller: &mut Caller<'_, HostState>,
    key_ptr: u32,
    key_len: u32,
    access: Access,
) -> HostResult<usize> {
    let (memory, state) = memory_and_state(caller)?;
    let Some(r) = range(key_ptr, key_len, memory.len()) else {
        return exit(caller, Exit::Trap);
    };
    let found = state.tx.slots.find(&state.contract, &memory[r.clone()]);
    let slot = match (found, access, state.tx.discovery) {
        (Ok(i), Access::Read, _) => i,
        (Ok(i), Access::Write, true) => i,
        (Ok(i), Access::Write, false) if state.tx.slots.0[i].writable => i,
        (Err(at), _, true) => {
            let key = Key::new(state.contract, &memory[r]);
            let Some(context) = state.context else {
                return fault(
                    caller,
                    RuntimeError::Execution("no context for discovery".into()),
                );
            };
            // SAFETY: the context outlives every store of its transaction (ContextPtr).
            let loaded = unsafe { context.get() }.load(&key);
            let original = match loaded {
                Ok(value) => value,
                Err(error) => return fault(caller, error),
            };
            let bytes = original.as_ref().map_or(0, |v| v.len() as u64);
            charge(caller, gas::DECLARED_VALUE_PER_BYTE.saturating_mul(bytes))?;
            let mut slot = Slot::new(key, true);
            slot.original = original;
            slot.loaded = true;
            caller.data_mut().tx.insert(at, slot);
            at
        }
        (_, Access::Read, false) => return exit(caller, Exit::UndeclaredRead),
        (_, Access::Write, false) => return exit(caller, Exit::UndeclaredWrite),
    };
    let slot_state = &mut caller.data_mut().tx.slots.0[slot];
    match access {
        Access::Read => slot_state.read_seen = true,
        Access::Write => slot_state.write_seen = true,
    }
    Ok(slot)
}

/// Defines every host function of [`keyway_host_api::HOST_FUNCTIONS`] in `linker`.
pub(crate) fn define_host_functions(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    let m = IMPORT_MODULE;

    linker.func_wrap(
        m,
        "storage_read",
        |mut caller: Caller<'_, HostState>,
         key_ptr: u32,
         key_len: u32,
         out_ptr: u32,
         out_cap: u32|
         -> HostResult<i64> {
            let max_key = caller.data().limits.max_key_bytes;
            within(&mut caller, key_len, max_key)?;
            charge_cost(&mut caller, gas::STORAGE_READ, key_len as u64)?;
            let slot = declared_slot(&mut caller, key_ptr, key_len, Access::Read)?;
            let len = match caller.data().tx.slots.0[slot].current() {
                None => return Ok(-1),
                Some(value) => value.len(),
            };
            // Like `input`: value bytes are charged only when copied, so asking for the
            // length first and reading with an exact buffer costs them once.
            if len <= out_cap as usize {
                charge(&mut caller, gas::STORAGE_READ.per_byte * len as u64)?;
                let (memory, state) = memory_and_state(&mut caller)?;
                let value = state.tx.slots.0[slot].current().unwrap_or_default();
                match range(out_ptr, len as u32, memory.len()) {
                    Some(r) => memory[r].copy_from_slice(value),
                    None => return exit(&mut caller, Exit::Trap),
                }
            }
            Ok(len as i64)
        },
    )?;

    linker.func_wrap(
        m,
        "storage_has",
        |mut caller: Caller<'_, HostState>, key_ptr: u32, key_len: u32| -> HostResult<u32> {
            let max_key = caller.data().limits.max_key_bytes;
            within(&mut caller, key_len, max_key)?;
            charge_cost(&mut caller, gas::STORAGE_HAS, key_len as u64)?;
            let slot = declared_slot(&mut caller, key_ptr, key_len, Access::Read)?;
            Ok(caller.data().tx.slots.0[slot].current().is_some() as u32)
        },
    )?;

    linker.func_wrap(
        m,
        "storage_write",
        |mut caller: Caller<'_, HostState>,
         key_ptr: u32,
         key_len: u32,
         value_ptr: u32,
         value_len: u32|
         -> HostResult<()> {
            let limits = caller.data().limits;
            within(&mut caller, key_len, limits.max_key_bytes)?;
            within(&mut caller, value_len, limits.max_value_bytes)?;
            charge_cost(
                &mut caller,
                gas::STORAGE_WRITE,
                key_len as u64 + value_len as u64,
            )?;
            let slot = declared_slot(&mut caller, key_ptr, key_len, Access::Write)?;
            let value = read_guest(&mut caller, value_ptr, value_len)?;
            caller.data_mut().tx.write(slot, Some(value));
            Ok(())
        },
    )?;

    linker.func_wrap(
        m,
        "storage_remove",
        |mut caller: Caller<'_, HostState>, key_ptr: u32, key_len: u32| -> HostResult<u32> {
            let max_key = caller.data().limits.max_key_bytes;
            within(&mut caller, key_len, max_key)?;
            charge_cost(&mut caller, gas::STORAGE_REMOVE, key_len as u64)?;
            let slot = declared_slot(&mut caller, key_ptr, key_len, Access::Write)?;
            let existed = caller.data().tx.slots.0[slot].current().is_some();
            caller.data_mut().tx.write(slot, None);
            Ok(existed as u32)
        },
    )?;

    linker.func_wrap(
        m,
        "input",
        |mut caller: Caller<'_, HostState>, out_ptr: u32, out_cap: u32| -> HostResult<u32> {
            let len = caller.data().input.len();
            let copied = if len <= out_cap as usize { len } else { 0 };
            charge_cost(&mut caller, gas::INPUT, copied as u64)?;
            if copied > 0 {
                let (memory, state) = memory_and_state(&mut caller)?;
                match range(out_ptr, len as u32, memory.len()) {
                    Some(r) => memory[r].copy_from_slice(&state.input),
                    None => return exit(&mut caller, Exit::Trap),
                }
            }
            Ok(len as u32)
        },
    )?;

    linker.func_wrap(
        m,
        "set_return",
        |mut caller: Caller<'_, HostState>, ptr: u32, len: u32| -> HostResult<()> {
            let max = caller.data().limits.max_io_bytes;
            within(&mut caller, len, max)?;
            charge_cost(&mut caller, gas::SET_RETURN, len as u64)?;
            let data = read_guest(&mut caller, ptr, len)?;
            caller.data_mut().return_data = data;
            Ok(())
        },
    )?;

    linker.func_wrap(
        m,
        "sender",
        |mut caller: Caller<'_, HostState>, out_ptr: u32| -> HostResult<()> {
            charge_cost(&mut caller, gas::SENDER, 0)?;
            let sender = caller.data().sender;
            write_guest(&mut caller, out_ptr, &sender.0)
        },
    )?;

    linker.func_wrap(
        m,
        "self_address",
        |mut caller: Caller<'_, HostState>, out_ptr: u32| -> HostResult<()> {
            charge_cost(&mut caller, gas::SELF_ADDRESS, 0)?;
            let contract = caller.data().contract;
            write_guest(&mut caller, out_ptr, &contract.0)
        },
    )?;

    linker.func_wrap(
        m,
        "block_height",
        |mut caller: Caller<'_, HostState>| -> HostResult<u64> {
            charge_cost(&mut caller, gas::BLOCK_HEIGHT, 0)?;
            Ok(caller.data().env.height)
        },
    )?;

    linker.func_wrap(
        m,
        "block_time",
        |mut caller: Caller<'_, HostState>| -> HostResult<u64> {
            charge_cost(&mut caller, gas::BLOCK_TIME, 0)?;
            Ok(caller.data().env.time)
        },
    )?;

    linker.func_wrap(
        m,
        "chain_id",
        |mut caller: Caller<'_, HostState>| -> HostResult<u64> {
            charge_cost(&mut caller, gas::CHAIN_ID, 0)?;
            Ok(caller.data().env.chain_id)
        },
    )?;

    linker.func_wrap(
        m,
        "emit_event",
        |mut caller: Caller<'_, HostState>,
         topic_ptr: u32,
         topic_len: u32,
         data_ptr: u32,
         data_len: u32|
         -> HostResult<()> {
            let limits = caller.data().limits;
            let size = topic_len.saturating_add(data_len);
            within(&mut caller, size, limits.max_event_bytes)?;
            let count = caller.data().tx.events.len() as u32 + 1;
            within(&mut caller, count, limits.max_events)?;
            charge_cost(&mut caller, gas::EMIT_EVENT, size as u64)?;
            let topic = read_guest(&mut caller, topic_ptr, topic_len)?;
            let data = read_guest(&mut caller, data_ptr, data_len)?;
            let contract = caller.data().contract;
            caller.data_mut().tx.events.push(Event {
                contract,
                topic,
                data,
            });
            Ok(())
        },
    )?;

    linker.func_wrap(
        m,
        "sha256",
        |mut caller: Caller<'_, HostState>,
         data_ptr: u32,
         data_len: u32,
         out_ptr: u32|
         -> HostResult<()> {
            charge_cost(&mut caller, gas::SHA256, data_len as u64)?;
            let (memory, _) = memory_and_state(&mut caller)?;
            let Some(r) = range(data_ptr, data_len, memory.len()) else {
                return exit(&mut caller, Exit::Trap);
            };
            let digest = keyway_host_api::system::sha256(&memory[r]);
            write_guest(&mut caller, out_ptr, &digest)
        },
    )?;

    linker.func_wrap(
        m,
        "secp256k1_verify",
        |mut caller: Caller<'_, HostState>,
         hash_ptr: u32,
         signature_ptr: u32,
         public_key_ptr: u32|
         -> HostResult<u32> {
            charge_cost(&mut caller, gas::SECP256K1_VERIFY, 0)?;
            let hash = read_guest(&mut caller, hash_ptr, 32)?;
            let signature = read_guest(&mut caller, signature_ptr, 64)?;
            let public_key = read_guest(&mut caller, public_key_ptr, 33)?;
            let (Ok(hash), Ok(signature), Ok(public_key)) = (
                <[u8; 32]>::try_from(hash),
                <[u8; 64]>::try_from(signature),
                <[u8; 33]>::try_from(public_key),
            ) else {
                unreachable!("read_guest returned the requested lengths");
            };
            Ok(crate::crypto::verify_prehash(&hash, &signature, &public_key) as u32)
        },
    )?;

    linker.func_wrap(
        m,
        "revert",
        |mut caller: Caller<'_, HostState>,
         code: u32,
         data_ptr: u32,
         data_len: u32|
         -> HostResult<()> {
            let max = caller.data().limits.max_io_bytes;
            within(&mut caller, data_len, max)?;
            charge_cost(&mut caller, gas::REVERT, data_len as u64)?;
            let data = read_guest(&mut caller, data_ptr, data_len)?;
            exit(&mut caller, Exit::Revert { code, data })
        },
    )?;

    linker.func_wrap(
        m,
        "abort",
        |mut caller: Caller<'_, HostState>, message_ptr: u32, message_len: u32| -> HostResult<()> {
            let max = caller.data().limits.max_io_bytes;
            within(&mut caller, message_len, max)?;
            charge_cost(&mut caller, gas::ABORT, message_len as u64)?;
            let message = read_guest(&mut caller, message_ptr, message_len)?;
            exit(&mut caller, Exit::Abort { message })
        },
    )?;

    linker.func_wrap(
        m,
        "gas_remaining",
        |mut caller: Caller<'_, HostState>| -> HostResult<u64> {
            charge_cost(&mut caller, gas::GAS_REMAINING, 0)?;
            gas_left(&mut caller)
        },
    )?;

    crate::calls::define_call_functions(linker)
}

#[cfg(test)]
mod tests {
    use keyway_host_api::abi::AbiType;
    use keyway_host_api::{Address, BlockEnv, HOST_FUNCTIONS, IMPORT_MODULE};
    use wasmtime::{Engine, Linker, Store, ValType};

    use super::{HostState, TxState, define_host_functions};
    use crate::limits::Limits;

    fn same(abi: &[AbiType], wasm: impl Iterator<Item = ValType>) -> bool {
        let wasm: Vec<ValType> = wasm.collect();
        abi.len() == wasm.len()
            && abi.iter().zip(&wasm).all(|(a, w)| match a {
                AbiType::I32 => matches!(w, ValType::I32),
                AbiType::I64 => matches!(w, ValType::I64),
            })
    }

    #[test]
    fn linker_defines_exactly_the_abi_table() {
        let engine = Engine::default();
        let mut linker = Linker::new(&engine);
        define_host_functions(&mut linker).unwrap();
        let host = HostState::new(
            TxState::default(),
            Address::default(),
            Address::default(),
            BlockEnv::default(),
            Vec::new(),
            &Limits::default(),
            None,
        );
        let mut store = Store::new(&engine, host);
        let defined = linker.iter(&mut store).count();
        assert_eq!(defined, HOST_FUNCTIONS.len(), "no extra host functions");
        for f in HOST_FUNCTIONS {
            let func = linker
                .get(&mut store, IMPORT_MODULE, f.name)
                .ok()
                .and_then(|e| e.into_func())
                .unwrap_or_else(|| panic!("{} is not defined", f.name));
            let ty = func.ty(&store);
            assert!(same(f.params, ty.params()), "{} params", f.name);
            assert!(same(f.results, ty.results()), "{} results", f.name);
        }
    }
}
