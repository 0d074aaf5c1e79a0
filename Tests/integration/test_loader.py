"""The plugin loader and config validation, through the real `chimera`
binary: every bad config or bad plugin gets one line naming the file and
the key, and exit code 78 (EX_CONFIG); a port in use gets 69."""

import glob
import os
import socket

import pytest

from chimera_test_support import PLUGINS, REPO, TEST_PLUGINS, free_port, run_chimera, serve, write_config


def abi_minor(header, name):
    """The minor version a header in include/ declares (the host speaks what it was built with)."""
    with open(os.path.join(REPO, "include", header)) as f:
        for line in f:
            if line.startswith(f"#define {name} "):
                return int(line.split()[2])
    raise AssertionError(f"{name} not in {header}")


VFS_MINOR = abi_minor("chimera_vfs.h", "CHIMERA_VFS_ABI_MINOR")
PROTOCOL_MINOR = abi_minor("chimera_protocol.h", "CHIMERA_PROTOCOL_ABI_MINOR")


@pytest.fixture
def tmp(tmp_path):
    return str(tmp_path)


def module_config(path, config=None, extra_server=None):
    server = {"threads": 2, "delegation_threads": 1,
              "vfs": {"m": {"path": path, **({"config": config} if config is not None else {})}}}
    server.update(extra_server or {})
    return {"server": server, "mounts": {"m": {"module": "m"}}}


def check(tmp, config):
    path = write_config(tmp, config)
    return path, run_chimera("check", "--config", path)


def one_line(result):
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_check_loads_the_swift_and_c_test_plugins(tmp):
    config = {"server": {"vfs": {"swift": {"path": f"{TEST_PLUGINS}/chimera_vfs_swifttest.so",
                                            "config": {"greeting": "hi"}},
                                  "c": {"path": f"{TEST_PLUGINS}/chimera_vfs_ctest.so"}},
                         "protocols": {}},  # an empty section: no front-ends (none at all starts every one)
              "mounts": {"s": {"module": "swift"}, "c": {"module": "c"}}}
    path, result = check(tmp, config)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{path}: OK (2 VFS modules, 0 protocols, 2 mounts)"


# The original's example names /usr/local/lib/chimera_vfs_demofs.so and host
# /share, and the Docker image's config /srv/chimera/linux and S3 keys from
# its entry script: they exist only inside the namespaces their own tests
# build (test_original_example.py, test_docker_entrypoint.py).
SELF_CONTAINED_CONFIGS = [c for c in sorted(glob.glob(os.path.join(REPO, "config", "*.json")))
                          if os.path.basename(c) not in ("original-chimera-example.json", "docker.json")]


@pytest.mark.parametrize("config", SELF_CONTAINED_CONFIGS)
def test_every_shipped_config_checks(config):
    os.makedirs("/tmp/chimera/linux", exist_ok=True)
    result = run_chimera("check", "--config", config)
    assert result.returncode == 0, result.stderr


def test_version_names_the_abis():
    result = run_chimera("version")
    assert result.returncode == 0
    assert f"vfs module ABI 1.{VFS_MINOR}" in result.stdout
    assert f"protocol plugin ABI 1.{PROTOCOL_MINOR}" in result.stdout


def test_unreadable_file(tmp):
    result = run_chimera("check", "--config", f"{tmp}/missing.json")
    assert result.returncode == 78
    assert one_line(result) == f"chimera: {tmp}/missing.json: cannot read the config file: no such file"


def test_invalid_json_names_line_and_column(tmp):
    path, result = check(tmp, '{\n  "server": {\n    "threads": 2,,\n  }\n}')
    assert result.returncode == 78
    line = one_line(result)
    assert line.startswith(f"chimera: {path}: invalid JSON")
    assert "line 3" in line and "column" in line


def test_unknown_key(tmp):
    path, result = check(tmp, {"server": {"treads": 2}})
    assert result.returncode == 78
    assert one_line(result).startswith(f"chimera: {path}: server.treads: unknown key (expected one of:")


def test_wrong_type(tmp):
    path, result = check(tmp, {"server": {"delegation_threads": "four"}})
    assert result.returncode == 78
    assert one_line(result) == (f"chimera: {path}: server.delegation_threads: "
                                "expected an integer from 1 to 1024, found a string")


def test_mount_of_unknown_module(tmp):
    # memfs, linux and io_uring are built in and need no declaration.
    path, result = check(tmp, {"server": {"vfs": {}}, "mounts": {"x": {"module": "demofs"}}})
    assert result.returncode == 78
    assert one_line(result) == (f'chimera: {path}: mounts.x.module: no module named "demofs" under server.vfs '
                                "(configured: none)")


def test_duplicate_mount_path(tmp):
    config = module_config(f"{TEST_PLUGINS}/chimera_vfs_ctest.so")
    config["mounts"]["again"] = {"module": "m", "path": "/"}
    path, result = check(tmp, config)
    assert result.returncode == 78
    assert one_line(result) == f'chimera: {path}: mounts.m.path: module "m" path "/" is already mounted as mounts.again'


def test_plugin_file_missing(tmp):
    path, result = check(tmp, module_config(f"{tmp}/nowhere.so"))
    assert result.returncode == 78
    assert one_line(result) == f"chimera: {path}: server.vfs.m: VFS module file not found: {tmp}/nowhere.so"


def test_default_plugin_path_is_the_build_tree(tmp):
    path, result = check(tmp, {"server": {"vfs": {"nonesuch": {}}}})
    assert result.returncode == 78
    assert one_line(result) == (f"chimera: {path}: server.vfs.nonesuch: VFS module file not found: "
                                f"{PLUGINS}/chimera_vfs_nonesuch.so")


