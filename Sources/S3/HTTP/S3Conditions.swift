/// Conditional request headers and their evaluation.
///
/// RFC 7232 §3 (If-Match, If-None-Match, If-Modified-Since, If-Unmodified-Since) evaluated in the order of
/// §6: If-Match, else If-Unmodified-Since; then If-None-Match, else If-Modified-Since (GET/HEAD only).
/// A failed If-None-Match or If-Modified-Since on GET/HEAD is 304, anything else failed is 412.
/// CopyObject's `x-amz-copy-source-if-*` headers use the same rules about the source, and every failure
/// there is 412 (Amazon S3 API Reference, CopyObject).
public struct S3Conditions: Hashable, Sendable {
    /// Entity tags listed (unquoted), or `["*"]`.
    public var ifMatch: [String]?
    public var ifNoneMatch: [String]?
    public var ifModifiedSince: S3Timestamp?
    public var ifUnmodifiedSince: S3Timestamp?

    public enum Outcome: Hashable, Sendable {
        case proceed
        case notModified
        case preconditionFailed
    }

    public init(
        ifMatch: [String]? = nil, ifNoneMatch: [String]? = nil, ifModifiedSince: S3Timestamp? = nil,
        ifUnmodifiedSince: S3Timestamp? = nil
    ) {
        self.ifMatch = ifMatch
        self.ifNoneMatch = ifNoneMatch
        self.ifModifiedSince = ifModifiedSince
        self.ifUnmodifiedSince = ifUnmodifiedSince
    }

    /// Reads `if-*` headers (or `x-amz-copy-source-if-*` with `prefix: "x-amz-copy-source-if-"`).
    /// Dates that do not parse are ignored, as RFC 7232 §3.3 and §3.4 require.
    public init(headers: S3Headers, prefix: String = "if-") {
        ifMatch = headers[prefix + "match"].map(S3Conditions.entityTags)
        ifNoneMatch = headers[prefix + "none-match"].map(S3Conditions.entityTags)
        ifModifiedSince = headers[prefix + "modified-since"].flatMap { S3Timestamp(httpDate: $0) }
        ifUnmodifiedSince = headers[prefix + "unmodified-since"].flatMap { S3Timestamp(httpDate: $0) }
    }

    public var isEmpty: Bool {
        ifMatch == nil && ifNoneMatch == nil && ifModifiedSince == nil && ifUnmodifiedSince == nil
    }

    private static func entityTags(_ value: String) -> [String] {
        value.split(separator: ",").prefix(64).map { String(S3ETag.unquoted(String($0))) }
    }

    /// Evaluates against the current object (nil when there is none).
    /// - Parameter isRead: GET or HEAD (304 possible); false for writes and copy sources (412 only).
    public func evaluate(etag: String?, lastModified: S3Timestamp?, isRead: Bool) -> Outcome {
        let current = etag.map { String(S3ETag.unquoted($0)) }
        // Step 1 / 2.
        if let ifMatch {
            guard let current, ifMatch.contains("*") || ifMatch.contains(current) else { return .preconditionFailed }
        } else if let ifUnmodifiedSince, let lastModified, lastModified.wholeSeconds > ifUnmodifiedSince {
            return .preconditionFailed
        }
        // Step 3 / 4.
        if let ifNoneMatch {
            let matches = current.map { ifNoneMatch.contains("*") || ifNoneMatch.contains($0) } ?? false
            if matches { return isRead ? .notModified : .preconditionFailed }
        } else if isRead, let ifModifiedSince, let lastModified, lastModified.wholeSeconds <= ifModifiedSince {
            return .notModified
        }
        return .proceed
    }

    /// Throws NotModified (304) or PreconditionFailed (412) unless the request may proceed.
    public func check(etag: String?, lastModified: S3Timestamp?, isRead: Bool) throws(S3Error) {
        switch evaluate(etag: etag, lastModified: lastModified, isRead: isRead) {
        case .proceed: return
        case .notModified: throw S3Error(.notModified)
        case .preconditionFailed: throw S3Error(.preconditionFailed)
        }
    }

    /// CopyObject source conditions. AWS: If-Match true with If-Unmodified-Since false still copies, and
    /// If-None-Match false with If-Modified-Since true fails — which is the §6 order above with every failure 412.
    public func checkCopySource(etag: String, lastModified: S3Timestamp) throws(S3Error) {
        if evaluate(etag: etag, lastModified: lastModified, isRead: false) != .proceed {
            throw S3Error(.preconditionFailed)
        }
        if ifNoneMatch == nil, let ifModifiedSince, lastModified.wholeSeconds <= ifModifiedSince {
            throw S3Error(.preconditionFailed)
        }
    }
}
