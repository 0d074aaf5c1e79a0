"""The S3 front-end through boto3 against the real daemon: every operation
the issue lists, multipart with 3 parts of 5 MiB, and a 1 GiB streamed
PUT/GET compared by checksum."""

import datetime
import hashlib
import os
import tempfile
import threading
import time

import pytest
from botocore.exceptions import ClientError

from chimera_test_support import free_port, s3_client, s3_config, serve

MiB = 1 << 20


@pytest.fixture(scope="module")
def server():
    port = free_port()
    buckets = {"memfs": {"path": "/memfs"}, "other": {"path": "/memfs/other-bucket"},
               "public": {"path": "/memfs/public", "anonymous_read": True}}
    with serve(s3_config(port, buckets=buckets, s3_extra={"bucket_root": "/memfs/dynamic"}),
               wait_ports=[port]) as running:
        client = s3_client(port)
        # Bucket directories other than the mount root are made here, by S3 folder PUTs.
        for directory in ["other-bucket/", "public/", "dynamic/"]:
            client.put_object(Bucket="memfs", Key=directory, Body=b"")
        running.port = port
        running.client = client
        yield running


@pytest.fixture
def s3(server):
    return server.client


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def status(excinfo):
    return excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"]


def fresh_prefix(name):
    return f"{name}-{time.monotonic_ns()}/"


# ------------------------------------------------------------------ buckets

def test_list_buckets_head_bucket_and_location(s3):
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert {"memfs", "other", "public"} <= set(names)
    assert names == sorted(names)
    s3.head_bucket(Bucket="memfs")
    assert s3.get_bucket_location(Bucket="memfs")["LocationConstraint"] in (None, "", "us-east-1")
    with pytest.raises(ClientError) as missing:
        s3.head_bucket(Bucket="no-such-bucket")
    assert status(missing) == 404
    with pytest.raises(ClientError) as listing:
        s3.list_objects_v2(Bucket="no-such-bucket")
    assert error_code(listing) == "NoSuchBucket"


def test_create_and_delete_bucket_under_bucket_root(s3):
    s3.create_bucket(Bucket="made-by-s3")
    assert "made-by-s3" in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    s3.put_object(Bucket="made-by-s3", Key="x", Body=b"1")
    assert s3.get_object(Bucket="memfs", Key="dynamic/made-by-s3/x")["Body"].read() == b"1"
    with pytest.raises(ClientError) as again:
        s3.create_bucket(Bucket="made-by-s3")
    assert error_code(again) == "BucketAlreadyOwnedByYou"
    with pytest.raises(ClientError) as not_empty:
        s3.delete_bucket(Bucket="made-by-s3")
    assert error_code(not_empty) == "BucketNotEmpty"
    s3.create_multipart_upload(Bucket="made-by-s3", Key="pending")
    s3.delete_object(Bucket="made-by-s3", Key="x")
    s3.delete_bucket(Bucket="made-by-s3")
    with pytest.raises(ClientError) as gone:
        s3.head_bucket(Bucket="made-by-s3")
    assert status(gone) == 404
    # Made again: every loop's cached handle of the old directory is stale.
    s3.create_bucket(Bucket="made-by-s3")
    for _ in range(4):
        fresh = s3_client(s3.meta.endpoint_url.rsplit(":", 1)[1])
        fresh.put_object(Bucket="made-by-s3", Key="again", Body=b"2")
        assert fresh.get_object(Bucket="made-by-s3", Key="again")["Body"].read() == b"2"
    s3.delete_object(Bucket="made-by-s3", Key="again")
    s3.delete_bucket(Bucket="made-by-s3")
    with pytest.raises(ClientError) as configured:
        s3.delete_bucket(Bucket="other")
    assert error_code(configured) == "AccessDenied"


# ------------------------------------------------------------ put and get

