/// A `Range` request header, as S3 honours it.
///
/// RFC 7233 §2.1 byte ranges, one range only: `bytes=a-b`, `bytes=a-`, `bytes=-n`. As AWS does, a header
/// that is not a single well-formed byte range (several ranges, another unit, bad syntax) is ignored and the
/// whole object is sent with 200; a well-formed range outside the object is 416 InvalidRange with
/// `Content-Range: bytes */<size>` (RFC 7233 §4.4).
public enum S3ByteRange: Hashable, Sendable {
    /// `bytes=first-` or `bytes=first-last`.
    case from(first: UInt64, last: UInt64?)
    /// `bytes=-count`: the last `count` bytes.
    case suffix(count: UInt64)

    /// Parses a `Range` (or `x-amz-copy-source-range`) value; nil when it is to be ignored.
    public init?(header: String) {
        let trimmed = header.trimmingSpaces()
        guard trimmed.hasPrefix("bytes="), trimmed.utf8.count <= 64 else { return nil }
        let spec = trimmed.dropFirst(6).trimmingSpacesSubstring()
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return nil }
        let firstText = spec[..<dash].trimmingSpacesSubstring()
        let lastText = spec[spec.index(after: dash)...].trimmingSpacesSubstring()
        if firstText.isEmpty {
            guard let count = S3IncomingRequest.decimal(String(lastText)) else { return nil }
            self = .suffix(count: count)
        } else {
            guard let first = S3IncomingRequest.decimal(String(firstText)) else { return nil }
            if lastText.isEmpty {
                self = .from(first: first, last: nil)
            } else {
                guard let last = S3IncomingRequest.decimal(String(lastText)), last >= first else { return nil }
                self = .from(first: first, last: last)
            }
        }
    }

    /// The bytes to send of an object of `size` bytes. Throws InvalidRange (416) when unsatisfiable.
    public func resolve(size: UInt64) throws(S3Error) -> ClosedRange<UInt64> {
        switch self {
        case .from(let first, let last):
            guard first < size else { throw S3ByteRange.unsatisfiable(size: size) }
            return first...min(last ?? (size - 1), size - 1)
        case .suffix(let count):
            guard count > 0, size > 0 else { throw S3ByteRange.unsatisfiable(size: size) }
            return (size - min(count, size))...(size - 1)
        }
    }

    /// `Content-Range` of a 206 answer.
    public static func contentRange(_ range: ClosedRange<UInt64>, size: UInt64) -> String {
        "bytes \(range.lowerBound)-\(range.upperBound)/\(size)"
    }

    static func unsatisfiable(size: UInt64) -> S3Error {
        S3Error(
            .invalidRange, details: [.init("ActualObjectSize", String(size))],
            headers: [.init("Content-Range", "bytes */\(size)")])
    }
}
