"""The FUSE front-end under the kernel's own FUSE client: memfs and a host directory (the linux module) mounted
on temp directories of this machine through /dev/fuse, with real tools (cp, tar, mv, ln, rm, chmod) running on
them, permission errors from the core for a non-root caller (setpriv), and the FUSE-written files read back over
NFSv3 with libnfs.

Every server is stopped by PID (serve()), and every FUSE mount is detached (umount -l) in a finally, also on
failure; every command runs under a timeout (a hung FUSE server would otherwise hang the test).

Runs against build/ (CHIMERA_BUILD), or a SwiftPM build directory with CHIMERA_SWIFTPM_BUILD=.build/debug
(lib<product>.so names), so it can run while build/ is in use."""

import hashlib
import os
import shutil
import subprocess
import tempfile
import time

import pytest

import chimera_test_support
from chimera_test_support import PLUGINS, run_chimera, serve, write_config

SWIFTPM = os.environ.get("CHIMERA_SWIFTPM_BUILD")
if SWIFTPM:
    SWIFTPM = os.path.abspath(SWIFTPM)
    chimera_test_support.CHIMERA = os.path.join(SWIFTPM, "chimera")


def plugin(name):
    """Where plugin `name` (chimera_proto_fuse) is."""
    if SWIFTPM:
        return os.path.join(SWIFTPM, f"lib{name}.so")
    return os.path.join(PLUGINS, f"{name}.so")


pytestmark = [
    pytest.mark.skipif(not os.path.exists(plugin("chimera_proto_fuse")), reason="the FUSE front-end is not built"),
    pytest.mark.skipif(not os.path.exists("/dev/fuse") or os.geteuid() != 0,
                       reason="needs /dev/fuse and root (mount(2))"),
]

NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def sh(script, timeout=60, check=True, user=None):
    """Run `bash -c script` (as nobody when user="nobody"), bounded; returns the result."""
    argv = (NOBODY if user == "nobody" else []) + ["bash", "-c", script]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    if check:
        assert result.returncode == 0, f"{script!r}: {result.returncode} {result.stderr}"
    return result


def is_mounted(path):
    with open("/proc/mounts") as f:
        return any(line.split()[1] == path and line.split()[2].startswith("fuse") for line in f)


def wait_mounted(path, server, deadline_s=30):
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if server.process.poll() is not None:
            raise RuntimeError(f"chimera exited with {server.process.returncode}: {server.log}")
        if is_mounted(path):
            return
        time.sleep(0.05)
    raise TimeoutError(f"{path} not mounted after {deadline_s}s: {server.log}")


@pytest.fixture(scope="module", params=["memfs", "linux"])
def fuse(request):
    from nfs_rpc import NFSPorts
    module = request.param
    top = tempfile.mkdtemp(prefix="chimera-fuse-")
    # The mount point's parents must be searchable by nobody for the permission checks.
    os.chmod(top, 0o755)
    mnt = os.path.join(top, "mnt")
    linux_root = os.path.join(top, "linux-root")
    os.makedirs(mnt)
    os.makedirs(linux_root)
    ports = NFSPorts()
    config = {
        "server": {
            "threads": 2, "delegation_threads": 2, "log_level": "info",
            "vfs": {"memfs": {"path": plugin("chimera_vfs_memfs"), "config": {"size_limit": 1 << 30}},
                    "linux": {"path": plugin("chimera_vfs_linux"), "config": {"root": linux_root}}},
            "protocols": {
                "nfs": {"path": plugin("chimera_proto_nfs"), "port": ports.nfs, "mount_port": ports.mount,
                        "portmap_port": 0},
                "fuse": {"path": plugin("chimera_proto_fuse"),
                         "mounts": {mnt: {"path": f"/{module}", "allow_other": True}}},
            },
        },
        "mounts": {"memfs": {"module": "memfs", "path": "/"}, "linux": {"module": "linux", "path": "/"}},
    }
    try:
        with serve(config, wait_ports=[ports.nfs, ports.mount], directory=top) as server:
            try:
                wait_mounted(mnt, server)
                server.mnt = mnt
                server.module = module
                server.nfs = ports
                server.top = top
                yield server
            finally:
                subprocess.run(["umount", "-l", mnt], capture_output=True, timeout=30)
        assert not is_mounted(mnt), "the daemon left its FUSE mount behind"
    finally:
        subprocess.run(["umount", "-l", mnt], capture_output=True, timeout=30)
        shutil.rmtree(top, ignore_errors=True)


