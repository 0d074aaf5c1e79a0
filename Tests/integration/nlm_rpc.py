"""NLM v4 and NSM v1 over raw TCP for tests (RFC 1813 Appendix II; XNFS ch. 11): a lock manager client, and
the services a client host runs for the server to call back (a portmapper, an NLM service answering GRANTED,
a status monitor answering SM_NOTIFY), all on one port, each recording what it was sent."""

import socket
import struct
import threading
import time

from nfs_rpc import AUTH_NONE, Packer, RPCClient, Unpacker, auth_sys

NLM_PROGRAM, NLM_V4 = 100021, 4
SM_PROGRAM, SM_V1 = 100024, 1
PORTMAP_PROGRAM = 100000

# NLM v4 procedures
NLM_NULL, NLM_TEST, NLM_LOCK, NLM_CANCEL, NLM_UNLOCK, NLM_GRANTED = 0, 1, 2, 3, 4, 5
NLM_TEST_MSG, NLM_LOCK_MSG, NLM_CANCEL_MSG, NLM_UNLOCK_MSG = 6, 7, 8, 9
NLM_TEST_RES, NLM_LOCK_RES, NLM_CANCEL_RES, NLM_UNLOCK_RES = 11, 12, 13, 14
NLM_NM_LOCK, NLM_FREE_ALL = 22, 23
# nlm4_stats
GRANTED, DENIED, DENIED_NOLOCKS, BLOCKED, DENIED_GRACE_PERIOD, DEADLCK, ROFS, STALE_FH, FBIG, FAILED = range(10)
# NSM procedures
SM_STAT, SM_MON, SM_UNMON, SM_UNMON_ALL, SM_SIMU_CRASH, SM_NOTIFY = 1, 2, 3, 4, 5, 6


def pack_lock(p, caller, fh, oh, svid, offset, length):
    p.opaque(caller).opaque(fh).opaque(oh).i32(svid).u64(offset).u64(length)
    return p


class NLMClient(RPCClient):
    """One host's lock manager client: caller name `caller`; owners are (svid, oh)."""

    def __init__(self, port, caller, **kw):
        super().__init__(port, **kw)
        self.caller = caller
        self.cookie = 0

    def next_cookie(self):
        self.cookie += 1
        return struct.pack(">I", self.cookie) + self.caller.encode()[:16]

    def _res(self, data):
        u = Unpacker(data)
        u.opaque()
        return u.u32()

    def lock(self, fh, svid, offset=0, length=0, exclusive=True, block=False, reclaim=False, oh=None, state=1,
             procedure=NLM_LOCK):
        p = Packer().opaque(self.next_cookie()).boolean(block).boolean(exclusive)
        pack_lock(p, self.caller, fh, oh or f"{svid}@{self.caller}".encode(), svid, offset, length)
        p.boolean(reclaim).i32(state)
        return self._res(self.call(NLM_PROGRAM, NLM_V4, procedure, p.bytes()))

    def message(self, procedure, fh, svid, offset=0, length=0, exclusive=True, block=False):
        """A _MSG call (TEST/LOCK/CANCEL/UNLOCK_MSG): its reply is empty; the result comes back as a _RES call
        to this host's services. Returns the cookie sent."""
        cookie = self.next_cookie()
        p = Packer().opaque(cookie)
        if procedure in (NLM_LOCK_MSG, NLM_CANCEL_MSG):
            p.boolean(block)
        if procedure != NLM_UNLOCK_MSG:
            p.boolean(exclusive)
        pack_lock(p, self.caller, fh, f"{svid}@{self.caller}".encode(), svid, offset, length)
        if procedure == NLM_LOCK_MSG:
            p.boolean(False).i32(1)
        assert self.call(NLM_PROGRAM, NLM_V4, procedure, p.bytes()) == b""
        return cookie

    def cancel(self, fh, svid, offset=0, length=0, exclusive=True, oh=None):
        p = Packer().opaque(self.next_cookie()).boolean(True).boolean(exclusive)
        pack_lock(p, self.caller, fh, oh or f"{svid}@{self.caller}".encode(), svid, offset, length)
        return self._res(self.call(NLM_PROGRAM, NLM_V4, NLM_CANCEL, p.bytes()))

    def unlock(self, fh, svid, offset=0, length=0, oh=None):
        p = Packer().opaque(self.next_cookie())
        pack_lock(p, self.caller, fh, oh or f"{svid}@{self.caller}".encode(), svid, offset, length)
        return self._res(self.call(NLM_PROGRAM, NLM_V4, NLM_UNLOCK, p.bytes()))

    def test(self, fh, svid, offset=0, length=0, exclusive=True, oh=None):
        """(status, holder or None); holder = dict(exclusive, svid, oh, offset, length)."""
        p = Packer().opaque(self.next_cookie()).boolean(exclusive)
        pack_lock(p, self.caller, fh, oh or f"{svid}@{self.caller}".encode(), svid, offset, length)
        u = Unpacker(self.call(NLM_PROGRAM, NLM_V4, NLM_TEST, p.bytes()))
        u.opaque()
        status = u.u32()
        if status != DENIED:
            return status, None
        return status, {"exclusive": u.boolean(), "svid": u.i32(), "oh": u.opaque(), "offset": u.u64(),
                        "length": u.u64()}

    def free_all(self, name=None, state=3):
        p = Packer().opaque(name or self.caller).i32(state)
        self.call(NLM_PROGRAM, NLM_V4, NLM_FREE_ALL, p.bytes())


