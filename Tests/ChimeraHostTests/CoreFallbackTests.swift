import CChimera
import ChimeraHost
import ChimeraPluginKit
import ChimeraVFS
import Logging
import Synchronization
import Testing

/// What the core does for modules that lack an op, and for modules that
/// never answer: through the host with the test module (build/test-plugins),
/// which answers NOTSUP to OPEN_AT and the lock ops and can be told to
/// stall one op forever.
@Suite("VFS core fallbacks and watchdog", .serialized)
struct CoreFallbackTests {
    static var plugin: String { CoreWithMemFSTests.repository + "/build/test-plugins/chimera_vfs_swifttest.so" }

    func withCore(
        module config: String = "{}", timeoutMilliseconds: Int = 30_000, logs: LogCapture? = nil,
        _ body: (VFSCore) async throws -> Void
    ) async throws {
        let text = """
            {"server": {"threads": 2, "delegation_threads": 1, "request_timeout_ms": \(timeoutMilliseconds),
                        "vfs": {"t": {"path": "\(Self.plugin)", "config": \(config)}}},
             "mounts": {"t": {"module": "t"}}}
            """
        let parsed = try ServerConfig.parse(text: text, file: "test", defaultPluginDirectory: "/")
        var logger = logs.map { capture in Logger(label: "test") { _ in capture } } ?? Logger(label: "test")
        logger.logLevel = .info
        let server = ChimeraServer(config: parsed, logger: logger)
        do {
            try await server.load()
        } catch {
            Issue.record("could not load \(Self.plugin) (run `make build` first): \(error)")
            await server.stop(drainTimeout: .zero)
            return
        }
        do {
            try await body(server.core!)
        } catch {
            await server.stop(drainTimeout: .zero)
            throw error
        }
        await server.stop(drainTimeout: .zero)
    }

    @Test("OPEN_AT on a module without it is built from LOOKUP, MKNOD, SETATTR and OPEN")
    func openAtFallback() async throws {
        try await withCore { core in
            let t = CoreWithMemFSTests()
            let root = await t.call(core, CHIMERA_VFS_OP_LOOKUP_PATH, [], name: "/t")
            #expect(root.status == .ok)
            let created = await t.call(core, CHIMERA_VFS_OP_OPEN_AT, root.handle, name: "new") { request, _ in
                request.pointee.open_at.flags = CHIMERA_VFS_OPEN_CREATE | CHIMERA_VFS_OPEN_READ | CHIMERA_VFS_OPEN_WRITE
            }
            #expect(created.status == .ok)
            #expect(created.handle.count == 16 + 8)
            #expect(created.attributes.mode & UInt32(CHIMERA_S_IFMT) == UInt32(CHIMERA_S_IFREG))
            let again = await t.call(core, CHIMERA_VFS_OP_OPEN_AT, root.handle, name: "new") { request, _ in
                request.pointee.open_at.flags = CHIMERA_VFS_OPEN_CREATE | CHIMERA_VFS_OPEN_EXCLUSIVE
            }
            #expect(again.status == .exists)
            let existing = await t.call(core, CHIMERA_VFS_OP_OPEN_AT, root.handle, name: "greeting") { request, _ in
                request.pointee.open_at.flags = CHIMERA_VFS_OPEN_READ
            }
            #expect(existing.status == .ok)
            #expect(existing.attributes.size == 6)
            let truncated = await t.call(core, CHIMERA_VFS_OP_OPEN_AT, root.handle, name: "greeting") { request, _ in
                request.pointee.open_at.flags = CHIMERA_VFS_OPEN_WRITE | CHIMERA_VFS_OPEN_TRUNCATE
            }
            #expect(truncated.status == .ok)
            #expect(await t.call(core, CHIMERA_VFS_OP_GETATTR, existing.handle).attributes.size == 0)
            let absent = await t.call(core, CHIMERA_VFS_OP_OPEN_AT, root.handle, name: "absent") { request, _ in
                request.pointee.open_at.flags = CHIMERA_VFS_OPEN_READ
            }
            #expect(absent.status == .noEntry)
        }
    }

