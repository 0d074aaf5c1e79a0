import Crypto

/// Verifies AWS Signature Version 4 on a request head.
///
/// Amazon S3 API Reference, "Authenticating Requests (AWS Signature Version 4)": header-based
/// ("Signature Calculations for the Authorization Header") and query-based ("Authenticating Requests:
/// Using Query Parameters"). The body is checked later by `S3RequestBody`, which receives the
/// `S3SigningContext` this returns.
///
/// One verifier per loop thread: it owns a signing-key cache and is not thread-safe.
public final class S3SigV4Verifier {
    public struct Configuration: Sendable {
        /// Largest difference between a header-signed request's time and now (AWS: 15 minutes).
        public var maxClockSkewSeconds: Int64 = 900
        /// The region requests must be scoped to; nil accepts any region (clients default to us-east-1).
        public var region: String?

        public init(maxClockSkewSeconds: Int64 = 900, region: String? = nil) {
            self.maxClockSkewSeconds = maxClockSkewSeconds
            self.region = region
        }
    }

    public let credentials: S3CredentialStore
    public let configuration: Configuration
    private let keyCache: S3SigningKeyCache

    public init(credentials: S3CredentialStore, configuration: Configuration = Configuration()) {
        self.credentials = credentials
        self.configuration = configuration
        self.keyCache = S3SigningKeyCache()
    }

    /// Authenticates `request` at time `now`.
    ///
    /// Returns `.anonymous` when the request carries no signature at all (the plugin then decides whether
    /// the bucket allows it, with `requireSigned()`), `.signed` when the signature verifies, and throws:
    /// AuthorizationHeaderMalformed / AuthorizationQueryParametersError (400) for a malformed signature,
    /// InvalidAccessKeyId (403), RequestTimeTooSkewed (403), AccessDenied "Request has expired" (403),
    /// SignatureDoesNotMatch (403).
    public func authenticate(_ request: S3IncomingRequest, now: S3Timestamp) throws(S3Error) -> S3Authentication {
        let headerValue = request.headers["authorization"]
        let presigned = try S3SigV4Authorization(query: request.query)
        if headerValue != nil && presigned != nil {
            throw S3Error(
                .invalidArgument, "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, "
                    + "Signature query string parameter or the Authorization header should be specified")
        }
        let authorization: S3SigV4Authorization
        if let presigned {
            authorization = presigned
        } else if let headerValue {
            authorization = try S3SigV4Authorization(header: headerValue)
        } else {
            if request.query.contains("Signature") || request.query.contains("AWSAccessKeyId") {
                throw S3Error(.invalidRequest, "Please use AWS4-HMAC-SHA256.")
            }
            return .anonymous
        }
        return .signed(try verify(authorization, request: request, now: now))
    }

