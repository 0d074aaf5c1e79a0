import Testing

@testable import S3

@Suite("HTTP semantics")
struct HTTPSemanticsTests {
    // RFC 7233 §2.1 examples over a 10000-byte representation, and §4.4 unsatisfiable ranges.
    @Test("Range table (RFC 7233)")
    func ranges() throws {
        let size: UInt64 = 10000
        let table: [(String, ClosedRange<UInt64>?)] = [
            ("bytes=0-499", 0...499), ("bytes=500-999", 500...999), ("bytes=-500", 9500...9999),
            ("bytes=9500-", 9500...9999), ("bytes=0-0", 0...0), ("bytes=-1", 9999...9999),
            ("bytes=0-99999", 0...9999), ("bytes=-20000", 0...9999), ("bytes= 1-2", 1...2),
        ]
        for (header, expected) in table {
            let range = try #require(S3ByteRange(header: header), "\(header)")
            #expect(try range.resolve(size: size) == expected, "\(header)")
        }
        // Ignored: not one well-formed byte range → the whole object with 200, as AWS does.
        for header in ["bytes=0-1,5-6", "items=0-1", "bytes=5-1", "bytes=a-b", "bytes=-", "bytes", "0-1", "bytes=1-2-3"] {
            #expect(S3ByteRange(header: header) == nil, "\(header)")
        }
        // Unsatisfiable → 416 with Content-Range: bytes */size.
        for header in ["bytes=10000-", "bytes=10000-10001", "bytes=-0"] {
            let range = try #require(S3ByteRange(header: header))
            let error = #expect(throws: S3Error.self) { try range.resolve(size: size) }
            #expect(error?.code == .invalidRange && error?.code.httpStatus == 416)
            #expect(error?.headers == [.init("Content-Range", "bytes */10000")])
        }
        let empty = try #require(S3ByteRange(header: "bytes=0-"))
        #expect(throws: S3Error.self) { try empty.resolve(size: 0) }
        #expect(S3ByteRange.contentRange(0...499, size: 10000) == "bytes 0-499/10000")
    }

    static let etag = "\"686897696a7c876b7e\""
    static let modified = S3Timestamp(httpDate: "Sat, 29 Oct 1994 19:43:31 GMT")!
    static let before = "Fri, 28 Oct 1994 19:43:31 GMT"
    static let same = "Sat, 29 Oct 1994 19:43:31 GMT"
    static let after = "Sun, 30 Oct 1994 19:43:31 GMT"

    static func outcome(_ headers: [(String, String)], isRead: Bool = true, exists: Bool = true) -> S3Conditions.Outcome {
        S3Conditions(headers: S3Headers(headers))
            .evaluate(etag: exists ? etag : nil, lastModified: exists ? modified : nil, isRead: isRead)
    }

    @Test("conditional table (RFC 7232 §3 and the §6 precedence)")
    func conditionals() {
        let table: [([(String, String)], S3Conditions.Outcome)] = [
            ([], .proceed),
            ([("If-Match", Self.etag)], .proceed),
            ([("If-Match", "\"other\", " + Self.etag)], .proceed),
            ([("If-Match", "*")], .proceed),
            ([("If-Match", "\"other\"")], .preconditionFailed),
            ([("If-None-Match", Self.etag)], .notModified),
            ([("If-None-Match", "*")], .notModified),
            ([("If-None-Match", "\"other\"")], .proceed),
            ([("If-None-Match", "W/" + Self.etag)], .notModified),  // weak comparison
            ([("If-Modified-Since", Self.same)], .notModified),
            ([("If-Modified-Since", Self.after)], .notModified),
            ([("If-Modified-Since", Self.before)], .proceed),
            ([("If-Modified-Since", "not a date")], .proceed),  // invalid dates are ignored
            ([("If-Unmodified-Since", Self.same)], .proceed),
            ([("If-Unmodified-Since", Self.before)], .preconditionFailed),
            // If-Match wins over If-Unmodified-Since (§6 step 2 is skipped).
            ([("If-Match", Self.etag), ("If-Unmodified-Since", Self.before)], .proceed),
            // If-None-Match wins over If-Modified-Since (§6 step 4 is skipped).
            ([("If-None-Match", "\"other\""), ("If-Modified-Since", Self.after)], .proceed),
            ([("If-None-Match", Self.etag), ("If-Modified-Since", Self.before)], .notModified),
            // A failed If-Match is 412 even when If-None-Match would be 304.
            ([("If-Match", "\"other\""), ("If-None-Match", Self.etag)], .preconditionFailed),
        ]
        for (headers, expected) in table {
            #expect(Self.outcome(headers) == expected, "\(headers)")
        }
        // Writes: a matching If-None-Match is 412, not 304; If-None-Match: * on a missing object proceeds.
        #expect(Self.outcome([("If-None-Match", "*")], isRead: false) == .preconditionFailed)
        #expect(Self.outcome([("If-None-Match", "*")], isRead: false, exists: false) == .proceed)
        #expect(Self.outcome([("If-Match", "*")], isRead: false, exists: false) == .preconditionFailed)
        // If-Modified-Since does not apply to writes.
        #expect(Self.outcome([("If-Modified-Since", Self.after)], isRead: false) == .proceed)
    }

