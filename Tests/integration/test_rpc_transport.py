"""The host's ONC RPC record marking (RFC 5531 §11) on the running NFS port,
with raw sockets: records in many fragments, many records in one write, a
length claim past the limit, a peer gone mid-record, garbage; and SIGTERM
with clients connected."""

import os
import signal
import socket
import struct
import subprocess
import time

import pytest

from chimera_test_support import serve
from nfs_rpc import (GETATTR, NFS_PROGRAM, NFS_V3, NFSClient, NFSPorts, Packer, RPCClient, Unpacker, call_message,
                     mount_root, nfs_config, parse_reply, record)


@pytest.fixture
def server(tmp_path):
    (tmp_path / "linux").mkdir()
    ports = NFSPorts()
    with serve(nfs_config(ports, str(tmp_path / "linux")), wait_ports=(ports.nfs, ports.mount),
               directory=str(tmp_path)) as s:
        s.ports = ports
        yield s


def null_works(port):
    with RPCClient(port, timeout=10) as c:
        assert c.call(NFS_PROGRAM, NFS_V3, 0) == b""


def closed_by_server(sock, timeout=10):
    """True when the server closes the connection (EOF or reset) within `timeout`."""
    sock.settimeout(timeout)
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def test_a_record_in_many_fragments(server):
    root = mount_root(server.ports, "/memfs")
    with NFSClient(server.ports.nfs) as c:
        for fragments in (2, 7, 40):
            xid = c.next_xid()
            message = call_message(xid, NFS_PROGRAM, NFS_V3, GETATTR, Packer().opaque(root).bytes())
            c.send_raw(record(message, fragments))
            _, result = parse_reply(c.recv_record(), xid)
            assert struct.unpack(">I", result[:4])[0] == 0
        # Fragments in separate writes, with pauses between them.
        xid = c.next_xid()
        data = record(call_message(xid, NFS_PROGRAM, NFS_V3, 0), 5)
        for i in range(0, len(data), 7):
            c.send_raw(data[i:i + 7])
            time.sleep(0.01)
        parse_reply(c.recv_record(), xid)


def test_many_records_in_one_write_are_all_answered(server):
    with RPCClient(server.ports.nfs) as c:
        xids = [c.next_xid() for _ in range(500)]
        c.send_raw(b"".join(record(call_message(x, NFS_PROGRAM, NFS_V3, 0)) for x in xids))
        answered = [parse_reply(c.recv_record())[0] for _ in xids]
        assert sorted(answered) == sorted(xids)


def test_a_thousand_pipelined_reads_are_all_answered(server):
    """More calls in flight than a connection admits at once: reading pauses and resumes, nothing is lost."""
    root = mount_root(server.ports, "/linux")
    with NFSClient(server.ports.nfs) as c:
        status, (fh, _), _ = c.create(root, "pipelined")
        data = os.urandom(1 << 20)
        assert c.write(fh, 0, data)[0] == 0
        calls = []
        for i in range(1000):
            xid = c.next_xid()
            offset = (i * 4096) % (1 << 20)
            calls.append((xid, offset))
        c.send_raw(b"".join(record(call_message(x, NFS_PROGRAM, NFS_V3, 6, Packer().opaque(fh).u64(o).u32(4096)
                                                            .bytes())) for x, o in calls))
        expected = dict(calls)
        for _ in calls:
            xid, body = parse_reply(c.recv_record())
            u = Unpacker(body)
            assert u.u32() == 0
            if u.boolean():
                u.take(84)
            count, _, got = u.u32(), u.u32(), u.opaque()
            offset = expected.pop(xid)
            assert got == data[offset:offset + 4096]
        assert not expected


def test_a_length_claim_past_the_limit_closes_that_connection_only(server):
    with RPCClient(server.ports.nfs) as healthy:
        with socket.create_connection(("127.0.0.1", server.ports.nfs), timeout=10) as s:
            # 2 GiB - 1 in one fragment, then another such fragment: a 4 GiB record.
            s.sendall(struct.pack(">I", 0x7FFFFFFF) + b"\0" * 1024)
            assert closed_by_server(s)
        assert healthy.call(NFS_PROGRAM, NFS_V3, 0) == b""
    with socket.create_connection(("127.0.0.1", server.ports.nfs), timeout=10) as s:
        s.sendall(struct.pack(">I", 0xFFFFFFFF))
        assert closed_by_server(s)
    null_works(server.ports.nfs)


def test_a_peer_that_disconnects_mid_record(server):
    for _ in range(20):
        with socket.create_connection(("127.0.0.1", server.ports.nfs), timeout=10) as s:
            message = call_message(1, NFS_PROGRAM, NFS_V3, 0)
            s.sendall(struct.pack(">I", 0x80000000 | 4000) + message)
        with socket.create_connection(("127.0.0.1", server.ports.nfs), timeout=10) as s:
            # A WRITE's header and part of its data.
            s.sendall(struct.pack(">I", 0x80000000 | 1 << 20) + os.urandom(70000))
    null_works(server.ports.nfs)
    assert server.process.poll() is None


def test_garbage_bytes(server):
    for seed in range(30):
        data = os.urandom(64 + seed * 37)
        with socket.create_connection(("127.0.0.1", server.ports.nfs), timeout=5) as s:
            s.sendall(data)
            # Framed garbage too: a well-formed record mark around random bytes.
            try:
                s.sendall(record(os.urandom(100 + seed)))
            except OSError:
                pass
            s.settimeout(0.3)
            try:
                s.recv(4096)
            except (socket.timeout, ConnectionResetError):
                pass
    with RPCClient(server.ports.nfs) as c:
        for seed in range(30):
            c.send_raw(record(struct.pack(">II", c.next_xid(), 0) + os.urandom(seed * 5)))
        # Whatever those got, the connection still serves.
        c.sock.settimeout(2)
        xid = c.next_xid()
        c.send_raw(record(call_message(xid, NFS_PROGRAM, NFS_V3, 0)))
        for _ in range(31):
            got, = struct.unpack(">I", c.recv_record()[:4])
            if got == xid:
                break
        else:
            pytest.fail("no reply to the NULL call after garbage")
    null_works(server.ports.nfs)
    assert server.process.poll() is None


def test_sigterm_with_clients_connected_exits_zero_promptly(tmp_path):
    (tmp_path / "linux").mkdir()
    ports = NFSPorts()
    with serve(nfs_config(ports, str(tmp_path / "linux")), wait_ports=(ports.nfs, ports.mount),
               directory=str(tmp_path)) as server:
        idle = NFSClient(ports.nfs)
        idle.call(NFS_PROGRAM, NFS_V3, 0)
        half = socket.create_connection(("127.0.0.1", ports.nfs))
        half.sendall(struct.pack(">I", 0x80000000 | 1000) + b"\0" * 10)
        # A real client in the middle of copying a file.
        big = tmp_path / "big"
        big.write_bytes(os.urandom(64 << 20))
        copier = subprocess.Popen(["nfs-cp", str(big), ports.url("/memfs/big")], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            time.sleep(0.3)
            start = time.monotonic()
            server.process.send_signal(signal.SIGTERM)
            server.process.wait(timeout=20)
            elapsed = time.monotonic() - start
            assert server.process.returncode == 0, server.log[-3000:]
            assert elapsed < 15, f"took {elapsed:.1f} s to stop"
            assert closed_by_server(idle.sock, timeout=5)
        finally:
            copier.kill()
            copier.wait(timeout=10)
            idle.close()
            half.close()
