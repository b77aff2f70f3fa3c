#!/usr/bin/env python3
"""Generates the Wasm modules of tests/vectors/validation/limits.json.

Each module sits exactly on one side of one module limit of `check_wasm`
(runtime/src/validate.rs, defaults in runtime/src/limits.rs, rules in host-api/ABI.md
section 8): `*_over.wasm` breaks the limit by one and must be rejected for that rule
(`invalid_module`), `*_at.wasm` meets it exactly and must be accepted (`success`).
Apart from the one limit, every module is an ordinary valid contract: one 1-page memory
exported as `memory`, functions of type [] -> [] with valid bodies.

The modules are written in the binary format by hand, because it makes large counts
cheap (a run of 10,000 locals is three bytes; 10,001 functions share one type), and
because text would hide the exact sizes the size limits are about.

Usage (Python 3, standard library only):

    python3 tests/vectors/validation/generate.py          # (re)writes modules/*.wasm
    python3 tests/vectors/validation/generate.py --check  # fails if a file differs

The output is deterministic: the same script writes the same bytes. Every module can be
checked on its own with `cargo run -p keyway-cli -- validate FILE`, which prints the
rule that rejects it.
"""

import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent / "modules"

# The default limits (runtime/src/limits.rs) and the method-name constant
# (runtime/src/validate.rs, MAX_METHOD_NAME_BYTES).
MAX_MODULE_BYTES = 256 << 10
MAX_FUNCTIONS = 10_000
MAX_LOCALS_PER_FUNCTION = 10_000
MAX_TOTAL_LOCALS = 1_000_000
MAX_PARAMS = 32
MAX_RESULTS = 8
MAX_GLOBALS = 256
MAX_TABLES = 1
MAX_TABLE_ELEMENTS = 10_000
MAX_DATA_SEGMENTS = 1_024
MAX_ELEMENT_SEGMENTS = 1_024
MAX_EXPORTS = 256
MAX_FUNCTION_BODY_BYTES = 128 << 10
MAX_MEMORY_PAGES = 128
MAX_METHOD_NAME_BYTES = 128

# Value types and opcodes.
I32, I64 = 0x7F, 0x7E
FUNCREF = 0x70
NOP, END = 0x01, 0x0B
I32_CONST, I64_CONST = 0x41, 0x42


# --- encoding -------------------------------------------------------------------------


def uleb(n):
    """Unsigned LEB128."""
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def sleb(n):
    """Signed LEB128 (for i32.const / i64.const immediates)."""
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if (n == 0 and not byte & 0x40) or (n == -1 and byte & 0x40):
            out.append(byte)
            return bytes(out)
        out.append(byte | 0x80)


def vec(items):
    items = list(items)
    return uleb(len(items)) + b"".join(items)


def name(text):
    raw = text.encode("utf-8")
    return uleb(len(raw)) + raw


def section(section_id, payload):
    return bytes([section_id]) + uleb(len(payload)) + payload


def custom_section(section_name, payload):
    return section(0, name(section_name) + payload)


def functype(params, results):
    return b"\x60" + vec(bytes([t]) for t in params) + vec(bytes([t]) for t in results)


def limits(minimum, maximum=None):
    if maximum is None:
        return b"\x00" + uleb(minimum)
    return b"\x01" + uleb(minimum) + uleb(maximum)


def body(code=b"", locals_=()):
    """A code-section entry: size, then the locals (runs of (count, type)) and the code."""
    content = vec(uleb(n) + bytes([t]) for n, t in locals_) + code + bytes([END])
    return uleb(len(content)) + content


def export(export_name, kind, index):
    return name(export_name) + bytes([kind]) + uleb(index)


FUNC, TABLE, MEMORY, GLOBAL = 0, 1, 2, 3


def module(
    types=(functype([], []),),
    funcs=(),
    tables=(),
    memory=limits(1),
    globals_=(),
    exports=(),
    elems=(),
    bodies=(),
    data=(),
    custom=None,
):
    """A module with the sections in their binary-format order. `funcs` holds the type
    index of each defined function, `bodies` their code entries; the memory is always
    exported as `memory`, after `exports`."""
    out = b"\x00asm" + b"\x01\x00\x00\x00"
    out += section(1, vec(types))
    if funcs:
        out += section(3, vec(uleb(t) for t in funcs))
    if tables:
        out += section(4, vec(tables))
    out += section(5, vec([memory]))
    if globals_:
        out += section(6, vec(globals_))
    out += section(7, vec(list(exports) + [export("memory", MEMORY, 0)]))
    if elems:
        out += section(9, vec(elems))
    if bodies:
        out += section(10, vec(bodies))
    if data:
        out += section(11, vec(data))
    if custom is not None:
        out += custom
    return out


