"""The original Chimera's server keys: `rdma` and `smb_multichannel`."""

import os
import time

import pytest

from chimera_test_support import free_port, run_chimera, serve, write_config


def config(**server):
    return {"server": {"vfs": {"memfs": {}}, **server}, "mounts": {"memfs": {"module": "memfs"}}}


def check(tmp_path, conf):
    return run_chimera("check", "--config", write_config(str(tmp_path), conf))


def test_smb_multichannel_addresses_and_speeds_are_accepted(tmp_path):
    result = check(tmp_path, config(smb_multichannel=[{"address": "192.168.1.1", "speed": 200},
                                                     {"address": "fe80::1", "speed": 2.5}]))
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("entry,expected", [
    ({"address": "192.168.1", "speed": 1}, 'server.smb_multichannel[0].address: expected an IPv4 or IPv6 address, found "192.168.1"'),
    ({"address": "10.0.0.1", "speed": 0}, "server.smb_multichannel[0].speed: expected a positive number, found 0.0"),
    ({"address": "10.0.0.1", "speed": "fast"}, "server.smb_multichannel[0].speed: expected a positive number, found a string"),
    ({"address": "10.0.0.1"}, "server.smb_multichannel[0].speed: missing (expected a positive number)"),
    ("10.0.0.1", "server.smb_multichannel[0]: expected an object with address and speed, found a string"),
])
def test_bad_smb_multichannel_is_one_line_naming_file_and_key(tmp_path, entry, expected):
    result = check(tmp_path, config(smb_multichannel=[entry]))
    assert result.returncode == 78
    assert result.stderr.strip() == f"chimera: {tmp_path}/config.json: {expected}"


def test_rdma_must_be_a_bool(tmp_path):
    result = check(tmp_path, config(rdma="yes"))
    assert result.returncode == 78
    assert result.stderr.strip() == f"chimera: {tmp_path}/config.json: server.rdma: expected true or false, found a string"


@pytest.mark.skipif(bool(os.path.isdir("/sys/class/infiniband") and os.listdir("/sys/class/infiniband")),
                    reason="this machine has an RDMA device")
def test_rdma_without_a_device_warns_once_and_serves_tcp():
    port = free_port()
    conf = config(rdma=True, protocols={"nfs": {"port": port, "mount_port": 0, "portmap_port": 0}})
    with serve(conf, wait_ports=[port]) as server:
        time.sleep(0.2)
        log = server.log
    lines = [line for line in log.splitlines() if "server.rdma" in line]
    assert len(lines) == 1, log
    assert "/sys/class/infiniband" in lines[0] and "serving TCP only" in lines[0]
