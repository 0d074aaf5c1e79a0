/// Percent-encoding as S3 and SigV4 use it.
///
/// AWS General Reference, "Create a canonical request" (UriEncode): every byte except the unreserved
/// characters `A-Z a-z 0-9 - _ . ~` is written `%XY` with uppercase hex; `/` is kept in the object key
/// part of a path and encoded everywhere else. S3 paths are encoded once, not twice as other services do.
public enum S3PercentEncoding {
    @inline(__always)
    static func isUnreserved(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
            UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    private static let upperHex: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// Appends the SigV4 `UriEncode` of `text` to `out`.
    static func append<Bytes: Sequence<UInt8>>(_ text: Bytes, keepSlash: Bool, to out: inout [UInt8]) {
        for c in text {
            if isUnreserved(c) || (keepSlash && c == UInt8(ascii: "/")) {
                out.append(c)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(upperHex[Int(c >> 4)])
                out.append(upperHex[Int(c & 0x0F)])
            }
        }
    }

    /// The SigV4 `UriEncode` of `text`. Also what `EncodingType=url` listings use for keys.
    public static func encode(_ text: String, keepSlash: Bool = false) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        append(text.utf8, keepSlash: keepSlash, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes `%XY` escapes (and `+` as a space when `plusIsSpace`, as in query strings).
    /// Returns nil on a truncated or non-hex escape, or when the result is not valid UTF-8.
    public static func decode<Bytes: Collection<UInt8>>(_ text: Bytes, plusIsSpace: Bool) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        var index = text.startIndex
        while index != text.endIndex {
            let c = text[index]
            if c == UInt8(ascii: "%") {
                let h = text.index(after: index)
                guard h != text.endIndex else { return nil }
                let l = text.index(after: h)
                guard l != text.endIndex, let hv = S3Hex.value(of: text[h]), let lv = S3Hex.value(of: text[l]) else {
                    return nil
                }
                out.append(hv << 4 | lv)
                index = text.index(after: l)
            } else {
                out.append(plusIsSpace && c == UInt8(ascii: "+") ? UInt8(ascii: " ") : c)
                index = text.index(after: index)
            }
        }
        return String(validating: out, as: UTF8.self)
    }
}
