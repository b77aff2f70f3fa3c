#!/usr/bin/env bash
# Builds every example contract to Wasm and copies it to artifacts/<dir>.wasm.
#
#   ./build.sh           build and update artifacts/
#   ./build.sh --check   build and compare with the committed artifacts byte for byte;
#                        exits non-zero naming each file that differs
#
# The output is the same on every machine and from every checkout location:
# - Cargo.lock is used as is (--locked) and rust-toolchain.toml pins the compiler;
# - the build runs in a mirror of the sources at a fixed path ($build_root). Cargo hashes
#   the absolute path of path dependencies that live outside the workspace (the SDK,
#   keyway-host-api) into every crate's `-C metadata`; that changes symbol names and with
#   them the function layout of the binary, even stripped. (CosmWasm's optimizer builds in
#   a fixed /code directory for the same reason.)
# - paths that can end up in the binary (panic locations) are remapped to fixed prefixes.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"

check=false
case "${1:-}" in
    "") ;;
    --check) check=true ;;
    *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

build_root=/tmp/keyway-contracts-build
target=wasm32-unknown-unknown

# One build at a time per machine: the mirror is shared.
mkdir -p "$build_root"
exec 9>"$build_root.lock"
if command -v flock >/dev/null; then
    flock 9
fi

# Mirror what the contracts are built from (tar keeps mtimes, so cargo only rebuilds what
# changed). The root manifest is needed for the workspace inheritance of the SDK and
# host-api, rust-toolchain.toml for the compiler version.
sources=(Cargo.toml rust-toolchain.toml host-api contracts-sdk example-contracts)
for source in "${sources[@]}"; do
    rm -rf "${build_root:?}/$source"
done
(cd "$repo" && tar --exclude=./example-contracts/target --exclude=./example-contracts/artifacts \
    -cf - "${sources[@]/#/./}") | (cd "$build_root" && tar -xf -)

cd "$build_root/example-contracts"
cargo_home="${CARGO_HOME:-$HOME/.cargo}"
sysroot="$(rustc --print sysroot)"
for path in "$build_root" "$repo" "$cargo_home" "$sysroot"; do
    if [[ "$path" =~ [[:space:]] ]]; then
        echo "error: '$path' contains whitespace, which RUSTFLAGS cannot carry" >&2
        exit 1
    fi
done

# RUSTFLAGS replaces (not extends) the rustflags of .cargo/config.toml, so the 32 KiB
# stack is repeated here. Of several matching remaps the last one wins, so the more
# specific come last.
export RUSTFLAGS="-C link-arg=-zstack-size=32768 \
--remap-path-prefix=$build_root=/keyway \
--remap-path-prefix=$repo=/keyway \
--remap-path-prefix=$cargo_home=/cargo \
--remap-path-prefix=$sysroot=/rustc"
# It would take precedence over RUSTFLAGS.
unset CARGO_ENCODED_RUSTFLAGS

mkdir -p "$here/artifacts"
status=0
for manifest in */Cargo.toml; do
    dir="${manifest%/Cargo.toml}"
    package="$(sed -n 's/^name *= *"\(.*\)"/\1/p' "$manifest" | head -n 1)"
    built="target/$target/release/${package//-/_}.wasm"
    artifact="$here/artifacts/$dir.wasm"
    # One package per build: a contract that depends on another with its `library`
    # feature must not switch that feature on for the other's own artifact (cargo unifies
    # features across the packages of one build).
    cargo build --release --locked --target "$target" -p "$package"
    if [[ ! -f "$built" ]]; then
        echo "error: $built was not produced (is $dir a cdylib?)" >&2
        exit 1
    fi
    if $check; then
        if [[ ! -f "$artifact" ]]; then
            echo "error: artifacts/$dir.wasm is missing; run ./build.sh and commit it" >&2
            status=1
        elif cmp -s "$built" "$artifact"; then
            echo "ok: artifacts/$dir.wasm ($(wc -c < "$artifact") bytes)"
        else
            echo "error: artifacts/$dir.wasm differs from a fresh build; run ./build.sh and commit it" >&2
            status=1
        fi
    else
        cp "$built" "$artifact"
        echo "wrote artifacts/$dir.wasm ($(wc -c < "$artifact") bytes, sha256 $(sha256sum "$artifact" | cut -d' ' -f1))"
    fi
done
exit "$status"
