import CChimera
import ChimeraPluginKit
import Crypto
import S3

/// What the front-end keeps beside an object's bytes: its ETag, the standard
/// headers and `x-amz-meta-*` it was stored with, and the size and mtime the
/// content had when the ETag was computed. A file changed since (written over
/// NFS) no longer matches that stamp, and gets a derived ETag instead.
///
/// Encoded as lines `<tag>:<text>` (header values never hold CR or LF;
/// keys are percent-encoded).
struct S3StoredMetadata: Equatable {
    /// The xattr that holds it.
    static let xattrName = "user.chimera.s3.meta"
    /// Headers kept with an object and sent back on GET / HEAD.
    static let standardHeaders = [
        "content-type", "content-encoding", "content-disposition", "content-language", "cache-control", "expires",
    ]
    /// The ETag of no bytes.
    static let emptyETag = "\"d41d8cd98f00b204e9800998ecf8427e\""

    var etag: String
    var size: UInt64 = 0
    var mtime = chimera_timespec()
    /// Standard headers (lowercase names) in `standardHeaders` order.
    var headers: [S3Field] = []
    var userMetadata: [S3Field] = []
    /// A multipart upload's key (upload records only).
    var key: String?
    /// The additional checksum as stored (algorithm name, base64).
    var checksum: S3Field?

    init(etag: String) { self.etag = etag }

    init(etag: String, metadata: S3ObjectMetadata) {
        self.etag = etag
        let values = [
            metadata.contentType, metadata.contentEncoding, metadata.contentDisposition, metadata.contentLanguage,
            metadata.cacheControl, metadata.expires,
        ]
        for (name, value) in zip(Self.standardHeaders, values) {
            if let value { headers.append(S3Field(name: name, value: value)) }
        }
        userMetadata = metadata.userMetadata.map { S3Field(name: $0.name, value: $0.value) }
    }

    /// Record the content's size and mtime as the ETag's stamp.
    mutating func stamp(_ attrs: chimera_attrs) {
        size = attrs.size
        mtime = attrs.mtime
    }

    /// Whether the stamp still describes a file with these attributes.
    func matches(_ attrs: chimera_attrs) -> Bool { attrs.size == size && attrs.mtime == mtime }

    /// The same metadata with other headers (CopyObject REPLACE).
    func replacing(with metadata: S3ObjectMetadata) -> S3StoredMetadata {
        var copy = S3StoredMetadata(etag: etag, metadata: metadata)
        copy.size = size
        copy.mtime = mtime
        copy.checksum = checksum
        return copy
    }

    var contentType: String {
        headers.first { $0.name == "content-type" }?.value ?? "binary/octet-stream"
    }

    /// A stable ETag for a file that has no valid stored one.
    static func derivedETag(_ attrs: chimera_attrs) -> String {
        var hash = SHA256()
        withUnsafeBytes(of: attrs.fileid.littleEndian) { hash.update(bufferPointer: $0) }
        withUnsafeBytes(of: attrs.mtime.sec.littleEndian) { hash.update(bufferPointer: $0) }
        withUnsafeBytes(of: attrs.mtime.nsec.littleEndian) { hash.update(bufferPointer: $0) }
        withUnsafeBytes(of: attrs.size.littleEndian) { hash.update(bufferPointer: $0) }
        let digest = Array(hash.finalize().prefix(16))
        return S3ETag.simple(md5: digest)
    }

    /// The object's ETag: the stored one while the stamp matches, else derived.
    static func etag(of metadata: S3StoredMetadata?, attrs: chimera_attrs) -> String {
        if let metadata, metadata.matches(attrs) { return metadata.etag }
        if attrs.size == 0 { return emptyETag }
        return derivedETag(attrs)
    }

    // MARK: Encoding

    func encoded() -> [UInt8] {
        var out = "v:1\ne:\(etag)\ns:\(size)\nt:\(mtime.sec).\(mtime.nsec)\n"
        for field in headers { out += "h:\(field.name):\(field.value)\n" }
        for field in userMetadata { out += "m:\(field.name):\(field.value)\n" }
        if let key { out += "k:\(S3PercentEncoding.encode(key))\n" }
        if let checksum { out += "c:\(checksum.name):\(checksum.value)\n" }
        return Array(out.utf8)
    }

    init?(decoding bytes: [UInt8]) {
        guard bytes.count <= 1 << 20, let text = String(validating: bytes, as: UTF8.self) else { return nil }
        var etag: String?
        var result = S3StoredMetadata(etag: "")
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { return nil }
            let tag = line[..<colon]
            let value = line[line.index(after: colon)...]
            switch tag {
            case "v": guard value == "1" else { return nil }
            case "e": etag = String(value)
            case "s": result.size = UInt64(value) ?? 0
            case "t":
                let parts = value.split(separator: ".")
                guard parts.count == 2, let sec = Int64(parts[0]), let nsec = UInt32(parts[1]) else { return nil }
                result.mtime = chimera_timespec(seconds: sec, nanoseconds: nsec)
            case "h", "m":
                guard let inner = value.firstIndex(of: ":") else { return nil }
                let field = S3Field(name: String(value[..<inner]), value: String(value[value.index(after: inner)...]))
                if tag == "h" { result.headers.append(field) } else { result.userMetadata.append(field) }
            case "k":
                guard let key = S3PercentEncoding.decode(value.utf8, plusIsSpace: false) else { return nil }
                result.key = key
            case "c":
                guard let inner = value.firstIndex(of: ":") else { return nil }
                result.checksum = S3Field(
                    name: String(value[..<inner]),
                    value: String(value[value.index(after: inner)...])
                )
            default: continue
            }
        }
        guard let etag else { return nil }
        result.etag = etag
        self = result
    }
}
