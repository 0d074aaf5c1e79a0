import CChimera
import ChimeraHost
import ChimeraPluginKit
import ChimeraVFS
import Logging
import Testing

/// The host and VFS core with the real memfs plugin loaded from the build
/// tree (`make build` puts it in build/lib/chimera).
@Suite("VFS core with memfs", .serialized)
struct CoreWithMemFSTests {
    static let repository: String = {
        var parts = #filePath.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)  // Tests/ChimeraHostTests/<file>
        return parts.joined(separator: "/")
    }()

    static var pluginDirectory: String { repository + "/build/lib/chimera" }

    /// `server` adds keys to the server object (`"state": {...}`).
    func withCore(server: String = "", _ body: (VFSCore) async throws -> Void) async throws {
        let extra = server.isEmpty ? "" : ", " + server
        let text = """
            {"server": {"threads": 2, "delegation_threads": 1\(extra), "vfs": {"memfs": {}, "other": {"path": "\(Self.pluginDirectory)/chimera_vfs_memfs.so"}}},
             "mounts": {"a": {"module": "memfs"}, "b": {"module": "other"}}}
            """
        let config = try ServerConfig.parse(text: text, file: "test", defaultPluginDirectory: Self.pluginDirectory)
        let host = ChimeraServer(config: config, logger: Logger(label: "test"))
        do {
            try await host.load()
        } catch {
            Issue.record("could not load memfs from \(Self.pluginDirectory) (run `make build` first): \(error)")
            await host.stop(drainTimeout: .zero)
            return
        }
        do {
            try await body(host.core!)
        } catch {
            await host.stop(drainTimeout: .zero)
            throw error
        }
        await host.stop(drainTimeout: .zero)
    }

    struct Reply: Sendable {
        var status: VFSStatus
        var handle: [UInt8]
        var attributes: chimera_attrs
        var length: UInt32 = 0
        var names: [String] = []
    }

    /// One request through the core; `bytes` are argument bytes kept alive
    /// until it completes.
    func call(
        _ core: VFSCore, _ op: Int32, _ handle: [UInt8], name: String? = nil, bytes: [UInt8] = [],
        _ fill: @escaping @Sendable (UnsafeMutablePointer<chimera_vfs_request>, UnsafeMutableRawPointer) -> Void = { _, _ in },
        peek: @escaping @Sendable (UnsafeMutablePointer<chimera_vfs_request>) -> Void = { _ in }
    ) async -> Reply {
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16 + 1024, alignment: 8)
        defer { storage.deallocate() }
        let base = SendablePointer(storage.baseAddress!)
        let handleCopy = handle
        let nameBytes = Array((name ?? "").utf8)
        let extra = bytes
        return await core.perform(on: 0) { request in
            let p = base.pointer
            handleCopy.withUnsafeBytes { p.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            nameBytes.withUnsafeBytes { if !$0.isEmpty { (p + 64).copyMemory(from: $0.baseAddress!, byteCount: $0.count) } }
            extra.withUnsafeBytes { if !$0.isEmpty { (p + 1024).copyMemory(from: $0.baseAddress!, byteCount: $0.count) } }
            request.pointee.op = UInt32(op)
            request.pointee.fh = UnsafePointer(p.assumingMemoryBound(to: UInt8.self))
            request.pointee.fh_len = UInt32(handleCopy.count)
            request.pointee.r_attrs.req_mask = VFSAttributeMask.stat.rawValue
            let namePointer = UnsafePointer((p + 64).assumingMemoryBound(to: CChar.self))
            switch op {
            case CHIMERA_VFS_OP_LOOKUP:
                request.pointee.lookup.name = namePointer
                request.pointee.lookup.name_len = UInt32(nameBytes.count)
            case CHIMERA_VFS_OP_MKDIR:
                request.pointee.mkdir.name = namePointer
                request.pointee.mkdir.name_len = UInt32(nameBytes.count)
            case CHIMERA_VFS_OP_OPEN_AT:
                request.pointee.open_at.name = namePointer
                request.pointee.open_at.name_len = UInt32(nameBytes.count)
            case CHIMERA_VFS_OP_REMOVE:
                request.pointee.remove.name = namePointer
                request.pointee.remove.name_len = UInt32(nameBytes.count)
            case CHIMERA_VFS_OP_LOOKUP_PATH:
                request.pointee.lookup_path.path = namePointer
                request.pointee.lookup_path.path_len = UInt32(nameBytes.count)
            default:
                break
            }
            fill(request, p + 1024)
        } finish: { request in
            peek(request)
            return Reply(
                status: VFSStatus(rawValue: request.pointee.status),
                handle: withUnsafeBytes(of: request.pointee.r_fh) { Array($0.prefix(Int(request.pointee.r_fh_len))) },
                attributes: request.pointee.r_attrs,
                length: request.pointee.op == UInt32(CHIMERA_VFS_OP_READ) ? request.pointee.read.r_length : request.pointee.write.r_length)
        }
    }

