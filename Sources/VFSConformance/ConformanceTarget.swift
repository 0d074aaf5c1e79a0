import CChimera
import ChimeraPluginKit

/// One mount of the module under test, reached through the VFS core.
///
/// The conformance kit (``ConformanceSuite``) drives a module only through
/// this protocol, so the same checks run against the real VFS core (`chimera
/// vfs-test`) and against any other harness that can submit requests.
public protocol ConformanceTarget: AnyObject {
    /// Wire handle of the mount's root directory (as front-ends see it: mount id + module handle).
    var rootHandle: [UInt8] { get }
    /// CHIMERA_VFS_CAP_* of the module under test.
    var capabilities: UInt64 { get }
    /// Number of host threads requests may be submitted on (>= 2).
    var threadCount: Int { get }
    /// Run one request on host thread `thread`: `prepare` fills a zeroed request (op, cred, fh, args and each
    /// r_*.req_mask wanted; struct_size/thread_index/complete are set by the target and must not be touched),
    /// the target submits it to the VFS core, and once it completes `finish` reads its results; returns what
    /// `finish` returns. Memory `prepare` points the request at must stay valid until `finish` has returned.
    func perform<R>(
        on thread: Int,
        _ prepare: (UnsafeMutablePointer<chimera_vfs_request>) -> Void,
        _ finish: (UnsafeMutablePointer<chimera_vfs_request>) -> R
    ) async -> R
    /// Shut the module down and load it again with the same config (handles of a module that claims
    /// CHIMERA_VFS_CAP_PERSISTENT_HANDLES must still work afterwards). Returns false when not possible.
    func restart() async throws -> Bool
    /// Make a client of the core's open state, as a front-end would (chimera_host.h client_create): `onBreak`
    /// hears its lease breaks. `expires`: dropped when not renewed within the target's lease period. nil when
    /// the target has no open state (the state chapter is then skipped).
    func makeStateClient(name: String, thread: Int, expires: Bool, onBreak: @escaping @Sendable (LeaseBreak) -> Void)
        -> UInt64?
    /// client_release: the client and all it holds go.
    func releaseStateClient(_ client: UInt64)
    /// The lease period of clients made with `expires` (seconds).
    var stateLeaseSeconds: UInt32 { get }
}

extension ConformanceTarget {
    public func makeStateClient(
        name: String, thread: Int, expires: Bool, onBreak: @escaping @Sendable (LeaseBreak) -> Void
    ) -> UInt64? { nil }
    public func releaseStateClient(_ client: UInt64) {}
    public var stateLeaseSeconds: UInt32 { 0 }
}
