import Testing

@testable import S3

func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

@Suite("XML")
struct XMLTests {
    @Test("text is escaped, control characters become references, the S3 namespace is on the root")
    func escaping() {
        var p = S3ListParameters()
        p.prefix = "<&>\"'"
        var result = S3ListingResult()
        result.entries = [S3ListingEntry(key: "a&b<c>\u{1}", size: 3, lastModified: S3Timestamp(seconds: 0), etag: "\"e\"")]
        let xml = text(S3XMLResponses.listBucketResult(bucket: "b", parameters: p, result: result, version2: true))
        #expect(xml.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"))
        #expect(xml.contains("<Prefix>&lt;&amp;&gt;&quot;&apos;</Prefix>"))
        #expect(xml.contains("<Key>a&amp;b&lt;c&gt;&#x01;</Key>"))
        #expect(xml.contains("<ETag>&quot;e&quot;</ETag>"))
        #expect(xml.contains("<LastModified>1970-01-01T00:00:00.000Z</LastModified>"))
        #expect(xml.contains("<KeyCount>1</KeyCount>"))
        // The writer's output reads back with the reader.
        let parsed = try? S3XMLReader.parse(Array(xml.utf8))
        #expect(parsed?.child("Contents")?.child("Key")?.text == "a&b<c>\u{1}")
    }

    @Test("EncodingType=url percent-encodes keys, prefixes and delimiters")
    func urlEncoding() {
        var p = S3ListParameters()
        p.urlEncoded = true
        p.delimiter = "/"
        p.prefix = "dir one/"
        var result = S3ListingResult()
        result.entries = [S3ListingEntry(key: "dir one/é+x", lastModified: S3Timestamp(seconds: 0), etag: "\"e\"")]
        result.commonPrefixes = ["dir one/sub dir/"]
        let xml = text(S3XMLResponses.listBucketResult(bucket: "b", parameters: p, result: result, version2: false))
        #expect(xml.contains("<Key>dir%20one/%C3%A9%2Bx</Key>"))
        #expect(xml.contains("<Prefix>dir%20one/sub%20dir/</Prefix>"))
        #expect(xml.contains("<EncodingType>url</EncodingType>"))
        #expect(xml.contains("<Marker></Marker>"))
    }

    @Test("V1 truncated pages carry NextMarker, V2 pages NextContinuationToken")
    func markers() {
        var result = S3ListingResult()
        result.isTruncated = true
        result.nextMarker = "k"
        let v1 = text(S3XMLResponses.listBucketResult(bucket: "b", parameters: .init(), result: result, version2: false))
        #expect(v1.contains("<NextMarker>k</NextMarker>") && v1.contains("<IsTruncated>true</IsTruncated>"))
        let v2 = text(S3XMLResponses.listBucketResult(bucket: "b", parameters: .init(), result: result, version2: true))
        #expect(v2.contains("<NextContinuationToken>\(S3ListingToken.encode(lastKey: "k"))</NextContinuationToken>"))
    }

    @Test("the other response documents")
    func documents() {
        let owner = S3XMLResponses.Owner(id: "id", displayName: "me")
        let buckets = text(S3XMLResponses.listAllMyBuckets(owner: owner, buckets: [.init(name: "b", creationDate: S3Timestamp(seconds: 1_369_353_600))]))
        #expect(buckets.contains("<Buckets><Bucket><Name>b</Name><CreationDate>2013-05-24T00:00:00.000Z</CreationDate></Bucket></Buckets>"))
        #expect(text(S3XMLResponses.locationConstraint(region: "us-east-1")).hasSuffix("<LocationConstraint xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"></LocationConstraint>"))
        #expect(text(S3XMLResponses.locationConstraint(region: "eu-west-1")).contains(">eu-west-1</LocationConstraint>"))
        #expect(text(S3XMLResponses.copyResult(etag: "\"x\"", lastModified: S3Timestamp(seconds: 0), isPart: true)).contains("<CopyPartResult"))
        #expect(text(S3XMLResponses.initiateMultipartUpload(bucket: "b", key: "k&", uploadId: "u")).contains("<Key>k&amp;</Key><UploadId>u</UploadId>"))
        #expect(text(S3XMLResponses.completeMultipartUpload(location: "/b/k", bucket: "b", key: "k", etag: "\"e-2\"")).contains("<ETag>&quot;e-2&quot;</ETag>"))
        let parts = text(S3XMLResponses.listParts(bucket: "b", key: "k", uploadId: "u", owner: owner, partNumberMarker: 0, maxParts: 1,
            parts: [.init(partNumber: 1, lastModified: S3Timestamp(seconds: 0), etag: "\"p\"", size: 5)], isTruncated: true))
        #expect(parts.contains("<NextPartNumberMarker>1</NextPartNumberMarker>") && parts.contains("<Size>5</Size>"))
        let deleted = text(S3XMLResponses.deleteResult([.deleted(key: "a"), .failed(key: "b", S3Error(.accessDenied))], quiet: true))
        #expect(!deleted.contains("<Deleted>") && deleted.contains("<Error><Key>b</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"))
        let error = text(S3XMLResponses.error(S3Error(.noSuchKey, resource: "/b/k"), requestId: "r1"))
        #expect(error.hasSuffix("<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Resource>/b/k</Resource><RequestId>r1</RequestId></Error>"))
        var uploads = S3ListingResult()
        uploads.entries = [S3ListingEntry(key: "k", lastModified: S3Timestamp(seconds: 0), uploadId: "u1")]
        #expect(text(S3XMLResponses.listMultipartUploads(bucket: "b", parameters: .init(), result: uploads, owner: owner)).contains("<Upload><Key>k</Key><UploadId>u1</UploadId>"))
    }

