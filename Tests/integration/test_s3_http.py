"""The S3 front-end's HTTP edge with hand-made requests: keep-alive and
pipelining, Expect: 100-continue, chunked and aws-chunked
(STREAMING-AWS4-HMAC-SHA256-PAYLOAD) uploads, and bad input — garbage, a
1 MiB request line, 10,000 headers, bodies longer or shorter than their
Content-Length, bad signatures. Each gets a 4xx or a closed connection, and
the server keeps serving other clients."""

import datetime
import hashlib
import hmac
import http.client
import os
import socket
import time
import urllib.parse

import pytest

from chimera_test_support import S3_ACCESS_KEY, S3_SECRET_KEY, free_port, s3_client, s3_config, serve

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


@pytest.fixture(scope="module")
def server():
    port = free_port()
    with serve(s3_config(port), wait_ports=[port]) as running:
        running.port = port
        running.client = s3_client(port)
        yield running


class Signed:
    """A SigV4-signed request head, and what chunk signatures chain from."""

    def __init__(self, method, path, headers, payload_hash, query=(), secret=S3_SECRET_KEY, when=None):
        now = when or datetime.datetime.now(datetime.timezone.utc)
        self.amz_date = now.strftime("%Y%m%dT%H%M%SZ")
        self.scope = f"{self.amz_date[:8]}/us-east-1/s3/aws4_request"
        self.headers = {k.lower(): v for k, v in headers.items()}
        self.headers["x-amz-date"] = self.amz_date
        self.headers["x-amz-content-sha256"] = payload_hash
        names = sorted(self.headers)
        quote = lambda text, safe: urllib.parse.quote(text, safe=safe)
        canonical = "\n".join([
            method, quote(path, "/-_.~"),
            "&".join(sorted(f"{quote(k, '-_.~')}={quote(v, '-_.~')}" for k, v in query)),
            "".join(f"{k}:{' '.join(str(self.headers[k]).split())}\n" for k in names),
            ";".join(names), payload_hash])
        to_sign = "\n".join(["AWS4-HMAC-SHA256", self.amz_date, self.scope,
                             hashlib.sha256(canonical.encode()).hexdigest()])
        key = ("AWS4" + secret).encode()
        for part in [self.amz_date[:8], "us-east-1", "s3", "aws4_request"]:
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        self.key = key
        self.signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        self.headers["authorization"] = (f"AWS4-HMAC-SHA256 Credential={S3_ACCESS_KEY}/{self.scope}, "
                                         f"SignedHeaders={';'.join(names)}, Signature={self.signature}")
        target = path + ("?" + urllib.parse.urlencode(list(query)) if query else "")
        self.head = (f"{method} {target} HTTP/1.1\r\n" +
                     "".join(f"{k}: {v}\r\n" for k, v in self.headers.items()) + "\r\n").encode()

    def aws_chunked(self, chunks, tamper=False):
        """The body of a signed aws-chunked upload of `chunks`."""
        previous, out = self.signature, b""
        for data in list(chunks) + [b""]:
            to_sign = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", self.amz_date, self.scope, previous, EMPTY_SHA256,
                                 hashlib.sha256(data).hexdigest()])
            previous = hmac.new(self.key, to_sign.encode(), hashlib.sha256).hexdigest()
            signature = ("0" * 64) if tamper and data else previous
            out += f"{len(data):x};chunk-signature={signature}\r\n".encode() + data + b"\r\n"
        return out


class _Reader:
    """One buffered reader per socket, shared by the responses read from it
    (a reader per response would lose the bytes it read ahead: pipelining)."""

    readers = {}

    class Unclosable:
        def __init__(self, file):
            self.file = file

        def __getattr__(self, name):
            return getattr(self.file, name)

        def close(self):
            pass

    def __init__(self, sock):
        if sock.fileno() not in _Reader.readers:
            _Reader.readers[sock.fileno()] = _Reader.Unclosable(sock.makefile("rb"))
        self.file = _Reader.readers[sock.fileno()]

    def makefile(self, *args, **kwargs):
        return self.file


def connect(server):
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=15)
    _Reader.readers.pop(sock.fileno(), None)
    return sock


def read_response(sock, method="GET"):
    response = http.client.HTTPResponse(_Reader(sock), method=method)
    response.begin()
    return response.status, dict(response.getheaders()), response.read()