def sha256(path):
    return sh(f"sha256sum '{path}'").stdout.split()[0]


def test_mkdir_ls_and_copy_with_checksum(fuse, tmp_path):
    src = tmp_path / "big.bin"
    src.write_bytes(os.urandom(5 << 20) + b"tail")
    sh(f"mkdir '{fuse.mnt}/copy' && cp '{src}' '{fuse.mnt}/copy/big.bin'")
    assert "big.bin" in sh(f"ls -la '{fuse.mnt}/copy'").stdout
    assert sh(f"stat -c %s '{fuse.mnt}/copy/big.bin'").stdout.strip() == str(src.stat().st_size)
    assert sha256(f"{fuse.mnt}/copy/big.bin") == hashlib.sha256(src.read_bytes()).hexdigest()
    # Read back through the FUSE mount with another block size.
    assert sh(f"dd if='{fuse.mnt}/copy/big.bin' bs=4096 status=none | sha256sum").stdout.split()[0] == \
        hashlib.sha256(src.read_bytes()).hexdigest()


def test_tar_a_tree_in_and_back(fuse, tmp_path):
    tree = tmp_path / "tree"
    for d in ["a", "a/b", "a/b/c", "e"]:
        (tree / d).mkdir(parents=True)
    for i in range(40):
        (tree / ("a" if i % 2 else "a/b") / f"f{i}").write_bytes(os.urandom(i * 997))
    (tree / "a/b/c/empty").write_bytes(b"")
    os.symlink("../f1", tree / "a/b/link")
    sh(f"mkdir '{fuse.mnt}/tar' && tar -C '{tree}' -cf - . | tar -C '{fuse.mnt}/tar' -xf -")
    back = tmp_path / "back"
    back.mkdir()
    sh(f"tar -C '{fuse.mnt}/tar' -cf - . | tar -C '{back}' -xf -")
    sh(f"diff -r '{tree}' '{back}'")
    assert os.readlink(back / "a/b/link") == "../f1"
    listed = sh(f"cd '{fuse.mnt}/tar' && find . | sort").stdout.split()
    assert len(listed) == 1 + 4 + 40 + 2


def test_rename_unlink_symlink_hard_link(fuse):
    m = f"{fuse.mnt}/names"
    sh(f"mkdir '{m}' && echo one > '{m}/one' && echo two > '{m}/two'")
    sh(f"mv '{m}/one' '{m}/uno'")
    assert sh(f"ls '{m}'").stdout.split() == ["two", "uno"]
    # RENAME2 with RENAME_NOREPLACE onto an existing name: EEXIST, nothing moved.
    r = sh(f"""python3 -c "
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
rc = libc.renameat2(-100, b'{m}/uno', -100, b'{m}/two', 1)
print(rc, ctypes.get_errno())
" """)
    assert r.stdout.split() == ["-1", "17"]
    assert sh(f"cat '{m}/two'").stdout == "two\n"
    sh(f"mv '{m}/uno' '{m}/two'")  # plain rename replaces
    assert sh(f"cat '{m}/two'").stdout == "one\n"
    sh(f"ln -s two '{m}/sym'")
    assert sh(f"readlink '{m}/sym'").stdout.strip() == "two"
    assert sh(f"cat '{m}/sym'").stdout == "one\n"
    sh(f"ln '{m}/two' '{m}/hard'")
    links = sh(f"stat -c '%h %i' '{m}/two' '{m}/hard'").stdout.split("\n")
    assert links[0] == links[1] and links[0].split()[0] == "2"
    sh(f"rm '{m}/two'")
    assert sh(f"cat '{m}/hard'").stdout == "one\n"
    assert sh(f"stat -c %h '{m}/hard'").stdout.strip() == "1"
    r = sh(f"rmdir '{fuse.mnt}/names'", check=False)
    assert r.returncode != 0 and "not empty" in r.stderr
    sh(f"rm '{m}/hard' '{m}/sym' && rmdir '{m}'")
    assert not os.path.exists(m)


