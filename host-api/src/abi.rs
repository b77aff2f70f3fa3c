//! The host functions a contract may import: names, signatures and gas, defined once.
//!
//! The [`host_functions!`] table below is the single definition of the ABI. It expands to
//! the raw `extern "C"` imports used by contracts on `wasm32` ([`raw`]) and to
//! [`HOST_FUNCTIONS`], which the runtime's validator and linker check themselves against.
//! `ABI.md` documents every function in prose.

use crate::gas::{self, HostCost};
use crate::types::Status;

/// The Wasm import module every host function lives in.
pub const IMPORT_MODULE: &str = "keyway";

/// The export a contract must provide as its linear memory.
pub const MEMORY_EXPORT: &str = "memory";

/// The method the runtime calls, if the contract exports it, when a contract is instantiated.
pub const INIT_METHOD: &str = "init";

/// Flag for [`call`](HOST_FUNCTIONS): when the callee fails, the calling contract's call
/// ends at once with the callee's status and return data, as if it had failed itself.
pub const CALL_PROPAGATE_FAILURE: u32 = 1;

/// Every flag bit `call` understands; any other bit set ends the caller with `Trap`.
pub const CALL_FLAGS: u32 = CALL_PROPAGATE_FAILURE;

/// As the `gas` argument of `call`: forward all the gas the caller has left.
pub const CALL_ALL_GAS: u64 = u64::MAX;

/// Packs a callee's status into `call`'s result: the status code in the low byte and, for
/// `Reverted`, the contract's code in the high 32 bits.
pub const fn encode_call_result(status: Status) -> u64 {
    let code = match status {
        Status::Reverted { code } => code,
        _ => 0,
    };
    ((code as u64) << 32) | status.code() as u64
}

/// Unpacks `call`'s result; `None` for a value no host returns.
pub const fn decode_call_result(result: u64) -> Option<Status> {
    if result & 0xffff_ff00 != 0 {
        return None;
    }
    let contract_code = (result >> 32) as u32;
    if contract_code != 0 && result & 0xff != 1 {
        return None;
    }
    Status::from_code((result & 0xff) as u8, contract_code)
}

/// The core Wasm value types the ABI uses (pointers and lengths are `i32`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AbiType {
    /// A 32-bit integer: pointers, lengths, flags, codes.
    I32,
    /// A 64-bit integer: heights, times, gas, signed lengths.
    I64,
}

/// Maps a Rust integer type used in the import table to its Wasm value type.
pub trait AbiValue {
    /// The Wasm value type of `Self`.
    const TYPE: AbiType;
}
impl AbiValue for u32 {
    const TYPE: AbiType = AbiType::I32;
}
impl AbiValue for i32 {
    const TYPE: AbiType = AbiType::I32;
}
impl AbiValue for u64 {
    const TYPE: AbiType = AbiType::I64;
}
impl AbiValue for i64 {
    const TYPE: AbiType = AbiType::I64;
}

/// One host function: its import name, Wasm signature and gas price.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HostFunction {
    /// Import name inside [`IMPORT_MODULE`].
    pub name: &'static str,
    /// Parameter types, in order.
    pub params: &'static [AbiType],
    /// Result types (zero or one).
    pub results: &'static [AbiType],
    /// Gas charged before the function does its work.
    pub cost: HostCost,
}

impl HostFunction {
    /// Looks a host function up by its import name.
    pub fn by_name(name: &str) -> Option<&'static HostFunction> {
        HOST_FUNCTIONS.iter().find(|f| f.name == name)
    }
}

