"""NLM v4 and NSM over the wire (RFC 1813 Appendix II) against the real daemon: locks between hosts and owners
through the core's state table, TEST naming the holder, a blocked lock granted by the GRANTED callback after the
holder unlocks, CANCEL, FREE_ALL, the portmapper's registrations, and after a restart with a state directory
SM_NOTIFY to the hosts of the previous run and the grace period (reclaims only)."""

import os
import signal
import time

import pytest

from chimera_test_support import serve, wait_for_port
from nfs_rpc import NFSClient, NFSPorts, Packer, RPCClient, Unpacker, mount_root, nfs_config
from nlm_rpc import (BLOCKED, DENIED, DENIED_GRACE_PERIOD, GRANTED, NLM_CANCEL_MSG, NLM_CANCEL_RES, NLM_LOCK_MSG,
                     NLM_LOCK_RES, NLM_PROGRAM, NLM_TEST_MSG, NLM_TEST_RES, NLM_UNLOCK_MSG, NLM_UNLOCK_RES, NLM_V4,
                     SM_MON, SM_NOTIFY, SM_PROGRAM, SM_V1, STALE_FH, ClientHostServices, NLMClient)

GRACE_SECONDS = 8


def nlm_config(ports, work, callbacks, grace=GRACE_SECONDS):
    config = nfs_config(ports, str(work / "linux"))
    config["server"]["protocols"]["nfs"]["nlm_callback_portmap_port"] = callbacks.port
    config["server"]["state"] = {"directory": str(work / "state"), "grace_seconds": grace}
    return config


@pytest.fixture(scope="module")
def callbacks():
    with ClientHostServices() as services:
        yield services


@pytest.fixture(scope="module")
def server(tmp_path_factory, callbacks):
    work = tmp_path_factory.mktemp("nlm")
    (work / "linux").mkdir()
    (work / "state").mkdir()
    ports = NFSPorts(portmap=True)
    with serve(nlm_config(ports, work, callbacks), wait_ports=(ports.nfs, ports.mount), directory=str(work)) as s:
        s.ports = ports
        yield s
        assert s.process.poll() is None, s.log[-4000:]


@pytest.fixture
def fh(server, request):
    """A fresh file on memfs."""
    root = mount_root(server.ports, "/memfs")
    with NFSClient(server.ports.nfs) as c:
        status, made, _ = c.create(root, request.node.name)
        assert status == 0, status
        return made[0]


def clients(server, *names):
    return [NLMClient(server.ports.nfs, name) for name in names]


def test_portmapper_registers_nlm_and_nsm(server):
    with RPCClient(server.ports.portmap) as pm:
        for program, version in ((NLM_PROGRAM, NLM_V4), (SM_PROGRAM, SM_V1)):
            u = Unpacker(pm.call(100000, 2, 3, Packer().u32(program).u32(version).u32(6).u32(0).bytes()))
            assert u.u32() == server.ports.nfs


def test_conflicts_between_hosts_and_owners(server, fh):
    a, b = clients(server, "host-a", "host-b")
    with a, b:
        assert a.lock(fh, svid=1, offset=0, length=100) == GRANTED
        assert b.lock(fh, svid=7, offset=50, length=10) == DENIED
        assert a.lock(fh, svid=2, offset=99, length=1) == DENIED  # another process of the same host
        assert a.lock(fh, svid=1, offset=0, length=100) == GRANTED  # the owner again
        assert b.lock(fh, svid=7, offset=100, length=10) == GRANTED  # beside it
        status, holder = b.test(fh, svid=7, offset=0, length=0)
        assert status == DENIED and holder["svid"] == 1 and holder["exclusive"]
        assert holder["offset"] == 0 and holder["length"] == 100
        assert b.test(fh, svid=7, offset=200, length=5) == (GRANTED, None)
        assert a.unlock(fh, svid=1, offset=0, length=100) == GRANTED
        assert b.lock(fh, svid=7, offset=50, length=10) == GRANTED
        assert b.unlock(fh, svid=7) == GRANTED
        assert a.unlock(fh, svid=1, offset=0, length=100) == GRANTED  # nothing held: still GRANTED


def test_shared_locks_share(server, fh):
    a, b = clients(server, "host-a", "host-b")
    with a, b:
        assert a.lock(fh, svid=1, exclusive=False) == GRANTED
        assert b.lock(fh, svid=2, exclusive=False) == GRANTED
        assert b.lock(fh, svid=3, exclusive=True) == DENIED
        assert a.unlock(fh, svid=1) == GRANTED and b.unlock(fh, svid=2) == GRANTED
        assert b.lock(fh, svid=3, exclusive=True) == GRANTED
        assert b.unlock(fh, svid=3) == GRANTED