    @Test("the namespace root lists the mounts, and paths resolve across them")
    func namespace() async throws {
        try await withCore { core in
            let a = await call(core, CHIMERA_VFS_OP_LOOKUP_PATH, [], name: "/a")
            #expect(a.status == .ok)
            #expect(a.handle.count > 16)
            #expect(a.attributes.mode & UInt32(CHIMERA_S_IFMT) == UInt32(CHIMERA_S_IFDIR))
            let up = await call(core, CHIMERA_VFS_OP_LOOKUP, a.handle, name: "..")
            #expect(up.status == .ok)
            #expect(up.handle == VFSCore.rootHandle)
            let b = await call(core, CHIMERA_VFS_OP_LOOKUP_PATH, [], name: "a/../b/.")
            #expect(b.status == .ok)
            #expect(b.handle != a.handle)
            #expect(b.attributes.fsid != a.attributes.fsid)
            let none = await call(core, CHIMERA_VFS_OP_LOOKUP_PATH, [], name: "/c")
            #expect(none.status == .noEntry)
        }
    }

    @Test("garbage handles get BADHANDLE or STALE, never a crash")
    func badHandles() async throws {
        try await withCore { core in
            #expect(await call(core, CHIMERA_VFS_OP_GETATTR, [1, 2, 3]).status == .badHandle)
            #expect(await call(core, CHIMERA_VFS_OP_GETATTR, Array(repeating: 7, count: 30)).status == .stale)
            let a = await call(core, CHIMERA_VFS_OP_LOOKUP_PATH, [], name: "/a")
            var broken = a.handle
            broken.append(contentsOf: [9, 9, 9])
            let status = await call(core, CHIMERA_VFS_OP_GETATTR, broken).status
            #expect(status == .badHandle || status == .stale)
            #expect(await call(core, CHIMERA_VFS_OP_GETATTR, Array(a.handle.prefix(16))).status == .badHandle)
        }
    }

