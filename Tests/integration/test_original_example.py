"""The original Chimera's documented example (config/original-chimera-example.json).

Substituted, and why: the three host paths it names — the demofs plugin
/usr/local/lib/chimera_vfs_demofs.so (stood in for by the C example module
chimera_vfs_passthrough_c.so serving a temp directory), its config /usr/local/etc/demofs.json and the linux
mount's /share — point at temp paths, because a mount namespace can bind over
existing files only and creating them would touch the host. Everything else
is the example as written. S3 needs keys for its non-anonymous buckets: they
come from CHIMERA_S3_ACCESS_KEY / CHIMERA_S3_SECRET_KEY. Not done yet: the
unshare --mount variant that runs the file byte-for-byte.
"""

import os
import shutil
import subprocess

import pytest

from chimera_test_support import CHIMERA, PLUGINS, REPO

KEYS = {"CHIMERA_S3_ACCESS_KEY": "AKIAORIGINALTEST", "CHIMERA_S3_SECRET_KEY": "original/test/secret"}

SERVE = r'''
set -u
ip link set lo up
"$CHIMERA" serve --config "$CONF" > "$LOG" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
for i in $(seq 100); do grep -q serving "$LOG" && break; kill -0 $pid 2>/dev/null || exit 3; sleep 0.1; done
for m in memfs linux demofs; do nfs-ls "nfs://127.0.0.1/$m?nfsport=2049&mountport=20048" || exit 4; done
python3 - <<'PY' || exit 5
import os, boto3
s3 = boto3.client("s3", endpoint_url="http://127.0.0.1:9000", region_name="us-east-1",
                  aws_access_key_id=os.environ["CHIMERA_S3_ACCESS_KEY"],
                  aws_secret_access_key=os.environ["CHIMERA_S3_SECRET_KEY"])
for bucket in ("linux", "demofs", "memfs"):
    s3.list_objects_v2(Bucket=bucket)
s3.put_object(Bucket="memfs", Key="hello.txt", Body=b"hi")
assert s3.get_object(Bucket="memfs", Key="hello.txt")["Body"].read() == b"hi"
PY
'''


def substituted(tmp_path):
    with open(os.path.join(REPO, "config", "original-chimera-example.json")) as f:
        text = f.read()
    (tmp_path / "share").mkdir()
    (tmp_path / "demofs-root").mkdir()
    (tmp_path / "demofs.json").write_text('{"root": "%s"}\n' % (tmp_path / "demofs-root"))
    text = text.replace('"/usr/local/lib/chimera_vfs_demofs.so"', f'"{PLUGINS}/chimera_vfs_passthrough_c.so"')
    text = text.replace('"/usr/local/etc/demofs.json"', f'"{tmp_path}/demofs.json"')
    text = text.replace('"/share"', f'"{tmp_path}/share"')
    path = tmp_path / "original.json"
    path.write_text(text)
    return path


def test_the_example_checks(tmp_path):
    result = subprocess.run([CHIMERA, "check", "--config", str(substituted(tmp_path))], capture_output=True,
                            text=True, timeout=60, env=dict(os.environ, **KEYS))
    assert result.returncode == 0, result.stderr
    assert "(3 VFS modules, 2 protocols, 3 mounts)" in result.stdout


@pytest.mark.skipif(shutil.which("unshare") is None or shutil.which("nfs-ls") is None or os.geteuid() != 0,
                    reason="needs root, unshare and libnfs-utils")
def test_the_example_serves_every_mount_and_bucket(tmp_path):
    log = tmp_path / "serve.log"
    env = dict(os.environ, CHIMERA=CHIMERA, CONF=str(substituted(tmp_path)), LOG=str(log), **KEYS)
    result = subprocess.run(["unshare", "--net", "bash", "-c", SERVE], env=env, timeout=90,
                            capture_output=True, text=True)
    text = log.read_text()
    assert result.returncode == 0, result.stdout + result.stderr + text
    assert text.count("server.rdma") == 1 and "/sys/class/infiniband" in text
    for share in ("memfs", "linux", "demofs"):
        assert f"share {share} (/{share}) is not served" in text
