//! Cross-contract calls: the `call` and `call_output` host functions, and the context a
//! nested call borrows from the executing shard.
//!
//! A nested call runs the callee in a fresh instance and store on the same shard. The
//! transaction's [`TxState`] (keys, events, call stack, journal) moves into the callee's
//! store for the duration and back afterwards, so every frame checks the same declared
//! keys, and a failed callee's writes and events are undone without touching its caller's.

use std::ptr::NonNull;
use std::sync::Arc;

use keyway_host_api::abi::{CALL_FLAGS, CALL_PROPAGATE_FAILURE, encode_call_result};
use keyway_host_api::{Address, BlockEnv, IMPORT_MODULE, INIT_METHOD, Key, Status, gas, system};
use wasmtime::{Caller, Linker, ModuleExport};

use crate::cache::CompiledContract;
use crate::execute::{Frame, RuntimeError, Shard};
use crate::host::{
    Exit, HostLimits, HostState, TxState, charge_cost, exit, fault, gas_left, memory_and_state,
    range, read_guest, set_gas_left, within,
};
use crate::state::StateView;

/// What a transaction's frames borrow from the executing shard.
pub(crate) struct TxContext<'a> {
    pub shard: &'a Shard,
    pub state: &'a dyn StateView,
    pub env: BlockEnv,
}

impl TxContext<'_> {
    /// Reads a key's committed value (discovery loads undeclared keys this way).
    pub fn load(&self, key: &Key) -> Result<Option<Vec<u8>>, RuntimeError> {
        Ok(self.state.get(key)?)
    }
}

/// A [`TxContext`] reachable from a store's data, which must be `'static`: the borrow's
/// lifetime is erased.
///
/// Invariant that makes [`ContextPtr::get`] sound: a `ContextPtr` is only put into the
/// [`HostState`] of stores created and dropped inside `Shard::run_frame`, which borrows
/// the context for its whole duration; no store outlives the call that created it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ContextPtr(NonNull<TxContext<'static>>);

impl ContextPtr {
    /// Points at `context`; see the type's invariant.
    pub fn new(context: &TxContext<'_>) -> Self {
        ContextPtr(NonNull::from(context).cast())
    }

    /// The context.
    ///
    /// # Safety
    /// Only from a host function of a store that holds this pointer (the type's
    /// invariant keeps the context alive while such a store exists).
    pub unsafe fn get<'a>(self) -> &'a TxContext<'a> {
        // SAFETY: by the caller's contract the context is alive; only lifetimes differ.
        unsafe { self.0.cast::<TxContext<'a>>().as_ref() }
    }
}

/// What resolving a callee found.
enum Callee {
    Ready(Arc<CompiledContract>, ModuleExport),
    /// The callee does not run; the caller gets this status.
    Refused(Status),
    /// The callee's record is not covered by the access list: the transaction ends.
    Undeclared,
}

/// Checks depth, reentrancy and the declared record, then finds the callee's method.
fn resolve(
    tx: &mut TxState,
    context: &TxContext<'_>,
    limits: &HostLimits,
    callee: &Address,
    method: &[u8],
) -> Result<Callee, RuntimeError> {
    if tx.stack.len() >= limits.max_call_depth as usize {
        return Ok(Callee::Refused(Status::CallDepthExceeded));
    }
    if tx.stack.contains(callee) {
        return Ok(Callee::Refused(Status::Reentrancy));
    }
    // The callee's record is read: it must be declared, directly or by declaring any key
    // of the callee (the scheduler adds those records to the conflict graph).
    let record_key = system::contract_key(callee);
    if tx.discovery {
        if !tx.callees.contains(callee) {
            tx.callees.push(*callee);
        }
    } else if tx.slots.namespace(callee).is_empty()
        && tx
            .slots
            .find(&record_key.contract, &record_key.bytes)
            .is_err()
    {
        return Ok(Callee::Undeclared);
    }
    let Some(record) = context.state.get(&record_key)? else {
        return Ok(Callee::Refused(Status::UnknownContract));
    };
    let compiled = context
        .shard
        .compiled(context.state, &record_key, &record)?;
    let export = std::str::from_utf8(method)
        .ok()
        .filter(|name| *name != INIT_METHOD)
        .and_then(|name| compiled.method(name).copied());
    Ok(match export {
        Some(export) => Callee::Ready(compiled, export),
        None => Callee::Refused(Status::UnknownMethod),
    })
}

type HostResult<T> = wasmtime::Result<T>;

/// Native stack a nested call may need beyond its Wasm stack (host frames, wasmtime's
/// entry and exit); generous headroom, not a measured figure.
const HOST_FRAMES_STACK: usize = 256 * 1024;

