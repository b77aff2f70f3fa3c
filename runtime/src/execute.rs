//! Executing one transaction: the [`Runtime`].

use std::cell::Cell;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use keyway_host_api::{
    AccessList, Address, BlockEnv, Hash, INIT_METHOD, Key, Receipt, Signature, SignedTransaction,
    Status, Transaction, TxKind, gas, system,
};
use wasmtime::{Engine, Linker, ModuleExport, Store, Trap};

use crate::cache::{CodeCache, CompileError, CompiledContract, SharedArtifacts};
use crate::calls::{ContextPtr, TxContext};
use crate::crypto::{self, VerifiedTransaction};
use crate::host::{
    Exit, ExitSignal, HostState, TxState, define_host_functions, gas_left, overspent, set_gas_left,
};
use crate::limits::Limits;
use crate::state::{StateError, StateView, WriteSet};
use crate::validate::{ModuleInfo, ValidationError, check_wasm};

/// How a [`Runtime`] is set up.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RuntimeConfig {
    /// Module and transaction limits. Default: [`Limits::default`].
    pub limits: Limits,
    /// Directory for precompiled artifacts, keyed by code hash and engine fingerprint.
    /// Default `None`: compile in memory only.
    pub cache_dir: Option<PathBuf>,
    /// Instance slots of each engine shard's pooling allocator. A thread holds one slot
    /// per frame of its deepest call chain (`limits.max_call_depth`) and frees each as the
    /// frame returns, so this must be at least threads sharing a shard × depth. Default 64
    /// (enough for 8 threads on one shard at depth 8).
    pub instance_slots: u32,
    /// Engine shards (each a wasmtime engine with its own pool and compiled code); one per
    /// executing thread avoids contention. Default: the machine's available parallelism.
    pub engine_shards: usize,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        RuntimeConfig {
            limits: Limits::default(),
            cache_dir: None,
            instance_slots: 64,
            engine_shards: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}

/// A host fault: the node could not execute a transaction. Never part of a receipt;
/// the caller must not commit the block.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RuntimeError {
    /// wasmtime rejected the engine configuration.
    #[error("wasmtime engine setup failed: {0}")]
    Engine(String),
    /// The state backend failed.
    #[error(transparent)]
    State(#[from] StateError),
    /// State holds something the runtime never writes (e.g. a malformed nonce).
    #[error("state is corrupt at {key:?}: {what}")]
    CorruptState {
        /// The offending key.
        key: Key,
        /// What is wrong with it.
        what: &'static str,
    },
    /// Code that passed validation when deployed failed to compile or link now.
    #[error("compiling stored code {code_hash} failed: {reason}")]
    Compile {
        /// Hex code hash.
        code_hash: String,
        /// wasmtime's reason.
        reason: String,
    },
    /// The artifact cache could not be read or written.
    #[error("artifact cache I/O at {path}: {source}")]
    CacheIo {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Wasm execution failed for a reason that is not the contract's (e.g. the instance
    /// pool is exhausted).
    #[error("execution failed for a host reason: {0}")]
    Execution(String),
}

/// The result of one transaction: its receipt and the writes to apply if the block
/// commits. The runtime never mutates state itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TxOutcome {
    /// The receipt.
    pub receipt: Receipt,
    /// Sorted writes, including the implicit nonce write (empty for rejections).
    pub writes: WriteSet,
}

/// One deterministic wasmtime engine with its own pooling allocator, the linker with the
/// host functions, and its compiled-code cache. Every shard is configured identically,
/// so which one runs a transaction never changes its outcome.
pub(crate) struct Shard {
    engine: Engine,
    linker: Linker<HostState>,
    limits: Limits,
    cache: CodeCache,
}

impl TxOutcome {
    /// A transaction rejected before execution (bad signature, nonce or chain): no gas,
    /// no writes, the nonce stays.
    pub fn rejected(status: Status) -> Self {
        TxOutcome {
            receipt: failed(status, 0),
            writes: WriteSet::new(),
        }
    }
}

