import Crypto

/// An incremental checksum of one of the `S3ChecksumAlgorithm`s.
public struct S3Checksum {
    private enum State {
        case crc32(UInt32)
        case crc32c(UInt32)
        case crc64(UInt64)
        case sha1(Insecure.SHA1)
        case sha256(SHA256)
    }

    public let algorithm: S3ChecksumAlgorithm
    private var state: State

    public init(_ algorithm: S3ChecksumAlgorithm) {
        self.algorithm = algorithm
        switch algorithm {
        case .crc32: state = .crc32(0)
        case .crc32c: state = .crc32c(0)
        case .crc64nvme: state = .crc64(0)
        case .sha1: state = .sha1(Insecure.SHA1())
        case .sha256: state = .sha256(SHA256())
        }
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        switch state {
        case .crc32(let crc): state = .crc32(S3CRC.crc32.update(crc, bytes))
        case .crc32c(let crc): state = .crc32c(S3CRC.crc32c.update(crc, bytes))
        case .crc64(let crc): state = .crc64(S3CRC64.nvme.update(crc, bytes))
        case .sha1(var hash):
            hash.update(bufferPointer: bytes)
            state = .sha1(hash)
        case .sha256(var hash):
            hash.update(bufferPointer: bytes)
            state = .sha256(hash)
        }
    }

    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The big-endian digest bytes.
    public func digest() -> [UInt8] {
        switch state {
        case .crc32(let crc), .crc32c(let crc):
            return [UInt8(truncatingIfNeeded: crc >> 24), UInt8(truncatingIfNeeded: crc >> 16),
                UInt8(truncatingIfNeeded: crc >> 8), UInt8(truncatingIfNeeded: crc)]
        case .crc64(let crc):
            return (0..<8).map { UInt8(truncatingIfNeeded: crc >> (56 - 8 * UInt64($0))) }
        case .sha1(let hash): return Array(hash.finalize())
        case .sha256(let hash): return Array(hash.finalize())
        }
    }

    /// The digest as S3 sends it: base64.
    public func base64Digest() -> String { S3Base64.encode(digest()) }
}

/// Table-driven reflected CRC-32 (slicing by 8).
struct S3CRC: Sendable {
    /// CRC-32 (ISO-HDLC), reflected polynomial 0xEDB88320.
    static let crc32 = S3CRC(polynomial: 0xEDB8_8320)
    /// CRC-32C (Castagnoli), reflected polynomial 0x82F63B78.
    static let crc32c = S3CRC(polynomial: 0x82F6_3B78)

    private let tables: [UInt32]  // 8 tables of 256

    init(polynomial: UInt32) {
        var tables = [UInt32](repeating: 0, count: 8 * 256)
        for i in 0..<256 {
            var crc = UInt32(i)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ polynomial : crc >> 1 }
            tables[i] = crc
        }
        for i in 0..<256 {
            for t in 1..<8 {
                let previous = tables[(t - 1) * 256 + i]
                tables[t * 256 + i] = (previous >> 8) ^ tables[Int(previous & 0xFF)]
            }
        }
        self.tables = tables
    }

    /// Continues `crc` (a finished value; 0 to start) over `bytes`.
    func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var c = ~crc
        tables.withUnsafeBufferPointer { t in
            var index = 0
            let count = bytes.count
            while count - index >= 8 {
                let lo = UInt32(bytes[index]) | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2]) << 16
                    | UInt32(bytes[index + 3]) << 24
                let hi = UInt32(bytes[index + 4]) | UInt32(bytes[index + 5]) << 8 | UInt32(bytes[index + 6]) << 16
                    | UInt32(bytes[index + 7]) << 24
                let x = c ^ lo
                c = t[7 * 256 + Int(x & 0xFF)] ^ t[6 * 256 + Int(x >> 8 & 0xFF)]
                    ^ t[5 * 256 + Int(x >> 16 & 0xFF)] ^ t[4 * 256 + Int(x >> 24)]
                    ^ t[3 * 256 + Int(hi & 0xFF)] ^ t[2 * 256 + Int(hi >> 8 & 0xFF)]
                    ^ t[1 * 256 + Int(hi >> 16 & 0xFF)] ^ t[Int(hi >> 24)]
                index += 8
            }
            while index < count {
                c = (c >> 8) ^ t[Int((c ^ UInt32(bytes[index])) & 0xFF)]
                index += 1
            }
        }
        return ~c
    }
}

/// Table-driven reflected CRC-64 (slicing by 8).
struct S3CRC64: Sendable {
    /// CRC-64/NVME, reflected polynomial 0x9A6C9329AC4BC9B5, init and xorout all ones.
    static let nvme = S3CRC64(polynomial: 0x9A6C_9329_AC4B_C9B5)

    private let tables: [UInt64]

    init(polynomial: UInt64) {
        var tables = [UInt64](repeating: 0, count: 8 * 256)
        for i in 0..<256 {
            var crc = UInt64(i)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ polynomial : crc >> 1 }
            tables[i] = crc
        }
        for i in 0..<256 {
            for t in 1..<8 {
                let previous = tables[(t - 1) * 256 + i]
                tables[t * 256 + i] = (previous >> 8) ^ tables[Int(previous & 0xFF)]
            }
        }
        self.tables = tables
    }

    func update(_ crc: UInt64, _ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var c = ~crc
        tables.withUnsafeBufferPointer { t in
            var index = 0
            let count = bytes.count
            while count - index >= 8 {
                var word: UInt64 = 0
                for k in 0..<8 { word |= UInt64(bytes[index + k]) << (8 * UInt64(k)) }
                let x = c ^ word
                c = t[7 * 256 + Int(x & 0xFF)] ^ t[6 * 256 + Int(x >> 8 & 0xFF)]
                    ^ t[5 * 256 + Int(x >> 16 & 0xFF)] ^ t[4 * 256 + Int(x >> 24 & 0xFF)]
                    ^ t[3 * 256 + Int(x >> 32 & 0xFF)] ^ t[2 * 256 + Int(x >> 40 & 0xFF)]
                    ^ t[1 * 256 + Int(x >> 48 & 0xFF)] ^ t[Int(x >> 56)]
                index += 8
            }
            while index < count {
                c = (c >> 8) ^ t[Int((c ^ UInt64(bytes[index])) & 0xFF)]
                index += 1
            }
        }
        return ~c
    }
}