def test_not_a_shared_object(tmp):
    plugin = f"{TEST_PLUGINS}/chimera_vfs_not_elf.so"
    path, result = check(tmp, module_config(plugin))
    assert result.returncode == 78
    assert one_line(result).startswith(f"chimera: {path}: server.vfs.m: {plugin} is not a loadable shared object:")


def test_entry_symbol_missing(tmp):
    plugin = f"{TEST_PLUGINS}/chimera_vfs_no_entry.so"
    path, result = check(tmp, module_config(plugin))
    assert result.returncode == 78
    assert one_line(result) == (f"chimera: {path}: server.vfs.m: {plugin} does not export the entry function "
                                "chimera_vfs_module_v1() (is it a Chimera VFS module?)")


def test_abi_major_mismatch_names_both_versions(tmp):
    plugin = f"{TEST_PLUGINS}/chimera_vfs_abi_major.so"
    path, result = check(tmp, module_config(plugin))
    assert result.returncode == 78
    assert one_line(result) == (f"chimera: {path}: server.vfs.m: {plugin} was built for VFS module ABI 2.{VFS_MINOR}; "
                                f"this host speaks ABI 1.{VFS_MINOR} (major versions differ)")


def test_abi_minor_newer_than_host(tmp):
    plugin = f"{TEST_PLUGINS}/chimera_vfs_abi_minor.so"
    path, result = check(tmp, module_config(plugin))
    assert result.returncode == 78
    assert one_line(result) == (f"chimera: {path}: server.vfs.m: {plugin} needs VFS module ABI 1.99; "
                                f"this host speaks ABI 1.{VFS_MINOR} (upgrade the host)")


def test_struct_too_small(tmp):
    plugin = f"{TEST_PLUGINS}/chimera_vfs_small_struct.so"
    path, result = check(tmp, module_config(plugin))
    assert result.returncode == 78
    assert "declares a VFS module struct of 16 bytes" in one_line(result)


def test_struct_larger_than_any_known_minor_loads_with_one_warning(tmp):
    plugin = f"{TEST_PLUGINS}/chimera_vfs_large_struct.so"
    path, result = check(tmp, module_config(plugin))
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "larger than any ABI" in line]
    assert len(warnings) == 1, result.stderr
    assert "declares a VFS module struct of 65536 bytes" in warnings[0] and "the extra fields are ignored" in warnings[0]


@pytest.mark.parametrize("plugin", ["chimera_vfs_swifttest.so", "chimera_vfs_ctest.so"])
def test_plugin_init_failure_carries_its_own_message(tmp, plugin):
    path, result = check(tmp, module_config(f"{TEST_PLUGINS}/{plugin}", {"fail": "the disk is on fire"}))
    assert result.returncode == 78
    assert one_line(result) == (f"chimera: {path}: server.vfs.m: module {TEST_PLUGINS}/{plugin} refused its config: "
                                "the disk is on fire")


def test_module_config_errors_name_the_key(tmp):
    path, result = check(tmp, module_config(f"{TEST_PLUGINS}/chimera_vfs_swifttest.so", {"greting": "x"}))
    assert result.returncode == 78
    assert "refused its config: config.greting: unknown key" in one_line(result)


def test_linux_module_root_that_does_not_exist(tmp):
    config = {"server": {"vfs": {"linux": {"config": {"root": f"{tmp}/absent"}}}},
              "mounts": {"l": {"module": "linux"}}}
    path, result = check(tmp, config)
    assert result.returncode == 78
    line = one_line(result)
    assert line.startswith(f"chimera: {path}: server.vfs.linux: module")
    assert "root" in line and f"{tmp}/absent" in line


def test_port_in_use_stops_the_server_with_one_line(tmp):
    holder = socket.socket()
    holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    holder.bind(("127.0.0.1", 0))
    holder.listen(1)
    port = holder.getsockname()[1]
    try:
        config = module_config(f"{TEST_PLUGINS}/chimera_vfs_ctest.so", extra_server={"metrics_port": port})
        path = write_config(tmp, config)
        result = run_chimera("serve", "--config", path, timeout=60)
        assert result.returncode == 69
        assert result.stderr.strip().splitlines()[-1] == (
            f"chimera: {path}: server.metrics_port: cannot listen on 127.0.0.1:{port}: address already in use")
    finally:
        holder.close()


def test_sigterm_with_a_client_connected_exits_zero(tmp):
    port = free_port()
    config = module_config(f"{TEST_PLUGINS}/chimera_vfs_ctest.so", extra_server={"metrics_port": port})
    with serve(config, wait_ports=[port], directory=tmp) as server:
        client = socket.create_connection(("127.0.0.1", port))
        try:
            assert server.stop(timeout=30) == 0
        finally:
            client.close()
        assert "loaded VFS module" in server.log


def test_a_mount_the_module_refuses_is_one_line_not_a_crash(tmp):
    os.makedirs(f"{tmp}/root", exist_ok=True)
    config = {"server": {"vfs": {"linux": {"config": {"root": f"{tmp}/root", "handle_key_file": f"{tmp}/key"}}}},
              "mounts": {"l": {"module": "linux", "path": "/not/there"}}}
    path, result = check(tmp, config)
    assert result.returncode == 78, result.stderr
    assert one_line(result) == f"chimera: {path}: mounts.l: module 'linux' could not mount '/not/there': NOENT"
