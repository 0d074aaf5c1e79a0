#!/bin/sh
# /init of Chimera's test guest (busybox sh). Parameters: qs.KEY=VALUE on the
# kernel command line. Results go to the serial console as
#   QSRESULT <module> <workload> PASS|FAIL
# and "QSDONE" at the end; then the guest powers off.
export PATH=/bin:/sbin
log() { echo "QS: $*"; }
[ -r /proc/cmdline ] || mount -t proc proc /proc
for kv in $(cat /proc/cmdline); do
  case "$kv" in qs.*=*) k=${kv%%=*}; k=${k#qs.}; eval "QS_$k=\${kv#*=}" ;; esac
done
SRV=${QS_srv:-10.223.0.1}; NFSOPT="vers=3,proto=tcp,port=$QS_nfsport,mountproto=tcp,mountport=$QS_mntport,addr=$SRV,mountaddr=$SRV,nolock"

dropc() { sync; echo 3 > /proc/sys/vm/drop_caches; }
sum() { s=$(sha256sum < "$1"); echo "${s%% *}"; }
manifest() {  # dirs+modes, files+modes+link counts+sha256, symlinks+targets, hard-link groups
  ( cd "$1" || exit 1
    find . -type d | sort | while read -r d; do echo "d $(stat -c %a "$d") $d"; done
    find . -type f | sort | while read -r f; do echo "f $(stat -c '%a %h %s' "$f") $(sum "$f") $f"; done
    find . -type l | sort | while read -r l; do echo "l $l -> $(readlink "$l")"; done
    find . -type f | while read -r f; do echo "$(stat -c %i "$f") $f"; done | sort |
      awk '{g[$1]=g[$1] " " $2} END{for(i in g) print "inode-group" g[i]}' |
      while read -r _ rest; do echo "h $(echo $rest | tr ' ' '\n' | sort | tr '\n' ' ')"; done | sort )
}

# ---------------------------------------------------------------- workloads: /init __w NAME MP
w_bigfile() {
  dd if=/tmp/big64 of="$D/big64" bs=1M conv=fsync 2>&1 | tail -1
  [ "$(stat -c %s "$D/big64")" = 67108864 ] || { echo "size $(stat -c %s "$D/big64")"; return 1; }
  dropc
  a=$(sha256sum < "$D/big64"); a=${a%% *}; b=$(md5sum < "$D/big64"); b=${b%% *}
  echo "sha256 $a md5 $b"
  [ "$a" = "$(cat /tmp/big64.sha)" ] && [ "$b" = "$(cat /tmp/big64.md5)" ] && rm "$D/big64"
}
w_meta() {
  set -e
  echo hello > "$D/m1"; [ "$(stat -c %s "$D/m1")" = 6 ]; [ "$(stat -c %F "$D/m1")" = "regular file" ]
  mv "$D/m1" "$D/m2"; [ ! -e "$D/m1" ]; [ "$(cat "$D/m2")" = hello ]
  ln "$D/m2" "$D/m3"; [ "$(stat -c %h "$D/m2")" = 2 ]; [ "$(stat -c %i "$D/m2")" = "$(stat -c %i "$D/m3")" ]
  ln -s m2 "$D/m4"; [ "$(readlink "$D/m4")" = m2 ]; [ "$(cat "$D/m4")" = hello ]
  chmod 0640 "$D/m2"; dropc; [ "$(stat -c %a "$D/m3")" = 640 ]
  truncate -s 3 "$D/m2"; [ "$(cat "$D/m3")" = hel ]; truncate -s 100000 "$D/m2"; [ "$(stat -c %s "$D/m3")" = 100000 ]
  mkdir "$D/md"; mv "$D/m3" "$D/md/m3"; mv "$D/md" "$D/md2"; [ "$(ls "$D/md2")" = m3 ]
  echo over > "$D/m5"; mv "$D/m5" "$D/m2"; [ "$(cat "$D/m2")" = over ]   # rename over an existing file
  rm "$D/m2" "$D/m4" "$D/md2/m3"; rmdir "$D/md2"
  dropc; [ -z "$(ls -A "$D" | grep '^m')" ]
  mkdir "$D/ne"; : > "$D/ne/f"
  if rmdir "$D/ne" 2>/dev/null; then echo "rmdir of a non-empty dir succeeded"; exit 1; fi
  rm "$D/ne/f"; rmdir "$D/ne"
  echo "create stat rename link symlink chmod truncate rename-over remove: ok"
}
w_tar() {
  mkdir "$D/tx" && tar -xf /payload.tar -C "$D/tx" && dropc && manifest "$D/tx" > /tmp/m.$NAME &&
    cmp /tmp/m.ref /tmp/m.$NAME && echo "$(wc -l < /tmp/m.ref) manifest lines match" && rm -rf "$D/tx" && [ ! -e "$D/tx" ] ||
    { diff /tmp/m.ref /tmp/m.$NAME | head -20; return 1; }
}
w_bigdir() {
  mkdir "$D/many" || return 1
  i=0; while [ $i -lt 5000 ]; do : > "$D/many/entry-$i" || return 1; i=$((i + 1)); done
  dropc
  n=$(ls -l "$D/many" | grep -c ' entry-'); echo "ls -l lists $n entries"; [ "$n" = 5000 ] || return 1
  n=$(ls "$D/many" | sort -u | wc -l); [ "$n" = 5000 ] || { echo "unique names $n"; return 1; }
  [ -e "$D/many/entry-0" ] && [ -e "$D/many/entry-4999" ] && rm -rf "$D/many" && [ ! -e "$D/many" ]
}
w_concurrent() {
  for i in 1 2 3 4; do ( gen $((100 + i)) 4194304 | dd of="$D/cw$i" bs=64k conv=fsync 2>/dev/null ) & done
  wait; dropc; rc=0
  for i in 1 2 3 4; do
    [ "$(sum "$D/cw$i")" = "$(gen $((100 + i)) 4194304 | sha256sum | cut -d' ' -f1)" ] || { echo "cw$i differs"; rc=1; }
  done
  [ $rc = 0 ] && echo "4 concurrent writers x 4 MiB: all whole" && rm "$D"/cw?
}
w_flock() {
  echo "note: mounted with nolock, so flock() locks are local to this guest (no NLM on the wire)"
  locktest "$D/lockfile" && rm "$D/lockfile"
}
w_nlm_pair() { fcntllock pair "$D/pairfile" && rm -f "$D/pairfile"; }
w_nlm_core() {  # the host's test client (Tests/guest/nlm-hold.py) holds a lock through the core meanwhile
  : > "$D/corelock" || return 1
  rm -f "$D/corelock.held"; echo "QSNLMHOLD $NAME qs-$NAME/corelock" > /dev/console
  i=0; until [ -e "$D/corelock.held" ]; do i=$((i + 1)); [ $i -ge 120 ] && { echo "the host never took its lock"; return 1; }; sleep 0.5; done
  fcntllock held "$D/corelock" 90 > /tmp/held.out 2>&1; rc=$?; cat /tmp/held.out
  [ $rc = 0 ] || return 1
  t=$(sed -n 's/.*granted after \([0-9]*\)\..*/\1/p' /tmp/held.out)
  [ -n "$t" ] && [ "$t" -lt 20 ] || { echo "F_SETLKW took ${t:-?} s: no GRANTED callback (the client polled)"; return 1; }
  rm -f "$D/corelock" "$D/corelock.held"
}
w_nlm_reboot() {  # the host kill -9s and restarts the daemon while we hold a lock; the kernel must reclaim it
  : > "$D/rebootlock" || return 1
  rm -f "$D/rebootlock.done"
  fcntllock keep "$D/rebootlock" "$D/rebootlock.done" 200 > /tmp/keep.out 2>&1 & kp=$!
  i=0; until grep -q locked /tmp/keep.out; do i=$((i + 1)); [ $i -ge 60 ] && break; sleep 0.5; done
  echo "QSNLMREBOOT $NAME qs-$NAME/rebootlock" > /dev/console
  wait $kp; rc=$?; cat /tmp/keep.out
  [ $rc = 0 ] && grep -q held-by-guest "$D/rebootlock.done" && rm -f "$D/rebootlock" "$D/rebootlock.done"
}
w_fsx() { fsx-guest "$D/fsx.$NAME" "${QS_seed:-1}" "${QS_fsxops:-3000}" && rm "$D/fsx.$NAME"; }
w_perms() {
  mkdir "$D/p755" "$D/p777" && chmod 0755 "$D/p755" && chmod 0777 "$D/p777" && echo root > "$D/rootfile" &&
    chmod 0644 "$D/rootfile" && chmod 0755 "$D" || return 1
  rc=0
  [ "$(runas 1000 1000 /bin/sh -c 'echo $(id -u):$(id -g)')" = 1000:1000 ] || { echo "FAIL runas cannot run a shell as 1000:1000"; return 1; }
  out=$(runas 1000 1000 /bin/sh -c ": > '$D/p755/x'" 2>&1) && { echo "FAIL create in root 0755 dir succeeded"; rc=1; } ||
    case $out in *"$D/p755/x"*"Permission denied"*) echo "create in root 0755 dir: EACCES ok" ;; *) echo "FAIL create: $out"; rc=1 ;; esac
  out=$(runas 1000 1000 /bin/sh -c "echo x >> '$D/rootfile'" 2>&1) && { echo "FAIL write to root 0644 file succeeded"; rc=1; } ||
    case $out in *"$D/rootfile"*"Permission denied"*) echo "write to root 0644 file: EACCES ok" ;; *) echo "FAIL write: $out"; rc=1 ;; esac
  [ "$(cat "$D/rootfile")" = root ] || { echo "FAIL rootfile changed"; rc=1; }
  if runas 1000 1000 /bin/sh -c "echo mine > '$D/p777/y'"; then
    o=$(stat -c %u:%g "$D/p777/y"); dropc; o2=$(stat -c %u:%g "$D/p777/y")
    [ "$o" = 1000:1000 ] && [ "$o2" = 1000:1000 ] && echo "create in 0777 dir: owner $o2 ok" || { echo "FAIL owner $o / $o2"; rc=1; }
  else echo "FAIL create in 0777 dir"; rc=1; fi
  out=$(runas 1000 1000 /bin/chmod 0666 "$D/rootfile" 2>&1) && { echo "FAIL chmod of root file succeeded"; rc=1; } ||
    case $out in *"$D/rootfile"*"Operation not permitted"*) echo "chmod of root file: EPERM ok" ;; *) echo "FAIL chmod: $out"; rc=1 ;; esac
  dropc; [ "$(stat -c %a "$D/rootfile")" = 644 ] || { echo "FAIL mode now $(stat -c %a "$D/rootfile")"; rc=1; }
  rm -rf "$D/p755" "$D/p777" "$D/rootfile"
  return $rc
}
if [ "$1" = __w ]; then
  W=$2; NAME=$3; D=$4/qs-$NAME; "w_$W" > /tmp/w.out 2>&1; rc=$?
  sed "s/^/QS:    [$NAME $W] /" /tmp/w.out | head -30; exit $rc