    @Test("copy-source conditions follow AWS: every failure is 412")
    func copySourceConditions() {
        func check(_ headers: [(String, String)]) -> S3ErrorCode? {
            let conditions = S3Conditions(headers: S3Headers(headers), prefix: "x-amz-copy-source-if-")
            do {
                try conditions.checkCopySource(etag: Self.etag, lastModified: Self.modified)
                return nil
            } catch {
                return error.code
            }
        }
        #expect(check([("x-amz-copy-source-if-match", Self.etag), ("x-amz-copy-source-if-unmodified-since", Self.before)]) == nil)
        #expect(check([("x-amz-copy-source-if-none-match", Self.etag), ("x-amz-copy-source-if-modified-since", Self.before)]) == .preconditionFailed)
        #expect(check([("x-amz-copy-source-if-modified-since", Self.after)]) == .preconditionFailed)
        #expect(check([("x-amz-copy-source-if-match", "\"x\"")]) == .preconditionFailed)
        #expect(check([("x-amz-copy-source-if-none-match", "\"x\"")]) == nil)
    }

    @Test("HTTP-date: IMF-fixdate, RFC 850 and asctime parse to the same instant (RFC 7231 §7.1.1.1)")
    func httpDates() throws {
        let expected = try #require(S3Timestamp(iso8601Basic: "19941106T084937Z"))
        #expect(S3Timestamp(httpDate: "Sun, 06 Nov 1994 08:49:37 GMT") == expected)
        #expect(S3Timestamp(httpDate: "Sunday, 06-Nov-94 08:49:37 GMT") == expected)
        #expect(S3Timestamp(httpDate: "Sun Nov  6 08:49:37 1994") == expected)
        #expect(expected.httpDate == "Sun, 06 Nov 1994 08:49:37 GMT")
        for bad in ["Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 31 Feb 1994 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 25:49:37 GMT", "", "Sun, 6 Nov 1994 08:49:37 GMT", "Funday, 06-Nov-94 08:49:37 GMT"]
        {
            #expect(S3Timestamp(httpDate: bad) == nil, "\(bad)")
        }
    }

    @Test("ISO 8601 basic and extended, leap years, round trips")
    func isoDates() throws {
        let t = try #require(S3Timestamp(iso8601Basic: "20130524T000000Z"))
        #expect(t.seconds == 1_369_353_600)
        #expect(t.iso8601Basic == "20130524T000000Z")
        #expect(t.httpDate == "Fri, 24 May 2013 00:00:00 GMT")
        #expect(S3Timestamp(seconds: 951_782_400).iso8601 == "2000-02-29T00:00:00.000Z")
        #expect(S3Timestamp(seconds: 0, nanoseconds: 123_456_789).iso8601 == "1970-01-01T00:00:00.123Z")
        #expect(S3Timestamp(iso8601Basic: "20230229T000000Z") == nil)
        #expect(S3Timestamp(iso8601Basic: "20240229T000000Z") != nil)
        #expect(S3Timestamp(iso8601Basic: "2013-05-24T00:00:00Z") == nil)
        var generator = SplitMix64(seed: 7)
        for _ in 0..<2000 {
            let seconds = Int64(generator.next() % 253_402_300_799)
            let stamp = S3Timestamp(seconds: seconds)
            #expect(S3Timestamp(iso8601Basic: stamp.iso8601Basic) == stamp)
            #expect(S3Timestamp(httpDate: stamp.httpDate) == stamp)
        }
    }
}

@Suite("ETags, multipart rules and checksums")
struct ObjectRuleTests {
    @Test("simple and multipart ETags")
    func etags() {
        #expect(S3ETag.simple(of: []) == "\"d41d8cd98f00b204e9800998ecf8427e\"")
        #expect(S3ETag.simple(of: Array("hello".utf8)) == "\"5d41402abc4b2a76b9719d911017c592\"")
        // MD5 of the two binary MD5s of "hello" and "world", then -2.
        let parts = [S3ETag.md5(of: S3ETag.simple(of: Array("hello".utf8)))!, S3ETag.md5(of: S3ETag.simple(of: Array("world".utf8)))!]
        let md5s = parts.flatMap { $0 }
        #expect(S3ETag.multipart(partMD5s: parts) == "\"" + S3Hex.encode(S3ETag.md5(of: S3ETag.simple(of: md5s))!) + "-2\"")
        #expect(S3ETag.unquoted("W/\"abc\"") == "abc")
    }

