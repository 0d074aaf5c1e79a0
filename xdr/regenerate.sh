#!/bin/sh
# Regenerates every Swift file made by xdrgen from its .x input. Run from anywhere; paths are relative to the
# repository root so the generated headers are the same on every machine. CI runs this and diffs the result
# against the committed files to catch stale output.
#
#   xdr/regenerate.sh                 # builds xdrgen with SwiftPM (scratch path .build-xdrgen)
#   XDRGEN=/path/to/xdrgen xdr/regenerate.sh
set -eu
cd "$(dirname "$0")/.."

if [ -z "${XDRGEN:-}" ]; then
    scratch="${XDRGEN_SCRATCH:-.build-xdrgen}"
    swift build --scratch-path "$scratch" --product xdrgen >/dev/null
    XDRGEN="$(swift build --scratch-path "$scratch" --product xdrgen --show-bin-path)/xdrgen"
fi

mkdir -p Sources/ONCRPC/Generated Sources/NFS3/Generated

"$XDRGEN" xdr/rpc_msg.x --output Sources/ONCRPC/Generated/RPCMessageXDR.swift \
    --prefix RPC --strip-type-word rpc
"$XDRGEN" xdr/portmap.x --output Sources/ONCRPC/Generated/PortmapXDR.swift \
    --prefix PMAP --strip-type-word pmap --strip-member-word pmap
"$XDRGEN" xdr/rpcbind.x --output Sources/ONCRPC/Generated/RPCBindXDR.swift \
    --prefix RPCB --strip-type-word rpcb
"$XDRGEN" xdr/nfs3.x --output Sources/NFS3/Generated/NFS3XDR.swift \
    --prefix NFS3 --strip-suffix 3 --strip-type-word nfs --strip-member-word ERR --strip-member-word NFS
"$XDRGEN" xdr/mount3.x --output Sources/NFS3/Generated/MOUNT3XDR.swift \
    --prefix MOUNT3 --strip-suffix 3 --strip-member-word ERR
"$XDRGEN" xdr/nlm4.x --output Sources/NFS3/Generated/NLM4XDR.swift \
    --prefix NLM4 --strip-suffix 4 --strip-type-word nlm --strip-member-word NLM --strip-member-word NLMPROC
"$XDRGEN" xdr/sm_inter.x --output Sources/NFS3/Generated/SMXDR.swift \
    --prefix SM --strip-type-word sm --strip-member-word SM

# The generator's golden test output (compiled into XDRTests).
"$XDRGEN" xdr/tests/sample.x --output Tests/XDRTests/Golden/SampleXDR.swift \
    --prefix Sample --strip-type-word sample --strip-member-word sample --access internal