def closed_or_4xx(sock):
    """What the server did with bad input: answered 4xx, or closed."""
    try:
        status, _, _ = read_response(sock)
        return 400 <= status < 500
    except (ConnectionError, http.client.RemoteDisconnected, http.client.BadStatusLine, socket.timeout):
        return True


def still_serving(server):
    key = f"alive/{time.monotonic_ns()}"
    server.client.put_object(Bucket="memfs", Key=key, Body=b"alive")
    assert server.client.get_object(Bucket="memfs", Key=key)["Body"].read() == b"alive"


def put_head(server, key, body_length, extra=None, payload_hash="UNSIGNED-PAYLOAD", **kwargs):
    headers = {"host": f"127.0.0.1:{server.port}", "content-length": str(body_length)}
    headers.update(extra or {})
    return Signed("PUT", f"/memfs/{key}", headers, payload_hash, **kwargs)


# ------------------------------------------------------------- HTTP/1.1

def test_keep_alive_and_pipelined_requests_answer_in_order(server):
    for i in range(3):
        server.client.put_object(Bucket="memfs", Key=f"pipe/{i}", Body=f"body {i}".encode() * (i + 1))
    sock = connect(server)
    heads = b"".join(Signed("GET", f"/memfs/pipe/{i}", {"host": f"127.0.0.1:{server.port}"}, EMPTY_SHA256).head
                     for i in range(3))
    sock.sendall(heads)
    for i in range(3):
        status, _, body = read_response(sock)
        assert status == 200 and body == f"body {i}".encode() * (i + 1)
    sock.sendall(Signed("GET", "/memfs/pipe/0", {"host": f"127.0.0.1:{server.port}"}, EMPTY_SHA256).head)
    assert read_response(sock)[2] == b"body 0"
    sock.close()


def test_expect_100_continue_then_body(server):
    body = os.urandom(200_000)
    signed = put_head(server, "expect/ok", len(body), {"expect": "100-continue"},
                      payload_hash=hashlib.sha256(body).hexdigest())
    sock = connect(server)
    sock.sendall(signed.head)
    assert sock.recv(64).startswith(b"HTTP/1.1 100")
    sock.sendall(body)
    status, headers, _ = read_response(sock)
    assert status == 200 and headers["ETag"] == f'"{hashlib.md5(body).hexdigest()}"'
    sock.close()
    assert server.client.get_object(Bucket="memfs", Key="expect/ok")["Body"].read() == body


def test_expect_100_continue_with_a_bad_signature_is_refused_before_the_body(server):
    signed = put_head(server, "expect/denied", 10 << 20, {"expect": "100-continue"}, secret="not the secret")
    sock = connect(server)
    sock.sendall(signed.head)
    status, _, body = read_response(sock)
    assert status == 403 and b"<Code>SignatureDoesNotMatch</Code>" in body
    sock.close()
    still_serving(server)


def test_chunked_transfer_encoding_upload(server):
    parts = [os.urandom(70_000), os.urandom(1), os.urandom(300_000)]
    signed = Signed("PUT", "/memfs/chunked/te", {"host": f"127.0.0.1:{server.port}",
                                                 "transfer-encoding": "chunked"}, "UNSIGNED-PAYLOAD")
    sock = connect(server)
    sock.sendall(signed.head + b"".join(f"{len(p):x}\r\n".encode() + p + b"\r\n" for p in parts) + b"0\r\n\r\n")
    status, headers, _ = read_response(sock)
    assert status == 200
    assert headers["ETag"] == f'"{hashlib.md5(b"".join(parts)).hexdigest()}"'
    sock.close()
    assert server.client.get_object(Bucket="memfs", Key="chunked/te")["Body"].read() == b"".join(parts)