class ClientHostServices:
    """What a client host runs for the server's callbacks, on one TCP port: portmap v2 GETPORT (every program
    is on this port), NLM v4 GRANTED (recorded, answered `granted_answer`), NSM SM_NOTIFY (recorded)."""

    def __init__(self, granted_answer=GRANTED):
        self.granted = []
        self.notified = []
        self.results = []
        self.granted_answer = granted_answer
        self.lock = threading.Lock()
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.listener.settimeout(0.5)
        self.port = self.listener.getsockname()[1]
        self.stopping = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def close(self):
        self.stopping = True
        self.thread.join(timeout=5)
        self.listener.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def wait_for(self, what, predicate=lambda item: True, timeout=20):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self.lock:
                found = [item for item in getattr(self, what) if predicate(item)]
            if found:
                return found[0]
            time.sleep(0.05)
        return None

    def _serve(self):
        while not self.stopping:
            try:
                conn, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=self._connection, args=(conn,), daemon=True).start()

    @staticmethod
    def _recv_exact(conn, n):
        data = b""
        while len(data) < n:
            chunk = conn.recv(n - len(data))
            if not chunk:
                raise ConnectionError
            data += chunk
        return data

    def _connection(self, conn):
        conn.settimeout(10)
        try:
            while True:
                mark = struct.unpack(">I", self._recv_exact(conn, 4))[0]
                message = self._recv_exact(conn, mark & 0x7FFFFFFF)
                reply = self._answer(message)
                if reply is not None:
                    conn.sendall(struct.pack(">I", 0x80000000 | len(reply)) + reply)
        except (ConnectionError, OSError, struct.error):
            pass
        finally:
            conn.close()

    def _answer(self, message):
        u = Unpacker(message)
        xid, _call, _rpcvers, program, version, procedure = (u.u32() for _ in range(6))
        u.u32(), u.opaque(), u.u32(), u.opaque()  # credential, verifier
        head = Packer().u32(xid).u32(1).u32(0).u32(AUTH_NONE).opaque(b"").u32(0)
        if program == PORTMAP_PROGRAM and procedure == 3:
            return head.u32(self.port).bytes()
        if program == PORTMAP_PROGRAM:
            return head.u32(1).bytes()
        if program == NLM_PROGRAM and procedure == NLM_GRANTED:
            cookie = u.opaque()
            exclusive = u.boolean()
            caller, fh, oh, svid, offset, length = u.opaque(), u.opaque(), u.opaque(), u.i32(), u.u64(), u.u64()
            with self.lock:
                self.granted.append({"cookie": cookie, "exclusive": exclusive, "caller": caller, "fh": fh, "oh": oh,
                                     "svid": svid, "offset": offset, "length": length})
            return head.opaque(cookie).u32(self.granted_answer).bytes()
        if program == NLM_PROGRAM and procedure in (NLM_TEST_RES, NLM_LOCK_RES, NLM_CANCEL_RES, NLM_UNLOCK_RES):
            cookie, stat = u.opaque(), u.u32()
            with self.lock:
                self.results.append({"procedure": procedure, "cookie": cookie, "stat": stat})
            return head.bytes()
        if program == SM_PROGRAM and procedure == SM_NOTIFY:
            name, state = u.opaque(), u.i32()
            with self.lock:
                self.notified.append({"name": name, "state": state})
            return head.bytes()
        return Packer().u32(xid).u32(1).u32(0).u32(AUTH_NONE).opaque(b"").u32(1).bytes()  # PROG_UNAVAIL
