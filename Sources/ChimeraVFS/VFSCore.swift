import CChimera
import ChimeraPluginKit
import CoreMetrics
import Logging

/// The VFS core: one namespace over every mounted module, one set of caches,
/// one dispatch path, shared by every protocol front-end.
///
/// Front-ends allocate a request on their loop, fill it with wire handles
/// (mount id + module handle) and ``submit(_:)`` it; the core resolves the
/// mount, answers from its caches where it can, strips the mount id, runs
/// the module inline or on the delegation pool, and on completion returns to
/// the loop that asked, puts the mount id back on result handles, updates
/// its caches and calls the front-end's completion.
public final class VFSCore: @unchecked Sendable {
    public let mounts: [Mount]
    let mountsByID: [MountID: Mount]
    let executor: any VFSExecutor
    let logger: Logger
    let configuration: Configuration

    let versions: VersionTable
    let attributes: AttributeCache
    let names: NameCache
    let openFiles: OpenFileCache
    let snapshots: DirectorySnapshotCache
    /// Opens, byte-range locks and leases, for every protocol.
    let state: StateService
    let metrics: VFSMetrics

    /// Per host thread (loops first): request free lists and in-flight lists.
    let pools: [RequestPool]
    let inFlight: [InFlightList]

    let rootAttributes: chimera_attrs
    private var watchdogs: [any VFSScheduledTask] = []
    private var unmanagedSelf: UInt64 = 0

    /// Limits and lifetimes; the defaults suit a server, tests shrink them.
    public struct Configuration: Sendable {
        /// Entries in the attribute and name caches (each).
        public var cacheEntries: UInt64 = 262_144
        /// Open module handles kept for stateless (NFSv3) I/O.
        public var openFiles: Int = 4096
        /// Directory entries held in READDIR snapshots, in all; one
        /// directory at most `snapshotEntriesPerDirectory`.
        public var snapshotEntries: Int = 262_144
        public var snapshotEntriesPerDirectory: Int = 100_000
        /// An unused cached open handle is closed after this long.
        public var openFileIdleNanoseconds: UInt64 = 10_000_000_000
        /// A request a module has not completed after this long is logged.
        public var requestTimeoutNanoseconds: UInt64 = 30_000_000_000
        /// How often each loop checks for stuck requests and idle opens.
        public var sweepIntervalNanoseconds: UInt64 = 1_000_000_000
        /// Open state: lease, grace and break periods, limits, records.
        public var state = StateConfiguration()

        public init() {}
    }

    /// Every module the core starts and stops (mounted or not).
    let modules: [VFSModuleInstance]
    private var started = false
    private var stopped = false

    public init(
        mounts specs: [MountSpec],
        modules: [VFSModuleInstance] = [],
        executor: any VFSExecutor,
        logger: Logger,
        configuration: Configuration = Configuration()
    ) {
        var mounts: [Mount] = []
        var byID: [MountID: Mount] = [:]
        for (index, spec) in specs.enumerated() {
            let mount = Mount(name: spec.name, module: spec.module, modulePath: spec.path, index: index)
            mounts.append(mount)
            byID[mount.id] = mount
        }
        self.mounts = mounts
        self.mountsByID = byID
        var all: [VFSModuleInstance] = []
        var seen = Set<ObjectIdentifier>()
        for module in modules + specs.map(\.module) where seen.insert(ObjectIdentifier(module)).inserted {
            all.append(module)
        }
        self.modules = all
        self.executor = executor
        self.logger = logger
        self.configuration = configuration
        let versions = VersionTable(log2Slots: 18)
        self.versions = versions
        self.metrics = VFSMetrics()
        self.attributes = AttributeCache(
            maxEntries: configuration.cacheEntries, versions: versions, stats: metrics.attributeCache)
        self.names = NameCache(maxEntries: configuration.cacheEntries, versions: versions, stats: metrics.nameCache)
        self.openFiles = OpenFileCache(capacity: configuration.openFiles)
        self.snapshots = DirectorySnapshotCache(
            maxEntries: configuration.snapshotEntries,
            maxEntriesPerDirectory: configuration.snapshotEntriesPerDirectory)
        let threads = Int(executor.loopCount + executor.delegationCount)
        self.pools = (0..<max(threads, 1)).map { _ in RequestPool() }
        self.inFlight = (0..<max(threads, 1)).map { _ in InFlightList() }
        self.rootAttributes = SyntheticRoot.attributes(mountCount: mounts.count)
        // Client records (and so a grace period) only where data outlives
        // the process: reclaiming locks on a volatile module is pointless.
        var records: StateRecords? = nil
        if let directory = configuration.state.directory,
            mounts.contains(where: { $0.module.capabilities & CHIMERA_VFS_CAP_PERSISTENT != 0 })
        {
            do {
                records = try StateRecords(directory: directory, logger: logger)
            } catch {
                logger.error("open state records are off", metadata: ["error": "\(error)"])
            }
        }
        self.state = StateService(configuration: configuration.state, records: records)
        if let records, !records.previous.isEmpty {
            logger.notice(
                "grace period: recorded clients may reclaim their state",
                metadata: ["clients": "\(records.previous.count)", "seconds": "\(configuration.state.graceSeconds)"])
        }
        self.unmanagedSelf = UInt64(UInt(bitPattern: Unmanaged.passUnretained(self).toOpaque()))
    }