macro_rules! host_functions {
    ($(
        $(#[$doc:meta])*
        fn $name:ident($($arg:ident: $ty:ty),*) $(-> $ret:ty)? => $cost:ident;
    )*) => {
        /// Raw imports from [`IMPORT_MODULE`]; only contracts (`wasm32`) link them.
        ///
        /// # Safety
        /// Every pointer argument must point into the contract's own memory with at least
        /// the stated length; the host traps the transaction otherwise.
        #[cfg(target_arch = "wasm32")]
        pub mod raw {
            #[link(wasm_import_module = "keyway")]
            unsafe extern "C" {
                $( $(#[$doc])* pub fn $name($($arg: $ty),*) $(-> $ret)?; )*
            }
        }

        /// Every host function of the ABI, in the order `ABI.md` lists them.
        pub const HOST_FUNCTIONS: &[HostFunction] = &[$(
            HostFunction {
                name: stringify!($name),
                params: &[$(<$ty as AbiValue>::TYPE),*],
                results: &[$(<$ret as AbiValue>::TYPE)?],
                cost: gas::$cost,
            },
        )*];
    };
}

host_functions! {
    /// Reads the value under `key` in the calling contract's storage. Returns -1 when the
    /// key is absent, otherwise the value's length; copies the value to `out_ptr` only
    /// when it fits in `out_cap` bytes.
    fn storage_read(key_ptr: u32, key_len: u32, out_ptr: u32, out_cap: u32) -> i64 => STORAGE_READ;
    /// Returns 1 when `key` holds a value, 0 otherwise.
    fn storage_has(key_ptr: u32, key_len: u32) -> u32 => STORAGE_HAS;
    /// Stores `value` under `key`.
    fn storage_write(key_ptr: u32, key_len: u32, value_ptr: u32, value_len: u32) => STORAGE_WRITE;
    /// Deletes `key`; returns 1 when it held a value, 0 otherwise.
    fn storage_remove(key_ptr: u32, key_len: u32) -> u32 => STORAGE_REMOVE;
    /// Returns the length of the call's input; copies it to `out_ptr` when it fits.
    fn input(out_ptr: u32, out_cap: u32) -> u32 => INPUT;
    /// Sets the bytes returned to the caller (the last call wins).
    fn set_return(data_ptr: u32, data_len: u32) => SET_RETURN;
    /// Writes the 32-byte address of the caller to `out_ptr`.
    fn sender(out_ptr: u32) => SENDER;
    /// Writes the 32-byte address of the running contract to `out_ptr`.
    fn self_address(out_ptr: u32) => SELF_ADDRESS;
    /// The height of the block being executed.
    fn block_height() -> u64 => BLOCK_HEIGHT;
    /// The block's timestamp (seconds since the Unix epoch, as the block says).
    fn block_time() -> u64 => BLOCK_TIME;
    /// The chain id the transaction was signed for.
    fn chain_id() -> u64 => CHAIN_ID;
    /// Appends an event with `topic` and `data` to the receipt.
    fn emit_event(topic_ptr: u32, topic_len: u32, data_ptr: u32, data_len: u32) => EMIT_EVENT;
    /// Writes sha256(`data`) (32 bytes) to `out_ptr`.
    fn sha256(data_ptr: u32, data_len: u32, out_ptr: u32) => SHA256;
    /// Returns 1 when the 64-byte compact ECDSA signature over the 32-byte prehash is valid
    /// for the 33-byte compressed secp256k1 public key, 0 otherwise.
    fn secp256k1_verify(hash_ptr: u32, signature_ptr: u32, public_key_ptr: u32) -> u32 => SECP256K1_VERIFY;
    /// Ends the call as `Reverted(code)` with `data` as return data; never returns.
    fn revert(code: u32, data_ptr: u32, data_len: u32) => REVERT;
    /// Ends the call as `Aborted` with a UTF-8 message as return data; never returns.
    fn abort(message_ptr: u32, message_len: u32) => ABORT;
    /// The gas still available to the call, after this function's own price.
    fn gas_remaining() -> u64 => GAS_REMAINING;
    /// Calls `method` of the contract whose 32-byte address is at `contract_ptr` with
    /// `args` as its input and at most `gas` of the caller's gas; returns the callee's
    /// status packed by `encode_call_result` (0 is success). Its return data is then
    /// available through `call_output`. `flags`: `CALL_PROPAGATE_FAILURE` or 0.
    fn call(contract_ptr: u32, method_ptr: u32, method_len: u32, args_ptr: u32, args_len: u32, gas: u64, flags: u32) -> u64 => CALL;
    /// Returns the length of the last `call`'s return data (the callee's return value,
    /// revert data or abort message); copies it to `out_ptr` when it fits in `out_cap`.
    fn call_output(out_ptr: u32, out_cap: u32) -> u32 => CALL_OUTPUT;
}
