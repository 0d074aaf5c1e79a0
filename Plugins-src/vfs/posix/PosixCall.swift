import CLinuxShims
import Glibc

/// The syscalls the POSIX modules make, with EINTR retried and failures
/// thrown as ``PosixError``.
///
/// Two shapes of C call sit below: libc calls that return -1 and set errno,
/// and `clinux_*` shims that return -errno. Each wrapper is one line over
/// one of the two retry helpers, so the error path is the same everywhere.
enum PosixCall {
    /// Retry a libc call while it fails with EINTR (bounded: a signal storm
    /// must not spin a thread forever).
    @inline(__always)
    static func libc<T: BinaryInteger>(_ body: () -> T) throws(PosixError) -> T {
        var attempts = 0
        while true {
            let result = body()
            if result >= 0 { return result }
            let code = errno
            attempts += 1
            if code == EINTR && attempts < 100 { continue }
            throw PosixError(errno: code)
        }
    }

    /// Retry a shim call (-errno on failure) while it fails with EINTR.
    @inline(__always)
    static func shim<T: SignedInteger & FixedWidthInteger>(_ body: () -> T) throws(PosixError) -> T {
        var attempts = 0
        while true {
            let result = body()
            if result >= 0 { return result }
            attempts += 1
            if result == -T(EINTR) && attempts < 100 { continue }
            throw PosixError(errno: Int32(truncatingIfNeeded: -result))
        }
    }

    static let emptyPath: StaticString = ""

    /// `statx(dirfd, path, flags)` with the modules' mask; `path` nil means
    /// the fd itself (AT_EMPTY_PATH). Never follows a final symlink.
    static func stat(_ dirfd: Int32, _ path: UnsafePointer<CChar>? = nil) throws(PosixError) -> statx {
        var st = statx()
        let flags = clinux_AT_SYMLINK_NOFOLLOW | clinux_AT_STATX_SYNC_AS_STAT
        if let path {
            _ = try shim { clinux_statx(dirfd, path, flags, clinux_STATX_WANTED, &st) }
        } else {
            _ = try shim { clinux_statx(dirfd, "", flags | clinux_AT_EMPTY_PATH, clinux_STATX_WANTED, &st) }
        }
        return st
    }

    static func openAt(_ dirfd: Int32, _ path: UnsafePointer<CChar>, _ flags: Int32, _ mode: mode_t = 0)
        throws(PosixError) -> Int32
    {
        try libc { Glibc.openat(dirfd, path, flags | O_CLOEXEC, mode) }
    }

    /// Open a path fd again with real access (`flags`), through its magic
    /// link in /proc. Only for objects already checked to be regular files
    /// or directories: reopening a FIFO or a device would block or reach
    /// hardware. No O_NONBLOCK: io_uring answers EAGAIN instead of waiting
    /// for the disk on an O_NONBLOCK file.
    static func reopen(_ pathFD: Int32, _ flags: Int32) throws(PosixError) -> Int32 {
        var buffer = ProcPath(pathFD)
        return try buffer.withCString { path throws(PosixError) in
            try libc { Glibc.open(path, flags | O_CLOEXEC | O_NOCTTY) }
        }
    }

    static func close(_ fd: Int32) {
        // Linux closes the fd even when close() reports EINTR: never retry.
        _ = Glibc.close(fd)
    }
}

/// "/proc/self/fd/N" without allocating.
struct ProcPath {
    var bytes: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    init(_ fd: Int32) {
        withUnsafeMutableBytes(of: &bytes) { raw in
            let prefix = "/proc/self/fd/".utf8
            var i = 0
            for b in prefix {
                raw[i] = b
                i += 1
            }
            let n = UInt32(bitPattern: fd)
            var width = 1
            var rest = n / 10
            while rest > 0 {
                width += 1
                rest /= 10
            }
            var value = n
            for position in stride(from: i + width - 1, through: i, by: -1) {
                raw[position] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            }
            raw[i + width] = 0
        }
    }

    mutating func withCString<R, E: Error>(_ body: (UnsafePointer<CChar>) throws(E) -> R) throws(E) -> R {
        try withUnsafeBytes(of: &bytes) { raw throws(E) in
            guard let base = raw.baseAddress else { preconditionFailure("ProcPath has fixed storage") }
            return try body(base.assumingMemoryBound(to: CChar.self))
        }
    }
}
