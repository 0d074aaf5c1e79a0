"""The linux module over NFS keeps what a client was told is stable
(FILE_SYNC writes, COMMITted UNSTABLE writes) when the daemon is killed with
SIGKILL and restarted, and the handles the client held before still work;
the write verifier changes so the client knows to resend what was not
committed."""

import signal

from chimera_test_support import serve
from nfs_rpc import FILE_SYNC, UNSTABLE, NFSClient, NFSPorts, mount_root, nfs_config


def test_stable_data_and_old_handles_survive_sigkill_and_restart(tmp_path):
    linux = tmp_path / "linux"
    linux.mkdir()
    ports = NFSPorts()
    config = nfs_config(ports, str(linux))
    synced = bytes(range(256)) * 300
    committed = b"committed after unstable writes " * 2000

    with serve(config, wait_ports=(ports.nfs, ports.mount), directory=str(tmp_path)) as server:
        root = mount_root(ports, "/linux")
        with NFSClient(ports.nfs) as c:
            status, made = c.mkdir(root, "keep")
            assert status == 0
            directory = made[0]
            status, (file_sync, _), _ = c.create(directory, "file-sync")
            assert status == 0
            status, result = c.write(file_sync, 0, synced, FILE_SYNC)
            assert status == 0 and result["committed"] == FILE_SYNC
            old_verifier = result["verifier"]
            status, (unstable, _), _ = c.create(directory, "unstable")
            for offset in range(0, len(committed), 8192):
                status, result = c.write(unstable, offset, committed[offset:offset + 8192], UNSTABLE)
                assert status == 0
            status, verifier = c.commit(unstable)
            assert status == 0 and verifier == old_verifier
        server.process.send_signal(signal.SIGKILL)
        server.process.wait(timeout=30)
        assert server.process.returncode == -signal.SIGKILL

    with serve(config, wait_ports=(ports.nfs, ports.mount), directory=str(tmp_path)):
        with NFSClient(ports.nfs) as c:
            # Handles from before the kill, without a new MOUNT or LOOKUP.
            status, result = c.read(file_sync, 0, len(synced) + 10)
            assert status == 0 and result["data"] == synced and result["eof"]
            status, result = c.read(unstable, 0, 1 << 20)
            assert status == 0 and result["data"] == committed
            status, (found, _, _) = c.lookup(directory, "unstable")
            assert status == 0 and found == unstable
            status, attrs = c.getattr(root)
            assert status == 0 and attrs["type"] == 2
            status, result = c.write(file_sync, len(synced), b"after restart", FILE_SYNC)
            assert status == 0 and result["verifier"] != old_verifier
    assert (linux / "keep" / "file-sync").read_bytes() == synced + b"after restart"
    assert (linux / "keep" / "unstable").read_bytes() == committed
