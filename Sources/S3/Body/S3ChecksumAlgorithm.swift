/// The additional checksums S3 accepts in `x-amz-checksum-*` headers and aws-chunked trailers.
///
/// Amazon S3 User Guide, "Checking object integrity": CRC-32, CRC-32C, CRC-64/NVME, SHA-1, SHA-256,
/// each sent as the base64 of the big-endian digest.
public enum S3ChecksumAlgorithm: String, CaseIterable, Hashable, Sendable {
    case crc32 = "CRC32"
    case crc32c = "CRC32C"
    case crc64nvme = "CRC64NVME"
    case sha1 = "SHA1"
    case sha256 = "SHA256"

    /// `x-amz-checksum-crc32`, ...: the header (and trailer) that carries the value.
    public var headerName: String { "x-amz-checksum-" + rawValue.lowercased() }

    /// The algorithm whose header is `name` (lowercase), or nil.
    public init?(headerName name: String) {
        guard let match = S3ChecksumAlgorithm.allCases.first(where: { $0.headerName == name }) else { return nil }
        self = match
    }

    /// The algorithm named by `x-amz-sdk-checksum-algorithm` / `x-amz-checksum-algorithm` (any case).
    public init?(name: String) {
        guard let match = S3ChecksumAlgorithm(rawValue: name.uppercased()) else { return nil }
        self = match
    }

    /// Digest length in bytes.
    public var digestCount: Int {
        switch self {
        case .crc32, .crc32c: return 4
        case .crc64nvme: return 8
        case .sha1: return 20
        case .sha256: return 32
        }
    }
}
