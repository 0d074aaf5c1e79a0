#!/usr/bin/env bash
# ceph-up.sh DIR PORT
#
# The S3 peer for `make bench`: a throw-away one-node Ceph (Debian's 16.2
# "pacific" packages) with RadosGW, bound to 127.0.0.1 only, without
# systemd. RGW needs a mon, a mgr and one OSD; the OSD keeps its data in RAM
# (memstore), as Chimera's memfs does, so neither side touches a disk.
#
# Everything lives under DIR (keep it short: admin socket paths are limited
# to 107 bytes). Daemon PIDs go to DIR/pids/NAME; ceph-down.sh DIR stops them
# by PID. On success prints, and writes to DIR/env:
#   S3_ENDPOINT=http://127.0.0.1:PORT S3_ACCESS_KEY=... S3_SECRET_KEY=... CEPH_CONF=...
#
# Knobs (environment, all optional):
#   CEPH_MON_PORT   msgr2 port of the mon (default 41000; msgr1 is +1)
#   CEPH_CPUS       start every daemon under `taskset -c CEPH_CPUS` (default: no pinning)
#   CEPH_WAIT_S     bound on each wait (default 90 s)
#   CEPH_MEM_BYTES  memstore capacity (default 6 GiB)
#
# What matters for a fair S3 figure (found the hard way):
#   - `tcp_nodelay=1` on the beast frontend: without it each GET waits ~40 ms
#     for Nagle + delayed ACK on loopback.
#   - pool size 1, min size 1: one OSD must be enough for writes to complete.
#   - paxos propose interval 0.1 s: each pool RGW creates at start waits one
#     paxos round; the default 1 s makes start-up several times slower.
set -eEuo pipefail

DIR=${1:?usage: ceph-up.sh DIR PORT}
RGW_PORT=${2:?usage: ceph-up.sh DIR PORT}
MON_PORT=${CEPH_MON_PORT:-41000}
WAIT_S=${CEPH_WAIT_S:-90}
MEM_BYTES=${CEPH_MEM_BYTES:-6442450944}
PIN=()
if [ -n "${CEPH_CPUS:-}" ]; then PIN=(taskset -c "$CEPH_CPUS"); fi

