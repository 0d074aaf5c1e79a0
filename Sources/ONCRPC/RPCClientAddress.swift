#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A client's network address as 128 bits (IPv4 as an IPv4-mapped IPv6 address), without the port: a client
/// that reconnects from another port after a timeout is still the same client to the duplicate request cache.
public struct RPCClientAddress: Hashable, Sendable, CustomStringConvertible {
    public var high: UInt64
    public var low: UInt64

    @inlinable
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// An IPv4 address, host byte order (`127.0.0.1` is `0x7f00_0001`).
    @inlinable
    public init(ipv4: UInt32) {
        self.init(high: 0, low: 0x0000_ffff_0000_0000 | UInt64(ipv4))
    }

    /// Parses `127.0.0.1` or `::1`, as the host's `peer_address` spells it; nil for anything else.
    public init?(_ text: String) {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            self.init(ipv4: UInt32(bigEndian: v4.s_addr))
            return
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        withUnsafeBytes(of: &v6) { bytes in
            for index in 0..<8 {
                high = high << 8 | UInt64(bytes[index])
                low = low << 8 | UInt64(bytes[8 + index])
            }
        }
        self.init(high: high, low: low)
    }

    public var description: String {
        if high == 0 && low >> 32 == 0x0000_ffff {
            let v4 = UInt32(truncatingIfNeeded: low)
            return "\(v4 >> 24).\(v4 >> 16 & 0xff).\(v4 >> 8 & 0xff).\(v4 & 0xff)"
        }
        let words = (0..<8).map { index -> String in
            let word = index < 4 ? high >> (48 - 16 * UInt64(index)) : low >> (48 - 16 * UInt64(index - 4))
            return String(UInt16(truncatingIfNeeded: word), radix: 16)
        }
        return words.joined(separator: ":")
    }
}
