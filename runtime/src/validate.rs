//! Validation of a contract's Wasm bytes before anything is compiled.
//!
//! Compilation is the expensive step and the engine's largest attack surface, so every
//! property of a module that a contract could abuse is bounded here first, in the spirit
//! of CosmWasm's `check_wasm` and NEAR's limit config. A module accepted by [`check_wasm`]
//! is valid Wasm using only the proposals of [`wasm_features`], imports only Keyway host
//! functions with their exact signatures, owns exactly one memory exported as `memory`,
//! runs no code when instantiated, and stays within every module limit of [`Limits`].
//!
//! The whole check is one streaming pass over the module. For each section Keyway's own
//! rules run first (so a rejection names the rule or limit rather than a generic parser
//! message), then wasmparser's validator, then the next section: the first error found
//! is the one returned, which keeps the verdict deterministic across nodes.

use std::fmt;

use keyway_host_api::abi::{AbiType, MEMORY_EXPORT};
use keyway_host_api::{HostFunction, IMPORT_MODULE};
use wasmparser::{
    ExternalKind, FuncType, FuncValidatorAllocations, FunctionBody, MemoryType, Parser, Payload,
    TableType, TypeRef, ValType, ValidPayload, Validator, WasmFeatures,
};

use crate::limits::Limits;

/// Longest method (exported function) name, in bytes. Names travel in every call
/// transaction, so they stay short; this is not a chain parameter because the SDK's
/// method names are Rust identifiers, far below it.
const MAX_METHOD_NAME_BYTES: usize = 128;

/// Why a module was rejected; every variant names the rule or the `Limits` field it broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    /// The module is larger than `max_module_bytes`; nothing was parsed.
    #[error("module is {size} bytes, above `max_module_bytes` = {max}")]
    ModuleTooLarge {
        /// Size of the module, in bytes.
        size: usize,
        /// The limit.
        max: usize,
    },
    /// The bytes are not Wasm, are malformed, use a disabled proposal, or fail Wasm
    /// validation. The text is wasmparser's and only meant for humans.
    #[error("invalid Wasm module: {0}")]
    Malformed(String),
    /// The module imports something other than a function (a memory, table, global or tag).
    #[error("import `{module}`.`{name}` is a {kind}; a contract may only import functions")]
    NonFunctionImport {
        /// Import module name.
        module: String,
        /// Import field name.
        name: String,
        /// What was imported: "memory", "table", "global" or "tag".
        kind: &'static str,
    },
    /// A function is imported from a module other than `keyway`.
    #[error("import `{module}`.`{name}` is not from the `keyway` module")]
    UnknownImportModule {
        /// Import module name.
        module: String,
        /// Import field name.
        name: String,
    },
    /// A function is imported from `keyway` under a name the ABI does not define.
    #[error("import `keyway`.`{name}` is not a Keyway host function")]
    UnknownImport {
        /// Import field name.
        name: String,
    },
    /// A host function is imported with a type other than the ABI's.
    #[error("import `keyway`.`{name}` has type {found}, expected {expected}")]
    ImportSignatureMismatch {
        /// Host function name.
        name: String,
        /// The ABI's type, e.g. `[i32 i32] -> [i64]`.
        expected: String,
        /// The type the module declared.
        found: String,
    },
    /// A function type has more parameters than `max_params`.
    #[error("type {type_index} has {count} parameters, above `max_params` = {max}")]
    TooManyParams {
        /// Index of the type in the type section.
        type_index: u32,
        /// Its parameter count.
        count: usize,
        /// The limit.
        max: u32,
    },
    /// A function type has more results than `max_results`.
    #[error("type {type_index} has {count} results, above `max_results` = {max}")]
    TooManyResults {
        /// Index of the type in the type section.
        type_index: u32,
        /// Its result count.
        count: usize,
        /// The limit.
        max: u32,
    },
    /// The module defines more functions than `max_functions`.
    #[error("module has {count} functions, above `max_functions` = {max}")]
    TooManyFunctions {
        /// Functions defined (imports excluded).
        count: u32,
        /// The limit.
        max: u32,
    },
    /// The module defines more tables than `max_tables`.
    #[error("module has {count} tables, above `max_tables` = {max}")]
    TooManyTables {
        /// Tables defined.
        count: u32,
        /// The limit.
        max: u32,
    },
    /// A table's initial size is above `max_table_elements`.
    #[error("table {table} starts with {elements} elements, above `max_table_elements` = {max}")]
    TableInitialTooLarge {
        /// Table index.
        table: u32,
        /// Declared initial size.
        elements: u64,
        /// The limit.
        max: u32,
    },
    /// A table's declared maximum is above `max_table_elements`.
    #[error("table {table} may grow to {elements} elements, above `max_table_elements` = {max}")]
    TableMaximumTooLarge {
        /// Table index.
        table: u32,
        /// Declared maximum size.
        elements: u64,
        /// The limit.
        max: u32,
    },
    /// The module defines no memory; a contract needs exactly one.
    #[error("module defines no memory; a contract must define exactly one")]
    MissingMemory,
    /// The module defines more than one memory.
    #[error("module defines {count} memories; a contract must define exactly one")]
    TooManyMemories {
        /// Memories defined.
        count: u32,
    },
    /// The memory is 64-bit; the ABI's pointers are `i32`.
    #[error("memory is 64-bit; a contract's memory must be 32-bit")]
    Memory64,
    /// The memory is shared; contracts are single-threaded.
    #[error("memory is shared; a contract's memory must not be")]
    SharedMemory,
    /// The memory's initial size is above `max_memory_pages`.
    #[error("memory starts with {pages} pages, above `max_memory_pages` = {max}")]
    MemoryInitialTooLarge {
        /// Declared initial pages.
        pages: u64,
        /// The limit.
        max: u32,
    },
    /// The memory's declared maximum is above `max_memory_pages`.
    #[error("memory may grow to {pages} pages, above `max_memory_pages` = {max}")]
    MemoryMaximumTooLarge {
        /// Declared maximum pages.
        pages: u64,
        /// The limit.
        max: u32,
    },
    /// The module defines more globals than `max_globals`.
    #[error("module has {count} globals, above `max_globals` = {max}")]
    TooManyGlobals {
        /// Globals defined.
        count: u32,
        /// The limit.
        max: u32,
    },
    /// The module has more exports than `max_exports`.
    #[error("module has {count} exports, above `max_exports` = {max}")]
    TooManyExports {
        /// Exports.
        count: u32,
        /// The limit.
        max: u32,
    },
    /// An exported function's name is longer than 128 bytes.
    #[error("a method name is {len} bytes, above the maximum of {max}")]
    MethodNameTooLong {
        /// Length of the name, in bytes.
        len: usize,
        /// The maximum (128).
        max: usize,
    },
    /// An exported function's type is not `[] -> []`: methods take input and return data
    /// through the host.
    #[error("exported function `{name}` must have type [] -> []")]
    BadMethodSignature {
        /// Export name.
        name: String,
    },
    /// The memory is not exported as `memory`, so the host could not reach it.
    #[error("module does not export its memory as `memory`")]
    MissingMemoryExport,
    /// The module has a start function, which would run guest code at instantiation.
    #[error("module has a start function ({func}); instantiation must not run contract code")]
    StartFunction {
        /// Index of the start function.
        func: u32,
    },
    /// The module has more element segments than `max_element_segments`.
    #[error("module has {count} element segments, above `max_element_segments` = {max}")]
    TooManyElementSegments {
        /// Element segments.
        count: u32,
        /// The limit.
        max: u32,
    },
    /// An active data segment does not fit in the initial memory (or its offset is not a
    /// constant).
    #[error(
        "data segment {segment} ends at byte {end}, beyond the initial memory of {memory_bytes} bytes"
    )]
    DataSegmentOutOfBounds {
        /// Index of the segment.
        segment: u32,
        /// Where it ends (u64::MAX when the offset is not a constant).
        end: u64,
        /// Size of the initial memory.
        memory_bytes: u64,
    },
    /// The module has more data segments than `max_data_segments`.
    #[error("module has {count} data segments, above `max_data_segments` = {max}")]
    TooManyDataSegments {
        /// Data segments.
        count: u32,
        /// The limit.
        max: u32,
    },
    /// A function's code is larger than `max_function_body_bytes`.
    #[error("function {function} has a {size}-byte body, above `max_function_body_bytes` = {max}")]
    FunctionBodyTooLarge {
        /// Function index (imports first, as in the Wasm function index space).
        function: u32,
        /// Size of the body (locals declarations and code), in bytes.
        size: usize,
        /// The limit.
        max: u32,
    },
    /// A function has more locals, parameters included, than `max_locals_per_function`.
    #[error("function {function} has {count} locals, above `max_locals_per_function` = {max}")]
    TooManyLocals {
        /// Function index (imports first, as in the Wasm function index space).
        function: u32,
        /// Its locals counted so far, parameters included (counting stops at the limit).
        count: u64,
        /// The limit.
        max: u32,
    },
    /// The module's functions together have more locals, parameters included, than
    /// `max_total_locals`.
    #[error("module has {count} locals in all, above `max_total_locals` = {max}")]
    TooManyTotalLocals {
        /// Locals counted so far (counting stops at the limit).
        count: u64,
        /// The limit.
        max: u64,
    },
}

