import Testing

@testable import S3

func route(
    _ method: String, _ target: String, _ headers: [(String, String)] = [], domain: String? = nil
) throws(S3Error) -> S3Request {
    let request = try S3IncomingRequest(method: method, target: target, headers: S3Headers(headers))
    return try S3Router(virtualHostDomain: domain).route(request)
}

func key(_ text: String) -> S3ObjectKey {
    (try? S3ObjectKey(text)) ?? { preconditionFailure("bad test key \(text)") }()
}

@Suite("routing")
struct RoutingTests {
    @Test("path-style operations route to the right S3Request")
    func pathStyle() throws {
        #expect(try route("GET", "/") == .listBuckets)
        #expect(try route("HEAD", "/b") == .headBucket(bucket: "b"))
        #expect(try route("GET", "/b?location") == .getBucketLocation(bucket: "b"))
        #expect(try route("GET", "/b?versioning") == .getBucketVersioning(bucket: "b"))
        #expect(try route("PUT", "/bucket") == .createBucket(bucket: "bucket"))
        #expect(try route("DELETE", "/b/") == .deleteBucket(bucket: "b"))
        #expect(try route("POST", "/b?delete") == .deleteObjects(bucket: "b"))
        #expect(try route("DELETE", "/b/k") == .deleteObject(bucket: "b", key: key("k")))
        #expect(try route("POST", "/b/a/k?uploads") == .createMultipartUpload(bucket: "b", key: key("a/k"), S3PutObjectOptions()))
        #expect(try route("PUT", "/b/k?partNumber=2&uploadId=U-1") == .uploadPart(bucket: "b", key: key("k"), uploadId: "U-1", partNumber: 2))
        #expect(try route("POST", "/b/k?uploadId=U") == .completeMultipartUpload(bucket: "b", key: key("k"), uploadId: "U"))
        #expect(try route("DELETE", "/b/k?uploadId=U") == .abortMultipartUpload(bucket: "b", key: key("k"), uploadId: "U"))
        #expect(
            try route("GET", "/b/k?uploadId=U&max-parts=5&part-number-marker=2")
                == .listParts(bucket: "b", key: key("k"), uploadId: "U", maxParts: 5, partNumberMarker: 2))
        // botocore's x-id parameter is ignored.
        guard case .getObject(_, let k, _) = try route("GET", "/b/dir%20one/caf%C3%A9.txt?x-id=GetObject") else {
            Issue.record("not GetObject")
            return
        }
        #expect(k.components == ["dir one", "café.txt"])
    }

    @Test("virtual-hosted style takes the bucket from Host under the configured domain")
    func virtualHost() throws {
        let domain = "s3.example.test"
        #expect(try route("GET", "/", [("Host", "photos.s3.example.test:9000")], domain: domain)
            == .listObjects(bucket: "photos", S3ListParameters()))
        guard case .getObject(let bucket, let k, _) = try route("GET", "/a/b.jpg", [("Host", "photos.s3.example.test")], domain: domain)
        else {
            Issue.record("not GetObject")
            return
        }
        #expect(bucket == "photos" && k.rawValue == "a/b.jpg")
        #expect(try route("GET", "/", [("Host", "s3.example.test")], domain: domain) == .listBuckets)
        #expect(try route("GET", "/b", [("Host", "127.0.0.1:9000")], domain: domain).bucket == "b")
    }

    @Test("listing parameters: V1, V2 with token, uploads, max-keys capped, encoding-type checked")
    func listParameters() throws {
        guard case .listObjectsV2(_, let p) = try route(
            "GET", "/b?list-type=2&prefix=a%2Fb&delimiter=%2F&max-keys=5000&start-after=x&continuation-token="
                + S3PercentEncoding.encode(S3ListingToken.encode(lastKey: "a/c")) + "&encoding-type=url&fetch-owner=true")
        else {
            Issue.record("not V2")
            return
        }
        #expect(p.prefix == "a/b" && p.delimiter == "/" && p.maxKeys == 1000 && p.marker == "x")
        #expect(p.continuationToken == "a/c" && p.effectiveMarker == "a/c" && p.urlEncoded && p.fetchOwner)
        guard case .listMultipartUploads(_, let u) = try route("GET", "/b?uploads&key-marker=k&upload-id-marker=u&max-uploads=3")
        else {
            Issue.record("not uploads")
            return
        }
        #expect(u.marker == "k" && u.uploadIdMarker == "u" && u.maxKeys == 3)
        for bad in ["/b?max-keys=-1", "/b?max-keys=abc", "/b?encoding-type=base64", "/b?list-type=3",
            "/b?list-type=2&continuation-token=bogus"]
        {
            let error = #expect(throws: S3Error.self, "\(bad)") { try route("GET", bad) }
            #expect(error?.code == .invalidArgument, "\(bad)")
        }
    }

    @Test("unimplemented subresources are NotImplemented; wrong methods are MethodNotAllowed")
    func unimplemented() {
        for (method, target) in [("GET", "/b?acl"), ("PUT", "/b/k?tagging"), ("GET", "/b?policy"), ("GET", "/b?versions"),
            ("PUT", "/b?versioning"), ("POST", "/b")]
        {
            let error = #expect(throws: S3Error.self) { try route(method, target) }
            #expect(error?.code == .notImplemented, "\(method) \(target)")
            #expect(error?.code.httpStatus == 501)
        }
        for (method, target) in [("PUT", "/"), ("PATCH", "/b/k"), ("POST", "/b/k")] {
            let error = #expect(throws: S3Error.self) { try route(method, target) }
            #expect(error?.code == .methodNotAllowed, "\(method) \(target)")
        }
    }

    @Test("CopyObject and UploadPartCopy: source, version, directive, range and source conditions")
    func copy() throws {
        guard case .copyObject(_, _, let options) = try route(
            "PUT", "/dst/new",
            [("x-amz-copy-source", "/src/dir/a%20b.txt?versionId=null"), ("x-amz-metadata-directive", "REPLACE"),
                ("x-amz-meta-Color", "red"), ("Content-Type", "text/plain"),
                ("x-amz-copy-source-if-match", "\"abc\"")])
        else {
            Issue.record("not copy")
            return
        }
        #expect(options.source.bucket == "src" && options.source.key.rawValue == "dir/a b.txt")
        #expect(options.source.versionId == "null" && options.metadataDirective == .replace)
        #expect(options.metadata.userMetadata == [.init(name: "color", value: "red")])
        #expect(options.metadata.contentType == "text/plain")
        #expect(options.source.conditions.ifMatch == ["abc"])
        guard case .uploadPartCopy(_, _, _, 3, let source) = try route(
            "PUT", "/b/k?partNumber=3&uploadId=u", [("x-amz-copy-source", "b/src"), ("x-amz-copy-source-range", "bytes=0-99")])
        else {
            Issue.record("not part copy")
            return
        }
        #expect(source.range == .from(first: 0, last: 99))
        let selfCopy = #expect(throws: S3Error.self) { try route("PUT", "/b/k", [("x-amz-copy-source", "b/k")]) }
        #expect(selfCopy?.code == .invalidRequest)
        let badDirective = #expect(throws: S3Error.self) {
            try route("PUT", "/b/k", [("x-amz-copy-source", "b/j"), ("x-amz-metadata-directive", "MOVE")])
        }
        #expect(badDirective?.code == .invalidArgument)
        let noKey = #expect(throws: S3Error.self) { try route("PUT", "/b/k", [("x-amz-copy-source", "justbucket")]) }
        #expect(noKey?.code == .invalidArgument)
    }

    @Test("part numbers outside 1...10000 and path-like upload IDs are refused")
    func partNumbersAndUploadIds() {
        for part in ["0", "10001", "-1", "x", ""] {
            let error = #expect(throws: S3Error.self) { try route("PUT", "/b/k?partNumber=\(part)&uploadId=u") }
            #expect(error?.code == .invalidArgument, "part \(part)")
        }
        for id in ["..", "a%2Fb", "", "x%00"] {
            let error = #expect(throws: S3Error.self) { try route("DELETE", "/b/k?uploadId=\(id)") }
            #expect(error?.code == .noSuchUpload || error?.code == .invalidURI, "id \(id)")
        }
    }

    @Test("user metadata over 2 KB is MetadataTooLarge; aws-chunked is dropped from Content-Encoding")
    func metadata() throws {
        let big = String(repeating: "v", count: 2100)
        let error = #expect(throws: S3Error.self) { try route("PUT", "/b/k", [("x-amz-meta-a", big)]) }
        #expect(error?.code == .metadataTooLarge)
        guard case .putObject(_, _, let options) = try route("PUT", "/b/k", [("Content-Encoding", "aws-chunked")]) else {
            Issue.record("not put")
            return
        }
        #expect(options.metadata.contentEncoding == nil)
    }

    @Test("bad targets: bad escapes, invalid UTF-8, NUL, over-long URIs are InvalidURI")
    func badTargets() {
        for target in ["/b/%zz", "/b/%C3", "/b/a%00b", "/b?x=%G1", "/" + String(repeating: "a", count: 9000)] {
            let error = #expect(throws: S3Error.self) { try route("GET", target) }
            #expect(error?.code == .invalidURI, "\(target.prefix(20))")
        }
        // Raw bytes from the host that are not UTF-8.
        let raw: [UInt8] = [0x2F, 0xFF]
        let method: [UInt8] = Array("GET".utf8)
        let result: S3Error? = raw.withUnsafeBytes { target in
            method.withUnsafeBytes { m in
                do {
                    _ = try S3IncomingRequest(method: m, target: target, headers: S3Headers())
                    return nil
                } catch let error as S3Error {
                    return error
                } catch {
                    return nil
                }
            }
        }
        #expect(result?.code == .invalidURI)
    }
}