def test_put_get_head_keep_content_type_metadata_and_md5_etag(s3):
    body = os.urandom(100_000)
    put = s3.put_object(Bucket="memfs", Key="objects/one.bin", Body=body, ContentType="application/x-test",
                        Metadata={"colour": "blue", "Mixed-Case": "Value"}, CacheControl="no-cache")
    assert put["ETag"] == f'"{hashlib.md5(body).hexdigest()}"'
    got = s3.get_object(Bucket="memfs", Key="objects/one.bin")
    assert got["Body"].read() == body
    assert got["ETag"] == put["ETag"]
    assert got["ContentType"] == "application/x-test"
    assert got["CacheControl"] == "no-cache"
    assert got["Metadata"] == {"colour": "blue", "mixed-case": "Value"}
    assert got["ContentLength"] == len(body)
    head = s3.head_object(Bucket="memfs", Key="objects/one.bin")
    assert head["ContentLength"] == len(body)
    assert head["ETag"] == put["ETag"]
    assert head["Metadata"]["colour"] == "blue"
    with pytest.raises(ClientError) as missing:
        s3.get_object(Bucket="memfs", Key="objects/none")
    assert error_code(missing) == "NoSuchKey"
    with pytest.raises(ClientError) as missing_head:
        s3.head_object(Bucket="memfs", Key="objects/none")
    assert status(missing_head) == 404


def test_empty_object_and_overwrite(s3):
    s3.put_object(Bucket="memfs", Key="objects/empty", Body=b"")
    got = s3.get_object(Bucket="memfs", Key="objects/empty")
    assert got["Body"].read() == b""
    assert got["ETag"] == '"d41d8cd98f00b204e9800998ecf8427e"'
    s3.put_object(Bucket="memfs", Key="objects/empty", Body=b"now full")
    assert s3.get_object(Bucket="memfs", Key="objects/empty")["Body"].read() == b"now full"


def test_content_md5_is_checked(s3):
    import base64
    body = b"integrity"
    good = base64.b64encode(hashlib.md5(body).digest()).decode()
    s3.put_object(Bucket="memfs", Key="objects/md5", Body=body, ContentMD5=good)
    bad = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    with pytest.raises(ClientError) as mismatch:
        s3.put_object(Bucket="memfs", Key="objects/md5", Body=body, ContentMD5=bad)
    assert error_code(mismatch) == "BadDigest"
    assert s3.get_object(Bucket="memfs", Key="objects/md5")["Body"].read() == body


def test_ranges(s3):
    body = bytes(range(256)) * 40
    s3.put_object(Bucket="memfs", Key="objects/range", Body=body)
    got = s3.get_object(Bucket="memfs", Key="objects/range", Range="bytes=10-19")
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert got["ContentRange"] == f"bytes 10-19/{len(body)}"
    assert got["Body"].read() == body[10:20]
    assert s3.get_object(Bucket="memfs", Key="objects/range", Range="bytes=-5")["Body"].read() == body[-5:]
    assert s3.get_object(Bucket="memfs", Key="objects/range", Range="bytes=10000-")["Body"].read() == body[10000:]
    with pytest.raises(ClientError) as unsatisfiable:
        s3.get_object(Bucket="memfs", Key="objects/range", Range=f"bytes={len(body)}-")
    assert status(unsatisfiable) == 416
    assert error_code(unsatisfiable) == "InvalidRange"


def test_conditional_requests(s3):
    put = s3.put_object(Bucket="memfs", Key="objects/cond", Body=b"conditional")
    etag = put["ETag"]
    assert s3.get_object(Bucket="memfs", Key="objects/cond", IfMatch=etag)["Body"].read() == b"conditional"
    with pytest.raises(ClientError) as failed:
        s3.get_object(Bucket="memfs", Key="objects/cond", IfMatch='"0000"')
    assert status(failed) == 412
    with pytest.raises(ClientError) as not_modified:
        s3.get_object(Bucket="memfs", Key="objects/cond", IfNoneMatch=etag)
    assert status(not_modified) == 304
    future = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)
    past = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)
    with pytest.raises(ClientError) as since:
        s3.get_object(Bucket="memfs", Key="objects/cond", IfModifiedSince=future)
    assert status(since) == 304
    with pytest.raises(ClientError) as unmodified:
        s3.get_object(Bucket="memfs", Key="objects/cond", IfUnmodifiedSince=past)
    assert status(unmodified) == 412
    assert s3.get_object(Bucket="memfs", Key="objects/cond", IfModifiedSince=past)["Body"].read() == b"conditional"


