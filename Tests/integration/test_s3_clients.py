"""Real S3 command-line clients against the daemon: the AWS CLI (`aws s3
cp/ls/rm/sync --endpoint-url`) and s3cmd (put/get/ls/info/sync/del,
multipart)."""

import filecmp
import hashlib
import os
import shutil
import subprocess

import pytest

from chimera_test_support import S3_ACCESS_KEY, S3_SECRET_KEY, free_port, s3_client, s3_config, serve

MiB = 1 << 20


@pytest.fixture(scope="module")
def server():
    port = free_port()
    with serve(s3_config(port), wait_ports=[port]) as running:
        running.port = port
        yield running


def run(args, env=None, timeout=300, allowed=(0,)):
    result = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL)
    assert result.returncode in allowed, f"{args}: {result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture
def aws(server, tmp_path):
    if shutil.which("aws") is None:
        pytest.skip("the AWS CLI is not installed (make test-deps installs it)")
    env = dict(os.environ, AWS_ACCESS_KEY_ID=S3_ACCESS_KEY, AWS_SECRET_ACCESS_KEY=S3_SECRET_KEY,
               AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE=str(tmp_path / "none"),
               AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"), AWS_EC2_METADATA_DISABLED="true")
    endpoint = f"http://127.0.0.1:{server.port}"
    # `aws s3 ls` of nothing exits 1.
    return lambda *args: run(["aws", "--endpoint-url", endpoint, *args], env=env,
                             allowed=(0, 1) if args[:2] == ("s3", "ls") else (0,))


@pytest.fixture
def s3cmd(server, tmp_path):
    if shutil.which("s3cmd") is None:
        pytest.skip("s3cmd is not installed (make test-deps installs it)")
    config = tmp_path / "s3cmd.cfg"
    config.write_text(
        "[default]\n"
        f"access_key = {S3_ACCESS_KEY}\nsecret_key = {S3_SECRET_KEY}\n"
        f"host_base = 127.0.0.1:{server.port}\nhost_bucket = 127.0.0.1:{server.port}\n"
        "use_https = False\nsignature_v2 = False\nbucket_location = us-east-1\n")
    return lambda *args: run(["s3cmd", "-c", str(config), *args])


def write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_aws_cli_cp_ls_rm(aws, server, tmp_path):
    small = write(tmp_path / "small.txt", b"hello from the aws cli\n")
    large = write(tmp_path / "large.bin", os.urandom(20 * MiB + 3))
    aws("s3", "cp", str(small), "s3://memfs/cli/small.txt")
    aws("s3", "cp", str(large), "s3://memfs/cli/large.bin")  # multipart above 8 MiB
    listing = aws("s3", "ls", "s3://memfs/cli/")
    assert "small.txt" in listing and "large.bin" in listing and str(20 * MiB + 3) in listing
    assert "memfs" in aws("s3", "ls")
    aws("s3", "cp", "s3://memfs/cli/large.bin", str(tmp_path / "large.copy"))
    assert filecmp.cmp(large, tmp_path / "large.copy", shallow=False)
    aws("s3", "cp", "s3://memfs/cli/small.txt", "s3://memfs/cli/copied.txt")
    assert s3_client(server.port).get_object(Bucket="memfs", Key="cli/copied.txt")["Body"].read() == small.read_bytes()
    aws("s3", "rm", "s3://memfs/cli/small.txt")
    listing = aws("s3", "ls", "s3://memfs/cli/")
    assert "small.txt" not in listing and "large.bin" in listing
    aws("s3", "rm", "--recursive", "s3://memfs/cli/")
    assert aws("s3", "ls", "s3://memfs/cli/").strip() == ""


def test_aws_cli_sync_both_ways_uploads_only_changes(aws, tmp_path):
    source = tmp_path / "source"
    for i in range(12):
        write(source / f"dir{i % 3}" / f"file{i}.txt", f"content {i}\n".encode() * (i + 1))
    write(source / "top.bin", os.urandom(100_000))
    first = aws("s3", "sync", str(source), "s3://memfs/synced/")
    assert first.count("upload:") == 13
    assert aws("s3", "sync", str(source), "s3://memfs/synced/").count("upload:") == 0
    write(source / "dir1" / "file1.txt", b"changed and longer than before\n")
    assert aws("s3", "sync", str(source), "s3://memfs/synced/").count("upload:") == 1
    back = tmp_path / "back"
    aws("s3", "sync", "s3://memfs/synced/", str(back))
    compared = filecmp.dircmp(source, back)
    assert not compared.left_only and not compared.right_only and not compared.diff_files
    for sub in compared.subdirs.values():
        assert not sub.left_only and not sub.right_only and not sub.diff_files
    os.remove(source / "top.bin")
    deleted = aws("s3", "sync", "--delete", str(source), "s3://memfs/synced/")
    assert "delete: s3://memfs/synced/top.bin" in deleted


def test_s3cmd_put_get_ls_info_sync_del(s3cmd, tmp_path):
    data = os.urandom(12 * MiB + 5)
    source = write(tmp_path / "s3cmd.bin", data)
    s3cmd("put", "--multipart-chunk-size-mb=5", str(source), "s3://memfs/s3cmd/big.bin")
    s3cmd("put", str(write(tmp_path / "small.txt", b"small")), "s3://memfs/s3cmd/small.txt")
    listing = s3cmd("ls", "s3://memfs/s3cmd/")
    assert "s3://memfs/s3cmd/big.bin" in listing and "s3://memfs/s3cmd/small.txt" in listing
    assert "s3://memfs" in s3cmd("ls")
    s3cmd("get", "s3://memfs/s3cmd/big.bin", str(tmp_path / "got.bin"))
    assert hashlib.sha256((tmp_path / "got.bin").read_bytes()).digest() == hashlib.sha256(data).digest()
    info = s3cmd("info", "s3://memfs/s3cmd/small.txt")
    assert hashlib.md5(b"small").hexdigest() in info
    tree = tmp_path / "tree"
    for i in range(5):
        write(tree / f"sub{i % 2}" / f"f{i}", f"{i}".encode() * 100)
    s3cmd("sync", str(tree) + "/", "s3://memfs/s3cmd/tree/")
    assert len([line for line in s3cmd("ls", "--recursive", "s3://memfs/s3cmd/tree/").splitlines() if line]) == 5
    s3cmd("del", "s3://memfs/s3cmd/small.txt")
    s3cmd("del", "--recursive", "--force", "s3://memfs/s3cmd/")
    assert s3cmd("ls", "--recursive", "s3://memfs/s3cmd/").strip() == ""