@Suite("object keys and bucket names")
struct KeyTests {
    @Test("keys map to path components; a trailing slash marks a directory")
    func valid() throws {
        #expect(try S3ObjectKey("a/b/c.txt").components == ["a", "b", "c.txt"])
        let marker = try S3ObjectKey("folder/")
        #expect(marker.isDirectoryMarker && marker.components == ["folder"])
        #expect(try S3ObjectKey(".hidden/..x/x..").components == [".hidden", "..x", "x.."])
        #expect(try S3ObjectKey(String(repeating: "k", count: 255)).components.count == 1)
    }

    @Test("keys that cannot be paths or could escape the bucket are refused")
    func invalid() {
        let cases: [(String, S3ErrorCode)] = [
            ("", .invalidArgument), ("/a", .invalidArgument), ("a//b", .invalidArgument), (".", .invalidArgument),
            ("..", .invalidArgument), ("a/../b", .invalidArgument), ("a/./b", .invalidArgument),
            ("a\u{0}b", .invalidArgument), ("//", .invalidArgument), ("a//", .invalidArgument),
            (String(repeating: "k", count: 256), .invalidArgument),
            (String(repeating: "a/", count: 600), .keyTooLong),
            (".chimera-s3/uploads/x", .invalidArgument), (".chimera-s3", .invalidArgument),
            (".chimera-s3/", .invalidArgument),
        ]
        for (text, code) in cases {
            let error = #expect(throws: S3Error.self, "\(text.prefix(20))") { try S3ObjectKey(text) }
            #expect(error?.code == code, "\(text.prefix(20))")
        }
        let utf8 = #expect(throws: S3Error.self) { try S3ObjectKey(bytes: [0x61, 0xC3]) }
        #expect(utf8?.code == .invalidArgument)
    }

    @Test("bucket naming rules")
    func bucketNames() {
        for good in ["abc", "my-bucket.data", "a1b", String(repeating: "a", count: 63)] { #expect(S3BucketName.isValid(good)) }
        for bad in ["ab", "ABC", "-abc", "abc-", "a..b", "192.168.1.1", "xn--abc", "abc-s3alias", "a_b",
            String(repeating: "a", count: 64)]
        {
            #expect(!S3BucketName.isValid(bad), "\(bad)")
        }
        let error = #expect(throws: S3Error.self) { try route("PUT", "/Bad_Bucket") }
        #expect(error?.code == .invalidBucketName)
    }
}
