"""ONC RPC call handling on the running NFS port (RFC 5531 §9): every call
that cannot run gets the rejection the RFC prescribes, and the connection
keeps serving afterwards."""

import struct

import pytest

from chimera_test_support import serve
from nfs_rpc import (AUTH_BADCRED, AUTH_DH, AUTH_ERROR, GETATTR, MOUNT_PROGRAM, NFS_PROGRAM, NFS_V3, PORTMAP_PROGRAM,
                     RPC_MISMATCH, WRITE, NFSClient, NFSPorts, Packer, RPCClient, RPCError, call_message, mount_root,
                     nfs_config, parse_reply, record)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    work = tmp_path_factory.mktemp("rpc-calls")
    (work / "linux").mkdir()
    ports = NFSPorts()
    with serve(nfs_config(ports, str(work / "linux")), wait_ports=(ports.nfs, ports.mount),
               directory=str(work)) as s:
        s.ports = ports
        yield s
        assert s.process.poll() is None, s.log[-4000:]


def rejection(client, *args, **kwargs):
    with pytest.raises(RPCError) as caught:
        client.call(*args, **kwargs)
    return caught.value.kind, caught.value.detail


def still_serving(client):
    assert client.call(NFS_PROGRAM, NFS_V3, 0) == b""


def test_truncated_and_malformed_arguments_get_garbage_args(server):
    root = mount_root(server.ports, "/memfs")
    with NFSClient(server.ports.nfs) as c:
        full = Packer().opaque(root).bytes()
        # Every cut of GETATTR's arguments short of the whole.
        for cut in range(len(full)):
            assert rejection(c, NFS_PROGRAM, NFS_V3, GETATTR, full[:cut])[0] == "GARBAGE_ARGS"
            still_serving(c)
        # A handle longer than NFS3_FHSIZE, a length word past the record, WRITE data cut short.
        assert rejection(c, NFS_PROGRAM, NFS_V3, GETATTR, Packer().opaque(b"x" * 65).bytes())[0] == "GARBAGE_ARGS"
        assert rejection(c, NFS_PROGRAM, NFS_V3, GETATTR, struct.pack(">I", 0xFFFFFFF0))[0] == "GARBAGE_ARGS"
        write = Packer().opaque(root).u64(0).u32(100).u32(2).u32(100).bytes() + b"short"
        assert rejection(c, NFS_PROGRAM, NFS_V3, WRITE, write)[0] == "GARBAGE_ARGS"
        # A bool that is neither 0 nor 1 (sattr3's set_mode).
        setattr_args = Packer().opaque(root).u32(7).bytes()
        assert rejection(c, NFS_PROGRAM, NFS_V3, 2, setattr_args)[0] == "GARBAGE_ARGS"
        still_serving(c)
        assert c.getattr(root)[0] == 0


def test_unknown_programs_versions_and_procedures(server):
    with NFSClient(server.ports.nfs) as c:
        assert rejection(c, NFS_PROGRAM, 4, 0) == ("PROG_MISMATCH", (3, 3))
        assert rejection(c, NFS_PROGRAM, 2, 0) == ("PROG_MISMATCH", (3, 3))
        assert rejection(c, MOUNT_PROGRAM, 1, 0) == ("PROG_MISMATCH", (3, 3))
        assert rejection(c, 100021, 1, 0) == ("PROG_MISMATCH", (4, 4)), "NLM v4 only"
        assert rejection(c, 100021, 4, 10)[0] == "PROC_UNAVAIL", "GRANTED_MSG is the client's to serve"
        assert rejection(c, 100099, 1, 0)[0] == "PROG_UNAVAIL"
        assert rejection(c, NFS_PROGRAM, NFS_V3, 22)[0] == "PROC_UNAVAIL"
        assert rejection(c, NFS_PROGRAM, NFS_V3, 1000)[0] == "PROC_UNAVAIL"
        assert rejection(c, PORTMAP_PROGRAM, 2, 5)[0] == "PROC_UNAVAIL", "CALLIT is not served"
        still_serving(c)


def test_wrong_rpc_version_and_bad_credentials(server):
    with RPCClient(server.ports.nfs) as c:
        xid = c.next_xid()
        c.send_raw(record(call_message(xid, NFS_PROGRAM, NFS_V3, 0, rpcvers=3)))
        with pytest.raises(RPCError) as caught:
            parse_reply(c.recv_record(), xid)
        assert caught.value.kind == "RPC_MISMATCH" and caught.value.detail == (2, 2)
        assert rejection(c, NFS_PROGRAM, NFS_V3, 0, cred=(AUTH_DH, b"\0" * 8)) == ("AUTH_ERROR", AUTH_BADCRED)
        # AUTH_SYS whose body is not an authsys_parms.
        assert rejection(c, NFS_PROGRAM, NFS_V3, 0, cred=(1, b"\0\0\0")) == ("AUTH_ERROR", AUTH_BADCRED)
        # More than 16 groups.
        body = Packer().u32(0).opaque("h").u32(0).u32(0).u32(17)
        for g in range(17):
            body.u32(g)
        assert rejection(c, NFS_PROGRAM, NFS_V3, 0, cred=(1, body.bytes()))[0] == "AUTH_ERROR"
        # AUTH_NONE calls are served (as the anonymous user).
        assert c.call(NFS_PROGRAM, NFS_V3, 0, cred=(0, b"")) == b""
        still_serving(c)
    assert RPC_MISMATCH == 0 and AUTH_ERROR == 1


