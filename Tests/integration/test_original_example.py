"""The original Chimera's documented example (config/original-chimera-example.json), run as written.

The file is served byte-for-byte: `chimera check` and `chimera serve` get its
own path. What it names on the host exists only inside a private mount
namespace, chrooted into a tmpfs root with the host's system directories,
the repository and the build bound in, so nothing on the machine is created
or changed:
  - /usr/local/lib/chimera_vfs_demofs.so: a copy of the C example module
    (chimera_vfs_passthrough_c.so) stands in for demofs;
  - /usr/local/etc/demofs.json: that module's config, serving /srv/demofs;
  - /share: the directory the linux mount (module io_uring) serves;
  - /var/lib/chimera: where io_uring keeps its handle key by default.
/share, /srv/demofs and /var/lib/chimera are directories of that tmpfs root
(an overlay root would not do: overlayfs gives no file handles, and an
O_TMPFILE there cannot be linked in, so S3 PUTs fail with XDEV).
The network namespace gives the standard ports (NFS 2049, MOUNT 20048, S3
9000) to this test alone. S3 needs keys for the example's buckets: they come
from CHIMERA_S3_ACCESS_KEY / CHIMERA_S3_SECRET_KEY. Where mount namespaces
are not permitted the test is skipped and says so; the substituted-path
check below still runs.
"""

import os

import pytest

from chimera_test_support import (BUILD, CHIMERA, PLUGINS, REPO, SERVE_IN_NAMESPACE, namespace_available,
                                  run_in_namespace)

EXAMPLE = os.path.join(REPO, "config", "original-chimera-example.json")
KEYS = {"CHIMERA_S3_ACCESS_KEY": "AKIAORIGINALTEST", "CHIMERA_S3_SECRET_KEY": "original/test/secret"}

# In the new mount namespace: a tmpfs root with the host's system
# directories, this repository and the build bound in, the example's host
# paths created in it, and CHECKS chrooted there. $OUT (a directory of the
# test's) is bound in at the same path so the logs reach the test.
PRIVATE_ROOT = r'''
set -eu
mount --make-rprivate /
R="$OUT/root"
mkdir -p "$R"
mount -t tmpfs -o mode=0755 tmpfs "$R"
for d in /bin /sbin /lib /lib32 /lib64 /libx32 /usr /etc /opt /root "$REPO" "$BUILD_TREE" "$OUT"; do
    if [ -L "$d" ]; then
        ln -s "$(readlink "$d")" "$R$d"       # merged /usr: /bin -> usr/bin
    elif [ -d "$d" ] && [ ! -e "$R$d" ]; then   # not already inside one bound before
        mkdir -p "$R$d" && mount --rbind "$d" "$R$d"
    fi
done
mkdir -p "$R/proc" "$R/sys" "$R/dev" "$R/tmp"
chmod 1777 "$R/tmp"
mount -t proc proc "$R/proc"
mount --rbind /sys "$R/sys"
mount --rbind /dev "$R/dev"
# What the example names, in the private root only: /share is a directory
# of the root file system, as on a real host (the linux mount's io_uring
# module serves /, one file system).
mount -t tmpfs -o mode=0755 tmpfs "$R/usr/local/lib"
mount -t tmpfs -o mode=0755 tmpfs "$R/usr/local/etc"
mkdir -p "$R/share" "$R/srv/demofs" "$R/var/lib/chimera"
chmod 0700 "$R/var/lib/chimera"
cp "$DEMOFS_STAND_IN" "$R/usr/local/lib/chimera_vfs_demofs.so"
printf '{"root": "/srv/demofs", "key_file": "/var/lib/chimera/demofs.key"}\n' > "$R/usr/local/etc/demofs.json"
echo "from the host" > "$R/share/hello.txt"
exec chroot "$R" /bin/bash -c "$INNER"
'''

# Chrooted: the example checks, serves, and every mount and bucket answers.
CHECKS = r'''
"$CHIMERA" check --config "$CONF" > "$OUT/check.txt" 2>&1 || exit 2
''' + SERVE_IN_NAMESPACE + r'''
for m in memfs linux demofs; do nfs-ls "nfs://127.0.0.1/$m?nfsport=2049&mountport=20048" > "$OUT/ls-$m.txt" || exit 4; done
python3 - <<'PY' || exit 5
import os, boto3
s3 = boto3.client("s3", endpoint_url="http://127.0.0.1:9000", region_name="us-east-1",
                  aws_access_key_id=os.environ["CHIMERA_S3_ACCESS_KEY"],
                  aws_secret_access_key=os.environ["CHIMERA_S3_SECRET_KEY"])
for bucket in ("linux", "demofs", "memfs"):
    s3.put_object(Bucket=bucket, Key=f"put-into-{bucket}.txt", Body=bucket.encode())
    assert s3.get_object(Bucket=bucket, Key=f"put-into-{bucket}.txt")["Body"].read() == bucket.encode()
keys = [o["Key"] for o in s3.list_objects_v2(Bucket="linux").get("Contents", [])]
assert "hello.txt" in keys, keys
PY
# What the S3 PUTs wrote is on the served directories.
test "$(cat /share/put-into-linux.txt)" = linux || exit 6
test "$(cat /srv/demofs/put-into-demofs.txt)" = demofs || exit 7
'''


def test_the_example_file_is_unchanged():
    with open(EXAMPLE, "rb") as f:
        text = f.read().decode()
    for host_path in ('"/usr/local/lib/chimera_vfs_demofs.so"', '"/usr/local/etc/demofs.json"', '"/share"'):
        assert host_path in text


@pytest.mark.skipif(not namespace_available(),
                    reason="needs root, unshare --mount (not permitted here) and libnfs-utils")
def test_the_example_serves_every_mount_and_bucket_as_written(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    log = out / "serve.log"
    env = dict(os.environ, CHIMERA=CHIMERA, CONF=EXAMPLE, LOG=str(log), OUT=str(out), INNER=CHECKS, REPO=REPO,
               BUILD_TREE=os.path.realpath(BUILD),
               DEMOFS_STAND_IN=os.path.join(PLUGINS, "chimera_vfs_passthrough_c.so"), **KEYS)
    rc, stdout, stderr = run_in_namespace(PRIVATE_ROOT, env, timeout=120)
    text = log.read_text() if log.exists() else "(no log)"
    check = (out / "check.txt").read_text() if (out / "check.txt").exists() else "(no check output)"
    assert rc == 0, f"exit {rc}\n{stdout}\n{stderr}\ncheck: {check}\nlog: {text}"
    assert "(3 VFS modules, 2 protocols, 3 mounts)" in check
    assert "hello.txt" in (out / "ls-linux.txt").read_text()
    assert text.count("server.rdma") == 1 and "/sys/class/infiniband" in text
    for share in ("memfs", "linux", "demofs"):
        assert f"share {share} (/{share}) is not served" in text
    # Nothing leaked onto the host.
    assert not os.path.exists("/share")
    assert not os.path.exists("/usr/local/lib/chimera_vfs_demofs.so")
    assert not os.path.exists("/usr/local/etc/demofs.json")
