#!/bin/sh
# Builds the libFuzzer targets (swiftc -sanitize=fuzzer,address) over XDR, ONCRPC, NFS3 and FUSE and runs them.
#
#   Fuzz/run.sh                 # every target over its committed corpus (regression), then 60 s of fuzzing each
#   Fuzz/run.sh 300             # 300 s each
#   Fuzz/run.sh 0               # regression only: replay the corpus, no new inputs
# New interesting inputs land in the build directory's corpus copy; crashes as crash-* files there.
set -eu
cd "$(dirname "$0")/.."
seconds="${1:-60}"
out="${FUZZ_BUILD:-.build-fuzz}"
mkdir -p "$out/modules"
flags="-sanitize=fuzzer,address -parse-as-library -O -wmo"
build_module() {
    name="$1"; shift
    swiftc $flags -module-name "$name" -emit-module -emit-module-path "$out/modules/$name.swiftmodule" \
        -I "$out/modules" -c "$@" -o "$out/$name.o"
}
build_module XDR Sources/XDR/*.swift
build_module ONCRPC Sources/ONCRPC/*.swift Sources/ONCRPC/Generated/*.swift
build_module NFS3 Sources/NFS3/*.swift Sources/NFS3/NLM/*.swift Sources/NFS3/Generated/*.swift
build_module FUSE Sources/FUSE/*.swift
for target in RPCCallFuzzer NFS3ArgumentsFuzzer NFS3ResultsFuzzer MOUNT3Fuzzer NLMFuzzer FUSERequestFuzzer; do
    swiftc $flags -module-name "$target" -I "$out/modules" Fuzz/Targets/$target.swift Fuzz/Targets/RoundTrip.swift \
        "$out/XDR.o" "$out/ONCRPC.o" "$out/NFS3.o" "$out/FUSE.o" -o "$out/$target" 2>&1 | grep -v "ld.gold: warning" || true
    rm -rf "$out/corpus/$target"
    mkdir -p "$out/corpus/$target"
    cp Fuzz/Corpus/$target/* "$out/corpus/$target/"
    if [ "$seconds" = 0 ]; then
        "$out/$target" -runs=0 "$out/corpus/$target"
    else
        (cd "$out" && "./$target" -max_total_time="$seconds" -max_len=4096 "corpus/$target")
    fi
done