def test_blocked_lock_is_granted_by_callback(server, callbacks, fh):
    a, b = clients(server, "host-a", "host-b")
    with a, b:
        assert a.lock(fh, svid=11, offset=0, length=10) == GRANTED
        assert b.lock(fh, svid=12, offset=5, length=10, block=True) == BLOCKED
        assert b.lock(fh, svid=12, offset=5, length=10, block=True) == BLOCKED  # a poll while it waits
        assert callbacks.wait_for("granted", lambda g: g["svid"] == 12 and g["fh"] == fh, timeout=1) is None
        assert a.unlock(fh, svid=11, offset=0, length=10) == GRANTED
        granted = callbacks.wait_for("granted", lambda g: g["svid"] == 12 and g["fh"] == fh, timeout=20)
        assert granted is not None, server.log[-3000:]
        assert granted["offset"] == 5 and granted["length"] == 10 and granted["exclusive"]
        assert granted["oh"] == b"12@host-b"
        # b holds it now.
        assert a.lock(fh, svid=11, offset=0, length=10) == DENIED
        assert b.unlock(fh, svid=12, offset=5, length=10) == GRANTED


def test_cancel_a_blocked_lock(server, callbacks, fh):
    a, b, c = clients(server, "host-a", "host-b", "host-c")
    with a, b, c:
        assert a.lock(fh, svid=21) == GRANTED
        assert b.lock(fh, svid=22, block=True) == BLOCKED
        assert b.cancel(fh, svid=22) == GRANTED
        assert b.cancel(fh, svid=22) == DENIED  # nothing waits any more
        assert a.unlock(fh, svid=21) == GRANTED
        assert c.lock(fh, svid=23) == GRANTED  # the cancelled waiter did not take it
        assert callbacks.wait_for("granted", lambda g: g["svid"] == 22 and g["fh"] == fh, timeout=1) is None
        assert c.unlock(fh, svid=23) == GRANTED


def test_free_all_releases_a_host(server, fh):
    a, b = clients(server, "host-crashed", "host-b")
    with a, b:
        assert a.lock(fh, svid=31) == GRANTED
        assert b.lock(fh, svid=32) == DENIED
        a.free_all()
        assert b.lock(fh, svid=32) == GRANTED
        assert b.unlock(fh, svid=32) == GRANTED


def test_sm_notify_from_a_restarted_client_releases_it(server, fh):
    a, b = clients(server, "host-rebooted", "host-b")
    with a, b, RPCClient(server.ports.nfs) as sm:
        assert a.lock(fh, svid=51) == GRANTED
        assert b.lock(fh, svid=52) == DENIED
        sm.call(SM_PROGRAM, SM_V1, SM_NOTIFY, Packer().opaque("host-rebooted").i32(5).bytes())
        assert b.lock(fh, svid=52) == GRANTED
        assert b.unlock(fh, svid=52) == GRANTED


def test_a_refused_grant_releases_the_lock(server, callbacks, fh):
    """A client that answers GRANTED with DENIED no longer waits (RFC 1813 §6.2.5): the server unlocks."""
    a, b, c = clients(server, "host-a", "host-gone", "host-c")
    with a, b, c:
        assert a.lock(fh, svid=61) == GRANTED
        assert b.lock(fh, svid=62, block=True) == BLOCKED
        callbacks.granted_answer = DENIED
        try:
            assert a.unlock(fh, svid=61) == GRANTED
            assert callbacks.wait_for("granted", lambda g: g["svid"] == 62 and g["fh"] == fh, timeout=20)
        finally:
            callbacks.granted_answer = GRANTED
        end = time.monotonic() + 10
        while c.lock(fh, svid=63) != GRANTED and time.monotonic() < end:
            time.sleep(0.1)
        assert c.test(fh, svid=64)[1]["svid"] == 63, "c holds it: the refused grant was released"
        assert c.unlock(fh, svid=63) == GRANTED


def test_an_undeliverable_grant_is_found_by_the_client_polling(tmp_path):
    """GRANTED cannot reach the client (nothing on its portmapper port): the lock stays the client's, and its
    next LOCK (Linux polls every 30 s) is GRANTED."""
    (tmp_path / "linux").mkdir()
    ports = NFSPorts()
    config = nfs_config(ports, str(tmp_path / "linux"))
    config["server"]["protocols"]["nfs"]["nlm_callback_portmap_port"] = ports.portmap or 1
    with serve(config, wait_ports=(ports.nfs, ports.mount), directory=str(tmp_path)) as s:
        root = mount_root(ports, "/memfs")
        with NFSClient(ports.nfs) as c:
            status, made, _ = c.create(root, "polled")
            fh = made[0]
        with NLMClient(ports.nfs, "host-a") as a, NLMClient(ports.nfs, "host-b") as b:
            assert a.lock(fh, svid=71) == GRANTED
            assert b.lock(fh, svid=72, block=True) == BLOCKED
            assert a.unlock(fh, svid=71) == GRANTED
            end = time.monotonic() + 10
            while (status := b.lock(fh, svid=72, block=True)) == BLOCKED and time.monotonic() < end:
                time.sleep(0.2)
            assert status == GRANTED, s.log[-2000:]
            assert a.lock(fh, svid=71) == DENIED


