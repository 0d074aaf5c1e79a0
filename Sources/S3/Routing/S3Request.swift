/// The S3 operation a request asks for, with the parameters the plugin needs to carry it out.
///
/// Amazon S3 API Reference, "Actions" (Amazon S3): the operations this server implements.
public enum S3Request: Hashable, Sendable {
    case listBuckets
    case headBucket(bucket: String)
    case getBucketLocation(bucket: String)
    /// Answered as never versioned: an empty `<VersioningConfiguration/>`.
    case getBucketVersioning(bucket: String)
    /// The body, if any, is a CreateBucketConfiguration (see `S3XMLRequests.createBucketConfiguration`).
    case createBucket(bucket: String)
    case deleteBucket(bucket: String)
    case listObjects(bucket: String, S3ListParameters)
    case listObjectsV2(bucket: String, S3ListParameters)
    case listMultipartUploads(bucket: String, S3ListParameters)
    /// POST `?delete`; the body is a Delete document (see `S3XMLRequests.delete`).
    case deleteObjects(bucket: String)
    case getObject(bucket: String, key: S3ObjectKey, S3GetObjectOptions)
    case headObject(bucket: String, key: S3ObjectKey, S3GetObjectOptions)
    case putObject(bucket: String, key: S3ObjectKey, S3PutObjectOptions)
    case copyObject(bucket: String, key: S3ObjectKey, S3CopyObjectOptions)
    case deleteObject(bucket: String, key: S3ObjectKey)
    case createMultipartUpload(bucket: String, key: S3ObjectKey, S3PutObjectOptions)
    case uploadPart(bucket: String, key: S3ObjectKey, uploadId: String, partNumber: Int)
    case uploadPartCopy(bucket: String, key: S3ObjectKey, uploadId: String, partNumber: Int, S3CopySource)
    /// The body is a CompleteMultipartUpload document (see `S3XMLRequests.completeMultipartUpload`).
    case completeMultipartUpload(bucket: String, key: S3ObjectKey, uploadId: String)
    case abortMultipartUpload(bucket: String, key: S3ObjectKey, uploadId: String)
    case listParts(bucket: String, key: S3ObjectKey, uploadId: String, maxParts: Int, partNumberMarker: Int)

    /// The bucket the request is about, if any.
    public var bucket: String? {
        switch self {
        case .listBuckets: return nil
        case .headBucket(let b), .getBucketLocation(let b), .getBucketVersioning(let b), .createBucket(let b),
            .deleteBucket(let b), .deleteObjects(let b), .listObjects(let b, _), .listObjectsV2(let b, _),
            .listMultipartUploads(let b, _), .getObject(let b, _, _), .headObject(let b, _, _),
            .putObject(let b, _, _), .copyObject(let b, _, _), .deleteObject(let b, _),
            .createMultipartUpload(let b, _, _), .uploadPart(let b, _, _, _), .uploadPartCopy(let b, _, _, _, _),
            .completeMultipartUpload(let b, _, _), .abortMultipartUpload(let b, _, _), .listParts(let b, _, _, _, _):
            return b
        }
    }

    /// Whether the operation reads a request body the plugin must stream (`S3RequestBody`).
    public var hasBody: Bool {
        switch self {
        case .putObject, .uploadPart, .createBucket, .deleteObjects, .completeMultipartUpload: return true
        default: return false
        }
    }
}

/// Parameters of ListObjects (V1), ListObjectsV2 and ListMultipartUploads.
public struct S3ListParameters: Hashable, Sendable {
    public var prefix: String = ""
    /// Empty: no delimiter.
    public var delimiter: String = ""
    /// V1 `marker`, V2 `start-after`, uploads `key-marker`.
    public var marker: String = ""
    /// V2 only: the decoded `continuation-token` (the key it names), when one was given.
    public var continuationToken: String?
    /// The token as the client sent it, to echo in `<ContinuationToken>`.
    public var rawContinuationToken: String?
    /// ListMultipartUploads only.
    public var uploadIdMarker: String = ""
    /// `max-keys` / `max-uploads`, capped at 1000.
    public var maxKeys: Int = 1000
    /// `encoding-type=url`.
    public var urlEncoded: Bool = false
    /// V2 `fetch-owner`.
    public var fetchOwner: Bool = false

    public init() {}

    /// Where a listing starts: after the continuation token when there is one, else after the marker.
    public var effectiveMarker: String { continuationToken ?? marker }
}

/// Standard and user metadata of a PUT, POST ?uploads or CopyObject with REPLACE.
public struct S3ObjectMetadata: Hashable, Sendable {
    public var contentType: String?
    public var contentEncoding: String?
    public var contentDisposition: String?
    public var contentLanguage: String?
    public var cacheControl: String?
    public var expires: String?
    /// `x-amz-meta-*` with the prefix removed, names lowercased, in arrival order.
    public var userMetadata: [S3Headers.Field] = []

    public init() {}

    /// The user-defined metadata limit: 2 KB of names and values (Amazon S3 User Guide, "Working with
    /// object metadata").
    public static let maxUserMetadataBytes = 2048
}

public struct S3GetObjectOptions: Hashable, Sendable {
    /// nil: the whole object (no header, or one S3 ignores).
    public var range: S3ByteRange?
    public var conditions: S3Conditions = S3Conditions()
    /// `partNumber` (1...10000) of a GET/HEAD.
    public var partNumber: Int?
    public var versionId: String?
    /// `response-content-type` and friends, as (response header name, value).
    public var responseOverrides: [S3Headers.Field] = []

    public init() {}
}

public struct S3PutObjectOptions: Hashable, Sendable {
    public var metadata: S3ObjectMetadata = S3ObjectMetadata()
    /// Conditional writes (`If-None-Match: *`, `If-Match`).
    public var conditions: S3Conditions = S3Conditions()
    public var storageClass: String?

    public init() {}
}

/// `x-amz-copy-source` (and its range, for UploadPartCopy).
public struct S3CopySource: Hashable, Sendable {
    public var bucket: String
    public var key: S3ObjectKey
    public var versionId: String?
    /// `x-amz-copy-source-range` (UploadPartCopy only).
    public var range: S3ByteRange?
    public var conditions: S3Conditions = S3Conditions()
}

public struct S3CopyObjectOptions: Hashable, Sendable {
    public enum MetadataDirective: String, Hashable, Sendable {
        case copy = "COPY"
        case replace = "REPLACE"
    }

    public var source: S3CopySource
    public var metadataDirective: MetadataDirective = .copy
    /// The new metadata when the directive is REPLACE.
    public var metadata: S3ObjectMetadata = S3ObjectMetadata()
    public var storageClass: String?
}
