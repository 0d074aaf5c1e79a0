/// An S3 error code: the `<Code>` string of an error response and the HTTP status it is sent with.
///
/// An open struct rather than an enum, so a code this library does not know stays representable.
/// The table follows the Amazon S3 API Reference, "Error responses" / "List of error codes".
public struct S3ErrorCode: Hashable, Sendable, CustomStringConvertible {
    /// The code string, as it appears in `<Error><Code>`.
    public let code: String
    /// The HTTP status the error is answered with.
    public let httpStatus: UInt16
    /// The message AWS sends when nothing more specific is known.
    public let defaultMessage: String

    public init(code: String, httpStatus: UInt16, defaultMessage: String = "") {
        self.code = code
        self.httpStatus = httpStatus
        self.defaultMessage = defaultMessage
    }

    public var description: String { "\(code) (\(httpStatus))" }

    public static func == (lhs: S3ErrorCode, rhs: S3ErrorCode) -> Bool {
        lhs.code == rhs.code && lhs.httpStatus == rhs.httpStatus
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(httpStatus)
    }
}

extension S3ErrorCode {
    // 3xx / 4xx request errors
    public static let accessDenied = S3ErrorCode(code: "AccessDenied", httpStatus: 403, defaultMessage: "Access Denied")
    public static let authorizationHeaderMalformed = S3ErrorCode(
        code: "AuthorizationHeaderMalformed", httpStatus: 400,
        defaultMessage: "The authorization header is malformed.")
    public static let authorizationQueryParametersError = S3ErrorCode(
        code: "AuthorizationQueryParametersError", httpStatus: 400,
        defaultMessage: "Error parsing the X-Amz-Credential parameter.")
    public static let badDigest = S3ErrorCode(
        code: "BadDigest", httpStatus: 400,
        defaultMessage: "The Content-MD5 you specified did not match what we received.")
    public static let bucketAlreadyExists = S3ErrorCode(
        code: "BucketAlreadyExists", httpStatus: 409,
        defaultMessage: "The requested bucket name is not available.")
    public static let bucketAlreadyOwnedByYou = S3ErrorCode(
        code: "BucketAlreadyOwnedByYou", httpStatus: 409,
        defaultMessage: "Your previous request to create the named bucket succeeded and you already own it.")
    public static let bucketNotEmpty = S3ErrorCode(
        code: "BucketNotEmpty", httpStatus: 409, defaultMessage: "The bucket you tried to delete is not empty.")
    public static let entityTooLarge = S3ErrorCode(
        code: "EntityTooLarge", httpStatus: 400,
        defaultMessage: "Your proposed upload exceeds the maximum allowed object size.")
    public static let entityTooSmall = S3ErrorCode(
        code: "EntityTooSmall", httpStatus: 400,
        defaultMessage: "Your proposed upload is smaller than the minimum allowed object size.")
    public static let incompleteBody = S3ErrorCode(
        code: "IncompleteBody", httpStatus: 400,
        defaultMessage: "You did not provide the number of bytes specified by the Content-Length HTTP header.")
    public static let invalidAccessKeyId = S3ErrorCode(
        code: "InvalidAccessKeyId", httpStatus: 403,
        defaultMessage: "The AWS access key ID you provided does not exist in our records.")
    public static let invalidArgument = S3ErrorCode(
        code: "InvalidArgument", httpStatus: 400, defaultMessage: "Invalid Argument")
    public static let invalidBucketName = S3ErrorCode(
        code: "InvalidBucketName", httpStatus: 400, defaultMessage: "The specified bucket is not valid.")
    public static let invalidDigest = S3ErrorCode(
        code: "InvalidDigest", httpStatus: 400, defaultMessage: "The Content-MD5 you specified is not valid.")
    public static let invalidObjectState = S3ErrorCode(
        code: "InvalidObjectState", httpStatus: 403,
        defaultMessage: "The operation is not valid for the current state of the object.")
    public static let invalidPart = S3ErrorCode(
        code: "InvalidPart", httpStatus: 400,
        defaultMessage:
            "One or more of the specified parts could not be found. The part may not have been uploaded, "
            + "or the specified entity tag may not match the part's entity tag.")
    public static let invalidPartOrder = S3ErrorCode(
        code: "InvalidPartOrder", httpStatus: 400,
        defaultMessage: "The list of parts was not in ascending order. Parts must be ordered by part number.")
    public static let invalidRange = S3ErrorCode(
        code: "InvalidRange", httpStatus: 416, defaultMessage: "The requested range is not satisfiable")
    public static let invalidRequest = S3ErrorCode(
        code: "InvalidRequest", httpStatus: 400, defaultMessage: "Invalid Request")
    public static let invalidURI = S3ErrorCode(
        code: "InvalidURI", httpStatus: 400, defaultMessage: "Couldn't parse the specified URI.")
    public static let keyTooLong = S3ErrorCode(
        code: "KeyTooLongError", httpStatus: 400, defaultMessage: "Your key is too long")
    public static let malformedXML = S3ErrorCode(
        code: "MalformedXML", httpStatus: 400,
        defaultMessage: "The XML you provided was not well-formed or did not validate against our published schema.")
    public static let metadataTooLarge = S3ErrorCode(
        code: "MetadataTooLarge", httpStatus: 400,
        defaultMessage: "Your metadata headers exceed the maximum allowed metadata size.")
    public static let methodNotAllowed = S3ErrorCode(
        code: "MethodNotAllowed", httpStatus: 405,
        defaultMessage: "The specified method is not allowed against this resource.")
    public static let missingContentLength = S3ErrorCode(
        code: "MissingContentLength", httpStatus: 411, defaultMessage: "You must provide the Content-Length HTTP header.")
    public static let missingSecurityHeader = S3ErrorCode(
        code: "MissingSecurityHeader", httpStatus: 400, defaultMessage: "Your request is missing a required header.")
    public static let noSuchBucket = S3ErrorCode(
        code: "NoSuchBucket", httpStatus: 404, defaultMessage: "The specified bucket does not exist")
    public static let noSuchKey = S3ErrorCode(
        code: "NoSuchKey", httpStatus: 404, defaultMessage: "The specified key does not exist.")
    public static let noSuchUpload = S3ErrorCode(
        code: "NoSuchUpload", httpStatus: 404,
        defaultMessage:
            "The specified upload does not exist. The upload ID may be invalid, "
            + "or the upload may have been aborted or completed.")
    public static let noSuchVersion = S3ErrorCode(
        code: "NoSuchVersion", httpStatus: 404,
        defaultMessage: "The version ID specified in the request does not match an existing version.")
    public static let notModified = S3ErrorCode(code: "NotModified", httpStatus: 304, defaultMessage: "Not Modified")
    public static let preconditionFailed = S3ErrorCode(
        code: "PreconditionFailed", httpStatus: 412,
        defaultMessage: "At least one of the preconditions you specified did not hold.")
    public static let requestTimeTooSkewed = S3ErrorCode(
        code: "RequestTimeTooSkewed", httpStatus: 403,
        defaultMessage: "The difference between the request time and the current time is too large.")
    public static let signatureDoesNotMatch = S3ErrorCode(
        code: "SignatureDoesNotMatch", httpStatus: 403,
        defaultMessage:
            "The request signature we calculated does not match the signature you provided. "
            + "Check your key and signing method.")
    public static let xAmzContentSHA256Mismatch = S3ErrorCode(
        code: "XAmzContentSHA256Mismatch", httpStatus: 400,
        defaultMessage: "The provided 'x-amz-content-sha256' header does not match what was computed.")
    public static let invalidStorageClass = S3ErrorCode(
        code: "InvalidStorageClass", httpStatus: 400, defaultMessage: "The storage class you specified is not valid")
    public static let illegalLocationConstraint = S3ErrorCode(
        code: "IllegalLocationConstraintException", httpStatus: 400,
        defaultMessage: "The specified location-constraint is not valid")

    // 5xx
    public static let internalError = S3ErrorCode(
        code: "InternalError", httpStatus: 500,
        defaultMessage: "We encountered an internal error. Please try again.")
    public static let notImplemented = S3ErrorCode(
        code: "NotImplemented", httpStatus: 501,
        defaultMessage: "A header you provided implies functionality that is not implemented.")
    public static let serviceUnavailable = S3ErrorCode(
        code: "ServiceUnavailable", httpStatus: 503, defaultMessage: "Please reduce your request rate.")
    public static let slowDown = S3ErrorCode(
        code: "SlowDown", httpStatus: 503, defaultMessage: "Please reduce your request rate.")
}
