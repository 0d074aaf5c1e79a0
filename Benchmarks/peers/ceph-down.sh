#!/usr/bin/env bash
# ceph-down.sh DIR: stop what ceph-up.sh DIR started, by the PIDs it recorded
# (rgw first, mon last), TERM then KILL after a bounded wait. Leaves DIR.
set -uo pipefail
DIR=${1:?usage: ceph-down.sh DIR}
[ -d "$DIR/pids" ] || exit 0
is_ceph() {  # the PID still runs one of ours (not a recycled PID)
  local comm
  comm=$(cat "/proc/$1/comm" 2>/dev/null) || return 1
  grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat" 2>/dev/null && return 1   # a zombie is gone
  case "$comm" in ceph-*|radosgw|rgw*|msgr*|*ceph*) return 0 ;; esac
  return 1
}
for name in rgw osd mgr mon; do
  f=$DIR/pids/$name
  [ -s "$f" ] || continue
  pid=$(cat "$f")
  if is_ceph "$pid"; then kill -TERM "$pid" 2>/dev/null || true; fi
done
for _ in $(seq 1 50); do
  left=0
  for name in rgw osd mgr mon; do
    f=$DIR/pids/$name; [ -s "$f" ] || continue
    if is_ceph "$(cat "$f")"; then left=1; fi
  done
  [ $left = 0 ] && break
  sleep 0.1
done
killed=()
for name in rgw osd mgr mon; do
  f=$DIR/pids/$name; [ -s "$f" ] || continue
  pid=$(cat "$f")
  if is_ceph "$pid"; then kill -KILL "$pid" 2>/dev/null || true; killed+=("$pid"); fi
  rm -f "$f"
done
# a KILLed daemon takes a moment to go: wait for it, within a bound
for _ in $(seq 1 30); do
  left=0
  for pid in "${killed[@]}"; do is_ceph "$pid" && left=1; done
  [ $left = 0 ] && break
  sleep 0.1
done
exit 0
