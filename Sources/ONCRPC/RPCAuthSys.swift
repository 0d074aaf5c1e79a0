import XDR

/// An AUTH_SYS credential (RFC 5531 Appendix A, `authsys_parms`), decoded without allocating: the machine name
/// is a view into the record and the groups are held inline.
public struct RPCAuthSys: Hashable {
    /// The most bytes of an `opaque_auth` body (RFC 5531 §8.2).
    public static var maxBodyLength: Int { 400 }
    /// The longest machine name.
    public static var maxMachineNameLength: UInt32 { 255 }

    public var stamp: UInt32
    /// The caller's host name, a view into the record.
    public var machineName: XDROpaque
    public var uid: UInt32
    public var gid: UInt32
    public var groups: RPCGroupList

    @inlinable
    public init(stamp: UInt32, machineName: XDROpaque, uid: UInt32, gid: UInt32, groups: RPCGroupList) {
        self.stamp = stamp
        self.machineName = machineName
        self.uid = uid
        self.gid = gid
        self.groups = groups
    }

    /// Decodes an AUTH_SYS credential body. The body must be exactly one `authsys_parms`: a longer machine
    /// name, more than 16 groups or bytes left over throw.
    @inlinable
    public init(body: XDROpaque) throws(XDRError) {
        var reader = XDRReader(body.bytes)
        let stamp = try reader.readUInt32()
        let machineName = try reader.readOpaque(maxLength: RPCAuthSys.maxMachineNameLength)
        let uid = try reader.readUInt32()
        let gid = try reader.readUInt32()
        let count = try reader.readCount(maxCount: UInt32(RPCGroupList.capacity), minElementSize: 4)
        var groups = RPCGroupList()
        for _ in 0..<count {
            groups.append(try reader.readUInt32())
        }
        guard reader.isAtEnd else { throw .trailingBytes(reader.remaining) }
        self.init(stamp: stamp, machineName: machineName, uid: uid, gid: gid, groups: groups)
    }

    /// The generated `authsys_parms` (allocates the gid array).
    public var parameters: RPCAuthsysParms {
        RPCAuthsysParms(stamp: stamp, machinename: machineName, uid: uid, gid: gid, gids: Array(groups))
    }

    /// The size of the encoded body.
    @inlinable
    public var xdrEncodedSize: Int { 16 + machineName.xdrEncodedSize + 4 * groups.count }

    /// Writes the credential body (what goes inside an `opaque_auth` whose flavor is AUTH_SYS).
    @inlinable
    public func encode(to writer: inout XDRWriter) throws(XDRError) {
        try writer.writeUInt32(stamp)
        try writer.writeOpaque(machineName, maxLength: RPCAuthSys.maxMachineNameLength)
        try writer.writeUInt32(uid)
        try writer.writeUInt32(gid)
        try writer.writeUInt32(UInt32(groups.count))
        for group in groups {
            try writer.writeUInt32(group)
        }
    }
}
