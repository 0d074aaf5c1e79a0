import CChimera
import ChimeraPluginKit
import S3
import Synchronization

/// The `chimera_cred` each S3 request carries (ABI 1.1), chosen per request
/// by the key that signed it: a mapped key acts as its `uid`/`gid`/`groups`,
/// an unmapped key as the owner of the bucket's directory (what GETATTR
/// reports for it), anonymous reads as `anonymous_uid`/`anonymous_gid`.
/// Every credential, its `all_groups` and its principal live as long as the
/// plugin: in-flight requests point at them. `@unchecked Sendable`: the
/// pointers are written once in `init` (or under the lock) and only read.
final class S3CallerCredentials: @unchecked Sendable {
    /// The plugin's own identity: resolving configured bucket paths, and
    /// requests of unmapped keys before a bucket is known (ListBuckets).
    let server: UnsafePointer<chimera_cred>
    let anonymous: UnsafePointer<chimera_cred>
    private let mapped: [String: UnsafePointer<chimera_cred>]
    /// Credentials of bucket owners, made on first use; bounded by the
    /// distinct owners of bucket directories.
    private let owners = Mutex<[S3OwnerKey: UnsafePointer<chimera_cred>]>([:])

    init(_ configuration: S3PluginConfiguration) {
        server = Self.make(uid: 0, gid: 0, groups: [], principal: nil)
        anonymous = Self.make(
            uid: configuration.anonymousUID,
            gid: configuration.anonymousGID,
            groups: [],
            principal: nil
        )
        var mapped: [String: UnsafePointer<chimera_cred>] = [:]
        for (key, identity) in configuration.identities {
            mapped[key] = Self.make(uid: identity.uid, gid: identity.gid, groups: identity.groups, principal: key)
        }
        self.mapped = mapped
    }

    /// Who `authentication` acts as in `bucket` (nil: no bucket yet).
    func credential(for authentication: S3Authentication, bucket: S3BucketState?) -> UnsafePointer<chimera_cred> {
        guard let key = authentication.accessKey else { return anonymous }
        if let known = mapped[key] { return known }
        guard let bucket else { return server }
        let owner = S3OwnerKey(uid: bucket.attrs.uid, gid: bucket.attrs.gid, key: key)
        return owners.withLock { owners in
            if let known = owners[owner] { return known }
            let made = Self.make(uid: owner.uid, gid: owner.gid, groups: [], principal: key)
            owners[owner] = made
            return made
        }
    }

    /// A 1.1 credential: the first CHIMERA_GROUPS_MAX groups in `groups[]`,
    /// every group in `all_groups` when there are more.
    private static func make(
        uid: UInt32,
        gid: UInt32,
        groups: [UInt32],
        principal: String?
    ) -> UnsafePointer<chimera_cred> {
        var cred = chimera_cred()
        cred.struct_size = UInt32(MemoryLayout<chimera_cred>.size)
        cred.uid = uid
        cred.gid = gid
        let inline = min(groups.count, Int(CHIMERA_GROUPS_MAX))
        cred.ngroups = UInt32(inline)
        withUnsafeMutableBytes(of: &cred.groups) { raw in
            let slots = raw.bindMemory(to: UInt32.self)
            for index in 0..<inline { slots[index] = groups[index] }
        }
        if groups.count > inline {
            let all = UnsafeMutablePointer<UInt32>.allocate(capacity: groups.count)
            all.initialize(from: groups, count: groups.count)
            cred.all_groups = UnsafePointer(all)
            cred.nall_groups = UInt32(groups.count)
        }
        if let principal {
            let bytes = Array(principal.utf8)
            let text = UnsafeMutablePointer<CChar>.allocate(capacity: max(bytes.count, 1))
            for (index, byte) in bytes.enumerated() { text[index] = CChar(bitPattern: byte) }
            cred.principal = UnsafePointer(text)
            cred.principal_len = UInt32(bytes.count)
        }
        let stored = UnsafeMutablePointer<chimera_cred>.allocate(capacity: 1)
        stored.initialize(to: cred)
        return UnsafePointer(stored)
    }
}
