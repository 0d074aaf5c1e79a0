import XDR

/// Encodes a successful READDIR or READDIRPLUS reply entry by entry, straight into the reply buffer
/// (RFC 1813 §3.3.16, §3.3.17), keeping the client's limits:
///
/// - `count` (READDIR) and `maxcount` (READDIRPLUS) bound the whole `READDIR3resok` / `READDIRPLUS3resok`,
///   XDR overhead included: directory attributes, verifier, every entry, the end of the list and `eof`.
/// - `dircount` (READDIRPLUS) bounds the directory information alone: per entry what a READDIR entry takes
///   (the list's value-follows word, fileid, name, cookie), not the attributes or handle.
///
/// ``append(fileid:name:cookie:)`` (or the READDIRPLUS variant) writes an entry only if it fits both limits
/// and the buffer, and answers ``AppendResult/full`` otherwise, writing nothing: the caller stops there and
/// calls ``finish(eof:)`` with eof false. When not even the first entry fits, the reply should be
/// NFS3ERR_TOOSMALL instead (``entryCount`` is 0).
public struct NFS3DirectoryReplyEncoder {
    /// Whether an entry was written.
    public enum AppendResult: Hashable, Sendable {
        case appended
        /// The entry does not fit a limit or the buffer; nothing was written.
        case full
    }

    /// The end of the list (a FALSE value-follows word) and `eof`.
    public static var trailerSize: Int { 8 }

    @usableFromInline
    internal var writer: XDRWriter
    @usableFromInline
    internal let isPlus: Bool
    /// The writer position entries must end before, leaving room for the trailer.
    @usableFromInline
    internal let entryLimit: Int
    @usableFromInline
    internal let directoryLimit: Int
    @usableFromInline
    internal var directoryBytes = 0

    @usableFromInline
    internal var storedEntryCount = 0

    /// The entries written so far.
    @inlinable
    public var entryCount: Int { storedEntryCount }

    /// Starts a READDIR reply at the writer's position: status NFS3_OK, the directory's attributes and the
    /// cookie verifier. `count` is the client's READDIR3args.count. Throws ``XDRError/bufferTooSmall(needed:available:)``
    /// when not even an empty list fits `count` or the buffer (reply NFS3ERR_TOOSMALL then).
    @inlinable
    public init(
        readdirInto writer: XDRWriter,
        count: UInt32,
        directoryAttributes: NFS3PostOpAttr,
        cookieVerifier: NFS3Cookieverf
    ) throws(XDRError) {
        try self.init(
            writer: writer, isPlus: false, maxcount: count, dircount: .max, directoryAttributes: directoryAttributes,
            cookieVerifier: cookieVerifier)
    }

    /// Starts a READDIRPLUS reply; `dircount` and `maxcount` are the client's READDIRPLUS3args.
    @inlinable
    public init(
        readdirplusInto writer: XDRWriter,
        dircount: UInt32,
        maxcount: UInt32,
        directoryAttributes: NFS3PostOpAttr,
        cookieVerifier: NFS3Cookieverf
    ) throws(XDRError) {
        try self.init(
            writer: writer, isPlus: true, maxcount: maxcount, dircount: dircount,
            directoryAttributes: directoryAttributes, cookieVerifier: cookieVerifier)
    }

    @inlinable
    internal init(
        writer: XDRWriter,
        isPlus: Bool,
        maxcount: UInt32,
        dircount: UInt32,
        directoryAttributes: NFS3PostOpAttr,
        cookieVerifier: NFS3Cookieverf
    ) throws(XDRError) {
        let start = writer.position
        // The count covers the resok structure, which starts after the 4-byte status.
        let resokLimit = start + 4 + Int(maxcount)
        let limit = min(resokLimit, writer.capacity)
        let header = 4 + directoryAttributes.xdrEncodedSize + 8
        guard start + header + NFS3DirectoryReplyEncoder.trailerSize <= limit else {
            throw .bufferTooSmall(needed: header + NFS3DirectoryReplyEncoder.trailerSize, available: limit - start)
        }
        var writer = writer
        try writer.writeInt32(NFS3Nfsstat.ok.rawValue)
        try directoryAttributes.encode(to: &writer)
        try writer.writeFixedOpaque(cookieVerifier)
        self.writer = writer
        self.isPlus = isPlus
        self.entryLimit = limit - NFS3DirectoryReplyEncoder.trailerSize
        self.directoryLimit = Int(dircount)
    }

    /// The directory-information size of an entry (what `dircount` counts).
    @inlinable
    public static func directorySize(nameLength: Int) -> Int {
        4 + 8 + 4 + XDRWriter.paddedLength(nameLength) + 8
    }

    /// Appends a READDIR `entry3`.
    @inlinable
    public mutating func append(fileid: UInt64, name: XDROpaque, cookie: UInt64) throws(XDRError) -> AppendResult {
        precondition(!isPlus, "a READDIRPLUS reply takes attributes and a handle per entry")
        let size = NFS3DirectoryReplyEncoder.directorySize(nameLength: name.count)
        guard writer.position + size <= entryLimit else { return .full }
        try writeDirectoryPart(fileid: fileid, name: name, cookie: cookie)
        storedEntryCount += 1
        return .appended
    }

    /// Appends a READDIRPLUS `entryplus3`.
    @inlinable
    public mutating func append(
        fileid: UInt64,
        name: XDROpaque,
        cookie: UInt64,
        attributes: NFS3PostOpAttr,
        handle: NFS3PostOpFh
    ) throws(XDRError) -> AppendResult {
        precondition(isPlus, "a READDIR reply has no attributes or handles per entry")
        let directory = NFS3DirectoryReplyEncoder.directorySize(nameLength: name.count)
        let size = directory + attributes.xdrEncodedSize + handle.xdrEncodedSize
        guard writer.position + size <= entryLimit, directoryBytes + directory <= directoryLimit else {
            return .full
        }
        try writeDirectoryPart(fileid: fileid, name: name, cookie: cookie)
        try attributes.encode(to: &writer)
        try handle.encode(to: &writer)
        directoryBytes += directory
        storedEntryCount += 1
        return .appended
    }

    @inlinable
    internal mutating func writeDirectoryPart(fileid: UInt64, name: XDROpaque, cookie: UInt64) throws(XDRError) {
        try writer.writeBool(true)
        try writer.writeUInt64(fileid)
        try writer.writeOpaque(name)
        try writer.writeUInt64(cookie)
    }

    /// Ends the list and writes `eof` (true only when the last entry of the directory was written); returns
    /// the writer, positioned after the reply.
    @inlinable
    public consuming func finish(eof: Bool) throws(XDRError) -> XDRWriter {
        try writer.writeBool(false)
        try writer.writeBool(eof)
        return writer
    }
}
