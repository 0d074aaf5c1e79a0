/// An S3 error response: what `<Error>` carries, plus the headers some errors add
/// (`Content-Range` for 416, `Allow` for 405).
///
/// Amazon S3 API Reference, "Error responses" (REST error response).
public struct S3Error: Error, Hashable, Sendable, CustomStringConvertible {
    /// A name/value pair: an extra child of `<Error>` or an extra response header.
    public struct Field: Hashable, Sendable {
        public var name: String
        public var value: String
        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    public var code: S3ErrorCode
    /// `<Message>`; the code's default when not given.
    public var message: String
    /// `<Resource>`: the bucket or object the request was about, when known.
    public var resource: String?
    /// Extra `<Error>` children AWS sends for some codes (`RequestTime`, `ServerTime`, `ArgumentName`, ...).
    public var details: [Field]
    /// Headers the response must carry besides the usual ones.
    public var headers: [Field]

    public init(
        _ code: S3ErrorCode, _ message: String? = nil, resource: String? = nil, details: [Field] = [],
        headers: [Field] = []
    ) {
        self.code = code
        self.message = message ?? code.defaultMessage
        self.resource = resource
        self.details = details
        self.headers = headers
    }

    public var description: String { "\(code.code): \(message)" }

    /// The same error about `resource`, for the plugin to fill in the bucket or key it knows.
    public func about(_ resource: String) -> S3Error {
        var copy = self
        copy.resource = resource
        return copy
    }
}
