//! Safe, slice-based signatures for the host functions, with one implementation per target:
//! the raw `keyway` imports on `wasm32`, the thread-local test host everywhere else. The
//! rest of the SDK only calls these, so it is the same code on both.

#[cfg(not(target_arch = "wasm32"))]
pub(crate) use crate::testing::host::*;
#[cfg(target_arch = "wasm32")]
pub(crate) use wasm::*;

#[cfg(target_arch = "wasm32")]
mod wasm {
    use keyway_host_api::Address;
    use keyway_host_api::abi::raw;

    // On wasm32 pointers and `usize` are 32 bits, so these casts are exact.
    fn ptr(bytes: &[u8]) -> u32 {
        bytes.as_ptr() as u32
    }

    fn len(bytes: &[u8]) -> u32 {
        bytes.len() as u32
    }

    /// The value's length, or `None` when absent; the value is copied only if it fits.
    pub(crate) fn storage_read(key: &[u8], out: &mut [u8]) -> Option<usize> {
        // SAFETY: both slices are valid for their lengths; the host writes at most
        // `out.len()` bytes to `out`.
        let n = unsafe { raw::storage_read(ptr(key), len(key), out.as_mut_ptr() as u32, len(out)) };
        usize::try_from(n).ok()
    }

    pub(crate) fn storage_has(key: &[u8]) -> bool {
        // SAFETY: `key` is valid for its length.
        unsafe { raw::storage_has(ptr(key), len(key)) != 0 }
    }

    pub(crate) fn storage_write(key: &[u8], value: &[u8]) {
        // SAFETY: both slices are valid for their lengths.
        unsafe { raw::storage_write(ptr(key), len(key), ptr(value), len(value)) }
    }

    pub(crate) fn storage_remove(key: &[u8]) -> bool {
        // SAFETY: `key` is valid for its length.
        unsafe { raw::storage_remove(ptr(key), len(key)) != 0 }
    }

    /// The input's length; the input is copied only if it fits in `out`.
    pub(crate) fn input(out: &mut [u8]) -> usize {
        // SAFETY: the host writes at most `out.len()` bytes to `out`.
        unsafe { raw::input(out.as_mut_ptr() as u32, len(out)) as usize }
    }

    pub(crate) fn set_return(data: &[u8]) {
        // SAFETY: `data` is valid for its length.
        unsafe { raw::set_return(ptr(data), len(data)) }
    }

    pub(crate) fn sender() -> Address {
        let mut out = [0u8; 32];
        // SAFETY: the host writes exactly 32 bytes.
        unsafe { raw::sender(out.as_mut_ptr() as u32) };
        Address(out)
    }

    pub(crate) fn self_address() -> Address {
        let mut out = [0u8; 32];
        // SAFETY: the host writes exactly 32 bytes.
        unsafe { raw::self_address(out.as_mut_ptr() as u32) };
        Address(out)
    }

    pub(crate) fn block_height() -> u64 {
        // SAFETY: no pointers.
        unsafe { raw::block_height() }
    }

    pub(crate) fn block_time() -> u64 {
        // SAFETY: no pointers.
        unsafe { raw::block_time() }
    }

    pub(crate) fn chain_id() -> u64 {
        // SAFETY: no pointers.
        unsafe { raw::chain_id() }
    }

    pub(crate) fn gas_remaining() -> u64 {
        // SAFETY: no pointers.
        unsafe { raw::gas_remaining() }
    }

    pub(crate) fn emit_event(topic: &[u8], data: &[u8]) {
        // SAFETY: both slices are valid for their lengths.
        unsafe { raw::emit_event(ptr(topic), len(topic), ptr(data), len(data)) }
    }

    pub(crate) fn sha256(data: &[u8]) -> [u8; 32] {
        let mut out = [0u8; 32];
        // SAFETY: `data` is valid for its length; the host writes exactly 32 bytes.
        unsafe { raw::sha256(ptr(data), len(data), out.as_mut_ptr() as u32) };
        out
    }

    pub(crate) fn secp256k1_verify(hash: &[u8; 32], sig: &[u8; 64], pubkey: &[u8; 33]) -> bool {
        // SAFETY: the arrays have exactly the sizes the host reads.
        unsafe {
            raw::secp256k1_verify(
                hash.as_ptr() as u32,
                sig.as_ptr() as u32,
                pubkey.as_ptr() as u32,
            ) != 0
        }
    }

    pub(crate) fn revert(code: u32, data: &[u8]) -> ! {
        // SAFETY: `data` is valid for its length. The host traps the instance and never
        // returns; `unreachable` tells the compiler so (and traps if a host ever did).
        unsafe { raw::revert(code, ptr(data), len(data)) };
        core::arch::wasm32::unreachable()
    }

    pub(crate) fn abort(message: &str) -> ! {
        // SAFETY: as for `revert`.
        unsafe { raw::abort(ptr(message.as_bytes()), len(message.as_bytes())) };
        core::arch::wasm32::unreachable()
    }

    /// The callee's packed status (`encode_call_result`).
    pub(crate) fn call(contract: &Address, method: &str, args: &[u8], gas: u64, flags: u32) -> u64 {
        // SAFETY: the address is 32 bytes; method and args are valid for their lengths.
        unsafe {
            raw::call(
                contract.0.as_ptr() as u32,
                ptr(method.as_bytes()),
                len(method.as_bytes()),
                ptr(args),
                len(args),
                gas,
                flags,
            )
        }
    }

    /// The last call's output length; copied only if it fits in `out`.
    pub(crate) fn call_output(out: &mut [u8]) -> usize {
        // SAFETY: the host writes at most `out.len()` bytes to `out`.
        unsafe { raw::call_output(out.as_mut_ptr() as u32, len(out)) as usize }
    }
}
