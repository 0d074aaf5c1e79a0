#!/bin/bash
# Chimera's guest harness: real Linux kernel NFSv3 clients in a qemu (TCG) guest
# against build/bin/chimera, inside a private network namespace with one tap
# device and no route out. Prints "guest: N passed, N failed" last; exit 1 if any failed.
# env: CHIMERA_BUILD (default <repo>/build)  RUN_DIR  NETNS  ACCEL=tcg  WORKLOADS  MODULES  GUEST_CACHE
#      PHASES=main,restart (either or both)
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BUILD=${CHIMERA_BUILD:-$REPO/build}
R=${RUN_DIR:-/tmp/chimera-guest-run}
NS=${NETNS:-chimeraguest}
TAP=cgtap0 HOST_IP=10.223.0.1 GUEST_IP=10.223.0.2 NFS_PORT=2049 MNT_PORT=20048
ACCEL=${ACCEL:-tcg}
MODULES=${MODULES:-memfs,linux,io_uring}
WORKLOADS=${WORKLOADS:-bigfile,meta,tar,bigdir,concurrent,flock,fsx,perms,nlm}
CACHE=${GUEST_CACHE:-/var/cache/chimera-guest}
T0=$SECONDS
say() { printf '[guest %4ss] %s\n' "$(( SECONDS - T0 ))" "$*"; }
die() { say "ERROR: $*"; echo "guest: 0 passed, 1 failed"; exit 1; }

