//! The host side of the ABI: per-transaction store data and the host functions.
//!
//! A transaction's declared keys are fetched before it runs into [`Slots`]; contracts read
//! and write only those slots, so the declared-key check and the lookup are one binary
//! search and the store owns everything it needs (`Store<T>` requires `T: 'static`).

use keyway_host_api::gas::{self, HostCost};
use keyway_host_api::{Address, BlockEnv, Event, IMPORT_MODULE, Key};
use wasmtime::{Caller, Linker, Memory, ResourceLimiter};

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

/// One declared key: its value before the transaction and what the transaction did to it.
#[derive(Debug)]
pub(crate) struct Slot {
    pub key: Key,
    pub original: Option<Vec<u8>>,
    /// `Some(None)`: removed; `Some(Some(v))`: written; `None`: untouched.
    pub written: Option<Option<Vec<u8>>>,
    pub writable: bool,
}

impl Slot {
    fn current(&self) -> Option<&[u8]> {
        match &self.written {
            Some(value) => value.as_deref(),
            None => self.original.as_deref(),
        }
    }
}

/// The declared keys of a transaction, sorted by key.
#[derive(Debug, Default)]
pub(crate) struct Slots(pub Vec<Slot>);

impl Slots {
    fn find(&self, contract: &Address, bytes: &[u8]) -> Option<usize> {
        self.0
            .binary_search_by(|slot| slot.key.cmp_parts(contract, bytes))
            .ok()
    }

