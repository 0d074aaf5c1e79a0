/// Response documents (Amazon S3 API Reference, each action's "Response Syntax").
public enum S3XMLResponses {
    public struct Owner: Hashable, Sendable {
        public var id: String
        public var displayName: String
        public init(id: String, displayName: String) {
            self.id = id
            self.displayName = displayName
        }
    }

    public struct Bucket: Hashable, Sendable {
        public var name: String
        public var creationDate: S3Timestamp
        public init(name: String, creationDate: S3Timestamp) {
            self.name = name
            self.creationDate = creationDate
        }
    }

    public struct Part: Hashable, Sendable {
        public var partNumber: Int
        public var lastModified: S3Timestamp
        public var etag: String
        public var size: UInt64
        public init(partNumber: Int, lastModified: S3Timestamp, etag: String, size: UInt64) {
            self.partNumber = partNumber
            self.lastModified = lastModified
            self.etag = etag
            self.size = size
        }
    }

    /// One `<Deleted>` or `<Error>` of a DeleteResult.
    public enum DeleteOutcome: Hashable, Sendable {
        case deleted(key: String)
        case failed(key: String, S3Error)
    }

    /// ListBuckets.
    public static func listAllMyBuckets(owner: Owner, buckets: [Bucket]) -> [UInt8] {
        var w = S3XMLWriter()
        w.openRoot("ListAllMyBucketsResult")
        writeOwner(&w, owner)
        w.open("Buckets")
        for bucket in buckets {
            w.open("Bucket")
            w.element("Name", bucket.name)
            w.element("CreationDate", bucket.creationDate.iso8601)
            w.close("Bucket")
        }
        w.close("Buckets")
        w.close("ListAllMyBucketsResult")
        return w.bytes
    }

    /// GetBucketLocation: empty for us-east-1, as AWS answers.
    public static func locationConstraint(region: String) -> [UInt8] {
        var w = S3XMLWriter()
        w.openRoot("LocationConstraint")
        if region != "us-east-1" { w.appendEscaped(region) }
        w.close("LocationConstraint")
        return w.bytes
    }

    /// GetBucketVersioning of a bucket that was never versioned.
    public static func versioningConfiguration() -> [UInt8] {
        var w = S3XMLWriter()
        w.openRoot("VersioningConfiguration")
        w.close("VersioningConfiguration")
        return w.bytes
    }

    /// ListObjects (V1) or ListObjectsV2 (`version2`).
    public static func listBucketResult(
        bucket: String, parameters p: S3ListParameters, result: S3ListingResult, version2: Bool, owner: Owner? = nil
    ) -> [UInt8] {
        var w = S3XMLWriter(capacity: 256 + result.keyCount * 256)
        let encode: (String) -> String = { p.urlEncoded ? S3PercentEncoding.encode($0, keepSlash: true) : $0 }
        w.openRoot("ListBucketResult")
        w.element("Name", bucket)
        w.element("Prefix", encode(p.prefix))
        if version2 {
            if let token = p.rawContinuationToken { w.element("ContinuationToken", token) }
            if let token = result.nextContinuationToken { w.element("NextContinuationToken", token) }
            if !p.marker.isEmpty { w.element("StartAfter", encode(p.marker)) }
            w.element("KeyCount", result.keyCount)
        } else {
            w.element("Marker", encode(p.marker))
            if let next = result.nextMarker { w.element("NextMarker", encode(next)) }
        }
        w.element("MaxKeys", p.maxKeys)
        if !p.delimiter.isEmpty { w.element("Delimiter", encode(p.delimiter)) }
        if p.urlEncoded { w.element("EncodingType", "url") }
        w.element("IsTruncated", result.isTruncated)
        for entry in result.entries {
            w.open("Contents")
            w.element("Key", encode(entry.key))
            w.element("LastModified", entry.lastModified.iso8601)
            w.element("ETag", entry.etag)
            w.element("Size", entry.size)
            if let owner, !version2 || p.fetchOwner { writeOwner(&w, owner) }
            w.element("StorageClass", "STANDARD")
            w.close("Contents")
        }
        for commonPrefix in result.commonPrefixes {
            w.open("CommonPrefixes")
            w.element("Prefix", encode(commonPrefix))
            w.close("CommonPrefixes")
        }
        w.close("ListBucketResult")
        return w.bytes
    }

    /// CopyObject (`CopyObjectResult`) or UploadPartCopy (`CopyPartResult`).
    public static func copyResult(etag: String, lastModified: S3Timestamp, isPart: Bool) -> [UInt8] {
        var w = S3XMLWriter()
        let root = isPart ? "CopyPartResult" : "CopyObjectResult"
        w.openRoot(root)
        w.element("LastModified", lastModified.iso8601)
        w.element("ETag", etag)
        w.close(root)
        return w.bytes
    }

    public static func initiateMultipartUpload(bucket: String, key: String, uploadId: String) -> [UInt8] {
        var w = S3XMLWriter()
        w.openRoot("InitiateMultipartUploadResult")
        w.element("Bucket", bucket)
        w.element("Key", key)
        w.element("UploadId", uploadId)
        w.close("InitiateMultipartUploadResult")
        return w.bytes
    }