# --- the modules ----------------------------------------------------------------------


def module_bytes(size):
    """A minimal contract padded to exactly `size` bytes by a zero-filled custom section
    `pad` at the end (custom sections count towards `max_module_bytes`: the limit is on
    the bytes deployed)."""
    base = module()
    # The section's size prefix grows with the payload; find the padding that lands on
    # `size` exactly.
    for pad in range(size - len(base), 0, -1):
        candidate = base + custom_section("pad", bytes(pad))
        if len(candidate) == size:
            return candidate
        if len(candidate) < size:
            break
    raise ValueError(f"cannot pad to {size} bytes")


def params(count):
    """Type 1 has `count` i32 parameters; function 0 has that type (and is not exported:
    methods must be [] -> [])."""
    return module(
        types=[functype([], []), functype([I32] * count, [])],
        funcs=[1],
        bodies=[body()],
    )


def results(count):
    """Type 1 returns `count` i64 values (multi-value is enabled); function 0 has that
    type and returns zeros."""
    code = bytes([I64_CONST]) + sleb(0)
    return module(
        types=[functype([], []), functype([], [I64] * count)],
        funcs=[1],
        bodies=[body(code * count)],
    )


def functions(count):
    """`count` empty functions of type [] -> [] (three bytes of code each)."""
    return module(funcs=[0] * count, bodies=[body()] * count)


def locals_one_function(count, param_count=0):
    """One function with `param_count` i32 parameters and `count - param_count` i32
    locals, declared as one run: `count` locals in all, parameters included."""
    types = [functype([], [])]
    func_type = 0
    if param_count:
        types.append(functype([I32] * param_count, []))
        func_type = 1
    return module(
        types=types,
        funcs=[func_type],
        bodies=[body(locals_=[(count - param_count, I32)])],
    )


