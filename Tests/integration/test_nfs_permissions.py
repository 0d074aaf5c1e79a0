"""Permissions over NFSv3: the VFS core checks every call against the caller's AUTH_SYS identity with a local
Linux file system's rules (chimera_vfs.h, "Permissions"), and ACCESS answers from the same decision. Real
libnfs clients with uid=/gid= in the URL, and a raw RPC client acting as several users."""

import os
import subprocess

import pytest

from chimera_test_support import serve
from nfs_rpc import (ACCESS_DELETE, ACCESS_EXECUTE, ACCESS_EXTEND, ACCESS_LOOKUP, ACCESS_MODIFY, ACCESS_READ,
                     NFSClient, NFSPorts, auth_sys, mount_root, nfs_config)

NFS3ERR_PERM, NFS3ERR_NOENT, NFS3ERR_ACCES = 1, 2, 13
ALICE = auth_sys(uid=1000, gid=1000, groups=(1000,))
BOB = auth_sys(uid=2000, gid=2000)
ALL = ACCESS_READ | ACCESS_LOOKUP | ACCESS_MODIFY | ACCESS_EXTEND | ACCESS_DELETE | ACCESS_EXECUTE


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    work = tmp_path_factory.mktemp("nfs-permissions")
    (work / "linux").mkdir()
    ports = NFSPorts()
    with serve(nfs_config(ports, str(work / "linux")), wait_ports=(ports.nfs, ports.mount),
               directory=str(work)) as s:
        s.ports = ports
        s.work = work
        yield s
        assert s.process.poll() is None, s.log[-4000:]


@pytest.fixture(params=["memfs", "linux"])
def tree(server, request):
    """(mount name, a fresh root-owned 0755 directory's handle, its name) on each mount."""
    root = mount_root(server.ports, "/" + request.param)
    name = request.node.name.replace("[", "-").replace("]", "")
    with NFSClient(server.ports.nfs) as c:
        status, made = c.mkdir(root, name, mode=0o755)
        assert status == 0, status
    return request.param, made[0], name


def test_issue_reproduction_with_libnfs(server, tree, tmp_path):
    """A tree made by root with mode 0755 refuses `nfs-cp` as uid 1000 (NFS3ERR_ACCES), and nothing is made."""
    mount, top, name = tree
    with NFSClient(server.ports.nfs) as c:
        status, sub = c.mkdir(top, "dir", mode=0o755)
        assert status == 0
        status, _ = c.mkdir(sub[0], "sub", mode=0o755)
        assert status == 0
    small = tmp_path / "small.txt"
    small.write_bytes(b"hello\n")
    url = server.ports.url(f"/{mount}/{name}/dir/sub/new.txt")
    refused = subprocess.run(["nfs-cp", str(small), url + "&uid=1000&gid=1000"], capture_output=True, text=True,
                             timeout=60, stdin=subprocess.DEVNULL)
    assert refused.returncode != 0, refused.stdout + refused.stderr
    assert "ACCES" in refused.stdout + refused.stderr
    with NFSClient(server.ports.nfs) as c:
        status, sub2 = c.lookup(top, "dir")
        status, subsub = c.lookup(sub2[0], "sub")
        assert c.lookup(subsub[0], "new.txt")[0] == NFS3ERR_NOENT
    allowed = subprocess.run(["nfs-cp", str(small), url], capture_output=True, text=True, timeout=60,
                             stdin=subprocess.DEVNULL)
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr


def test_non_owner_is_refused_and_access_agrees(server, tree):
    _, top, _ = tree
    with NFSClient(server.ports.nfs) as root:
        status, made, _ = root.create(top, "root-file", mode=0o644)
        assert status == 0
        fh = made[0]
        assert root.write(fh, 0, b"root data")[0] == 0
        status, granted = root.access(top, ALL)
        assert granted == ACCESS_READ | ACCESS_LOOKUP | ACCESS_MODIFY | ACCESS_EXTEND | ACCESS_DELETE
    with NFSClient(server.ports.nfs, cred=ALICE) as alice:
        status, granted = alice.access(top, ALL)
        assert status == 0 and granted == ACCESS_READ | ACCESS_LOOKUP, granted
        status, granted = alice.access(fh, ALL)
        assert granted == ACCESS_READ, granted
        assert alice.create(top, "mine", mode=0o644)[0] == NFS3ERR_ACCES
        assert alice.mkdir(top, "mine")[0] == NFS3ERR_ACCES
        assert alice.remove(top, "root-file") == NFS3ERR_ACCES
        assert alice.write(fh, 0, b"x")[0] == NFS3ERR_ACCES
        assert alice.setattr(fh, mode=0o666)[0] == NFS3ERR_PERM
        assert alice.setattr(fh, size=0)[0] == NFS3ERR_ACCES
        status, read = alice.read(fh, 0, 100)
        assert status == 0 and read["data"] == b"root data"
    with NFSClient(server.ports.nfs) as root:
        status, read = root.read(fh, 0, 100)
        assert read["data"] == b"root data"


def test_creator_writes_its_read_only_file(server, tree):
    """tar and cp -p create 0444 files and then write them: knfsd lets the owner, and so does the core."""
    _, top, _ = tree
    with NFSClient(server.ports.nfs) as root:
        assert root.setattr(top, mode=0o777)[0] == 0
    with NFSClient(server.ports.nfs, cred=ALICE) as alice:
        status, made, _ = alice.create(top, "readonly", mode=0o444)
        assert status == 0
        fh, attrs = made
        assert attrs["uid"] == 1000 and attrs["gid"] == 1000
        assert alice.write(fh, 0, b"written after create")[0] == 0
        assert alice.read(fh, 0, 100)[1]["data"] == b"written after create"
    with NFSClient(server.ports.nfs, cred=BOB) as bob:
        assert bob.write(fh, 0, b"x")[0] == NFS3ERR_ACCES


def test_sticky_directory(server, tree):
    _, top, _ = tree
    with NFSClient(server.ports.nfs) as root:
        assert root.setattr(top, mode=0o1777)[0] == 0
    with NFSClient(server.ports.nfs, cred=BOB) as bob:
        assert bob.create(top, "bobs", mode=0o666)[0] == 0
    with NFSClient(server.ports.nfs, cred=ALICE) as alice:
        assert alice.remove(top, "bobs") == NFS3ERR_PERM
        assert alice.rename(top, "bobs", top, "taken") == NFS3ERR_PERM
        assert alice.create(top, "alices", mode=0o644)[0] == 0
        assert alice.remove(top, "alices") == 0
    with NFSClient(server.ports.nfs, cred=BOB) as bob:
        assert bob.remove(top, "bobs") == 0


def test_root_squash_maps_root_to_nobody(server, tmp_path):
    """With squash "root", uid 0 becomes 65534 before the core sees it: root's own 0755 tree is closed to it."""
    ports = NFSPorts()
    linux = tmp_path / "linux"
    linux.mkdir()
    os.chmod(linux, 0o755)
    exports = [{"path": "/linux", "clients": ["127.0.0.1/32"], "access": "rw", "squash": "root"}]
    with serve(nfs_config(ports, str(linux), exports=exports), wait_ports=(ports.nfs, ports.mount),
               directory=str(tmp_path)) as s:
        root = mount_root(ports, "/linux")
        with NFSClient(ports.nfs) as squashed:
            status, made, _ = squashed.create(root, "f", mode=0o644)
            assert status == NFS3ERR_ACCES, status
        assert not (linux / "f").exists()
        assert s.process.poll() is None
