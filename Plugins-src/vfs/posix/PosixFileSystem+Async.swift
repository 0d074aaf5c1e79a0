import CChimera
import ChimeraPluginKit
import Glibc

/// What a module that submits I/O itself (io_uring) needs from the shared
/// code: descriptors it can use without a blocking call, or nil — the
/// caller then runs the op through ``perform(_:)`` on the delegation pool.
extension PosixFileSystem {
    /// The cached O_PATH descriptor for a handle, without any syscall: nil
    /// when it is not cached (or is not a handle at all).
    public func cachedDescriptor(_ bytes: UnsafeRawBufferPointer) -> PathDescriptor? {
        guard let handle = PosixHandle(bytes) else { return nil }
        return cache.lookup(handle)
    }

    /// Drop a handle's cached descriptor (its object turned out removed).
    public func evict(_ bytes: UnsafeRawBufferPointer) {
        guard let handle = PosixHandle(bytes) else { return }
        cache.remove(handle)
    }

    /// Drop the cached descriptor of an inode (removed or replaced).
    public func evict(inode: UInt64) {
        cache.remove(inode: inode)
    }

    /// Whether handles are kernel handles. With inode handles, renames and
    /// links must update the path table, which the blocking code does.
    public var kernelHandles: Bool { codec.mode == .kernel }

    /// OK for a name a client may use in a directory op (one component, not
    /// `.` or `..`, no NUL, at most 255 bytes), else the status to fail with.
    public static func nameStatus(_ raw: UnsafeRawBufferPointer) -> VFSStatus {
        do {
            _ = try PosixName(raw)
            return .ok
        } catch {
            return error.status
        }
    }

    /// The fd behind an open handle, or nil when it is not one of ours.
    public func openDescriptor(_ handle: UInt64) -> Int32? {
        try? openFiles.descriptor(handle)
    }

    /// Forget an open handle and return its fd for the caller to close.
    public func releaseOpenHandle(_ handle: UInt64) -> Int32? {
        try? openFiles.unregister(handle)
    }
}

/// Views of a request's pointer + length pairs that never trap: a NULL
/// pointer reads as empty, whatever length came with it (the ops then
/// refuse the empty name or handle).
public enum RequestBytes {
    public static func of(_ pointer: UnsafeRawPointer?, _ count: UInt32) -> UnsafeRawBufferPointer {
        guard let pointer else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: pointer, count: Int(count))
    }

    /// The object's handle (`req->fh`).
    public static func handle(_ request: VFSRequest) -> UnsafeRawBufferPointer {
        of(request.raw.pointee.fh, request.raw.pointee.fh_len)
    }

    /// READ / WRITE iovecs.
    public static func iovecs(_ io: chimera_vfs_args_io) -> UnsafeBufferPointer<iovec> {
        guard let iov = io.iov else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: iov, count: Int(io.iovcnt))
    }
}
