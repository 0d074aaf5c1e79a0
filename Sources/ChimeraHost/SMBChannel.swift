#if canImport(Glibc)
import Glibc
#endif
import ChimeraPluginKit

/// One interface the SMB front-end advertises for SMB3 multichannel
/// (MS-SMB2 2.2.32.5, NETWORK_INTERFACE_INFO): `server.smb_multichannel`
/// entries, validated here and kept for the SMB front-end.
public struct SMBChannel: Sendable, Equatable {
    /// An IPv4 or IPv6 address, as written in the config.
    public var address: String
    /// The link speed the config states, in the units the original used
    /// (Gbit/s); only its sign is checked.
    public var speed: Double

    /// Read one `smb_multichannel` entry at `key` (e.g. `server.smb_multichannel[0]`).
    static func parse(_ value: JSONValue, key: String) throws(PluginError) -> SMBChannel {
        guard case .object(let values) = value else {
            throw PluginError("\(key): expected an object with address and speed, found \(value.kind)")
        }
        let object = ConfigObject(path: key, values: values)
        try object.rejectUnknownKeys(["address", "speed"])
        let address = try object.requiredString("address")
        guard isIPAddress(address) else {
            throw PluginError("\(key).address: expected an IPv4 or IPv6 address, found \"\(address)\"")
        }
        let speed: Double
        switch values["speed"] {
        case .integer(let i)?: speed = Double(i)
        case .number(let d)?: speed = d
        case nil: throw PluginError("\(key).speed: missing (expected a positive number)")
        case let other?: throw PluginError("\(key).speed: expected a positive number, found \(other.kind)")
        }
        guard speed > 0, speed.isFinite else {
            throw PluginError("\(key).speed: expected a positive number, found \(speed)")
        }
        return SMBChannel(address: address, speed: speed)
    }

    static func isIPAddress(_ text: String) -> Bool {
        // Room for an in6_addr (16 bytes), which also holds an in_addr.
        var address = (UInt64(0), UInt64(0))
        return withUnsafeMutableBytes(of: &address) { raw in
            inet_pton(AF_INET, text, raw.baseAddress) == 1 || inet_pton(AF_INET6, text, raw.baseAddress) == 1
        }
    }
}
