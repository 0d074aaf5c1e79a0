/// Who a call acts as: a uid, a primary gid and supplementary groups.
public struct RPCIdentity: Hashable, Sendable {
    public var uid: UInt32
    public var gid: UInt32
    public var groups: RPCGroupList

    @inlinable
    public init(uid: UInt32, gid: UInt32, groups: RPCGroupList = RPCGroupList()) {
        self.uid = uid
        self.gid = gid
        self.groups = groups
    }
}
