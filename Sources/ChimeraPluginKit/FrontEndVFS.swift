import CChimera

/// The VFS as a front-end reaches it (`chimera_vfs_api`): allocate a
/// request on the connection's loop, fill it with wire handles, submit it;
/// the completion runs on that loop, possibly before submit returns.
public struct FrontEndVFS: @unchecked Sendable {
    public let host: UnsafePointer<chimera_host>
    public let api: UnsafePointer<chimera_vfs_api>

    public init?(host: PluginHost) {
        guard let api = host.raw.pointee.vfs else { return nil }
        self.host = host.raw
        self.api = api
    }

    /// A zeroed request for loop `thread`.
    @inlinable
    public func allocate(thread: UInt32) -> UnsafeMutablePointer<chimera_vfs_request>? {
        api.pointee.request_alloc(host, thread)
    }

    /// A zeroed request for loop `thread` with the fields every op shares
    /// set in place, for the data path: nothing is copied, so `handle` and
    /// `credential` must stay valid until the request is freed. (Requests
    /// built from Swift values go through ``VFSArguments/prepare``.)
    @inlinable
    public func allocate(
        thread: UInt32,
        op: Int32,
        handle: UnsafeRawBufferPointer,
        credential: UnsafePointer<chimera_cred>?
    ) -> UnsafeMutablePointer<chimera_vfs_request>? {
        guard let request = api.pointee.request_alloc(host, thread) else { return nil }
        request.pointee.op = UInt32(op)
        request.pointee.cred = credential
        request.pointee.fh = handle.baseAddress?.assumingMemoryBound(to: UInt8.self)
        request.pointee.fh_len = UInt32(handle.count)
        return request
    }

    @inlinable
    public func free(_ request: UnsafeMutablePointer<chimera_vfs_request>) {
        api.pointee.request_free(request)
    }

    /// Submit with a C completion and context (no allocation).
    @inlinable
    public func submit(
        _ request: UnsafeMutablePointer<chimera_vfs_request>,
        complete: chimera_vfs_complete_fn,
        context: UnsafeMutableRawPointer?
    ) {
        request.pointee.complete = complete
        request.pointee.caller_data = context
        api.pointee.submit(request)
    }

    /// Submit with a Swift closure, run on the loop when the request
    /// completes (the request is still the caller's to read and free).
    @inlinable
    public func submit(
        _ request: UnsafeMutablePointer<chimera_vfs_request>,
        _ completion: @escaping (UnsafeMutablePointer<chimera_vfs_request>) -> Void
    ) {
        request.pointee.caller_data = Unmanaged.passRetained(VFSCompletionBox(completion)).toOpaque()
        request.pointee.complete = vfsCompletionThunk
        api.pointee.submit(request)
    }

    /// The namespace root's handle.
    public var rootHandle: [UInt8] {
        var fh = [UInt8](repeating: 0, count: Int(CHIMERA_FH_MAX))
        let n = fh.withUnsafeMutableBufferPointer { api.pointee.root_fh(host, $0.baseAddress) }
        return Array(fh.prefix(Int(n)))
    }

    /// CHIMERA_VFS_CAP_* of the module behind a handle.
    @inlinable
    public func capabilities(of handle: UnsafeRawBufferPointer) -> UInt64 {
        api.pointee.capabilities(host, handle.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt32(handle.count))
    }
}

public final class VFSCompletionBox {
    @usableFromInline let body: (UnsafeMutablePointer<chimera_vfs_request>) -> Void
    @inlinable init(_ body: @escaping (UnsafeMutablePointer<chimera_vfs_request>) -> Void) { self.body = body }
}

public let vfsCompletionThunk: chimera_vfs_complete_fn = { request in
    guard let request, let box = request.pointee.caller_data else { return }
    Unmanaged<VFSCompletionBox>.fromOpaque(box).takeRetainedValue().body(request)
}
