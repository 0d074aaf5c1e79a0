"""The image's entry script (config/docker-entrypoint.sh), run against the
build tree as the image runs it against /opt/chimera, and the image's own
config (config/docker.json), served by that script as a container would
serve it: in private network and mount namespaces, reached at an address
that is not loopback. Not run here: `docker build` and `docker run` (no
Docker engine on this machine), so the image's layout is checked only by
reading the Dockerfile."""

import json
import os
import re
import subprocess

import pytest

from chimera_test_support import (BUILD, CHIMERA, REPO, free_port, namespace_available, run_in_namespace,
                                  write_config)

ENTRY = os.path.join(REPO, "config", "docker-entrypoint.sh")
IMAGE_CONFIG = os.path.join(REPO, "config", "docker.json")
# No /etc/chimera.json on the machine running the tests, nor any default.
ABSENT = {"CHIMERA_CONFIG": "/nonexistent/chimera.json", "CHIMERA_DEFAULT_CONFIG": "/nonexistent/docker.json"}


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
    result = run_entry(env={"CHIMERA_CONFIG": str(tmp_path / "absent.json"),
                            "CHIMERA_DEFAULT_CONFIG": ABSENT["CHIMERA_DEFAULT_CONFIG"]})
    assert result.returncode == 78
    assert result.stderr.strip() == f"chimera: {tmp_path}/absent.json: no config (mount one: -v $PWD/chimera.json:{tmp_path}/absent.json)"


def test_arguments_run_chimera_with_them(tmp_path):
    result = run_entry("version")
    assert result.returncode == 0 and result.stdout.startswith("chimera ")


# In the namespaces: a second address (not loopback) for the "container",
# the linux mount's directory on a private tmpfs, then the entry script with
# no arguments and no /etc/chimera.json, as `docker run IMAGE` starts it.
CONTAINER = r'''
set -u
ip link set lo up
ip addr add 10.200.0.2/32 dev lo
mount --make-rprivate /
mount -t tmpfs -o mode=0755 tmpfs /srv
mkdir -p /srv/chimera/linux
echo "from the container" > /srv/chimera/linux/hello.txt
sh "$ENTRY" > "$LOG" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
for i in $(seq 100); do grep -q '\[chimera\] serving' "$LOG" && break; kill -0 $pid 2>/dev/null || exit 3; sleep 0.1; done
grep -q '\[chimera\] serving' "$LOG" || exit 3
for m in memfs linux; do
    nfs-ls "nfs://10.200.0.2/$m?nfsport=2049&mountport=20048" > "$OUT/ls-$m.txt" || exit 4
done
if [ "$WANT_ACCESS" = from-log ]; then  # the pair the script printed
    WANT_ACCESS=$(sed -n 's/.*access key \([^ ]*\) secret key.*/\1/p' "$LOG")
    WANT_SECRET=$(sed -n 's/.*secret key \([^ ]*\)$/\1/p' "$LOG")
    export WANT_ACCESS WANT_SECRET
fi
python3 - <<'PY' || exit 5
import os, boto3
s3 = boto3.client("s3", endpoint_url="http://10.200.0.2:9000", region_name="us-east-1",
                  aws_access_key_id=os.environ["WANT_ACCESS"], aws_secret_access_key=os.environ["WANT_SECRET"])
s3.put_object(Bucket="memfs", Key="k.txt", Body=b"v")
assert s3.get_object(Bucket="memfs", Key="k.txt")["Body"].read() == b"v"
PY
'''


def container_env(tmp_path, **extra):
    out = tmp_path / "out"
    out.mkdir()
    env = dict(os.environ, CHIMERA_HOME=BUILD, CHIMERA_CONFIG=str(tmp_path / "no-etc-chimera.json"),
               CHIMERA_DEFAULT_CONFIG=IMAGE_CONFIG, ENTRY=ENTRY, LOG=str(out / "serve.log"), OUT=str(out), **extra)
    for key in ("CHIMERA_S3_ACCESS_KEY", "CHIMERA_S3_SECRET_KEY"):
        if key not in extra:
            env.pop(key, None)
    return env, out


@pytest.mark.skipif(not namespace_available(), reason="needs root, unshare --mount and libnfs-utils")
def test_the_image_config_serves_every_interface_with_the_given_s3_keys(tmp_path):
    keys = {"CHIMERA_S3_ACCESS_KEY": "AKIADOCKERTEST", "CHIMERA_S3_SECRET_KEY": "docker/test/secret"}
    env, out = container_env(tmp_path, WANT_ACCESS=keys["CHIMERA_S3_ACCESS_KEY"],
                             WANT_SECRET=keys["CHIMERA_S3_SECRET_KEY"], **keys)
    rc, stdout, stderr = run_in_namespace(CONTAINER, env, timeout=90)
    log = (out / "serve.log").read_text() if (out / "serve.log").exists() else "(no log)"
    assert rc == 0, f"exit {rc}\n{stdout}\n{stderr}\n{log}"
    for listener in ("0.0.0.0:2049", "0.0.0.0:20048", "0.0.0.0:9000"):
        assert f"address={listener}" in log, log
    assert "hello.txt" in (out / "ls-linux.txt").read_text()
    assert "S3 keys" not in log  # given keys are not replaced, nor printed