    /// A mount to create: `name` under the namespace root, served by
    /// `module` from `path` in the module's own namespace.
    public struct MountSpec: Sendable {
        public var name: String
        public var module: VFSModuleInstance
        public var path: String

        public init(name: String, module: VFSModuleInstance, path: String) {
            self.name = name
            self.module = module
            self.path = path
        }
    }

    // MARK: Life cycle

    /// Run every module's thread_init on every host thread, then mount.
    /// Throws with one line naming the mount when a module refuses.
    public func start() async throws(VFSStartError) {
        started = true
        let modules = self.modules
        await onEveryThread { thread in
            for module in modules { module.threadStarted(thread) }
        }
        for mount in mounts {
            try await mountOne(mount)
        }
        for loop in 0..<executor.loopCount {
            let task = executor.scheduleRepeating(
                onLoop: loop, intervalNanoseconds: configuration.sweepIntervalNanoseconds
            ) { [unowned self] in
                self.sweep(loop: loop)
            }
            watchdogs.append(task)
        }
    }

    /// Close cached opens, stop timers, shut every module's threads down,
    /// then the modules. Call after the front-ends drained; a second call
    /// does nothing. With `requestsInFlight`, a module still holds requests
    /// (it never answered them): it is left running rather than shut down
    /// under them.
    public func shutdown(requestsInFlight: Bool = false) async {
        guard !stopped else { return }
        stopped = true
        dropAllState()
        for task in watchdogs { task.cancel() }
        watchdogs.removeAll()
        guard !requestsInFlight else {
            logger.warning("VFS requests still in flight at shutdown: modules are not shut down")
            return
        }
        await closeAllOpenFiles()
        let modules = self.modules
        if started {
            await onEveryThread { thread in
                for module in modules { module.threadStopped(thread) }
            }
        }
        for module in modules { module.shutdown() }
    }

