/// Bucket naming rules (Amazon S3 User Guide, "Bucket naming rules", general purpose buckets):
/// 3–63 characters of lowercase letters, digits, `.` and `-`; begins and ends with a letter or digit; no
/// `..`; not an IPv4 address; not the reserved prefixes `xn--`, `sthree-`, `amzn-s3-demo-` or suffixes
/// `-s3alias`, `--ol-s3`, `.mrap`, `--x-s3`.
public enum S3BucketName {
    /// Throws InvalidBucketName unless `name` follows the rules.
    public static func validate(_ name: String) throws(S3Error) {
        guard isValid(name) else { throw S3Error(.invalidBucketName, resource: String(name.prefix(80))) }
    }

    public static func isValid(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (3...63).contains(bytes.count) else { return false }
        for b in bytes {
            let ok =
                (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9"))
                || b == UInt8(ascii: ".") || b == UInt8(ascii: "-")
            if !ok { return false }
        }
        guard let first = bytes.first, let last = bytes.last, isAlphanumeric(first), isAlphanumeric(last) else {
            return false
        }
        if name.contains("..") { return false }
        for prefix in ["xn--", "sthree-", "amzn-s3-demo-"] where name.hasPrefix(prefix) { return false }
        for suffix in ["-s3alias", "--ol-s3", ".mrap", "--x-s3"] where name.hasSuffix(suffix) { return false }
        let octets = name.split(separator: ".", omittingEmptySubsequences: false)
        if octets.count == 4, octets.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) }) { return false }
        return true
    }

    private static func isAlphanumeric(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9"))
    }
}
