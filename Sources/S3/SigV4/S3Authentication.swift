import Crypto

/// How the request body is hashed for SigV4, from `x-amz-content-sha256`.
///
/// Amazon S3 API Reference, "Authenticating Requests: Using the Authorization Header (AWS Signature
/// Version 4)", table of `x-amz-content-sha256` values.
public enum S3PayloadMode: Hashable, Sendable {
    /// A hex SHA-256 of the whole body, checked once the body has been read.
    case sha256([UInt8])
    /// `UNSIGNED-PAYLOAD`: the body is not covered by the signature.
    case unsigned
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`: aws-chunked, each chunk signed, chained from the seed signature.
    case streamingSigned
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER`: as above, then a signed trailer.
    case streamingSignedTrailer
    /// `STREAMING-UNSIGNED-PAYLOAD-TRAILER`: aws-chunked without signatures, then a trailer (checksum).
    case streamingUnsignedTrailer

    /// Parses an `x-amz-content-sha256` value.
    public init(headerValue: String) throws(S3Error) {
        switch headerValue {
        case "UNSIGNED-PAYLOAD": self = .unsigned
        case "STREAMING-AWS4-HMAC-SHA256-PAYLOAD": self = .streamingSigned
        case "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER": self = .streamingSignedTrailer
        case "STREAMING-UNSIGNED-PAYLOAD-TRAILER": self = .streamingUnsignedTrailer
        default:
            guard let digest = S3Hex.decode(headerValue.utf8, count: 32) else {
                throw S3Error(
                    .invalidArgument,
                    "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, STREAMING-UNSIGNED-PAYLOAD-TRAILER, "
                        + "STREAMING-AWS4-HMAC-SHA256-PAYLOAD, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER, "
                        + "or a valid sha256 value.",
                    details: [.init("ArgumentName", "x-amz-content-sha256")])
            }
            self = .sha256(digest)
        }
    }

    /// Whether the body is aws-chunked.
    public var isChunked: Bool {
        switch self {
        case .streamingSigned, .streamingSignedTrailer, .streamingUnsignedTrailer: return true
        case .sha256, .unsigned: return false
        }
    }

    /// Whether chunks carry signatures.
    public var isSignedStreaming: Bool { self == .streamingSigned || self == .streamingSignedTrailer }

    /// Whether a trailer follows the last chunk.
    public var hasTrailer: Bool { self == .streamingSignedTrailer || self == .streamingUnsignedTrailer }
}

/// What a verified signature established: who signed, and what the body decoder needs to verify
/// chunk and trailer signatures.
public struct S3SigningContext: @unchecked Sendable {
    // @unchecked: SymmetricKey is an immutable value whose Sendable conformance swift-crypto does not declare
    // on every platform.
    public let accessKey: String
    /// Whether the signature came from a presigned URL's query.
    public let isPresigned: Bool
    /// The request time as signed (`x-amz-date`, `Date` or `X-Amz-Date`), ISO 8601 basic.
    public let amzDate: String
    /// `<date>/<region>/s3/aws4_request`.
    public let scope: String
    /// The derived signing key of this credential, date and region.
    public let signingKey: SymmetricKey
    /// The request's own signature in lowercase hex: the seed of a chunk signature chain.
    public let seedSignature: String
}

/// The outcome of authentication.
public enum S3Authentication: Sendable {
    /// No `Authorization` header and no presigned query: allowed only where the bucket is public.
    case anonymous
    case signed(S3SigningContext)

    /// The signing context, or AccessDenied for an anonymous request (a bucket that is not public).
    public func requireSigned() throws(S3Error) -> S3SigningContext {
        switch self {
        case .signed(let context): return context
        case .anonymous: throw S3Error(.accessDenied)
        }
    }

    public var accessKey: String? {
        if case .signed(let context) = self { return context.accessKey }
        return nil
    }
}
