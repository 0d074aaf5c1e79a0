import Crypto

/// Derived SigV4 signing keys, kept per (secret, date, region) because deriving one costs four HMACs
/// and a key serves every request of that day.
///
/// AWS General Reference, "Calculate the signature for AWS Signature Version 4" (derive a signing key):
/// kDate = HMAC("AWS4" + secret, date), kRegion = HMAC(kDate, region), kService = HMAC(kRegion, service),
/// kSigning = HMAC(kService, "aws4_request").
///
/// Not thread-safe: keep one per loop thread (the verifier that owns it is not `Sendable`).
public final class S3SigningKeyCache {
    private struct Key: Hashable {
        var secret: String
        var date: String
        var region: String
        var service: String
    }

    private var keys: [Key: SymmetricKey] = [:]
    private let capacity: Int

    public init(capacity: Int = 64) { self.capacity = max(1, capacity) }

    public func signingKey(secret: String, date: String, region: String, service: String = "s3") -> SymmetricKey {
        let key = Key(secret: secret, date: date, region: region, service: service)
        if let cached = keys[key] { return cached }
        let derived = S3SigningKeyCache.derive(secret: secret, date: date, region: region, service: service)
        // Keys change once a day per credential; dropping everything when full is simple and bounded.
        if keys.count >= capacity { keys.removeAll(keepingCapacity: true) }
        keys[key] = derived
        return derived
    }

    public var count: Int { keys.count }

    static func derive(secret: String, date: String, region: String, service: String) -> SymmetricKey {
        let kSecret = SymmetricKey(data: Array(("AWS4" + secret).utf8))
        let kDate = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Array(date.utf8), using: kSecret))
        let kRegion = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Array(region.utf8), using: kDate))
        let kService = SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Array(service.utf8), using: kRegion))
        return SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Array("aws4_request".utf8), using: kService))
    }
}
