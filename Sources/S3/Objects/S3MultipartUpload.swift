/// Multipart upload rules (Amazon S3 API Reference, UploadPart and CompleteMultipartUpload; Amazon S3 User
/// Guide, "Amazon S3 multipart upload limits").
public enum S3MultipartUpload {
    public static let partNumbers = 1...10000
    /// Every part but the last must be at least 5 MiB.
    public static let minimumPartSize: UInt64 = 5 << 20
    /// No part may exceed 5 GiB.
    public static let maximumPartSize: UInt64 = 5 << 30

    /// A part the plugin has stored.
    public struct StoredPart: Hashable, Sendable {
        public var partNumber: Int
        public var size: UInt64
        /// The part's MD5 (its ETag unquoted, in bytes).
        public var md5: [UInt8]
        public init(partNumber: Int, size: UInt64, md5: [UInt8]) {
            self.partNumber = partNumber
            self.size = size
            self.md5 = md5
        }
    }

    /// What completing the upload will assemble.
    public struct Plan: Hashable, Sendable {
        /// The parts in object order.
        public var parts: [StoredPart]
        public var totalSize: UInt64
        /// `"<hex>-<count>"`.
        public var etag: String
    }

    /// Checks the client's part list against the stored parts: each listed part must exist with the ETag
    /// given (InvalidPart), the list must ascend (InvalidPartOrder), and every part but the last must be at
    /// least 5 MiB (EntityTooSmall).
    public static func plan(
        requested: [S3XMLRequests.CompletedPart], stored: [Int: StoredPart]
    ) throws(S3Error) -> Plan {
        var parts: [StoredPart] = []
        parts.reserveCapacity(requested.count)
        var total: UInt64 = 0
        for index in requested.indices.dropFirst() where requested[index - 1].partNumber >= requested[index].partNumber {
            throw S3Error(.invalidPartOrder)
        }
        for (index, request) in requested.enumerated() {
            guard let part = stored[request.partNumber], let md5 = S3ETag.md5(of: request.etag), md5 == part.md5 else {
                throw S3Error(
                    .invalidPart, details: [.init("PartNumber", String(request.partNumber)), .init("ETag", request.etag)])
            }
            if index < requested.count - 1 && part.size < minimumPartSize {
                throw S3Error(
                    .entityTooSmall,
                    details: [
                        .init("ProposedSize", String(part.size)), .init("MinSizeAllowed", String(minimumPartSize)),
                        .init("PartNumber", String(part.partNumber)), .init("ETag", S3ETag.simple(md5: part.md5)),
                    ])
            }
            parts.append(part)
            total += part.size
        }
        return Plan(parts: parts, totalSize: total, etag: S3ETag.multipart(partMD5s: parts.map(\.md5)))
    }
}
