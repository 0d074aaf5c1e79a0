/// One object (or multipart upload) the directory walk found.
public struct S3ListingEntry: Hashable, Sendable {
    public var key: String
    public var size: UInt64
    public var lastModified: S3Timestamp
    /// Quoted, as sent in `<ETag>`.
    public var etag: String
    /// ListMultipartUploads only.
    public var uploadId: String?

    public init(key: String, size: UInt64 = 0, lastModified: S3Timestamp, etag: String = "", uploadId: String? = nil) {
        self.key = key
        self.size = size
        self.lastModified = lastModified
        self.etag = etag
        self.uploadId = uploadId
    }
}

/// What one page of a listing holds.
public struct S3ListingResult: Hashable, Sendable {
    public var entries: [S3ListingEntry] = []
    public var commonPrefixes: [String] = []
    public var isTruncated = false
    /// The last key or common prefix returned, when truncated: V1 `NextMarker`, uploads `NextKeyMarker`.
    public var nextMarker: String?
    /// Uploads `NextUploadIdMarker`.
    public var nextUploadIdMarker: String?

    /// V2 `KeyCount`: keys plus common prefixes.
    public var keyCount: Int { entries.count + commonPrefixes.count }
    /// V2 `NextContinuationToken`.
    public var nextContinuationToken: String? { nextMarker.map { S3ListingToken.encode(lastKey: $0) } }
}

/// Builds one page of ListObjects (V1, V2) or ListMultipartUploads from keys fed in S3 order, and tells the
/// walker what it may skip.
///
/// Amazon S3 API Reference, ListObjectsV2 / ListObjects / ListMultipartUploads: keys in UTF-8 byte order,
/// filtered by `prefix`; with a `delimiter`, keys whose remainder after the prefix contains it roll up into
/// one `CommonPrefixes` entry (counted once against `max-keys`); the page starts after `marker` /
/// `start-after` / the continuation token, and is truncated after `max-keys` items.
///
/// The walker visits the bucket's directories depth-first from `startDirectory`, each directory's entries
/// ordered by `S3ListingOrder`, asking `enterDirectory` before reading a subdirectory and calling `add` for
/// every file. The answers keep a large tree from being read whole:
/// - `.skip`: nothing under this directory can be listed; do not read it.
/// - `.leave(prefix)`: the rest of the directory with that key prefix (an ancestor of the key just added)
///   has been rolled into a common prefix; continue after it.
/// - `.stop`: the page is complete.
public struct S3ListingAccumulator {
    public enum Step: Hashable, Sendable {
        case proceed
        case skip
        case leave(directoryPrefix: String)
        case stop
    }

    public let parameters: S3ListParameters
    private var result = S3ListingResult()
    private var count = 0
    private var done = false
    private var lastCommonPrefix: String?
    private let marker: [UInt8]
    private let prefix: String

    public init(_ parameters: S3ListParameters) {
        self.parameters = parameters
        self.marker = Array(parameters.effectiveMarker.utf8)
        self.prefix = parameters.prefix
        if parameters.maxKeys <= 0 { done = true }
    }

    /// The directory (as key components) that holds every key the prefix can match: start the walk there.
    public var startDirectory: [String] {
        guard let slash = prefix.lastIndex(of: "/") else { return [] }
        return prefix[..<slash].split(separator: "/", omittingEmptySubsequences: false).map(String.init)
    }

    /// Whether the page is complete.
    public var isComplete: Bool { done }

    /// Asks whether to read the directory whose keys all begin with `directoryPrefix` (ends with `/`).
    public mutating func enterDirectory(_ directoryPrefix: String) -> Step {
        if done { return .stop }
        if directoryPrefix == S3ObjectKey.reservedDirectory + "/" { return .skip }
        let d = directoryPrefix.utf8
        if !directoryPrefix.hasUTF8Prefix(prefix) && !prefix.hasUTF8Prefix(directoryPrefix) {
            // Neither is a prefix of the other, so every key below sorts on one side of the prefix range.
            if d.lexicographicallyPrecedes(prefix.utf8) { return .skip }
            done = true
            return .stop
        }
        if !marker.isEmpty && !marker.starts(with: d) && d.lexicographicallyPrecedes(marker) {
            return .skip  // every key below sorts before the marker
        }
        if let commonPrefix = commonPrefix(of: directoryPrefix) {
            if commonPrefix == lastCommonPrefix { return .skip }
            if !marker.isEmpty && !marker.lexicographicallyPrecedes(commonPrefix.utf8) { return .skip }
        }
        return .proceed
    }