    /// Run `body` once on each host thread (loops and delegation threads)
    /// and wait for all of them.
    func onEveryThread(_ body: @escaping @Sendable (UInt32) -> Void) async {
        let loops = executor.loopCount
        let total = loops + executor.delegationCount
        await withTaskGroup(of: Void.self) { group in
            for thread in 0..<total {
                group.addTask { [executor] in
                    await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                        let task: @Sendable () -> Void = {
                            body(thread)
                            done.resume()
                        }
                        if thread < loops {
                            executor.execute(onLoop: thread, task)
                        } else {
                            executor.execute(onDelegationThread: thread, task)
                        }
                    }
                }
            }
        }
    }

    private func mountOne(_ mount: Mount) async throws(VFSStartError) {
        let path = mount.modulePath
        let utf8 = Array(path.utf8)
        let bytes = UnsafeMutableBufferPointer<CChar>.allocate(capacity: utf8.count + 1)
        defer { bytes.deallocate() }
        for (i, b) in utf8.enumerated() { bytes[i] = CChar(bitPattern: b) }
        bytes[utf8.count] = 0
        let argument = SendableBox(bytes)
        let (status, handle, attrs) = await perform(on: 0) { request in
            request.pointee.op = UInt32(CHIMERA_VFS_OP_MOUNT)
            request.pointee.r_attrs.req_mask = VFSAttributeMask.stat.rawValue
            request.pointee.mount.path = UnsafePointer(argument.value.baseAddress)
            request.pointee.mount.path_len = UInt32(utf8.count)
        } direct: { request in
            self.dispatchDirect(request, module: mount.module)
        } finish: { request in
            (VFSStatus(rawValue: request.pointee.status), Array(request.resultHandleBytes), request.pointee.r_attrs)
        }
        guard status == .ok else {
            throw VFSStartError(
                "mounts.\(mount.name): module '\(mount.module.name)' could not mount '\(path)': \(status)")
        }
        guard !handle.isEmpty, handle.count <= Int(CHIMERA_MODULE_FH_MAX) else {
            throw VFSStartError(
                "mounts.\(mount.name): module '\(mount.module.name)' returned a root handle of \(handle.count) bytes (expected 1 to \(CHIMERA_MODULE_FH_MAX))"
            )
        }
        mount.rootModuleHandle = handle
        var rootAttributes = attrs
        rootAttributes.fsid = mount.id.fsid
        mount.rootAttributes = rootAttributes
        logger.info(
            "mounted",
            metadata: ["vfs.mount": "\(mount.name)", "vfs.module": "\(mount.module.name)", "vfs.path": "\(path)"])
    }

    // MARK: The front-end API

    /// The namespace root's wire handle.
    public static let rootHandle = [UInt8](repeating: 0, count: MountID.length)

    /// A zeroed request for loop `thread`. `legacyCredential`: the caller is
    /// a front-end built for protocol ABI 1.0, whose credentials end after
    /// `groups[]`; the core copies them into full ones at submit.
    @inline(__always)
    public func allocateRequest(
        thread: UInt32, legacyCredential: Bool = false
    ) -> UnsafeMutablePointer<chimera_vfs_request> {
        let request = pools[Int(thread)].allocate(thread: thread)
        request.scratch[Scratch.core] = selfBits
        request.trailer.pointee.legacyCredential = legacyCredential
        return request
    }

    /// The core a request was allocated from (C entry points get only the
    /// request).
    @inline(__always)
    static func owner(of request: UnsafeMutablePointer<chimera_vfs_request>) -> VFSCore? {
        guard let raw = UnsafeRawPointer(bitPattern: UInt(request.scratch[Scratch.core])) else { return nil }
        return Unmanaged<VFSCore>.fromOpaque(raw).takeUnretainedValue()
    }

    /// `chimera_vfs_api.submit`.
    public static func submitAnywhere(_ request: UnsafeMutablePointer<chimera_vfs_request>) {
        guard let core = owner(of: request) else {
            request.pointee.status = VFSStatus.invalid.rawValue
            request.pointee.complete?(request)
            return
        }
        core.submit(request)
    }

    /// `chimera_vfs_api.request_free`.
    public static func freeRequestAnywhere(_ request: UnsafeMutablePointer<chimera_vfs_request>) {
        owner(of: request)?.freeRequest(request)
    }

    /// Give a completed request back (on the loop that allocated it).
    @inline(__always)
    public func freeRequest(_ request: UnsafeMutablePointer<chimera_vfs_request>) {
        pools[Int(request.pointee.thread_index)].release(request)
    }

    /// The capabilities of the module behind a wire handle (0 for the root
    /// or an unknown mount).
    public func capabilities(handle: UnsafeRawBufferPointer) -> UInt64 {
        guard let mount = mount(for: handle) else { return 0 }
        return mount.module.capabilities
    }

    /// The mount a wire handle belongs to, if any.
    @inline(__always)
    func mount(for handle: UnsafeRawBufferPointer) -> Mount? {
        guard handle.count >= MountID.length else { return nil }
        return mountsByID[MountID(prefixOf: handle)]
    }

    /// Look a mount up by its name under the root.
    public func mount(named name: String) -> Mount? {
        mounts.first { $0.name == name }
    }

    var selfBits: UInt64 { unmanagedSelf }

    /// In-flight requests on host thread `thread` (for draining).
    public func inFlightCount(thread: UInt32) -> Int {
        inFlight[Int(thread)].count
    }
}

/// Why the core could not start: one line naming the mount.
public struct VFSStartError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
