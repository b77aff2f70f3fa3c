//! Procedural macros of `keyway-sdk`. Use them through the SDK (`keyway_sdk::method`,
//! `keyway_sdk::ContractError`): the generated code names `::keyway_sdk` paths.

use proc_macro::TokenStream;

mod error;
mod method;

/// Exports a free function as a contract method.
///
/// The function itself is kept unchanged (tests call it natively). On `wasm32` the macro
/// adds an exported `extern "C" fn()` named after the method that decodes the borsh-encoded
/// argument tuple from the call's input, calls the function and either sets the borsh
/// encoding of its value as return data or, for an `Err` of a `Result`, reverts with the
/// error's [`ContractError`](derive@ContractError) code and data.
///
/// ```text
/// #[keyway_sdk::method]
/// pub fn transfer(to: Address, amount: u128) -> Result<(), TokenError> { ... }
/// ```
#[proc_macro_attribute]
pub fn method(attr: TokenStream, item: TokenStream) -> TokenStream {
    method::expand(attr.into(), item.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// Implements `keyway_sdk::ContractError` for a fieldless enum whose variants all have
/// explicit discriminants: each discriminant is that variant's stable revert code.
///
/// ```text
/// #[derive(keyway_sdk::ContractError)]
/// #[repr(u32)]
/// pub enum TokenError { InsufficientBalance = 1, Unauthorized = 3 }
/// ```
#[proc_macro_derive(ContractError)]
pub fn derive_contract_error(input: TokenStream) -> TokenStream {
    error::expand(input.into())
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