def test_delete_object_and_delete_objects(s3):
    prefix = fresh_prefix("delete")
    for name in ["a", "b", "c/d"]:
        s3.put_object(Bucket="memfs", Key=prefix + name, Body=name.encode())
    s3.delete_object(Bucket="memfs", Key=prefix + "a")
    s3.delete_object(Bucket="memfs", Key=prefix + "never-there")
    answer = s3.delete_objects(Bucket="memfs", Delete={"Objects": [
        {"Key": prefix + "b"}, {"Key": prefix + "c/d"}, {"Key": prefix + "missing"}, {"Key": prefix + "x/../y"}]})
    assert sorted(d["Key"] for d in answer["Deleted"]) == sorted([prefix + "b", prefix + "c/d", prefix + "missing"])
    assert [(e["Key"], e["Code"]) for e in answer["Errors"]] == [(prefix + "x/../y", "InvalidArgument")]
    assert s3.list_objects_v2(Bucket="memfs", Prefix=prefix)["KeyCount"] == 0


# ------------------------------------------------------------------- copy

def test_copy_object_same_and_cross_bucket_with_metadata_directive(s3):
    body = os.urandom(3 * MiB + 17)
    put = s3.put_object(Bucket="memfs", Key="copy/source", Body=body, ContentType="text/x-source",
                        Metadata={"origin": "source"})
    same = s3.copy_object(Bucket="memfs", Key="copy/same", CopySource={"Bucket": "memfs", "Key": "copy/source"})
    assert same["CopyObjectResult"]["ETag"] == put["ETag"]
    got = s3.get_object(Bucket="memfs", Key="copy/same")
    assert got["Body"].read() == body
    assert got["ContentType"] == "text/x-source" and got["Metadata"] == {"origin": "source"}
    cross = s3.copy_object(Bucket="other", Key="copied", CopySource={"Bucket": "memfs", "Key": "copy/source"},
                           MetadataDirective="REPLACE", ContentType="text/x-copy", Metadata={"origin": "copy"})
    assert cross["CopyObjectResult"]["ETag"] == put["ETag"]
    got = s3.get_object(Bucket="other", Key="copied")
    assert got["Body"].read() == body
    assert got["ContentType"] == "text/x-copy" and got["Metadata"] == {"origin": "copy"}
    with pytest.raises(ClientError) as missing:
        s3.copy_object(Bucket="memfs", Key="copy/x", CopySource={"Bucket": "memfs", "Key": "copy/nothing"})
    assert error_code(missing) == "NoSuchKey"
    with pytest.raises(ClientError) as precondition:
        s3.copy_object(Bucket="memfs", Key="copy/x", CopySource={"Bucket": "memfs", "Key": "copy/source"},
                       CopySourceIfMatch='"ffff"')
    assert status(precondition) == 412


# -------------------------------------------------------------- multipart