impl From<wasmparser::BinaryReaderError> for ValidationError {
    fn from(err: wasmparser::BinaryReaderError) -> Self {
        ValidationError::Malformed(err.to_string())
    }
}

/// What the runtime needs to know about an accepted module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleInfo {
    /// Initial pages of the module's memory.
    pub initial_memory_pages: u32,
    /// Exported function names (the callable methods), sorted.
    pub methods: Vec<String>,
}

/// The Wasm proposals Keyway accepts; the engine's `Config` enables exactly these.
///
/// This is what Rust's `wasm32-unknown-unknown` target emits by default (LLVM's `generic`
/// CPU) and nothing more. `WasmFeatures::WASM1` is deliberately not used as a base: it
/// includes wasmparser's `GC_TYPES` pseudo-feature, which would admit `externref`, and
/// which a wasmtime built without its `gc` feature refuses to enable.
pub fn wasm_features() -> WasmFeatures {
    WasmFeatures::FLOATS
        | WasmFeatures::MUTABLE_GLOBAL
        | WasmFeatures::SATURATING_FLOAT_TO_INT
        | WasmFeatures::SIGN_EXTENSION
        | WasmFeatures::MULTI_VALUE
        // Also sets BULK_MEMORY_OPT (`memory.copy`/`memory.fill`).
        | WasmFeatures::BULK_MEMORY
        // Also sets CALL_INDIRECT_OVERLONG, which LLVM emits with reference types on.
        | WasmFeatures::REFERENCE_TYPES
}

/// Checks `wasm` against `limits` and the Keyway ABI without compiling it.
///
/// Returns the first rule broken, in module order; the size check comes before any parsing.
pub fn check_wasm(wasm: &[u8], limits: &Limits) -> Result<ModuleInfo, ValidationError> {
    if wasm.len() > limits.max_module_bytes {
        return Err(ValidationError::ModuleTooLarge {
            size: wasm.len(),
            max: limits.max_module_bytes,
        });
    }
    Checker::new(limits).run(wasm)
}