fi

# ---------------------------------------------------------------- PID 1
mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev; mount -t tmpfs -o size=400m tmpfs /tmp
echo; log "init start: $(cat /proc/cmdline)"
while read -r ko; do
  insmod "$ko" 2>/tmp/e || grep -q 'File exists' /tmp/e || log "insmod $ko failed: $(cat /tmp/e)"
done < /modules.load
ip link set lo up
i=0; while [ ! -e /sys/class/net/eth0 ] && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
ip link set eth0 up; ip addr add "$QS_ip" dev eth0
i=0; until ping -c 1 -W 1 "$SRV" > /dev/null 2>&1; do i=$((i + 1)); [ $i -ge 30 ] && break; sleep 0.5; done
log "network: $(ip -4 -o addr show dev eth0 | awk '{print $4}') -> $SRV"
PASS=0; FAIL=0
result() { if [ "$3" = 0 ]; then echo "QSRESULT $1 $2 PASS"; PASS=$((PASS + 1)); else echo "QSRESULT $1 $2 FAIL"; FAIL=$((FAIL + 1)); fi; }

if [ "${QS_phase:-main}" = main ]; then
  gen 64 67108864 > /tmp/big64; sum /tmp/big64 > /tmp/big64.sha; m=$(md5sum < /tmp/big64); echo "${m%% *}" > /tmp/big64.md5
  mkdir -p /tmp/ref && tar -xf /payload.tar -C /tmp/ref && manifest /tmp/ref > /tmp/m.ref
  for mod in $(echo "$QS_modules" | tr ',' ' '); do
    mp=/mnt/$mod; mkdir -p "$mp"
    if timeout -s KILL 60 mount -t nfs -o "$NFSOPT" "$SRV:/$mod" "$mp" 2>/tmp/e; then
      log "mounted $(grep " $mp " /proc/mounts)"
      rm -rf "$mp/qs-$mod"; mkdir "$mp/qs-$mod"
      for w in $(echo "$QS_workloads" | tr ',' ' '); do
        [ "$w" = nlm ] && continue   # runs once below, on a mount without nolock
        timeout -s KILL "${QS_wtimeout:-300}" /init __w "$w" "$mod" "$mp"; result "$mod" "$w" $?
      done
      echo "$mod" > "$mp/qs-$mod/marker"
      umount "$mp" 2>/dev/null || umount -f -l "$mp"
    else
      log "mount $mod failed: $(cat /tmp/e)"; dmesg | tail -5 | sed 's/^/QS:    dmesg: /'; result "$mod" mount 1
    fi
  done
  # NLM: the linux export again, WITHOUT nolock, so fcntl locks go to the server over NLM (TCP, as the mount).
  # The kernel's lockd needs a local rpcbind and statd: rpcstub plays both.
  if echo ",$QS_workloads," | grep -q ',nlm,'; then
    hostname qsguest; rpcstub 2>/tmp/rpcstub.log & sleep 0.5
    mp=/mnt/nlm; mkdir -p "$mp"
    LOCKOPT="vers=3,proto=tcp,port=$QS_nfsport,mountproto=tcp,mountport=$QS_mntport,addr=$SRV,mountaddr=$SRV,lookupcache=none,actimeo=0"
    if timeout -s KILL 60 mount -t nfs -o "$LOCKOPT" "$SRV:/linux" "$mp" 2>/tmp/e; then
      log "mounted (locking) $(grep " $mp " /proc/mounts)"
      rm -rf "$mp/qs-nlm"; mkdir "$mp/qs-nlm"
      for w in nlm_pair nlm_core nlm_reboot; do
        timeout -s KILL 240 /init __w "$w" nlm "$mp"; result linux "$w" $?
      done
      umount "$mp" 2>/dev/null || umount -f -l "$mp"
    else
      log "locking mount failed: $(cat /tmp/e)"; dmesg | tail -5 | sed 's/^/QS:    dmesg: /'; result linux nlm_mount 1
    fi
    sed 's/^/QS:    /' /tmp/rpcstub.log | head -20
    dmesg | grep -i -E 'lockd|nlm|statd' | tail -5 | sed 's/^/QS:    dmesg: /'
  fi