/// Executes transactions. Share it between threads (`&Runtime` is `Sync`).
///
/// It holds one engine shard per core: threads that instantiate on one shared engine
/// contend on its pooling allocator (slot index and decommit queue, each behind a mutex)
/// and on shared reference counts; a token transfer scaled 1.66x on two threads with one
/// engine and 1.90x with one engine per thread. A thread keeps using the shard it got
/// last, and takes another free one when that is busy.
pub struct Runtime {
    shards: Box<[Padded<Shard>]>,
    limits: Limits,
}

/// Keeps each shard's busy flag on its own cache line.
#[repr(align(128))]
struct Padded<T> {
    busy: AtomicBool,
    shard: T,
}

thread_local! {
    /// The shard this thread used last.
    static PREFERRED_SHARD: Cell<Option<usize>> = const { Cell::new(None) };
}

/// Spreads new threads over the shards.
static NEXT_SHARD: AtomicUsize = AtomicUsize::new(0);

/// Marks a shard free again, even if the work on it panicked.
struct ShardGuard<'a>(&'a AtomicBool);

impl Drop for ShardGuard<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("limits", &self.limits)
            .field("shards", &self.shards.len())
            .finish_non_exhaustive()
    }
}

impl Runtime {
    /// Builds the engine shards, their linkers and code caches.
    pub fn new(config: RuntimeConfig) -> Result<Self, RuntimeError> {
        let count = config.engine_shards.max(1);
        let artifacts = Arc::new(SharedArtifacts::default());
        let shards = (0..count)
            .map(|_| {
                Ok(Padded {
                    busy: AtomicBool::new(false),
                    shard: Shard::new(&config, artifacts.clone())?,
                })
            })
            .collect::<Result<Vec<_>, RuntimeError>>()?;
        Ok(Runtime {
            shards: shards.into_boxed_slice(),
            limits: config.limits,
        })
    }

    /// Runs `f` on a shard no other thread is using, preferring the one this thread used
    /// last; when every shard is busy, shares that one.
    fn with_shard<R>(&self, f: impl FnOnce(&Shard) -> R) -> R {
        let n = self.shards.len();
        let start = PREFERRED_SHARD
            .get()
            .unwrap_or_else(|| NEXT_SHARD.fetch_add(1, Ordering::Relaxed))
            % n;
        for k in 0..n {
            let i = (start + k) % n;
            let slot = &self.shards[i];
            if slot
                .busy
                .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
            {
                let _guard = ShardGuard(&slot.busy);
                PREFERRED_SHARD.set(Some(i));
                return f(&slot.shard);
            }
        }
        f(&self.shards[start].shard)
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Checks a module against the limits and the ABI without compiling it.
    pub fn validate(&self, wasm: &[u8]) -> Result<ModuleInfo, ValidationError> {
        check_wasm(wasm, &self.limits)
    }

    /// Validates and compiles `code` ahead of time in every shard (or loads this node's
    /// artifact from the cache directory), returning its code hash.
    pub fn prepare(&self, code: &[u8]) -> Result<Hash, RuntimeError> {
        let code_hash = system::sha256(code);
        for slot in self.shards.iter() {
            slot.shard
                .compile(&code_hash, code)
                .map_err(|e| compile_fault(&code_hash, e))?;
        }
        Ok(code_hash)
    }

    /// Drops every compiled contract held in memory (the disk cache stays).
    pub fn forget_compiled(&self) {
        for slot in self.shards.iter() {
            slot.shard.cache.clear();
        }
    }

    /// Verifies the signature, then executes. See [`Runtime::execute_verified`].
    pub fn execute(
        &self,
        state: &dyn StateView,
        env: &BlockEnv,
        tx: &SignedTransaction,
    ) -> Result<TxOutcome, RuntimeError> {
        match crypto::verify(tx) {
            Ok(verified) => self.execute_verified(state, env, &verified),
            Err(status) => Ok(TxOutcome::rejected(status)),
        }
    }

    /// Executes a transaction whose signature was already verified (e.g. in parallel by a
    /// scheduler). Contract failures are receipts; `Err` is a host fault.
    pub fn execute_verified(
        &self,
        state: &dyn StateView,
        env: &BlockEnv,
        verified: &VerifiedTransaction<'_>,
    ) -> Result<TxOutcome, RuntimeError> {
        self.with_shard(|shard| shard.execute_verified(state, env, verified, None))
    }

    /// Access-list discovery (like Ethereum's `eth_createAccessList`): runs `tx` on
    /// `state` with declared-key enforcement off, records every key read and written,
    /// across cross-contract calls too, and returns the smallest access list that covers
    /// them, with the outcome of running `tx` declared with that list.
    ///
    /// The signature is not checked (`tx` is unsigned); chain id and nonce are. Keys only
    /// read are listed in `reads`, keys written or removed in `writes`; a called contract
    /// none of whose keys is touched is covered by a read of its record
    /// ([`system::contract_key`]). A transaction whose path depends on its own gas (via
    /// `gas_remaining`) could touch other keys once its list, and so its intrinsic gas,
    /// changes; discovery then runs again with the union, up to three rounds.
    pub fn simulate(
        &self,
        state: &dyn StateView,
        env: &BlockEnv,
        tx: &Transaction,
    ) -> Result<Simulation, RuntimeError> {
        let mut signed = SignedTransaction {
            tx: tx.clone(),
            signature: Signature([0; 64]),
        };
        let mut access_list = AccessList::default();
        for round in 1..=3 {
            let mut discovered = AccessList::default();
            self.with_shard(|shard| {
                let verified = crypto::already_verified(&signed);
                shard.execute_verified(state, env, &verified, Some(&mut discovered))
            })?;
            access_list.merge(discovered);
            signed.tx.access_list = access_list.clone();
            let outcome = self.with_shard(|shard| {
                let verified = crypto::already_verified(&signed);
                shard.execute_verified(state, env, &verified, None)
            })?;
            let undeclared = matches!(
                outcome.receipt.status,
                Status::UndeclaredRead | Status::UndeclaredWrite
            );
            if !undeclared || round == 3 {
                return Ok(Simulation {
                    access_list,
                    outcome,
                    rounds: round,
                });
            }
            // The next round discovers from the list the transaction will be declared with.
        }
        unreachable!("the last round returns")
    }
}

/// What [`Runtime::simulate`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Simulation {
    /// The smallest access list covering every key the transaction touched (normalized).
    pub access_list: AccessList,
    /// The outcome of the transaction declared with `access_list`, on the same state:
    /// its receipt (with exact gas) and writes.
    pub outcome: TxOutcome,
    /// How many discovery rounds it took (more than one only when execution depends on
    /// the gas left).
    pub rounds: u32,
}

