#!/bin/bash
# Build the guest's initramfs: busybox-static, the guest kernel's NFS client and
# virtio modules (dependencies from `modprobe -S KVER --show-depends`), our static
# C helpers (fsx-guest, runas, locktest, gen, rpcstub, fcntllock), a tar payload with hard links and
# symlinks, and init.sh as /init.
# Usage: build-initramfs.sh KVER OUT.cpio.gz
set -euo pipefail
KVER=${1:?kernel version}
OUT=${2:?output file}
HERE=$(cd "$(dirname "$0")" && pwd)
MODDIR=/lib/modules/$KVER
[ -d "$MODDIR" ] || { echo "no $MODDIR" >&2; exit 1; }
TOP_MODS="virtio_pci virtio_net nfsv3"

W=$(mktemp -d /tmp/chimera-initramfs.XXXXXX)
trap 'rm -rf "$W"' EXIT
chmod 0755 "$W"   # the guest's / (mktemp makes it 0700: uid 1000 could not run anything)
mkdir -p "$W"/{bin,sbin,etc,proc,sys,dev,tmp,mnt,run,"lib/modules/$KVER"}
cp /bin/busybox "$W/bin/busybox"
for a in $(/bin/busybox --list); do
  [ "$a" = busybox ] || ln -sf busybox "$W/bin/$a"
done
ln -sf ../bin/busybox "$W/sbin/modprobe"
for c in fsx-guest runas locktest gen rpcstub fcntllock; do
  gcc -static -O2 -Wall -Werror -o "$W/bin/$c" "$HERE/$c.c"
done

: > "$W/modules.load"
for m in $TOP_MODS; do
  modprobe -S "$KVER" --show-depends "$m" | awk '$1=="insmod"{print $2}'
done | awk '!seen[$0]++' | while read -r ko; do
  rel=${ko#"$MODDIR"/}
  mkdir -p "$W/lib/modules/$KVER/$(dirname "$rel")"
  cp "$ko" "$W/lib/modules/$KVER/$rel"
  echo "/lib/modules/$KVER/$rel" >> "$W/modules.load"
done
cp "$MODDIR"/modules.builtin* "$MODDIR"/modules.order "$W/lib/modules/$KVER/" 2>/dev/null || true
depmod -b "$W" "$KVER"

# tar payload: nested dirs, files of several sizes, hard links (also across
# directories), relative/absolute/dangling symlinks. Deterministic content.
P=$(mktemp -d /tmp/chimera-payload.XXXXXX)
trap 'rm -rf "$W" "$P"' EXIT
for d in a a/b a/b/c x y/z empty; do mkdir -p "$P/tree/$d"; done
i=0
for d in a a/b a/b/c x y/z; do
  for j in 1 2 3 4 5 6 7 8; do
    i=$((i + 1)); "$W/bin/gen" "$i" $(( i * 1531 )) > "$P/tree/$d/file$j.bin"
  done
done
echo "hello from the payload" > "$P/tree/README.txt"
ln "$P/tree/a/file1.bin" "$P/tree/a/hard1.bin"
ln "$P/tree/a/file1.bin" "$P/tree/x/hard1-elsewhere.bin"
ln "$P/tree/README.txt" "$P/tree/y/z/README-hard"
ln -s README.txt "$P/tree/link-to-readme"
ln -s ../../README.txt "$P/tree/a/b/up-link"
ln -s a/b/c "$P/tree/dirlink"
ln -s /nonexistent/target "$P/tree/dangling"
chmod 0750 "$P/tree/x"; chmod 0600 "$P/tree/x/file1.bin"; chmod 0755 "$P/tree/a/file2.bin"
tar -C "$P" --owner=0 --group=0 --mtime=@1700000000 -cf "$W/payload.tar" tree

install -m 0755 "$HERE/init.sh" "$W/init"
(cd "$W" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet) | gzip -1 > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
echo "initramfs: $OUT ($(du -h "$OUT" | cut -f1)), modules: $(sed 's|.*/||' "$W/modules.load" | tr '\n' ' ')"
