"""S3 users: each access key acts as the uid/gid/groups its credential maps
to, chosen per request by the key that signed it, and the VFS core's
permission check answers AccessDenied. Keys without uid/gid act as the owner
of the bucket's directory; anonymous reads act as anonymous_uid/gid."""

import os

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

from chimera_test_support import free_port, serve

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="chown of the backing files needs root")

KEYS = {"alice": ("AKIAALICE", "alice-secret", 1000), "bob": ("AKIABOB", "bob-secret", 2000),
        "root": ("AKIAROOT", "root-secret", 0)}


def client(port, who):
    access, secret, _ = KEYS[who]
    return boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}", aws_access_key_id=access,
                        aws_secret_access_key=secret, region_name="us-east-1",
                        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1},
                                      signature_version="s3v4", connect_timeout=10, read_timeout=60))


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("users") / "linux"
    root.mkdir()
    os.chmod(root, 0o777)
    port = free_port()
    credentials = [{"access_key": a, "secret_key": s, "uid": uid, "gid": uid, "groups": [uid + 1]}
                   for a, s, uid in KEYS.values()]
    config = {"server": {"threads": 2, "delegation_threads": 2, "log_level": "info",
                         "vfs": {"linux": {"config": {"root": str(root)}}},
                         "protocols": {"s3": {"port": port, "credentials": credentials,
                                              "anonymous_uid": 3000, "anonymous_gid": 3000}}},
              "mounts": {"linux": {"module": "linux", "path": "/"}},
              "buckets": {"users": {"path": "/linux", "anonymous_read": True}}}
    with serve(config, wait_ports=[port]) as running:
        running.root = root
        running.port = port
        yield running


def denied(error):
    response = error.value.response
    return response["Error"]["Code"] == "AccessDenied" and response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_an_object_put_with_a_key_is_owned_by_its_uid(server):
    client(server.port, "alice").put_object(Bucket="users", Key="owned.txt", Body=b"alice's")
    stat = os.stat(server.root / "owned.txt")
    assert (stat.st_uid, stat.st_gid) == (1000, 1000)


def test_another_key_reads_but_cannot_overwrite(server):
    alice, bob = client(server.port, "alice"), client(server.port, "bob")
    alice.put_object(Bucket="users", Key="shared.txt", Body=b"first")
    os.chmod(server.root / "shared.txt", 0o644)
    assert bob.get_object(Bucket="users", Key="shared.txt")["Body"].read() == b"first"
    # The overwrite is a rename of bob's staged file onto alice's key, in a
    # directory bob may write: make the directory alice's, as a user's own.
    os.mkdir(server.root / "alice")
    os.chown(server.root / "alice", 1000, 1000)
    alice.put_object(Bucket="users", Key="alice/doc.txt", Body=b"mine")
    os.chmod(server.root / "alice" / "doc.txt", 0o644)
    with pytest.raises(ClientError) as error:
        bob.put_object(Bucket="users", Key="alice/doc.txt", Body=b"overwritten")
    assert denied(error)
    assert (server.root / "alice" / "doc.txt").read_bytes() == b"mine"
    assert bob.get_object(Bucket="users", Key="alice/doc.txt")["Body"].read() == b"mine"


def test_a_root_owned_directory_takes_objects_only_from_root(server):
    locked = server.root / "locked"
    os.mkdir(locked)
    os.chown(locked, 0, 0)
    os.chmod(locked, 0o755)
    with pytest.raises(ClientError) as error:
        client(server.port, "alice").put_object(Bucket="users", Key="locked/new.txt", Body=b"no")
    assert denied(error)
    assert not (locked / "new.txt").exists()
    client(server.port, "root").put_object(Bucket="users", Key="locked/new.txt", Body=b"yes")
    assert os.stat(locked / "new.txt").st_uid == 0


def test_one_connection_carries_requests_of_several_keys(server):
    alice, bob = client(server.port, "alice"), client(server.port, "bob")
    # Presigned URLs of both keys over one kept-alive connection: the server
    # chooses the credential per request, not per connection.
    with requests.Session() as session:
        for index in range(3):
            for who, signer, uid in (("a", alice, 1000), ("b", bob, 2000)):
                key = f"mix-{who}{index}.txt"
                url = signer.generate_presigned_url("put_object", Params={"Bucket": "users", "Key": key},
                                                    ExpiresIn=600)
                assert session.put(url, data=who.encode(), timeout=30).status_code == 200
                assert os.stat(server.root / key).st_uid == uid


def test_anonymous_reads_act_as_the_anonymous_uid(server):
    (server.root / "public.txt").write_bytes(b"for everyone")
    os.chmod(server.root / "public.txt", 0o644)
    (server.root / "private.txt").write_bytes(b"root only")
    os.chmod(server.root / "private.txt", 0o600)
    url = f"http://127.0.0.1:{server.port}/users"
    public = requests.get(f"{url}/public.txt", timeout=30)
    assert (public.status_code, public.content) == (200, b"for everyone")
    private = requests.get(f"{url}/private.txt", timeout=30)
    assert private.status_code == 403
    assert b"<Code>AccessDenied</Code>" in private.content


def test_a_key_may_name_an_idmap_user(tmp_path):
    root = tmp_path / "linux"
    root.mkdir()
    os.chmod(root, 0o777)
    port = free_port()
    config = {"server": {"threads": 1, "delegation_threads": 1,
                         "idmap": {"domain": "example.com", "users": {"carol": {"uid": 4100, "gid": 4200}}},
                         "vfs": {"linux": {"config": {"root": str(root)}}},
                         "protocols": {"s3": {"port": port, "credentials": [
                             {"access_key": "AKIACAROL", "secret_key": "carol-secret", "user": "carol"}]}}},
              "mounts": {"linux": {"module": "linux", "path": "/"}},
              "buckets": {"users": {"path": "/linux"}}}
    with serve(config, wait_ports=[port]):
        carol = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}", aws_access_key_id="AKIACAROL",
                             aws_secret_access_key="carol-secret", region_name="us-east-1",
                             config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1},
                                           signature_version="s3v4", connect_timeout=10, read_timeout=60))
        carol.put_object(Bucket="users", Key="carol.txt", Body=b"c")
        stat = os.stat(root / "carol.txt")
        assert (stat.st_uid, stat.st_gid) == (4100, 4200)