/// One call frame to run: the transaction's own call or a nested one.
pub(crate) struct Frame<'c> {
    pub compiled: &'c CompiledContract,
    pub method: ModuleExport,
    pub contract: Address,
    /// The transaction's sender, or the calling contract.
    pub sender: Address,
    pub input: Vec<u8>,
    pub gas: u64,
}

/// What a call frame produced (its writes and events stay in the [`TxState`]).
pub(crate) struct CallResult {
    pub status: Status,
    pub gas_left: u64,
    pub return_data: Vec<u8>,
}

impl Shard {
    fn new(config: &RuntimeConfig, artifacts: Arc<SharedArtifacts>) -> Result<Self, RuntimeError> {
        let engine = crate::engine::build_engine(&config.limits, config.instance_slots)
            .map_err(|e| RuntimeError::Engine(e.to_string()))?;
        let mut linker = Linker::new(&engine);
        define_host_functions(&mut linker).map_err(|e| RuntimeError::Engine(e.to_string()))?;
        let fingerprint = crate::engine::fingerprint(&engine);
        let cache = CodeCache::new(config.cache_dir.as_deref(), &fingerprint, artifacts)
            .map_err(|e| compile_fault(&[0; 32], e))?;
        Ok(Shard {
            engine,
            linker,
            limits: config.limits.clone(),
            cache,
        })
    }

