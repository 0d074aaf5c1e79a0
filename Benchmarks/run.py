#!/usr/bin/env python3
"""`make bench`: Chimera side by side with NFS-Ganesha and Ceph RadosGW, in one run.

Starts every server on loopback with its own generated config under a temp
dir, pins the server to core 0 and the load to core 1 (the same for Chimera
and its peer), warms each load up, runs it several times, and prints a table
of medians (min-max), ratios (Chimera / peer: > 1 is better for us), the
fraction of the machine's limit (a raw loopback TCP stream, an ONC RPC NULL
echo), the CPU seconds each server used, and whether a target was met. The
same goes to build/bench/ as JSON, with the git commit measured.

Nothing is asserted: timings are reported, never tested. Every wait is
bounded, every server started here is stopped here, by PID, in a `finally`.

    python3 Benchmarks/run.py [--quick] [--only GROUP,...] [--reps N] [--no-profile]

GROUPS: limits nfs s3 memory. See Benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import resource
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BUILD = ROOT / "build"
OUT = BUILD / "bench"
BIN = OUT / "bin"
CLK_TCK = os.sysconf("SC_CLK_TCK")
SERVER_CPU = "0"
CLIENT_CPU = "1"
S3_AK = "BENCHACCESSKEY000001"
S3_SK = "bench-secret-key-0000000000000000000001"
# The non-root credential of the permission-check rows, and the root side each non-root side shadows.
NON_ROOT_UID = 1000
NON_ROOT_SIDES = {"chimera:memfs:uid1000": "chimera:memfs", "chimera:linux:uid1000": "chimera:linux"}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class BenchError(Exception):
    """A server that would not start, a client that failed: reported, not fatal."""


# --------------------------------------------------------------------------- sizes


@dataclasses.dataclass
class Sizes:
    reps: int
    warmup: int
    files: int  # small files
    rand_file: int  # bytes
    rand_seconds: float
    seq_file: int
    dir_entries: int
    rdp_seconds: float
    null_seconds: float
    s3_objects: int
    s3_seconds: float
    s3_big: int
    s3_list_keys: int
    limit_seconds: float
    mem_bytes: int
    idle_conns: int
    rgw_wait: int

    @staticmethod
    def for_mode(quick: bool) -> Sizes:
        if quick:
            return Sizes(reps=1, warmup=1, files=2000, rand_file=256 << 20, rand_seconds=1.5, seq_file=256 << 20,
                         dir_entries=2000, rdp_seconds=1.5, null_seconds=1.0, s3_objects=1000, s3_seconds=1.5,
                         s3_big=64 << 20, s3_list_keys=2000, limit_seconds=1.0, mem_bytes=1 << 30, idle_conns=1000,
                         rgw_wait=40)
        return Sizes(reps=3, warmup=1, files=20000, rand_file=1 << 30, rand_seconds=5.0, seq_file=2 << 30,
                     dir_entries=10000, rdp_seconds=4.0, null_seconds=3.0, s3_objects=5000, s3_seconds=4.0,
                     s3_big=256 << 20, s3_list_keys=10000, limit_seconds=3.0, mem_bytes=1 << 30, idle_conns=1000,
                     rgw_wait=120)


# ------------------------------------------------------------------- processes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def proc_cpu_s(pid: int) -> float:
    """User + system seconds of a process (all its threads), 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    except (OSError, IndexError, ValueError):
        return 0.0


def proc_rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def machine_busy_s() -> float:
    """CPU seconds all cores spent busy since boot (for the noise estimate)."""
    parts = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    v = [int(x) for x in parts]
    idle = v[3] + (v[4] if len(v) > 4 else 0)
    return (sum(v[:8]) - idle) / CLK_TCK


def children_cpu_s() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        return state != "Z"
    except OSError:
        return False


