import CChimera
import ChimeraHost
import ChimeraPluginKit
import Logging
import Synchronization
import Testing

@testable import ChimeraVFS

/// A fake front-end's client: it records lease breaks, with the host
/// thread each arrived on, and lets a test wait for them (bounded).
final class FakeFrontEnd: StateClientOwner, Sendable {
    struct Received: Sendable {
        var notice: LeaseBreak
        var thread: UInt32?
    }

    let core: VFSCore
    let received = Mutex<[Received]>([])

    init(core: VFSCore) { self.core = core }

    func leaseBreak(_ notice: LeaseBreak) {
        let thread = core.executor.currentThread()
        received.withLock { $0.append(Received(notice: notice, thread: thread)) }
    }

    /// The n-th break (from 1), waiting at most `seconds`.
    func breakNumber(_ n: Int, within seconds: Int = 20) async -> Received? {
        for _ in 0..<(seconds * 50) {
            if let got = received.withLock({ $0.count >= n ? $0[n - 1] : nil }) { return got }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    var count: Int { received.withLock { $0.count } }
}

/// Two front-ends' clients against one core with memfs: conflicts seen
/// across them, lease breaks delivered on the holder's loop, waits that end.
@Suite("open state through the core", .serialized)
struct CoreStateTests {
    var base = CoreWithMemFSTests()
    typealias Reply = CoreWithMemFSTests.Reply

    static let rwh = CHIMERA_VFS_LEASE_READ | CHIMERA_VFS_LEASE_HANDLE | CHIMERA_VFS_LEASE_WRITE

    func makeFile(_ core: VFSCore, _ name: String) async -> (dir: [UInt8], file: [UInt8]) {
        let root = await base.call(core, CHIMERA_VFS_OP_LOOKUP_PATH, [], name: "/a")
        let file = await base.call(core, CHIMERA_VFS_OP_OPEN_AT, root.handle, name: name) { request, _ in
            request.pointee.open_at.flags = CHIMERA_VFS_OPEN_CREATE | CHIMERA_VFS_OPEN_NONE
        }
        #expect(file.status == .ok)
        return (root.handle, file.handle)
    }

    func client(_ core: VFSCore, _ name: String, thread: UInt32) throws -> (UInt64, FakeFrontEnd) {
        let owner = FakeFrontEnd(core: core)
        let id = try core.createClient(StateClientSpec(scope: "fake", name: Array(name.utf8), thread: thread), owner: owner)
            .get()
        return (id, owner)
    }

    struct Opened: Sendable {
        var status: VFSStatus
        var open: UInt64
        var lease: UInt64
        var level: UInt32
    }

    func stateOpen(
        _ core: VFSCore, _ file: [UInt8], client: UInt64, access: UInt32, deny: UInt32 = 0, lease: UInt32 = 0,
        key: UInt8 = 1, owner: UInt8? = nil
    ) async -> Opened {
        let result = Mutex(Opened(status: .io, open: 0, lease: 0, level: 0))
        let reply = await base.call(core, CHIMERA_VFS_OP_STATE_OPEN, file) { request, _ in
            request.pointee.state_open.client = client
            request.pointee.state_open.owner.0 = owner ?? key
            request.pointee.state_open.owner_len = 1
            request.pointee.state_open.access = access
            request.pointee.state_open.deny = deny
            request.pointee.state_open.lease_level = lease
            request.pointee.state_open.lease_key.0 = key
        } peek: { request in
            let a = request.pointee.state_open
            result.withLock { $0 = Opened(status: .ok, open: a.r_open, lease: a.r_lease, level: a.r_lease_level) }
        }
        var opened = result.withLock { $0 }
        opened.status = reply.status
        return opened
    }

    func write(_ core: VFSCore, _ file: [UInt8], noWait: Bool = false) async -> VFSStatus {
        await base.call(core, CHIMERA_VFS_OP_WRITE, file, bytes: [1, 2, 3, 4]) { request, data in
            let iov = UnsafeMutablePointer<iovec>.allocate(capacity: 1)
            iov.initialize(to: iovec(iov_base: data, iov_len: 4))
            request.pointee.write.iov = UnsafePointer(iov)
            request.pointee.write.iovcnt = 1
            request.pointee.write.length = 4
            request.pointee.write.stable = CHIMERA_VFS_FILE_SYNC
            if noWait { request.pointee.flags |= CHIMERA_VFS_REQ_NO_WAIT }
        }.status
    }

    func rename(_ core: VFSCore, _ dir: [UInt8], _ from: String, to: String) async -> VFSStatus {
        let names = Array(from.utf8) + Array(to.utf8)
        let fromLength = from.utf8.count
        return await base.call(core, CHIMERA_VFS_OP_RENAME, dir, bytes: dir + names) { request, data in
            let handle = UnsafePointer(data.assumingMemoryBound(to: UInt8.self))
            let text = UnsafePointer((data + dir.count).assumingMemoryBound(to: CChar.self))
            request.pointee.rename.new_dir_fh = handle
            request.pointee.rename.new_dir_fh_len = UInt32(dir.count)
            request.pointee.rename.name = text
            request.pointee.rename.name_len = UInt32(fromLength)
            request.pointee.rename.new_name = text + fromLength
            request.pointee.rename.new_name_len = UInt32(names.count - fromLength)
        }.status
    }

    func lease(_ core: VFSCore, _ file: [UInt8], client: UInt64, lease: UInt64, level: UInt32) async -> VFSStatus {
        await base.call(core, CHIMERA_VFS_OP_LEASE, file) { request, _ in
            request.pointee.lease.client = client
            request.pointee.lease.lease = lease
            request.pointee.lease.level = level
        }.status
    }

    func lock(
        _ core: VFSCore, _ op: Int32, _ file: [UInt8], client: UInt64, owner: UInt8, offset: UInt64, length: UInt64,
        write: Bool = true, wait: Bool = false
    ) async -> VFSStatus {
        await base.call(core, op, file) { request, _ in
            request.pointee.lock.client = client
            request.pointee.lock.owner.0 = owner
            request.pointee.lock.owner_len = 1
            request.pointee.lock.type = write ? CHIMERA_VFS_LOCK_WRITE : CHIMERA_VFS_LOCK_READ
            request.pointee.lock.offset = offset
            request.pointee.lock.length = length
            request.pointee.lock.flags = wait ? CHIMERA_VFS_LOCK_WAIT : 0
        }.status
    }

    @Test("a stateless write breaks another client's write lease on the holder's loop, and waits for the ack")
    func writeBreaksLease() async throws {
        try await base.withCore { core in
            let (_, file) = await makeFile(core, "leased")
            let (holder, frontEnd) = try client(core, "smb-client", thread: 1)
            let opened = await stateOpen(
                core, file, client: holder, access: CHIMERA_VFS_SHARE_READ | CHIMERA_VFS_SHARE_WRITE, lease: Self.rwh)
            #expect(opened.status == .ok)
            #expect(opened.level == Self.rwh)
            let done = Mutex<VFSStatus?>(nil)
            let writer = Task { [base] in
                let status = await CoreStateTests(base: base).write(core, file)
                done.withLock { $0 = status }
            }
            let notice = await frontEnd.breakNumber(1)
            #expect(notice?.notice.newLevel == CHIMERA_VFS_LEASE_HANDLE)
            #expect(notice?.notice.oldLevel == Self.rwh)
            #expect(notice?.notice.revoked == false)
            #expect(notice?.notice.handle == file)
            #expect(notice?.thread == 1)
            // Held until the holder answers.
            try? await Task.sleep(for: .milliseconds(200))
            #expect(done.withLock { $0 } == nil)
            #expect(await lease(core, file, client: holder, lease: opened.lease, level: CHIMERA_VFS_LEASE_HANDLE) == .ok)
            await writer.value
            #expect(done.withLock { $0 } == .ok)
            // The holder's second open under its key upgrades the lease
            // again; with REQ_NO_WAIT the next break answers DELAY at once.
            let second = await stateOpen(
                core, file, client: holder, access: CHIMERA_VFS_SHARE_READ, lease: Self.rwh, key: 1, owner: 2)
            #expect(second.level == Self.rwh)
            #expect(second.lease == opened.lease)
            #expect(await write(core, file, noWait: true) == .delay)
            #expect(await frontEnd.breakNumber(2)?.notice.lease == second.lease)
        }
    }

    @Test("an unanswered break is revoked after break_seconds and the writer goes on")
    func revokedBreak() async throws {
        try await base.withCore(server: #""state": {"break_seconds": 1}"#) { core in
            let (_, file) = await makeFile(core, "silent")
            let (holder, frontEnd) = try client(core, "silent-client", thread: 0)
            let opened = await stateOpen(core, file, client: holder, access: CHIMERA_VFS_SHARE_READ, lease: Self.rwh)
            #expect(opened.level != 0)
            #expect(await write(core, file) == .ok)
            #expect(await frontEnd.breakNumber(1)?.notice.revoked == false)
            let revoked = await frontEnd.breakNumber(2)
            #expect(revoked?.notice.revoked == true)
            #expect(revoked?.notice.newLevel == CHIMERA_VFS_LEASE_HANDLE)
            // The lease lowered: the ack of a level it no longer has is INVAL.
            #expect(await lease(core, file, client: holder, lease: opened.lease, level: Self.rwh) == .invalid)
        }
    }

    @Test("a blocking lock from one client waits for another's unlock; cancel and release end waits")
    func blockingLocks() async throws {
        try await base.withCore { core in
            let (_, file) = await makeFile(core, "locked")
            let (a, _) = try client(core, "nlm-host-a", thread: 0)
            let (b, _) = try client(core, "nlm-host-b", thread: 1)
            #expect(await lock(core, CHIMERA_VFS_OP_LOCK, file, client: a, owner: 1, offset: 0, length: 10) == .ok)
            #expect(await lock(core, CHIMERA_VFS_OP_LOCK, file, client: b, owner: 1, offset: 5, length: 1) == .locked)
            #expect(await lock(core, CHIMERA_VFS_OP_TEST_LOCK, file, client: b, owner: 1, offset: 9, length: 1) == .locked)
            let granted = Mutex<VFSStatus?>(nil)
            let waiting = Task { [base] in
                let status = await CoreStateTests(base: base).lock(
                    core, CHIMERA_VFS_OP_LOCK, file, client: b, owner: 1, offset: 5, length: 1, wait: true)
                granted.withLock { $0 = status }
            }
            try? await Task.sleep(for: .milliseconds(200))
            #expect(granted.withLock { $0 } == nil)
            #expect(await lock(core, CHIMERA_VFS_OP_UNLOCK, file, client: a, owner: 1, offset: 0, length: 10) == .ok)
            await waiting.value
            #expect(granted.withLock { $0 } == .ok)
            #expect(await lock(core, CHIMERA_VFS_OP_TEST_LOCK, file, client: a, owner: 1, offset: 5, length: 1) == .locked)
            // a waits on b's lock, then b's client goes: a is granted.
            let second = Task { [base] in
                await CoreStateTests(base: base).lock(
                    core, CHIMERA_VFS_OP_LOCK, file, client: a, owner: 1, offset: 0, length: 100, wait: true)
            }
            try? await Task.sleep(for: .milliseconds(200))
            core.releaseClient(b)
            #expect(await second.value == .ok)
            // A cancelled wait ends with CANCELED.
            let (c, _) = try client(core, "nlm-host-c", thread: 1)
            let third = Task { [base] in
                await CoreStateTests(base: base).lock(
                    core, CHIMERA_VFS_OP_LOCK, file, client: c, owner: 3, offset: 50, length: 1, wait: true)
            }
            try? await Task.sleep(for: .milliseconds(200))
            #expect(await lock(core, CHIMERA_VFS_OP_LOCK_CANCEL, file, client: c, owner: 3, offset: 50, length: 1) == .ok)
            #expect(await third.value == .canceled)
        }
    }

    @Test("a module's break_leases upcall breaks leases on its object without waiting")
    func moduleUpcall() async throws {
        try await base.withCore { core in
            let (_, file) = await makeFile(core, "shared-backend")
            let (holder, frontEnd) = try client(core, "cache-holder", thread: 1)
            let opened = await stateOpen(core, file, client: holder, access: CHIMERA_VFS_SHARE_READ, lease: Self.rwh)
            #expect(opened.level != 0)
            let mount = try #require(core.mount(named: "a"))
            core.breakLeases(module: mount.module, handle: Array(file.dropFirst(MountID.length)), keeping: 0)
            let notice = await frontEnd.breakNumber(1)
            #expect(notice?.notice.newLevel == 0)
            #expect(notice?.notice.handle == file)
        }
    }

    @Test("a module that claims CHIMERA_VFS_CAP_LOCKS gets the lock ops; the core's table stays out")
    func moduleKeepsLocks() async throws {
        let plugin = CoreWithMemFSTests.repository + "/build/test-plugins/chimera_vfs_ctest_locks.so"
        let text = """
            {"server": {"threads": 2, "delegation_threads": 1, "vfs": {"locks": {"path": "\(plugin)"}}},
             "mounts": {"l": {"module": "locks"}}}
            """
        let config = try ServerConfig.parse(text: text, file: "test", defaultPluginDirectory: CoreWithMemFSTests.pluginDirectory)
        let host = ChimeraServer(config: config, logger: Logger(label: "test"))
        do {
            try await host.load()
        } catch {
            Issue.record("could not load \(plugin) (run `make build` first): \(error)")
            await host.stop(drainTimeout: .zero)
            return
        }
        let core = host.core!
        let root = await base.call(core, CHIMERA_VFS_OP_LOOKUP_PATH, [], name: "/l")
        #expect(root.status == .ok)
        let (a, _) = try client(core, "a", thread: 0)
        let (b, _) = try client(core, "b", thread: 1)
        // The core's table would refuse b; the module's own lock manager says yes.
        #expect(await lock(core, CHIMERA_VFS_OP_LOCK, root.handle, client: a, owner: 1, offset: 0, length: 10) == .ok)
        #expect(await lock(core, CHIMERA_VFS_OP_LOCK, root.handle, client: b, owner: 1, offset: 5, length: 1) == .ok)
        #expect(await lock(core, CHIMERA_VFS_OP_TEST_LOCK, root.handle, client: b, owner: 9, offset: 500, length: 1) == .locked)
        await host.stop(drainTimeout: .zero)
    }

    @Test("share reservations hold off other protocols' writes and removes until the open closes")
    func shareModes() async throws {
        try await base.withCore { core in
            let (dir, file) = await makeFile(core, "reserved")
            let (smb, _) = try client(core, "smb-session", thread: 0)
            let opened = await stateOpen(
                core, file, client: smb, access: CHIMERA_VFS_SHARE_READ,
                deny: CHIMERA_VFS_SHARE_WRITE | CHIMERA_VFS_SHARE_DELETE)
            #expect(opened.status == .ok)
            let (other, _) = try client(core, "nfs4-client", thread: 1)
            #expect(await stateOpen(core, file, client: other, access: CHIMERA_VFS_SHARE_WRITE).status == .shareViolation)
            #expect(await write(core, file) == .shareViolation)
            #expect(await base.call(core, CHIMERA_VFS_OP_REMOVE, dir, name: "reserved").status == .shareViolation)
            // With state about, a rename to a name that does not exist looks
            // it up, finds nothing to break, and goes on.
            _ = await makeFile(core, "movable")
            #expect(await rename(core, dir, "movable", to: "moved") == .ok)
            #expect(await rename(core, dir, "moved", to: "reserved") == .shareViolation)
            #expect(
                await base.call(core, CHIMERA_VFS_OP_STATE_CLOSE, file) { request, _ in
                    request.pointee.state_close.client = smb
                    request.pointee.state_close.open = opened.open
                }.status == .ok)
            #expect(await write(core, file) == .ok)
            #expect(await base.call(core, CHIMERA_VFS_OP_REMOVE, dir, name: "reserved").status == .ok)
        }
    }
}
