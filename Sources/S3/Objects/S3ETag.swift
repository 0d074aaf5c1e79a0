import Crypto

/// Entity tags as S3 computes them.
///
/// Amazon S3 API Reference, "Common Response Headers" (ETag) and "CompleteMultipartUpload": a simple
/// upload's ETag is the hex MD5 of its content; a multipart upload's is the hex MD5 of the concatenated
/// binary MD5s of its parts, then `-<part count>`. Both are sent quoted.
public enum S3ETag {
    /// `"<hex md5>"`.
    public static func simple(md5: [UInt8]) -> String { "\"" + S3Hex.encode(md5) + "\"" }

    /// The ETag of `bytes` stored in one PUT.
    public static func simple(of bytes: [UInt8]) -> String { simple(md5: Array(Insecure.MD5.hash(data: bytes))) }

    /// `"<hex md5 of the part md5s>-<count>"`.
    public static func multipart(partMD5s: [[UInt8]]) -> String {
        var md5 = Insecure.MD5()
        for part in partMD5s { md5.update(data: part) }
        return "\"" + S3Hex.encode(md5.finalize()) + "-" + String(partMD5s.count) + "\""
    }

    /// The ETag without its quotes (and without a `W/` weak prefix), for comparisons.
    public static func unquoted(_ etag: String) -> Substring {
        var view = Substring(etag).trimmingSpacesSubstring()
        if view.hasPrefix("W/") { view = view.dropFirst(2) }
        if view.count >= 2, view.first == "\"", view.last == "\"" { view = view.dropFirst().dropLast() }
        return view
    }

    /// The part MD5 an ETag of a simple upload or part carries, or nil when it is not 32 hex digits.
    public static func md5(of etag: String) -> [UInt8]? { S3Hex.decode(unquoted(etag).utf8, count: 16) }
}

extension Substring {
    func trimmingSpacesSubstring() -> Substring {
        var view = self
        while view.first == " " || view.first == "\t" { view = view.dropFirst() }
        while view.last == " " || view.last == "\t" { view = view.dropLast() }
        return view
    }
}