    /// Offers the next key (in S3 order).
    public mutating func add(_ entry: S3ListingEntry) -> Step {
        if done { return .stop }
        let key = entry.key
        if !key.hasUTF8Prefix(prefix) {
            if prefix.utf8.lexicographicallyPrecedes(key.utf8) {
                done = true
                return .stop
            }
            return .proceed
        }
        if !isAfterMarker(entry) { return .proceed }
        if let commonPrefix = commonPrefix(of: key) {
            if commonPrefix == lastCommonPrefix { return leaveStep(key: key, commonPrefix: commonPrefix) }
            if !marker.isEmpty && !marker.lexicographicallyPrecedes(commonPrefix.utf8) { return .proceed }
            guard record() else { return .stop }
            result.commonPrefixes.append(commonPrefix)
            lastCommonPrefix = commonPrefix
            result.nextMarker = commonPrefix
            result.nextUploadIdMarker = nil
            return leaveStep(key: key, commonPrefix: commonPrefix)
        }
        guard record() else { return .stop }
        result.entries.append(entry)
        result.nextMarker = key
        result.nextUploadIdMarker = entry.uploadId
        return .proceed
    }

    /// The page. Markers are only set when it is truncated.
    public func finish() -> S3ListingResult {
        var page = result
        if !page.isTruncated {
            page.nextMarker = nil
            page.nextUploadIdMarker = nil
        }
        return page
    }

    // MARK: -

    /// Counts one more item, or marks the page truncated when it is full.
    private mutating func record() -> Bool {
        if count >= parameters.maxKeys {
            result.isTruncated = true
            done = true
            return false
        }
        count += 1
        return true
    }

    private func isAfterMarker(_ entry: S3ListingEntry) -> Bool {
        if marker.isEmpty { return true }
        let key = entry.key.utf8
        if marker.lexicographicallyPrecedes(key) { return true }
        // ListMultipartUploads: the marker key itself continues after upload-id-marker.
        if let uploadId = entry.uploadId, !parameters.uploadIdMarker.isEmpty, key.elementsEqual(marker) {
            return parameters.uploadIdMarker.utf8.lexicographicallyPrecedes(uploadId.utf8)
        }
        return false
    }

    /// The common prefix `text` (a key or directory prefix under `prefix`) rolls into, if any.
    private func commonPrefix(of text: String) -> String? {
        let delimiter = parameters.delimiter
        guard !delimiter.isEmpty, text.hasUTF8Prefix(prefix) else { return nil }
        let rest = Array(text.utf8.dropFirst(prefix.utf8.count))
        let needle = Array(delimiter.utf8)
        guard rest.count >= needle.count else { return nil }
        for start in 0...(rest.count - needle.count) where rest[start..<(start + needle.count)].elementsEqual(needle) {
            return prefix + String(decoding: rest[..<(start + needle.count)], as: UTF8.self)
        }
        return nil
    }

    /// The shortest ancestor directory of `key` lying wholly inside `commonPrefix`, to leave.
    private func leaveStep(key: String, commonPrefix: String) -> Step {
        let bytes = Array(key.utf8)
        let cpCount = commonPrefix.utf8.count
        for index in bytes.indices where bytes[index] == UInt8(ascii: "/") && index + 1 >= cpCount {
            return .leave(directoryPrefix: String(decoding: bytes[...index], as: UTF8.self))
        }
        return .proceed
    }
}

extension String {
    /// Byte-wise prefix test (String.hasPrefix compares by Unicode canonical equivalence).
    func hasUTF8Prefix(_ prefix: String) -> Bool { utf8.starts(with: prefix.utf8) }
}