/// State carried across sections of one module.
struct Checker<'l> {
    limits: &'l Limits,
    validator: Validator,
    /// Reused between function bodies, as `Validator::validate_all` does.
    allocs: Option<FuncValidatorAllocations>,
    /// Function types by type index, to check import and export signatures.
    types: Vec<FuncType>,
    /// Type index of each function, imports first (the Wasm function index space).
    func_types: Vec<u32>,
    /// Functions imported; defined function `i` has index `imported_funcs + i`.
    imported_funcs: u32,
    /// Code section entries seen so far.
    bodies_seen: u32,
    /// Locals over all bodies so far, parameters included.
    total_locals: u64,
    /// Initial pages of the (single) memory, once its section is seen.
    memory_pages: Option<u32>,
    memory_exported: bool,
    methods: Vec<String>,
}

impl<'l> Checker<'l> {
    fn new(limits: &'l Limits) -> Self {
        Checker {
            limits,
            validator: Validator::new_with_features(wasm_features()),
            allocs: Some(FuncValidatorAllocations::default()),
            types: Vec::new(),
            func_types: Vec::new(),
            imported_funcs: 0,
            bodies_seen: 0,
            total_locals: 0,
            memory_pages: None,
            memory_exported: false,
            methods: Vec::new(),
        }
    }

    fn run(mut self, wasm: &[u8]) -> Result<ModuleInfo, ValidationError> {
        let mut parser = Parser::new(0);
        // Readers then reject encodings of disabled proposals the way the validator does.
        parser.set_features(wasm_features());
        for payload in parser.parse_all(wasm) {
            let payload = payload?;
            self.keyway_rules(&payload)?;
            match self.validator.payload(&payload)? {
                ValidPayload::Func(func, body) => {
                    let allocs = self.allocs.take().unwrap_or_default();
                    let mut func_validator = func.into_validator(allocs);
                    func_validator.validate(&body)?;
                    self.allocs = Some(func_validator.into_allocations());
                }
                ValidPayload::End(_) => return self.finish(),
                // A nested module or component: the validator has already rejected it
                // since the component model is off, so this is unreachable in practice.
                ValidPayload::Parser(_) => {
                    return Err(ValidationError::Malformed(
                        "nested modules are not supported".into(),
                    ));
                }
                ValidPayload::Ok => {}
            }
        }
        // `parse_all` always ends with `End` or an error; this only guards that promise.
        Err(ValidationError::Malformed(
            "unexpected end of module".into(),
        ))
    }

