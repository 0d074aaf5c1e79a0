import Synchronization

/// The fds handed out as open handles (OPEN, OPEN_AT, CREATE_UNLINKED).
///
/// An open handle is the fd number. The core only passes back handles it
/// got from us, but the table makes sure: READ, WRITE or CLOSE with any
/// other number is BADF, so no request can reach the root fd, a ring or the
/// handle key through a made-up open handle.
final class OpenFileTable: Sendable {
    private let fds = Mutex<Set<Int32>>([])

    func register(_ fd: Int32) -> UInt64 {
        fds.withLock { _ = $0.insert(fd) }
        return UInt64(fd)
    }

    /// The fd behind an open handle.
    func descriptor(_ handle: UInt64) throws(PosixError) -> Int32 {
        guard handle > 0, handle <= UInt64(Int32.max) else { throw .badOpenHandle }
        let fd = Int32(handle)
        guard fds.withLock({ $0.contains(fd) }) else { throw .badOpenHandle }
        return fd
    }

    /// Forget an open handle; the caller closes the fd.
    func unregister(_ handle: UInt64) throws(PosixError) -> Int32 {
        guard handle > 0, handle <= UInt64(Int32.max) else { throw .badOpenHandle }
        let fd = Int32(handle)
        guard fds.withLock({ $0.remove(fd) }) != nil else { throw .badOpenHandle }
        return fd
    }

    func closeAll() {
        let all = fds.withLock { s in
            let all = s
            s = []
            return all
        }
        for fd in all { PosixCall.close(fd) }
    }
}