cleanup() {
  set +e; trap '' INT TERM
  [ -n "${NS_OURS:-}" ] && for f in "$R"/*.pid; do
    [ -f "$f" ] || continue; p=$(cat "$f")
    kill -TERM "$p" 2>/dev/null
    for _ in $(seq 1 20); do kill -0 "$p" 2>/dev/null || break; sleep 0.25; done
    kill -KILL "$p" 2>/dev/null; rm -f "$f"
  done
  if [ -n "${NS_OURS:-}" ] && ip netns list | grep -qw "$NS"; then
    for p in $(ip netns pids "$NS"); do kill -KILL "$p" 2>/dev/null; done
    ip netns del "$NS"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ -x "$BUILD/bin/chimera" ] || die "no $BUILD/bin/chimera (build first, or set CHIMERA_BUILD)"
KVER=$(for v in /boot/vmlinuz-*; do k=${v#/boot/vmlinuz-}; [ -d /lib/modules/$k/kernel/fs/nfs ] && echo "$k"; done | sort -V | tail -1)
[ -n "$KVER" ] || die "no /boot/vmlinuz-* with matching /lib/modules (apt-get install linux-image-amd64)"
VMLINUZ=/boot/vmlinuz-$KVER

# initramfs, cached by the content of everything that goes into it
mkdir -p "$CACHE"
KEY=$( { echo "$KVER"; sha256sum "$HERE"/{build-initramfs.sh,init.sh,*.c} /bin/busybox "$VMLINUZ" | cut -d' ' -f1; gcc --version | head -1; } | sha256sum | cut -c1-16)
INITRD=$CACHE/initramfs-$KEY.cpio.gz
if [ ! -s "$INITRD" ]; then
  timeout 300 "$HERE/build-initramfs.sh" "$KVER" "$INITRD" > "$CACHE/build.log" 2>&1 || { cat "$CACHE/build.log"; die "initramfs build failed"; }
fi
say "kernel $KVER, initramfs $INITRD"

ip netns list | grep -qw "$NS" && die "netns $NS exists (another run?)"
rm -rf "$R"; mkdir -p "$R/linux" "$R/io_uring"
chmod 0755 "$R/linux" "$R/io_uring"
cat > "$R/chimera.json" <<JSON
{
  "server": {
    "threads": 2, "delegation_threads": 4, "log_level": "info", "bind_address": "$HOST_IP",
    "state": { "directory": "$R/state", "grace_seconds": 15 },
    "vfs": {
      "memfs": { "config": { "size_limit": 1073741824 } },
      "linux": { "config": { "root": "$R/linux" } },
      "io_uring": { "config": { "root": "$R/io_uring" } }
    },
    "protocols": {
      "nfs": { "port": $NFS_PORT, "mount_port": $MNT_PORT, "portmap_port": 111,
               "exports": [
                 { "path": "/memfs", "clients": ["$GUEST_IP/32"], "access": "rw", "squash": "none" },
                 { "path": "/linux", "clients": ["$GUEST_IP/32", "$HOST_IP/32"], "access": "rw", "squash": "none" },
                 { "path": "/io_uring", "clients": ["$GUEST_IP/32"], "access": "rw", "squash": "none" } ] }
    }
  },
  "mounts": {
    "memfs": { "module": "memfs", "path": "/" },
    "linux": { "module": "linux", "path": "/" },
    "io_uring": { "module": "io_uring", "path": "/" }
  }
}
JSON

ip netns add "$NS" || die "ip netns add failed"
NS_OURS=1
ip netns exec "$NS" ip link set lo up
ip netns exec "$NS" ip tuntap add dev "$TAP" mode tap
ip netns exec "$NS" ip addr add "$HOST_IP/24" dev "$TAP"
ip netns exec "$NS" ip link set "$TAP" up
say "netns $NS: $(ip netns exec "$NS" ip -br addr | tr -s ' ' | tr '\n' ';') routes: $(ip netns exec "$NS" ip route | tr '\n' ';')"

listening() { ip netns exec "$NS" ss -Hltn "sport = :$1" | grep -q .; }
start_server() {  # the daemon's PID goes to $R/chimera.pid (bash execs into it)
  ip netns exec "$NS" setsid bash -c 'echo $$ > "$1"; shift; exec "$@"' x "$R/chimera.pid" \
    "$BUILD/bin/chimera" serve --config "$R/chimera.json" >> "$R/chimera.log" 2>&1 < /dev/null &
  local end=$(( SECONDS + 30 ))
  until listening $NFS_PORT && listening $MNT_PORT; do
    (( SECONDS >= end )) && { tail -20 "$R/chimera.log"; return 1; }; sleep 0.25
  done
}
start_server || die "chimera did not start"
say "chimera up on $HOST_IP:$NFS_PORT (mount $MNT_PORT), pid $(cat "$R/chimera.pid")"

boot() {  # phase timeout-seconds
  local phase=$1 t=$2
  local APPEND="console=ttyS0 loglevel=4 panic=-1 qs.ip=$GUEST_IP/24 qs.srv=$HOST_IP qs.nfsport=$NFS_PORT qs.mntport=$MNT_PORT qs.modules=$MODULES qs.workloads=$WORKLOADS qs.phase=$phase qs.seed=${SEED:-1}"
  say "booting guest, phase $phase (timeout ${t}s)"
  timeout -k 10 "$t" ip netns exec "$NS" qemu-system-x86_64 -accel "$ACCEL" -m 1G -smp 2 -nographic -no-reboot \
    -kernel "$VMLINUZ" -initrd "$INITRD" -append "$APPEND" \
    -netdev tap,id=n0,ifname="$TAP",script=no,downscript=no -device virtio-net-pci,netdev=n0,romfile= \
    < /dev/null 2>&1 |
  while IFS= read -r line; do
    line=${line%$'\r'}; echo "$line" >> "$R/console-$phase.log"
    case $line in QS*) printf '  guest> %s\n' "$line" ;; esac
    case $line in QSNLMHOLD\ *)   # nlm_core: a test client takes a lock through the core while the guest waits
      set -- $line
      ip netns exec "$NS" timeout 90 python3 "$HERE/nlm-hold.py" --server "$HOST_IP" --nfs-port $NFS_PORT \
        --mount-port $MNT_PORT --export /linux --path "$3" --marker "$R/linux/$3.held" --hold 8 \
        >> "$R/nlm-hold.log" 2>&1 &
      ;;
    QSNLMREBOOT\ *)   # nlm_reboot: kill -9 and restart the daemon while the guest holds a lock, then check that
      set -- $line     # the guest reclaimed it (a test client's LOCK after the grace period is DENIED)
      p=$(cat "$R/chimera.pid"); kill -KILL "$p"; say "killed chimera $p (-9) while the guest holds an NLM lock"
      sleep 1; rm -f "$R/chimera.pid"
      if start_server; then say "chimera restarted, pid $(cat "$R/chimera.pid")"; else say "restart FAILED"; fi
      ip netns exec "$NS" timeout 150 python3 "$HERE/nlm-hold.py" --server "$HOST_IP" --nfs-port $NFS_PORT \
        --mount-port $MNT_PORT --export /linux --path "$3" --marker "$R/linux/$3.done" --expect-reclaimed \
        >> "$R/nlm-hold.log" 2>&1 &
      ;;
    esac
    if [ "$line" = QSWRITING ]; then   # restart phase: kill -9 the daemon mid-write, start it again
      p=$(cat "$R/chimera.pid"); sz=$(stat -c %s "$R/linux/restart.bin" 2>/dev/null || echo none)
      kill -KILL "$p"; say "killed chimera $p (-9) while the guest writes (server-side size of restart.bin then: $sz of 33554432)"
      sleep 2; rm -f "$R/chimera.pid"
      if start_server; then say "chimera restarted, pid $(cat "$R/chimera.pid")"; else say "restart FAILED"; fi
    fi
  done
}
PHASES=${PHASES:-main,restart}
[[ ",$PHASES," == *,main,* ]] && boot main "${MAIN_TIMEOUT:-900}"
[[ ",$PHASES," == *,restart,* ]] && boot restart "${RESTART_TIMEOUT:-500}"

# host-side checks of what the guest left behind
for m in linux io_uring; do
  if [[ ",$MODULES," == *,$m,* ]]; then
    if [ "$(cat "$R/$m/qs-$m/marker" 2>/dev/null)" = "$m" ]; then echo "QSRESULT $m host-sees-marker PASS"
    else echo "QSRESULT $m host-sees-marker FAIL"; fi >> "$R/console-main.log"
  fi
done
if [[ ",$PHASES," == *,restart,* ]]; then
  want=$(timeout 60 "$CACHE/gen-host" 32 33554432 2>/dev/null | sha256sum | cut -d' ' -f1)
  [ -x "$CACHE/gen-host" ] || { gcc -O2 -o "$CACHE/gen-host" "$HERE/gen.c" && want=$("$CACHE/gen-host" 32 33554432 | sha256sum | cut -d' ' -f1); }
  got=$( { sha256sum < "$R/linux/restart.bin"; } 2>/dev/null | cut -d' ' -f1)
  if [ -n "$got" ] && [ "$got" = "$want" ]; then echo "QSRESULT linux restart-host-checksum PASS"
  else echo "QSRESULT linux restart-host-checksum FAIL"; fi >> "$R/console-restart.log"
fi

echo
echo "==== results (logs: $R/console-*.log $R/chimera.log) ===="
grep -h '^QSRESULT' "$R"/console-*.log | awk '{printf "  %-9s %-26s %s\n", $2, $3, $4}'
for m in $(echo "$MODULES" | tr ',' ' '); do
  echo "  module $m: $(grep -h "^QSRESULT $m " "$R"/console-*.log | grep -c ' PASS$') passed, $(grep -h "^QSRESULT $m " "$R"/console-*.log | grep -c ' FAIL$') failed"
done
pass=$(grep -h '^QSRESULT' "$R"/console-*.log | grep -c ' PASS$')
fail=$(grep -h '^QSRESULT' "$R"/console-*.log | grep -c ' FAIL$')
for phase in $(echo "$PHASES" | tr ',' ' '); do
  grep -q '^QSDONE' "$R/console-$phase.log" 2>/dev/null || { say "$phase boot did not finish"; fail=$((fail + 1)); }
done
say "done in $(( SECONDS - T0 ))s"
echo "guest: $pass passed, $fail failed"
[ "$fail" = 0 ]
