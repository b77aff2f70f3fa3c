//! Compiled contracts, cached by code hash in memory and, optionally, as precompiled
//! artifacts on disk that only this node can have written.

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use hmac::{Hmac, Mac};
use keyway_host_api::{Hash, INIT_METHOD, MEMORY_EXPORT};
use sha2::Sha256;
use wasmtime::{Engine, InstancePre, Linker, Module, ModuleExport};

use crate::host::HostState;
use crate::limits::Limits;
use crate::validate::{ValidationError, check_wasm};

/// A contract ready to instantiate: the linked module and its pre-resolved exports.
pub(crate) struct CompiledContract {
    pub pre: InstancePre<HostState>,
    pub memory: ModuleExport,
    /// Callable methods, sorted by name.
    methods: Vec<(String, ModuleExport)>,
    pub initial_pages: u32,
}

impl CompiledContract {
    /// The export for `method`, if the contract has it.
    pub fn method(&self, method: &str) -> Option<&ModuleExport> {
        self.methods
            .binary_search_by(|(name, _)| name.as_str().cmp(method))
            .ok()
            .map(|i| &self.methods[i].1)
    }

    /// The `init` export, if any.
    pub fn init(&self) -> Option<&ModuleExport> {
        self.method(INIT_METHOD)
    }
}

/// Why code could not be made ready.
#[derive(Debug)]
pub(crate) enum CompileError {
    /// The module broke a rule: deterministic, becomes `InvalidModule`.
    Invalid(ValidationError),
    /// wasmtime's validation rejected it: deterministic, becomes `InvalidModule`.
    Rejected(String),
    /// wasmtime refused a validated module.
    Engine(String),
    /// The artifact cache could not be written or read.
    Io(PathBuf, std::io::Error),
}

type HmacSha256 = Hmac<Sha256>;
const MAC_LEN: usize = 32;

/// Precompiled artifacts on disk. Each file is `HMAC(node key, artifact) ‖ artifact`; the
/// key is created once per cache directory, so only artifacts this node wrote pass the
/// check before `Module::deserialize` (which must never see untrusted bytes).
struct DiskCache {
    dir: PathBuf,
    mac_key: [u8; 32],
    fingerprint: String,
}

impl DiskCache {
    fn open(dir: &Path, fingerprint: &[u8; 32]) -> Result<Self, CompileError> {
        let io = |e| CompileError::Io(dir.to_path_buf(), e);
        fs::create_dir_all(dir).map_err(io)?;
        let key_path = dir.join("node.key");
        let mac_key = match fs::read(&key_path) {
            Ok(bytes) if bytes.len() == 32 => {
                let mut key = [0; 32];
                key.copy_from_slice(&bytes);
                key
            }
            _ => {
                let mut key = [0; 32];
                getrandom::fill(&mut key).map_err(|e| {
                    CompileError::Io(key_path.clone(), std::io::Error::other(e.to_string()))
                })?;
                write_atomically(&key_path, &key)?;
                key
            }
        };
        Ok(DiskCache {
            dir: dir.to_path_buf(),
            mac_key,
            fingerprint: hex::encode(&fingerprint[..16]),
        })
    }

    fn path(&self, code_hash: &Hash) -> PathBuf {
        self.dir.join(format!(
            "{}-{}.cwasm",
            hex::encode(code_hash),
            self.fingerprint
        ))
    }

    /// The MAC binds the artifact to its code hash and engine fingerprint, so a file
    /// renamed to another code hash fails too.
    fn mac(&self, code_hash: &Hash, artifact: &[u8]) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.mac_key).expect("HMAC takes any key size");
        mac.update(self.fingerprint.as_bytes());
        mac.update(code_hash);
        mac.update(artifact);
        mac
    }

    /// The module from disk, when a file this node wrote is there.
    /// The artifact stored for `code_hash`, when its HMAC proves this node's own
    /// `precompile_module` produced it for an engine with the same fingerprint (part of
    /// the file name).
    fn load(&self, code_hash: &Hash) -> Option<Vec<u8>> {
        let mut bytes = fs::read(self.path(code_hash)).ok()?;
        if bytes.len() < MAC_LEN {
            return None;
        }
        let (tag, artifact) = bytes.split_at(MAC_LEN);
        self.mac(code_hash, artifact).verify_slice(tag).ok()?;
        Some(bytes.split_off(MAC_LEN))
    }

    fn store(&self, code_hash: &Hash, artifact: &[u8]) -> Result<(), CompileError> {
        let tag = self.mac(code_hash, artifact).finalize().into_bytes();
        let mut bytes = Vec::with_capacity(MAC_LEN + artifact.len());
        bytes.extend_from_slice(&tag);
        bytes.extend_from_slice(artifact);
        write_atomically(&self.path(code_hash), &bytes)
    }
}

