import CChimera
import ChimeraPluginKit

/// One loaded and initialised VFS module, as the core dispatches to it.
///
/// The host's loader dlopen()s the plugin, checks its ABI and calls its
/// `init`; the core then owns the instance: per-thread init, dispatch and
/// shutdown.
public final class VFSModuleInstance: @unchecked Sendable {
    /// The module's configured name (the key under `server.vfs`).
    public let name: String
    public let module: UnsafePointer<chimera_vfs_module>
    public let modulePrivate: UnsafeMutableRawPointer?
    public let capabilities: UInt64
    public let blockingOps: UInt64
    public let attributesSupported: UInt64
    /// The VFS ABI minor the module was built for.
    public let abiMinor: UInt32
    /// Cache lifetimes for what this module reports; see ``CachePolicy``.
    public let cachePolicy: CachePolicy

    /// thread_private per host thread (loops, then delegation threads);
    /// written once per thread before its first dispatch.
    let threadPrivates: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    let threadCount: Int
    let dispatchFunction: @convention(c) (UnsafeMutableRawPointer?, UnsafeMutablePointer<chimera_vfs_request>?) -> Void

    public init(
        name: String,
        module: UnsafePointer<chimera_vfs_module>,
        modulePrivate: UnsafeMutableRawPointer?,
        threadCount: Int,
        cachePolicy: CachePolicy? = nil
    ) {
        self.name = name
        self.module = module
        self.modulePrivate = modulePrivate
        self.capabilities = module.pointee.capabilities
        self.blockingOps = module.pointee.blocking_ops
        self.attributesSupported = module.pointee.attr_supported
        self.abiMinor = module.pointee.abi_minor
        self.threadCount = threadCount
        self.threadPrivates = .allocate(capacity: max(threadCount, 1))
        self.threadPrivates.initialize(repeating: nil, count: max(threadCount, 1))
        // The loader refuses modules without dispatch; a missing one here is
        // our bug.
        self.dispatchFunction = module.pointee.dispatch!
        self.cachePolicy = cachePolicy ?? CachePolicy.default(forCapabilities: module.pointee.capabilities, blockingOps: module.pointee.blocking_ops)
    }

    deinit {
        threadPrivates.deallocate()
    }

    @inlinable
    func isBlocking(_ op: UInt32) -> Bool {
        blockingOps & (1 << UInt64(op & 63)) != 0
    }

    /// Call the module's thread_init on the calling thread (host index
    /// `thread`).
    func threadStarted(_ thread: UInt32) {
        guard Int(thread) < threadCount else { return }
        threadPrivates[Int(thread)] = module.pointee.thread_init?(modulePrivate, thread) ?? modulePrivate
    }

    func threadStopped(_ thread: UInt32) {
        guard Int(thread) < threadCount else { return }
        module.pointee.thread_shutdown?(threadPrivates[Int(thread)])
        threadPrivates[Int(thread)] = nil
    }

    func shutdown() {
        module.pointee.shutdown?(modulePrivate)
    }

    /// Shut a module down that never started a thread (start-up failed
    /// before the core ran).
    public func shutdownWithoutThreads() {
        shutdown()
    }

    /// Dispatch on host thread `thread` (the caller is on it).
    @inline(__always)
    func dispatch(_ request: UnsafeMutablePointer<chimera_vfs_request>, onThread thread: UInt32) {
        dispatchFunction(threadPrivates[Int(thread)], request)
    }

    public var isReadOnly: Bool { capabilities & CHIMERA_VFS_CAP_READ_ONLY != 0 }
}

/// How long the core trusts what it cached about a module's objects.
///
/// Every change made through the core updates or invalidates the caches at
/// once; the lifetimes only bound how long a change made *underneath* the
/// core (another program writing a linux module's directory) can go unseen.
public struct CachePolicy: Sendable, Equatable {
    public var attributeTTL: UInt64
    public var nameTTL: UInt64
    public var negativeTTL: UInt64
    /// Answer READDIR from whole-directory snapshots. Cheaper than asking
    /// the module per entry even for memfs (measured: 1.65x the entries/s),
    /// and much cheaper for modules whose listing blocks.
    public var snapshotDirectories: Bool

    public init(attributeTTL: UInt64, nameTTL: UInt64, negativeTTL: UInt64, snapshotDirectories: Bool = true) {
        self.attributeTTL = attributeTTL
        self.nameTTL = nameTTL
        self.negativeTTL = negativeTTL
        self.snapshotDirectories = snapshotDirectories
    }

    /// Modules over storage others can change (persistent ones) get a
    /// second; in-memory modules, which change only through the core, a
    /// minute.
    public static func `default`(forCapabilities capabilities: UInt64, blockingOps: UInt64 = 0) -> CachePolicy {
        if capabilities & CHIMERA_VFS_CAP_PERSISTENT != 0 {
            return CachePolicy(attributeTTL: 1_000_000_000, nameTTL: 1_000_000_000, negativeTTL: 500_000_000)
        }
        return CachePolicy(attributeTTL: 60_000_000_000, nameTTL: 60_000_000_000, negativeTTL: 10_000_000_000)
    }

    /// Caching off (tests of the uncached path, or modules that ask).
    public static let disabled = CachePolicy(attributeTTL: 0, nameTTL: 0, negativeTTL: 0)
}