    /// [`Runtime::execute_verified`] on this shard; with `discovery`, declared keys are not
    /// enforced and the keys touched are put there.
    fn execute_verified(
        &self,
        state: &dyn StateView,
        env: &BlockEnv,
        verified: &VerifiedTransaction<'_>,
        discovery: Option<&mut AccessList>,
    ) -> Result<TxOutcome, RuntimeError> {
        let tx = &verified.signed.tx;
        if tx.chain_id != env.chain_id {
            return Ok(TxOutcome::rejected(Status::WrongChainId));
        }
        let nonce_key = system::nonce_key(&verified.sender);
        let nonce = match state.get(&nonce_key)? {
            None => 0,
            Some(bytes) => system::decode_nonce(&bytes).ok_or(RuntimeError::CorruptState {
                key: nonce_key.clone(),
                what: "nonce is not 8 bytes",
            })?,
        };
        if tx.nonce != nonce {
            return Ok(TxOutcome::rejected(Status::BadNonce));
        }

        // From here on the transaction is included: its nonce advances whatever happens.
        let declared = tx.access_list.len() as u64;
        let intrinsic = gas::intrinsic(verified.body_len as u64, declared);
        let args_len = match &tx.kind {
            TxKind::Deploy { .. } => 0,
            TxKind::Instantiate { args, .. } | TxKind::Call { args, .. } => args.len(),
        };
        let (mut receipt, mut writes) = if (declared > self.limits.max_access_list_entries as u64
            && discovery.is_none())
            || tx.gas_limit > self.limits.max_gas_per_tx
            || args_len > self.limits.max_io_bytes as usize
        {
            (
                failed(Status::LimitExceeded, intrinsic.min(tx.gas_limit)),
                WriteSet::new(),
            )
        } else if tx.gas_limit < intrinsic {
            (failed(Status::OutOfGas, tx.gas_limit), WriteSet::new())
        } else {
            let budget = tx.gas_limit - intrinsic;
            let context = TxContext {
                shard: self,
                state,
                env: *env,
            };
            let (receipt, writes) = match &tx.kind {
                TxKind::Deploy { code } => self.deploy(code, budget)?,
                TxKind::Instantiate { code_hash, args } => self.instantiate(
                    &context, verified, nonce, code_hash, args, budget, discovery,
                )?,
                TxKind::Call {
                    contract,
                    method,
                    args,
                } => self.call(
                    &context, verified, contract, method, args, budget, discovery,
                )?,
            };
            let mut receipt = receipt;
            receipt.gas_used += intrinsic;
            (receipt, writes)
        };
        if receipt.status != Status::Success {
            writes = WriteSet::new();
            receipt.events.clear();
        }
        writes.insert(nonce_key, Some(system::encode_nonce(nonce + 1)));
        debug_assert!(receipt.gas_used <= tx.gas_limit);
        receipt.gas_used = receipt.gas_used.min(tx.gas_limit);
        Ok(TxOutcome { receipt, writes })
    }

    fn compile(
        &self,
        code_hash: &Hash,
        code: &[u8],
    ) -> Result<Arc<CompiledContract>, CompileError> {
        self.cache
            .compile(&self.engine, &self.linker, &self.limits, code_hash, code)
    }

    fn deploy(&self, code: &[u8], budget: u64) -> Result<(Receipt, WriteSet), RuntimeError> {
        let cost = gas::DEPLOY.total(code.len() as u64);
        if cost > budget {
            return Ok((failed(Status::OutOfGas, budget), WriteSet::new()));
        }
        let code_hash = system::sha256(code);
        match self.compile(&code_hash, code) {
            Ok(_) => {}
            // Our validation and wasmtime's are deterministic for a pinned wasmtime: both
            // make the code invalid on every node. A compile failure after validation is
            // the host's (code memory, mmap limits) and fails the block instead.
            Err(CompileError::Invalid(_) | CompileError::Rejected(_)) => {
                return Ok((failed(Status::InvalidModule, cost), WriteSet::new()));
            }
            Err(e) => return Err(compile_fault(&code_hash, e)),
        }
        let mut writes = WriteSet::new();
        writes.insert(system::code_key(&code_hash), Some(code.to_vec()));
        let receipt = Receipt {
            status: Status::Success,
            gas_used: cost,
            events: Vec::new(),
            return_data: code_hash.to_vec(),
        };
        Ok((receipt, writes))
    }

