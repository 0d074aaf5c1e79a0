"""A small ONC RPC / NFSv3 / MOUNT3 / portmap client over a raw TCP socket,
for tests that need exact control over what goes on the wire: raw handles
kept across restarts, retransmitted xids, malformed and truncated calls,
odd record marking. Written from RFC 5531, RFC 1813 and RFC 1833."""

import os
import socket
import struct

NFS_PROGRAM, NFS_V3 = 100003, 3
MOUNT_PROGRAM, MOUNT_V3 = 100005, 3
PORTMAP_PROGRAM, PORTMAP_V2 = 100000, 2

AUTH_NONE, AUTH_SYS, AUTH_DH = 0, 1, 3

# accept_stat
SUCCESS, PROG_UNAVAIL, PROG_MISMATCH, PROC_UNAVAIL, GARBAGE_ARGS, SYSTEM_ERR = range(6)
# reject_stat / auth_stat
RPC_MISMATCH, AUTH_ERROR = 0, 1
AUTH_BADCRED, AUTH_TOOWEAK = 1, 5

# NFSv3 procedures
(NULL, GETATTR, SETATTR, LOOKUP, ACCESS, READLINK, READ, WRITE, CREATE, MKDIR, SYMLINK, MKNOD, REMOVE,
 RMDIR, RENAME, LINK, READDIR, READDIRPLUS, FSSTAT, FSINFO, PATHCONF, COMMIT) = range(22)

# nfsstat3
NFS3_OK, NFS3ERR_PERM, NFS3ERR_NOENT, NFS3ERR_ACCES, NFS3ERR_EXIST = 0, 1, 2, 13, 17
NFS3ERR_ROFS, NFS3ERR_NOTEMPTY, NFS3ERR_STALE, NFS3ERR_BADHANDLE = 30, 66, 70, 10001
NFS3ERR_NOT_SYNC, NFS3ERR_BAD_COOKIE, NFS3ERR_INVAL = 10002, 10003, 22

UNSTABLE, DATA_SYNC, FILE_SYNC = 0, 1, 2
UNCHECKED, GUARDED, EXCLUSIVE = 0, 1, 2

ACCESS_READ, ACCESS_LOOKUP, ACCESS_MODIFY, ACCESS_EXTEND, ACCESS_DELETE, ACCESS_EXECUTE = 1, 2, 4, 8, 16, 32


class RPCError(Exception):
    """A reply that is not an accepted SUCCESS."""

    def __init__(self, kind, detail):
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail


class NFSError(Exception):
    def __init__(self, status, procedure):
        super().__init__(f"NFS procedure {procedure}: status {status}")
        self.status = status


# ----------------------------------------------------------------- XDR

