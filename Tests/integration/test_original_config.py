"""The original Chimera's server keys: `rdma` and `smb_multichannel`."""

import os
import time

import pytest

from chimera_test_support import (CHIMERA, SERVE_IN_NAMESPACE, free_port, namespace_available, run_chimera,
                                  run_in_namespace, serve, write_config)


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


def test_built_in_modules_need_no_declaration_and_serve_host_paths(tmp_path):
    share = tmp_path / "share"
    share.mkdir()
    conf = {"server": {"protocols": {}}, "mounts": {"memfs": {"module": "memfs"},
                                     "linux": {"module": "io_uring", "path": str(share)},
                                     "posix": {"module": "linux", "path": str(share)}}}
    result = check(tmp_path, conf)
    assert result.returncode == 0, result.stderr
    assert "(3 VFS modules, 0 protocols, 3 mounts)" in result.stdout


def test_an_undeclared_module_that_is_not_built_in_is_still_refused(tmp_path):
    result = check(tmp_path, {"server": {}, "mounts": {"a": {"module": "demofs"}}})
    assert result.returncode == 78
    assert result.stderr.strip() == (f'chimera: {tmp_path}/config.json: mounts.a.module: no module named "demofs" '
                                     "under server.vfs (configured: none)")


def test_a_config_string_is_a_json_file_relative_to_the_config(tmp_path):
    root = tmp_path / "root"
    root.mkdir()
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "linux.json").write_text('{"root": "%s"} // comments too\n' % root)
    conf = {"server": {"vfs": {"linux": {"config": "etc/linux.json"}}}, "mounts": {"data": {"module": "linux"}}}
    result = check(tmp_path, conf)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("content,expected", [
    (None, "cannot read {f}: no such file"),
    ('{"root": }', "{f}: invalid JSON at line 1, column 10: expected a value, found '}}'"),
    ("[1]", "{f}: expected an object, found an array"),
])
def test_a_bad_config_file_names_both_files(tmp_path, content, expected):
    module_file = tmp_path / "linux.json"
    if content is not None:
        module_file.write_text(content)
    conf = {"server": {"vfs": {"linux": {"config": "linux.json"}}}}
    result = check(tmp_path, conf)
    assert result.returncode == 78
    assert result.stderr.strip() == (f"chimera: {tmp_path}/config.json: server.vfs.linux.config: "
                                     + expected.format(f=module_file))


def test_no_protocols_section_starts_every_installed_front_end(tmp_path):
    result = check(tmp_path, {"server": {}, "mounts": {"memfs": {"module": "memfs"}}})
    assert result.returncode == 0, result.stderr
    assert "(1 VFS modules, 2 protocols, 1 mounts)" in result.stdout


def test_an_empty_protocols_section_starts_none(tmp_path):
    result = check(tmp_path, {"server": {"protocols": {}}, "mounts": {"memfs": {"module": "memfs"}}})
    assert result.returncode == 0, result.stderr
    assert "(1 VFS modules, 0 protocols, 1 mounts)" in result.stdout


# Inside the namespace, after SERVE_IN_NAMESPACE has the server up.
DEFAULTED_PORTS = r'''
nfs-ls "nfs://127.0.0.1/memfs?nfsport=2049&mountport=20048" || exit 4
exec 3<>/dev/tcp/127.0.0.1/9000 || exit 5
'''


@pytest.mark.skipif(not namespace_available(), reason="needs root, unshare --mount and libnfs-utils")
def test_defaulted_front_ends_serve_on_standard_ports_in_a_private_network(tmp_path):
    """2049, 20048 and 9000 are used inside a new network namespace only, so
    nothing on the machine is disturbed; the server is stopped by PID."""
    conf = write_config(str(tmp_path), {"server": {}, "mounts": {"memfs": {"module": "memfs"}}})
    log = tmp_path / "serve.log"
    env = dict(os.environ, CHIMERA=CHIMERA, CONF=conf, LOG=str(log))
    rc, _, err = run_in_namespace(SERVE_IN_NAMESPACE + DEFAULTED_PORTS, env, timeout=60)
    text = log.read_text()
    assert rc == 0, err + text
    assert "starting installed front-end nfs" in text and "port=2049 mount_port=20048" in text
    assert "starting installed front-end s3" in text and "port=9000" in text
    assert "listener=mount" in text and "listener=portmap" not in text


def test_a_share_outside_every_mount_is_refused(tmp_path):
    conf = {"server": {"protocols": {}}, "mounts": {"memfs": {"module": "memfs"}},
            "shares": {"ok": {"path": "/memfs/x"}, "bad": {"path": "/nowhere"}}}
    result = check(tmp_path, conf)
    assert result.returncode == 78
    assert result.stderr.strip() == (f"chimera: {tmp_path}/config.json: shares.bad.path: expected a path inside a "
                                     'mount (/memfs), found "/nowhere"')


def test_shares_are_reported_as_not_served_without_an_smb_front_end(tmp_path):
    port = free_port()
    conf = {"server": {"protocols": {"nfs": {"port": port, "mount_port": 0, "portmap_port": 0}}},
            "mounts": {"memfs": {"module": "memfs"}}, "shares": {"memfs": {"path": "/memfs"}}}
    with serve(conf, wait_ports=[port]) as server:
        time.sleep(0.2)
        log = server.log
    assert "share memfs (/memfs) is not served: no SMB front-end is installed" in log
