/// Standard base64 (RFC 4648 §4) with padding: Content-MD5, x-amz-checksum-* values and continuation tokens.
enum S3Base64 {
    private static let alphabet: [UInt8] = Array(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var iterator = bytes.makeIterator()
        while let b0 = iterator.next() {
            let b1 = iterator.next()
            let b2 = iterator.next()
            let n = UInt32(b0) << 16 | UInt32(b1 ?? 0) << 8 | UInt32(b2 ?? 0)
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            out.append(b1 == nil ? UInt8(ascii: "=") : alphabet[Int(n >> 6 & 63)])
            out.append(b2 == nil ? UInt8(ascii: "=") : alphabet[Int(n & 63)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    @inline(__always)
    private static func value(of c: UInt8) -> UInt32? {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return UInt32(c - UInt8(ascii: "A"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return UInt32(c - UInt8(ascii: "a") + 26)
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt32(c - UInt8(ascii: "0") + 52)
        case UInt8(ascii: "+"): return 62
        case UInt8(ascii: "/"): return 63
        default: return nil
        }
    }

    /// Strict decoding: length a multiple of 4, padding only at the end, no whitespace.
    /// `maxDecodedCount` bounds the work done on hostile input.
    static func decode(_ text: String, maxDecodedCount: Int = 1 << 16) -> [UInt8]? {
        let bytes = Array(text.utf8)
        guard bytes.count % 4 == 0, bytes.count / 4 * 3 <= maxDecodedCount + 2 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count / 4 * 3)
        var index = 0
        while index < bytes.count {
            let isLast = index + 4 == bytes.count
            let c2 = bytes[index + 2]
            let c3 = bytes[index + 3]
            guard let v0 = value(of: bytes[index]), let v1 = value(of: bytes[index + 1]) else { return nil }
            if isLast && c2 == UInt8(ascii: "=") {
                guard c3 == UInt8(ascii: "="), v1 & 0x0F == 0 else { return nil }
                out.append(UInt8(truncatingIfNeeded: v0 << 2 | v1 >> 4))
            } else if isLast && c3 == UInt8(ascii: "=") {
                guard let v2 = value(of: c2), v2 & 0x03 == 0 else { return nil }
                let n = v0 << 18 | v1 << 12 | v2 << 6
                out.append(UInt8(truncatingIfNeeded: n >> 16))
                out.append(UInt8(truncatingIfNeeded: n >> 8))
            } else {
                guard let v2 = value(of: c2), let v3 = value(of: c3) else { return nil }
                let n = v0 << 18 | v1 << 12 | v2 << 6 | v3
                out.append(UInt8(truncatingIfNeeded: n >> 16))
                out.append(UInt8(truncatingIfNeeded: n >> 8))
                out.append(UInt8(truncatingIfNeeded: n))
            }
            index += 4
        }
        return out
    }
}
