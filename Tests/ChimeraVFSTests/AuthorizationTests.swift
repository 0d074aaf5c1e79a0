import CChimera
import ChimeraPluginKit
import Testing

@testable import ChimeraVFS

/// The permission rules as a pure function: requests built in memory, facts given, verdicts compared.
@Suite("Authorization rules")
struct AuthorizationTests {
    /// A request for `op` by uid/gid with supplementary `groups`; `body` runs while it is valid.
    func withRequest<R>(
        _ op: Int32, uid: UInt32, gid: UInt32, groups: [UInt32] = [],
        _ body: (UnsafeMutablePointer<chimera_vfs_request>, Caller) -> R
    ) -> R {
        let request = UnsafeMutablePointer<chimera_vfs_request>.allocate(capacity: 1)
        request.initialize(to: chimera_vfs_request())
        let cred = UnsafeMutablePointer<chimera_cred>.allocate(capacity: 1)
        cred.initialize(to: chimera_cred())
        defer {
            request.deallocate()
            cred.deallocate()
        }
        cred.pointee.struct_size = UInt32(MemoryLayout<chimera_cred>.size)
        cred.pointee.uid = uid
        cred.pointee.gid = gid
        cred.pointee.ngroups = UInt32(groups.count)
        withUnsafeMutableBytes(of: &cred.pointee.groups) { raw in
            for (index, group) in groups.enumerated() { raw.storeBytes(of: group, toByteOffset: index * 4, as: UInt32.self) }
        }
        request.pointee.op = UInt32(op)
        request.pointee.cred = UnsafePointer(cred)
        return body(request, Caller(UnsafePointer(cred)))
    }

    func attrs(_ mode: UInt32, uid: UInt32 = 0, gid: UInt32 = 0) -> chimera_attrs {
        var attrs = chimera_attrs()
        attrs.mode = mode
        attrs.uid = uid
        attrs.gid = gid
        attrs.valid_mask = CHIMERA_ATTR_MODE | CHIMERA_ATTR_UID | CHIMERA_ATTR_GID
        return attrs
    }

    let directory = UInt32(CHIMERA_S_IFDIR)
    let regular = UInt32(CHIMERA_S_IFREG)

    @Test("one class of mode bits applies: owner, else group (primary or supplementary), else other")
    func modeClasses() {
        withRequest(CHIMERA_VFS_OP_GETATTR, uid: 1000, gid: 100, groups: [300]) { _, caller in
            let r = CHIMERA_VFS_ACCESS_READ
            #expect(caller.granted(7, on: attrs(regular | 0o077, uid: 1000)) == 0)
            #expect(caller.granted(7, on: attrs(regular | 0o640, uid: 5, gid: 300)) == r)
            #expect(caller.granted(7, on: attrs(regular | 0o604, uid: 5, gid: 100)) == 0)
            #expect(caller.granted(7, on: attrs(regular | 0o604, uid: 5, gid: 9)) == r)
        }
        withRequest(CHIMERA_VFS_OP_GETATTR, uid: 0, gid: 0) { _, root in
            #expect(root.granted(7, on: attrs(regular | 0o000, uid: 5)) == 6)
            #expect(root.granted(7, on: attrs(regular | 0o001, uid: 5)) == 7)
            #expect(root.granted(7, on: attrs(directory | 0o000, uid: 5)) == 7)
        }
    }

    @Test("LOOKUP needs search on the directory and asks for its attributes first")
    func lookup() {
        withRequest(CHIMERA_VFS_OP_LOOKUP, uid: 1000, gid: 1000) { request, caller in
            #expect(Authorization.decide(request, caller: caller, facts: AuthorizationFacts()) == .needObject)
            var facts = AuthorizationFacts()
            facts.object = attrs(directory | 0o700)
            #expect(Authorization.decide(request, caller: caller, facts: facts) == .deny(.access))
            facts.object = attrs(directory | 0o711)
            #expect(Authorization.decide(request, caller: caller, facts: facts) == .allow)
        }
    }

