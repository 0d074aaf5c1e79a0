/// `Credential=<access key>/<yyyymmdd>/<region>/<service>/aws4_request`, split.
///
/// Amazon S3 API Reference, "Authenticating Requests: Using the Authorization Header (AWS Signature Version 4)".
public struct S3SigV4Credential: Hashable, Sendable {
    public var accessKey: String
    /// `yyyymmdd`.
    public var date: String
    public var region: String
    public var service: String

    /// `<date>/<region>/<service>/aws4_request`: the credential scope of the string to sign.
    public var scope: String { "\(date)/\(region)/\(service)/aws4_request" }

    /// Parses the credential; `malformed` is the error to throw (header or query flavour).
    init(parsing text: Substring, malformed: S3ErrorCode) throws(S3Error) {
        let parts = text.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).map {
            Substring($0)
        }
        // The access key may not contain "/", so exactly five parts.
        guard parts.count == 5, !parts[0].isEmpty else {
            throw S3Error(malformed, "Error parsing the Credential: \(text.prefix(200))")
        }
        guard parts[4] == "aws4_request" else {
            throw S3Error(malformed, "Credential should be scoped with a valid terminator: 'aws4_request', not '\(parts[4].prefix(64))'.")
        }
        guard parts[1].utf8.count == 8, parts[1].utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
            throw S3Error(malformed, "Invalid credential date \"\(parts[1].prefix(32))\". This date is not the same as X-Amz-Date: \"\".")
        }
        guard parts[3] == "s3" else {
            throw S3Error(malformed, "Credential should be scoped to correct service: 's3'.")
        }
        guard !parts[2].isEmpty, parts[2].utf8.count <= 64 else {
            throw S3Error(malformed, "Credential should be scoped to a valid region.")
        }
        accessKey = String(parts[0])
        date = String(parts[1])
        region = String(parts[2])
        service = String(parts[3])
    }

    public init(accessKey: String, date: String, region: String, service: String = "s3") {
        self.accessKey = accessKey
        self.date = date
        self.region = region
        self.service = service
    }
}
