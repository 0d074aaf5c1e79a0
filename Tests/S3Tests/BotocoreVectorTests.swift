import Testing

@testable import S3

/// Vectors generated once with botocore 1.43.11's own signers (`S3SigV4Auth`, `S3SigV4QueryAuth`,
/// `AwsChunkedWrapper`) at a fixed clock and committed here as constants; no Python runs at test time.
@Suite("SigV4 and aws-chunked against botocore-generated vectors")
struct BotocoreVectorTests {
    static let store = S3CredentialStore(["AKIDCHIMERATEST": "chimera/secret+key", "AK": "SK"])
    static let time = S3Timestamp(iso8601Basic: "20240301T123045Z")!

    @Test("a botocore-signed PUT with an encoded key, query and folded header value verifies")
    func headerSigned() throws {
        let request = try S3IncomingRequest(
            method: "PUT", target: "/bucket/dir%20one/caf%C3%A9%2Bx~y.txt?uploadId=abc%2Fdef&partNumber=3",
            headers: S3Headers([
                ("Host", "127.0.0.1:9000"),
                ("Content-Type", "text/plain"),
                ("x-amz-meta-color", "  dark   blue  "),
                ("Content-Length", "11"),
                ("X-Amz-Date", "20240301T123045Z"),
                ("X-Amz-Content-SHA256", "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"),
                (
                    "Authorization",
                    "AWS4-HMAC-SHA256 Credential=AKIDCHIMERATEST/20240301/eu-west-1/s3/aws4_request, "
                        + "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-meta-color, "
                        + "Signature=65c58388e3d70a3be4df4fbacac7fe04dc6e132c1009daa39b120a57a3b0f989"
                ),
            ]))
        let verifier = S3SigV4Verifier(credentials: Self.store)
        let context = try verifier.authenticate(request, now: Self.time).requireSigned()
        #expect(context.scope == "20240301/eu-west-1/s3/aws4_request")
        var body = try S3RequestBody(request: request, authentication: .signed(context))
        var stored: [UInt8] = []
        try body.consume(Array("hello world".utf8)) { stored.append(contentsOf: $0) }
        let summary = try body.finish()
        #expect(stored == Array("hello world".utf8))
        #expect(summary.etag == "\"5eb63bbbe01eeed093cb22bb8f5acdc3\"")
    }

    @Test("a botocore presigned GET verifies, and not once its query is altered")
    func presigned() throws {
        let target =
            "/bucket/a/b%20c.bin?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            + "&X-Amz-Credential=AKIDCHIMERATEST%2F20240301%2Fus-east-1%2Fs3%2Faws4_request"
            + "&X-Amz-Date=20240301T123045Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host"
            + "&X-Amz-Signature=ee599b7daf4ea11e434ad1e370fc49ea9cedcecad3d80ff2e9053c0472b19002"
        let verifier = S3SigV4Verifier(credentials: Self.store)
        let ok = try S3IncomingRequest(method: "GET", target: target, headers: S3Headers([("Host", "localhost:8000")]))
        _ = try verifier.authenticate(ok, now: Self.time).requireSigned()
        let altered = try S3IncomingRequest(
            method: "GET", target: target.replacingFirst("b%20c", with: "b%20d"),
            headers: S3Headers([("Host", "localhost:8000")]))
        let error = #expect(throws: S3Error.self) { try verifier.authenticate(altered, now: Self.time) }
        #expect(error?.code == .signatureDoesNotMatch)
    }

    // Captured from boto3 1.43.11 `put_object(Bucket="b", Key="k.txt", Body=b"hello")` over plain HTTP:
    // a hex payload hash, and the CRC32 as a header (botocore only uses aws-chunked trailers over HTTPS).
    @Test("a captured boto3 put_object over HTTP verifies, with its x-amz-checksum-crc32 header")
    func capturedPutObject() throws {
        let request = try S3IncomingRequest(
            method: "PUT", target: "/b/k.txt",
            headers: S3Headers([
                ("Host", "127.0.0.1:55681"),
                ("Accept-Encoding", "identity"),
                ("Expect", "100-continue"),
                ("x-amz-checksum-crc32", "NhCmhg=="),
                ("x-amz-sdk-checksum-algorithm", "CRC32"),
                ("X-Amz-Date", "20261124T002810Z"),
                ("X-Amz-Content-SHA256", "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"),
                (
                    "Authorization",
                    "AWS4-HMAC-SHA256 Credential=AK/20261124/us-east-1/s3/aws4_request, SignedHeaders=host;"
                        + "x-amz-checksum-crc32;x-amz-content-sha256;x-amz-date;x-amz-sdk-checksum-algorithm, "
                        + "Signature=b420b6141cedaa249c99456d3782d118d49f5ec54ef84ca475ad837e412e6811"
                ),
                ("Content-Length", "5"),
            ]))
        let now = S3Timestamp(iso8601Basic: "20261124T002900Z")!
        let auth = try S3SigV4Verifier(credentials: Self.store).authenticate(request, now: now)
        var body = try S3RequestBody(request: request, authentication: auth)
        try body.consume(Array("hello".utf8)) { _ in }
        let summary = try body.finish()
        #expect(summary.checksum == .init(algorithm: .crc32, value: "NhCmhg=="))
    }

    /// `AwsChunkedWrapper(chunk_size=50, Crc32Checksum)` over "The quick brown fox jumps over the lazy dog" * 3.
    static let unsignedTrailerBody = Array(
        ("32\r\nThe quick brown fox jumps over the lazy dogThe qui\r\n32\r\nck brown fox jumps over the lazy "
            + "dogThe quick brow\r\n1d\r\nn fox jumps over the lazy dog\r\n0\r\nx-amz-checksum-crc32:2ZaR8w==\r\n\r\n")
            .utf8)

    @Test("botocore's unsigned-trailer aws-chunked body decodes and its CRC32 trailer checks")
    func unsignedTrailer() throws {
        let request = try S3IncomingRequest(
            method: "PUT", target: "/b/k",
            headers: S3Headers([
                ("x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"),
                ("Content-Encoding", "aws-chunked"),
                ("Transfer-Encoding", "chunked"),
                ("X-Amz-Trailer", "x-amz-checksum-crc32"),
                ("X-Amz-Decoded-Content-Length", "129"),
            ]))
        var body = try S3RequestBody(request: request, authentication: .anonymous)
        var stored: [UInt8] = []
        try body.consume(Self.unsignedTrailerBody) { stored.append(contentsOf: $0) }
        let summary = try body.finish()
        #expect(String(decoding: stored, as: UTF8.self) == String(repeating: "The quick brown fox jumps over the lazy dog", count: 3))
        #expect(summary.checksum?.value == "2ZaR8w==")

        var corrupted = Self.unsignedTrailerBody
        corrupted[10] = UInt8(ascii: "X")
        var bad = try S3RequestBody(request: request, authentication: .anonymous)
        try bad.consume(corrupted) { _ in }
        let error = #expect(throws: S3Error.self) { try bad.finish() }
        #expect(error?.code == .badDigest)
    }
}

extension String {
    func replacingFirst(_ target: String, with replacement: String) -> String {
        guard let range = self.firstRange(of: target) else { return self }
        var copy = self
        copy.replaceSubrange(range, with: replacement)
        return copy
    }
}
