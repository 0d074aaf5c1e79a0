"""Exports: who may mount what, read-only exports, identity squashing, the
MOUNT lists, and config validation through `chimera check`. Exports are
enforced per mount on every call, so a client that never mounted but holds
(or guesses) a handle is still checked."""

import os
import subprocess

import pytest

from chimera_test_support import run_chimera, serve, write_config
from nfs_rpc import (ACCESS_DELETE, ACCESS_EXTEND, ACCESS_LOOKUP, ACCESS_MODIFY, ACCESS_READ, FILE_SYNC,
                     MOUNT_PROGRAM, MOUNT_V3, NFS3ERR_ACCES, NFS3ERR_ROFS, NFSClient, NFSPorts, Packer, Unpacker,
                     auth_sys, mount_root, nfs_config)


def linux_dir(tmp_path):
    path = tmp_path / "linux"
    path.mkdir(exist_ok=True)
    return str(path)


def start(tmp_path, exports, ports=None):
    ports = ports or NFSPorts()
    server = serve(nfs_config(ports, linux_dir(tmp_path), exports=exports), wait_ports=(ports.nfs, ports.mount),
                   directory=str(tmp_path))
    return ports, server


def test_a_client_outside_the_export_gets_acces_on_mount_and_on_a_kept_handle(tmp_path):
    (tmp_path / "linux").mkdir()
    (tmp_path / "linux" / "secret.txt").write_text("not for you\n")
    ports = NFSPorts()
    # First the default exports (loopback may mount): keep the mount's root handle.
    ports, server = start(tmp_path, None, ports)
    with server:
        root = mount_root(ports, "/linux")
        with NFSClient(ports.nfs) as c:
            status, found = c.lookup(root, "secret.txt")
            assert status == 0
            secret = found[0]
    # Then only 10.0.0.0/8 is admitted: loopback gets ACCES from MNT and from every call on old handles.
    exports = [{"path": "/linux", "clients": ["10.0.0.0/8"]}, {"path": "/memfs", "clients": ["10.0.0.0/8"]}]
    ports, server = start(tmp_path, exports, ports)
    with server as running:
        with NFSClient(ports.mount) as m:
            assert m.mnt("/linux")[0] == NFS3ERR_ACCES
            assert m.mnt("/memfs")[0] == NFS3ERR_ACCES
            assert m.mnt("/not-exported")[0] == 2, "a path no export covers is NOENT"
        with NFSClient(ports.nfs) as c:
            assert c.getattr(root)[0] == NFS3ERR_ACCES
            assert c.getattr(secret)[0] == NFS3ERR_ACCES
            assert c.read(secret, 0, 100)[0] == NFS3ERR_ACCES
            assert c.lookup(root, "secret.txt")[0] == NFS3ERR_ACCES
            # The connection keeps serving after refusals.
            c.call(100003, 3, 0)
        listing = subprocess.run(["nfs-ls", ports.url("/linux")], capture_output=True, text=True, timeout=60)
        assert listing.returncode != 0
        assert "secret.txt" not in listing.stdout
        assert "refused by the exports" in running.log and "client not admitted" in running.log