def test_signed_aws_chunked_upload(server):
    chunks = [os.urandom(64 << 10), os.urandom(64 << 10), os.urandom(1000)]
    total = sum(len(c) for c in chunks)
    headers = {"host": f"127.0.0.1:{server.port}", "content-encoding": "aws-chunked",
               "x-amz-decoded-content-length": str(total)}
    probe = Signed("PUT", "/memfs/chunked/aws", dict(headers, **{"content-length": "0"}),
                   "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
    length = len(probe.aws_chunked(chunks))
    signed = Signed("PUT", "/memfs/chunked/aws", dict(headers, **{"content-length": str(length)}),
                    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
    sock = connect(server)
    sock.sendall(signed.head + signed.aws_chunked(chunks))
    status, response_headers, body = read_response(sock)
    assert status == 200, body
    assert response_headers["ETag"] == f'"{hashlib.md5(b"".join(chunks)).hexdigest()}"'
    sock.close()
    got = server.client.get_object(Bucket="memfs", Key="chunked/aws")
    assert got["Body"].read() == b"".join(chunks)
    assert "ContentEncoding" not in got

    tampered = Signed("PUT", "/memfs/chunked/tampered", dict(headers, **{"content-length": str(length)}),
                      "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")
    sock = connect(server)
    sock.sendall(tampered.head + tampered.aws_chunked(chunks, tamper=True))
    status, _, body = read_response(sock)
    assert status == 403 and b"SignatureDoesNotMatch" in body
    sock.close()
    with pytest.raises(Exception):
        server.client.head_object(Bucket="memfs", Key="chunked/tampered")


# ------------------------------------------------------------ bad input

def test_garbage_gets_an_error_or_a_close(server):
    for garbage in [b"\x00\x01\x02garbage\r\n\r\n", b"NOT HTTP AT ALL\r\n\r\n", os.urandom(4096),
                    b"GET / HTTP/9.9\r\n\r\n", b"GET /memfs HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n"]:
        sock = connect(server)
        sock.sendall(garbage)
        assert closed_or_4xx(sock)
        sock.close()
    still_serving(server)


def test_a_request_line_of_one_mib(server):
    sock = connect(server)
    try:
        sock.sendall(b"GET /memfs/" + b"a" * (1 << 20) + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    assert closed_or_4xx(sock)
    sock.close()
    still_serving(server)


def test_ten_thousand_headers(server):
    for width in [2, 30]:
        sock = connect(server)
        headers = b"".join(f"x-h{i}: {'v' * width}\r\n".encode() for i in range(10_000))
        try:
            sock.sendall(b"GET /memfs?list-type=2 HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        assert closed_or_4xx(sock)
        sock.close()
    still_serving(server)


def test_body_longer_than_content_length(server):
    body = b"exactly ten"[:10]
    signed = put_head(server, "length/longer", 10, payload_hash=hashlib.sha256(body).hexdigest())
    sock = connect(server)
    sock.sendall(signed.head + body + b"and then a lot more that is not HTTP\r\n\r\n")
    status, _, _ = read_response(sock)
    assert status == 200
    assert closed_or_4xx(sock)
    sock.close()
    assert server.client.get_object(Bucket="memfs", Key="length/longer")["Body"].read() == body
    still_serving(server)


def test_body_shorter_than_content_length_stores_nothing(server):
    signed = put_head(server, "length/shorter", 1 << 20)
    sock = connect(server)
    sock.sendall(signed.head + b"only a little")
    time.sleep(0.2)
    sock.shutdown(socket.SHUT_WR)
    assert closed_or_4xx(sock)
    sock.close()
    time.sleep(0.2)
    with pytest.raises(Exception):
        server.client.head_object(Bucket="memfs", Key="length/shorter")
    still_serving(server)


def test_bad_signature_and_sha256_mismatch(server):
    sock = connect(server)
    bad = Signed("GET", "/memfs", {"host": f"127.0.0.1:{server.port}"}, EMPTY_SHA256, query=[("list-type", "2")],
                 secret="wrong")
    sock.sendall(bad.head)
    status, headers, body = read_response(sock)
    assert status == 403 and b"<Code>SignatureDoesNotMatch</Code>" in body
    assert headers["Content-Type"] == "application/xml"
    # The connection stays usable after an error answer.
    good = Signed("GET", "/memfs", {"host": f"127.0.0.1:{server.port}"}, EMPTY_SHA256, query=[("list-type", "2")])
    sock.sendall(good.head)
    assert read_response(sock)[0] == 200
    body = b"the body"
    lying = put_head(server, "sha/mismatch", len(body), payload_hash=hashlib.sha256(b"another body").hexdigest())
    sock.sendall(lying.head + body)
    status, _, answer = read_response(sock)
    assert status == 400 and b"XAmzContentSHA256Mismatch" in answer
    sock.close()
    with pytest.raises(Exception):
        server.client.head_object(Bucket="memfs", Key="sha/mismatch")


def test_a_stalled_client_does_not_block_others(server):
    stalled = connect(server)
    stalled.sendall(put_head(server, "stalled/object", 50 << 20).head + b"x" * 1000)
    for _ in range(3):
        still_serving(server)
    stalled.close()


def test_unsigned_aws_chunked_upload_with_a_checksum_trailer(server):
    import base64
    import zlib
    data = os.urandom(100_000)
    crc = base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
    body = (f"{len(data):x}\r\n".encode() + data + b"\r\n0\r\n" +
            f"x-amz-checksum-crc32:{crc}\r\n\r\n".encode())
    headers = {"host": f"127.0.0.1:{server.port}", "content-encoding": "aws-chunked",
               "x-amz-decoded-content-length": str(len(data)), "x-amz-trailer": "x-amz-checksum-crc32",
               "content-length": str(len(body))}
    signed = Signed("PUT", "/memfs/chunked/trailer", headers, "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
    sock = connect(server)
    sock.sendall(signed.head + body)
    status, response_headers, answer = read_response(sock)
    assert status == 200, answer
    assert response_headers.get("x-amz-checksum-crc32") == crc
    wrong = body.replace(crc.encode(), base64.b64encode(b"\0\0\0\0"))
    signed = Signed("PUT", "/memfs/chunked/trailer-bad", headers, "STREAMING-UNSIGNED-PAYLOAD-TRAILER")
    sock.sendall(signed.head + wrong)
    status, _, answer = read_response(sock)
    assert status == 400 and b"BadDigest" in answer
    sock.close()
    assert server.client.get_object(Bucket="memfs", Key="chunked/trailer")["Body"].read() == data


def test_virtual_hosted_style_requests():
    port = free_port()
    with serve(s3_config(port, s3_extra={"domain": "s3.chimera.test"}), wait_ports=[port]) as running:
        running.port = port
        host = f"memfs.s3.chimera.test:{port}"
        body = b"virtual host body"
        sock = connect(running)
        put = Signed("PUT", "/vhost/object", {"host": host, "content-length": str(len(body))},
                     hashlib.sha256(body).hexdigest())
        sock.sendall(put.head + body)
        assert read_response(sock)[0] == 200
        sock.sendall(Signed("GET", "/vhost/object", {"host": host}, EMPTY_SHA256).head)
        status, _, got = read_response(sock)
        assert status == 200 and got == body
        sock.sendall(Signed("GET", "/", {"host": host}, EMPTY_SHA256, query=[("list-type", "2")]).head)
        status, _, listing = read_response(sock)
        assert status == 200 and b"<Key>vhost/object</Key>" in listing
        sock.close()
        assert s3_client(port).get_object(Bucket="memfs", Key="vhost/object")["Body"].read() == body


def test_sigterm_closes_idle_and_busy_connections_and_exits_zero():
    port = free_port()
    with serve(s3_config(port), wait_ports=[port]) as running:
        running.port = port
        idle = connect(running)
        idle.sendall(Signed("GET", "/memfs", {"host": "x"}, EMPTY_SHA256, query=[("list-type", "2")]).head)
        assert read_response(idle)[0] == 200
        busy = connect(running)
        busy.sendall(put_head(running, "shutdown/partial", 8 << 20).head + b"x" * (1 << 20))
        time.sleep(0.2)
        started = time.monotonic()
        assert running.stop() == 0
        assert time.monotonic() - started < 20
        assert idle.recv(1) == b""
        idle.close()
        busy.close()


def test_a_key_with_nul_is_refused(server):
    sock = connect(server)
    sock.sendall(Signed("GET", "/memfs/a\x00b", {"host": "x"}, EMPTY_SHA256).head.replace(b"a\x00b", b"a%00b"))
    status, _, body = read_response(sock)
    assert status == 400 and b"<Code>" in body
    sock.close()


def test_clock_skew_is_refused(server):
    sock = connect(server)
    skewed = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)
    sock.sendall(Signed("GET", "/memfs", {"host": "x"}, EMPTY_SHA256, query=[("list-type", "2")], when=skewed).head)
    status, _, body = read_response(sock)
    assert status == 403 and b"<Code>RequestTimeTooSkewed</Code>" in body
    sock.close()
