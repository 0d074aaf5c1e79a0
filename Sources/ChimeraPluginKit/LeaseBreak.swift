import CChimera

/// What the core asks of a front-end that holds a lease for one of its
/// clients (`chimera_protocol_module.lease_break`, chimera_vfs.h "Open
/// state"): tell the client, and once it answers submit
/// `CHIMERA_VFS_OP_LEASE` at ``newLevel`` or lower. With ``revoked`` the
/// client did not answer in time and the lease is already lowered.
public struct LeaseBreak: Sendable, Equatable {
    public var client: UInt64
    /// `chimera_vfs_client_config.client_private` of the client.
    public var clientPrivate: UInt
    public var lease: UInt64
    public var oldLevel: UInt32
    public var newLevel: UInt32
    public var epoch: UInt32
    public var revoked: Bool
    public var leaseKey: [UInt8]
    /// The object's wire handle.
    public var handle: [UInt8]

    public init(
        client: UInt64, clientPrivate: UInt, lease: UInt64, oldLevel: UInt32, newLevel: UInt32, epoch: UInt32,
        revoked: Bool, leaseKey: [UInt8], handle: [UInt8]
    ) {
        self.client = client
        self.clientPrivate = clientPrivate
        self.lease = lease
        self.oldLevel = oldLevel
        self.newLevel = newLevel
        self.epoch = epoch
        self.revoked = revoked
        self.leaseKey = leaseKey
        self.handle = handle
    }

    public init(_ notice: UnsafePointer<chimera_vfs_lease_break>) {
        let n = notice.pointee
        let key = withUnsafeBytes(of: n.lease_key) { Array($0) }
        let handle = withUnsafeBytes(of: n.fh) { Array($0.prefix(min(Int(n.fh_len), Int(CHIMERA_FH_MAX)))) }
        self.init(
            client: n.client, clientPrivate: UInt(bitPattern: n.client_private), lease: n.lease,
            oldLevel: n.old_level, newLevel: n.new_level, epoch: n.epoch,
            revoked: n.flags & CHIMERA_VFS_BREAK_REVOKED != 0, leaseKey: key, handle: handle)
    }

    /// Fill the C form (for the host).
    public func write(to notice: UnsafeMutablePointer<chimera_vfs_lease_break>) {
        notice.initialize(to: chimera_vfs_lease_break())
        notice.pointee.struct_size = UInt32(MemoryLayout<chimera_vfs_lease_break>.size)
        notice.pointee.flags = revoked ? CHIMERA_VFS_BREAK_REVOKED : 0
        notice.pointee.client = client
        notice.pointee.client_private = UnsafeMutableRawPointer(bitPattern: clientPrivate)
        notice.pointee.lease = lease
        notice.pointee.old_level = oldLevel
        notice.pointee.new_level = newLevel
        notice.pointee.epoch = epoch
        withUnsafeMutableBytes(of: &notice.pointee.lease_key) { out in
            leaseKey.withUnsafeBytes { out.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0.prefix(out.count))) }
        }
        let length = min(handle.count, Int(CHIMERA_FH_MAX))
        withUnsafeMutableBytes(of: &notice.pointee.fh) { out in
            handle.withUnsafeBytes { out.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0.prefix(length))) }
        }
        notice.pointee.fh_len = UInt32(length)
    }
}