def test_a_read_only_export_refuses_every_change_and_still_reads(tmp_path):
    (tmp_path / "linux").mkdir()
    (tmp_path / "linux" / "kept.txt").write_text("read me\n")
    (tmp_path / "linux" / "dir").mkdir()
    exports = [{"path": "/linux", "access": "ro", "squash": "none"}]
    ports, server = start(tmp_path, exports)
    with server:
        root = mount_root(ports, "/linux")
        with NFSClient(ports.nfs) as c:
            status, found = c.lookup(root, "kept.txt")
            assert status == 0
            fh = found[0]
            status, result = c.read(fh, 0, 100)
            assert status == 0 and result["data"] == b"read me\n"
            assert c.create(root, "new.txt")[0] == NFS3ERR_ROFS
            assert c.mkdir(root, "newdir")[0] == NFS3ERR_ROFS
            assert c.write(fh, 0, b"overwrite", FILE_SYNC)[0] == NFS3ERR_ROFS
            assert c.setattr(fh, mode=0o600)[0] == NFS3ERR_ROFS
            assert c.remove(root, "kept.txt") == NFS3ERR_ROFS
            assert c.rename(root, "kept.txt", root, "moved.txt") == NFS3ERR_ROFS
            status, granted = c.access(fh, 0x3F)
            assert status == 0
            assert granted & ACCESS_READ
            assert granted & (ACCESS_MODIFY | ACCESS_EXTEND | ACCESS_DELETE) == 0
            status, granted = c.access(root, 0x3F)
            assert granted & ACCESS_LOOKUP and granted & (ACCESS_MODIFY | ACCESS_EXTEND | ACCESS_DELETE) == 0
        cat = subprocess.run(["nfs-cat", ports.url("/linux/kept.txt")], capture_output=True, text=True, timeout=60)
        assert cat.returncode == 0 and cat.stdout == "read me\n"
        local = tmp_path / "upload.txt"
        local.write_text("no\n")
        cp = subprocess.run(["nfs-cp", str(local), ports.url("/linux/upload.txt")], capture_output=True, text=True,
                            timeout=60)
        assert cp.returncode != 0
    assert sorted(os.listdir(tmp_path / "linux")) == ["dir", "kept.txt"]
    assert (tmp_path / "linux" / "kept.txt").read_text() == "read me\n"


def created_owner(ports, root, name, uid, gid):
    with NFSClient(ports.nfs, cred=auth_sys(uid=uid, gid=gid, groups=(gid, 0))) as c:
        status, result, _ = c.create(root, name)
        assert status == 0, status
        return result[1]["uid"], result[1]["gid"]


def test_root_squash_maps_uid_0_and_leaves_others(tmp_path):
    exports = [{"path": "/memfs", "squash": "root", "anonuid": 4242, "anongid": 4343}]
    ports, server = start(tmp_path, exports)
    with server:
        root = mount_root(ports, "/memfs")
        assert created_owner(ports, root, "by-root", 0, 0) == (4242, 4343)
        assert created_owner(ports, root, "by-user", 1000, 100) == (1000, 100)
        # libnfs runs as root here: what nfs-cp creates belongs to the anonymous user too.
        local = tmp_path / "f"
        local.write_text("x")
        subprocess.run(["nfs-cp", str(local), ports.url("/memfs/copied")], check=True, timeout=60,
                       capture_output=True)
        listing = subprocess.run(["nfs-ls", ports.url("/memfs")], capture_output=True, text=True, timeout=60).stdout
        line = next(line for line in listing.splitlines() if line.endswith(" copied"))
        assert line.split()[2:4] == ["4242", "4343"]


def test_all_squash_and_no_squash(tmp_path):
    exports = [{"path": "/memfs", "squash": "all"}, {"path": "/linux", "squash": "none"}]
    ports, server = start(tmp_path, exports)
    with server:
        root = mount_root(ports, "/memfs")
        assert created_owner(ports, root, "a", 1000, 100) == (65534, 65534)
        assert created_owner(ports, root, "b", 0, 0) == (65534, 65534)
        with NFSClient(ports.nfs, cred=(0, b"")) as c:  # AUTH_NONE is the anonymous user
            status, result, _ = c.create(root, "c")
            assert status == 0 and result[1]["uid"] == 65534


def test_mount_export_dump_and_umnt(tmp_path):
    exports = [{"path": "/memfs", "clients": ["127.0.0.1/32", "::1/128"]}, {"path": "/linux", "access": "ro"}]
    ports, server = start(tmp_path, exports)
    with server:
        with NFSClient(ports.mount) as m:
            u = Unpacker(m.call(MOUNT_PROGRAM, MOUNT_V3, 5))
            exported = {}
            while u.boolean():
                path = u.opaque().decode()
                groups = []
                while u.boolean():
                    groups.append(u.opaque().decode())
                exported[path] = groups
            assert exported == {"/memfs": ["127.0.0.1/32", "::1/128"], "/linux": ["127.0.0.0/8", "::1/128"]}

            status, (fh, flavors) = m.mnt("/memfs/")
            assert status == 0 and flavors == [1] and 16 < len(fh) <= 64

            def dump():
                u = Unpacker(m.call(MOUNT_PROGRAM, MOUNT_V3, 2))
                out = []
                while u.boolean():
                    out.append((u.opaque().decode(), u.opaque().decode()))
                return out

            assert dump() == [("127.0.0.1", "/memfs")]
            m.call(MOUNT_PROGRAM, MOUNT_V3, 3, Packer().opaque("/memfs").bytes())
            assert dump() == []
            m.mnt("/linux")
            m.call(MOUNT_PROGRAM, MOUNT_V3, 4)
            assert dump() == []


