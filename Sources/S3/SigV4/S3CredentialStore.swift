/// The access keys the server accepts and their secret keys.
public struct S3CredentialStore: Sendable {
    private var secrets: [String: String]

    public init(_ secrets: [String: String] = [:]) { self.secrets = secrets }

    public mutating func add(accessKey: String, secretKey: String) { secrets[accessKey] = secretKey }

    /// The secret key of `accessKey`, or nil when it is unknown.
    public func secretKey(for accessKey: String) -> String? { secrets[accessKey] }

    public var isEmpty: Bool { secrets.isEmpty }
}
