"""The NFS front-end against real clients, the daemon started from the build
tree: libnfs-utils (nfs-cp, nfs-ls, nfs-cat), the project's libnfs stress and
fsx clients, and the portmapper path stock clients take."""

import hashlib
import os
import socket
import subprocess
import time

import pytest

from chimera_test_support import BUILD, serve
from nfs_rpc import NFSClient, NFSPorts, getport, mount_root, nfs_config, pmap_dump

TEST_BIN = os.path.join(BUILD, "test-bin")
MOUNTS = ["memfs", "linux", "uring"]


def run(args, timeout=600, check=True):
    result = subprocess.run(args, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    if check and result.returncode != 0:
        raise AssertionError(f"{args[0]} exited {result.returncode}\nstdout: {result.stdout[-4000:]}\n"
                             f"stderr: {result.stderr[-4000:]}")
    return result


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One daemon for the module: memfs at /memfs, a host directory at /linux."""
    work = tmp_path_factory.mktemp("nfs-clients")
    linux = work / "linux"
    linux.mkdir()
    ports = NFSPorts()
    with serve(nfs_config(ports, str(linux)), wait_ports=(ports.nfs, ports.mount), directory=str(work)) as s:
        s.ports = ports
        s.linux = linux
        yield s
        assert s.process.poll() is None, "the daemon died during the tests:\n" + s.log[-4000:]


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@pytest.fixture(scope="module")
def big_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("nfs-big") / "random-256m"
    with open(path, "wb") as f:
        for _ in range(256):
            f.write(os.urandom(1 << 20))
    return path


@pytest.mark.parametrize("mount", MOUNTS)
def test_nfs_cp_256_mib_in_and_out_keeps_every_byte(server, big_file, mount, tmp_path):
    url = server.ports.url(f"/{mount}/big-{mount}.bin")
    start = time.monotonic()
    run(["nfs-cp", str(big_file), url], timeout=900)
    copied_in = time.monotonic() - start
    back = tmp_path / "back"
    start = time.monotonic()
    run(["nfs-cp", url, str(back)], timeout=900)
    copied_out = time.monotonic() - start
    assert os.path.getsize(back) == 256 << 20
    assert sha256(back) == sha256(big_file)
    if mount == "linux":
        assert sha256(server.linux / f"big-{mount}.bin") == sha256(big_file)
    print(f"\n256 MiB over NFSv3 ({mount}): in {copied_in:.1f} s ({256 / copied_in:.0f} MiB/s), "
          f"out {copied_out:.1f} s ({256 / copied_out:.0f} MiB/s)")


@pytest.mark.parametrize("mount", MOUNTS)
def test_nfs_ls_lists_a_10000_entry_directory(server, mount):
    root = mount_root(server.ports, f"/{mount}")
    with NFSClient(server.ports.nfs) as c:
        status, made = c.mkdir(root, "ten-thousand")
        assert status == 0
        directory = made[0]
        for i in range(10000):
            status, _, _ = c.create(directory, f"entry-{i:05d}")
            assert status == 0, f"create entry-{i:05d}: {status}"
    listing = run(["nfs-ls", server.ports.url(f"/{mount}/ten-thousand")], timeout=300).stdout
    names = {line.split()[-1] for line in listing.splitlines() if line.strip()}
    names -= {".", ".."}
    assert names == {f"entry-{i:05d}" for i in range(10000)}


def test_nfs_cat_and_nfs_ls_show_what_was_written(server, tmp_path):
    local = tmp_path / "hello.txt"
    local.write_bytes(b"hello over NFSv3\n" * 100)
    # nfs-cp does not create directories: make it, then copy.
    root = mount_root(server.ports, "/memfs")
    with NFSClient(server.ports.nfs) as c:
        c.mkdir(root, "cat")
    run(["nfs-cp", str(local), server.ports.url("/memfs/cat/hello.txt")])
    assert run(["nfs-cat", server.ports.url("/memfs/cat/hello.txt")]).stdout == local.read_text()
    listing = run(["nfs-ls", server.ports.url("/memfs/cat")]).stdout.split()
    # "-rw-r--r--  1  uid  gid  size  name", as nfs-ls prints it.
    assert listing[-1] == "hello.txt"
    assert listing[-2] == str(local.stat().st_size)
    assert listing[0].startswith("-rw")
    # nfs-stat is not in Debian's libnfs-utils 4.0: GETATTR of the same file through the raw client.
    with NFSClient(server.ports.nfs) as c:
        status, found = c.lookup(root, "cat")
        status, found = c.lookup(found[0], "hello.txt")
        assert status == 0
        status, attrs = c.getattr(found[0])
        assert status == 0 and attrs["size"] == local.stat().st_size and attrs["type"] == 1


def test_nfs_ls_of_a_missing_export_fails_cleanly(server):
    result = run(["nfs-ls", server.ports.url("/no-such-mount")], check=False)
    assert result.returncode != 0
    assert server.process.poll() is None


@pytest.mark.parametrize("mount", MOUNTS)
def test_stress_client_matches_its_model(server, mount):
    result = run([os.path.join(TEST_BIN, "nfs-stress"), "-c", "8", "-n", "20000", "-t", "300",
                  server.ports.url(f"/{mount}")], timeout=900)
    assert "nfs-stress: OK" in result.stdout, result.stdout + result.stderr
    print("\n" + result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("mount", MOUNTS)
def test_fsx_client_matches_its_model(server, mount):
    result = run([os.path.join(TEST_BIN, "nfs-fsx"), "-N", "10000", "-s", "20261124",
                  server.ports.url(f"/{mount}"), f"/fsx-{mount}.dat"], timeout=900)
    assert "nfs-fsx: OK, 10000 operations" in result.stdout, result.stdout + result.stderr


# ------------------------------------------------------------------ portmapper

def test_portmapper_answers_getport_and_dump(tmp_path):
    ports = NFSPorts(portmap=True)
    (tmp_path / "linux").mkdir()
    with serve(nfs_config(ports, str(tmp_path / "linux")), wait_ports=(ports.portmap,), directory=str(tmp_path)):
        assert getport(ports.portmap, 100003, 3) == ports.nfs
        assert getport(ports.portmap, 100005, 3) == ports.mount
        assert getport(ports.portmap, 100000, 2) == ports.portmap
        assert getport(ports.portmap, 100003, 4) == 0, "NFSv4 is not served yet"
        assert getport(ports.portmap, 100003, 3, protocol=17) == 0, "no UDP"
        assert getport(ports.portmap, 100021, 4) == ports.nfs, "NLM v4 on the NFS port"
        assert getport(ports.portmap, 100021, 4, protocol=17) == 0, "no UDP"
        assert getport(ports.portmap, 100024, 1) == ports.nfs, "NSM v1 on the NFS port"
        assert sorted(pmap_dump(ports.portmap)) == sorted([
            (100003, 3, 6, ports.nfs), (100005, 3, 6, ports.mount), (100000, 2, 6, ports.portmap),
            (100021, 4, 6, ports.nfs), (100024, 1, 6, ports.nfs)])


def port_is_free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def test_stock_client_finds_nfs_and_mount_through_the_portmapper(tmp_path):
    """nfs-ls with no ports in the URL asks the portmapper on 111 for MOUNT and NFS."""
    if not port_is_free(111):
        pytest.skip("port 111 is taken (a system rpcbind?); GETPORT is covered on a free port above")
    ports = NFSPorts()
    ports.portmap = 111
    (tmp_path / "linux").mkdir()
    (tmp_path / "linux" / "found-via-portmap").write_text("x")
    with serve(nfs_config(ports, str(tmp_path / "linux")), wait_ports=(111, ports.nfs), directory=str(tmp_path)):
        listing = run(["nfs-ls", "nfs://127.0.0.1/linux"], timeout=120).stdout
        assert "found-via-portmap" in listing


def test_mount_served_on_the_nfs_port_when_mount_port_is_0(tmp_path):
    ports = NFSPorts(portmap=True)
    ports.mount = 0
    (tmp_path / "linux").mkdir()
    (tmp_path / "linux" / "shared-port").write_text("x")
    with serve(nfs_config(ports, str(tmp_path / "linux")), wait_ports=(ports.nfs, ports.portmap),
               directory=str(tmp_path)):
        assert getport(ports.portmap, 100005, 3) == ports.nfs
        listing = run(["nfs-ls", f"nfs://127.0.0.1/linux?nfsport={ports.nfs}&mountport={ports.nfs}"]).stdout
        assert "shared-port" in listing


def test_calls_are_counted_by_procedure_in_the_metrics(tmp_path):
    import urllib.request
    from chimera_test_support import free_port
    ports = NFSPorts()
    metrics_port = free_port()
    (tmp_path / "linux").mkdir()
    config = nfs_config(ports, str(tmp_path / "linux"))
    config["server"]["metrics_port"] = metrics_port
    with serve(config, wait_ports=(ports.nfs, metrics_port), directory=str(tmp_path)):
        root = mount_root(ports, "/memfs")
        with NFSClient(ports.nfs) as c:
            for _ in range(7):
                c.getattr(root)
            c.lookup(root, "missing")
        text = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10).read().decode()
    lines = [line for line in text.splitlines() if line.startswith("chimera_nfs_")]

    def value(name, procedure, program="nfs3"):
        for line in lines:
            if line.startswith(name + "{") and f'procedure="{procedure}"' in line and f'program="{program}"' in line:
                return float(line.rsplit(" ", 1)[1])
        raise AssertionError(f"{name} {procedure} not in:\n" + "\n".join(lines))

    assert value("chimera_nfs_calls_total", "getattr") == 7
    assert value("chimera_nfs_calls_total", "mnt", "mount3") == 1
    assert value("chimera_nfs_errors_total", "lookup") == 1