    #[allow(clippy::too_many_arguments)]
    fn instantiate(
        &self,
        context: &TxContext<'_>,
        verified: &VerifiedTransaction<'_>,
        nonce: u64,
        code_hash: &Hash,
        args: &[u8],
        budget: u64,
        discovery: Option<&mut AccessList>,
    ) -> Result<(Receipt, WriteSet), RuntimeError> {
        let state = context.state;
        let Some(code) = state.get(&system::code_key(code_hash))? else {
            return Ok((failed(Status::UnknownCode, 0), WriteSet::new()));
        };
        let contract = system::contract_address(&verified.sender, nonce);
        let record_key = system::contract_key(&contract);
        if state.get(&record_key)?.is_some() {
            return Ok((failed(Status::ContractExists, 0), WriteSet::new()));
        }
        let compiled = self
            .compile(code_hash, &code)
            .map_err(|e| compile_fault(code_hash, e))?;
        let (mut receipt, mut writes) = match compiled.init() {
            Some(init) => {
                let frame = Frame {
                    compiled: &compiled,
                    method: *init,
                    contract,
                    sender: verified.sender,
                    input: args.to_vec(),
                    gas: budget,
                };
                self.run_top(context, verified, frame, budget, discovery)?
            }
            None => (
                Receipt {
                    status: Status::Success,
                    gas_used: 0,
                    events: Vec::new(),
                    return_data: Vec::new(),
                },
                WriteSet::new(),
            ),
        };
        if receipt.status == Status::Success {
            writes.insert(record_key, Some(code_hash.to_vec()));
            receipt.return_data = contract.0.to_vec();
        }
        Ok((receipt, writes))
    }

    #[allow(clippy::too_many_arguments)]
    fn call(
        &self,
        context: &TxContext<'_>,
        verified: &VerifiedTransaction<'_>,
        contract: &Address,
        method: &str,
        args: &[u8],
        budget: u64,
        discovery: Option<&mut AccessList>,
    ) -> Result<(Receipt, WriteSet), RuntimeError> {
        let record_key = system::contract_key(contract);
        let Some(record) = context.state.get(&record_key)? else {
            return Ok((failed(Status::UnknownContract, 0), WriteSet::new()));
        };
        let compiled = self.compiled(context.state, &record_key, &record)?;
        // `init` runs once, at instantiation; it is not a method callers can reach.
        let export = match compiled.method(method) {
            Some(export) if method != INIT_METHOD => *export,
            _ => return Ok((failed(Status::UnknownMethod, 0), WriteSet::new())),
        };
        let frame = Frame {
            compiled: &compiled,
            method: export,
            contract: *contract,
            sender: verified.sender,
            input: args.to_vec(),
            gas: budget,
        };
        self.run_top(context, verified, frame, budget, discovery)
    }

    /// The compiled code of the contract whose record (`record_key` → code hash) is
    /// `record`, from this shard's cache or compiled from state.
    pub(crate) fn compiled(
        &self,
        state: &dyn StateView,
        record_key: &Key,
        record: &[u8],
    ) -> Result<Arc<CompiledContract>, RuntimeError> {
        let code_hash: Hash = record.try_into().map_err(|_| RuntimeError::CorruptState {
            key: record_key.clone(),
            what: "contract record is not a 32-byte code hash",
        })?;
        if let Some(compiled) = self.cache.get(&code_hash) {
            return Ok(compiled);
        }
        let code_key = system::code_key(&code_hash);
        let code = state.get(&code_key)?.ok_or(RuntimeError::CorruptState {
            key: code_key,
            what: "a contract's code is missing",
        })?;
        self.compile(&code_hash, &code)
            .map_err(|e| compile_fault(&code_hash, e))
    }

    /// Runs the transaction's own call: builds its [`TxState`] from the access list,
    /// runs the frame, and turns the result into a receipt and writes. With `discovery`,
    /// enforcement is off and the keys touched are reported there.
    fn run_top(
        &self,
        context: &TxContext<'_>,
        verified: &VerifiedTransaction<'_>,
        frame: Frame<'_>,
        budget: u64,
        discovery: Option<&mut AccessList>,
    ) -> Result<(Receipt, WriteSet), RuntimeError> {
        let access = &verified.signed.tx.access_list;
        let tx = TxState::new(access, discovery.is_some());
        let (result, tx) = self.run_frame(context, tx, frame)?;
        if let Some(found) = discovery {
            *found = touched(&tx);
        }
        let mut writes = WriteSet::new();
        for slot in tx.slots.0 {
            if let Some(value) = slot.written {
                writes.insert(slot.key, value);
            }
        }
        let receipt = Receipt {
            status: result.status,
            gas_used: budget - result.gas_left.min(budget),
            events: tx.events,
            return_data: result.return_data,
        };
        Ok((receipt, writes))
    }

