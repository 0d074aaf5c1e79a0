/// What identifies a retransmission of a call (RFC 5531 §9 leaves this to servers; this is what Linux's nfsd
/// and NFS-Ganesha use): the client's address, the xid, the program, version and procedure, and a checksum of
/// the arguments so a reused xid with other arguments is not mistaken for a retransmission.
public struct RPCRequestKey: Hashable, Sendable {
    public var client: RPCClientAddress
    public var xid: UInt32
    public var program: UInt32
    public var version: UInt32
    public var procedure: UInt32
    public var checksum: UInt64

    @inlinable
    public init(
        client: RPCClientAddress, xid: UInt32, program: UInt32, version: UInt32, procedure: UInt32, checksum: UInt64
    ) {
        self.client = client
        self.xid = xid
        self.program = program
        self.version = version
        self.procedure = procedure
        self.checksum = checksum
    }

    /// The key of a decoded call; `arguments` are the bytes after the header (the whole rest of the record).
    @inlinable
    public init(client: RPCClientAddress, header: RPCCallHeader, arguments: UnsafeRawBufferPointer) {
        self.init(
            client: client, xid: header.xid, program: header.program, version: header.version,
            procedure: header.procedure, checksum: RPCRequestKey.checksum(arguments))
    }

    /// How many leading argument bytes the checksum covers (Linux's nfsd covers 256 too): enough to tell
    /// different operations on the same xid apart without hashing whole WRITE payloads.
    public static var checksumPrefix: Int { 256 }

    /// A cheap checksum (FNV-1a, 64 bits, eight bytes at a step) of the first ``checksumPrefix`` bytes of the
    /// arguments, mixed with their full length.
    @inlinable
    public static func checksum(_ arguments: UnsafeRawBufferPointer) -> UInt64 {
        let prime: UInt64 = 0x0000_0100_0000_01b3
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(arguments.count)
        let covered = min(arguments.count, checksumPrefix)
        var offset = 0
        while offset + 8 <= covered {
            hash = (hash ^ arguments.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* prime
            offset += 8
        }
        while offset < covered {
            hash = (hash ^ UInt64(arguments[offset])) &* prime
            offset += 1
        }
        return hash
    }
}
