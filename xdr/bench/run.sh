#!/bin/sh
# Builds XDR, ONCRPC and NFS3 in release and runs the per-call micro-benchmark, counting allocations with an
# LD_PRELOAD shim. Usage: xdr/bench/run.sh [scratch-path]   (default .build-xdr-bench)
set -eu
cd "$(dirname "$0")/../.."
scratch="${1:-.build-xdr-bench}"
swift build -c release --scratch-path "$scratch" --target NFS3 >/dev/null
bin="$(swift build -c release --scratch-path "$scratch" --show-bin-path)"
out="$scratch/xdr-bench"
mkdir -p "$out"
cc -O2 -shared -fPIC -o "$out/malloc_count.so" xdr/bench/malloc_count.c -ldl
swiftc -O -wmo xdr/bench/main.swift -o "$out/xdr-bench" -I "$bin/Modules" \
    "$bin"/XDR.build/*.o "$bin"/ONCRPC.build/*.o "$bin"/NFS3.build/*.o
LD_PRELOAD="$PWD/$out/malloc_count.so" taskset -c 0 "$out/xdr-bench"
