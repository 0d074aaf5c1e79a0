/// How an export maps the identities clients claim (exports(5): `root_squash`, `all_squash`, `anonuid`,
/// `anongid`). A pure function of the credential; the export table decides which policy applies.
public struct RPCSquashPolicy: Hashable, Sendable {
    public enum Mode: Hashable, Sendable {
        /// Identities pass through (`no_root_squash`).
        case none
        /// uid 0 becomes the anonymous uid, gid 0 the anonymous gid, in the primary gid and in the groups.
        case root
        /// Every caller is the anonymous identity.
        case all
    }

    public var mode: Mode
    public var anonymousUID: UInt32
    public var anonymousGID: UInt32

    /// `root_squash` with the customary `nobody`/`nogroup` ids, as exports(5) defaults to.
    @inlinable
    public init(mode: Mode = .root, anonymousUID: UInt32 = 65534, anonymousGID: UInt32 = 65534) {
        self.mode = mode
        self.anonymousUID = anonymousUID
        self.anonymousGID = anonymousGID
    }

    /// The anonymous identity: the anonymous uid and gid, no groups.
    @inlinable
    public var anonymous: RPCIdentity {
        RPCIdentity(uid: anonymousUID, gid: anonymousGID)
    }

    /// `identity` after the policy.
    @inlinable
    public func apply(to identity: RPCIdentity) -> RPCIdentity {
        switch mode {
        case .none:
            return identity
        case .all:
            return anonymous
        case .root:
            var squashed = identity
            if squashed.uid == 0 {
                squashed.uid = anonymousUID
            }
            if squashed.gid == 0 {
                squashed.gid = anonymousGID
            }
            if squashed.groups.contains(0) {
                squashed.groups = RPCGroupList(identity.groups.map { $0 == 0 ? anonymousGID : $0 })
            }
            return squashed
        }
    }
}
