/// Request documents (Amazon S3 API Reference: DeleteObjects, CompleteMultipartUpload, CreateBucket).
public enum S3XMLRequests {
    public struct ObjectToDelete: Hashable, Sendable {
        /// The key as sent; validate it with `S3ObjectKey` per object, so one bad key fails only itself.
        public var key: String
        public var versionId: String?
    }

    public struct DeleteRequest: Hashable, Sendable {
        public var objects: [ObjectToDelete]
        public var quiet: Bool
    }

    /// The most objects one DeleteObjects may name.
    public static let maxDeleteObjects = 1000

    /// Parses a `<Delete>` body. AWS requires an integrity header on DeleteObjects: `Content-MD5` or an
    /// `x-amz-checksum-*` (botocore sends a CRC32); `S3RequestBody` has checked its value by the time the
    /// body is complete.
    public static func delete(_ body: [UInt8], headers: S3Headers) throws(S3Error) -> DeleteRequest {
        let hasIntegrity =
            headers["content-md5"] != nil || S3ChecksumAlgorithm.allCases.contains { headers[$0.headerName] != nil }
            || headers["x-amz-trailer"] != nil
        guard hasIntegrity else {
            throw S3Error(.invalidRequest, "Missing required header for this request: Content-MD5")
        }
        let root = try S3XMLReader.parse(body)
        guard root.name == "Delete" else { throw S3XMLReader.malformed("root is not Delete") }
        var objects: [ObjectToDelete] = []
        for object in root.children("Object") {
            guard objects.count < maxDeleteObjects else { throw S3Error(.malformedXML, "More than 1000 objects.") }
            guard let key = object.child("Key") else { throw S3XMLReader.malformed("Object without Key") }
            objects.append(ObjectToDelete(key: key.text, versionId: object.child("VersionId")?.trimmedText))
        }
        guard !objects.isEmpty else { throw S3XMLReader.malformed("no Object") }
        let quietText = root.child("Quiet")?.trimmedText.lowercased()
        guard quietText == nil || quietText == "true" || quietText == "false" else {
            throw S3XMLReader.malformed("Quiet is not a boolean")
        }
        return DeleteRequest(objects: objects, quiet: quietText == "true")
    }

    public struct CompletedPart: Hashable, Sendable {
        public var partNumber: Int
        /// As sent (quoted or not).
        public var etag: String
    }

    /// Parses a `<CompleteMultipartUpload>` body: parts in strictly ascending order (InvalidPartOrder), part
    /// numbers 1...10000 (InvalidArgument), at least one part (MalformedXML).
    public static func completeMultipartUpload(_ body: [UInt8]) throws(S3Error) -> [CompletedPart] {
        let root = try S3XMLReader.parse(body, limits: .init(maxBytes: 4 << 20))
        guard root.name == "CompleteMultipartUpload" else {
            throw S3XMLReader.malformed("root is not CompleteMultipartUpload")
        }
        var parts: [CompletedPart] = []
        for part in root.children("Part") {
            guard let numberText = part.child("PartNumber")?.trimmedText, let etag = part.child("ETag")?.trimmedText else {
                throw S3XMLReader.malformed("Part needs PartNumber and ETag")
            }
            guard let number = S3IncomingRequest.decimal(numberText), (1...10000).contains(number) else {
                throw S3Error(.invalidArgument, "Part number must be an integer between 1 and 10000, inclusive")
            }
            if let last = parts.last, last.partNumber >= Int(number) { throw S3Error(.invalidPartOrder) }
            parts.append(CompletedPart(partNumber: Int(number), etag: etag))
        }
        guard !parts.isEmpty else {
            throw S3Error(.malformedXML, "The XML you provided was not well-formed or did not validate against our published schema")
        }
        return parts
    }

    /// Parses an optional `<CreateBucketConfiguration>`; returns its LocationConstraint (nil when absent or empty).
    public static func createBucketConfiguration(_ body: [UInt8]) throws(S3Error) -> String? {
        if body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) { return nil }
        let root = try S3XMLReader.parse(body, limits: .init(maxBytes: 64 << 10))
        guard root.name == "CreateBucketConfiguration" else {
            throw S3XMLReader.malformed("root is not CreateBucketConfiguration")
        }
        let location = root.child("LocationConstraint")?.trimmedText
        return location?.isEmpty == false ? location : nil
    }
}