    @Test("a creating OPEN_AT: existing files by their own bits, missing ones by the directory's")
    func openAt() {
        withRequest(CHIMERA_VFS_OP_OPEN_AT, uid: 1000, gid: 1000) { request, caller in
            request.pointee.open_at.flags = CHIMERA_VFS_OPEN_CREATE | CHIMERA_VFS_OPEN_WRITE
            var facts = AuthorizationFacts()
            facts.object = attrs(directory | 0o755)
            #expect(Authorization.decide(request, caller: caller, facts: facts) == .needChild)
            facts.child = .absent
            #expect(Authorization.decide(request, caller: caller, facts: facts) == .deny(.access))
            facts.child = .present(attrs(regular | 0o666))
            #expect(Authorization.decide(request, caller: caller, facts: facts) == .allow)
            facts.child = .present(attrs(regular | 0o644))
            #expect(Authorization.decide(request, caller: caller, facts: facts) == .deny(.access))
        }
    }

    @Test("the sticky bit: only the directory's or the entry's owner removes it")
    func sticky() {
        withRequest(CHIMERA_VFS_OP_REMOVE, uid: 1000, gid: 1000) { request, caller in
            var facts = AuthorizationFacts()
            facts.object = attrs(directory | 0o1777)
            #expect(Authorization.decide(request, caller: caller, facts: facts) == .needChild)
            facts.child = .present(attrs(regular | 0o666, uid: 2000))
            #expect(Authorization.decide(request, caller: caller, facts: facts) == .deny(.permission))
            facts.child = .present(attrs(regular | 0o600, uid: 1000))
            #expect(Authorization.decide(request, caller: caller, facts: facts) == .allow)
            facts.object = attrs(directory | 0o1777, uid: 1000)
            facts.child = .unknown
            #expect(Authorization.decide(request, caller: caller, facts: facts) == .allow)
        }
    }

    @Test("SETATTR: chmod and explicit times by the owner, chown by root, chgrp to one's groups")
    func setattr() {
        withRequest(CHIMERA_VFS_OP_SETATTR, uid: 1000, gid: 1000, groups: [300]) { request, caller in
            var facts = AuthorizationFacts()
            facts.object = attrs(regular | 0o666, uid: 2000, gid: 2000)
            request.pointee.setattr.attrs.valid_mask = CHIMERA_ATTR_MODE
            #expect(Authorization.decide(request, caller: caller, facts: facts) == .deny(.permission))
            request.pointee.setattr.attrs.valid_mask = CHIMERA_ATTR_MTIME | CHIMERA_ATTR_MTIME_NOW
            #expect(Authorization.decide(request, caller: caller, facts: facts) == .allow)
            request.pointee.setattr.attrs.valid_mask = CHIMERA_ATTR_MTIME
            #expect(Authorization.decide(request, caller: caller, facts: facts) == .deny(.permission))
            facts.object = attrs(regular | 0o644, uid: 1000, gid: 1000)
            request.pointee.setattr.attrs.valid_mask = CHIMERA_ATTR_GID
            request.pointee.setattr.attrs.gid = 300
            #expect(Authorization.decide(request, caller: caller, facts: facts) == .allow)
            request.pointee.setattr.attrs.gid = 400
            #expect(Authorization.decide(request, caller: caller, facts: facts) == .deny(.permission))
            request.pointee.setattr.attrs.valid_mask = CHIMERA_ATTR_UID
            request.pointee.setattr.attrs.uid = 2000
            #expect(Authorization.decide(request, caller: caller, facts: facts) == .deny(.permission))
        }
    }

    @Test("stateless I/O: the owner may whatever the mode; others by the bits")
    func statelessIO() {
        withRequest(CHIMERA_VFS_OP_WRITE, uid: 1000, gid: 1000) { request, caller in
            var facts = AuthorizationFacts()
            facts.object = attrs(regular | 0o444, uid: 1000)
            #expect(Authorization.decide(request, caller: caller, facts: facts) == .allow)
            facts.object = attrs(regular | 0o644, uid: 2000)
            #expect(Authorization.decide(request, caller: caller, facts: facts) == .deny(.access))
            request.pointee.open_handle = 7
            #expect(Authorization.decide(request, caller: caller, facts: AuthorizationFacts()) == .allow)
        }
    }

    @Test("set-ID bits a write or a chown takes: S_ISUID, and S_ISGID only with group execute")
    func privileges() {
        #expect(FileMode.privileges(regular | 0o6755) == 0o6000)
        #expect(FileMode.privileges(regular | 0o6745) == 0o4000)
        #expect(FileMode.privileges(directory | 0o2775) == 0)
    }
}
