//! Every limit the runtime enforces, in one place, with its default.

/// Limits on modules (checked before anything is compiled) and on what one transaction
/// may do. Defaults follow NEAR's and CosmWasm's published limits, tightened where Keyway's
/// contracts need less. Changing a limit changes which modules and transactions are valid:
/// every node of a chain must use the same values.
///
/// ```
/// let mut limits = keyway_runtime::Limits::default();
/// limits.max_functions = 5_000;
/// assert_eq!(limits.max_memory_pages, 128);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Largest module, in bytes. Default 256 KiB (NEAR allows 4 MiB; our contracts are
    /// tens of KiB, compile time grows with size, and deploying 256 KiB already costs
    /// ~80M gas of the 100M a transaction may use).
    pub max_module_bytes: usize,
    /// Most functions defined in a module. Default 10,000 (NEAR, wasmi).
    pub max_functions: u32,
    /// Most locals in one function, parameters included. Default 10,000.
    pub max_locals_per_function: u32,
    /// Most locals over all functions of a module. Default 1,000,000 (NEAR).
    pub max_total_locals: u64,
    /// Most parameters of one function type. Default 32 (wasmi `strict`).
    pub max_params: u32,
    /// Most results of one function type. Default 8.
    pub max_results: u32,
    /// Most globals. Default 256.
    pub max_globals: u32,
    /// Most tables. Default 1 (NEAR).
    pub max_tables: u32,
    /// Most elements of a table (its declared minimum and maximum). Default 10,000 (NEAR).
    pub max_table_elements: u32,
    /// Most data segments. Default 1,024.
    pub max_data_segments: u32,
    /// Most element segments. Default 1,024.
    pub max_element_segments: u32,
    /// Most exports. Default 256.
    pub max_exports: u32,
    /// Largest code body of one function, in bytes. Default 128 KiB.
    pub max_function_body_bytes: u32,
    /// Largest linear memory, in 64 KiB pages, both initially and after `memory.grow`.
    /// Default 128 (8 MiB). The pooling allocator reserves this much per instance slot.
    pub max_memory_pages: u32,
    /// Deepest Wasm stack, in bytes; overflowing it is a `Trap`. Default 256 KiB.
    pub max_wasm_stack_bytes: usize,
    /// Longest storage key, in bytes. Default 1 KiB.
    pub max_key_bytes: u32,
    /// Longest storage value, in bytes. Default 64 KiB (CosmWasm allows 128 KiB).
    pub max_value_bytes: u32,
    /// Largest event (topic + data), in bytes. Default 16 KiB.
    pub max_event_bytes: u32,
    /// Most events per transaction. Default 1,024.
    pub max_events: u32,
    /// Largest input or return data, in bytes. Default 256 KiB.
    pub max_io_bytes: u32,
    /// Most entries in a declared access list (reads + writes). Default 1,024 (Solana locks
    /// at most 128 accounts, but a Keyway key is finer than an account).
    pub max_access_list_entries: u32,
    /// Deepest chain of cross-contract calls, the transaction's own call included.
    /// Default 8 (Solana allows 5 levels of CPI, NEAR's promises are asynchronous). Each
    /// level may use `max_wasm_stack_bytes` of native stack; the runtime grows the thread's
    /// stack when a nested call needs it.
    pub max_call_depth: u32,
    /// Highest gas limit of one transaction. Default 100,000,000 (~0.1 s of execution).
    pub max_gas_per_tx: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_module_bytes: 256 << 10,
            max_functions: 10_000,
            max_locals_per_function: 10_000,
            max_total_locals: 1_000_000,
            max_params: 32,
            max_results: 8,
            max_globals: 256,
            max_tables: 1,
            max_table_elements: 10_000,
            max_data_segments: 1_024,
            max_element_segments: 1_024,
            max_exports: 256,
            max_function_body_bytes: 128 << 10,
            max_memory_pages: 128,
            max_wasm_stack_bytes: 256 << 10,
            max_key_bytes: 1 << 10,
            max_value_bytes: 64 << 10,
            max_event_bytes: 16 << 10,
            max_events: 1_024,
            max_io_bytes: 256 << 10,
            max_access_list_entries: 1_024,
            max_call_depth: 8,
            max_gas_per_tx: 100_000_000,
        }
    }
}
