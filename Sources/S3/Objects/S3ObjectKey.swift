/// An object key that maps to a path under its bucket's directory.
///
/// S3 allows any UTF-8 key up to 1024 bytes (Amazon S3 User Guide, "Naming objects"). A key here is a
/// relative path, so keys that cannot be one — or could leave the bucket — are refused: empty keys,
/// empty segments (`a//b`, a leading `/`), `.` and `..` segments, NUL, segments over 255 bytes (NAME_MAX),
/// and keys under the plugin's reserved staging prefix. One trailing `/` is allowed and marks a directory
/// (the "folder" objects consoles and s3fs create).
public struct S3ObjectKey: Hashable, Sendable, CustomStringConvertible {
    /// The longest key S3 accepts, in UTF-8 bytes.
    public static let maxLength = 1024
    /// The longest path component.
    public static let maxComponentLength = 255
    /// The top-level directory the plugin keeps multipart parts and staging files in; no key may live there.
    public static let reservedDirectory = ".chimera-s3"

    /// The key as the client sent it.
    public let rawValue: String
    /// The path components (`a/b/c.txt` → `["a", "b", "c.txt"]`).
    public let components: [String]
    /// Whether the key ended with `/` (a directory marker).
    public let isDirectoryMarker: Bool

    public var description: String { rawValue }

    /// Validates `key`. Throws KeyTooLongError for keys over 1024 bytes and InvalidArgument for the rest.
    public init(_ key: String) throws(S3Error) {
        let bytes = key.utf8
        guard !bytes.isEmpty else {
            throw S3Error(.invalidArgument, "The object key must not be empty.", details: [.init("ArgumentName", "key")])
        }
        guard bytes.count <= S3ObjectKey.maxLength else { throw S3Error(.keyTooLong, resource: String(key.prefix(64))) }
        guard !bytes.contains(0) else { throw S3ObjectKey.invalid(key, "contains NUL") }
        var parts = key.split(separator: "/", omittingEmptySubsequences: false)
        var marker = false
        if parts.count > 1, parts.last?.isEmpty == true {
            parts.removeLast()
            marker = true
        }
        for part in parts {
            if part.isEmpty { throw S3ObjectKey.invalid(key, "has an empty path segment") }
            if part == "." || part == ".." { throw S3ObjectKey.invalid(key, "has a '.' or '..' segment") }
            if part.utf8.count > S3ObjectKey.maxComponentLength {
                throw S3ObjectKey.invalid(key, "has a segment longer than 255 bytes")
            }
        }
        if parts.first.map(String.init) == S3ObjectKey.reservedDirectory {
            throw S3ObjectKey.invalid(key, "is under a reserved prefix")
        }
        rawValue = key
        components = parts.map(String.init)
        isDirectoryMarker = marker
    }

    /// Validates the raw bytes of a key (from XML or a header); invalid UTF-8 is InvalidArgument.
    public init(bytes: [UInt8]) throws(S3Error) {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw S3Error(.invalidArgument, "The object key is not valid UTF-8.")
        }
        try self.init(text)
    }

    /// The directory components (all but the last) and the final name.
    public var parentComponents: ArraySlice<String> { components.dropLast() }
    public var name: String { components.last ?? "" }

    private static func invalid(_ key: String, _ why: String) -> S3Error {
        S3Error(
            .invalidArgument, "Object key \(why) and cannot be stored as a file path.",
            resource: String(key.prefix(256)), details: [.init("ArgumentName", "key")])
    }
}
