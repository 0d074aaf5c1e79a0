"""Cross-protocol: an object PUT over S3 is a file over NFSv3 at once (read
back with libnfs), a file written over NFSv3 is an object (listed and GET
over S3, with a stable derived ETag), and the S3 front-end's staging area
stays invisible to NFS clients."""

import hashlib
import os
import shutil
import subprocess

import pytest

from chimera_test_support import PLUGINS, free_port, s3_client, s3_config, serve

pytestmark = [
    pytest.mark.skipif(not os.path.exists(os.path.join(PLUGINS, "chimera_proto_nfs.so")),
                       reason="the NFSv3 front-end is not built"),
    pytest.mark.skipif(shutil.which("nfs-cp") is None, reason="libnfs-utils is not installed"),
]


@pytest.fixture(scope="module")
def server():
    from nfs_rpc import NFSPorts
    ports = NFSPorts()
    s3_port = free_port()
    config = s3_config(s3_port)
    config["server"]["protocols"]["nfs"] = {"port": ports.nfs, "mount_port": ports.mount,
                                            "portmap_port": ports.portmap}
    with serve(config, wait_ports=[s3_port, ports.nfs, ports.mount]) as running:
        running.nfs = ports
        running.s3 = s3_client(s3_port)
        yield running


def nfs(*args):
    result = subprocess.run(list(args), capture_output=True, timeout=120, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_put_over_s3_reads_back_over_nfs(server, tmp_path):
    body = os.urandom(3 << 20)
    server.s3.put_object(Bucket="memfs", Key="xproto/s3/from-s3.bin", Body=body)
    nfs("nfs-cp", server.nfs.url("/memfs/xproto/s3/from-s3.bin"), str(tmp_path / "back.bin"))
    assert (tmp_path / "back.bin").read_bytes() == body
    assert "from-s3.bin" in nfs("nfs-ls", server.nfs.url("/memfs/xproto/s3")).decode()


def test_a_file_written_over_nfs_is_an_object(server, tmp_path):
    server.s3.put_object(Bucket="memfs", Key="xproto/nfs/", Body=b"")
    local = tmp_path / "from-nfs.bin"
    local.write_bytes(os.urandom(1 << 20) + b"tail")
    nfs("nfs-cp", str(local), server.nfs.url("/memfs/xproto/nfs/from-nfs.bin"))
    listed = server.s3.list_objects_v2(Bucket="memfs", Prefix="xproto/nfs/")
    assert [(c["Key"], c["Size"]) for c in listed["Contents"]] == [("xproto/nfs/from-nfs.bin", local.stat().st_size)]
    got = server.s3.get_object(Bucket="memfs", Key="xproto/nfs/from-nfs.bin")
    assert got["Body"].read() == local.read_bytes()
    etag = got["ETag"]
    assert server.s3.head_object(Bucket="memfs", Key="xproto/nfs/from-nfs.bin")["ETag"] == etag
    assert listed["Contents"][0]["ETag"] == etag
    from botocore.exceptions import ClientError
    with pytest.raises(ClientError) as not_modified:
        server.s3.get_object(Bucket="memfs", Key="xproto/nfs/from-nfs.bin", IfNoneMatch=etag)
    assert not_modified.value.response["ResponseMetadata"]["HTTPStatusCode"] == 304


def test_an_object_rewritten_over_nfs_gets_a_new_etag(server):
    from nfs_rpc import NFSClient, mount_root
    put = server.s3.put_object(Bucket="memfs", Key="xproto/rewrite.txt", Body=b"first version")
    assert put["ETag"] == f'"{hashlib.md5(b"first version").hexdigest()}"'
    root = mount_root(server.nfs, "/memfs/xproto")
    with NFSClient(server.nfs.nfs) as client:
        status, (fh, _, _) = client.lookup(root, "rewrite.txt")
        assert status == 0
        assert client.write(fh, 0, b"the second, longer version")[0] == 0
    got = server.s3.get_object(Bucket="memfs", Key="xproto/rewrite.txt")
    assert got["Body"].read() == b"the second, longer version"
    assert got["ETag"] != put["ETag"]


def test_staging_is_invisible_over_nfs(server):
    upload = server.s3.create_multipart_upload(Bucket="memfs", Key="xproto/pending")["UploadId"]
    server.s3.upload_part(Bucket="memfs", Key="xproto/pending", UploadId=upload, PartNumber=1, Body=b"part")
    listing = nfs("nfs-ls", server.nfs.url("/memfs")).decode()
    assert ".chimera" not in listing
    assert "xproto" in listing
    server.s3.abort_multipart_upload(Bucket="memfs", Key="xproto/pending", UploadId=upload)