#[allow(clippy::too_many_arguments)]
fn call(
    mut caller: Caller<'_, HostState>,
    contract_ptr: u32,
    method_ptr: u32,
    method_len: u32,
    args_ptr: u32,
    args_len: u32,
    gas_allowance: u64,
    flags: u32,
) -> HostResult<u64> {
    let limits = caller.data().limits;
    within(&mut caller, method_len, limits.max_io_bytes)?;
    within(&mut caller, args_len, limits.max_io_bytes)?;
    charge_cost(&mut caller, gas::CALL, method_len as u64 + args_len as u64)?;
    if flags & !CALL_FLAGS != 0 {
        return exit(&mut caller, Exit::Trap);
    }
    let callee = read_guest(&mut caller, contract_ptr, 32)?;
    let callee = Address(callee.try_into().expect("read_guest returned 32 bytes"));
    let method = read_guest(&mut caller, method_ptr, method_len)?;
    let args = read_guest(&mut caller, args_ptr, args_len)?;
    caller.data_mut().call_output.clear();
    let Some(context) = caller.data().context else {
        return fault(
            &mut caller,
            RuntimeError::Execution("call without a transaction context".into()),
        );
    };
    // SAFETY: this store holds the pointer (ContextPtr's invariant).
    let context = unsafe { context.get() };

    let resolved = resolve(
        &mut caller.data_mut().tx,
        context,
        &limits,
        &callee,
        &method,
    );
    let (status, data) = match resolved {
        Err(error) => return fault(&mut caller, error),
        Ok(Callee::Undeclared) => return exit(&mut caller, Exit::UndeclaredRead),
        Ok(Callee::Refused(status)) => (status, Vec::new()),
        Ok(Callee::Ready(compiled, export)) => {
            let fuel = gas_left(&mut caller)?;
            let allowance = gas_allowance.min(fuel);
            let frame = Frame {
                compiled: &compiled,
                method: export,
                contract: callee,
                sender: caller.data().contract,
                input: args,
                gas: allowance,
            };
            let tx = std::mem::take(&mut caller.data_mut().tx);
            // Each store gets its own `max_wasm_stack` from where it is entered, so nested
            // calls add up on the native stack: grow it rather than depend on the thread.
            let wasm_stack = limits.max_wasm_stack_bytes;
            let outcome = stacker::maybe_grow(
                wasm_stack + HOST_FRAMES_STACK,
                wasm_stack + 4 * HOST_FRAMES_STACK,
                || context.shard.run_frame(context, tx, frame),
            );
            let (result, tx) = match outcome {
                Ok(done) => done,
                Err(error) => return fault(&mut caller, error),
            };
            caller.data_mut().tx = tx;
            let used = allowance - result.gas_left.min(allowance);
            set_gas_left(&mut caller, fuel - used)?;
            caller.data_mut().limiter.fuel_bound = fuel - used;
            (result.status, result.return_data)
        }
    };
    match status {
        // A wrong access list is the transaction's fault, not the callee's: no contract
        // may catch it (otherwise declarations could steer execution).
        Status::UndeclaredRead => exit(&mut caller, Exit::UndeclaredRead),
        Status::UndeclaredWrite => exit(&mut caller, Exit::UndeclaredWrite),
        Status::Success => {
            caller.data_mut().call_output = data;
            Ok(encode_call_result(Status::Success))
        }
        failed if flags & CALL_PROPAGATE_FAILURE != 0 => exit(
            &mut caller,
            Exit::Propagate {
                status: failed,
                data,
            },
        ),
        failed => {
            caller.data_mut().call_output = data;
            Ok(encode_call_result(failed))
        }
    }
}

/// Defines `call` and `call_output` in `linker`.
pub(crate) fn define_call_functions(linker: &mut Linker<HostState>) -> wasmtime::Result<()> {
    linker.func_wrap(IMPORT_MODULE, "call", call)?;
    linker.func_wrap(
        IMPORT_MODULE,
        "call_output",
        |mut caller: Caller<'_, HostState>, out_ptr: u32, out_cap: u32| -> HostResult<u32> {
            let len = caller.data().call_output.len();
            let copied = if len <= out_cap as usize { len } else { 0 };
            charge_cost(&mut caller, gas::CALL_OUTPUT, copied as u64)?;
            if copied > 0 {
                let (memory, state) = memory_and_state(&mut caller)?;
                match range(out_ptr, len as u32, memory.len()) {
                    Some(r) => memory[r].copy_from_slice(&state.call_output),
                    None => return exit(&mut caller, Exit::Trap),
                }
            }
            Ok(len as u32)
        },
    )?;
    Ok(())
}
