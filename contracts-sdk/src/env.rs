//! The call's environment: who called, which block, input and return data, and the two
//! ways to end a call early ([`revert`], [`abort`]).

use alloc::vec;
use alloc::vec::Vec;

use keyway_host_api::Address;

use crate::sys;

/// Size of the stack buffer tried first for variable-length host data: most arguments
/// and stored values are small, and a second host call (and its gas) is only paid for
/// larger ones.
pub(crate) const STACK_BUFFER: usize = 256;

/// The address of the caller: the transaction's sender, or the calling contract when
/// this call is a cross-contract call.
pub fn sender() -> Address {
    sys::sender()
}

/// The address of the running contract.
pub fn self_address() -> Address {
    sys::self_address()
}

/// The height of the block being executed.
pub fn block_height() -> u64 {
    sys::block_height()
}

/// The block's timestamp, in seconds since the Unix epoch, as the block header says.
pub fn block_time() -> u64 {
    sys::block_time()
}

/// The chain id the transaction was signed for.
pub fn chain_id() -> u64 {
    sys::chain_id()
}

/// The gas the call has left.
pub fn gas_remaining() -> u64 {
    sys::gas_remaining()
}

/// The call's raw input (the borsh-encoded argument tuple for a [`method`](crate::method)).
pub fn input() -> Vec<u8> {
    let mut stack = [0u8; STACK_BUFFER];
    let mut heap = Vec::new();
    let len = input_raw(&mut stack, &mut heap).len();
    if heap.is_empty() {
        stack[..len].to_vec()
    } else {
        heap
    }
}

/// The call's input, in `stack` when it fits (no allocation), otherwise read again into
/// `heap`, sized exactly. Not generic: one copy serves every method's glue.
pub(crate) fn input_raw<'a>(stack: &'a mut [u8; STACK_BUFFER], heap: &'a mut Vec<u8>) -> &'a [u8] {
    let len = sys::input(stack);
    if len <= STACK_BUFFER {
        return &stack[..len];
    }
    *heap = vec![0u8; len];
    if sys::input(heap) != len {
        abort("keyway-sdk: the call's input changed length between two reads");
    }
    heap
}

/// Sets the bytes returned to the caller; the last call wins. [`method`](crate::method)s
/// returning a value set it themselves.
pub fn set_return(data: &[u8]) {
    sys::set_return(data)
}

/// Ends the call as `Status::Reverted { code }` with `data` as return data. Writes and
/// events of the call are dropped.
pub fn revert(code: u32, data: &[u8]) -> ! {
    sys::revert(code, data)
}

/// Ends the call as `Status::Aborted` with `message` as return data. Writes and events of
/// the call are dropped. Panics end up here too.
pub fn abort(message: &str) -> ! {
    sys::abort(message)
}

/// Aborts with the concatenation of `parts`, built without `core::fmt` (which would add
/// kilobytes to every contract).
pub(crate) fn abort_with(parts: &[&str]) -> ! {
    let mut message = alloc::string::String::new();
    for part in parts {
        message.push_str(part);
    }
    abort(&message)
}