    /// Loads the values of `contract`'s declared keys not loaded yet (a contract's keys
    /// are loaded when a call first enters it); returns the bytes loaded.
    fn load_namespace(
        &self,
        state: &dyn StateView,
        tx: &mut TxState,
        contract: &Address,
    ) -> Result<u64, RuntimeError> {
        let mut loaded = 0u64;
        let range = tx.slots.namespace(contract);
        for slot in &mut tx.slots.0[range] {
            if !slot.loaded {
                slot.original = state.get(&slot.key)?;
                slot.loaded = true;
                loaded += slot.original.as_ref().map_or(0, |v| v.len() as u64);
            }
        }
        Ok(loaded)
    }

    /// Runs one method in a fresh instance with `frame.gas` available, lending it the
    /// transaction's state. A failed frame leaves no writes and no events behind.
    pub(crate) fn run_frame(
        &self,
        context: &TxContext<'_>,
        mut tx: TxState,
        frame: Frame<'_>,
    ) -> Result<(CallResult, TxState), RuntimeError> {
        let loaded_bytes = self.load_namespace(context.state, &mut tx, &frame.contract)?;
        // Instantiation and the declared values loaded for the call, before any guest code.
        let instantiate_cost = gas::INSTANTIATE_BASE
            .saturating_add(gas::INSTANTIATE_PER_PAGE * frame.compiled.initial_pages as u64)
            .saturating_add(gas::DECLARED_VALUE_PER_BYTE.saturating_mul(loaded_bytes));
        if instantiate_cost > frame.gas {
            let result = CallResult {
                status: Status::OutOfGas,
                gas_left: 0,
                return_data: Vec::new(),
            };
            return Ok((result, tx));
        }
        tx.stack.push(frame.contract);
        let marks = Marks {
            events: tx.events.len(),
            journal: tx.journal.len(),
        };
        let host = HostState::new(
            tx,
            frame.contract,
            frame.sender,
            context.env,
            frame.input,
            &self.limits,
            Some(ContextPtr::new(context)),
        );
        let mut store = Store::new(&self.engine, host);
        store.limiter(|host| &mut host.limiter);
        // Fuel is set before instantiating, so no future wasmtime change to instantiation
        // (start sections are rejected today) could run guest code unmetered.
        let fuel = frame.gas - instantiate_cost;
        set_gas_left(&mut store, fuel).map_err(execution_fault)?;
        let status = match frame.compiled.pre.instantiate(&mut store) {
            Ok(instance) => {
                let limiter = &mut store.data_mut().limiter;
                limiter.instantiated = true;
                limiter.fuel_bound = fuel;
                let memory = instance
                    .get_module_export(&mut store, &frame.compiled.memory)
                    .and_then(|e| e.into_memory())
                    .ok_or_else(|| {
                        RuntimeError::Execution("validated memory export missing".into())
                    })?;
                store.data_mut().memory = Some(memory);
                let func = instance
                    .get_module_export(&mut store, &frame.method)
                    .and_then(|e| e.into_func())
                    .ok_or_else(|| {
                        RuntimeError::Execution("validated method export missing".into())
                    })?
                    .typed::<(), ()>(&store)
                    .map_err(execution_fault)?;
                match func.call(&mut store, ()) {
                    // Memory growth not yet charged by a host call must still be affordable.
                    Ok(()) => {
                        let pending = store.data().limiter.pending_gas;
                        if pending > gas_left(&store).map_err(execution_fault)?
                            || overspent(&store).map_err(execution_fault)?
                        {
                            Status::OutOfGas
                        } else {
                            Status::Success
                        }
                    }
                    Err(error) => classify(&mut store, error)?,
                }
            }
            Err(error) => classify(&mut store, error)?,
        };
        Ok(finish(store, status, marks))
    }
}

/// Where a frame's events and journal started: a failed frame is cut back to them.
struct Marks {
    events: usize,
    journal: usize,
}