    /// Keyway's rules for one payload, before wasmparser validates it. Indices into
    /// other sections are not trusted yet: an out-of-range one skips the check, and the
    /// validator reports it right after.
    fn keyway_rules(&mut self, payload: &Payload<'_>) -> Result<(), ValidationError> {
        let limits = self.limits;
        match payload {
            Payload::TypeSection(reader) => {
                for (type_index, ty) in (0u32..).zip(reader.clone().into_iter_err_on_gc_types()) {
                    let ty = ty?;
                    check_count(ty.params().len(), limits.max_params, |count, max| {
                        ValidationError::TooManyParams {
                            type_index,
                            count,
                            max,
                        }
                    })?;
                    check_count(ty.results().len(), limits.max_results, |count, max| {
                        ValidationError::TooManyResults {
                            type_index,
                            count,
                            max,
                        }
                    })?;
                    self.types.push(ty);
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.clone().into_imports() {
                    let import = import?;
                    let type_index = match import.ty {
                        TypeRef::Func(index) | TypeRef::FuncExact(index) => index,
                        other => {
                            return Err(ValidationError::NonFunctionImport {
                                module: import.module.into(),
                                name: import.name.into(),
                                kind: type_ref_kind(&other),
                            });
                        }
                    };
                    if import.module != IMPORT_MODULE {
                        return Err(ValidationError::UnknownImportModule {
                            module: import.module.into(),
                            name: import.name.into(),
                        });
                    }
                    let Some(host) = HostFunction::by_name(import.name) else {
                        return Err(ValidationError::UnknownImport {
                            name: import.name.into(),
                        });
                    };
                    if let Some(ty) = self.types.get(type_index as usize)
                        && !matches_abi(ty, host)
                    {
                        return Err(ValidationError::ImportSignatureMismatch {
                            name: host.name.into(),
                            expected: Signature::Abi(host).to_string(),
                            found: Signature::Wasm(ty).to_string(),
                        });
                    }
                    self.func_types.push(type_index);
                    self.imported_funcs = self.imported_funcs.saturating_add(1);
                }
            }
            Payload::FunctionSection(reader) => {
                let count = reader.count();
                if count > limits.max_functions {
                    return Err(ValidationError::TooManyFunctions {
                        count,
                        max: limits.max_functions,
                    });
                }
                for type_index in reader.clone() {
                    self.func_types.push(type_index?);
                }
            }
            Payload::TableSection(reader) => {
                let count = reader.count();
                if count > limits.max_tables {
                    return Err(ValidationError::TooManyTables {
                        count,
                        max: limits.max_tables,
                    });
                }
                for (table, t) in (0u32..).zip(reader.clone()) {
                    check_table(table, &t?.ty, limits)?;
                }
            }
            Payload::MemorySection(reader) => {
                let count = reader.count();
                if count > 1 {
                    return Err(ValidationError::TooManyMemories { count });
                }
                for memory in reader.clone() {
                    self.memory_pages = Some(check_memory(&memory?, limits)?);
                }
            }
            Payload::GlobalSection(reader) => {
                let count = reader.count();
                if count > limits.max_globals {
                    return Err(ValidationError::TooManyGlobals {
                        count,
                        max: limits.max_globals,
                    });
                }
            }
            Payload::ExportSection(reader) => {
                let count = reader.count();
                if count > limits.max_exports {
                    return Err(ValidationError::TooManyExports {
                        count,
                        max: limits.max_exports,
                    });
                }
                for export in reader.clone() {
                    let export = export?;
                    match export.kind {
                        ExternalKind::Func | ExternalKind::FuncExact => {
                            self.check_method(export.name, export.index)?;
                        }
                        ExternalKind::Memory if export.name == MEMORY_EXPORT => {
                            self.memory_exported = true;
                        }
                        // The memory may also be exported under other names, harmlessly.
                        // Globals and tables are allowed: Rust exports `__data_end` and
                        // `__heap_base`. Tags cannot validate with exceptions off.
                        _ => {}
                    }
                }
            }
            Payload::StartSection { func, .. } => {
                return Err(ValidationError::StartFunction { func: *func });
            }
            Payload::ElementSection(reader) => {
                let count = reader.count();
                if count > limits.max_element_segments {
                    return Err(ValidationError::TooManyElementSegments {
                        count,
                        max: limits.max_element_segments,
                    });
                }
            }
            Payload::DataSection(reader) => {
                let count = reader.count();
                if count > limits.max_data_segments {
                    return Err(ValidationError::TooManyDataSegments {
                        count,
                        max: limits.max_data_segments,
                    });
                }
                // An active segment that does not fit the initial memory would make every
                // instantiation trap: reject it at deploy instead.
                let memory_bytes = u64::from(self.memory_pages.unwrap_or(0)) * 65_536;
                for (index, data) in reader.clone().into_iter().enumerate() {
                    let data = data?;
                    if let wasmparser::DataKind::Active { offset_expr, .. } = data.kind {
                        let mut ops = offset_expr.get_operators_reader();
                        let offset = match (ops.read()?, ops.read()?) {
                            (
                                wasmparser::Operator::I32Const { value },
                                wasmparser::Operator::End,
                            ) => u64::from(value as u32),
                            _ => u64::MAX,
                        };
                        let end = offset.saturating_add(data.data.len() as u64);
                        if end > memory_bytes {
                            return Err(ValidationError::DataSegmentOutOfBounds {
                                segment: index as u32,
                                end,
                                memory_bytes,
                            });
                        }
                    }
                }
            }
            Payload::CodeSectionEntry(body) => self.check_body(body)?,
            Payload::End(_) => {
                if self.memory_pages.is_none() {
                    return Err(ValidationError::MissingMemory);
                }
                if !self.memory_exported {
                    return Err(ValidationError::MissingMemoryExport);
                }
            }
            // Everything else is either harmless (custom sections, the code section
            // header, data count) or rejected by the validator (tags, unknown sections,
            // components).
            _ => {}
        }
        Ok(())
    }

    /// Checks one exported function and records it as a method.
    fn check_method(&mut self, name: &str, func: u32) -> Result<(), ValidationError> {
        if name.len() > MAX_METHOD_NAME_BYTES {
            return Err(ValidationError::MethodNameTooLong {
                len: name.len(),
                max: MAX_METHOD_NAME_BYTES,
            });
        }
        let ty = self
            .func_types
            .get(func as usize)
            .and_then(|&type_index| self.types.get(type_index as usize));
        if let Some(ty) = ty
            && !(ty.params().is_empty() && ty.results().is_empty())
        {
            return Err(ValidationError::BadMethodSignature { name: name.into() });
        }
        self.methods.push(name.into());
        Ok(())
    }

    /// Bounds a function body's size and locals before the validator allocates anything
    /// for them (a body may declare `u32::MAX` locals in a few bytes).
    fn check_body(&mut self, body: &FunctionBody<'_>) -> Result<(), ValidationError> {
        let limits = self.limits;
        let function = self.imported_funcs.saturating_add(self.bodies_seen);
        self.bodies_seen = self.bodies_seen.saturating_add(1);

        let size = body.range().len();
        if size > limits.max_function_body_bytes as usize {
            return Err(ValidationError::FunctionBodyTooLarge {
                function,
                size,
                max: limits.max_function_body_bytes,
            });
        }

        let params = self
            .func_types
            .get(function as usize)
            .and_then(|&type_index| self.types.get(type_index as usize))
            .map_or(0, |ty| ty.params().len());
        let mut locals = 0u64;
        self.add_locals(function, &mut locals, params as u64)?;
        let mut reader = body.get_locals_reader()?;
        for _ in 0..reader.get_count() {
            let (count, _ty) = reader.read()?;
            self.add_locals(function, &mut locals, u64::from(count))?;
        }
        Ok(())
    }

    /// Adds `n` locals to `function`'s count and the module's, failing as soon as either
    /// passes its limit. Saturating: the sums stay meaningful however large `n` is.
    fn add_locals(
        &mut self,
        function: u32,
        locals: &mut u64,
        n: u64,
    ) -> Result<(), ValidationError> {
        let limits = self.limits;
        *locals = locals.saturating_add(n);
        if *locals > u64::from(limits.max_locals_per_function) {
            return Err(ValidationError::TooManyLocals {
                function,
                count: *locals,
                max: limits.max_locals_per_function,
            });
        }
        self.total_locals = self.total_locals.saturating_add(n);
        if self.total_locals > limits.max_total_locals {
            return Err(ValidationError::TooManyTotalLocals {
                count: self.total_locals,
                max: limits.max_total_locals,
            });
        }
        Ok(())
    }

    fn finish(mut self) -> Result<ModuleInfo, ValidationError> {
        // `keyway_rules` already rejected a module without memory at `End`.
        let initial_memory_pages = self.memory_pages.ok_or(ValidationError::MissingMemory)?;
        self.methods.sort_unstable();
        Ok(ModuleInfo {
            initial_memory_pages,
            methods: self.methods,
        })
    }
}

/// Rejects `count > max`, building the error from the two numbers.
fn check_count(
    count: usize,
    max: u32,
    err: impl FnOnce(usize, u32) -> ValidationError,
) -> Result<(), ValidationError> {
    if count > max as usize {
        return Err(err(count, max));
    }
    Ok(())
}

fn check_table(table: u32, ty: &TableType, limits: &Limits) -> Result<(), ValidationError> {
    let max = limits.max_table_elements;
    if ty.initial > u64::from(max) {
        return Err(ValidationError::TableInitialTooLarge {
            table,
            elements: ty.initial,
            max,
        });
    }
    if let Some(maximum) = ty.maximum
        && maximum > u64::from(max)
    {
        return Err(ValidationError::TableMaximumTooLarge {
            table,
            elements: maximum,
            max,
        });
    }
    Ok(())
}

/// Checks the memory's type and returns its initial pages.
fn check_memory(ty: &MemoryType, limits: &Limits) -> Result<u32, ValidationError> {
    if ty.memory64 {
        return Err(ValidationError::Memory64);
    }
    if ty.shared {
        return Err(ValidationError::SharedMemory);
    }
    let max = limits.max_memory_pages;
    let initial = u32::try_from(ty.initial)
        .ok()
        .filter(|&pages| pages <= max)
        .ok_or(ValidationError::MemoryInitialTooLarge {
            pages: ty.initial,
            max,
        })?;
    // No maximum is fine: the runtime caps `memory.grow` at `max_memory_pages` itself.
    if let Some(maximum) = ty.maximum
        && maximum > u64::from(max)
    {
        return Err(ValidationError::MemoryMaximumTooLarge {
            pages: maximum,
            max,
        });
    }
    Ok(initial)
}

fn type_ref_kind(ty: &TypeRef) -> &'static str {
    match ty {
        TypeRef::Func(_) | TypeRef::FuncExact(_) => "function",
        TypeRef::Table(_) => "table",
        TypeRef::Memory(_) => "memory",
        TypeRef::Global(_) => "global",
        TypeRef::Tag(_) => "tag",
    }
}

