"""Open state across protocols: a lease or lock held through the core by one front-end (a test front-end in C,
built against the installed headers, standing in for SMB or NFSv4) is broken or honoured by an NFSv3 WRITE
and an S3 PUT from other clients, and the holder observes the break (chimera_vfs.h, "Open state")."""

import os
import socket
import struct
import threading

import pytest

from chimera_test_support import S3_ACCESS_KEY, S3_SECRET_KEY, free_port, s3_client, serve
from nfs_rpc import NFSClient, NFSPorts, mount_root, nfs_config

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STATE_FRONTEND = os.path.join(REPO, "build", "test-plugins", "chimera_proto_state_test.so")

LEASE_R, LEASE_H, LEASE_W = 1, 2, 4
RWH = LEASE_R | LEASE_H | LEASE_W


class StateClient:
    """One connection to the test front-end: one client of the core's open state."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)

    def send(self, text):
        data = text.encode()
        self.sock.sendall(struct.pack(">I", len(data)) + data)

    def receive(self, timeout=60):
        self.sock.settimeout(timeout)
        head = self._exactly(4)
        return self._exactly(struct.unpack(">I", head)[0]).decode()

    def _exactly(self, n):
        out = b""
        while len(out) < n:
            chunk = self.sock.recv(n - len(out))
            if not chunk:
                raise ConnectionError("the test front-end closed the connection")
            out += chunk
        return out

    def call(self, text):
        self.send(text)
        return self.receive().split()

    def close(self):
        self.sock.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    assert os.path.exists(STATE_FRONTEND), "run `make build` first (it builds the C test front-end)"
    work = tmp_path_factory.mktemp("state-leases")
    (work / "linux").mkdir()
    ports = NFSPorts()
    state_port, s3_port = free_port(), free_port()
    config = nfs_config(ports, str(work / "linux"))
    config["server"]["protocols"]["state_test"] = {"path": STATE_FRONTEND, "port": state_port}
    config["server"]["protocols"]["s3"] = {
        "port": s3_port, "credentials": [{"access_key": S3_ACCESS_KEY, "secret_key": S3_SECRET_KEY}]}
    config["server"]["state"] = {"break_seconds": 5}
    config["buckets"] = {"memfs": {"path": "/memfs"}}
    with serve(config, wait_ports=(ports.nfs, ports.mount, state_port, s3_port), directory=str(work)) as s:
        s.ports, s.state_port, s.s3_port = ports, state_port, s3_port
        yield s
        assert s.process.poll() is None, s.log[-4000:]


def make_file(server, name, data=b"before"):
    root = mount_root(server.ports, "/memfs")
    with NFSClient(server.ports.nfs) as c:
        status, made, _ = c.create(root, name)
        assert status == 0, status
        assert c.write(made[0], 0, data)[0] == 0
    return made[0]


def test_nfs_write_breaks_a_write_lease_held_through_the_core(server):
    fh = make_file(server, "leased")
    holder = StateClient(server.state_port)
    try:
        opened = holder.call("OPEN /memfs/leased RWH")
        assert opened[:2] == ["OPENED", "0"], opened
        assert int(opened[3]) == RWH
        result = {}

        def nfs_write():
            with NFSClient(server.ports.nfs) as c:
                result["status"] = c.write(fh, 0, b"after!")[0]

        writer = threading.Thread(target=nfs_write)
        writer.start()
        notice = holder.receive().split()
        assert notice == ["BREAK", str(RWH), str(LEASE_H), "0"], notice
        writer.join(timeout=1)
        assert writer.is_alive(), "the NFSv3 WRITE ran before the lease holder answered the break"
        assert holder.call("ACK H") == ["ACKED", "0"]
        writer.join(timeout=30)
        assert not writer.is_alive()
        assert result["status"] == 0
        with NFSClient(server.ports.nfs) as c:
            status, read = c.read(fh, 0, 100)
        assert status == 0 and read["data"].startswith(b"after!")
    finally:
        holder.close()


def test_an_unanswered_break_is_revoked_and_the_write_goes_on(server):
    fh = make_file(server, "silent")
    holder = StateClient(server.state_port)
    try:
        assert holder.call("OPEN /memfs/silent RWH")[:2] == ["OPENED", "0"]
        with NFSClient(server.ports.nfs) as c:
            assert c.write(fh, 0, b"x")[0] == 0
        assert holder.receive().split()[:3] == ["BREAK", str(RWH), str(LEASE_H)]
        assert holder.receive().split() == ["BREAK", str(RWH), str(LEASE_H), "1"]
    finally:
        holder.close()


def test_s3_put_breaks_handle_caching_of_the_replaced_file(server):
    make_file(server, "object")
    holder = StateClient(server.state_port)
    try:
        assert holder.call("OPEN /memfs/object RWH")[:2] == ["OPENED", "0"]
        result = {}

        def put():
            s3 = s3_client(server.s3_port)
            result["etag"] = s3.put_object(Bucket="memfs", Key="object", Body=b"from s3")["ETag"]

        putter = threading.Thread(target=put)
        putter.start()
        notice = holder.receive().split()
        # The PUT replaces the name: the holder's open file is no longer the object's, so its handle caching goes.
        assert notice[0] == "BREAK" and int(notice[2]) & LEASE_H == 0, notice
        putter.join(timeout=1)
        assert putter.is_alive(), "the PUT replaced the file before the holder answered"
        assert holder.call("ACK " + "".join(c for c, bit in (("R", 1), ("H", 2), ("W", 4)) if int(notice[2]) & bit)) \
            == ["ACKED", "0"]
        putter.join(timeout=30)
        assert "etag" in result
    finally:
        holder.close()


def test_a_lock_held_through_the_core_is_released_when_its_client_goes(server):
    make_file(server, "locked")
    first, second = StateClient(server.state_port), StateClient(server.state_port)
    try:
        assert first.call("LOCK /memfs/locked 0 10") == ["LOCK", "0"]
        assert second.call("LOCK /memfs/locked 5 1") == ["LOCK", "10010"]  # CHIMERA_LOCKED
        first.close()
        for _ in range(100):
            if second.call("LOCK /memfs/locked 5 1") == ["LOCK", "0"]:
                break
        else:
            pytest.fail("the lock outlived its client's connection")
    finally:
        second.close()
