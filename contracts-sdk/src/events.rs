//! Events: `(topic, borsh data)` records appended to the receipt when the call succeeds.

use borsh::BorshSerialize;

use crate::sys;

/// A typed event: a fixed topic and a borsh-encoded payload.
///
/// ```
/// use keyway_sdk::{Address, BorshSerialize, Event};
///
/// #[derive(BorshSerialize)]
/// pub struct Transfer { pub from: Address, pub to: Address, pub amount: u128 }
///
/// impl Event for Transfer {
///     const TOPIC: &'static [u8] = b"transfer";
/// }
/// ```
pub trait Event: BorshSerialize {
    /// The topic every event of this type is emitted with.
    const TOPIC: &'static [u8];
}

/// Emits an event with `topic` and the borsh encoding of `data`.
pub fn emit(topic: &[u8], data: &impl BorshSerialize) {
    let bytes = crate::__private::encode(data);
    sys::emit_event(topic, &bytes);
}

/// Emits a typed [`Event`] under its topic.
pub fn emit_event<E: Event>(event: &E) {
    emit(E::TOPIC, event)
}

/// Emits an event whose data is already encoded.
pub fn emit_raw(topic: &[u8], data: &[u8]) {
    sys::emit_event(topic, data)
}