fn abi_val_type(ty: AbiType) -> ValType {
    match ty {
        AbiType::I32 => ValType::I32,
        AbiType::I64 => ValType::I64,
    }
}

fn matches_abi(ty: &FuncType, host: &HostFunction) -> bool {
    ty.params()
        .iter()
        .copied()
        .eq(host.params.iter().copied().map(abi_val_type))
        && ty
            .results()
            .iter()
            .copied()
            .eq(host.results.iter().copied().map(abi_val_type))
}

/// Renders a function type in the spec's notation, `[i32 i32] -> [i64]`.
enum Signature<'a> {
    Abi(&'a HostFunction),
    Wasm(&'a FuncType),
}

impl fmt::Display for Signature<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn list(f: &mut fmt::Formatter<'_>, types: &[ValType]) -> fmt::Result {
            f.write_str("[")?;
            for (i, ty) in types.iter().enumerate() {
                if i > 0 {
                    f.write_str(" ")?;
                }
                write!(f, "{ty}")?;
            }
            f.write_str("]")
        }
        let (params, results): (Vec<ValType>, Vec<ValType>) = match self {
            Signature::Abi(host) => (
                host.params.iter().copied().map(abi_val_type).collect(),
                host.results.iter().copied().map(abi_val_type).collect(),
            ),
            Signature::Wasm(ty) => (ty.params().to_vec(), ty.results().to_vec()),
        };
        list(f, &params)?;
        f.write_str(" -> ")?;
        list(f, &results)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A Keyway contract in miniature: one host import, an exported memory, two methods.
    const MINIMAL: &str = r#"
        (module
          (import "keyway" "block_height" (func (result i64)))
          (memory (export "memory") 2)
          (func (export "run") call 0 drop)
          (func (export "init")))
    "#;

    fn check_with(wat: &str, limits: &Limits) -> Result<ModuleInfo, ValidationError> {
        let wasm = wat::parse_str(wat).expect("test WAT parses");
        check_wasm(&wasm, limits)
    }

    fn check(wat: &str) -> Result<ModuleInfo, ValidationError> {
        check_with(wat, &Limits::default())
    }

    /// A module with `body` plus an exported memory, so each test states only what it
    /// breaks. The memory comes last because WAT wants imports before definitions.
    fn with_memory(body: &str) -> String {
        format!(r#"(module {body} (memory (export "memory") 1))"#)
    }

    #[test]
    fn accepts_minimal_module() {
        let info = check(MINIMAL).expect("minimal module is valid");
        assert_eq!(
            info,
            ModuleInfo {
                initial_memory_pages: 2,
                methods: vec!["init".to_string(), "run".to_string()],
            }
        );
    }

    #[test]
    fn accepts_what_rust_emits_by_default() {
        // Exported globals and table, bulk memory, sign extension, saturating conversion,
        // multi-value, reference types (funcref table, call_indirect), mutable globals,
        // floats, data and element segments, and a memory without a maximum.
        let wat = r#"
            (module
              (import "keyway" "storage_write" (func $write (param i32 i32 i32 i32)))
              (import "keyway" "input" (func (param i32 i32) (result i32)))
              (memory (export "memory") 17)
              (table $t (export "__indirect_function_table") 2 2 funcref)
              (global $sp (mut i32) (i32.const 1048576))
              (global (export "__data_end") i32 (i32.const 1048600))
              (global (export "__heap_base") i32 (i32.const 1048608))
              (data (i32.const 1048576) "hello")
              (elem (table $t) (i32.const 1) func $pair)
              (func $pair (param i32) (result i32 i32) local.get 0 local.get 0)
              (func (export "set")
                (memory.copy (i32.const 0) (i32.const 1048576) (i32.const 5))
                (memory.fill (i32.const 8) (i32.const 0) (i32.const 4))
                (drop (i32.extend8_s (i32.const 255)))
                (drop (i32.trunc_sat_f64_s (f64.const 1.5)))
                (drop (ref.is_null (ref.func $pair)))
                (call_indirect (param i32) (result i32 i32) (i32.const 7) (i32.const 1))
                drop drop
                (global.set $sp (i32.const 0))
                (call $write (i32.const 0) (i32.const 1) (i32.const 0) (i32.const 5))))
        "#;
        let info = check(wat).expect("Rust-like module is valid");
        assert_eq!(info.initial_memory_pages, 17);
        assert_eq!(info.methods, vec!["set".to_string()]);
    }

    #[test]
    fn error_text_names_the_limit() {
        let err = ValidationError::TooManyFunctions {
            count: 10_001,
            max: 10_000,
        };
        assert_eq!(
            err.to_string(),
            "module has 10001 functions, above `max_functions` = 10000"
        );
    }

    #[test]
    fn wasm_features_enable_exactly_the_keyway_set() {
        let features = wasm_features();
        for enabled in [
            WasmFeatures::FLOATS,
            WasmFeatures::MUTABLE_GLOBAL,
            WasmFeatures::SATURATING_FLOAT_TO_INT,
            WasmFeatures::SIGN_EXTENSION,
            WasmFeatures::MULTI_VALUE,
            WasmFeatures::BULK_MEMORY,
            WasmFeatures::REFERENCE_TYPES,
        ] {
            assert!(features.contains(enabled), "{enabled:?} should be on");
        }
        for disabled in [
            WasmFeatures::SIMD,
            WasmFeatures::RELAXED_SIMD,
            WasmFeatures::THREADS,
            WasmFeatures::SHARED_EVERYTHING_THREADS,
            WasmFeatures::MEMORY64,
            WasmFeatures::MULTI_MEMORY,
            WasmFeatures::TAIL_CALL,
            WasmFeatures::EXCEPTIONS,
            WasmFeatures::LEGACY_EXCEPTIONS,
            WasmFeatures::GC,
            WasmFeatures::GC_TYPES,
            WasmFeatures::FUNCTION_REFERENCES,
            WasmFeatures::COMPONENT_MODEL,
            WasmFeatures::EXTENDED_CONST,
            WasmFeatures::CUSTOM_PAGE_SIZES,
            WasmFeatures::WIDE_ARITHMETIC,
            WasmFeatures::STACK_SWITCHING,
        ] {
            assert!(!features.intersects(disabled), "{disabled:?} should be off");
        }
    }

    #[test]
    fn rejects_non_wasm() {
        let limits = Limits::default();
        assert!(matches!(
            check_wasm(b"definitely not wasm", &limits),
            Err(ValidationError::Malformed(_))
        ));
        assert!(matches!(
            check_wasm(b"", &limits),
            Err(ValidationError::Malformed(_))
        ));
        // A valid header cut short.
        assert!(matches!(
            check_wasm(b"\0asm\x01\0\0\0\x01", &limits),
            Err(ValidationError::Malformed(_))
        ));
    }

    #[test]
    fn rejects_oversize_module_before_parsing() {
        let limits = Limits {
            max_module_bytes: 8,
            ..Limits::default()
        };
        // Not even Wasm: the size rule must fire before the parser looks at it.
        assert_eq!(
            check_wasm(&[0xff; 9], &limits),
            Err(ValidationError::ModuleTooLarge { size: 9, max: 8 })
        );
        let wasm = wat::parse_str(MINIMAL).expect("test WAT parses");
        assert!(matches!(
            check_wasm(&wasm, &limits),
            Err(ValidationError::ModuleTooLarge { max: 8, .. })
        ));
    }

    #[test]
    fn rejects_unknown_import_name() {
        let wat = with_memory(r#"(import "keyway" "steal_funds" (func))"#);
        assert_eq!(
            check(&wat),
            Err(ValidationError::UnknownImport {
                name: "steal_funds".to_string()
            })
        );
    }

    #[test]
    fn rejects_import_from_other_module() {
        let wat = with_memory(r#"(import "env" "block_height" (func (result i64)))"#);
        assert_eq!(
            check(&wat),
            Err(ValidationError::UnknownImportModule {
                module: "env".to_string(),
                name: "block_height".to_string(),
            })
        );
    }

    #[test]
    fn rejects_wrong_import_signature() {
        let wat = with_memory(r#"(import "keyway" "block_height" (func (result i32)))"#);
        assert_eq!(
            check(&wat),
            Err(ValidationError::ImportSignatureMismatch {
                name: "block_height".to_string(),
                expected: "[] -> [i64]".to_string(),
                found: "[] -> [i32]".to_string(),
            })
        );
        let wat =
            with_memory(r#"(import "keyway" "storage_has" (func (param i32 i64) (result i32)))"#);
        assert_eq!(
            check(&wat),
            Err(ValidationError::ImportSignatureMismatch {
                name: "storage_has".to_string(),
                expected: "[i32 i32] -> [i32]".to_string(),
                found: "[i32 i64] -> [i32]".to_string(),
            })
        );
    }

    #[test]
    fn accepts_every_host_function_with_its_abi_signature() {
        let types = |list: &[AbiType]| -> String {
            list.iter()
                .map(|&t| abi_val_type(t).to_string())
                .collect::<Vec<_>>()
                .join(" ")
        };
        let imports: String = keyway_host_api::HOST_FUNCTIONS
            .iter()
            .map(|f| {
                format!(
                    r#"(import "keyway" "{}" (func (param {}) (result {})))"#,
                    f.name,
                    types(f.params),
                    types(f.results)
                )
            })
            .collect();
        assert!(check(&with_memory(&imports)).is_ok());
    }

    #[test]
    fn rejects_imported_memory() {
        let wat = r#"(module (import "keyway" "memory" (memory 1)) (export "memory" (memory 0)))"#;
        assert_eq!(
            check(wat),
            Err(ValidationError::NonFunctionImport {
                module: "keyway".to_string(),
                name: "memory".to_string(),
                kind: "memory",
            })
        );
    }

    #[test]
    fn rejects_imported_global_and_table() {
        let wat = with_memory(r#"(import "keyway" "g" (global i32))"#);
        assert!(matches!(
            check(&wat),
            Err(ValidationError::NonFunctionImport { kind: "global", .. })
        ));
        let wat = with_memory(r#"(import "keyway" "t" (table 1 funcref))"#);
        assert!(matches!(
            check(&wat),
            Err(ValidationError::NonFunctionImport { kind: "table", .. })
        ));
    }

    #[test]
    fn rejects_memory_initial_above_cap() {
        assert_eq!(
            check(r#"(module (memory (export "memory") 129))"#),
            Err(ValidationError::MemoryInitialTooLarge {
                pages: 129,
                max: 128
            })
        );
        let info = check(r#"(module (memory (export "memory") 128))"#).expect("at the cap");
        assert_eq!(info.initial_memory_pages, 128);
    }

    #[test]
    fn rejects_memory_maximum_above_cap() {
        assert_eq!(
            check(r#"(module (memory (export "memory") 1 129))"#),
            Err(ValidationError::MemoryMaximumTooLarge {
                pages: 129,
                max: 128
            })
        );
        assert!(check(r#"(module (memory (export "memory") 1 128))"#).is_ok());
    }

    #[test]
    fn rejects_shared_and_64_bit_memory() {
        assert_eq!(
            check(r#"(module (memory (export "memory") 1 1 shared))"#),
            Err(ValidationError::SharedMemory)
        );
        assert_eq!(
            check(r#"(module (memory (export "memory") i64 1))"#),
            Err(ValidationError::Memory64)
        );
    }

    #[test]
    fn rejects_missing_or_extra_memory() {
        assert_eq!(
            check(r#"(module (func (export "run")))"#),
            Err(ValidationError::MissingMemory)
        );
        assert_eq!(
            check(r#"(module (memory (export "memory") 1) (memory 1))"#),
            Err(ValidationError::TooManyMemories { count: 2 })
        );
    }

    #[test]
    fn rejects_missing_memory_export() {
        assert_eq!(
            check(r#"(module (memory 1) (func (export "run")))"#),
            Err(ValidationError::MissingMemoryExport)
        );
        assert_eq!(
            check(r#"(module (memory (export "mem") 1))"#),
            Err(ValidationError::MissingMemoryExport)
        );
    }

    #[test]
    fn rejects_too_many_functions() {
        let limits = Limits {
            max_functions: 2,
            ..Limits::default()
        };
        let wat = with_memory("(func) (func) (func)");
        assert_eq!(
            check_with(&wat, &limits),
            Err(ValidationError::TooManyFunctions { count: 3, max: 2 })
        );
        assert!(check_with(&with_memory("(func) (func)"), &limits).is_ok());
    }

    #[test]
    fn rejects_too_many_locals_in_one_function() {
        let limits = Limits {
            max_locals_per_function: 4,
            ..Limits::default()
        };
        // Parameters count as locals: 2 params + 3 locals = 5. The import shifts the
        // function's index to 1.
        let wat = with_memory(
            r#"(import "keyway" "block_height" (func (result i64)))
               (func (param i32 i64) (local i32 i32 f64))"#,
        );
        assert_eq!(
            check_with(&wat, &limits),
            Err(ValidationError::TooManyLocals {
                function: 1,
                count: 5,
                max: 4
            })
        );
        let wat = with_memory("(func (param i32 i64) (local i32 f64))");
        assert!(check_with(&wat, &limits).is_ok());
    }

    #[test]
    fn rejects_huge_local_declaration_without_allocating() {
        // Hand-encoded: one `[] -> []` function whose body declares u32::MAX i32 locals
        // in five bytes, which must be rejected by counting, not by allocating.
        #[rustfmt::skip]
        let wasm: &[u8] = &[
            0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // header
            0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type section: [] -> []
            0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
            0x05, 0x03, 0x01, 0x00, 0x01, // memory section: min 1
            0x07, 0x0a, 0x01, 0x06, b'm', b'e', b'm', b'o', b'r', b'y', 0x02, 0x00, // export
            0x0a, 0x0a, 0x01, // code section, one body
            0x08, 0x01, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x7f, 0x0b, // u32::MAX x i32, end
        ];
        assert_eq!(
            check_wasm(wasm, &Limits::default()),
            Err(ValidationError::TooManyLocals {
                function: 0,
                count: u64::from(u32::MAX),
                max: 10_000
            })
        );
    }

    #[test]
    fn rejects_too_many_total_locals() {
        let limits = Limits {
            max_total_locals: 5,
            ..Limits::default()
        };
        let wat = with_memory("(func (local i32 i32 i32)) (func (param i32) (local i64 i64))");
        assert_eq!(
            check_with(&wat, &limits),
            Err(ValidationError::TooManyTotalLocals { count: 6, max: 5 })
        );
    }

    #[test]
    fn rejects_too_many_params_and_results() {
        let params = "i32 ".repeat(33);
        let wat = with_memory(&format!("(type (func)) (type (func (param {params})))"));
        assert_eq!(
            check(&wat),
            Err(ValidationError::TooManyParams {
                type_index: 1,
                count: 33,
                max: 32
            })
        );
        let results = "i64 ".repeat(9);
        let wat = with_memory(&format!("(type (func (result {results})))"));
        assert_eq!(
            check(&wat),
            Err(ValidationError::TooManyResults {
                type_index: 0,
                count: 9,
                max: 8
            })
        );
    }

    #[test]
    fn rejects_data_segment_beyond_initial_memory() {
        let module = wat::parse_str(
            r#"(module (memory (export "memory") 1) (data (i32.const 65530) "0123456789"))"#,
        )
        .unwrap();
        assert_eq!(
            check_wasm(&module, &Limits::default()),
            Err(ValidationError::DataSegmentOutOfBounds {
                segment: 0,
                end: 65_540,
                memory_bytes: 65_536
            })
        );
        let fits = wat::parse_str(
            r#"(module (memory (export "memory") 1) (data (i32.const 65526) "0123456789"))"#,
        )
        .unwrap();
        assert!(check_wasm(&fits, &Limits::default()).is_ok());
    }

    #[test]
    fn rejects_start_section() {
        let wat = with_memory("(func $boot) (start $boot)");
        assert_eq!(check(&wat), Err(ValidationError::StartFunction { func: 0 }));
    }

    #[test]
    fn rejects_method_with_params_or_results() {
        let wat = with_memory(r#"(func (export "transfer") (param i32))"#);
        assert_eq!(
            check(&wat),
            Err(ValidationError::BadMethodSignature {
                name: "transfer".to_string()
            })
        );
        let wat = with_memory(r#"(func (export "balance") (result i64) i64.const 0)"#);
        assert_eq!(
            check(&wat),
            Err(ValidationError::BadMethodSignature {
                name: "balance".to_string()
            })
        );
        // Re-exporting a host function as a method is caught by the same rule.
        let wat = with_memory(
            r#"(import "keyway" "block_height" (func (result i64)))
               (export "block_height" (func 0))"#,
        );
        assert!(matches!(
            check(&wat),
            Err(ValidationError::BadMethodSignature { .. })
        ));
    }

    #[test]
    fn rejects_long_method_name() {
        let ok = "m".repeat(MAX_METHOD_NAME_BYTES);
        let info = check(&with_memory(&format!(r#"(func (export "{ok}"))"#))).expect("at the cap");
        assert_eq!(info.methods, vec![ok]);
        let long = "m".repeat(MAX_METHOD_NAME_BYTES + 1);
        assert_eq!(
            check(&with_memory(&format!(r#"(func (export "{long}"))"#))),
            Err(ValidationError::MethodNameTooLong { len: 129, max: 128 })
        );
    }

    #[test]
    fn rejects_simd() {
        let wat = with_memory(r#"(func (export "run") (drop (v128.const i64x2 1 2)))"#);
        assert!(matches!(check(&wat), Err(ValidationError::Malformed(_))));
    }

    #[test]
    fn rejects_other_disabled_proposals() {
        for body in [
            // tail calls
            "(func $f return_call $f)",
            // externref needs wasmparser's GC_TYPES, which is off
            "(func (param externref))",
            // extended constant expressions
            "(global i32 (i32.add (i32.const 1) (i32.const 2)))",
            // threads (atomics)
            "(func (drop (i32.atomic.load (i32.const 0))))",
            // exceptions
            "(tag)",
        ] {
            assert!(
                matches!(
                    check(&with_memory(body)),
                    Err(ValidationError::Malformed(_))
                ),
                "{body} should be rejected"
            );
        }
    }

    #[test]
    fn rejects_invalid_function_body() {
        let wat = with_memory("(func (result i32) i64.const 0)");
        assert!(matches!(check(&wat), Err(ValidationError::Malformed(_))));
    }

    #[test]
    fn rejects_two_tables() {
        let wat = with_memory("(table 1 funcref) (table 1 funcref)");
        assert_eq!(
            check(&wat),
            Err(ValidationError::TooManyTables { count: 2, max: 1 })
        );
    }

    #[test]
    fn rejects_oversize_table() {
        assert_eq!(
            check(&with_memory("(table 10001 funcref)")),
            Err(ValidationError::TableInitialTooLarge {
                table: 0,
                elements: 10_001,
                max: 10_000
            })
        );
        assert_eq!(
            check(&with_memory("(table 1 10001 funcref)")),
            Err(ValidationError::TableMaximumTooLarge {
                table: 0,
                elements: 10_001,
                max: 10_000
            })
        );
    }

    #[test]
    fn rejects_oversize_function_body() {
        let limits = Limits {
            max_function_body_bytes: 8,
            ..Limits::default()
        };
        let wat =
            with_memory("(func (drop (i64.const 1)) (drop (i64.const 2)) (drop (i64.const 3)))");
        assert!(matches!(
            check_with(&wat, &limits),
            Err(ValidationError::FunctionBodyTooLarge {
                function: 0,
                max: 8,
                ..
            })
        ));
    }

    #[test]
    fn rejects_too_many_globals_exports_and_segments() {
        let limits = Limits {
            max_globals: 1,
            max_exports: 2,
            max_data_segments: 1,
            max_element_segments: 1,
            ..Limits::default()
        };
        assert_eq!(
            check_with(
                &with_memory("(global i32 (i32.const 0)) (global i32 (i32.const 0))"),
                &limits
            ),
            Err(ValidationError::TooManyGlobals { count: 2, max: 1 })
        );
        assert_eq!(
            check_with(
                &with_memory(r#"(func (export "a")) (func (export "b"))"#),
                &limits
            ),
            Err(ValidationError::TooManyExports { count: 3, max: 2 })
        );
        assert_eq!(
            check_with(
                &with_memory(r#"(data (i32.const 0) "a") (data (i32.const 1) "b")"#),
                &limits
            ),
            Err(ValidationError::TooManyDataSegments { count: 2, max: 1 })
        );
        assert_eq!(
            check_with(
                &with_memory(
                    "(table 2 funcref) (func $f) (elem (i32.const 0) $f) (elem (i32.const 1) $f)"
                ),
                &limits
            ),
            Err(ValidationError::TooManyElementSegments { count: 2, max: 1 })
        );
    }
}
