import ONCRPC
import XDR

/// The part of a successful READ reply that precedes the data (RFC 1813 §3.3.6, `READ3res` with `NFS3_OK`):
/// status, `post_op_attr file_attributes`, `count`, `eof`, then the length word of `opaque data<>`.
///
/// The plugin reads file data straight into the reply buffer at a chosen offset and writes this header (and
/// the RPC reply header) in the space in front of it afterwards, when count and eof are known:
///
///     let dataOffset = NFS3ReadReplyHeader.maxReplyPrefixSize   // 128: room for the largest prefix
///     // ... the VFS reads `n` bytes to buffer[dataOffset ..< dataOffset + n] ...
///     let header = NFS3ReadReplyHeader(attributes: attributes, count: n, eof: eof)
///     let start = try header.encodeReplyPrefix(xid: call.xid, endingAt: dataOffset, in: &writer)
///     try writer.seek(to: dataOffset + Int(n))
///     try writer.writePadding(forLength: Int(n))
///     // the reply is buffer[start ..< writer.position]; start is 0 when attributes are present
public struct NFS3ReadReplyHeader: Hashable, Sendable {
    public var attributes: NFS3PostOpAttr
    /// The number of bytes read, which is also the length of `data`.
    public var count: UInt32
    public var eof: Bool

    @inlinable
    public init(attributes: NFS3PostOpAttr, count: UInt32, eof: Bool) {
        self.attributes = attributes
        self.count = count
        self.eof = eof
    }

    /// The largest header: status, attributes present (4 + 84), count, eof, data length.
    public static var maxEncodedSize: Int { 4 + 88 + 4 + 4 + 4 }

    /// The largest RPC reply header plus READ header with an AUTH_NONE verifier: where to put the data so the
    /// reply starts at offset 0 when attributes are returned.
    public static var maxReplyPrefixSize: Int { RPCReplyHeader.successSize() + maxEncodedSize }

    /// This header's size.
    @inlinable
    public var encodedSize: Int { 4 + attributes.xdrEncodedSize + 12 }

    /// Writes status NFS3_OK, the attributes, count, eof and the data length at the writer's position.
    @inlinable
    public func encode(to writer: inout XDRWriter) throws(XDRError) {
        try writer.ensureSpace(encodedSize)
        try writer.writeInt32(NFS3Nfsstat.ok.rawValue)
        try attributes.encode(to: &writer)
        try writer.writeUInt32(count)
        try writer.writeBool(eof)
        try writer.writeUInt32(count)
    }

    /// Writes the RPC success header and this header so that they end exactly at `dataOffset`, and returns
    /// where the reply starts. Leaves the writer at `dataOffset`.
    @inlinable
    public func encodeReplyPrefix(
        xid: UInt32,
        verifier: RPCOpaqueAuth = RPCReplyHeader.noneVerifier,
        endingAt dataOffset: Int,
        in writer: inout XDRWriter
    ) throws(XDRError) -> Int {
        let prefix = RPCReplyHeader.successSize(verifier: verifier) + encodedSize
        guard dataOffset >= prefix else {
            throw .bufferTooSmall(needed: prefix, available: dataOffset)
        }
        let start = dataOffset - prefix
        try writer.seek(to: start)
        try RPCReplyHeader.encodeSuccess(xid: xid, verifier: verifier, to: &writer)
        try encode(to: &writer)
        return start
    }
}
