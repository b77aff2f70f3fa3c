//! Contract errors: a stable numeric code (and optional data) per error.

use alloc::vec::Vec;

use keyway_host_api::Status;

/// An error a method returns as `Err`: the call ends as `Status::Reverted { code }` with
/// [`data`](ContractError::data) as its return data, and all its writes and events are
/// dropped.
///
/// Derive it for a fieldless enum with explicit discriminants
/// (`#[derive(ContractError)] #[repr(u32)] enum E { Unauthorized = 3 }`); implement it by
/// hand to return data with the code.
pub trait ContractError {
    /// The stable revert code clients match on.
    fn code(&self) -> u32;

    /// Extra bytes returned with the revert (borsh-encoded, by convention). Empty by default.
    fn data(&self) -> Vec<u8> {
        Vec::new()
    }

    /// The receipt status a method returning this error ends with.
    fn status(&self) -> Status {
        Status::Reverted { code: self.code() }
    }
}