    @Test("a write through the core is seen by the next getattr, and a remove by the next lookup")
    func cachesStayTrue() async throws {
        try await withCore { core in
            let root = await call(core, CHIMERA_VFS_OP_LOOKUP_PATH, [], name: "/a")
            let file = await call(core, CHIMERA_VFS_OP_OPEN_AT, root.handle, name: "f") { request, _ in
                request.pointee.open_at.flags = CHIMERA_VFS_OPEN_CREATE | CHIMERA_VFS_OPEN_NONE
            }
            #expect(file.status == .ok)
            // Twice, so the second comes from the cache.
            #expect(await call(core, CHIMERA_VFS_OP_GETATTR, file.handle).attributes.size == 0)
            #expect(await call(core, CHIMERA_VFS_OP_GETATTR, file.handle).attributes.size == 0)
            let payload = Array(repeating: UInt8(0x5A), count: 5000)
            let wrote = await call(core, CHIMERA_VFS_OP_WRITE, file.handle, bytes: payload) { request, data in
                let iov = UnsafeMutablePointer<iovec>.allocate(capacity: 1)
                iov.initialize(to: iovec(iov_base: data, iov_len: 5000))
                request.pointee.write.iov = UnsafePointer(iov)
                request.pointee.write.iovcnt = 1
                request.pointee.write.length = 5000
                request.pointee.write.offset = 0
                request.pointee.write.stable = CHIMERA_VFS_FILE_SYNC
            }
            #expect(wrote.status == .ok)
            #expect(wrote.length == 5000)
            #expect(await call(core, CHIMERA_VFS_OP_GETATTR, file.handle).attributes.size == 5000)
            let read = await call(core, CHIMERA_VFS_OP_READ, file.handle) { request, data in
                let iov = UnsafeMutablePointer<iovec>.allocate(capacity: 1)
                iov.initialize(to: iovec(iov_base: data, iov_len: 8192))
                request.pointee.read.iov = UnsafePointer(iov)
                request.pointee.read.iovcnt = 1
                request.pointee.read.length = 8192
            }
            #expect(read.status == .ok)
            #expect(read.length == 5000)
            #expect(await call(core, CHIMERA_VFS_OP_LOOKUP, root.handle, name: "f").status == .ok)
            #expect(await call(core, CHIMERA_VFS_OP_LOOKUP, root.handle, name: "f").status == .ok)
            #expect(await call(core, CHIMERA_VFS_OP_REMOVE, root.handle, name: "f").status == .ok)
            #expect(await call(core, CHIMERA_VFS_OP_LOOKUP, root.handle, name: "f").status == .noEntry)
            #expect(await call(core, CHIMERA_VFS_OP_GETATTR, file.handle).status == .stale)
            let report = core.cacheReport
            #expect(report.attributeHits > 0)
            #expect(report.nameHits > 0)
        }
    }

    @Test("the namespace root is read-only")
    func rootReadOnly() async throws {
        try await withCore { core in
            #expect(await call(core, CHIMERA_VFS_OP_MKDIR, VFSCore.rootHandle, name: "x").status == .readOnly)
        }
    }
}

struct SendablePointer: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
    init(_ pointer: UnsafeMutableRawPointer) { self.pointer = pointer }
}

/// READDIR answered from whole-directory snapshots, through the host with
/// memfs told to use them.
@Suite("Directory snapshots", .serialized)
struct DirectorySnapshotTests {
    typealias Reply = CoreWithMemFSTests.Reply

    struct Listing: Sendable {
        var names: [String] = []
        var sizes: [String: UInt64] = [:]
    }

    /// The whole listing of `directory`, page by page (small pages, so
    /// cookies and resumption are exercised).
    func list(_ core: VFSCore, _ directory: [UInt8]) async -> Listing? {
        let t = CoreWithMemFSTests()
        var listing = Listing()
        var cookie: UInt64 = 0
        var verifier: UInt64 = 0
        for _ in 0..<1000 {
            let collected = Collected()
            let start = cookie
            let startVerifier = verifier
            let reply = await t.call(core, CHIMERA_VFS_OP_READDIR, directory) { request, _ in
                request.pointee.readdir.cookie = start
                withUnsafeMutableBytes(of: &request.pointee.readdir.verifier) { $0.storeBytes(of: startVerifier, as: UInt64.self) }
                request.pointee.readdir.flags = CHIMERA_VFS_READDIR_ATTRS | CHIMERA_VFS_READDIR_HANDLES
                request.pointee.readdir.emit = Collected.emit
                request.pointee.readdir.emit_arg = Unmanaged.passUnretained(collected).toOpaque()
            } peek: { request in
                collected.eof = request.pointee.readdir.r_eof != 0
                collected.verifier = withUnsafeBytes(of: request.pointee.readdir.r_verifier) { $0.loadUnaligned(as: UInt64.self) }
            }
            guard reply.status == .ok else { return nil }
            for (name, size, next) in collected.entries {
                listing.names.append(name)
                listing.sizes[name] = size
                cookie = next
            }
            verifier = collected.verifier
            if collected.eof { return listing }
        }
        return nil
    }