def test_message_forms_answer_with_res_calls(server, callbacks, fh):
    """The _MSG procedures reply empty and send their result as the matching _RES call (RFC 1813 §6.2)."""
    a, b = clients(server, "host-async-a", "host-async-b")

    def result(cookie, procedure):
        found = callbacks.wait_for("results", lambda r: r["cookie"] == cookie and r["procedure"] == procedure)
        assert found is not None, server.log[-2000:]
        return found["stat"]

    with a, b:
        assert result(a.message(NLM_LOCK_MSG, fh, svid=81), NLM_LOCK_RES) == GRANTED
        assert result(b.message(NLM_LOCK_MSG, fh, svid=82), NLM_LOCK_RES) == DENIED
        assert result(b.message(NLM_TEST_MSG, fh, svid=82), NLM_TEST_RES) == DENIED
        assert result(b.message(NLM_LOCK_MSG, fh, svid=82, block=True), NLM_LOCK_RES) == BLOCKED
        assert result(b.message(NLM_CANCEL_MSG, fh, svid=82), NLM_CANCEL_RES) == GRANTED
        assert result(a.message(NLM_UNLOCK_MSG, fh, svid=81), NLM_UNLOCK_RES) == GRANTED
        assert b.lock(fh, svid=82) == GRANTED and b.unlock(fh, svid=82) == GRANTED


def test_bad_handle_is_stale(server):
    (a,) = clients(server, "host-a")
    with a:
        assert a.lock(b"\x01" * 32, svid=1) == STALE_FH


def test_status_monitor_answers(server):
    with RPCClient(server.ports.nfs) as sm:
        args = Packer().opaque("host-a").opaque("server").u32(NLM_PROGRAM).u32(3).u32(16).fixed(b"\0" * 16)
        u = Unpacker(sm.call(SM_PROGRAM, SM_V1, SM_MON, args.bytes()))
        assert u.u32() == 0 and u.i32() % 2 == 1


@pytest.mark.parametrize("stop", [signal.SIGKILL, signal.SIGTERM], ids=["crash", "sigterm"])
def test_restart_notifies_hosts_and_grants_only_reclaims_in_grace(tmp_path, stop):
    """A crash or a clean stop: either way the locks are gone, so the hosts must be told and may reclaim."""
    work = tmp_path
    (work / "linux").mkdir()
    (work / "state").mkdir()
    ports = NFSPorts()
    with ClientHostServices() as callbacks:
        config = nlm_config(ports, work, callbacks, grace=GRACE_SECONDS)
        with serve(config, wait_ports=(ports.nfs, ports.mount), directory=str(work)) as first:
            root = mount_root(ports, "/linux")
            with NFSClient(ports.nfs) as c:
                status, made, _ = c.create(root, "reclaimed")
                assert status == 0
                fh = made[0]
            with NLMClient(ports.nfs, "host-survivor") as a:
                assert a.lock(fh, svid=41) == GRANTED
            state_before = open(work / "state" / "nsm" / "state").read().strip()
            # The core writes its client record asynchronously (it is not yet durable when client_create
            # returns): give it a moment before the crash.
            end = time.monotonic() + 10
            while not (work / "state" / "clients").exists() and time.monotonic() < end:
                time.sleep(0.1)
            first.stop(stop)
        os.rename(work / "chimera.log", work / "chimera-first.log")
        with serve(config, wait_ports=(ports.nfs, ports.mount), directory=str(work)) as second:
            notice = callbacks.wait_for("notified", timeout=20)
            assert notice is not None, second.log[-3000:]
            assert int(notice["state"]) > int(state_before) and notice["state"] % 2 == 1
            with NLMClient(ports.nfs, "host-new") as b, NLMClient(ports.nfs, "host-survivor") as a:
                assert b.lock(fh, svid=42) == DENIED_GRACE_PERIOD
                assert b.test(fh, svid=42)[0] == DENIED_GRACE_PERIOD
                assert a.lock(fh, svid=41, reclaim=True) == GRANTED
                # After the grace period new locks are decided as usual: the reclaimed lock holds.
                end = time.monotonic() + GRACE_SECONDS + 20
                while time.monotonic() < end:
                    status = b.lock(fh, svid=42)
                    if status != DENIED_GRACE_PERIOD:
                        break
                    time.sleep(0.5)
                assert status == DENIED, second.log[-3000:]
                assert a.unlock(fh, svid=41) == GRANTED
                assert b.lock(fh, svid=42) == GRANTED