    @Test("completing an upload: InvalidPart, InvalidPartOrder, EntityTooSmall, the plan")
    func completion() throws {
        let big: UInt64 = 5 << 20
        let stored: [Int: S3MultipartUpload.StoredPart] = [
            1: .init(partNumber: 1, size: big, md5: Array(repeating: 1, count: 16)),
            2: .init(partNumber: 2, size: 10, md5: Array(repeating: 2, count: 16)),
            3: .init(partNumber: 3, size: 7, md5: Array(repeating: 3, count: 16)),
        ]
        func part(_ n: Int, _ byte: UInt8) -> S3XMLRequests.CompletedPart {
            .init(partNumber: n, etag: S3ETag.simple(md5: Array(repeating: byte, count: 16)))
        }
        let plan = try S3MultipartUpload.plan(requested: [part(1, 1), part(2, 2)], stored: stored)
        #expect(plan.totalSize == big + 10)
        #expect(plan.etag.hasSuffix("-2\""))
        let cases: [([S3XMLRequests.CompletedPart], S3ErrorCode)] = [
            ([part(1, 1), part(4, 4)], .invalidPart),
            ([part(1, 9)], .invalidPart),
            ([part(2, 2), part(1, 1)], .invalidPartOrder),
            ([part(1, 1), part(2, 2), part(3, 3)], .entityTooSmall),
        ]
        for (requested, code) in cases {
            let error = #expect(throws: S3Error.self) { try S3MultipartUpload.plan(requested: requested, stored: stored) }
            #expect(error?.code == code)
        }
    }

    @Test("checksums match their check values and are split-invariant")
    func checksums() {
        let check = Array("123456789".utf8)
        let expected: [S3ChecksumAlgorithm: [UInt8]] = [
            .crc32: [0xCB, 0xF4, 0x39, 0x26],
            .crc32c: [0xE3, 0x06, 0x92, 0x83],
            .crc64nvme: [0xAE, 0x8B, 0x14, 0x86, 0x0A, 0x79, 0x98, 0x88],
        ]
        for (algorithm, digest) in expected {
            var c = S3Checksum(algorithm)
            c.update(check)
            #expect(c.digest() == digest, "\(algorithm)")
        }
        var sha1 = S3Checksum(.sha1)
        sha1.update(Array("abc".utf8))
        #expect(S3Hex.encode(sha1.digest()) == "a9993e364706816aba3e25717850c26c9cd0d89d")
        // Split anywhere, the same digest (exercises the 8-byte slicing path and the tail).
        var generator = SplitMix64(seed: 3)
        let data = (0..<1000).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        for algorithm in S3ChecksumAlgorithm.allCases {
            var whole = S3Checksum(algorithm)
            whole.update(data)
            for split in [0, 1, 7, 8, 9, 500, 999, 1000] {
                var parts = S3Checksum(algorithm)
                parts.update(Array(data[..<split]))
                parts.update(Array(data[split...]))
                #expect(parts.digest() == whole.digest(), "\(algorithm) split \(split)")
            }
        }
    }

    @Test("request bodies: Content-MD5, x-amz-content-sha256 and checksum mismatches are caught at the end")
    func bodyChecks() throws {
        func run(_ headers: [(String, String)], _ payload: String) throws(S3Error) -> S3BodySummary {
            let request = try S3IncomingRequest(method: "PUT", target: "/b/k", headers: S3Headers(headers))
            var body = try S3RequestBody(request: request, authentication: .anonymous)
            try body.consume(Array(payload.utf8)) { _ in }
            return try body.finish()
        }
        let md5 = S3Base64.encode(S3ETag.md5(of: S3ETag.simple(of: Array("hello".utf8)))!)
        #expect(try run([("Content-Length", "5"), ("Content-MD5", md5)], "hello").etag == "\"5d41402abc4b2a76b9719d911017c592\"")
        let cases: [([(String, String)], String, S3ErrorCode)] = [
            ([("Content-Length", "5"), ("Content-MD5", md5)], "jello", .badDigest),
            ([("Content-Length", "5"), ("Content-MD5", "not base64")], "hello", .invalidDigest),
            ([("Content-Length", "5"), ("Content-MD5", "AAAA")], "hello", .invalidDigest),
            ([("Content-Length", "5"), ("x-amz-content-sha256", String(repeating: "0", count: 64))], "hello", .xAmzContentSHA256Mismatch),
            ([("Content-Length", "5"), ("x-amz-content-sha256", "bogus")], "hello", .invalidArgument),
            ([("Content-Length", "5"), ("x-amz-checksum-crc32", "AAAAAA==")], "hello", .badDigest),
            ([("Content-Length", "5"), ("x-amz-checksum-crc32", "AAAA")], "hello", .invalidRequest),
            ([("Content-Length", "5"), ("x-amz-checksum-crc32", "AAAAAA=="), ("x-amz-checksum-sha1", "x")], "hello", .invalidRequest),
            ([("Content-Length", "6")], "hello", .incompleteBody),
            ([("Content-Length", "4")], "hello", .incompleteBody),
            ([], "hello", .missingContentLength),
            ([("Content-Length", "99999999999")], "", .entityTooLarge),
            ([("Content-Length", "x")], "", .invalidArgument),
            ([("x-amz-content-sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"), ("x-amz-decoded-content-length", "5")], "", .accessDenied),
        ]
        for (headers, payload, code) in cases {
            let error = #expect(throws: S3Error.self, "\(headers)") { try run(headers, payload) }
            #expect(error?.code == code, "\(headers)")
        }
        // Transfer-Encoding without a length is fine for a plain body.
        #expect(try run([("Transfer-Encoding", "chunked")], "abc").length == 3)
    }
}