def test_a_reply_message_and_a_cut_header_get_no_answer_and_the_connection_serves_on(server):
    with RPCClient(server.ports.nfs) as c:
        # A REPLY (message type 1) is not a call: dropped.
        c.send_raw(record(struct.pack(">II", 77, 1) + b"\0" * 16))
        # A CALL cut inside its header: answered GARBAGE_ARGS with its xid.
        c.send_raw(record(struct.pack(">IIII", 78, 0, 2, NFS_PROGRAM)))
        with pytest.raises(RPCError) as caught:
            parse_reply(c.recv_record(), 78)
        assert caught.value.kind == "GARBAGE_ARGS"
        # Four bytes: not even a message type.
        c.send_raw(record(b"\0\0\0\x01"))
        still_serving(c)


def test_mutated_calls_never_hurt_the_server(server):
    """Valid calls of every procedure with bytes flipped, cut or appended: each gets an answer or is dropped,
    and the server keeps serving (a seeded, bounded fuzz over the real transport)."""
    import random
    rng = random.Random(20261124)
    root = mount_root(server.ports, "/memfs")
    with NFSClient(server.ports.nfs) as c:
        status, made = c.mkdir(root, "fuzz")
        d = made[0]
        status, (fh, _), _ = c.create(d, "file")
        name = Packer().opaque(d).opaque("file").bytes()
        sattr_none = struct.pack(">6I", 0, 0, 0, 0, 0, 0)
        valid = {
            1: Packer().opaque(fh).bytes(),
            2: Packer().opaque(fh).bytes() + sattr_none + struct.pack(">I", 0),
            3: name,
            4: Packer().opaque(fh).u32(0x3F).bytes(),
            5: Packer().opaque(fh).bytes(),
            6: Packer().opaque(fh).u64(0).u32(100).bytes(),
            7: Packer().opaque(fh).u64(0).u32(5).u32(0).opaque(b"hello").bytes(),
            8: Packer().opaque(d).opaque("new").u32(0).bytes() + sattr_none,
            9: Packer().opaque(d).opaque("sub").bytes() + sattr_none,
            10: Packer().opaque(d).opaque("ln").bytes() + sattr_none + Packer().opaque("target").bytes(),
            11: Packer().opaque(d).opaque("nod").u32(7).bytes() + sattr_none,
            12: Packer().opaque(d).opaque("new").bytes(),
            13: Packer().opaque(d).opaque("sub").bytes(),
            14: name + Packer().opaque(d).opaque("file2").bytes(),
            15: Packer().opaque(fh).bytes() + Packer().opaque(d).opaque("hard").bytes(),
            16: Packer().opaque(d).u64(0).fixed(b"\0" * 8).u32(4096).bytes(),
            17: Packer().opaque(d).u64(0).fixed(b"\0" * 8).u32(4096).u32(8192).bytes(),
            18: Packer().opaque(d).bytes(),
            19: Packer().opaque(d).bytes(),
            20: Packer().opaque(d).bytes(),
            21: Packer().opaque(fh).u64(0).u32(0).bytes(),
        }
        c.sock.settimeout(10)
        for i in range(3000):
            procedure = rng.choice(list(valid))
            args = bytearray(valid[procedure])
            kind = rng.randrange(4)
            if kind == 0 and args:
                for _ in range(rng.randrange(1, 4)):
                    args[rng.randrange(len(args))] = rng.randrange(256)
            elif kind == 1:
                del args[rng.randrange(len(args) + 1):]
            elif kind == 2:
                args += bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64)))
            else:
                at = rng.randrange(0, max(1, len(args) - 3), 4) if len(args) > 4 else 0
                args[at:at + 4] = struct.pack(">I", rng.choice([0, 1, 0x7FFFFFFF, 0xFFFFFFFF, 65, 256, 4097]))
            xid = c.next_xid()
            c.send_raw(record(call_message(xid, NFS_PROGRAM, NFS_V3, procedure, bytes(args))))
            reply = c.recv_record()
            assert struct.unpack(">I", reply[:4])[0] == xid
        still_serving(c)
        assert c.getattr(root)[0] == 0
    assert server.process.poll() is None