def test_permissions_come_from_the_core(fuse):
    m = f"{fuse.mnt}/perm"
    sh(f"mkdir '{m}' && echo secret > '{m}/secret' && chmod 600 '{m}/secret' && echo open > '{m}/open'")
    assert sh(f"stat -c %a '{m}/secret'").stdout.strip() == "600"
    r = sh(f"cat '{m}/secret'", user="nobody", check=False)
    assert r.returncode != 0 and "Permission denied" in r.stderr
    assert sh(f"cat '{m}/open'", user="nobody").stdout == "open\n"
    r = sh(f"touch '{m}/by-nobody'", user="nobody", check=False)
    assert r.returncode != 0 and "Permission denied" in r.stderr
    r = sh(f"chmod 777 '{m}/open'", user="nobody", check=False)
    assert r.returncode != 0 and "not permitted" in r.stderr
    # A directory nobody may write: nobody's files belong to nobody.
    sh(f"mkdir '{m}/pub' && chmod 1777 '{m}/pub'")
    sh(f"echo mine > '{m}/pub/mine'", user="nobody")
    assert sh(f"stat -c '%u %g' '{m}/pub/mine'").stdout.strip() == "65534 65534"
    # Sticky directory: root's file there cannot be removed by nobody.
    sh(f"echo root > '{m}/pub/roots'")
    r = sh(f"rm -f '{m}/pub/roots'", user="nobody", check=False)
    assert r.returncode != 0 and "not permitted" in r.stderr


def test_xattrs_and_statfs(fuse):
    f = f"{fuse.mnt}/xattr-file"
    sh(f"echo x > '{f}'")
    r = sh(f"""python3 -c "
import os
os.setxattr('{f}', 'user.colour', b'blue')
print(os.getxattr('{f}', 'user.colour').decode(), sorted(os.listxattr('{f}')))
os.removexattr('{f}', 'user.colour')
print(sorted(os.listxattr('{f}')))
" """)
    assert r.stdout.split("\n")[:2] == ["blue ['user.colour']", "[]"]
    assert fuse.mnt in sh(f"df '{fuse.mnt}'").stdout


def test_fallocate_seek_and_copy_file_range(fuse):
    f = f"{fuse.mnt}/space"
    sh(f"fallocate -l 1M '{f}' && fallocate -p -o 0 -l 4096 '{f}'")
    assert sh(f"stat -c %s '{f}'").stdout.strip() == "1048576"
    r = sh(f"""python3 -c "
import os
fd = os.open('{fuse.mnt}/sparse', os.O_CREAT | os.O_RDWR, 0o644)
os.pwrite(fd, b'x' * 4096, 1 << 20)
print(os.lseek(fd, 0, os.SEEK_DATA), os.lseek(fd, 1 << 20, os.SEEK_HOLE))
out = os.open('{fuse.mnt}/copied', os.O_CREAT | os.O_RDWR, 0o644)
print(os.copy_file_range(fd, out, 4096, 1 << 20, 0), os.pread(out, 4, 0).decode())
" """)
    assert r.stdout.split("\n")[:2] == [f"{1 << 20} {(1 << 20) + 4096}", "4096 xxxx"]


def test_posix_locks_through_the_core(fuse):
    """Locks taken through the FUSE mount live in the VFS core's lock table (FUSE_POSIX_LOCKS), which the
    kernel asks for every lock, so two processes conflict, wait and are released on close there."""
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fuse_locks.py")
    r = sh(f"python3 '{script}' '{fuse.mnt}/lockfile'")
    lines = r.stdout.split("\n")
    assert lines[:4] == ["nonblocking: 11", "getlk type 1 start 0 len 10", "disjoint: ok", "interrupted: yes"], r.stdout
    assert lines[4].startswith("waited ") and float(lines[4].split()[1]) > 0.5, r.stdout


def test_files_written_over_fuse_read_back_over_nfs(fuse, tmp_path):
    data = os.urandom(3 << 20) + b"end"
    src = tmp_path / "cross.bin"
    src.write_bytes(data)
    sh(f"mkdir -p '{fuse.mnt}/cross' && cp '{src}' '{fuse.mnt}/cross/cross.bin' && echo small > '{fuse.mnt}/cross/s'")
    url = fuse.nfs.url(f"/{fuse.module}/cross/cross.bin")
    got = subprocess.run(["nfs-cat", url], capture_output=True, timeout=120, stdin=subprocess.DEVNULL)
    assert got.returncode == 0, got.stderr
    assert hashlib.sha256(got.stdout).hexdigest() == hashlib.sha256(data).hexdigest()
    listing = subprocess.run(["nfs-ls", fuse.nfs.url(f"/{fuse.module}/cross")], capture_output=True, text=True,
                             timeout=60, stdin=subprocess.DEVNULL)
    assert listing.returncode == 0, listing.stderr
    names = {line.split()[-1] for line in listing.stdout.splitlines() if line.strip()}
    assert {"cross.bin", "s"} <= names, listing.stdout