    @Test("a listing is served from a snapshot and stays true as files change and come")
    func snapshots() async throws {
        let text = """
            {"server": {"threads": 2, "delegation_threads": 1,
                        "vfs": {"memfs": {"cache": {"readdir_snapshots": true}}}},
             "mounts": {"a": {"module": "memfs"}}}
            """
        let config = try ServerConfig.parse(
            text: text, file: "test", defaultPluginDirectory: CoreWithMemFSTests.pluginDirectory)
        let server = ChimeraServer(config: config, logger: Logger(label: "test"))
        try await server.load()
        defer { Task { await server.stop(drainTimeout: .zero) } }
        let core = try #require(server.core)
        let t = CoreWithMemFSTests()
        let root = await t.call(core, CHIMERA_VFS_OP_LOOKUP_PATH, [], name: "/a")
        var handles: [String: [UInt8]] = [:]
        for i in 0..<50 {
            let made = await t.call(core, CHIMERA_VFS_OP_OPEN_AT, root.handle, name: "f\(i)") { request, _ in
                request.pointee.open_at.flags = CHIMERA_VFS_OPEN_CREATE | CHIMERA_VFS_OPEN_NONE
            }
            #expect(made.status == .ok)
            handles["f\(i)"] = made.handle
        }
        let first = try #require(await list(core, root.handle))
        #expect(Set(first.names) == Set((0..<50).map { "f\($0)" }))
        // The fill runs in the background; wait (bounded) until published.
        for _ in 0..<200 where core.cacheReport.directorySnapshots == 0 {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(core.cacheReport.directorySnapshots == 1)
        let answered = core.cacheReport.snapshotAnswers
        let second = try #require(await list(core, root.handle))
        #expect(second.names == first.names)
        #expect(core.cacheReport.snapshotAnswers > answered)

        // A write changes one file's size: the next listing says so.
        let payload = [UInt8](repeating: 1, count: 777)
        let wrote = await t.call(core, CHIMERA_VFS_OP_WRITE, handles["f7"]!, bytes: payload) { request, data in
            let iov = UnsafeMutablePointer<iovec>.allocate(capacity: 1)
            iov.initialize(to: iovec(iov_base: data, iov_len: 777))
            request.pointee.write.iov = UnsafePointer(iov)
            request.pointee.write.iovcnt = 1
            request.pointee.write.length = 777
        }
        #expect(wrote.status == .ok)
        let third = try #require(await list(core, root.handle))
        #expect(third.sizes["f7"] == 777)
        #expect(third.sizes["f8"] == 0)

        // A new name invalidates the snapshot: it is listed.
        #expect(await t.call(core, CHIMERA_VFS_OP_MKDIR, root.handle, name: "late").status == .ok)
        let fourth = try #require(await list(core, root.handle))
        #expect(fourth.names.contains("late"))
        #expect(fourth.names.count == 51)
        #expect(await t.call(core, CHIMERA_VFS_OP_REMOVE, root.handle, name: "f3").status == .ok)
        let fifth = try #require(await list(core, root.handle))
        #expect(!fifth.names.contains("f3"))
        #expect(fifth.names.count == 50)
    }
}

/// Entries a test's READDIR emit collects (5 per call, to make pages).
final class Collected: @unchecked Sendable {
    var entries: [(String, UInt64, UInt64)] = []
    var eof = false
    var verifier: UInt64 = 0

    static let emit: chimera_vfs_readdir_emit_fn = { request, name, length, cookie, _, _, attrs in
        guard let request, let arg = request.pointee.readdir.emit_arg else { return 1 }
        let me = Unmanaged<Collected>.fromOpaque(arg).takeUnretainedValue()
        if me.entries.count == 5 { return 1 }
        let text = String(decoding: UnsafeRawBufferPointer(start: name, count: Int(length)), as: UTF8.self)
        me.entries.append((text, attrs?.pointee.size ?? UInt64.max, cookie))
        return 0
    }
}
