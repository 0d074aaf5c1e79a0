import ONCRPC

/// Client addresses an export admits: one address, a CIDR block (`10.0.0.0/8`, `fd00::/8`) or `*` for every
/// client. IPv4 ranges are held as IPv4-mapped IPv6 ranges, so one 128-bit comparison serves both families
/// (a peer the host reports as `::ffff:127.0.0.1` is the same client as `127.0.0.1`).
struct ClientRange: Hashable, Sendable, CustomStringConvertible {
    /// The network, already masked to `prefixLength` bits.
    let network: RPCClientAddress
    /// Leading bits that must match (0 ... 128).
    let prefixLength: Int
    /// As written in the config, for EXPORT replies and messages.
    let text: String

    /// Every client.
    static let any = ClientRange(network: RPCClientAddress(high: 0, low: 0), prefixLength: 0, text: "*")

    /// Loopback clients: what an export admits when the config lists none.
    static let loopback: [ClientRange] = [
        ClientRange(network: RPCClientAddress(ipv4: 0x7f00_0000), prefixLength: 96 + 8, text: "127.0.0.0/8"),
        ClientRange(network: RPCClientAddress(high: 0, low: 1), prefixLength: 128, text: "::1/128"),
    ]

    private init(network: RPCClientAddress, prefixLength: Int, text: String) {
        self.network = ClientRange.masked(network, prefixLength)
        self.prefixLength = prefixLength
        self.text = text
    }

    /// Parses `*`, an address, or `address/bits`; nil when it is none of these.
    init?(parsing text: String) {
        if text == "*" {
            self = .any
            return
        }
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = RPCClientAddress(String(parts[0])) else { return nil }
        let isIPv4 = !parts[0].contains(":")
        let width = isIPv4 ? 32 : 128
        var bits = width
        if parts.count == 2 {
            guard let parsed = Int(parts[1]), parsed >= 0, parsed <= width, !parts[1].hasPrefix("+") else {
                return nil
            }
            bits = parsed
        }
        self.init(network: address, prefixLength: isIPv4 ? 96 + bits : bits, text: text)
    }

    /// Whether `address` lies in the range.
    @inline(__always)
    func contains(_ address: RPCClientAddress) -> Bool {
        ClientRange.masked(address, prefixLength) == network
    }

    var description: String { text }

    @inline(__always)
    static func masked(_ address: RPCClientAddress, _ bits: Int) -> RPCClientAddress {
        if bits <= 0 { return RPCClientAddress(high: 0, low: 0) }
        if bits >= 128 { return address }
        if bits <= 64 {
            let mask: UInt64 = bits == 64 ? .max : ~(UInt64.max >> UInt64(bits))
            return RPCClientAddress(high: address.high & mask, low: 0)
        }
        let mask: UInt64 = ~(UInt64.max >> UInt64(bits - 64))
        return RPCClientAddress(high: address.high, low: address.low & mask)
    }
}
