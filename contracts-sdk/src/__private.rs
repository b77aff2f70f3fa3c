//! Support for the code `#[method]` generates. Not part of the public API.

pub use alloc::vec::Vec;

use borsh::{BorshDeserialize, BorshSerialize};

use crate::{ContractError, env};

/// Decodes the call's input as the method's argument tuple; aborts with `message` when
/// the input is not exactly one borsh encoding of it (trailing bytes included).
pub fn decode_args<T: BorshDeserialize>(message: &str) -> T {
    let mut stack = [0u8; env::STACK_BUFFER];
    let mut heap = Vec::new();
    match borsh::from_slice(env::input_raw(&mut stack, &mut heap)) {
        Ok(args) => args,
        Err(_) => env::abort(message),
    }
}

/// Sets the borsh encoding of a method's value as the call's return data.
pub fn set_return_value<T: BorshSerialize + ?Sized>(value: &T) {
    env::set_return(&encode(value))
}

/// Reverts with a method's error.
pub fn revert_with<E: ContractError + ?Sized>(error: &E) -> ! {
    env::revert(error.code(), &error.data())
}

/// Borsh-encodes `value`. Encoding into a `Vec` only fails in a hand-written
/// `BorshSerialize` impl; the call aborts then.
pub fn encode<T: BorshSerialize + ?Sized>(value: &T) -> Vec<u8> {
    let mut bytes = Vec::new();
    if value.serialize(&mut bytes).is_err() {
        env::abort("keyway-sdk: borsh encoding failed");
    }
    bytes
}
