//! The gas schedule. One unit of gas is one unit of Wasm fuel (about one Wasm operator);
//! host work is priced in the same unit from measurements on the reference machine
//! (roughly 1 gas per nanosecond). Changing any number here changes consensus.

/// The price of a host function: a base plus a price per byte it handles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HostCost {
    /// Charged on every call.
    pub base: u64,
    /// Charged per byte the call reads from or writes to memory or storage (see `ABI.md`
    /// for which bytes count for each function).
    pub per_byte: u64,
}

impl HostCost {
    /// The total for a call handling `bytes` bytes, saturating instead of overflowing.
    pub const fn total(&self, bytes: u64) -> u64 {
        self.base
            .saturating_add(self.per_byte.saturating_mul(bytes))
    }
}

const fn cost(base: u64, per_byte: u64) -> HostCost {
    HostCost { base, per_byte }
}

/// Key bytes + value bytes (the value's bytes are charged only when copied).
pub const STORAGE_READ: HostCost = cost(1_500, 5);
/// Key bytes.
pub const STORAGE_HAS: HostCost = cost(1_200, 5);
/// Key bytes + value bytes; persistent state is the scarcest resource.
pub const STORAGE_WRITE: HostCost = cost(4_000, 30);
/// Key bytes.
pub const STORAGE_REMOVE: HostCost = cost(3_000, 5);
/// Input bytes copied.
pub const INPUT: HostCost = cost(200, 1);
/// Return bytes.
pub const SET_RETURN: HostCost = cost(200, 1);
/// Fixed 32 bytes.
pub const SENDER: HostCost = cost(200, 0);
/// Fixed 32 bytes.
pub const SELF_ADDRESS: HostCost = cost(200, 0);
/// No bytes.
pub const BLOCK_HEIGHT: HostCost = cost(100, 0);
/// No bytes.
pub const BLOCK_TIME: HostCost = cost(100, 0);
/// No bytes.
pub const CHAIN_ID: HostCost = cost(100, 0);
/// Topic bytes + data bytes.
pub const EMIT_EVENT: HostCost = cost(1_000, 10);
/// Input bytes.
pub const SHA256: HostCost = cost(500, 4);
/// Fixed sizes; a k256 verification takes about 112 µs on the reference machine.
pub const SECP256K1_VERIFY: HostCost = cost(120_000, 0);
/// Data bytes.
pub const REVERT: HostCost = cost(200, 1);
/// Message bytes.
pub const ABORT: HostCost = cost(200, 1);
/// No bytes.
pub const GAS_REMAINING: HostCost = cost(100, 0);
/// Method name bytes + argument bytes. Covers the callee's store and frame; the callee's
/// instance (`INSTANTIATE_BASE` + pages) and declared values are charged to its allowance.
pub const CALL: HostCost = cost(5_000, 1);
/// Bytes copied.
pub const CALL_OUTPUT: HostCost = cost(200, 1);

/// Charged to every transaction before anything runs: signature verification (~112 µs),
/// nonce update and receipt.
pub const TX_BASE: u64 = 125_000;
/// Per byte of the borsh-encoded transaction body.
pub const TX_PER_BYTE: u64 = 10;
/// Per entry of the declared access list (reads + writes).
pub const TX_PER_DECLARED_KEY: u64 = 500;
/// Per byte of the called contract's declared values, loaded before the call runs.
pub const DECLARED_VALUE_PER_BYTE: u64 = 1;
/// Creating a fresh instance for a call, before its memory is counted.
pub const INSTANTIATE_BASE: u64 = 3_000;
/// Per 64 KiB page of a module's initial memory, charged before instantiating.
pub const INSTANTIATE_PER_PAGE: u64 = 500;
/// Per 64 KiB page added by `memory.grow` (one grow measured ~9 µs on the reference machine).
pub const MEMORY_GROW_PER_PAGE: u64 = 10_000;
/// Validating, compiling and storing code: a base plus a price per byte of Wasm.
pub const DEPLOY: HostCost = cost(100_000, 300);

/// The intrinsic gas of a transaction: charged before execution starts.
pub const fn intrinsic(body_len: u64, declared_keys: u64) -> u64 {
    TX_BASE
        .saturating_add(TX_PER_BYTE.saturating_mul(body_len))
        .saturating_add(TX_PER_DECLARED_KEY.saturating_mul(declared_keys))
}
