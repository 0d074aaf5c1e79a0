import CChimera

/// What a module tells the host about itself before init.
public struct VFSModuleDescriptor: Sendable {
    public var name: String
    public var description: String
    public var capabilities: UInt64
    /// Ops that may block (``VFSOp/bit``); they run on the delegation pool.
    public var blockingOps: UInt64
    public var attributesSupported: VFSAttributeMask

    public init(
        name: String,
        description: String,
        capabilities: UInt64,
        blockingOps: UInt64,
        attributesSupported: VFSAttributeMask
    ) {
        self.name = name
        self.description = description
        self.capabilities = capabilities
        self.blockingOps = blockingOps
        self.attributesSupported = attributesSupported
    }
}

/// A storage backend written in Swift.
///
/// Export it from the plugin with one public C entry point:
///
/// ```swift
/// @c public func chimera_vfs_module_v1() -> UnsafePointer<chimera_vfs_module> {
///     VFSModuleExport.entry(MemFS.self)
/// }
/// ```
///
/// The host calls ``init(host:config:)`` once, ``threadStarted(index:)`` on
/// every thread that dispatches, ``dispatch(_:thread:)`` per request, then
/// ``threadStopped(_:)`` and ``shutdown()``. See `include/chimera_vfs.h` for
/// the threading and ownership rules.
public protocol VFSModule: AnyObject {
    /// Per-thread state (a ring, an arena, caches) used without locks.
    associatedtype ThreadState: AnyObject

    static var descriptor: VFSModuleDescriptor { get }

    /// `config` is the module's JSON config object as text.
    init(host: PluginHost, config: String) throws(PluginError)

    func threadStarted(index: UInt32) -> ThreadState
    func threadStopped(_ thread: ThreadState)

    /// Start `request`; complete it exactly once. Must not block unless the
    /// op is in ``VFSModuleDescriptor/blockingOps``.
    func dispatch(_ request: VFSRequest, thread: ThreadState)

    func shutdown()
}

extension VFSModule {
    public func threadStopped(_ thread: ThreadState) {}
    public func shutdown() {}
}