class Packer:
    def __init__(self):
        self.parts = []

    def u32(self, v):
        self.parts.append(struct.pack(">I", v & 0xFFFFFFFF))
        return self

    def i32(self, v):
        self.parts.append(struct.pack(">i", v))
        return self

    def u64(self, v):
        self.parts.append(struct.pack(">Q", v))
        return self

    def boolean(self, v):
        return self.u32(1 if v else 0)

    def fixed(self, data):
        self.parts.append(data + b"\0" * ((4 - len(data) % 4) % 4))
        return self

    def opaque(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.u32(len(data))
        return self.fixed(data)

    def bytes(self):
        return b"".join(self.parts)


class Unpacker:
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def take(self, n):
        if self.pos + n > len(self.data):
            raise ValueError(f"reply truncated at {self.pos} (+{n} of {len(self.data)})")
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out

    def u32(self):
        return struct.unpack(">I", self.take(4))[0]

    def i32(self):
        return struct.unpack(">i", self.take(4))[0]

    def u64(self):
        return struct.unpack(">Q", self.take(8))[0]

    def boolean(self):
        return self.u32() != 0

    def fixed(self, n):
        data = self.take(n)
        self.take((4 - n % 4) % 4)
        return data

    def opaque(self):
        return self.fixed(self.u32())

    def done(self):
        return self.pos == len(self.data)


def auth_sys(uid=0, gid=0, groups=(), machine="chimera-test", stamp=0):
    body = Packer().u32(stamp).opaque(machine).u32(uid).u32(gid).u32(len(groups))
    for g in groups:
        body.u32(g)
    return AUTH_SYS, body.bytes()


def call_message(xid, program, version, procedure, args=b"", cred=None, rpcvers=2):
    flavor, body = cred if cred is not None else auth_sys()
    p = Packer().u32(xid).u32(0).u32(rpcvers).u32(program).u32(version).u32(procedure)
    p.u32(flavor).opaque(body).u32(AUTH_NONE).opaque(b"")
    return p.bytes() + args


def record(message, fragments=1):
    """Record marking (RFC 5531 §11): the message in `fragments` fragments."""
    if fragments <= 1 or len(message) < fragments:
        return struct.pack(">I", 0x80000000 | len(message)) + message
    size = -(-len(message) // fragments)
    out = []
    for start in range(0, len(message), size):
        chunk = message[start:start + size]
        last = start + size >= len(message)
        out.append(struct.pack(">I", (0x80000000 if last else 0) | len(chunk)) + chunk)
    return b"".join(out)


def parse_reply(data, xid=None):
    """(xid, results) of an accepted SUCCESS reply; RPCError otherwise."""
    u = Unpacker(data)
    got = u.u32()
    if xid is not None and got != xid:
        raise RPCError("xid", f"expected {xid}, got {got}")
    if u.u32() != 1:
        raise RPCError("type", "not a reply")
    if u.u32() == 1:  # MSG_DENIED
        stat = u.u32()
        if stat == RPC_MISMATCH:
            raise RPCError("RPC_MISMATCH", (u.u32(), u.u32()))
        raise RPCError("AUTH_ERROR", u.u32())
    u.u32()
    u.opaque()  # verifier
    stat = u.u32()
    if stat == PROG_MISMATCH:
        raise RPCError("PROG_MISMATCH", (u.u32(), u.u32()))
    if stat != SUCCESS:
        raise RPCError({1: "PROG_UNAVAIL", 3: "PROC_UNAVAIL", 4: "GARBAGE_ARGS", 5: "SYSTEM_ERR"}.get(stat, stat), stat)
    return got, data[u.pos:]


# ----------------------------------------------------------------- transport

class RPCClient:
    def __init__(self, port, host="127.0.0.1", cred=None, timeout=30):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.cred = cred if cred is not None else auth_sys()
        self.xid = struct.unpack(">I", os.urandom(4))[0] & 0x3FFFFFFF

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def next_xid(self):
        self.xid += 1
        return self.xid

    def send_raw(self, data):
        self.sock.sendall(data)

    def recv_exact(self, n):
        chunks = []
        while n > 0:
            chunk = self.sock.recv(min(n, 1 << 20))
            if not chunk:
                raise ConnectionError("connection closed by the server")
            chunks.append(chunk)
            n -= len(chunk)
        return b"".join(chunks)

    def recv_record(self):
        parts = []
        for _ in range(1 << 16):
            mark = struct.unpack(">I", self.recv_exact(4))[0]
            parts.append(self.recv_exact(mark & 0x7FFFFFFF))
            if mark & 0x80000000:
                return b"".join(parts)
        raise ConnectionError("endless record")

    def call(self, program, version, procedure, args=b"", cred=None, xid=None, fragments=1):
        xid = self.next_xid() if xid is None else xid
        self.send_raw(record(call_message(xid, program, version, procedure, args, cred or self.cred), fragments))
        return parse_reply(self.recv_record(), xid)[1]


# ----------------------------------------------------------------- NFSv3

def skip_fattr(u):
    return read_fattr(u)


def read_fattr(u):
    names = ["type", "mode", "nlink", "uid", "gid"]
    attrs = {n: u.u32() for n in names}
    attrs["size"] = u.u64()
    attrs["used"] = u.u64()
    attrs["rdev"] = (u.u32(), u.u32())
    attrs["fsid"] = u.u64()
    attrs["fileid"] = u.u64()
    for t in ("atime", "mtime", "ctime"):
        attrs[t] = (u.u32(), u.u32())
    return attrs


def post_op_attr(u):
    return read_fattr(u) if u.boolean() else None


def wcc_data(u):
    before = None
    if u.boolean():
        before = {"size": u.u64(), "mtime": (u.u32(), u.u32()), "ctime": (u.u32(), u.u32())}
    return before, post_op_attr(u)


def sattr(mode=None, uid=None, gid=None, size=None, atime=None, mtime=None):
    p = Packer()
    for value, pack in ((mode, "u32"), (uid, "u32"), (gid, "u32"), (size, "u64")):
        p.boolean(value is not None)
        if value is not None:
            getattr(p, pack)(value)
    for t in (atime, mtime):
        if t is None:
            p.u32(0)
        elif t == "server":
            p.u32(1)
        else:
            p.u32(2).u32(t[0]).u32(t[1])
    return p.bytes()


class NFSClient(RPCClient):
    """NFSv3 and MOUNT3 over one connection (NFS and MOUNT may be on different ports: use two)."""

    def nfs(self, procedure, args):
        u = Unpacker(self.call(NFS_PROGRAM, NFS_V3, procedure, args))
        return u.u32(), u

    def mnt(self, path):
        u = Unpacker(self.call(MOUNT_PROGRAM, MOUNT_V3, 1, Packer().opaque(path).bytes()))
        status = u.u32()
        if status != 0:
            return status, None
        fh = u.opaque()
        flavors = [u.u32() for _ in range(u.u32())]
        return 0, (fh, flavors)

    def expect(self, procedure, status, u):
        if status != NFS3_OK:
            raise NFSError(status, procedure)
        return u

    def getattr(self, fh):
        status, u = self.nfs(GETATTR, Packer().opaque(fh).bytes())
        return status, (read_fattr(u) if status == NFS3_OK else None)

    def lookup(self, dir_fh, name):
        status, u = self.nfs(LOOKUP, Packer().opaque(dir_fh).opaque(name).bytes())
        if status != NFS3_OK:
            return status, None
        fh = u.opaque()
        return status, (fh, post_op_attr(u), post_op_attr(u))

    def access(self, fh, bits=0x3F):
        status, u = self.nfs(ACCESS, Packer().opaque(fh).u32(bits).bytes())
        post_op_attr(u)
        return status, (u.u32() if status == NFS3_OK else None)

    def create(self, dir_fh, name, mode=0o644, how=UNCHECKED, verifier=b"\0" * 8, xid=None, size=None):
        args = Packer().opaque(dir_fh).opaque(name).u32(how)
        if how == EXCLUSIVE:
            args.fixed(verifier)
        else:
            args.parts.append(sattr(mode=mode, size=size))
        data = self.call(NFS_PROGRAM, NFS_V3, CREATE, args.bytes(), xid=xid)
        u = Unpacker(data)
        status = u.u32()
        if status != NFS3_OK:
            return status, None, data
        fh = u.opaque() if u.boolean() else None
        attrs = post_op_attr(u)
        wcc_data(u)
        return status, (fh, attrs), data

    def mkdir(self, dir_fh, name, mode=0o755):
        status, u = self.nfs(MKDIR, Packer().opaque(dir_fh).opaque(name).bytes() + sattr(mode=mode))
        if status != NFS3_OK:
            return status, None
        fh = u.opaque() if u.boolean() else None
        return status, (fh, post_op_attr(u))

    def setattr(self, fh, guard_ctime=None, **attrs):
        args = Packer().opaque(fh).bytes() + sattr(**attrs)
        g = Packer().boolean(guard_ctime is not None)
        if guard_ctime is not None:
            g.u32(guard_ctime[0]).u32(guard_ctime[1])
        status, u = self.nfs(SETATTR, args + g.bytes())
        return status, wcc_data(u)

    def write(self, fh, offset, data, stable=FILE_SYNC):
        status, u = self.nfs(WRITE, Packer().opaque(fh).u64(offset).u32(len(data)).u32(stable).opaque(data).bytes())
        wcc = wcc_data(u)
        if status != NFS3_OK:
            return status, None
        count, committed, verifier = u.u32(), u.u32(), u.fixed(8)
        return status, {"count": count, "committed": committed, "verifier": verifier, "wcc": wcc}

    def read(self, fh, offset, count):
        status, u = self.nfs(READ, Packer().opaque(fh).u64(offset).u32(count).bytes())
        attrs = post_op_attr(u)
        if status != NFS3_OK:
            return status, None
        n, eof, data = u.u32(), u.boolean(), u.opaque()
        assert n == len(data)
        return status, {"data": data, "eof": eof, "attrs": attrs}

    def commit(self, fh, offset=0, count=0):
        status, u = self.nfs(COMMIT, Packer().opaque(fh).u64(offset).u32(count).bytes())
        wcc_data(u)
        return status, (u.fixed(8) if status == NFS3_OK else None)

    def remove(self, dir_fh, name):
        status, u = self.nfs(REMOVE, Packer().opaque(dir_fh).opaque(name).bytes())
        return status

    def rename(self, from_fh, from_name, to_fh, to_name):
        status, u = self.nfs(RENAME, Packer().opaque(from_fh).opaque(from_name).opaque(to_fh).opaque(to_name).bytes())
        return status

    def readdir(self, dir_fh, cookie=0, verifier=b"\0" * 8, count=4096):
        status, u = self.nfs(READDIR, Packer().opaque(dir_fh).u64(cookie).fixed(verifier).u32(count).bytes())
        post_op_attr(u)
        if status != NFS3_OK:
            return status, None
        verf = u.fixed(8)
        entries = []
        while u.boolean():
            fileid, name, c = u.u64(), u.opaque(), u.u64()
            entries.append((name.decode(), fileid, c))
        return status, {"verifier": verf, "entries": entries, "eof": u.boolean()}

    def readdirplus(self, dir_fh, cookie=0, verifier=b"\0" * 8, dircount=4096, maxcount=16384):
        status, u = self.nfs(READDIRPLUS, Packer().opaque(dir_fh).u64(cookie).fixed(verifier).u32(dircount)
                             .u32(maxcount).bytes())
        post_op_attr(u)
        if status != NFS3_OK:
            return status, None
        verf = u.fixed(8)
        entries = []
        while u.boolean():
            fileid, name, c = u.u64(), u.opaque(), u.u64()
            attrs = post_op_attr(u)
            fh = u.opaque() if u.boolean() else None
            entries.append((name.decode(), fileid, c, attrs, fh))
        return status, {"verifier": verf, "entries": entries, "eof": u.boolean()}

    def fsinfo(self, fh):
        status, u = self.nfs(FSINFO, Packer().opaque(fh).bytes())
        post_op_attr(u)
        if status != NFS3_OK:
            return status, None
        keys = ["rtmax", "rtpref", "rtmult", "wtmax", "wtpref", "wtmult", "dtpref"]
        info = {k: u.u32() for k in keys}
        info["maxfilesize"] = u.u64()
        info["time_delta"] = (u.u32(), u.u32())
        info["properties"] = u.u32()
        return status, info


def getport(port, program, version, protocol=6):
    """Portmap v2 GETPORT (RFC 1833 §3.2) against a portmapper on `port`."""
    with RPCClient(port, cred=(AUTH_NONE, b"")) as c:
        data = c.call(PORTMAP_PROGRAM, PORTMAP_V2, 3, Packer().u32(program).u32(version).u32(protocol).u32(0).bytes())
        return Unpacker(data).u32()


def pmap_dump(port):
    with RPCClient(port, cred=(AUTH_NONE, b"")) as c:
        u = Unpacker(c.call(PORTMAP_PROGRAM, PORTMAP_V2, 4))
        out = []
        while u.boolean():
            out.append((u.u32(), u.u32(), u.u32(), u.u32()))
        return out


# ----------------------------------------------------------------- daemons for the NFS tests

def distinct_free_ports(count):
    """`count` different free TCP ports."""
    from chimera_test_support import free_port
    ports = []
    for _ in range(100):
        p = free_port()
        if p not in ports:
            ports.append(p)
        if len(ports) == count:
            return ports
    raise RuntimeError("no free ports")


class NFSPorts:
    def __init__(self, portmap=False):
        self.nfs, self.mount, pm = distinct_free_ports(3)
        self.portmap = pm if portmap else 0

    def url(self, path):
        """A libnfs URL for `path` ("/memfs/x") that skips the portmapper."""
        return f"nfs://127.0.0.1{path}?nfsport={self.nfs}&mountport={self.mount}"


def nfs_config(ports, linux_root, exports=None, threads=2, log_level="info"):
    """memfs at /memfs, a host directory at /linux and another through io_uring at /uring, served over NFSv3
    on `ports`."""
    uring_root = linux_root.rstrip("/") + "-uring"
    os.makedirs(uring_root, exist_ok=True)
    nfs = {"port": ports.nfs, "mount_port": ports.mount, "portmap_port": ports.portmap}
    if exports is not None:
        nfs["exports"] = exports
    return {"server": {"threads": threads, "delegation_threads": 2, "log_level": log_level,
                       "vfs": {"memfs": {}, "linux": {"config": {"root": linux_root}},
                               "io_uring": {"config": {"root": uring_root}}},
                       "protocols": {"nfs": nfs}},
            "mounts": {"memfs": {"module": "memfs", "path": "/"}, "linux": {"module": "linux", "path": "/"},
                       "uring": {"module": "io_uring", "path": "/"}}}


def mount_root(ports, path, cred=None):
    """MNT `path` through the MOUNT port; the root handle."""
    with NFSClient(ports.mount, cred=cred) as m:
        status, result = m.mnt(path)
        if status != 0:
            raise NFSError(status, "MNT")
        return result[0]