    public static func completeMultipartUpload(location: String, bucket: String, key: String, etag: String) -> [UInt8] {
        var w = S3XMLWriter()
        w.openRoot("CompleteMultipartUploadResult")
        w.element("Location", location)
        w.element("Bucket", bucket)
        w.element("Key", key)
        w.element("ETag", etag)
        w.close("CompleteMultipartUploadResult")
        return w.bytes
    }

    public static func listParts(
        bucket: String, key: String, uploadId: String, owner: Owner, partNumberMarker: Int, maxParts: Int,
        parts: [Part], isTruncated: Bool
    ) -> [UInt8] {
        var w = S3XMLWriter(capacity: 512 + parts.count * 200)
        w.openRoot("ListPartsResult")
        w.element("Bucket", bucket)
        w.element("Key", key)
        w.element("UploadId", uploadId)
        w.open("Initiator")
        w.element("ID", owner.id)
        w.element("DisplayName", owner.displayName)
        w.close("Initiator")
        writeOwner(&w, owner)
        w.element("StorageClass", "STANDARD")
        w.element("PartNumberMarker", partNumberMarker)
        if isTruncated, let last = parts.last { w.element("NextPartNumberMarker", last.partNumber) }
        w.element("MaxParts", maxParts)
        w.element("IsTruncated", isTruncated)
        for part in parts {
            w.open("Part")
            w.element("PartNumber", part.partNumber)
            w.element("LastModified", part.lastModified.iso8601)
            w.element("ETag", part.etag)
            w.element("Size", part.size)
            w.close("Part")
        }
        w.close("ListPartsResult")
        return w.bytes
    }

    /// ListMultipartUploads; the entries' `lastModified` is the initiation time.
    public static func listMultipartUploads(
        bucket: String, parameters p: S3ListParameters, result: S3ListingResult, owner: Owner
    ) -> [UInt8] {
        var w = S3XMLWriter(capacity: 512 + result.keyCount * 300)
        let encode: (String) -> String = { p.urlEncoded ? S3PercentEncoding.encode($0, keepSlash: true) : $0 }
        w.openRoot("ListMultipartUploadsResult")
        w.element("Bucket", bucket)
        w.element("KeyMarker", encode(p.marker))
        w.element("UploadIdMarker", p.uploadIdMarker)
        if let next = result.nextMarker { w.element("NextKeyMarker", encode(next)) }
        if let next = result.nextUploadIdMarker { w.element("NextUploadIdMarker", next) }
        if !p.prefix.isEmpty { w.element("Prefix", encode(p.prefix)) }
        if !p.delimiter.isEmpty { w.element("Delimiter", encode(p.delimiter)) }
        w.element("MaxUploads", p.maxKeys)
        if p.urlEncoded { w.element("EncodingType", "url") }
        w.element("IsTruncated", result.isTruncated)
        for entry in result.entries {
            w.open("Upload")
            w.element("Key", encode(entry.key))
            w.element("UploadId", entry.uploadId ?? "")
            w.open("Initiator")
            w.element("ID", owner.id)
            w.element("DisplayName", owner.displayName)
            w.close("Initiator")
            writeOwner(&w, owner)
            w.element("StorageClass", "STANDARD")
            w.element("Initiated", entry.lastModified.iso8601)
            w.close("Upload")
        }
        for commonPrefix in result.commonPrefixes {
            w.open("CommonPrefixes")
            w.element("Prefix", encode(commonPrefix))
            w.close("CommonPrefixes")
        }
        w.close("ListMultipartUploadsResult")
        return w.bytes
    }

    /// DeleteObjects. In quiet mode only errors are listed.
    public static func deleteResult(_ outcomes: [DeleteOutcome], quiet: Bool) -> [UInt8] {
        var w = S3XMLWriter(capacity: 256 + outcomes.count * 128)
        w.openRoot("DeleteResult")
        for outcome in outcomes {
            switch outcome {
            case .deleted(let key):
                if quiet { continue }
                w.open("Deleted")
                w.element("Key", key)
                w.close("Deleted")
            case .failed(let key, let error):
                w.open("Error")
                w.element("Key", key)
                w.element("Code", error.code.code)
                w.element("Message", error.message)
                w.close("Error")
            }
        }
        w.close("DeleteResult")
        return w.bytes
    }

    /// The `<Error>` document (no namespace, as AWS sends it). HEAD responses carry no body: send only the status.
    public static func error(_ error: S3Error, requestId: String, hostId: String? = nil) -> [UInt8] {
        var w = S3XMLWriter(capacity: 512)
        w.openRoot("Error", namespace: nil)
        w.element("Code", error.code.code)
        w.element("Message", error.message)
        if let resource = error.resource { w.element("Resource", resource) }
        for detail in error.details { w.element(detail.name, detail.value) }
        w.element("RequestId", requestId)
        if let hostId { w.element("HostId", hostId) }
        w.close("Error")
        return w.bytes
    }

    private static func writeOwner(_ w: inout S3XMLWriter, _ owner: Owner) {
        w.open("Owner")
        w.element("ID", owner.id)
        w.element("DisplayName", owner.displayName)
        w.close("Owner")
    }
}