def generated_keys(log):
    m = re.search(r"S3 keys: access key (\S+) secret key (\S+)", log)
    assert m, log
    return m.group(1), m.group(2)


@pytest.mark.skipif(not namespace_available(), reason="needs root, unshare --mount and libnfs-utils")
def test_without_s3_keys_the_entry_script_makes_a_random_pair_and_prints_it(tmp_path):
    # The S3 check signs with the pair the log shows: the server took it.
    env, out = container_env(tmp_path, WANT_ACCESS="from-log", WANT_SECRET="from-log")
    rc, stdout, stderr = run_in_namespace(CONTAINER, env, timeout=90)
    log = (out / "serve.log").read_text() if (out / "serve.log").exists() else "(no log)"
    assert rc == 0, f"exit {rc}\n{stdout}\n{stderr}\n{log}"
    access, secret = generated_keys(log)
    assert re.fullmatch(r"CHIMERA[0-9A-F]{16}", access) and re.fullmatch(r"[0-9a-f]{40}", secret)


def test_the_generated_keys_differ_every_start(tmp_path):
    # check, not serve: the config is the image's, the keys are the script's.
    seen = set()
    for _ in range(2):
        env = dict(os.environ, CHIMERA_HOME=os.path.join(tmp_path, "no-chimera"),
                   CHIMERA_CONFIG=str(tmp_path / "absent.json"), CHIMERA_DEFAULT_CONFIG=IMAGE_CONFIG)
        env.pop("CHIMERA_S3_ACCESS_KEY", None)
        env.pop("CHIMERA_S3_SECRET_KEY", None)
        r = subprocess.run(["sh", ENTRY], capture_output=True, text=True, timeout=30, env=env,
                           stdin=subprocess.DEVNULL)
        seen.add(generated_keys(r.stderr))  # exec then fails: no chimera under CHIMERA_HOME
    assert len(seen) == 2


def test_a_mounted_etc_chimera_json_wins_over_the_image_config(tmp_path):
    conf = write_config(str(tmp_path), {"server": {"vfs": {"memfs": {}}, "protocols": {}},
                                        "mounts": {"memfs": {"module": "memfs"}}})
    env = {"CHIMERA_CONFIG": conf, "CHIMERA_DEFAULT_CONFIG": IMAGE_CONFIG}
    # `check` through the script's argument path uses the same file the no-argument path would.
    result = run_entry("check", "--config", conf, env=env)
    assert result.returncode == 0, result.stderr
    # And with no arguments, the mounted file is served (its empty protocols section: nothing listens),
    # without S3 keys being made up for it.
    process = subprocess.Popen(["sh", ENTRY], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               stdin=subprocess.DEVNULL, env=dict(os.environ, CHIMERA_HOME=BUILD, **env))
    try:
        line = ""
        for line in process.stdout:
            if "[chimera] serving" in line:
                break
        assert f"config={conf}" in line, line
    finally:
        process.terminate()
        process.wait(timeout=30)
    rest = process.stdout.read()
    assert "S3 keys" not in line + rest


def test_make_run_keeps_loopback_and_the_image_config_does_not():
    with open(os.path.join(REPO, "config", "default.json")) as f:
        dev = f.read()
    assert "bind_address" not in dev  # 127.0.0.1, the host's default
    text = open(IMAGE_CONFIG).read()
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//"))
    image = json.loads(body)
    assert image["server"]["bind_address"] == "0.0.0.0"
    assert "credentials" not in image["server"]["protocols"]["s3"]  # no well-known key pair in the image
    r = subprocess.run([CHIMERA, "check", "--config", IMAGE_CONFIG], capture_output=True, text=True, timeout=60,
                       env=dict(os.environ, CHIMERA_S3_ACCESS_KEY="A", CHIMERA_S3_SECRET_KEY="B"))
    # On this machine /srv/chimera/linux does not exist: everything before that module's config is valid.
    assert r.returncode == 0 or "/srv/chimera/linux does not exist" in r.stderr, r.stderr


def test_the_dockerfile_builds_with_make_build_and_uses_the_entry_script():
    with open(os.path.join(REPO, "Dockerfile")) as f:
        text = f.read()
    assert "RUN make build\n" in text
    assert "COPY --from=build /src/build /opt/chimera" in text
    assert "COPY config/docker-entrypoint.sh /usr/local/bin/chimera-entrypoint" in text
    assert 'ENTRYPOINT ["/usr/local/bin/chimera-entrypoint"]' in text
    assert "/etc/chimera.json" in text
    assert "COPY config/docker.json /usr/local/share/chimera/docker.json" in text
    assert "COPY config/default.json" not in text
    assert "mkdir -p /srv/chimera/linux" in text
