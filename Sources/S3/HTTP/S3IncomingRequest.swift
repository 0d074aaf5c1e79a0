/// One request head as the host delivered it, with the request target split and decoded once so that
/// routing and SigV4 verification share the work.
///
/// RFC 7230 §5.3: S3 clients send origin-form targets (`/bucket/key?query`); an absolute-form target is
/// accepted and its path used.
public struct S3IncomingRequest: Sendable {
    /// The method, uppercase as sent (`GET`, `PUT`, ...).
    public let method: String
    /// The request target exactly as sent.
    public let rawTarget: String
    /// The path as sent, still percent-encoded (no query).
    public let rawPath: Substring
    /// The path decoded (`%2F` becomes `/`, `+` stays `+`).
    public let path: String
    public let query: S3QueryParameters
    public let headers: S3Headers

    /// Longest request target accepted; AWS allows 8 KiB of URL.
    public static let maxTargetLength = 8192

    public init(method: String, target: String, headers: S3Headers) throws(S3Error) {
        guard target.utf8.count <= S3IncomingRequest.maxTargetLength else {
            throw S3Error(.invalidURI, "The request URI is too long")
        }
        self.method = method
        self.rawTarget = target
        self.headers = headers
        var pathAndQuery = Substring(target)
        if !pathAndQuery.hasPrefix("/") {
            // absolute-form: scheme://authority/path?query
            guard let colon = pathAndQuery.firstIndex(of: ":"),
                pathAndQuery[colon...].hasPrefix("://")
            else { throw S3Error(.invalidURI) }
            let afterAuthority = pathAndQuery[pathAndQuery.index(colon, offsetBy: 3)...]
            if let slash = afterAuthority.firstIndex(where: { $0 == "/" || $0 == "?" }) {
                pathAndQuery = afterAuthority[slash...]
            } else {
                pathAndQuery = "/"
            }
        }
        if let fragment = pathAndQuery.firstIndex(of: "#") { pathAndQuery = pathAndQuery[..<fragment] }
        if let question = pathAndQuery.firstIndex(of: "?") {
            rawPath = pathAndQuery[..<question]
            query = try S3QueryParameters(parsing: pathAndQuery[pathAndQuery.index(after: question)...])
        } else {
            rawPath = pathAndQuery
            query = S3QueryParameters()
        }
        let pathForDecoding = rawPath.isEmpty ? "/" : rawPath
        guard let decoded = S3PercentEncoding.decode(pathForDecoding.utf8, plusIsSpace: false),
            !decoded.utf8.contains(0)
        else {
            throw S3Error(.invalidURI)
        }
        path = decoded
    }

    /// Builds the request from the raw bytes of `struct chimera_http_head`.
    public init(
        method: UnsafeRawBufferPointer, target: UnsafeRawBufferPointer, headers: S3Headers
    ) throws(S3Error) {
        guard let targetText = String(validating: target, as: UTF8.self) else { throw S3Error(.invalidURI) }
        try self.init(method: String(decoding: method, as: UTF8.self), target: targetText, headers: headers)
    }

    /// The `Content-Length` header as a number; nil when absent; an error when malformed.
    public func contentLength() throws(S3Error) -> UInt64? {
        guard let text = headers["content-length"] else { return nil }
        guard let value = S3IncomingRequest.decimal(text) else {
            throw S3Error(.invalidArgument, "Invalid Content-Length")
        }
        return value
    }

    /// An unsigned decimal of at most 19 digits, or nil.
    static func decimal(_ text: String) -> UInt64? {
        let trimmed = text.utf8.count <= 19 ? text : ""
        guard !trimmed.isEmpty, trimmed.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return UInt64(trimmed)
    }
}