def test_mounting_a_subdirectory_of_an_export(tmp_path):
    (tmp_path / "linux").mkdir()
    (tmp_path / "linux" / "projects" / "a").mkdir(parents=True)
    (tmp_path / "linux" / "file").write_text("x")
    exports = [{"path": "/linux/projects"}]
    ports, server = start(tmp_path, exports)
    with server:
        with NFSClient(ports.mount) as m:
            assert m.mnt("/linux/projects/a")[0] == 0
            assert m.mnt("/linux/projects/missing")[0] == 2
            assert m.mnt("/linux")[0] == 2, "above the export: not exported"
            assert m.mnt("/linux/file")[0] == 2


def check(tmp_path, nfs):
    config = {"server": {"vfs": {"memfs": {}}, "protocols": {"nfs": nfs}},
              "mounts": {"memfs": {"module": "memfs"}}}
    path = write_config(str(tmp_path), config)
    return run_chimera("check", "--config", path)


@pytest.mark.parametrize("nfs, key, expected", [
    ({"exports": [{"path": "/memfs", "clients": ["10.0.0.0/33"]}]}, "server.protocols.nfs.exports[0].clients[0]",
     "CIDR"),
    ({"exports": [{"path": "/nowhere"}]}, "server.protocols.nfs.exports[0].path", "not in a mount"),
    ({"exports": [{"path": "relative"}]}, "server.protocols.nfs.exports[0].path", "absolute"),
    ({"exports": [{"path": "/memfs", "access": "rwx"}]}, "server.protocols.nfs.exports[0].access", "\"ro\""),
    ({"exports": [{"path": "/memfs", "squash": "some"}]}, "server.protocols.nfs.exports[0].squash", "\"root\""),
    ({"exports": [{"path": "/memfs", "anonuid": -1}]}, "server.protocols.nfs.exports[0].anonuid", "integer"),
    ({"exports": [{"path": "/memfs", "client": ["*"]}]}, "server.protocols.nfs.exports[0].client", "unknown key"),
    ({"exports": "all"}, "server.protocols.nfs.exports", "an array"),
    ({"port": 0}, "server.protocols.nfs.port", "from 1 to 65535"),
    ({"nfs_port": 2049}, "server.protocols.nfs.nfs_port", "unknown key"),
])
def test_check_refuses_bad_nfs_config_with_one_line_naming_the_key(tmp_path, nfs, key, expected):
    result = check(tmp_path, nfs)
    assert result.returncode == 78, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert key in lines[0] and expected in lines[0], lines[0]


def test_check_accepts_a_full_nfs_config(tmp_path):
    result = check(tmp_path, {"port": 2049, "mount_port": 20048, "portmap_port": 0, "exports": [
        {"path": "/memfs", "clients": ["127.0.0.1", "10.1.0.0/16", "fd00::/8", "*"], "access": "ro",
         "squash": "all", "anonuid": 1000, "anongid": 1000},
        {"path": "/"}]})
    assert result.returncode == 0, result.stderr


def wait_for_ipv6(port, deadline_s=60):
    import socket
    import time
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            with socket.create_connection(("::1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on [::1]:{port}")


def test_ipv6_clients_match_ipv6_ranges(tmp_path):
    ports = NFSPorts()
    exports = [{"path": "/memfs", "clients": ["::1/128"]}, {"path": "/linux", "clients": ["127.0.0.1"]}]
    config = nfs_config(ports, linux_dir(tmp_path), exports=exports)
    config["server"]["bind_address"] = "::1"
    with serve(config, directory=str(tmp_path)):
        wait_for_ipv6(ports.nfs)
        wait_for_ipv6(ports.mount)
        with NFSClient(ports.mount, host="::1") as m:
            status, result = m.mnt("/memfs")
            assert status == 0
            assert m.mnt("/linux")[0] == NFS3ERR_ACCES
        with NFSClient(ports.nfs, host="::1") as c:
            assert c.getattr(result[0])[0] == 0