    func lock(
        _ core: VFSCore, _ op: Int32, _ handle: [UInt8], owner: UInt8, write: Bool, offset: UInt64, length: UInt64
    ) async -> (VFSStatus, owner: UInt8?) {
        let t = CoreWithMemFSTests()
        let box = Mutex<UInt8?>(nil)
        let reply = await t.call(core, op, handle) { request, _ in
            request.pointee.lock.owner.0 = owner
            request.pointee.lock.owner_len = 1
            request.pointee.lock.type = write ? CHIMERA_VFS_LOCK_WRITE : CHIMERA_VFS_LOCK_READ
            request.pointee.lock.offset = offset
            request.pointee.lock.length = length
        } peek: { request in
            box.withLock { $0 = request.pointee.lock.r_conflict_owner_len == 1 ? request.pointee.lock.r_conflict_owner.0 : nil }
        }
        return (reply.status, box.withLock { $0 })
    }

    @Test("byte-range locks on a module without them are kept by the core")
    func locks() async throws {
        try await withCore { core in
            let t = CoreWithMemFSTests()
            let file = await t.call(core, CHIMERA_VFS_OP_LOOKUP_PATH, [], name: "/t/greeting")
            #expect(file.status == .ok)
            let write = CHIMERA_VFS_OP_LOCK
            #expect(await lock(core, write, file.handle, owner: 1, write: true, offset: 0, length: 100).0 == .ok)
            let blocked = await lock(core, write, file.handle, owner: 2, write: false, offset: 50, length: 10)
            #expect(blocked.0 == .locked)
            #expect(blocked.owner == 1)
            #expect(
                await lock(core, CHIMERA_VFS_OP_TEST_LOCK, file.handle, owner: 2, write: false, offset: 100, length: 5).0
                    == .ok)
            #expect(await lock(core, CHIMERA_VFS_OP_UNLOCK, file.handle, owner: 1, write: true, offset: 0, length: UInt64.max).0 == .ok)
            #expect(await lock(core, write, file.handle, owner: 2, write: true, offset: 50, length: 10).0 == .ok)
        }
    }

    @Test("a request the module never completes is logged with its op and handle, and others go on")
    func watchdog() async throws {
        let logs = LogCapture()
        try await withCore(module: #"{"stall": "readdir"}"#, timeoutMilliseconds: 100, logs: logs) { core in
            let t = CoreWithMemFSTests()
            let root = await t.call(core, CHIMERA_VFS_OP_LOOKUP_PATH, [], name: "/t")
            // Submitted and never answered: only its start is awaited here.
            let stuck = Task { await t.call(core, CHIMERA_VFS_OP_READDIR, root.handle) }
            var seen = false
            for _ in 0..<100 where !seen {
                try await Task.sleep(for: .milliseconds(50))
                seen = logs.contains { $0.message == "VFS request not completed" && $0.metadata["vfs.op"] == "readdir" }
            }
            #expect(seen)
            let entry = logs.first { $0.message == "VFS request not completed" }
            #expect(entry?.metadata["vfs.module"] == "t")
            #expect(entry?.metadata["vfs.handle"]?.count == 2 * root.handle.count)
            // The server is not wedged: other requests still complete.
            #expect(await t.call(core, CHIMERA_VFS_OP_GETATTR, root.handle).status == .ok)
            stuck.cancel()
        }
    }
}

/// A swift-log handler that keeps what it is given, for assertions.
final class LogCapture: LogHandler, @unchecked Sendable {
    struct Entry: Sendable {
        var level: Logger.Level
        var message: String
        var metadata: [String: String]
    }

    private let entries = Mutex<[Entry]>([])
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var flat: [String: String] = [:]
        for (k, v) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) { flat[k] = "\(v)" }
        entries.withLock { $0.append(Entry(level: event.level, message: "\(event.message)", metadata: flat)) }
    }

    func contains(where predicate: (Entry) -> Bool) -> Bool { entries.withLock { $0.contains(where: predicate) } }
    func first(where predicate: (Entry) -> Bool) -> Entry? { entries.withLock { $0.first(where: predicate) } }
}