def test_shutdown_unmounts(fuse):
    """(Checked by the fixture after the server stops: the mount is gone.) The mount is live meanwhile."""
    assert is_mounted(fuse.mnt)


def fuse_config(fuse_section):
    fuse_section = dict(fuse_section, path=plugin("chimera_proto_fuse"))
    return {"server": {"vfs": {"memfs": {"path": plugin("chimera_vfs_memfs")}}, "protocols": {"fuse": fuse_section}},
            "mounts": {"memfs": {"module": "memfs", "path": "/"}}}


@pytest.mark.parametrize("section,expected", [
    ({"mount": {}}, "server.protocols.fuse.mount: unknown key"),
    ({"mounts": []}, "server.protocols.fuse.mounts: expected an object"),
    ({"mounts": {"relative/dir": {}}}, 'server.protocols.fuse.mounts."relative/dir": expected an absolute host directory'),
    ({"mounts": {"/nonexistent/chimera-fuse": {}}}, 'server.protocols.fuse.mounts."/nonexistent/chimera-fuse": the host directory does not exist'),
    ({"mounts": {"/tmp": {"path": "memfs"}}}, "path: expected a namespace path starting with '/'"),
    ({"mounts": {"/tmp": {"allow_other": "yes"}}}, "allow_other"),
    ({"mounts": {"/tmp": {"ro": True}}}, "ro: unknown key"),
    ({"max_write": 100}, "server.protocols.fuse.max_write"),
])
def test_config_errors_name_the_key(tmp_path, section, expected):
    path = write_config(str(tmp_path), fuse_config(section))
    result = run_chimera("check", "--config", path)
    assert result.returncode != 0
    assert expected in result.stderr, result.stderr


def test_a_restart_after_a_crash_replaces_the_dead_mount(tmp_path):
    """SIGKILL leaves the kernel's mount with no server (ENOTCONN); the next start detaches it and serves."""
    import signal
    top = tempfile.mkdtemp(prefix="chimera-fuse-")
    mnt = os.path.join(top, "mnt")
    os.makedirs(mnt)
    config = fuse_config({"mounts": {mnt: {"path": "/memfs"}}})
    try:
        with serve(config, directory=top) as server:
            wait_mounted(mnt, server)
            sh(f"echo before > '{mnt}/f'")
            server.process.send_signal(signal.SIGKILL)
            server.process.wait(timeout=30)
        r = sh(f"ls '{mnt}'", check=False)
        assert r.returncode != 0 and "not connected" in r.stderr
        with serve(config, directory=top) as server:
            end = time.monotonic() + 30
            while time.monotonic() < end and sh(f"ls '{mnt}'", check=False).returncode != 0:
                time.sleep(0.1)
            sh(f"echo after > '{mnt}/g'")
            assert sh(f"cat '{mnt}/g'").stdout == "after\n"
    finally:
        subprocess.run(["umount", "-l", mnt], capture_output=True, timeout=30)
        subprocess.run(["umount", "-l", mnt], capture_output=True, timeout=30)
        shutil.rmtree(top, ignore_errors=True)


def test_a_file_written_over_nfs_shows_in_the_fuse_mount(fuse, tmp_path):
    """The reverse direction: written with nfs-cp, seen through FUSE once the kernel's name and attribute
    caches (entry_timeout_ms / attr_timeout_ms, 1 s) lapse — there are no invalidation notifications yet."""
    sh(f"mkdir -p '{fuse.mnt}/fromnfs' && ls '{fuse.mnt}/fromnfs'")
    data = os.urandom(1 << 20)
    src = tmp_path / "n.bin"
    src.write_bytes(data)
    r = subprocess.run(["nfs-cp", str(src), fuse.nfs.url(f"/{fuse.module}/fromnfs/n.bin")], capture_output=True,
                       timeout=120, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, r.stderr
    end = time.monotonic() + 10
    while time.monotonic() < end and "n.bin" not in sh(f"ls '{fuse.mnt}/fromnfs'").stdout:
        time.sleep(0.2)
    assert sha256(f"{fuse.mnt}/fromnfs/n.bin") == hashlib.sha256(data).hexdigest()