class Server:
    """A process this run started: pinned, logged, stopped by PID."""

    def __init__(self, name: str, argv: list[str], log_path: Path, cwd: Path | None = None,
                 env: dict[str, str] | None = None, pin: str | None = SERVER_CPU):
        self.name = name
        self.log_path = log_path
        cmd = (["taskset", "-c", pin] if pin is not None else []) + argv
        self.logf = open(log_path, "ab")
        self.popen = subprocess.Popen(cmd, stdout=self.logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                      cwd=cwd, env=env, start_new_session=True)
        self.pid = self.popen.pid
        self.extra_pids: list[int] = []

    def pids(self) -> list[int]:
        return [self.pid] + self.extra_pids

    def cpu_s(self) -> float:
        return sum(proc_cpu_s(p) for p in self.pids())

    def rss(self) -> int:
        return proc_rss(self.pid)

    def running(self) -> bool:
        return self.popen.poll() is None

    def tail(self, n: int = 5) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").strip().splitlines()
            return " | ".join(lines[-n:])
        except OSError:
            return ""

    def stop(self, grace: float = 10.0) -> None:
        if self.popen.poll() is None:
            try:
                self.popen.send_signal(signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.popen.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                log(f"{self.name} (pid {self.pid}) ignored SIGTERM for {grace:.0f} s; SIGKILL")
                self.popen.kill()
                try:
                    self.popen.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    log(f"{self.name} (pid {self.pid}) did not die")
        self.logf.close()


def wait_until(what: str, cond: Callable[[], bool], timeout: float, server: Server | None = None) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        if server is not None and not server.running():
            raise BenchError(f"{server.name} exited while waiting for {what}: {server.tail()}")
        time.sleep(0.1)
    raise BenchError(f"no {what} within {timeout:.0f} s" + (f": {server.tail()}" if server else ""))


# --------------------------------------------------------------------- clients


CLIENTS = {
    "nfsload": (["nfsload.c"], ["-lnfs"]),
    "s3load": (["s3load.c"], ["-lcrypto"]),
    "tcpstream": (["tcpstream.c"], []),
    "rpcnull": (["rpcnull.c"], []),
}


def build_clients() -> None:
    BIN.mkdir(parents=True, exist_ok=True)
    src = HERE / "clients"
    for name, (files, libs) in CLIENTS.items():
        out = BIN / name
        inputs = [src / f for f in files] + [src / "common.h"]
        if out.exists() and all(out.stat().st_mtime >= p.stat().st_mtime for p in inputs):
            continue
        cmd = ["cc", "-O2", "-g", "-std=gnu11", "-Wall", "-Wextra", "-o", str(out)]
        cmd += [str(src / f) for f in files] + libs
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise SystemExit(f"bench: building {name} failed (need libnfs-dev and libssl-dev):\n{r.stderr}")
    log(f"load clients built in {BIN}")


@dataclasses.dataclass
class Sample:
    """One run of one client against one server."""

    results: dict[str, dict[str, Any]]  # by the client's "load" name
    server_cpu_s: float
    client_cpu_s: float  # the client's whole process
    wall_s: float
    other_cpu_s: float  # busy CPU on the machine that was neither
    error: str | None = None


def run_client(argv: list[str], servers: list[Server], timeout: float) -> Sample:
    """Run a load client pinned to the client core; account CPU around it."""
    cpu0 = sum(s.cpu_s() for s in servers)
    ch0 = children_cpu_s()
    busy0 = machine_busy_s()
    t0 = time.monotonic()
    try:
        r = subprocess.run(["taskset", "-c", CLIENT_CPU] + argv, capture_output=True, text=True, timeout=timeout)
        out, err, rc = r.stdout, r.stderr, r.returncode
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        err, rc = f"killed after {timeout:.0f} s", -9
    wall = time.monotonic() - t0
    server_cpu = sum(s.cpu_s() for s in servers) - cpu0
    client_cpu = children_cpu_s() - ch0
    other = max(0.0, machine_busy_s() - busy0 - server_cpu - client_cpu)
    results: dict[str, dict[str, Any]] = {}
    error = None
    for line in out.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            continue
        if "error" in obj:
            error = f"{obj.get('load', '?')}: {obj['error']}"
        else:
            results[obj["load"]] = obj
    if error is None and rc != 0:
        error = f"exit {rc}: {(err or out).strip()[-300:]}"
    dead = [s.name for s in servers if not s.running()]
    if dead:
        error = f"server {', '.join(dead)} died: {servers[0].tail(3)}" + (f" ({error})" if error else "")
    return Sample(results, server_cpu, client_cpu, wall, other, error)


# --------------------------------------------------------------------- targets


@dataclasses.dataclass
class Side:
    """One server configuration a load runs against."""

    key: str  # "chimera:memfs", "ganesha:mem", ...
    label: str
    server: Server | None
    nfs: tuple[int, int, str] | None = None  # port, mount port, export
    s3: tuple[int, str, str] | None = None  # port, access key, secret key
    down: str | None = None  # why it cannot be measured
    uid: int | None = None  # AUTH_SYS uid and gid of every NFS call; None: root

    def nfs_args(self) -> list[str]:
        assert self.nfs is not None
        port, mport, export = self.nfs
        who = ["--uid", str(self.uid), "--gid", str(self.uid)] if self.uid is not None else []
        return ["--port", str(port), "--mount-port", str(mport), "--export", export, *who]

    def s3_args(self) -> list[str]:
        assert self.s3 is not None
        port, ak, sk = self.s3
        return ["--port", str(port), "--access-key", ak, "--secret-key", sk, "--bucket", "bench"]


@dataclasses.dataclass
class Row:
    section: str
    label: str
    job: str
    result: str  # the client's load name inside the job
    metric: str  # ops_per_s | mb_per_s | p99_us
    unit: str
    chimera: str  # side key
    peer: str
    limit: str | None = None  # tcp_write | tcp_read | rpc_null
    per_op_calls: float = 1.0  # RPCs one op costs, for the fraction of the NULL limit
    target: float | None = None  # the ratio the issue asks for
    note: str = ""

    @property
    def higher_is_better(self) -> bool:
        return self.metric != "p99_us"


@dataclasses.dataclass
class Job:
    key: str
    sides: list[str]
    argv: Callable[[Side, int], list[str]]  # (side, repetition) -> client command
    timeout: float
    prepare: Callable[[Side], str | None] | None = None  # returns an error or None
    cleanup: Callable[[Side], None] | None = None


# ------------------------------------------------------------------------ run


class Bench:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.sz = Sizes.for_mode(args.quick)
        if args.reps:
            self.sz.reps = args.reps
        self.servers: list[Server] = []
        self.mounts: list[Path] = []
        self.ceph_dir: Path | None = None
        self.sides: dict[str, Side] = {}
        self.samples: dict[tuple[str, str], list[Sample]] = {}
        self.job_errors: dict[tuple[str, str], str] = {}
        self.limits: dict[str, dict[str, Any]] = {}
        self.memory: list[dict[str, Any]] = []
        self.notes: list[str] = []
        self.profiles: dict[str, dict[str, Any]] = {}
        self.rows: list[Row] = []
        self.jobs: dict[str, Job] = {}
        self.tmp = Path(tempfile.mkdtemp(prefix="cb-", dir="/tmp"))  # short: ceph admin sockets
        self.started = datetime.datetime.now(datetime.timezone.utc)
        self.t0 = time.monotonic()
        self.groups = set((args.only or "limits,nfs,s3,memory").split(","))
        self.chimera_tree = BUILD
        self.profile_prep: dict[str, Callable[[Side], str | None]] = {}
        self.profile_cleanup: dict[str, Callable[[Side], None]] = {}

    # ------------------------------------------------------------ lifecycle

    def start(self, name: str, argv: list[str], **kw: Any) -> Server:
        s = Server(name, argv, self.tmp / f"{name}.log", **kw)
        self.servers.append(s)
        log(f"started {name} (pid {s.pid})")
        return s

    def stop(self, s: Server | None) -> None:
        if s is None or s not in self.servers:
            return
        s.stop()
        self.servers.remove(s)
        log(f"stopped {s.name}")

    def stop_all(self) -> None:
        for s in reversed(list(self.servers)):
            try:
                self.stop(s)
            except Exception as e:  # keep stopping the rest
                log(f"stopping {s.name}: {e}")
        if self.ceph_dir is not None:
            self.ceph_down()
        for m in reversed(self.mounts):
            subprocess.run(["umount", "-l", str(m)], capture_output=True, timeout=30)
        self.mounts.clear()
        if not self.args.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)
        else:
            log(f"kept {self.tmp}")

    def tmpfs(self, name: str, size: str) -> Path:
        p = self.tmp / name
        p.mkdir(parents=True, exist_ok=True)
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(p)],
                           capture_output=True, text=True, timeout=30)
        if r.returncode != 0:
            raise BenchError(f"mount -t tmpfs {p}: {r.stderr.strip()}")
        self.mounts.append(p)
        return p

    def snapshot_build(self) -> None:
        """Run Chimera from a copy of build/: a `make build` elsewhere during the run neither changes what
        is measured half-way nor leaves perf with deleted files to symbolize."""
        self.chimera_tree = self.tmp / "chimera-build"
        src = BUILD / "bin" / "chimera"
        if not src.exists():
            return
        (self.chimera_tree / "bin").mkdir(parents=True)
        (self.chimera_tree / "lib" / "chimera").mkdir(parents=True)
        shutil.copy2(src, self.chimera_tree / "bin" / "chimera")
        for so in (BUILD / "lib" / "chimera").glob("*.so"):
            shutil.copy2(so, self.chimera_tree / "lib" / "chimera" / so.name)

    # ------------------------------------------------------------ limits

    def measure_limits(self) -> None:
        sz = self.sz
        log("machine limits: loopback TCP stream, ONC RPC NULL echo")
        port = free_port()
        sink = self.start("tcpstream", [str(BIN / "tcpstream"), "sink", "--port", str(port), "--seconds",
                                        str(sz.limit_seconds * 6 + 30)])
        try:
            wait_until("tcpstream sink", lambda: port_open(port), 10, sink)
            for mode in ("write", "read"):
                figs = []
                for _ in range(3):
                    s = run_client([str(BIN / "tcpstream"), "send", "--port", str(port), "--seconds",
                                    str(sz.limit_seconds), "--mode", mode], [sink], sz.limit_seconds + 20)
                    r = s.results.get(f"tcpstream.{mode}")
                    if r:
                        figs.append(r["mb_per_s"])
                    elif s.error:
                        self.notes.append(f"tcpstream {mode}: {s.error}")
                if figs:
                    # the best of three: what the machine allows, less what other processes took
                    self.limits[f"tcp_{mode}"] = {"value": max(figs), "unit": "MB/s", "runs": figs,
                                                  "what": f"one loopback TCP stream ({mode} direction), best of 3"}
        finally:
            self.stop(sink)
        port = free_port()
        echo = self.start("rpcnull", [str(BIN / "rpcnull"), "--port", str(port), "--seconds", "120"])
        try:
            wait_until("rpcnull", lambda: port_open(port), 10, echo)
            figs, cpu = [], []
            # the two shapes the NFS loads use: 4 connections x 8 in flight, 1 connection x 32
            for contexts, depth in (("4", "8"), ("1", "32"), ("4", "8"), ("1", "32")):
                s = run_client([str(BIN / "nfsload"), "--port", str(port), "--contexts", contexts, "--depth", depth,
                                "null", "--seconds", str(sz.limit_seconds)], [echo], sz.limit_seconds + 20)
                r = s.results.get("null")
                if r:
                    figs.append(r["ops_per_s"])
                    cpu.append((s.server_cpu_s, r["client_cpu_s"], r["seconds"]))
                elif s.error:
                    self.notes.append(f"rpcnull: {s.error}")
            if figs:
                srv = statistics.median(c[0] / c[2] for c in cpu)
                cli = statistics.median(c[1] / c[2] for c in cpu)
                self.limits["rpc_null"] = {
                    "value": max(figs), "unit": "calls/s", "runs": figs,
                    "what": "ONC RPC NULL echo (no work), best of 4x8 and 1x32 in flight",
                    "server_core_busy": round(srv, 2), "client_core_busy": round(cli, 2)}
                if cli > 0.9 and cli > srv:
                    self.notes.append(
                        f"The RPC NULL limit is client-bound (client core {cli:.0%} busy, echo server {srv:.0%}): "
                        "it is what this client and machine allow, not what a server core could answer.")
        finally:
            self.stop(echo)

    # ------------------------------------------------------------ servers

    def rpcbind(self) -> None:
        if any(s.name == "rpcbind" for s in self.servers):
            return
        if port_open(111):
            log("a portmapper already answers on port 111; using it (not ours to stop)")
            return
        rb = shutil.which("rpcbind") or "/usr/sbin/rpcbind"
        s = self.start("rpcbind", [rb, "-f", "-w"], pin=None)
        wait_until("rpcbind on port 111", lambda: port_open(111), 10, s)

    def ganesha(self, name: str = "ganesha") -> tuple[Server, int, int, Path]:
        nfs, mnt = free_port(), free_port()
        vfs = self.tmpfs_root / name
        vfs.mkdir()
        rec = self.tmp / f"{name}-recovery"
        rec.mkdir()
        conf = (HERE / "peers" / "ganesha.conf.in").read_text()
        conf = conf.replace("@NFS_PORT@", str(nfs)).replace("@MNT_PORT@", str(mnt))
        conf = conf.replace("@RECOVERY@", str(rec)).replace("@VFS_PATH@", str(vfs))
        cp = self.tmp / f"{name}.conf"
        cp.write_text(conf)
        glog = self.tmp / f"{name}.nfsd.log"
        g = self.start(name, ["ganesha.nfsd", "-F", "-f", str(cp), "-L", str(glog), "-p",
                              str(self.tmp / f"{name}.pid"), "-N", "NIV_EVENT"])

        def ready() -> bool:
            try:
                return "NFS SERVER INITIALIZED" in glog.read_text(errors="replace")
            except OSError:
                return False

        wait_until("Ganesha 'NFS SERVER INITIALIZED'", ready, 60, g)
        wait_until("Ganesha NFS port", lambda: port_open(nfs), 10, g)
        return g, nfs, mnt, vfs

    def chimera_plugins(self) -> tuple[list[str], list[str]]:
        """The protocol plugins this build has (a shared object with the entry symbol)."""
        have, missing = [], []
        for proto in ("nfs", "s3"):
            so = self.chimera_tree / "lib" / "chimera" / f"chimera_proto_{proto}.so"
            ok = False
            if so.exists():
                r = subprocess.run(["nm", "-D", "--defined-only", str(so)], capture_output=True, text=True,
                                   timeout=30)
                ok = "chimera_protocol_module_v1" in r.stdout
            (have if ok else missing).append(proto)
        return have, missing

    def chimera(self, name: str, protocols: list[str], vfs: dict[str, Any], mounts: dict[str, Any],
                s3_bucket_root: str | None = None) -> tuple[Server, dict[str, int]]:
        exe = self.chimera_tree / "bin" / "chimera"
        if not exe.exists():
            raise BenchError(f"{BUILD / 'bin' / 'chimera'} is missing: run `make build`")
        ports: dict[str, int] = {}
        protos: dict[str, Any] = {}
        if "nfs" in protocols:
            ports["nfs"], ports["mount"] = free_port(), free_port()
            protos["nfs"] = {"port": ports["nfs"], "mount_port": ports["mount"], "portmap_port": 0}
        if "s3" in protocols:
            ports["s3"] = free_port()
            protos["s3"] = {"port": ports["s3"], "credentials": [{"access_key": S3_AK, "secret_key": S3_SK}]}
            if s3_bucket_root:
                protos["s3"]["bucket_root"] = s3_bucket_root
        config = {
            "server": {"threads": 1, "delegation_threads": 2, "log_level": "notice", "vfs": vfs,
                       "protocols": protos},
            "mounts": mounts,
        }
        cp = self.tmp / f"{name}.json"
        cp.write_text(json.dumps(config, indent=2))
        chk = subprocess.run([str(exe), "check", "--config", str(cp)], capture_output=True, text=True, timeout=60)
        if chk.returncode != 0:
            raise BenchError(f"chimera check refused the config: {(chk.stderr or chk.stdout).strip()[-400:]}")
        s = self.start(name, [str(exe), "serve", "--config", str(cp)])
        for key, port in ports.items():
            wait_until(f"{name} {key} port {port}", lambda p=port: port_open(p), 30, s)
        return s, ports

    def ceph_up(self) -> tuple[list[int], int, str, str]:
        self.ceph_dir = self.tmp / "ceph"
        port = free_port()
        env = dict(os.environ, CEPH_CPUS=SERVER_CPU, CEPH_WAIT_S=str(self.sz.rgw_wait),
                   CEPH_MON_PORT=str(self._free_pair()))
        t0 = time.monotonic()
        r = subprocess.run(["bash", str(HERE / "peers" / "ceph-up.sh"), str(self.ceph_dir), str(port)], env=env,
                           capture_output=True, text=True, timeout=self.sz.rgw_wait * 4 + 60)
        if r.returncode != 0:
            raise BenchError("RGW did not start: " + " | ".join(r.stderr.strip().splitlines()[-3:]))
        vals = dict(line.split("=", 1) for line in (self.ceph_dir / "env").read_text().split() if "=" in line)
        pids = [int((self.ceph_dir / "pids" / n).read_text()) for n in ("mon", "mgr", "osd", "rgw")]
        log(f"Ceph RGW up in {time.monotonic() - t0:.0f} s on port {port}")
        return pids, port, vals["S3_ACCESS_KEY"], vals["S3_SECRET_KEY"]

    def ceph_down(self) -> None:
        if self.ceph_dir is None:
            return
        subprocess.run(["bash", str(HERE / "peers" / "ceph-down.sh"), str(self.ceph_dir)], capture_output=True,
                       timeout=60)
        log("stopped Ceph")
        self.ceph_dir = None

    @staticmethod
    def _free_pair() -> int:
        for _ in range(50):
            p = free_port()
            if p < 65000 and not port_open(p + 1):
                return p
        return 41000

    # ------------------------------------------------------------ running jobs

    def run_job(self, job: Job) -> None:
        sides = [self.sides[k] for k in job.sides if k in self.sides]
        live: list[Side] = []
        for side in sides:
            if side.down:
                self.job_errors[(job.key, side.key)] = side.down
                continue
            if job.prepare is not None:
                err = job.prepare(side)
                if err:
                    self.job_errors[(job.key, side.key)] = f"setup: {err}"
                    continue
            live.append(side)
        total = self.sz.warmup + self.sz.reps
        for rep in range(total):
            warm = rep < self.sz.warmup
            for side in live:
                if (job.key, side.key) in self.job_errors:
                    continue
                assert side.server is not None
                s = run_client(job.argv(side, rep), [side.server], job.timeout)
                tag = "warm-up" if warm else f"run {rep - self.sz.warmup + 1}/{self.sz.reps}"
                if s.error:
                    log(f"  {job.key} on {side.key} ({tag}): FAILED {s.error}")
                    self.job_errors[(job.key, side.key)] = s.error
                    continue
                brief = ", ".join(f"{k} {v['ops_per_s']:.0f}/s"
                                  + (f" {v['mb_per_s']:.0f} MB/s" if v.get("mb_per_s", 0) >= 1 else "")
                                  for k, v in s.results.items())
                log(f"  {job.key} on {side.key} ({tag}): {brief}")
                if not warm:
                    self.samples.setdefault((job.key, side.key), []).append(s)
        if job.cleanup is not None:
            for side in live:
                try:
                    job.cleanup(side)
                except Exception as e:
                    log(f"  cleanup of {job.key} on {side.key}: {e}")

    # ------------------------------------------------------------ NFS

    def nfs_client(self, side: Side, *args: str, contexts: int = 1, depth: int = 1,
                   timeout: float = 600) -> list[str]:
        return [str(BIN / "nfsload"), *side.nfs_args(), "--contexts", str(contexts), "--depth", str(depth),
                "--timeout", str(timeout), *args]

    def nfs_once(self, side: Side, *args: str, timeout: float = 600) -> str | None:
        assert side.server is not None
        s = run_client(self.nfs_client(side, *args, depth=8, timeout=timeout), [side.server], timeout + 15)
        return s.error

    def nfs_section(self) -> None:
        sz = self.sz
        g: Server | None = None
        try:
            self.rpcbind()
            g, gnfs, gmnt, _ = self.ganesha()
            self.sides["ganesha:mem"] = Side("ganesha:mem", "Ganesha MEM", g, nfs=(gnfs, gmnt, "/mem"))
            self.sides["ganesha:vfs"] = Side("ganesha:vfs", "Ganesha VFS (tmpfs)", g, nfs=(gnfs, gmnt, "/vfs"))
        except BenchError as e:
            log(f"Ganesha did not start: {e}")
            self.notes.append(f"Ganesha did not start: {e}")
            self.sides["ganesha:mem"] = Side("ganesha:mem", "Ganesha MEM", None, down=str(e))
            self.sides["ganesha:vfs"] = Side("ganesha:vfs", "Ganesha VFS (tmpfs)", None, down=str(e))
        c = self.chimera_main
        if c is None or "nfs" not in self.chimera_ports:
            why = self.chimera_down or "Chimera has no NFS front-end in this build"
            for k in ("chimera:memfs", "chimera:linux", "chimera:io_uring", *NON_ROOT_SIDES):
                self.sides[k] = Side(k, k, None, down=why)
        else:
            nfs, mnt = self.chimera_ports["nfs"], self.chimera_ports["mount"]
            self.sides["chimera:memfs"] = Side("chimera:memfs", "Chimera memfs", c, nfs=(nfs, mnt, "/memfs"))
            self.sides["chimera:linux"] = Side("chimera:linux", "Chimera linux (tmpfs)", c,
                                               nfs=(nfs, mnt, "/linux"))
            self.sides["chimera:io_uring"] = Side("chimera:io_uring", "Chimera io_uring (tmpfs)", c,
                                                  nfs=(nfs, mnt, "/io_uring"))
            # The same server and exports, every call as uid/gid 1000: the core's permission check (search on
            # each directory crossed, write + search on the parent) is then really evaluated, not short-cut for
            # root. The linux export's directory is mode 1777 (see run()) so uid 1000 may create there.
            for k, root_side in NON_ROOT_SIDES.items():
                base = self.sides[root_side]
                self.sides[k] = Side(k, f"{base.label} as uid {NON_ROOT_UID}", c, nfs=base.nfs, uid=NON_ROOT_UID)
        small_sides = ["chimera:memfs", "ganesha:mem", "chimera:linux", "chimera:io_uring", "ganesha:vfs"]
        # Each non-root side runs right after its root side in every repetition, so the ratio compares like with like.
        smallfile_sides = [k for s in small_sides for k in (s, *(n for n, r in NON_ROOT_SIDES.items() if r == s))]
        large_sides = ["chimera:memfs", "chimera:linux", "chimera:io_uring", "ganesha:vfs"]
        t = 600.0

        def smallfiles(side: Side, rep: int) -> list[str]:
            # a root side and its non-root twin share an export: each needs its own fresh directory
            tag = f"-u{side.uid}" if side.uid is not None else ""
            return self.nfs_client(side, "smallfiles", "--dir", f"sf-{rep}{tag}", "--files", str(sz.files),
                                   contexts=8, depth=4, timeout=t)

        self.jobs["nfs.smallfiles"] = Job("nfs.smallfiles", smallfile_sides, smallfiles, t + 15)

        def rand_prep(side: Side) -> str | None:
            return self.nfs_once(side, "seqwrite", "--file", "rand.dat", "--size", str(sz.rand_file))

        def rand_remove(side: Side) -> None:
            self.nfs_once(side, "rm", "--file", "rand.dat")

        for mode in ("randread", "randwrite"):
            def rand(side: Side, rep: int, mode: str = mode) -> list[str]:
                return self.nfs_client(side, mode, "--file", "rand.dat", "--seconds", str(sz.rand_seconds),
                                       "--bs", "4096", contexts=1, depth=32, timeout=sz.rand_seconds + 120)

            self.jobs[f"nfs.{mode}"] = Job(f"nfs.{mode}", large_sides, rand, sz.rand_seconds + 140,
                                           prepare=rand_prep if mode == "randread" else None)
            self.profile_prep[f"nfs.{mode}"] = rand_prep
            self.profile_cleanup[f"nfs.{mode}"] = rand_remove

        def seqwrite(side: Side, rep: int) -> list[str]:
            return self.nfs_client(side, "seqwrite", "--file", "seq.dat", "--size", str(sz.seq_file), "--bs",
                                   str(1 << 20), contexts=1, depth=4, timeout=t)

        def seqread(side: Side, rep: int) -> list[str]:
            return self.nfs_client(side, "seqread", "--file", "seq.dat", "--bs", str(1 << 20), contexts=1,
                                   depth=4, timeout=t)

        self.jobs["nfs.seqwrite"] = Job("nfs.seqwrite", large_sides, seqwrite, t + 15)
        self.jobs["nfs.seqread"] = Job("nfs.seqread", large_sides, seqread, t + 15)

        def rdp_prep(side: Side) -> str | None:
            return self.nfs_once(side, "readdirplus", "--dir", "rdp", "--entries", str(sz.dir_entries),
                                 "--prepare", "--seconds", "0.1")

        def rdp(side: Side, rep: int) -> list[str]:
            return self.nfs_client(side, "readdirplus", "--dir", "rdp", "--entries", str(sz.dir_entries),
                                   "--seconds", str(sz.rdp_seconds), "--maxcount", "32768", contexts=1, depth=1,
                                   timeout=sz.rdp_seconds + 120)

        self.jobs["nfs.readdirplus"] = Job("nfs.readdirplus", small_sides, rdp, sz.rdp_seconds + 140,
                                           prepare=rdp_prep)

        def null(side: Side, rep: int) -> list[str]:
            return self.nfs_client(side, "null", "--seconds", str(sz.null_seconds), contexts=4, depth=8,
                                   timeout=sz.null_seconds + 60)

        self.jobs["nfs.null"] = Job("nfs.null", ["chimera:memfs", "ganesha:mem"], null, sz.null_seconds + 70)

        order = ["nfs.null", "nfs.smallfiles", "nfs.readdirplus", "nfs.randread", "nfs.randwrite", "nfs.seqwrite",
                 "nfs.seqread"]
        for key in order:
            log(f"{key}")
            self.run_job(self.jobs[key])
            if key == "nfs.randwrite":
                for k in large_sides:
                    side = self.sides[k]
                    if not side.down and side.server is not None:
                        rand_remove(side)

        self.add_nfs_rows()
        self.stop(g)

    def add_nfs_rows(self) -> None:
        large_note = "Ganesha MEM keeps only ~1 MiB of a file's data: the peer is Ganesha VFS on tmpfs"
        seq_note = large_note + "; the target is also >= 50% of the raw TCP stream (%limit C)"
        pairs = [
            ("NFSv3  Chimera memfs  vs  Ganesha MEM", "chimera:memfs", "ganesha:mem", "ganesha:vfs"),
            ("NFSv3  Chimera linux module  vs  Ganesha VFS, same tmpfs", "chimera:linux", "ganesha:vfs", None),
            ("NFSv3  Chimera io_uring module  vs  Ganesha VFS, same tmpfs", "chimera:io_uring", "ganesha:vfs", None),
        ]
        for section, ch, peer, large_peer in pairs:
            mem = ch == "chimera:memfs"
            lp = large_peer or peer

            def tg(mem_target: float | None, vfs_target: float = 1.5) -> float | None:
                return mem_target if mem else vfs_target

            self.rows += [
                Row(section, "small files: create + write 4 KiB", "nfs.smallfiles", "smallfiles.create",
                    "ops_per_s", "files/s", ch, peer, "rpc_null", 2.0, tg(2.0)),
                Row(section, "small files: stat (LOOKUP)", "nfs.smallfiles", "smallfiles.stat", "ops_per_s",
                    "files/s", ch, peer, "rpc_null", 1.0, tg(2.0)),
                Row(section, "small files: remove", "nfs.smallfiles", "smallfiles.remove", "ops_per_s", "files/s",
                    ch, peer, "rpc_null", 1.0, tg(2.0)),
                Row(section, "4 KiB random read, QD 32", "nfs.randread", "randread", "ops_per_s", "IOPS", ch, lp,
                    "rpc_null", 1.0, tg(2.0), large_note if mem else ""),
                Row(section, "4 KiB random read p99 (lower is better)", "nfs.randread", "randread", "p99_us", "us",
                    ch, lp, None, 1.0, tg(1.0), large_note if mem else ""),
                Row(section, "4 KiB random write, QD 32", "nfs.randwrite", "randwrite", "ops_per_s", "IOPS", ch, lp,
                    "rpc_null", 1.0, tg(None), large_note if mem else ""),
                Row(section, "4 KiB random write p99 (lower is better)", "nfs.randwrite", "randwrite", "p99_us",
                    "us", ch, lp, None, 1.0, tg(None), large_note if mem else ""),
                Row(section, "sequential write, 1 MiB", "nfs.seqwrite", "seqwrite", "mb_per_s", "MB/s", ch, lp,
                    "tcp_write", 1.0, tg(1.5), seq_note if mem else ""),
                Row(section, "sequential read, 1 MiB", "nfs.seqread", "seqread", "mb_per_s", "MB/s", ch, lp,
                    "tcp_read", 1.0, tg(1.5), seq_note if mem else ""),
                Row(section, f"READDIRPLUS of {self.sz.dir_entries:,} entries", "nfs.readdirplus", "readdirplus",
                    "ops_per_s", "entries/s", ch, peer, None, 1.0, tg(3.0)),
            ]
            if mem:
                self.rows.append(Row(section, "RPC NULL calls, 4 x 8 in flight", "nfs.null", "null", "ops_per_s",
                                     "calls/s", ch, peer, "rpc_null", 1.0, None))
        # Issue #10: what the core's permission check costs. Same server, same load, same repetition; only the
        # AUTH_SYS credential differs. "ratio" here is uid 1000 / root: 1.00x means the check is free.
        section = f"NFSv3  permission check: Chimera as uid {NON_ROOT_UID} vs root, same server and load"
        note = (f"ratio = uid {NON_ROOT_UID} / root (below 1: what checking mode bits on every op costs); "
                "the 'peer' column is the same Chimera export as root")
        for non_root, root in NON_ROOT_SIDES.items():
            module = root.split(":", 1)[1]
            for result, what, calls in (("smallfiles.create", "create + write 4 KiB", 2.0),
                                        ("smallfiles.stat", "stat (LOOKUP)", 1.0),
                                        ("smallfiles.remove", "remove", 1.0)):
                self.rows.append(Row(section, f"{module} small files: {what}", "nfs.smallfiles", result, "ops_per_s",
                                     "files/s", non_root, root, "rpc_null", calls, None, note))

    # ------------------------------------------------------------ S3

    def s3_section(self) -> None:
        sz = self.sz
        c = self.chimera_main
        if c is None or "s3" not in self.chimera_ports:
            why = self.chimera_down or "Chimera has no S3 front-end in this build"
            self.sides["chimera:s3"] = Side("chimera:s3", "Chimera memfs bucket", None, down=why)
        else:
            self.sides["chimera:s3"] = Side("chimera:s3", "Chimera memfs bucket", c,
                                            s3=(self.chimera_ports["s3"], S3_AK, S3_SK))
        rgw_server: Server | None = None
        try:
            pids, port, ak, sk = self.ceph_up()
            # account the whole Ceph stack (mon, mgr, osd, rgw) as the peer server
            rgw_server = _Adopted("ceph-rgw", pids)
            self.sides["rgw"] = Side("rgw", "Ceph RGW (memstore)", rgw_server, s3=(port, ak, sk))
        except (BenchError, subprocess.TimeoutExpired) as e:
            msg = f"RGW skipped: {e}" if self.args.quick else f"RGW failed: {e}"
            log(msg)
            self.notes.append(msg)
            self.sides["rgw"] = Side("rgw", "Ceph RGW", None, down=str(e))
        sides = ["chimera:s3", "rgw"]
        t = 600.0

        def s3(side: Side, *args: str, conns: int = 16, timeout: float = t) -> list[str]:
            return [str(BIN / "s3load"), *side.s3_args(), "--conns", str(conns), "--timeout", str(timeout), *args]

        def mkbucket(side: Side) -> str | None:
            assert side.server is not None
            return run_client(s3(side, "mkbucket", conns=1, timeout=30), [side.server], 45).error

        for op in ("put", "get", "head", "delete"):
            def small(side: Side, rep: int, op: str = op) -> list[str]:
                extra = ["--seconds", str(sz.s3_seconds)] if op in ("get", "head") else []
                return s3(side, op, "--prefix", f"small/", "--count", str(sz.s3_objects), "--size", "4096", *extra)

            self.jobs[f"s3.{op}"] = Job(f"s3.{op}", sides, small, t + 15, prepare=mkbucket if op == "put" else None)
        # put, get, head and delete go round together: each repetition PUTs the keys it then reads and deletes
        self.run_s3_small(sides)

        def big(side: Side, rep: int, op: str) -> list[str]:
            return s3(side, op, "--key", "big.bin", "--size", str(sz.s3_big), conns=1)

        self.jobs["s3.bigput"] = Job("s3.bigput", sides, lambda s, r: big(s, r, "bigput"), t + 15)
        self.jobs["s3.bigget"] = Job("s3.bigget", sides, lambda s, r: big(s, r, "bigget"), t + 15)

        def list_prep(side: Side) -> str | None:
            assert side.server is not None
            return run_client(s3(side, "list", "--prefix", "list/", "--count", str(sz.s3_list_keys), "--prepare",
                                 "--seconds", "0.1"), [side.server], t + 15).error

        def listing(side: Side, rep: int) -> list[str]:
            return s3(side, "list", "--prefix", "list/", "--count", str(sz.s3_list_keys), "--seconds",
                      str(sz.s3_seconds), conns=1)

        self.jobs["s3.list"] = Job("s3.list", sides, listing, t + 15, prepare=list_prep)
        for key in ("s3.bigput", "s3.bigget", "s3.list"):
            log(key)
            self.run_job(self.jobs[key])
        section = "S3  Chimera memfs bucket  vs  Ceph RGW (memstore OSD)"
        for op, target in (("put", 3.0), ("get", 3.0), ("head", None), ("delete", None)):
            self.rows.append(Row(section, f"4 KiB {op.upper()}, 16 connections", f"s3.{op}", op, "ops_per_s",
                                 "ops/s", "chimera:s3", "rgw", "rpc_null", 1.0, target))
            self.rows.append(Row(section, f"4 KiB {op.upper()} p99 (lower is better)", f"s3.{op}", op, "p99_us",
                                 "us", "chimera:s3", "rgw", None, 1.0, None))
        self.rows += [
            Row(section, f"{self.sz.s3_big >> 20} MiB PUT", "s3.bigput", "bigput", "mb_per_s", "MB/s", "chimera:s3",
                "rgw", "tcp_write", 1.0, 2.0),
            Row(section, f"{self.sz.s3_big >> 20} MiB GET", "s3.bigget", "bigget", "mb_per_s", "MB/s", "chimera:s3",
                "rgw", "tcp_read", 1.0, 2.0),
            Row(section, f"ListObjectsV2 over {self.sz.s3_list_keys:,} keys", "s3.list", "list", "ops_per_s",
                "keys/s", "chimera:s3", "rgw", None, 1.0, None),
        ]
        self.ceph_down()

    def run_s3_small(self, sides: list[str]) -> None:
        """PUT, GET, HEAD, DELETE as one round per side and repetition (each needs the keys the PUT made)."""
        log("s3.put / s3.get / s3.head / s3.delete")
        live = []
        for k in sides:
            side = self.sides[k]
            if side.down:
                for op in ("put", "get", "head", "delete"):
                    self.job_errors[(f"s3.{op}", k)] = side.down
                continue
            prep = self.jobs["s3.put"].prepare
            err = prep(side) if prep else None
            if err:
                for op in ("put", "get", "head", "delete"):
                    self.job_errors[(f"s3.{op}", k)] = f"create bucket: {err}"
                continue
            live.append(side)
        for rep in range(self.sz.warmup + self.sz.reps):
            warm = rep < self.sz.warmup
            for side in live:
                assert side.server is not None
                for op in ("put", "get", "head", "delete"):
                    job = self.jobs[f"s3.{op}"]
                    if (job.key, side.key) in self.job_errors:
                        break
                    s = run_client(job.argv(side, rep), [side.server], job.timeout)
                    if s.error:
                        log(f"  {job.key} on {side.key}: FAILED {s.error}")
                        for o in ("put", "get", "head", "delete"):
                            self.job_errors.setdefault((f"s3.{o}", side.key), s.error)
                        break
                    r = s.results.get(op, {})
                    log(f"  {job.key} on {side.key} ({'warm-up' if warm else 'run'}): "
                        f"{r.get('ops_per_s', 0):.0f}/s p99 {r.get('p99_us', 0):.0f} us")
                    if not warm:
                        self.samples.setdefault((job.key, side.key), []).append(s)

    # ------------------------------------------------------------ memory

    def idle_connections(self, who: str, server: Server, port: int) -> None:
        n = self.sz.idle_conns
        socks: list[socket.socket] = []
        try:
            time.sleep(0.5)
            before = server.rss()
            for i in range(n):
                s = socket.create_connection(("127.0.0.1", port), timeout=5)
                # record mark, xid, CALL, RPC 2, NFS 3, NULL, AUTH_NONE credential and verifier
                call = struct.pack(">11I", 0x80000000 | 40, 0x10000 + i, 0, 2, 100003, 3, 0, 0, 0, 0, 0)
                s.sendall(call)
                socks.append(s)
            answered = 0
            for s in socks:
                try:
                    s.settimeout(5)
                    if len(s.recv(64)) >= 8:
                        answered += 1
                except OSError:
                    pass
            time.sleep(1.0)
            after = server.rss()
            per = (after - before) / n
            self.memory.append({"what": f"{who}: RSS per idle NFS connection", "server": who,
                                "value": per, "unit": "bytes", "connections": n, "answered_null": answered,
                                "rss_before": before, "rss_after": after,
                                "target": 64 * 1024 if who == "Chimera" else None})
            log(f"{who}: {n} idle connections ({answered} answered a NULL call): RSS {before >> 20} -> "
                f"{after >> 20} MiB, {per / 1024:.1f} KiB each")
        except OSError as e:
            self.memory.append({"what": f"{who}: RSS per idle NFS connection", "server": who,
                                "error": f"after {len(socks)} connections: {e}"})
        finally:
            for s in socks:
                s.close()

    def memory_section(self) -> None:
        """A fresh Chimera with an empty memfs: RSS after 1 GiB of file data, and per idle connection.
        The peer's idle-connection cost is measured on a fresh Ganesha the same way (a server that has
        already run loads has free heap to put new connections in, which would flatter it)."""
        try:
            self.rpcbind()
            g, gnfs, _, _ = self.ganesha("ganesha-idle")
            try:
                self.idle_connections("Ganesha", g, gnfs)
            finally:
                self.stop(g)
        except BenchError as e:
            self.memory.append({"what": "Ganesha: RSS per idle NFS connection", "error": str(e)})
        have, _ = self.chimera_plugins()
        if "nfs" not in have:
            self.memory.append({"what": "Chimera memfs RSS holding 1 GiB", "error": "no NFS front-end in this build"})
            self.memory.append({"what": "Chimera: RSS per idle NFS connection", "error": "no NFS front-end"})
            return
        try:
            c, ports = self.chimera("chimera-mem", ["nfs"], {"memfs": {}}, {"memfs": {"module": "memfs"}})
        except BenchError as e:
            self.memory.append({"what": "Chimera memfs RSS holding 1 GiB", "error": str(e)})
            return
        try:
            side = Side("chimera:mem", "Chimera memfs", c, nfs=(ports["nfs"], ports["mount"], "/memfs"))
            time.sleep(0.5)
            rss0 = c.rss()
            err = self.nfs_once(side, "seqwrite", "--file", "one-gib.dat", "--size", str(self.sz.mem_bytes))
            time.sleep(0.5)
            rss1 = c.rss()
            if err:
                self.memory.append({"what": "Chimera memfs RSS holding 1 GiB", "error": err})
            else:
                self.memory.append({"what": f"Chimera memfs RSS holding {self.sz.mem_bytes >> 20} MiB of file data",
                                    "server": "Chimera", "value": rss1, "unit": "bytes", "rss_empty": rss0,
                                    "target": int(1.3 * (1 << 30))})
                log(f"Chimera memfs with {self.sz.mem_bytes >> 20} MiB written: RSS {rss0 >> 20} -> {rss1 >> 20} MiB")
            self.idle_connections("Chimera", c, ports["nfs"])
        finally:
            self.stop(c)

    # ------------------------------------------------------------ profile

    def profile_misses(self, figures: list[dict[str, Any]]) -> None:
        """perf record Chimera through one more run of each load that missed its target."""
        if not shutil.which("perf"):
            self.notes.append("perf is not installed: no profiles of missed targets")
            return
        done: set[tuple[str, str]] = set()
        for f in figures:
            if f.get("target_met") is not False or len(done) >= self.args.max_profiles:
                continue
            key = (f["job"], f["chimera_side"])
            if key in done or key[1] not in self.sides:
                continue
            side = self.sides[key[1]]
            job = self.jobs.get(key[0])
            if job is None or side.server is None or not side.server.running():
                continue
            done.add(key)
            prep = self.profile_prep.get(key[0])
            if prep is not None and prep(side):
                continue
            log(f"profiling Chimera on {key[0]} ({key[1]})")
            data = self.tmp / f"perf-{len(done)}.data"
            perf = subprocess.Popen(["perf", "record", "-e", "cpu-clock", "-F", "999", "-g", "-o", str(data), "-p",
                                     str(side.server.pid)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                    start_new_session=True)
            try:
                time.sleep(1.0)  # perf attaches to every thread before the load starts
                # short loads run again until there are enough samples (3 s), within a bound
                t_end = time.monotonic() + 3.0
                for n in range(20):
                    run_client(job.argv(side, 99 + n), [side.server], job.timeout)
                    if time.monotonic() >= t_end:
                        break
            finally:
                perf.send_signal(signal.SIGINT)
                try:
                    perf.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    perf.kill()
                    perf.wait(timeout=10)
            cleanup = self.profile_cleanup.get(key[0])
            if cleanup is not None:
                cleanup(side)
            rep = subprocess.run(["perf", "report", "-i", str(data), "--stdio", "--no-children", "--sort",
                                  "dso,symbol", "--percent-limit", "1.5", "-g", "none"], capture_output=True,
                                 text=True, timeout=300)
            top = []
            for line in rep.stdout.splitlines():
                line = line.strip()
                if not line or line.startswith("#") or "%" not in line:
                    continue
                parts = line.split(None, 2)
                if len(parts) == 3 and parts[0].endswith("%"):
                    symbol = parts[2].replace("[.] ", "").replace("[k] ", "[kernel] ")
                    while symbol.endswith(" -") or symbol.endswith("\t-"):
                        symbol = symbol[:-2].rstrip()
                    top.append({"percent": float(parts[0].rstrip("%")), "dso": parts[1], "symbol": symbol.strip()})
            top = demangle(top[:12])
            prof = {"job": key[0], "side": key[1], "top": top, "hint": profile_hint(top)}
            self.profiles[f"{key[0]}@{key[1]}"] = prof

    # ------------------------------------------------------------ main

    def run(self) -> int:
        sz = self.sz
        mode = "QUICK" if self.args.quick else "full"
        log(f"make bench ({mode}): {sz.reps} run(s) of each load after {sz.warmup} warm-up; server on core "
            f"{SERVER_CPU}, load on core {CLIENT_CPU}; temp dir {self.tmp}")
        build_clients()
        self.snapshot_build()
        self.chimera_main: Server | None = None
        self.chimera_ports: dict[str, int] = {}
        self.chimera_down: str | None = None
        self.tmpfs_root = self.tmpfs("tmpfs", "16g")
        try:
            if "limits" in self.groups:
                self.measure_limits()
            have, missing = self.chimera_plugins()
            if missing:
                self.notes.append("Chimera front-ends missing from this build (their rows show as failed): "
                                  + ", ".join(f"chimera_proto_{m}.so" for m in missing))
            want = [p for p in have if (p == "nfs" and "nfs" in self.groups) or (p == "s3" and "s3" in self.groups)]
            if want:
                for d in ("linux", "io_uring"):
                    (self.tmpfs_root / d).mkdir()
                # uid 1000 creates its small files at the linux export's root (memfs's root is already 0777)
                os.chmod(self.tmpfs_root / "linux", 0o1777)
                try:
                    self.chimera_main, self.chimera_ports = self.chimera(
                        "chimera", want,
                        {"memfs": {}, "linux": {"config": {"root": str(self.tmpfs_root / "linux")}},
                         "io_uring": {"config": {"root": str(self.tmpfs_root / "io_uring")}}},
                        {"memfs": {"module": "memfs"}, "linux": {"module": "linux"},
                         "io_uring": {"module": "io_uring"}},
                        s3_bucket_root="/memfs")
                except BenchError as e:
                    self.chimera_down = str(e)
                    log(f"Chimera did not start: {e}")
            else:
                self.chimera_down = "no Chimera front-end for this protocol in the build"
            if "nfs" in self.groups:
                try:
                    self.nfs_section()
                except BenchError as e:
                    self.notes.append(f"NFS section stopped: {e}")
                    log(f"NFS section stopped: {e}")
            if "s3" in self.groups:
                try:
                    self.s3_section()
                except BenchError as e:
                    self.notes.append(f"S3 section stopped: {e}")
            figures = self.figures()
            if self.args.profile and any(f.get("target_met") is False for f in figures):
                self.profile_misses(figures)
            if self.chimera_main is not None:
                self.stop(self.chimera_main)
            if "memory" in self.groups:
                self.memory_section()
        finally:
            self.stop_all()
        figures = self.figures()
        report = self.report(figures)
        print(report)
        self.write_json(figures, report)
        return 0

    # ------------------------------------------------------------ figures

    def side_summary(self, job: str, side: str, result: str, metric: str) -> dict[str, Any]:
        err = self.job_errors.get((job, side))
        samples = self.samples.get((job, side), [])
        vals, scpu, ccpu, other, busy_client = [], [], [], [], []
        for s in samples:
            r = s.results.get(result)
            if r is None:
                continue
            vals.append(float(r[metric]))
            scpu.append(s.server_cpu_s)
            ccpu.append(r["client_cpu_s"])
            other.append(s.other_cpu_s / max(s.wall_s, 1e-9))
            busy_client.append(r["client_cpu_s"] > s.server_cpu_s)
        if not vals:
            return {"error": err or "no result"}
        out = {"median": statistics.median(vals), "min": min(vals), "max": max(vals), "runs": vals,
               "server_cpu_s": statistics.median(scpu), "client_cpu_s": statistics.median(ccpu),
               "client_busier_than_server": any(busy_client), "other_load": round(statistics.median(other), 2)}
        if err:
            out["error"] = err
        return out

    def figures(self) -> list[dict[str, Any]]:
        out = []
        for row in self.rows:
            ch = self.side_summary(row.job, row.chimera, row.result, row.metric)
            pe = self.side_summary(row.job, row.peer, row.result, row.metric)
            f: dict[str, Any] = {
                "section": row.section, "load": row.label, "job": row.job, "unit": row.unit, "metric": row.metric,
                "chimera_side": row.chimera, "peer_side": row.peer,
                "peer": self.sides[row.peer].label if row.peer in self.sides else row.peer,
                "chimera_figure": ch, "peer_figure": pe, "note": row.note,
            }
            ratio = None
            if "median" in ch and "median" in pe and ch["median"] > 0 and pe["median"] > 0:
                ratio = ch["median"] / pe["median"] if row.higher_is_better else pe["median"] / ch["median"]
            f["ratio"] = ratio
            lim = self.limits.get(row.limit) if row.limit else None
            f["machine_limit"] = ({"name": row.limit, "value": lim["value"], "unit": lim["unit"],
                                   "what": lim["what"]} if lim else None)
            if lim and "median" in ch:
                f["fraction_of_limit"] = ch["median"] * row.per_op_calls / lim["value"]
            else:
                f["fraction_of_limit"] = None
            target = row.target
            if row.metric == "p99_us" and target is not None:
                target = 1.0  # "with a lower p99": p99 ratio (peer/Chimera) above 1
            f["target_ratio"] = target
            met = None
            if target is not None and ratio is not None:
                met = ratio >= target if row.metric != "p99_us" else ratio > target
                if row.metric == "mb_per_s" and row.limit and row.chimera == "chimera:memfs" and lim:
                    # sequential I/O on memfs must also reach half the raw loopback stream
                    f["target_limit_fraction"] = 0.5
                    met = met and (f["fraction_of_limit"] or 0) >= 0.5
            f["target_met"] = met
            f["profile"] = self.profiles.get(f"{row.job}@{row.chimera}")
            out.append(f)
        return out

    def row_calls(self, f: dict[str, Any]) -> float:
        for row in self.rows:
            if row.label == f["load"] and row.section == f["section"]:
                return row.per_op_calls
        return 1.0

    def report(self, figures: list[dict[str, Any]]) -> str:
        lines: list[str] = []
        commit, dirty = git_commit()
        elapsed = time.monotonic() - self.t0
        lines.append("")
        lines.append(f"Chimera side-by-side benchmark ({'QUICK' if self.args.quick else 'full'}), commit "
                     f"{commit[:12]}{' (working tree modified)' if dirty else ''}, "
                     f"{self.started.strftime('%Y-%m-%d %H:%M UTC')}, {elapsed / 60:.1f} min")
        lines.append(f"server pinned to core {SERVER_CPU}, load to core {CLIENT_CPU}; Chimera threads 1, "
                     f"delegation_threads 2; Ganesha 4.3 with its default worker pool; Ceph's mon, mgr, osd and "
                     f"radosgw all on core {SERVER_CPU}. Median of {self.sz.reps} run(s) [min-max] after "
                     f"{self.sz.warmup} warm-up.")
        lines.append("ratio = Chimera / peer (for latency: peer / Chimera), > 1 is better for Chimera. "
                     "CPU = server CPU seconds per run, Chimera / peer.")
        lines.append("")
        if self.limits:
            lines.append("Machine limits (measured in this run)")
            for k, v in self.limits.items():
                lines.append(f"  {v['what']:<60} {fmt_num(v['value'])} {v['unit']}")
            lines.append("")
        hdr = (f"  {'load':<42} {'unit':<9} {'Chimera':>22} {'peer':>22} {'ratio':>6} {'%limit C/P':>10} "
               f"{'target':>9} {'CPU s C/P':>11}")
        section = None
        flags_legend = False
        busy: list[float] = []
        shown_errors: set[str] = set()
        for f in figures:
            if f["section"] != section:
                section = f["section"]
                shown_errors = set()
                lines.append(section)
                lines.append(hdr)
            ch, pe = f["chimera_figure"], f["peer_figure"]
            r = f["ratio"]
            tgt = ""
            if f["target_ratio"] is not None:
                t = f"{'>' if f['metric'] == 'p99_us' else '>='}{f['target_ratio']:g}x"
                tgt = t + (" ok" if f["target_met"] else " MISS" if f["target_met"] is False else " ?")
            lim = f["machine_limit"]
            fr = []
            for fig in (ch, pe):
                fr.append(f"{fig['median'] * self.row_calls(f) / lim['value'] * 100:.0f}%"
                          if lim and "median" in fig else "-")
            frac = "/".join(fr) if lim else "-"
            cpu = (f"{ch.get('server_cpu_s', 0):.1f}/{pe.get('server_cpu_s', 0):.1f}"
                   if "median" in ch or "median" in pe else "-")
            flag = ""
            for side, fig in (("C", ch), ("P", pe)):
                if fig.get("client_busier_than_server"):
                    flag += f" [{side}: client CPU > server]"
                    flags_legend = True
                if "other_load" in fig:
                    busy.append(fig["other_load"])
            lines.append(f"  {f['load'][:42]:<42} {f['unit'][:9]:<9} {fmt_fig(ch):>22} {fmt_fig(pe):>22} "
                         f"{(f'{r:.2f}x' if r else '-'):>6} {frac:>10} {tgt:>9} {cpu:>11}{flag}")
            if f["note"] and f"({f['note']})" not in shown_errors:
                shown_errors.add(f"({f['note']})")
                lines.append(f"      ({f['note']})")
            for name, fig in (("Chimera", ch), (f["peer"], pe)):
                if "error" in fig and "median" not in fig:
                    msg = f"{name} failed: {fig['error'][:200]}"
                    if msg not in shown_errors:
                        shown_errors.add(msg)
                        lines.append(f"      {msg}")
        if flags_legend:
            lines.append("")
            lines.append("[client CPU > server]: the load client used more CPU than the server in that run; the "
                         "figure may be the client's limit rather than the server's.")
        if busy and statistics.median(busy) > 0.2:
            self.notes.insert(0, f"Other processes kept {statistics.median(busy):.1f} of this machine's "
                                 f"{os.cpu_count()} cores busy during the median load (builds, tests): every "
                                 "figure is noisy; compare ratios from a quiet machine.")
        if self.memory:
            lines.append("")
            lines.append("Memory")
            for m in self.memory:
                if "error" in m:
                    lines.append(f"  {m['what']:<60} failed: {m['error'][:120]}")
                    continue
                v = m["value"]
                shown = f"{v / (1 << 20):.0f} MiB" if v > 1 << 22 else f"{v / 1024:.1f} KiB"
                t = ""
                if m.get("target"):
                    tv = m["target"]
                    t = (f"  target < {tv / (1 << 30):.1f} GiB" if tv > 1 << 22 else f"  target < {tv >> 10} KiB")
                    t += " ok" if v < tv else " MISS"
                lines.append(f"  {m['what']:<60} {shown:>12}{t}")
        if self.profiles:
            lines.append("")
            lines.append("Where Chimera's time goes on loads that missed their target (perf, cpu-clock)")
            for key, p in self.profiles.items():
                lines.append(f"  {key}: {p['hint']}")
                for t in p["top"][:8]:
                    lines.append(f"      {t['percent']:5.1f}%  {t['dso'][:24]:<24} {t['symbol'][:90]}")
        if self.notes:
            lines.append("")
            lines.append("Notes")
            for n in self.notes:
                lines.append(f"  - {n}")
        return "\n".join(lines)

    def write_json(self, figures: list[dict[str, Any]], report: str) -> None:
        commit, dirty = git_commit()
        doc = {
            "commit": commit, "working_tree_modified": dirty, "quick": self.args.quick,
            "started": self.started.isoformat(), "seconds": round(time.monotonic() - self.t0, 1),
            "machine": machine_info(), "pinning": {"server_cpu": SERVER_CPU, "client_cpu": CLIENT_CPU,
                                                   "chimera_threads": 1, "chimera_delegation_threads": 2},
            "sizes": dataclasses.asdict(self.sz), "machine_limits": self.limits,
            "loads": [{
                "load": f"{f['section']}: {f['load']}", "unit": f["unit"],
                "chimera": f["chimera_figure"].get("median"), "peer": f["peer_figure"].get("median"),
                "peer_name": f["peer"], "ratio": f["ratio"],
                "machine_limit": f["machine_limit"], "fraction_of_limit": f["fraction_of_limit"],
                "target_ratio": f["target_ratio"], "target_met": f["target_met"], "commit": commit,
                "detail": f,
            } for f in figures],
            "memory": self.memory, "profiles": self.profiles, "notes": self.notes,
        }
        OUT.mkdir(parents=True, exist_ok=True)
        stamp = self.started.strftime("%Y%m%d-%H%M%S")
        name = f"bench-{'quick-' if self.args.quick else ''}{stamp}"
        (OUT / f"{name}.json").write_text(json.dumps(doc, indent=2) + "\n")
        (OUT / f"{name}.txt").write_text(report + "\n")
        (OUT / "latest.json").write_text(json.dumps(doc, indent=2) + "\n")
        (OUT / "latest.txt").write_text(report + "\n")
        log(f"wrote {OUT / (name + '.json')} and latest.json")


class _Adopted(Server):
    """Daemons another script started (Ceph): accounted and watched by PID, stopped by that script."""

    def __init__(self, name: str, pids: list[int]):  # noqa: super().__init__ starts a process; not here
        self.name = name
        self.pid = pids[-1]
        self.extra_pids = pids[:-1]
        self.log_path = Path("/dev/null")

    def running(self) -> bool:
        return all(alive(p) for p in self.pids())

    def stop(self, grace: float = 10.0) -> None:
        pass


# What a kind of work in a profile usually means, and what usually closes the gap. A first reading for
# the developer, from symbol names only; the listed top entries are the evidence.
PROFILE_KINDS: list[tuple[str, tuple[str, ...], str]] = [
    ("RCU hash-table walks (liburcu cds_lfht)", ("cds_lfht",),
     "lookups walk long hash chains or something scans the table per request: check the table's size "
     "and resizing, the key hash, and any per-request iteration (eviction, invalidation)"),
    ("kernel copies of socket data", ("_copy_to_iter", "_copy_from_iter", "copy_user"),
     "the bytes cross the socket once each way; fewer, larger sends (one writev per reply) and zero-copy "
     "send (MSG_ZEROCOPY, splice from the module) are what is left"),
    ("memory copies in user space", ("memmove", "memcpy"),
     "data is copied on the way through: hand buffers through (slices of the received message, "
     "module-owned read buffers as iovecs) instead of copying"),
    ("reference counting", ("swift_retain", "swift_release", "swift_bridgeObject", "swift_unknownObject"),
     "ARC traffic on the hot path: keep per-entry values in structs, borrow instead of copy, avoid a class "
     "box per request or per directory entry"),
    ("allocation", ("malloc", "_int_free", "cfree", "swift_allocObject", "swift_deallocObject", "swift_slowAlloc"),
     "allocation per request: reuse buffers and request objects per connection"),
    ("locks and wake-ups", ("pthread_mutex", "futex", "_raw_spin_unlock_irqrestore", "finish_task_switch",
                            "try_to_wake_up", "schedule"),
     "threads hand work to each other per request (wake-ups, locks): keep a request on its event loop, "
     "batch completions"),
    ("system calls and TCP", ("[kernel]",),
     "time is in the kernel: fewer syscalls per request (batch reads, one writev per reply)"),
    ("hashing and crypto", ("sha256", "SHA256", "hmac", "HMAC"),
     "hashing or signing per request: cache derived keys, hash once"),
]


def demangle(top: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Swift symbols as Swift names (`swift demangle`), where the toolchain is there."""
    mangled = [t["symbol"] for t in top if t["symbol"].startswith(("$s", "_$s"))]
    if not mangled or not shutil.which("swift"):
        return top
    try:
        r = subprocess.run(["swift", "demangle", "--simplified", "--compact"], input="\n".join(mangled) + "\n",
                           capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return top
    names = dict(zip(mangled, r.stdout.splitlines())) if r.returncode == 0 else {}
    return [dict(t, symbol=names.get(t["symbol"], t["symbol"])) for t in top]


def profile_hint(top: list[dict[str, Any]]) -> str:
    """Which kind of work dominates a flat profile, and what usually closes it."""
    if not top:
        return "no samples (the load did not run under perf)"
    shares = {name: 0.0 for name, _, _ in PROFILE_KINDS}
    for t in top:
        for name, needles, _ in PROFILE_KINDS:
            if any(n in t["symbol"] for n in needles):
                shares[name] += t["percent"]
                break
    name, share = max(shares.items(), key=lambda kv: kv[1])
    lead = top[0]
    head = f"top symbol {lead['symbol']} ({lead['dso']}) {lead['percent']:.0f}%"
    if share < 15:
        return f"{head}; no single kind of work dominates the listed symbols"
    advice = next(a for n, _, a in PROFILE_KINDS if n == name)
    return f"{head}; {share:.0f}% in {name}: {advice}"


def fmt_num(v: float) -> str:
    if v >= 100:
        return f"{v:,.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def fmt_fig(fig: dict[str, Any]) -> str:
    if "median" not in fig:
        return "FAILED"
    m, lo, hi = fig["median"], fig["min"], fig["max"]
    if lo == hi:
        return fmt_num(m)
    return f"{fmt_num(m)} [{short(lo)}-{short(hi)}]"


def short(v: float) -> str:
    if v >= 1e6:
        return f"{v / 1e6:.1f}M"
    if v >= 1e4:
        return f"{v / 1e3:.0f}k"
    if v >= 1e3:
        return f"{v / 1e3:.1f}k"
    return f"{v:.0f}" if v >= 10 else f"{v:.1f}"


def git_commit() -> tuple[str, bool]:
    try:
        c = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True,
                           timeout=30).stdout.strip()
        d = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True, timeout=30).stdout.strip()
        return c or "unknown", bool(d)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown", False


def machine_info() -> dict[str, Any]:
    info: dict[str, Any] = {"cpus": os.cpu_count(), "kernel": os.uname().release,
                            "loadavg_at_end": os.getloadavg()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        info["mem_gib"] = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / (1 << 30), 1)
    except (OSError, ValueError):
        pass
    for pkg in ("nfs-ganesha", "radosgw", "libnfs-dev"):
        r = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", pkg], capture_output=True, text=True, timeout=30)
        info[pkg] = r.stdout.strip() or None
    return info


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="short run (< 5 min): smaller sizes, 1 repetition")
    ap.add_argument("--only", help="comma-separated groups: limits,nfs,s3,memory")
    ap.add_argument("--reps", type=int, default=0, help="repetitions of each load (default 3, QUICK 1)")
    ap.add_argument("--no-profile", dest="profile", action="store_false",
                    help="do not perf-profile loads that miss their target")
    ap.add_argument("--max-profiles", type=int, default=8, help="profile at most this many missed loads")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (configs, logs)")
    args = ap.parse_args()
    if args.quick and "--no-profile" not in sys.argv and "--max-profiles" not in sys.argv:
        args.profile = False  # QUICK stays under its budget; a full run profiles
    if os.geteuid() != 0:
        print("bench: run as root (tmpfs mounts, Ganesha, Ceph)", file=sys.stderr)
        return 77
    if (os.cpu_count() or 1) < 2:
        print("bench: needs two cores (server and load are pinned apart)", file=sys.stderr)
        return 77
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, 65536) if hard != resource.RLIM_INFINITY else 65536
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    bench = Bench(args)
    budget = 8 * 60 if args.quick else 40 * 60

    def watchdog(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"the run passed its {budget // 60} min bound")

    signal.signal(signal.SIGALRM, watchdog)
    signal.signal(signal.SIGTERM, lambda s, f: (_ for _ in ()).throw(KeyboardInterrupt("SIGTERM")))
    signal.alarm(budget)
    try:
        return bench.run()
    except KeyboardInterrupt as e:
        print(f"bench: stopped: {e or 'interrupted'}; everything started was stopped", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