STARTED=()
say() { echo "ceph-up: $*" >&2; }
die() {
  say "ERROR: $*"
  local i pid
  for (( i=${#STARTED[@]}-1; i>=0; i-- )); do
    pid=$(cat "$DIR/pids/${STARTED[i]}" 2>/dev/null) || continue
    kill -TERM "$pid" 2>/dev/null || true
  done
  sleep 1
  for (( i=${#STARTED[@]}-1; i>=0; i-- )); do
    pid=$(cat "$DIR/pids/${STARTED[i]}" 2>/dev/null) || continue
    kill -KILL "$pid" 2>/dev/null || true
  done
  exit 1
}
trap 'die "command failed (line $LINENO): $BASH_COMMAND"' ERR

[[ "$RGW_PORT" =~ ^[0-9]+$ ]] || die "PORT must be a number"
for b in ceph-mon ceph-mgr ceph-osd radosgw radosgw-admin ceph ceph-authtool monmaptool uuidgen curl; do
  command -v "$b" >/dev/null || die "$b is missing (apt-get install ceph-mon ceph-mgr ceph-osd radosgw ceph-common uuid-runtime curl)"
done
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
[ ${#DIR} -le 50 ] || die "DIR is ${#DIR} characters; keep it at most 50 (admin socket paths)"
[ -z "$(ls -A "$DIR")" ] || die "$DIR is not empty"
for p in "$MON_PORT" $((MON_PORT + 1)) "$RGW_PORT"; do
  if ss -Hltn "sport = :$p" | grep -q .; then die "port $p is in use"; fi
done

CONF=$DIR/ceph.conf
KEYRING=$DIR/keyring
export CEPH_CONF=$CONF
CEPH=(timeout 30 ceph --connect-timeout 15 -c "$CONF")
mkdir -p "$DIR"/{log,run,pids,mon,mgr/ceph-x,osd/ceph-0,rgw}
FSID=$(uuidgen)

cat >"$CONF" <<EOF
[global]
fsid = $FSID
mon host = [v2:127.0.0.1:$MON_PORT,v1:127.0.0.1:$((MON_PORT + 1))]
public network = 127.0.0.1/32
cluster network = 127.0.0.1/32
ms bind ipv6 = false
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
auth allow insecure global id reclaim = false
run dir = $DIR/run
admin socket = $DIR/run/\$name.asok
pid file = $DIR/run/\$name.pid
log file = $DIR/log/\$name.log
log to stderr = false
err to stderr = true
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon warn on pool no redundancy = false
mon warn on insecure global id reclaim allowed = false
mon data avail warn = 2
mon data avail crit = 1
paxos propose interval = 0.1
paxos min wait = 0.01

[mon]
mon data = $DIR/mon/ceph-\$id

[mgr]
mgr data = $DIR/mgr/ceph-\$id

[osd]
osd data = $DIR/osd/ceph-\$id
osd objectstore = memstore
memstore device bytes = $MEM_BYTES
osd memory target = 1073741824

[client]
keyring = $KEYRING
log file = /dev/null
admin socket = $DIR/run/\$name.\$pid.asok

[client.rgw.a]
log file = $DIR/log/\$name.log
admin socket = $DIR/run/\$name.asok
rgw data = $DIR/rgw
EOF

start() {  # start NAME BINARY ARGS...: foreground daemon, own session, PID recorded
  local name=$1; shift
  setsid "${PIN[@]}" "$@" -f -c "$CONF" >>"$DIR/log/$name.out" 2>&1 </dev/null &
  echo $! >"$DIR/pids/$name"
  STARTED+=("$name")
}
alive() { local pid; pid=$(cat "$DIR/pids/$1" 2>/dev/null) && kill -0 "$pid" 2>/dev/null; }
wait_for() {  # wait_for WHAT DAEMON CMD...: poll CMD for at most WAIT_S s; fail early if DAEMON died
  local what=$1 d=$2; shift 2
  local end=$(( $(date +%s) + WAIT_S ))
  while [ "$(date +%s)" -lt "$end" ]; do
    if "$@" >/dev/null 2>&1; then return 0; fi
    alive "$d" || { tail -5 "$DIR/log/$d.out" >&2 || true; die "$d died waiting for $what (logs: $DIR/log)"; }
    sleep 0.3
  done
  die "no $what within ${WAIT_S}s (logs: $DIR/log)"
}

T0=$(date +%s)
ceph-authtool --create-keyring "$DIR/mon.keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
ceph-authtool --create-keyring "$KEYRING" --gen-key -n client.admin \
  --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' >/dev/null
ceph-authtool "$DIR/mon.keyring" --import-keyring "$KEYRING" >/dev/null
monmaptool --create --fsid "$FSID" --addv a "[v2:127.0.0.1:$MON_PORT,v1:127.0.0.1:$((MON_PORT + 1))]" \
  "$DIR/monmap" >/dev/null
ceph-mon -c "$CONF" --mkfs -i a --monmap "$DIR/monmap" --keyring "$DIR/mon.keyring" >>"$DIR/log/mon.out" 2>&1
start mon ceph-mon -i a
wait_for "mon" mon "${CEPH[@]}" mon stat

"${CEPH[@]}" auth get-or-create mgr.x mon 'allow profile mgr' osd 'allow *' -o "$DIR/mgr/ceph-x/keyring"
start mgr ceph-mgr -i x

OSD_UUID=$(uuidgen)
OSD_KEY=$(ceph-authtool --gen-print-key)
printf '{"cephx_secret": "%s"}\n' "$OSD_KEY" >"$DIR/osd/secret.json"
id=$("${CEPH[@]}" osd new "$OSD_UUID" -i "$DIR/osd/secret.json")
[ "$id" = 0 ] || die "ceph osd new gave id $id"
ceph-osd -c "$CONF" -i 0 --mkfs --key "$OSD_KEY" --osd-uuid "$OSD_UUID" >>"$DIR/log/osd.out" 2>&1
printf '[osd.0]\n\tkey = %s\n' "$OSD_KEY" >"$DIR/osd/ceph-0/keyring"
start osd ceph-osd -i 0
osd_up() { "${CEPH[@]}" osd stat -f json | grep -q '"num_up_osds":1'; }
wait_for "osd up" osd osd_up

"${CEPH[@]}" auth get-or-create client.rgw.a mon 'allow rw' osd 'allow rwx' mgr 'allow rw' >>"$KEYRING"
start rgw radosgw -n client.rgw.a --rgw-frontends "beast endpoint=127.0.0.1:$RGW_PORT tcp_nodelay=1"
rgw_up() { [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://127.0.0.1:$RGW_PORT/")" = 200 ]; }
wait_for "rgw on port $RGW_PORT" rgw rgw_up

AK=$(od -An -tx1 -N10 /dev/urandom | tr -d ' \n' | tr a-f A-F)
SK=$(od -An -tx1 -N20 /dev/urandom | tr -d ' \n')
timeout 60 radosgw-admin -c "$CONF" user create --uid=bench --display-name=bench \
  --access-key="$AK" --secret-key="$SK" >"$DIR/rgw/user.json" 2>>"$DIR/log/radosgw-admin.err" \
  || die "radosgw-admin user create failed (see $DIR/log/radosgw-admin.err)"

cat >"$DIR/env" <<EOF
S3_ENDPOINT=http://127.0.0.1:$RGW_PORT
S3_ACCESS_KEY=$AK
S3_SECRET_KEY=$SK
CEPH_CONF=$CONF
EOF
say "ready in $(( $(date +%s) - T0 )) s"
cat "$DIR/env"