    @Test("Delete bodies: keys with entities, Quiet, the 1000 limit, the integrity header")
    func deleteBodies() throws {
        let body = Array(
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Quiet>true</Quiet>
              <Object><Key>a &amp; b&#x2F;c&#233;</Key></Object><!-- comment -->
              <Object><Key><![CDATA[<raw>]]></Key><VersionId>v</VersionId></Object>
            </Delete>
            """.utf8)
        let md5 = S3Headers([("Content-MD5", "x")])
        let request = try S3XMLRequests.delete(body, headers: md5)
        #expect(request.quiet)
        #expect(request.objects.map(\.key) == ["a & b/cé", "<raw>"])
        #expect(request.objects[1].versionId == "v")
        // botocore sends a CRC32 instead of Content-MD5.
        _ = try S3XMLRequests.delete(body, headers: S3Headers([("x-amz-checksum-crc32", "AAAAAA==")]))
        let missing = #expect(throws: S3Error.self) { try S3XMLRequests.delete(body, headers: S3Headers()) }
        #expect(missing?.code == .invalidRequest)
        let many = Array(("<Delete>" + String(repeating: "<Object><Key>k</Key></Object>", count: 1001) + "</Delete>").utf8)
        let tooMany = #expect(throws: S3Error.self) { try S3XMLRequests.delete(many, headers: md5) }
        #expect(tooMany?.code == .malformedXML)
        let empty = #expect(throws: S3Error.self) { try S3XMLRequests.delete(Array("<Delete/>".utf8), headers: md5) }
        #expect(empty?.code == .malformedXML)
    }

    @Test("CompleteMultipartUpload bodies: order, numbers, ETags")
    func completeBodies() throws {
        let good = Array("<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"a\"</ETag></Part><Part><ETag>b</ETag><PartNumber>3</PartNumber></Part></CompleteMultipartUpload>".utf8)
        #expect(try S3XMLRequests.completeMultipartUpload(good).map(\.partNumber) == [1, 3])
        let cases: [(String, S3ErrorCode)] = [
            ("<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>a</ETag></Part><Part><PartNumber>1</PartNumber><ETag>b</ETag></Part></CompleteMultipartUpload>", .invalidPartOrder),
            ("<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>a</ETag></Part><Part><PartNumber>2</PartNumber><ETag>b</ETag></Part></CompleteMultipartUpload>", .invalidPartOrder),
            ("<CompleteMultipartUpload><Part><PartNumber>0</PartNumber><ETag>a</ETag></Part></CompleteMultipartUpload>", .invalidArgument),
            ("<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>", .malformedXML),
            ("<CompleteMultipartUpload></CompleteMultipartUpload>", .malformedXML),
            ("<Other/>", .malformedXML),
        ]
        for (body, code) in cases {
            let error = #expect(throws: S3Error.self) { try S3XMLRequests.completeMultipartUpload(Array(body.utf8)) }
            #expect(error?.code == code, "\(body.prefix(60))")
        }
    }

    @Test("CreateBucketConfiguration: empty body, location constraint")
    func createBucket() throws {
        #expect(try S3XMLRequests.createBucketConfiguration([]) == nil)
        let body = Array("<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>".utf8)
        #expect(try S3XMLRequests.createBucketConfiguration(body) == "eu-west-1")
    }

    @Test("hostile documents are MalformedXML: deep nesting, huge bodies, entities, DOCTYPE, bad syntax")
    func hostile() {
        let deep = String(repeating: "<a>", count: 40) + String(repeating: "</a>", count: 40)
        let huge = "<a>" + String(repeating: "x", count: (1 << 20) + 1) + "</a>"
        let billionLaughs = "<!DOCTYPE lolz [<!ENTITY lol \"lol\">]><a>&lol;</a>"
        let cases = [
            deep, huge, billionLaughs, "<a>&unknown;</a>", "<a>&#0;</a>", "<a>&#xD800;</a>", "<a>&#x110000;</a>",
            "<a>&amp</a>", "<a><b></a></b>", "<a>", "</a>", "<a></a><b></b>", "text", "", "<a x=1></a>",
            "<a x=\"1\"y=\"2\"></a>", "<a x=\"<\"></a>", "<a>]]></a>", "<a><!-- never closed </a>", "<a><![CDATA[x</a>",
            "<1a></1a>", "<?xml version=\"1.0\"?>",
        ]
        for document in cases {
            let error = #expect(throws: S3Error.self, "\(document.prefix(40))") { try S3XMLReader.parse(Array(document.utf8)) }
            #expect(error?.code == .malformedXML, "\(document.prefix(40))")
        }
        let invalidUTF8: [UInt8] = Array("<a>".utf8) + [0xC3, 0x28] + Array("</a>".utf8)
        #expect(throws: S3Error.self) { try S3XMLReader.parse(invalidUTF8) }
        // Exactly at the depth limit is fine.
        let limit = String(repeating: "<a>", count: 32) + String(repeating: "</a>", count: 32)
        #expect((try? S3XMLReader.parse(Array(limit.utf8))) != nil)
    }

    @Test("random byte soup never crashes the reader")
    func fuzzish() {
        var generator = SplitMix64(seed: 42)
        let alphabet = Array("<>/&;#x!-[]?=\"' abAB01\n".utf8)
        for _ in 0..<3000 {
            let count = Int(generator.next() % 64)
            let bytes = (0..<count).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
            _ = try? S3XMLReader.parse(bytes)
        }
    }
}

struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