def total_locals(total):
    """Functions of `max_locals_per_function` i32 locals each (each within the
    per-function limit), then one with the remainder, `total` locals in all."""
    runs = [MAX_LOCALS_PER_FUNCTION] * (total // MAX_LOCALS_PER_FUNCTION)
    if total % MAX_LOCALS_PER_FUNCTION:
        runs.append(total % MAX_LOCALS_PER_FUNCTION)
    return module(
        funcs=[0] * len(runs),
        bodies=[body(locals_=[(n, I32)]) for n in runs],
    )


def globals_(count):
    """`count` immutable i32 globals, each `i32.const 0`."""
    glob = bytes([I32, 0x00, I32_CONST]) + sleb(0) + bytes([END])
    return module(globals_=[glob] * count)


def exports(count):
    """`count` exports in all: `count - 1` methods `m0`, `m1`, ... (distinct empty
    functions) and the memory."""
    methods = count - 1
    return module(
        funcs=[0] * methods,
        exports=[export(f"m{i}", FUNC, i) for i in range(methods)],
        bodies=[body()] * methods,
    )


def method_name(length):
    """One method whose name is `length` bytes of `m`."""
    return module(funcs=[0], exports=[export("m" * length, FUNC, 0)], bodies=[body()])


def tables(count):
    """`count` funcref tables of 1 element (reference types allow several)."""
    return module(tables=[bytes([FUNCREF]) + limits(1)] * count)


def table(minimum, maximum=None):
    """One funcref table with these limits."""
    return module(tables=[bytes([FUNCREF]) + limits(minimum, maximum)])


def memory_maximum(pages):
    """The memory starts with 1 page and declares a maximum of `pages`."""
    return module(memory=limits(1, pages))


def memory_initial(pages):
    """The memory starts with `pages` pages and declares the same maximum."""
    return module(memory=limits(pages, pages))


def element_segments(count):
    """A 1-element table, one function, and `count` active element segments, each
    putting that function at table index 0 (segment flags 0: table 0, funcref)."""
    offset = bytes([I32_CONST]) + sleb(0) + bytes([END])
    segment = b"\x00" + offset + vec([uleb(0)])
    return module(
        funcs=[0],
        tables=[bytes([FUNCREF]) + limits(1)],
        elems=[segment] * count,
        bodies=[body()],
    )


def data_segments(count):
    """`count` active data segments, segment i writing the one byte i % 256 at offset i
    (all within the 1-page memory)."""
    segments = [
        b"\x00" + bytes([I32_CONST]) + sleb(i) + bytes([END]) + vec([bytes([i % 256])])
        for i in range(count)
    ]
    return module(data=segments)


def function_body(size):
    """One function whose body (what the code entry's size prefix counts: the locals
    declaration and the code, `end` included) is exactly `size` bytes: no locals, then
    `nop`s, then `end`."""
    nops = size - 2  # one byte for the empty locals vector, one for `end`
    entry = body(code=bytes([NOP]) * nops)
    assert len(entry) - len(uleb(size)) == size
    return module(funcs=[0], bodies=[entry])


MODULES = {
    # max_module_bytes: size is checked first, before parsing.
    "module_bytes_at.wasm": lambda: module_bytes(MAX_MODULE_BYTES),
    "module_bytes_over.wasm": lambda: module_bytes(MAX_MODULE_BYTES + 1),
    # max_params / max_results: per function type.
    "params_at.wasm": lambda: params(MAX_PARAMS),
    "params_over.wasm": lambda: params(MAX_PARAMS + 1),
    "results_at.wasm": lambda: results(MAX_RESULTS),
    "results_over.wasm": lambda: results(MAX_RESULTS + 1),
    # max_functions: functions defined.
    "functions_at.wasm": lambda: functions(MAX_FUNCTIONS),
    "functions_over.wasm": lambda: functions(MAX_FUNCTIONS + 1),
    # max_locals_per_function: locals of one function, parameters included.
    "locals_at.wasm": lambda: locals_one_function(MAX_LOCALS_PER_FUNCTION),
    "locals_over.wasm": lambda: locals_one_function(MAX_LOCALS_PER_FUNCTION + 1),
    "locals_with_params_over.wasm": lambda: locals_one_function(
        MAX_LOCALS_PER_FUNCTION + 1, param_count=MAX_PARAMS
    ),
    # max_total_locals: all functions together.
    "total_locals_at.wasm": lambda: total_locals(MAX_TOTAL_LOCALS),
    "total_locals_over.wasm": lambda: total_locals(MAX_TOTAL_LOCALS + 1),
    # max_globals.
    "globals_at.wasm": lambda: globals_(MAX_GLOBALS),
    "globals_over.wasm": lambda: globals_(MAX_GLOBALS + 1),
    # max_exports: exports of any kind (the memory counts).
    "exports_at.wasm": lambda: exports(MAX_EXPORTS),
    "exports_over.wasm": lambda: exports(MAX_EXPORTS + 1),
    # Method names: at most 128 bytes.
    "method_name_at.wasm": lambda: method_name(MAX_METHOD_NAME_BYTES),
    "method_name_over.wasm": lambda: method_name(MAX_METHOD_NAME_BYTES + 1),
    # max_tables and max_table_elements (initial size and declared maximum).
    "tables_over.wasm": lambda: tables(MAX_TABLES + 1),
    "table_elements_at.wasm": lambda: table(MAX_TABLE_ELEMENTS, MAX_TABLE_ELEMENTS),
    "table_initial_over.wasm": lambda: table(MAX_TABLE_ELEMENTS + 1),
    "table_maximum_over.wasm": lambda: table(1, MAX_TABLE_ELEMENTS + 1),
    # max_memory_pages: the initial size and the declared maximum.
    "memory_pages_at.wasm": lambda: memory_initial(MAX_MEMORY_PAGES),
    "memory_maximum_over.wasm": lambda: memory_maximum(MAX_MEMORY_PAGES + 1),
    # max_element_segments / max_data_segments.
    "element_segments_at.wasm": lambda: element_segments(MAX_ELEMENT_SEGMENTS),
    "element_segments_over.wasm": lambda: element_segments(MAX_ELEMENT_SEGMENTS + 1),
    "data_segments_at.wasm": lambda: data_segments(MAX_DATA_SEGMENTS),
    "data_segments_over.wasm": lambda: data_segments(MAX_DATA_SEGMENTS + 1),
    # max_function_body_bytes.
    "function_body_at.wasm": lambda: function_body(MAX_FUNCTION_BODY_BYTES),
    "function_body_over.wasm": lambda: function_body(MAX_FUNCTION_BODY_BYTES + 1),
}


def main(argv):
    check = argv[1:] == ["--check"]
    if argv[1:] and not check:
        sys.exit(f"usage: {argv[0]} [--check]")
    OUT.mkdir(exist_ok=True)
    differing = []
    for file_name, build in MODULES.items():
        wasm = build()
        path = OUT / file_name
        if check:
            if not path.exists() or path.read_bytes() != wasm:
                differing.append(file_name)
        else:
            path.write_bytes(wasm)
            print(f"{len(wasm):>8}  {path.relative_to(OUT.parent)}")
    if check:
        expected = set(MODULES)
        extra = sorted(p.name for p in OUT.glob("*.wasm") if p.name not in expected)
        for file_name in differing:
            print(f"differs: modules/{file_name}")
        for file_name in extra:
            print(f"not generated: modules/{file_name}")
        if differing or extra:
            sys.exit(1)
        print(f"{len(MODULES)} modules up to date")


if __name__ == "__main__":
    main(sys.argv)