/// The smallest access list covering what a discovery run touched.
fn touched(tx: &TxState) -> AccessList {
    let mut list = AccessList::default();
    for slot in &tx.slots.0 {
        if slot.write_seen {
            list.writes.push(slot.key.clone());
        } else if slot.read_seen {
            list.reads.push(slot.key.clone());
        }
    }
    let namespaces = list.namespaces();
    for callee in &tx.callees {
        if namespaces.binary_search(callee).is_err() {
            list.reads.push(system::contract_key(callee));
        }
    }
    list.normalize();
    list
}

/// Maps an error out of Wasm to a status, or to a host fault when it is not the
/// contract's doing.
fn classify(store: &mut Store<HostState>, error: wasmtime::Error) -> Result<Status, RuntimeError> {
    let host = store.data_mut();
    if let Some(fault) = host.fault.take() {
        return Err(fault);
    }
    if let Some(exit) = host.exit.take() {
        let status = match exit {
            Exit::OutOfGas => Status::OutOfGas,
            Exit::UndeclaredRead => Status::UndeclaredRead,
            Exit::UndeclaredWrite => Status::UndeclaredWrite,
            Exit::Trap => Status::Trap,
            Exit::LimitExceeded => Status::LimitExceeded,
            Exit::Revert { code, data } => {
                host.return_data = data;
                Status::Reverted { code }
            }
            Exit::Abort { message } => {
                host.return_data = message;
                Status::Aborted
            }
            Exit::Propagate { status, data } => {
                host.return_data = data;
                status
            }
        };
        return Ok(status);
    }
    if host.limiter.out_of_gas {
        return Ok(Status::OutOfGas);
    }
    match error.downcast_ref::<Trap>() {
        Some(Trap::OutOfFuel) => Ok(Status::OutOfGas),
        Some(_) => Ok(Status::Trap),
        None if error.is::<ExitSignal>() => Err(RuntimeError::Execution(
            "exit signal without an exit".into(),
        )),
        None => Err(execution_fault(error)),
    }
}

/// Turns the store into a call result and hands the transaction's state back. A failed
/// call keeps no writes and no events: the outermost drops all, a nested one is cut back
/// to where it started.
fn finish(mut store: Store<HostState>, status: Status, marks: Marks) -> (CallResult, TxState) {
    // Memory growth not yet charged is charged whatever the outcome.
    let pending = std::mem::take(&mut store.data_mut().limiter.pending_gas);
    let gas_left = match status {
        Status::OutOfGas => 0,
        _ => gas_left(&store).unwrap_or(0).saturating_sub(pending),
    };
    let host = store.data_mut();
    let mut tx = std::mem::take(&mut host.tx);
    let mut return_data = std::mem::take(&mut host.return_data);
    drop(store);
    if status != Status::Success {
        if tx.stack.len() == 1 {
            tx.discard_writes();
        } else {
            tx.roll_back(marks.journal);
        }
        tx.events.truncate(marks.events);
        // Revert data and abort messages are the failure's explanation; anything else
        // set before failing is not returned.
        if !matches!(status, Status::Reverted { .. } | Status::Aborted) {
            return_data.clear();
        }
    }
    tx.stack.pop();
    let result = CallResult {
        status,
        gas_left,
        return_data,
    };
    (result, tx)
}

/// A receipt for a transaction that failed with `gas_used` (before intrinsic gas).
fn failed(status: Status, gas_used: u64) -> Receipt {
    Receipt {
        status,
        gas_used,
        events: Vec::new(),
        return_data: Vec::new(),
    }
}

fn execution_fault(error: wasmtime::Error) -> RuntimeError {
    RuntimeError::Execution(error.to_string())
}

fn compile_fault(code_hash: &Hash, error: CompileError) -> RuntimeError {
    match error {
        CompileError::Io(path, source) => RuntimeError::CacheIo { path, source },
        CompileError::Invalid(e) => RuntimeError::Compile {
            code_hash: hex::encode(code_hash),
            reason: e.to_string(),
        },
        CompileError::Engine(reason) | CompileError::Rejected(reason) => RuntimeError::Compile {
            code_hash: hex::encode(code_hash),
            reason,
        },
    }
}
