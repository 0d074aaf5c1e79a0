import ArgumentParser
import CChimera
import ChimeraHost
import ChimeraPluginKit
import ChimeraVFS
import Glibc
import Logging
import VFSConformance

struct VFSTest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vfs-test",
        abstract: "Run the VFS module conformance kit on one module, loaded as the server loads it.")

    @Option(name: .long, help: "The module's shared object.")
    var module: String

    @Option(name: .long, help: "The module's config, as a JSON object.")
    var config: String = "{}"

    @Option(name: .long, help: "The path in the module's namespace to mount and test under.")
    var path: String = "/"

    @Option(name: .long, help: "Event loop threads.")
    var threads: Int = 2

    @Option(name: .long, help: "Delegation threads (blocking modules).")
    var delegationThreads: Int = 2

    @Option(name: .long, help: "Run only the checks whose name starts with this (repeatable; default: all).")
    var check: [String] = []

    func run() async throws {
        let logger = LoggingSetup.bootstrap(level: "warning")
        let modulePath = module.hasPrefix("/") ? module : currentDirectory() + "/" + module
        // The core's caches off: no attribute or name cache and no readdir
        // snapshot may answer for the module, so every LOOKUP, GETATTR and
        // READDIR the kit sends reaches it (a module whose LOOKUP always
        // answers NOENT must fail lookup.*, not pass on cached names).
        let document = """
            {"server": {"threads": \(threads), "delegation_threads": \(delegationThreads),
              "vfs": {"under_test": {"path": \(JSONValue.string(modulePath).text), "config": \(config),
                "cache": {"attr_ttl_ms": 0, "name_ttl_ms": 0, "negative_ttl_ms": 0, "readdir_snapshots": false}}}},
             "mounts": {"test": {"module": "under_test", "path": \(JSONValue.string(path).text)}}}
            """
        var parsed: ServerConfig
        do {
            parsed = try ServerConfig.parse(
                text: document, file: "vfs-test", defaultPluginDirectory: ConfigPaths.defaultPluginDirectory)
        } catch {
            fail(with: error)
        }
        // Short periods, so the state chapter sees expiry and revocation
        // within seconds.
        parsed.state.leaseSeconds = 2
        parsed.state.breakSeconds = 2
        let target: CoreConformanceTarget
        do {
            target = try await CoreConformanceTarget.start(config: parsed, logger: logger)
        } catch {
            fail(with: error)
        }
        let suite = ConformanceSuite(target: target, output: { line in print(line) }, filter: check)
        let (passed, failed) = await suite.run()
        await target.stop()
        if failed > 0 { throw ExitCode(1) }
        _ = passed
    }

    func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        guard getcwd(&buffer, buffer.count) != nil else { return "." }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// The conformance kit's view of one mount, through the real VFS core.
final class CoreConformanceTarget: ConformanceTarget, @unchecked Sendable {
    let config: ServerConfig
    let logger: Logger
    var host: ChimeraServer
    var core: VFSCore
    private(set) var rootHandle: [UInt8]
    private(set) var capabilities: UInt64

    var threadCount: Int { Int(host.executor.loopCount) }

    private init(config: ServerConfig, logger: Logger, host: ChimeraServer, core: VFSCore) {
        self.config = config
        self.logger = logger
        self.host = host
        self.core = core
        let mount = core.mount(named: "test")
        self.rootHandle = mount?.rootHandle ?? []
        self.capabilities = mount?.module.capabilities ?? 0
    }

    static func start(config: ServerConfig, logger: Logger) async throws(ChimeraError) -> CoreConformanceTarget {
        let host = ChimeraServer(config: config, logger: logger)
        do {
            try await host.load()
        } catch {
            await host.stop(drainTimeout: .zero)
            throw error
        }
        guard let core = host.core else { throw ChimeraError(.software, "the VFS core did not start") }
        return CoreConformanceTarget(config: config, logger: logger, host: host, core: core)
    }

    func stop() async {
        await host.stop(drainTimeout: .zero)
    }

    func makeStateClient(
        name: String, thread: Int, expires: Bool, onBreak: @escaping @Sendable (LeaseBreak) -> Void
    ) -> UInt64? {
        let spec = StateClientSpec(
            scope: "vfs-test", name: Array(name.utf8), thread: UInt32(thread % threadCount), expires: expires)
        return try? core.createClient(spec, owner: ClosureStateOwner(onBreak)).get()
    }

    func releaseStateClient(_ client: UInt64) {
        core.releaseClient(client)
    }

    var stateLeaseSeconds: UInt32 { core.leaseSeconds }

    func perform<R>(
        on thread: Int,
        _ prepare: (UnsafeMutablePointer<chimera_vfs_request>) -> Void,
        _ finish: (UnsafeMutablePointer<chimera_vfs_request>) -> R
    ) async -> R {
        let loop = UInt32(thread % threadCount)
        let core = self.core
        let executor = host.executor
        // Allocate and free on the loop (its free list is the loop's);
        // fill and read here: nobody else touches the request meanwhile.
        let request = await withCheckedContinuation { (done: CheckedContinuation<RequestPointer, Never>) in
            executor.execute(onLoop: loop) { done.resume(returning: RequestPointer(core.allocateRequest(thread: loop))) }
        }.value
        prepare(request)
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            let box = SendableRaw(Unmanaged.passRetained(ContinuationBox(done)).toOpaque())
            let pointer = RequestPointer(request)
            executor.execute(onLoop: loop) {
                let request = pointer.value
                request.pointee.thread_index = loop
                request.pointee.caller_data = box.pointer
                request.pointee.complete = { request in
                    guard let request, let box = request.pointee.caller_data else { return }
                    Unmanaged<ContinuationBox>.fromOpaque(box).takeRetainedValue().done.resume()
                }
                core.submit(request)
            }
        }
        let result = finish(request)
        let pointer = RequestPointer(request)
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            executor.execute(onLoop: loop) {
                core.freeRequest(pointer.value)
                done.resume()
            }
        }
        return result
    }

    func restart() async throws -> Bool {
        await host.stop(drainTimeout: .zero)
        let fresh = ChimeraServer(config: config, logger: logger)
        try await fresh.load()
        guard let core = fresh.core, let mount = core.mount(named: "test") else { return false }
        host = fresh
        self.core = core
        rootHandle = mount.rootHandle
        capabilities = mount.module.capabilities
        return true
    }
}

struct RequestPointer: @unchecked Sendable {
    let value: UnsafeMutablePointer<chimera_vfs_request>
    init(_ value: UnsafeMutablePointer<chimera_vfs_request>) { self.value = value }
}

final class ContinuationBox {
    let done: CheckedContinuation<Void, Never>
    init(_ done: CheckedContinuation<Void, Never>) { self.done = done }
}

struct SendableRaw: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer
    init(_ pointer: UnsafeMutableRawPointer) { self.pointer = pointer }
}

/// The kit's fake front-end: lease breaks go to a closure.
final class ClosureStateOwner: StateClientOwner, Sendable {
    let body: @Sendable (LeaseBreak) -> Void
    init(_ body: @escaping @Sendable (LeaseBreak) -> Void) { self.body = body }
    func leaseBreak(_ notice: LeaseBreak) { body(notice) }
}