/// Writes through a temporary file and a rename, so a crash never leaves half a file.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), CompileError> {
    let io = |e| CompileError::Io(path.to_path_buf(), e);
    // Unique per write: threads of one process may cache the same code at once.
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let unique = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = path.with_extension(format!("tmp{}-{unique}", std::process::id()));
    let mut file = fs::File::create(&tmp).map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.sync_all().map_err(io)?;
    fs::rename(&tmp, path).map_err(io)
}

/// Compiled contracts by code hash.
/// Compiled artifacts shared by every shard of a runtime: the shards' engines are
/// configured identically, so code compiled by one loads in the others (~1 ms) instead of
/// being compiled again (~40 ms for a 30 KB contract).
#[derive(Default)]
pub(crate) struct SharedArtifacts(RwLock<HashMap<Hash, Arc<[u8]>>>);

impl SharedArtifacts {
    fn get(&self, code_hash: &Hash) -> Option<Arc<[u8]>> {
        self.0
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(code_hash)
            .cloned()
    }

    fn insert(&self, code_hash: &Hash, artifact: Vec<u8>) -> Arc<[u8]> {
        self.0
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .entry(*code_hash)
            .or_insert_with(|| artifact.into())
            .clone()
    }

    fn clear(&self) {
        self.0.write().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

pub(crate) struct CodeCache {
    modules: RwLock<HashMap<Hash, Arc<CompiledContract>>>,
    shared: Arc<SharedArtifacts>,
    disk: Option<DiskCache>,
}

impl CodeCache {
    pub fn new(
        dir: Option<&Path>,
        fingerprint: &[u8; 32],
        shared: Arc<SharedArtifacts>,
    ) -> Result<Self, CompileError> {
        Ok(CodeCache {
            modules: RwLock::new(HashMap::new()),
            shared,
            disk: dir.map(|d| DiskCache::open(d, fingerprint)).transpose()?,
        })
    }

    /// The compiled contract, if it is in memory.
    pub fn get(&self, code_hash: &Hash) -> Option<Arc<CompiledContract>> {
        self.modules
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(code_hash)
            .cloned()
    }

    /// Drops every compiled contract held in memory; the disk cache stays.
    pub fn clear(&self) {
        self.modules
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        self.shared.clear();
    }

    /// Validates and compiles `code` (or loads this node's artifact), then caches it.
    pub fn compile(
        &self,
        engine: &Engine,
        linker: &Linker<HostState>,
        limits: &Limits,
        code_hash: &Hash,
        code: &[u8],
    ) -> Result<Arc<CompiledContract>, CompileError> {
        if let Some(compiled) = self.get(code_hash) {
            return Ok(compiled);
        }
        let info = check_wasm(code, limits).map_err(CompileError::Invalid)?;
        // wasmtime's own validation is a pure function of the bytes (for a pinned
        // wasmtime): a rejection there is the module's fault. Anything failing after it
        // (code memory, mmap limits) is the host's.
        Module::validate(engine, code).map_err(|e| CompileError::Rejected(e.to_string()))?;
        let engine_err = |e: wasmtime::Error| CompileError::Engine(e.to_string());
        // One compilation per runtime: from another shard's artifact, this node's disk
        // cache, or compiled here and shared.
        let artifact = match self.shared.get(code_hash) {
            Some(artifact) => artifact,
            None => {
                let artifact = match self.disk.as_ref().and_then(|d| d.load(code_hash)) {
                    Some(artifact) => artifact,
                    None => {
                        let artifact = engine.precompile_module(code).map_err(engine_err)?;
                        if let Some(disk) = &self.disk {
                            // A cache that cannot be written only costs a compile later.
                            let _ = disk.store(code_hash, &artifact);
                        }
                        artifact
                    }
                };
                self.shared.insert(code_hash, artifact)
            }
        };
        // SAFETY: the bytes come from `precompile_module` of an engine with this engine's
        // configuration: in this process (a shard of the same runtime), or from this
        // node's disk cache, verified by its HMAC.
        let module = unsafe { Module::deserialize(engine, &artifact) }.map_err(engine_err)?;
        let pre = linker.instantiate_pre(&module).map_err(engine_err)?;
        let export = |name: &str| {
            module
                .get_export_index(name)
                .ok_or_else(|| CompileError::Engine(format!("export `{name}` not found")))
        };
        let memory = export(MEMORY_EXPORT)?;
        let methods = info
            .methods
            .iter()
            .map(|name| Ok((name.clone(), export(name)?)))
            .collect::<Result<Vec<_>, CompileError>>()?;
        let compiled = Arc::new(CompiledContract {
            pre,
            memory,
            methods,
            initial_pages: info.initial_memory_pages,
        });
        self.modules
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(*code_hash, compiled.clone());
        Ok(compiled)
    }
}
