#!/usr/bin/env bash
# Run the VFS module conformance kit (chimera vfs-test) on every module the
# build ships, each against a fresh directory where it needs one. Exits
# non-zero if any module fails a check.
set -euo pipefail
build="${1:-build}"
chimera="$build/bin/chimera"
plugins="$build/lib/chimera"
work="$(mktemp -d /tmp/chimera-conformance.XXXXXX)"
trap 'rm -rf "$work"' EXIT

failed=0
run() {
    local name="$1" config="$2"
    echo "== conformance: $name"
    if timeout 900 "$chimera" vfs-test --module "$plugins/chimera_vfs_$name.so" --config "$config" >"$work/$name.log" 2>&1; then
        tail -n 1 "$work/$name.log"
    else
        grep -v '^ok ' "$work/$name.log" || true
        failed=1
    fi
}

key_option() {
    # The Swift POSIX modules and the C example name the key file differently.
    if [ "$1" = passthrough_c ]; then echo key_file; else echo handle_key_file; fi
}

run memfs '{}'
for m in linux io_uring passthrough_c; do
    mkdir -p "$work/$m"
    # The handle key goes in the work directory, not /var/lib.
    run "$m" "{\"root\": \"$work/$m\", \"$(key_option "$m")\": \"$work/$m.key\"}"
done
exit $failed
