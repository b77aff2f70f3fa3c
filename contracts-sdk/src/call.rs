//! Cross-contract calls: run another contract's method inside this call.
//!
//! The callee runs in its own instance with its own storage namespace; its keys must be
//! in the transaction's access list like any other. [`call`] is the common case: it
//! forwards all the gas left and, if the callee fails, ends this call with the callee's
//! status (a revert code passes through unchanged). [`try_call`] caps the callee's gas and
//! hands its failure back to handle. Inside the callee, [`env::sender`]
//! is the calling contract. A contract already on the call stack cannot be entered again
//! ([`Status::Reentrancy`]), and chains deeper than the runtime's limit (8 frames by
//! default) get [`Status::CallDepthExceeded`].
//!
//! ```no_run
//! use keyway_sdk::{Address, call, method};
//!
//! #[method]
//! pub fn pay(token: Address, to: Address, amount: u128) {
//!     // Fails this call with the token's own revert code if the transfer fails.
//!     call::call::<()>(&token, "transfer", &(to, amount));
//! }
//! ```

use alloc::vec;
use alloc::vec::Vec;

use borsh::{BorshDeserialize, BorshSerialize};
use keyway_host_api::abi::{CALL_PROPAGATE_FAILURE, decode_call_result};
use keyway_host_api::{Address, Status};

use crate::env::{self, STACK_BUFFER};
use crate::sys;

/// As a gas allowance: everything this call has left.
pub const ALL_GAS: u64 = keyway_host_api::abi::CALL_ALL_GAS;

/// A cross-contract call that did not succeed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallError {
    /// How the callee ended (or why it did not run: `UnknownContract`, `UnknownMethod`,
    /// `Reentrancy`, `CallDepthExceeded`).
    pub status: Status,
    /// The callee's revert data or abort message; empty otherwise.
    pub data: Vec<u8>,
}

impl CallError {
    /// The callee's revert code, when it reverted.
    pub fn revert_code(&self) -> Option<u32> {
        match self.status {
            Status::Reverted { code } => Some(code),
            _ => None,
        }
    }
}

/// Calls `method` of `contract` with the borsh-encoded `args`, forwarding all the gas
/// left, and decodes its return value. If the callee fails, this call ends at once with
/// the callee's status and data.
pub fn call<R: BorshDeserialize>(
    contract: &Address,
    method: &str,
    args: &(impl BorshSerialize + ?Sized),
) -> R {
    let output = call_raw(
        contract,
        method,
        &crate::__private::encode(args),
        ALL_GAS,
        CALL_PROPAGATE_FAILURE,
    );
    match output {
        Ok(bytes) => decode_output(method, &bytes),
        // The host ended this call already; only a host breaking the ABI gets here.
        Err(_) => env::abort("keyway-sdk: a propagated call failure returned"),
    }
}

/// Calls `method` of `contract` with the borsh-encoded `args` and at most `gas`
/// ([`ALL_GAS`] for everything left); a failure is returned, with the callee's writes and
/// events already undone.
pub fn try_call<R: BorshDeserialize>(
    contract: &Address,
    method: &str,
    args: &(impl BorshSerialize + ?Sized),
    gas: u64,
) -> Result<R, CallError> {
    let bytes = call_raw(contract, method, &crate::__private::encode(args), gas, 0)?;
    Ok(decode_output(method, &bytes))
}

/// The untyped call: raw input and output bytes, and the ABI's `flags`.
pub fn call_raw(
    contract: &Address,
    method: &str,
    args: &[u8],
    gas: u64,
    flags: u32,
) -> Result<Vec<u8>, CallError> {
    let result = sys::call(contract, method, args, gas, flags);
    let Some(status) = decode_call_result(result) else {
        env::abort("keyway-sdk: the host returned an unknown call status");
    };
    let output = output();
    if status == Status::Success {
        Ok(output)
    } else {
        Err(CallError {
            status,
            data: output,
        })
    }
}

/// The last call's output, read with one host call when it fits the stack buffer.
fn output() -> Vec<u8> {
    let mut stack = [0u8; STACK_BUFFER];
    let len = sys::call_output(&mut stack);
    if len <= STACK_BUFFER {
        return stack[..len].to_vec();
    }
    let mut heap = vec![0u8; len];
    sys::call_output(&mut heap);
    heap
}

fn decode_output<R: BorshDeserialize>(method: &str, bytes: &[u8]) -> R {
    match borsh::from_slice(bytes) {
        Ok(value) => value,
        Err(_) => env::abort_with(&[
            "keyway-sdk: the return value of `",
            method,
            "` does not decode",
        ]),
    }
}
