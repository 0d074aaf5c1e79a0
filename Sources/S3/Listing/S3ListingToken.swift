/// ListObjectsV2 continuation tokens: opaque to clients, here the base64 of a version byte and the last key
/// or common prefix returned.
public enum S3ListingToken {
    private static let version: UInt8 = 1

    public static func encode(lastKey: String) -> String {
        S3Base64.encode([version] + Array(lastKey.utf8))
    }

    /// The key a token names. Throws InvalidArgument for a token this server did not make.
    public static func decode(_ token: String) throws(S3Error) -> String {
        guard token.utf8.count <= 4 * 1100,
            let bytes = S3Base64.decode(token, maxDecodedCount: 1100), bytes.first == version,
            let key = String(validating: bytes.dropFirst(), as: UTF8.self)
        else {
            throw S3Error(
                .invalidArgument, "The continuation token provided is incorrect",
                details: [.init("ArgumentName", "continuation-token")])
        }
        return key
    }
}