    /// Forgets every write (the call failed).
    pub fn discard_writes(&mut self) {
        for slot in &mut self.0 {
            slot.written = None;
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
    max_key_bytes: u32,
    max_value_bytes: u32,
    max_event_bytes: u32,
    max_events: u32,
    max_io_bytes: u32,
}

impl HostLimits {
    pub fn new(limits: &Limits) -> Self {
        HostLimits {
            max_key_bytes: limits.max_key_bytes,
            max_value_bytes: limits.max_value_bytes,
            max_event_bytes: limits.max_event_bytes,
            max_events: limits.max_events,
            max_io_bytes: limits.max_io_bytes,
        }
    }
}

/// Everything a call's host functions see: the store's data.
#[derive(Debug)]
pub(crate) struct HostState {
    pub memory: Option<Memory>,
    pub slots: Slots,
    pub contract: Address,
    pub sender: Address,
    pub env: BlockEnv,
    pub input: Vec<u8>,
    pub return_data: Vec<u8>,
    pub events: Vec<Event>,
    pub exit: Option<Exit>,
    pub limiter: MemoryLimiter,
    pub limits: HostLimits,
}

impl HostState {
    pub fn new(
        slots: Slots,
        contract: Address,
        sender: Address,
        env: BlockEnv,
        input: Vec<u8>,
        limits: &Limits,
    ) -> Self {
        HostState {
            memory: None,
            slots,
            contract,
            sender,
            env,
            input,
            return_data: Vec::new(),
            events: Vec::new(),
            exit: None,
            limiter: MemoryLimiter {
                max_memory_bytes: limits.max_memory_pages as usize * 64 * 1024,
                max_table_elements: limits.max_table_elements as usize,
                instantiated: false,
                pending_gas: 0,
                fuel_bound: u64::MAX,
                out_of_gas: false,
            },
            limits: HostLimits::new(limits),
        }
    }
}

type HostResult<T> = wasmtime::Result<T>;

/// Records `exit` and returns the signal that unwinds the Wasm.
fn exit<T>(caller: &mut Caller<'_, HostState>, exit: Exit) -> HostResult<T> {
    caller.data_mut().exit = Some(exit);
    Err(wasmtime::Error::new(ExitSignal))
}

/// Charges `amount` plus any queued memory-growth gas, before the work is done.
pub(crate) fn charge(caller: &mut Caller<'_, HostState>, amount: u64) -> HostResult<()> {
    let fuel = caller.get_fuel()?;
    let total = amount.saturating_add(std::mem::take(&mut caller.data_mut().limiter.pending_gas));
    if total > fuel {
        caller.set_fuel(0)?;
        return exit(caller, Exit::OutOfGas);
    }
    caller.set_fuel(fuel - total)?;
    caller.data_mut().limiter.fuel_bound = fuel - total;
    Ok(())
}

fn charge_cost(caller: &mut Caller<'_, HostState>, cost: HostCost, bytes: u64) -> HostResult<()> {
    charge(caller, cost.total(bytes))
}

/// The guest memory and the host state at once.
fn memory_and_state<'a>(
    caller: &'a mut Caller<'_, HostState>,
) -> HostResult<(&'a mut [u8], &'a mut HostState)> {
    match caller.data().memory {
        Some(memory) => Ok(memory.data_and_store_mut(caller)),
        None => exit(caller, Exit::Trap),
    }
}

fn range(ptr: u32, len: u32, memory_len: usize) -> Option<std::ops::Range<usize>> {
    let start = ptr as usize;
    let end = start.checked_add(len as usize)?;
    (end <= memory_len).then_some(start..end)
}

/// Copies guest bytes out, or ends the call with a trap when out of bounds.
fn read_guest(caller: &mut Caller<'_, HostState>, ptr: u32, len: u32) -> HostResult<Vec<u8>> {
    let (memory, _) = memory_and_state(caller)?;
    match range(ptr, len, memory.len()) {
        Some(r) => Ok(memory[r].to_vec()),
        None => exit(caller, Exit::Trap),
    }
}

/// Copies bytes into guest memory, or ends the call with a trap when out of bounds.
fn write_guest(caller: &mut Caller<'_, HostState>, ptr: u32, bytes: &[u8]) -> HostResult<()> {
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
fn within(caller: &mut Caller<'_, HostState>, len: u32, limit: u32) -> HostResult<()> {
    if len > limit {
        return exit(caller, Exit::LimitExceeded);
    }
    Ok(())
}

enum Access {
    Read,
    Write,
}

/// Finds the declared slot for a key of the running contract, or ends the call with the
/// undeclared-access status. The key is looked up in place, without copying it.
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
    let found = state.slots.find(&state.contract, &memory[r]);
    match (found, access) {
        (Some(i), Access::Read) => Ok(i),
        (Some(i), Access::Write) if state.slots.0[i].writable => Ok(i),
        (_, Access::Read) => exit(caller, Exit::UndeclaredRead),
        (_, Access::Write) => exit(caller, Exit::UndeclaredWrite),
    }
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
            let len = match caller.data().slots.0[slot].current() {
                None => return Ok(-1),
                Some(value) => value.len(),
            };
            // Like `input`: value bytes are charged only when copied, so asking for the
            // length first and reading with an exact buffer costs them once.
            if len <= out_cap as usize {
                charge(&mut caller, gas::STORAGE_READ.per_byte * len as u64)?;
                let (memory, state) = memory_and_state(&mut caller)?;
                let value = state.slots.0[slot].current().unwrap_or_default();
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
            Ok(caller.data().slots.0[slot].current().is_some() as u32)
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
            caller.data_mut().slots.0[slot].written = Some(Some(value));
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
            let slot = &mut caller.data_mut().slots.0[slot];
            let existed = slot.current().is_some();
            slot.written = Some(None);
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
            let count = caller.data().events.len() as u32 + 1;
            within(&mut caller, count, limits.max_events)?;
            charge_cost(&mut caller, gas::EMIT_EVENT, size as u64)?;
            let topic = read_guest(&mut caller, topic_ptr, topic_len)?;
            let data = read_guest(&mut caller, data_ptr, data_len)?;
            let contract = caller.data().contract;
            caller.data_mut().events.push(Event {
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
            caller.get_fuel()
        },
    )?;

    Ok(())
}

#[cfg(test)]
mod tests {
    use keyway_host_api::abi::AbiType;
    use keyway_host_api::{Address, BlockEnv, HOST_FUNCTIONS, IMPORT_MODULE};
    use wasmtime::{Engine, Linker, Store, ValType};

    use super::{HostState, Slots, define_host_functions};
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
            Slots::default(),
            Address::default(),
            Address::default(),
            BlockEnv::default(),
            Vec::new(),
            &Limits::default(),
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