    private func verify(
        _ authorization: S3SigV4Authorization, request: S3IncomingRequest, now: S3Timestamp
    ) throws(S3Error) -> S3SigningContext {
        let isPresigned = authorization.isPresigned
        let malformed: S3ErrorCode = isPresigned ? .authorizationQueryParametersError : .authorizationHeaderMalformed
        let credential = authorization.credential
        guard let secret = credentials.secretKey(for: credential.accessKey) else {
            throw S3Error(.invalidAccessKeyId, details: [.init("AWSAccessKeyId", credential.accessKey)])
        }
        if let region = configuration.region, region != credential.region {
            throw S3Error(
                malformed, "The authorization header is malformed; the region '\(credential.region)' is wrong; "
                    + "expecting '\(region)'", details: [.init("Region", region)])
        }
        guard authorization.signedHeaders.contains("host") else {
            throw S3Error(malformed, "The host header must be signed.")
        }

        // The request time, and the checks that depend on it.
        let amzDate: String
        let requestTime: S3Timestamp
        if isPresigned, let date = authorization.presignedDate, let expires = authorization.presignedExpires {
            requestTime = date
            amzDate = date.iso8601Basic
            if now.seconds > date.seconds + expires {
                throw S3Error(
                    .accessDenied, "Request has expired",
                    details: [
                        .init("X-Amz-Expires", String(expires)),
                        .init("Expires", S3Timestamp(seconds: date.seconds + expires).iso8601),
                        .init("ServerTime", now.iso8601),
                    ])
            }
            if date.seconds > now.seconds + configuration.maxClockSkewSeconds {
                throw S3Error(.accessDenied, "Request is not valid yet")
            }
        } else {
            if let text = request.headers["x-amz-date"] {
                guard let parsed = S3Timestamp(iso8601Basic: text) else {
                    throw S3Error(.accessDenied, "AWS authentication requires a valid Date or x-amz-date header")
                }
                guard authorization.signedHeaders.contains("x-amz-date") else {
                    throw S3Error(malformed, "The x-amz-date header must be signed.")
                }
                requestTime = parsed
                amzDate = text
            } else if let text = request.headers["date"], let parsed = S3Timestamp(httpDate: text) {
                guard authorization.signedHeaders.contains("date") else {
                    throw S3Error(malformed, "The date header must be signed.")
                }
                requestTime = parsed
                amzDate = parsed.iso8601Basic
            } else {
                throw S3Error(.accessDenied, "AWS authentication requires a valid Date or x-amz-date header")
            }
            let skew = requestTime.seconds - now.seconds
            if skew > configuration.maxClockSkewSeconds || -skew > configuration.maxClockSkewSeconds {
                throw S3Error(
                    .requestTimeTooSkewed,
                    details: [
                        .init("RequestTime", requestTime.httpDate), .init("ServerTime", now.iso8601),
                        .init("MaxAllowedSkewMilliseconds", String(configuration.maxClockSkewSeconds * 1000)),
                    ])
            }
        }
        guard amzDate.hasPrefix(credential.date) else {
            throw S3Error(
                malformed, "Invalid credential date \"\(credential.date)\". This date is not the same as "
                    + "X-Amz-Date: \"\(amzDate.prefix(8))\".")
        }

        // Every x-amz-* header present must be signed.
        var unsigned: [String] = []
        for field in request.headers where field.name.hasPrefix("x-amz-") {
            if !authorization.signedHeaders.contains(field.name) && !unsigned.contains(field.name) {
                unsigned.append(field.name)
            }
        }
        if !unsigned.isEmpty {
            throw S3Error(
                .accessDenied, "There were headers present in the request which were not signed",
                details: [.init("HeadersNotSigned", unsigned.joined(separator: ", "))])
        }

        let payloadHash: String
        if let declared = request.headers["x-amz-content-sha256"] {
            payloadHash = declared
        } else if isPresigned {
            payloadHash = "UNSIGNED-PAYLOAD"
        } else {
            throw S3Error(.invalidRequest, "Missing required header for this request: x-amz-content-sha256")
        }

        let canonical = try S3SigV4Canonicalizer.canonicalRequest(
            request, signedHeaders: authorization.signedHeaders, payloadHash: payloadHash, presigned: isPresigned)
        let scope = credential.scope
        let stringToSign = S3SigV4Canonicalizer.stringToSign(
            canonicalRequest: canonical, amzDate: amzDate, scope: scope)
        let signingKey = keyCache.signingKey(
            secret: secret, date: credential.date, region: credential.region, service: credential.service)
        let mac = HMAC<SHA256>.authenticationCode(for: stringToSign, using: signingKey)
        guard S3SigV4Canonicalizer.constantTimeEqual(Array(mac), authorization.signature) else {
            throw S3Error(
                .signatureDoesNotMatch,
                details: [
                    .init("AWSAccessKeyId", credential.accessKey),
                    .init("StringToSign", String(decoding: stringToSign, as: UTF8.self)),
                    .init("CanonicalRequest", String(decoding: canonical, as: UTF8.self)),
                ])
        }
        return S3SigningContext(
            accessKey: credential.accessKey, isPresigned: isPresigned, amzDate: amzDate, scope: scope,
            signingKey: signingKey, seedSignature: S3Hex.encode(authorization.signature))
    }
}