else  # restart: a hard mount of the linux module while the host kills and restarts the daemon
  mp=/mnt/linux; mkdir -p "$mp"
  if timeout -s KILL 60 mount -t nfs -o "$NFSOPT,hard,timeo=20,retrans=3" "$SRV:/linux" "$mp" 2>/tmp/e; then
    log "mounted (hard) $(grep " $mp " /proc/mounts)"
    want=$(gen 32 33554432 | sha256sum | cut -d' ' -f1)
    timeout -s KILL 400 sh -c "gen 32 33554432 | dd of=$mp/restart.bin bs=256k conv=fsync" > /tmp/dd.out 2>&1 &
    ddpid=$!; i=0   # tell the host once the write is under way (4 MiB in), so the kill lands mid-write
    while [ "$(stat -c %s "$mp/restart.bin" 2>/dev/null || echo 0)" -lt 4194304 ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
    echo "QSWRITING"
    wait $ddpid; rc=$?
    log "dd rc=$rc: $(tail -1 /tmp/dd.out)"
    dropc; got=$(timeout -s KILL 120 sha256sum < "$mp/restart.bin" | cut -d' ' -f1)
    log "restart.bin sha256 $got (want $want) size $(stat -c %s "$mp/restart.bin")"
    [ $rc = 0 ] && [ "$got" = "$want" ]; result linux restart-hard-mount $?
    umount "$mp" 2>/dev/null || umount -f -l "$mp"
  else
    log "mount failed: $(cat /tmp/e)"; result linux restart-hard-mount 1
  fi
fi
echo "QSDONE pass=$PASS fail=$FAIL"
sync; poweroff -f; sleep 5