def test_multipart_three_parts_of_5_mib(s3):
    parts = [os.urandom(5 * MiB) for _ in range(3)]
    upload = s3.create_multipart_upload(Bucket="memfs", Key="mp/object", ContentType="application/x-mp",
                                        Metadata={"kind": "multipart"})
    upload_id = upload["UploadId"]
    listed = s3.list_multipart_uploads(Bucket="memfs")
    assert (upload_id, "mp/object") in [(u["UploadId"], u["Key"]) for u in listed.get("Uploads", [])]
    etags = []
    for number, data in enumerate(parts, start=1):
        answer = s3.upload_part(Bucket="memfs", Key="mp/object", UploadId=upload_id, PartNumber=number, Body=data)
        assert answer["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'
        etags.append(answer["ETag"])
    listed_parts = s3.list_parts(Bucket="memfs", Key="mp/object", UploadId=upload_id)["Parts"]
    assert [(p["PartNumber"], p["ETag"], p["Size"]) for p in listed_parts] == [
        (n, e, 5 * MiB) for n, e in zip([1, 2, 3], etags)]
    with pytest.raises(ClientError) as wrong_etag:
        s3.complete_multipart_upload(Bucket="memfs", Key="mp/object", UploadId=upload_id, MultipartUpload={
            "Parts": [{"PartNumber": 1, "ETag": etags[1]}, {"PartNumber": 2, "ETag": etags[1]}]})
    assert error_code(wrong_etag) == "InvalidPart"
    done = s3.complete_multipart_upload(Bucket="memfs", Key="mp/object", UploadId=upload_id, MultipartUpload={
        "Parts": [{"PartNumber": n, "ETag": e} for n, e in zip([1, 2, 3], etags)]})
    expected = hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest() + "-3"
    assert done["ETag"] == f'"{expected}"'
    got = s3.get_object(Bucket="memfs", Key="mp/object")
    assert hashlib.sha256(got["Body"].read()).hexdigest() == hashlib.sha256(b"".join(parts)).hexdigest()
    assert got["ETag"] == done["ETag"]
    assert got["ContentType"] == "application/x-mp" and got["Metadata"] == {"kind": "multipart"}
    with pytest.raises(ClientError) as finished:
        s3.list_parts(Bucket="memfs", Key="mp/object", UploadId=upload_id)
    assert error_code(finished) == "NoSuchUpload"
    assert upload_id not in [u["UploadId"] for u in s3.list_multipart_uploads(Bucket="memfs").get("Uploads", [])]


def test_multipart_abort_small_parts_and_upload_part_copy(s3):
    upload_id = s3.create_multipart_upload(Bucket="memfs", Key="mp/aborted")["UploadId"]
    s3.upload_part(Bucket="memfs", Key="mp/aborted", UploadId=upload_id, PartNumber=1, Body=b"x" * 1000)
    s3.abort_multipart_upload(Bucket="memfs", Key="mp/aborted", UploadId=upload_id)
    with pytest.raises(ClientError) as aborted:
        s3.upload_part(Bucket="memfs", Key="mp/aborted", UploadId=upload_id, PartNumber=2, Body=b"y")
    assert error_code(aborted) == "NoSuchUpload"
    with pytest.raises(ClientError):
        s3.head_object(Bucket="memfs", Key="mp/aborted")

    source = os.urandom(6 * MiB)
    s3.put_object(Bucket="memfs", Key="mp/copy-source", Body=source)
    upload_id = s3.create_multipart_upload(Bucket="memfs", Key="mp/copied")["UploadId"]
    first = s3.upload_part_copy(Bucket="memfs", Key="mp/copied", UploadId=upload_id, PartNumber=1,
                                CopySource={"Bucket": "memfs", "Key": "mp/copy-source"},
                                CopySourceRange=f"bytes=0-{5 * MiB - 1}")["CopyPartResult"]["ETag"]
    assert first == f'"{hashlib.md5(source[:5 * MiB]).hexdigest()}"'
    second = s3.upload_part(Bucket="memfs", Key="mp/copied", UploadId=upload_id, PartNumber=2, Body=b"tail")["ETag"]
    small = s3.upload_part(Bucket="memfs", Key="mp/copied", UploadId=upload_id, PartNumber=3, Body=b"more")["ETag"]
    with pytest.raises(ClientError) as too_small:
        s3.complete_multipart_upload(Bucket="memfs", Key="mp/copied", UploadId=upload_id, MultipartUpload={
            "Parts": [{"PartNumber": 1, "ETag": first}, {"PartNumber": 2, "ETag": second},
                      {"PartNumber": 3, "ETag": small}]})
    assert error_code(too_small) == "EntityTooSmall"
    s3.complete_multipart_upload(Bucket="memfs", Key="mp/copied", UploadId=upload_id, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": first}, {"PartNumber": 2, "ETag": second}]})
    assert s3.get_object(Bucket="memfs", Key="mp/copied")["Body"].read() == source[:5 * MiB] + b"tail"


# ---------------------------------------------------------------- listing

def list_all_v2(s3, **kwargs):
    keys, prefixes, pages, token = [], [], 0, None
    while pages < 1000:
        args = dict(kwargs)
        if token:
            args["ContinuationToken"] = token
        page = s3.list_objects_v2(Bucket="memfs", **args)
        pages += 1
        keys += [c["Key"] for c in page.get("Contents", [])]
        prefixes += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
        if not page["IsTruncated"]:
            return keys, prefixes, pages
        token = page["NextContinuationToken"]
    raise AssertionError("listing did not end")


def test_listing_prefix_delimiter_and_utf8_byte_order(s3):
    prefix = fresh_prefix("list")
    # "a" is a directory here: a file system path cannot also be a file.
    names = ["a.txt", "a-b", "a/x", "a/y/z", "a0", "b", "Z", "é", "ü/deep", "日本", "~"]
    for name in names:
        s3.put_object(Bucket="memfs", Key=prefix + name, Body=name.encode())
    keys, _, _ = list_all_v2(s3, Prefix=prefix)
    expected = sorted((prefix + n for n in names), key=lambda k: k.encode())
    assert keys == expected
    keys, prefixes, _ = list_all_v2(s3, Prefix=prefix, Delimiter="/")
    assert keys == sorted((prefix + n for n in ["a.txt", "a-b", "a0", "b", "Z", "é", "日本", "~"]),
                          key=lambda k: k.encode())
    assert prefixes == [prefix + "a/", prefix + "ü/"]
    keys, prefixes, _ = list_all_v2(s3, Prefix=prefix + "a", Delimiter="/")
    assert keys == [prefix + "a-b", prefix + "a.txt", prefix + "a0"] and prefixes == [prefix + "a/"]
    keys, _, _ = list_all_v2(s3, Prefix=prefix, StartAfter=prefix + "a0")
    assert keys == [k for k in expected if k.encode() > (prefix + "a0").encode()]
    for odd in ["/" + prefix, prefix + "a/../", prefix + "./a/", prefix + "a//x"]:
        assert list_all_v2(s3, Prefix=odd)[0] == []
    page = s3.list_objects(Bucket="memfs", Prefix=prefix, Marker=prefix + "b", MaxKeys=2)
    assert [c["Key"] for c in page["Contents"]] == [k for k in expected if k.encode() > (prefix + "b").encode()][:2]
    assert page["IsTruncated"]


def test_listing_paginates_a_large_directory_in_order(s3):
    prefix = fresh_prefix("big")
    names = [f"{i:05d}-{'x' * (i % 7)}" for i in range(2500)]
    with_threads = 8
    def worker(chunk):
        client = s3_client(s3.meta.endpoint_url.rsplit(":", 1)[1])
        for name in chunk:
            client.put_object(Bucket="memfs", Key=prefix + name, Body=b"")
    threads = [threading.Thread(target=worker, args=(names[i::with_threads],)) for i in range(with_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    keys, _, pages = list_all_v2(s3, Prefix=prefix, MaxKeys=400)
    assert keys == [prefix + n for n in sorted(names)]
    assert pages == 7
    v1 = s3.list_objects(Bucket="memfs", Prefix=prefix, MaxKeys=1000)
    assert v1["IsTruncated"] and len(v1["Contents"]) == 1000
    assert v1["Contents"][0]["ETag"] == '"d41d8cd98f00b204e9800998ecf8427e"'


def test_listing_hides_staging_and_multipart_parts(s3):
    upload_id = s3.create_multipart_upload(Bucket="memfs", Key="hidden/pending")["UploadId"]
    s3.upload_part(Bucket="memfs", Key="hidden/pending", UploadId=upload_id, PartNumber=1, Body=b"p")
    keys, prefixes, _ = list_all_v2(s3)
    assert not [k for k in keys + prefixes if ".chimera" in k]
    with pytest.raises(ClientError) as reserved:
        s3.get_object(Bucket="memfs", Key=".chimera-s3/uploads")
    assert error_code(reserved) == "InvalidArgument"
    s3.abort_multipart_upload(Bucket="memfs", Key="hidden/pending", UploadId=upload_id)


@pytest.mark.parametrize("key,code", [("a/../b", "InvalidArgument"), ("a//b", "InvalidArgument"),
                                      ("../escape", "InvalidArgument"), ("x" * 1025, "KeyTooLongError"),
                                      ("dir/.chimera-x", "InvalidArgument")])
def test_keys_that_cannot_be_paths_are_refused(s3, key, code):
    with pytest.raises(ClientError) as refused:
        s3.put_object(Bucket="memfs", Key=key, Body=b"nope")
    assert error_code(refused) == code


# ------------------------------------------------------------------- auth

def test_wrong_secret_and_unknown_key(server):
    import boto3
    from botocore.config import Config
    for access, secret, code in [("AKIACHIMERATEST", "wrong", "SignatureDoesNotMatch"),
                                 ("AKIAUNKNOWN", "whatever", "InvalidAccessKeyId")]:
        client = boto3.client("s3", endpoint_url=f"http://127.0.0.1:{server.port}", aws_access_key_id=access,
                              aws_secret_access_key=secret, region_name="us-east-1",
                              config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))
        with pytest.raises(ClientError) as denied:
            client.list_objects_v2(Bucket="memfs")
        assert error_code(denied) == code
        assert status(denied) == 403
        with pytest.raises(ClientError) as denied_put:
            client.put_object(Bucket="memfs", Key="auth/denied", Body=b"x" * 3 * MiB)
        assert error_code(denied_put) == code
    with pytest.raises(ClientError):
        server.client.head_object(Bucket="memfs", Key="auth/denied")


def test_anonymous_access_only_where_the_bucket_allows_it(server, s3):
    import urllib.error
    import urllib.request
    s3.put_object(Bucket="public", Key="open.txt", Body=b"for everyone")
    s3.put_object(Bucket="memfs", Key="closed.txt", Body=b"secret")
    base = f"http://127.0.0.1:{server.port}"
    assert urllib.request.urlopen(f"{base}/public/open.txt", timeout=10).read() == b"for everyone"
    assert b"open.txt" in urllib.request.urlopen(f"{base}/public?list-type=2", timeout=10).read()
    for method, url in [("GET", "/memfs/closed.txt"), ("PUT", "/public/new.txt"), ("GET", "/"),
                        ("DELETE", "/public/open.txt")]:
        request = urllib.request.Request(base + url, method=method, data=b"x" if method == "PUT" else None)
        with pytest.raises(urllib.error.HTTPError) as denied:
            urllib.request.urlopen(request, timeout=10)
        assert denied.value.code == 403
        body = denied.value.read()
        assert b"<Code>AccessDenied</Code>" in body and b"<RequestId>" in body


def test_presigned_urls_and_expiry(server, s3):
    import urllib.error
    import urllib.request
    s3.put_object(Bucket="memfs", Key="presigned/object", Body=b"presigned body")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "memfs", "Key": "presigned/object"}, ExpiresIn=60)
    assert urllib.request.urlopen(url, timeout=10).read() == b"presigned body"
    put_url = s3.generate_presigned_url("put_object", Params={"Bucket": "memfs", "Key": "presigned/up"}, ExpiresIn=60)
    urllib.request.urlopen(urllib.request.Request(put_url, data=b"uploaded", method="PUT"), timeout=10).read()
    assert s3.get_object(Bucket="memfs", Key="presigned/up")["Body"].read() == b"uploaded"
    tampered = url.replace("presigned%2Fobject", "presigned%2Fother").replace("presigned/object", "presigned/other")
    with pytest.raises(urllib.error.HTTPError) as bad:
        urllib.request.urlopen(tampered, timeout=10)
    assert bad.value.code == 403 and b"SignatureDoesNotMatch" in bad.value.read()
    expired = s3.generate_presigned_url("get_object", Params={"Bucket": "memfs", "Key": "presigned/object"},
                                        ExpiresIn=1)
    time.sleep(2.2)
    with pytest.raises(urllib.error.HTTPError) as late:
        urllib.request.urlopen(expired, timeout=10)
    assert late.value.code == 403 and b"Request has expired" in late.value.read()


# ------------------------------------------------------- atomic publishing

def test_a_reader_never_sees_half_an_object_and_an_aborted_upload_leaves_nothing(server, s3):
    import socket
    s3.put_object(Bucket="memfs", Key="atomic/object", Body=b"old" * 1000)
    url = s3.generate_presigned_url("put_object", Params={"Bucket": "memfs", "Key": "atomic/object"}, ExpiresIn=60)
    path = url.split(str(server.port), 1)[1]
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    sock.sendall(f"PUT {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nContent-Length: {8 * MiB}\r\n\r\n".encode())
    sock.sendall(b"n" * (4 * MiB))
    time.sleep(0.3)
    assert s3.get_object(Bucket="memfs", Key="atomic/object")["Body"].read() == b"old" * 1000
    sock.close()
    time.sleep(0.3)
    assert s3.get_object(Bucket="memfs", Key="atomic/object")["Body"].read() == b"old" * 1000
    keys, prefixes, _ = list_all_v2(s3, Prefix="atomic/")
    assert keys == ["atomic/object"]


# ----------------------------------------------------------- sidecar mode

def test_metadata_in_sidecars_when_the_module_has_no_xattrs():
    port = free_port()
    with serve(s3_config(port, s3_extra={"metadata": "sidecar"}), wait_ports=[port]):
        s3 = s3_client(port)
        body = b"sidecar body"
        put = s3.put_object(Bucket="memfs", Key="side/car", Body=body, ContentType="text/x-side", Metadata={"k": "v"})
        got = s3.get_object(Bucket="memfs", Key="side/car")
        assert got["Body"].read() == body and got["ETag"] == put["ETag"]
        assert got["ContentType"] == "text/x-side" and got["Metadata"] == {"k": "v"}
        listed = s3.list_objects_v2(Bucket="memfs")
        assert [(c["Key"], c["ETag"]) for c in listed["Contents"]] == [("side/car", put["ETag"])]
        s3.delete_object(Bucket="memfs", Key="side/car")
        assert s3.list_objects_v2(Bucket="memfs")["KeyCount"] == 0


# --------------------------------------------------------------- 1 GiB

def test_one_gib_streamed_put_and_get_match_by_checksum(s3, capsys):
    size = 1 << 30
    chunk = os.urandom(MiB)
    with tempfile.NamedTemporaryFile(dir="/tmp", prefix="chimera-s3-1g-") as source:
        digest = hashlib.sha256()
        for i in range(size // MiB):
            block = chunk[i % 97:] + chunk[:i % 97]
            source.write(block)
            digest.update(block)
        source.flush()
        source.seek(0)
        started = time.monotonic()
        s3.put_object(Bucket="memfs", Key="big/one-gib", Body=source)
        put_seconds = time.monotonic() - started
    started = time.monotonic()
    got = s3.get_object(Bucket="memfs", Key="big/one-gib")
    received = hashlib.sha256()
    length = 0
    for block in got["Body"].iter_chunks(chunk_size=4 * MiB):
        received.update(block)
        length += len(block)
    get_seconds = time.monotonic() - started
    assert length == size
    assert received.hexdigest() == digest.hexdigest()
    with capsys.disabled():
        print(f"\n1 GiB PUT {put_seconds:.1f}s, GET {get_seconds:.1f}s (informational)")
    s3.delete_object(Bucket="memfs", Key="big/one-gib")


def test_response_overrides_and_folder_objects(s3):
    s3.put_object(Bucket="memfs", Key="folders/file.txt", Body=b"inside", ContentType="text/plain")
    got = s3.get_object(Bucket="memfs", Key="folders/file.txt", ResponseContentType="application/x-override",
                        ResponseContentDisposition="attachment; filename=x.txt")
    assert got["ContentType"] == "application/x-override"
    assert got["ContentDisposition"] == "attachment; filename=x.txt"
    s3.put_object(Bucket="memfs", Key="folders/empty/", Body=b"")
    head = s3.head_object(Bucket="memfs", Key="folders/empty/")
    assert head["ContentLength"] == 0
    listed = s3.list_objects_v2(Bucket="memfs", Prefix="folders/")
    assert [c["Key"] for c in listed["Contents"]] == ["folders/empty/", "folders/file.txt"]
    delimited = s3.list_objects_v2(Bucket="memfs", Prefix="folders/", Delimiter="/")
    assert [p["Prefix"] for p in delimited["CommonPrefixes"]] == ["folders/empty/"]
    # Deleting the last object of a "folder" removes the folder too, as in S3.
    s3.put_object(Bucket="memfs", Key="folders/deep/er/x", Body=b"x")
    s3.delete_object(Bucket="memfs", Key="folders/deep/er/x")
    after = s3.list_objects_v2(Bucket="memfs", Prefix="folders/", Delimiter="/")
    assert "folders/deep/" not in [p["Prefix"] for p in after["CommonPrefixes"]]
    with pytest.raises(ClientError) as conflict:
        s3.put_object(Bucket="memfs", Key="folders/file.txt/below", Body=b"x")
    assert status(conflict) == 409


@pytest.mark.parametrize("metadata", ["auto", "sidecar"])
def test_failed_and_aborted_uploads_leave_nothing_behind(metadata):
    """memfs's own gauges (inodes, data bytes) come back to where they were
    after uploads that fail, are cut off, or are aborted, and after objects
    and parts are replaced (their sidecars too)."""
    import re
    import socket
    import urllib.request
    port, metrics = free_port(), free_port()
    config = s3_config(port, server_extra={"metrics_port": metrics}, s3_extra={"metadata": metadata})
    with serve(config, wait_ports=[port, metrics]):
        s3 = s3_client(port)

        def gauges():
            time.sleep(1.3)
            text = urllib.request.urlopen(f"http://127.0.0.1:{metrics}/metrics", timeout=10).read().decode()
            found = dict(re.findall(r"^chimera_vfs_memfs_(inodes|data_bytes)\{?[^ ]*\}? (\d+)", text, re.M))
            return int(found["inodes"]), int(found["data_bytes"])

        # Make the staging directories exist first.
        s3.put_object(Bucket="memfs", Key="warm/up", Body=b"w")
        s3.put_object(Bucket="memfs", Key="warm/replaced", Body=b"r" * 1000)
        s3.abort_multipart_upload(Bucket="memfs", Key="warm/mp",
                                  UploadId=s3.create_multipart_upload(Bucket="memfs", Key="warm/mp")["UploadId"])
        before = gauges()
        import base64
        with pytest.raises(ClientError):
            s3.put_object(Bucket="memfs", Key="left/bad-md5", Body=b"x" * MiB,
                          ContentMD5=base64.b64encode(hashlib.md5(b"y").digest()).decode())
        url = s3.generate_presigned_url("put_object", Params={"Bucket": "memfs", "Key": "left/cut"}, ExpiresIn=60)
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        target = url.split(str(port), 1)[1]
        sock.sendall(f"PUT {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                     f"Content-Length: {4 * MiB}\r\n\r\n".encode() + b"z" * (2 * MiB))
        time.sleep(0.3)
        sock.close()
        upload = s3.create_multipart_upload(Bucket="memfs", Key="left/mp")["UploadId"]
        for number in (1, 2, 2):
            s3.upload_part(Bucket="memfs", Key="left/mp", UploadId=upload, PartNumber=number, Body=b"p" * MiB)
        s3.abort_multipart_upload(Bucket="memfs", Key="left/mp", UploadId=upload)
        s3.put_object(Bucket="memfs", Key="warm/replaced", Body=b"R" * 1000)
        with pytest.raises(ClientError):
            s3.head_object(Bucket="memfs", Key="left/cut")
        after = gauges()
        assert after[0] == before[0]
        assert abs(after[1] - before[1]) < 64


def test_paged_listing_reads_a_large_directory_once_through_the_host_cache():
    """The pages of one listing of a large directory find its snapshot in
    the host's plugin cache (ABI 1.2) instead of reading it again: the
    cache's hit counter shows it, and a change between pages is seen."""
    import re
    import urllib.request
    port, metrics = free_port(), free_port()
    config = s3_config(port, server_extra={"metrics_port": metrics})
    with serve(config, wait_ports=[port, metrics]):
        s3 = s3_client(port)
        prefix = "snap/"
        names = [f"{i:04d}" for i in range(1200)]

        def worker(chunk):
            client = s3_client(port)
            for name in chunk:
                client.put_object(Bucket="memfs", Key=prefix + name, Body=b"")
        threads = [threading.Thread(target=worker, args=(names[i::4],)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

        def counter(name):
            time.sleep(1.3)  # the host publishes cache counters every second
            text = urllib.request.urlopen(f"http://127.0.0.1:{metrics}/metrics", timeout=10).read().decode()
            found = re.findall(r'^chimera_plugin_cache_' + name + r'\{[^}]*cache="s3_dir_snapshots"[^}]*\} (\d+)',
                               text, re.M)
            return int(found[0]) if found else 0

        keys, _, pages = list_all_v2(s3, Prefix=prefix, MaxKeys=300)
        assert keys == [prefix + n for n in names]
        assert pages == 4
        hits = counter("hits")
        assert hits >= 3, f"pages 2-4 should hit the snapshot cache, saw {hits} hits"

        # A key added between pages shows on a later page: the snapshot is
        # checked against the directory's attributes, not trusted.
        first = s3.list_objects_v2(Bucket="memfs", Prefix=prefix, MaxKeys=300)
        s3.put_object(Bucket="memfs", Key=prefix + "9999", Body=b"")
        rest, token = [], first["NextContinuationToken"]
        for _ in range(10):
            page = s3.list_objects_v2(Bucket="memfs", Prefix=prefix, MaxKeys=300, ContinuationToken=token)
            rest += [c["Key"] for c in page.get("Contents", [])]
            if not page["IsTruncated"]:
                break
            token = page["NextContinuationToken"]
        assert rest[-1] == prefix + "9999"
        assert counter("entries") >= 1
