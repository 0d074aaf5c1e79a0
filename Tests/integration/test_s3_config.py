"""The S3 front-end's config: strict, one line naming the key for each
mistake; a bucket whose path does not resolve answers NoSuchBucket and is
logged once."""

import pytest
from botocore.exceptions import ClientError

from chimera_test_support import free_port, run_chimera, s3_client, s3_config, serve, write_config


def check(tmp_path, config):
    path = write_config(str(tmp_path), config)
    result = run_chimera("check", "--config", path)
    lines = result.stderr.strip().splitlines()
    return result.returncode, lines


def test_the_s3_config_checks(tmp_path):
    code, lines = check(tmp_path, s3_config(9000, s3_extra={"region": "eu-west-1", "domain": "s3.example.test",
                                                            "bucket_root": "/memfs/b", "metadata": "sidecar",
                                                            "max_object_size": 1 << 30}))
    assert code == 0, lines


@pytest.mark.parametrize("extra,buckets,expected", [
    ({"prot": 1}, None, "server.protocols.s3.prot: unknown key"),
    ({"region": "Not A Region"}, None, "server.protocols.s3.region: expected a region name"),
    ({"credentials": [{"access_key": "a"}]}, None, "server.protocols.s3.credentials[0].secret_key: missing"),
    ({"credentials": "key:secret"}, None, "server.protocols.s3.credentials: expected an array"),
    ({"credentials": [{"access_key": "a", "secret_key": "b", "admin": True}]}, None,
     "server.protocols.s3.credentials[0].admin: unknown key"),
    ({"credentials": [{"access_key": "a", "secret_key": "b", "uid": 1000}]}, None,
     "server.protocols.s3.credentials[0].gid: expected with uid, missing"),
    ({"credentials": [{"access_key": "a", "secret_key": "b", "uid": -1, "gid": 0}]}, None,
     "server.protocols.s3.credentials[0].uid: expected an integer"),
    ({"credentials": [{"access_key": "a", "secret_key": "b", "uid": 1, "gid": 1, "groups": ["x"]}]}, None,
     "server.protocols.s3.credentials[0].groups[0]: expected a gid from 0 to 4294967294"),
    ({"credentials": [{"access_key": "a", "secret_key": "b", "groups": [5]}]}, None,
     "server.protocols.s3.credentials[0].groups: expected only with uid and gid"),
    ({"credentials": [{"access_key": "a", "secret_key": "b", "user": "nobody-here-at-all"}]}, None,
     'server.protocols.s3.credentials[0].user: expected a user of server.idmap.users or the host\'s passwd'),
    ({"credentials": [{"access_key": "a", "secret_key": "b", "user": "root", "uid": 0, "gid": 0}]}, None,
     "server.protocols.s3.credentials[0].user: expected either user or uid/gid/groups"),
    ({"anonymous_uid": "nobody"}, None, "server.protocols.s3.anonymous_uid: expected an integer"),
    ({"credentials": []}, None,
     'server.protocols.s3.credentials: no credentials, but bucket "memfs" is not anonymous_read'),
    ({"metadata": "xattr-only"}, None, 'server.protocols.s3.metadata: expected "auto" or "sidecar"'),
    ({"max_object_size": 0}, None, "server.protocols.s3.max_object_size: expected an integer"),
    ({}, {"Bad_Name": {"path": "/memfs"}}, "buckets.Bad_Name: not a valid S3 bucket name"),
    ({}, {"memfs": {"path": "/memfs", "public": True}}, "buckets.memfs.public: unknown key"),
    ({}, {"memfs": {}}, "buckets.memfs.path: missing"),
])
def test_mistakes_are_one_line_naming_the_key(tmp_path, extra, buckets, expected):
    code, lines = check(tmp_path, s3_config(9000, buckets=buckets, s3_extra=extra))
    assert code == 78
    assert len(lines) == 1, lines
    assert "server.protocols.s3: plugin" in lines[0] and expected in lines[0], lines[0]


def test_anonymous_only_server_needs_no_credentials(tmp_path):
    config = s3_config(9000, buckets={"open": {"path": "/memfs", "anonymous_read": True}},
                       s3_extra={"credentials": []})
    code, lines = check(tmp_path, config)
    assert code == 0, lines


def test_a_bucket_whose_path_does_not_resolve_is_no_such_bucket_logged_once():
    port = free_port()
    buckets = {"memfs": {"path": "/memfs"}, "ghost": {"path": "/memfs/not/there"}}
    with serve(s3_config(port, buckets=buckets), wait_ports=[port]) as server:
        s3 = s3_client(port)
        for _ in range(3):
            with pytest.raises(ClientError) as missing:
                s3.list_objects_v2(Bucket="ghost")
            assert missing.value.response["Error"]["Code"] == "NoSuchBucket"
        s3.put_object(Bucket="memfs", Key="not/there/x", Body=b"now it resolves")
        assert s3.get_object(Bucket="ghost", Key="x")["Body"].read() == b"now it resolves"
        assert server.log.count("bucket ghost: path /memfs/not/there does not resolve") == 1
