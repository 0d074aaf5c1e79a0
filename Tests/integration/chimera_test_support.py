"""Helpers the integration tests share: where the build is, temporary
configs, starting and always stopping the real daemon."""

import json
import os
import signal
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("CHIMERA_BUILD", os.path.join(REPO, "build"))
CHIMERA = os.path.join(BUILD, "bin", "chimera")
PLUGINS = os.path.join(BUILD, "lib", "chimera")
TEST_PLUGINS = os.path.join(BUILD, "test-plugins")


def free_port():
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_config(directory, config, name="config.json"):
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        if isinstance(config, str):
            f.write(config)
        else:
            json.dump(config, f)
    return path


def run_chimera(*args, timeout=120):
    return subprocess.run([CHIMERA, *args], capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def wait_for_port(port, deadline_s=60, process=None):
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"chimera exited with {process.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on port {port} after {deadline_s}s")


class Server:
    """A running `chimera serve`, its log, and how to stop it."""

    def __init__(self, process, log_path):
        self.process = process
        self.log_path = log_path

    @property
    def log(self):
        with open(self.log_path) as f:
            return f.read()

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Signal the server and wait (bounded); returns its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
                raise
        return self.process.returncode


@contextmanager
def serve(config, wait_ports=(), directory=None):
    """Start `chimera serve` with `config`; always stop it by PID."""
    owned = directory is None
    directory = directory or tempfile.mkdtemp(prefix="chimera-test-")
    path = write_config(directory, config)
    log_path = os.path.join(directory, "chimera.log")
    log = open(log_path, "w")
    process = subprocess.Popen([CHIMERA, "serve", "--config", path], stdout=log, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL)
    server = Server(process, log_path)
    try:
        for port in wait_ports:
            wait_for_port(port, process=process)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        log.close()
        if owned:
            subprocess.run(["rm", "-rf", directory])


# ---------------------------------------------------------------- S3

S3_ACCESS_KEY = "AKIACHIMERATEST"
S3_SECRET_KEY = "chimera/test/secret+key"


def s3_config(port, buckets=None, memfs_size=3 << 30, s3_extra=None, server_extra=None):
    """A config serving memfs at /memfs over S3 on `port`, with bucket
    `memfs` there unless `buckets` says otherwise."""
    s3 = {"port": port, "credentials": [{"access_key": S3_ACCESS_KEY, "secret_key": S3_SECRET_KEY}]}
    s3.update(s3_extra or {})
    server = {"threads": 2, "delegation_threads": 2, "log_level": "info",
              "vfs": {"memfs": {"config": {"size_limit": memfs_size}}},
              "protocols": {"s3": s3}}
    server.update(server_extra or {})
    return {"server": server, "mounts": {"memfs": {"module": "memfs", "path": "/"}},
            "buckets": buckets if buckets is not None else {"memfs": {"path": "/memfs"}}}


def s3_client(port, **config):
    """A boto3 client for the daemon on `port` (path-style, no retries)."""
    import boto3
    from botocore.config import Config
    return boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}", aws_access_key_id=S3_ACCESS_KEY,
                        aws_secret_access_key=S3_SECRET_KEY, region_name="us-east-1",
                        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1},
                                      signature_version="s3v4", connect_timeout=10, read_timeout=120, **config))


# ------------------------------------------------- private namespaces

# The start of a script run by run_in_namespace: loopback up, `chimera serve
# --config "$CONF"` in the background with its output in "$LOG", stopped by
# its PID when the script exits however it exits, and a bounded wait until
# the server itself logs "[chimera] serving" (exit 3 if it dies first; a
# module's own "serving /dir" line comes before the listeners are up). The
# caller's checks follow.
SERVE_IN_NAMESPACE = r'''
set -u
ip link set lo up
"$CHIMERA" serve --config "$CONF" > "$LOG" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
for i in $(seq 100); do grep -q '\[chimera\] serving' "$LOG" && break; kill -0 $pid 2>/dev/null || exit 3; sleep 0.1; done
grep -q '\[chimera\] serving' "$LOG" || exit 3
'''


def namespace_available():
    """Whether run_in_namespace can work here: root, unshare with mount
    namespaces, and the libnfs clients the scripts use."""
    import shutil
    if os.geteuid() != 0 or shutil.which("unshare") is None or shutil.which("nfs-ls") is None:
        return False
    probe = subprocess.run(["unshare", "--mount", "true"], capture_output=True, timeout=30)
    return probe.returncode == 0


def run_in_namespace(script, env, timeout):
    """Run `bash -c script` in new network, PID and mount namespaces, so the
    standard ports (2049, 20048, 9000) and any mounts exist inside only, and
    /proc is the new PID namespace's (under the host's, the server would see
    other PIDs than its own: it sometimes died at start that way). Returns
    (exit code, stdout, stderr).

    When the script did not end by itself (a timeout, an exception), the
    `finally` stops its process group by the PID of unshare, which leads it
    (unshare itself ignores SIGTERM while it waits): SIGTERM first, so the
    server drains and the script's trap runs, then SIGKILL. --kill-child
    makes the kernel kill the namespace's first process, and with it every
    process in the PID namespace, should unshare die first.
    """
    argv = ["unshare", "--net", "--pid", "--fork", "--kill-child", "--mount-proc"]
    process = subprocess.Popen(argv + ["bash", "-c", script], env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = process.communicate(timeout=timeout)
        return process.returncode, out, err
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
