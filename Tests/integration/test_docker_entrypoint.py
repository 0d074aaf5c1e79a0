"""The image's entry script (config/docker-entrypoint.sh), run against the
build tree as the image runs it against /opt/chimera. Not run here: `docker
build` and `docker run` (no Docker engine on this machine), so the image's
layout is checked only by reading the Dockerfile."""

import os
import subprocess

import pytest

from chimera_test_support import BUILD, REPO, free_port, write_config

ENTRY = os.path.join(REPO, "config", "docker-entrypoint.sh")


def run_entry(*args, env=None, timeout=60):
    return subprocess.run(["sh", ENTRY, *args], capture_output=True, text=True, timeout=timeout,
                          env=dict(os.environ, CHIMERA_HOME=BUILD, **(env or {})), stdin=subprocess.DEVNULL)


def test_with_no_arguments_it_serves_the_config(tmp_path):
    port = free_port()
    conf = write_config(str(tmp_path), {"server": {"vfs": {"memfs": {}}, "protocols": {
        "nfs": {"port": port, "mount_port": 0, "portmap_port": 0}}}, "mounts": {"memfs": {"module": "memfs"}}})
    log = open(tmp_path / "log", "w")
    process = subprocess.Popen(["sh", ENTRY], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                               env=dict(os.environ, CHIMERA_HOME=BUILD, CHIMERA_CONFIG=conf))
    try:
        from chimera_test_support import wait_for_port
        wait_for_port(port, deadline_s=30, process=process)
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
    # exec: the PID the engine signals is chimera itself, which drains and exits 0 on SIGTERM.
    assert process.returncode == 0, (tmp_path / "log").read_text()
    assert "serving" in (tmp_path / "log").read_text()


def test_a_missing_config_is_one_line_and_exit_78(tmp_path):
    result = run_entry(env={"CHIMERA_CONFIG": str(tmp_path / "absent.json")})
    assert result.returncode == 78
    assert result.stderr.strip() == f"chimera: {tmp_path}/absent.json: no config (mount one: -v $PWD/chimera.json:{tmp_path}/absent.json)"


def test_arguments_run_chimera_with_them(tmp_path):
    result = run_entry("version")
    assert result.returncode == 0 and result.stdout.startswith("chimera ")


def test_the_dockerfile_builds_with_make_build_and_uses_the_entry_script():
    with open(os.path.join(REPO, "Dockerfile")) as f:
        text = f.read()
    assert "RUN make build\n" in text
    assert "COPY --from=build /src/build /opt/chimera" in text
    assert "COPY config/docker-entrypoint.sh /usr/local/bin/chimera-entrypoint" in text
    assert 'ENTRYPOINT ["/usr/local/bin/chimera-entrypoint"]' in text
    assert "/etc/chimera.json" in text
