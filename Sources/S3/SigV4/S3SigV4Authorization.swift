/// What a SigV4 request carries to be verified, from the `Authorization` header or a presigned URL's query.
///
/// Amazon S3 API Reference, "Authenticating Requests (AWS Signature Version 4)": the header form
/// (`AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...`) and the query form
/// (`X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Date`, `X-Amz-Expires`, `X-Amz-SignedHeaders`,
/// `X-Amz-Signature`).
public struct S3SigV4Authorization: Hashable, Sendable {
    public static let algorithm = "AWS4-HMAC-SHA256"

    public var credential: S3SigV4Credential
    /// Lowercase names, in the order given (which must be sorted).
    public var signedHeaders: [String]
    /// The 32 signature bytes.
    public var signature: [UInt8]
    /// Presigned only: the `X-Amz-Date` and `X-Amz-Expires` values.
    public var presignedDate: S3Timestamp?
    public var presignedExpires: Int64?

    public var isPresigned: Bool { presignedDate != nil }

    /// Parses an `Authorization` header value.
    public init(header value: String) throws(S3Error) {
        let malformed = S3ErrorCode.authorizationHeaderMalformed
        guard value.utf8.count <= 4096 else { throw S3Error(malformed, "The authorization header is too long.") }
        guard value.hasPrefix(S3SigV4Authorization.algorithm + " ") else {
            if value.hasPrefix("AWS ") {
                throw S3Error(.invalidRequest, "Please use AWS4-HMAC-SHA256.")
            }
            throw S3Error(malformed, "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.")
        }
        var credential: S3SigV4Credential?
        var signedHeaders: [String]?
        var signature: [UInt8]?
        // Byte-wise: this runs on every request, and Character-level String work costs tens of microseconds.
        let bytes = Array(value.utf8.dropFirst(S3SigV4Authorization.algorithm.utf8.count + 1))
        for component in bytes.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: true) {
            var item = component[...]
            while item.first == UInt8(ascii: " ") { item = item.dropFirst() }
            while item.last == UInt8(ascii: " ") { item = item.dropLast() }
            guard let equals = item.firstIndex(of: UInt8(ascii: "=")) else {
                throw S3Error(malformed, "The authorization header is malformed; incorrect component \"\(String(decoding: item.prefix(64), as: UTF8.self))\".")
            }
            let key = item[..<equals]
            let content = item[(equals + 1)...]
            if key.elementsEqual("Credential".utf8) {
                credential = try S3SigV4Credential(parsing: Substring(String(decoding: content, as: UTF8.self)), malformed: malformed)
            } else if key.elementsEqual("SignedHeaders".utf8) {
                signedHeaders = try S3SigV4Authorization.parseSignedHeaders(content, malformed: malformed)
            } else if key.elementsEqual("Signature".utf8) {
                guard let decoded = S3Hex.decode(content, count: 32) else {
                    throw S3Error(malformed, "The authorization header is malformed; the signature is not 64 hex digits.")
                }
                signature = decoded
            } else {
                throw S3Error(malformed, "The authorization header is malformed; unknown component \"\(String(decoding: key.prefix(64), as: UTF8.self))\".")
            }
        }
        guard let credential, let signedHeaders, let signature else {
            throw S3Error(malformed, "The authorization header is malformed; it needs Credential, SignedHeaders and Signature.")
        }
        self.credential = credential
        self.signedHeaders = signedHeaders
        self.signature = signature
        self.presignedDate = nil
        self.presignedExpires = nil
    }

    /// The longest validity a presigned URL may ask for: seven days.
    public static let maxPresignedExpires: Int64 = 604_800

    /// Parses the query parameters of a presigned URL; nil when `X-Amz-Algorithm` is absent.
    public init?(query: S3QueryParameters) throws(S3Error) {
        guard let algorithm = query["X-Amz-Algorithm"] else { return nil }
        let malformed = S3ErrorCode.authorizationQueryParametersError
        guard algorithm == S3SigV4Authorization.algorithm else {
            throw S3Error(malformed, "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"")
        }
        guard let credentialText = query["X-Amz-Credential"], let dateText = query["X-Amz-Date"],
            let expiresText = query["X-Amz-Expires"], let signedText = query["X-Amz-SignedHeaders"],
            let signatureText = query["X-Amz-Signature"]
        else {
            throw S3Error(
                malformed,
                "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, "
                    + "X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.")
        }
        credential = try S3SigV4Credential(parsing: Substring(credentialText), malformed: malformed)
        guard let date = S3Timestamp(iso8601Basic: dateText) else {
            throw S3Error(malformed, "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"")
        }
        guard let expires = S3IncomingRequest.decimal(expiresText).flatMap({ Int64(exactly: $0) }) else {
            throw S3Error(malformed, "X-Amz-Expires should be a number")
        }
        guard expires <= S3SigV4Authorization.maxPresignedExpires else {
            throw S3Error(malformed, "X-Amz-Expires must be less than a week (in seconds) that is; 604800 seconds")
        }
        guard let bytes = S3Hex.decode(signatureText.utf8, count: 32) else {
            throw S3Error(.signatureDoesNotMatch)
        }
        signedHeaders = try S3SigV4Authorization.parseSignedHeaders(ArraySlice(signedText.utf8), malformed: malformed)
        signature = bytes
        presignedDate = date
        presignedExpires = expires
    }

    private static func parseSignedHeaders(_ text: ArraySlice<UInt8>, malformed: S3ErrorCode) throws(S3Error) -> [String] {
        let pieces = text.split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: false)
        guard !pieces.isEmpty, pieces.count <= 64,
            pieces.allSatisfy({ piece in !piece.isEmpty && !piece.contains { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") } })
        else {
            throw S3Error(malformed, "SignedHeaders must be a non-empty, lowercase, ';'-separated list.")
        }
        let names = pieces.map { String(decoding: $0, as: UTF8.self) }
        // The canonical request lists them sorted; a client that sent them in another order signed the
        // sorted list all the same.
        var sorted = names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        var unique: [String] = []
        unique.reserveCapacity(sorted.count)
        for name in sorted where unique.last != name { unique.append(name) }
        sorted = unique
        return sorted
    }
}
