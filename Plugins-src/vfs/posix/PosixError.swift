import ChimeraPluginKit

/// Why a POSIX-backed op failed: the status its request completes with.
///
/// Thrown by the syscall wrappers (``PosixCall``) and by the ops; the
/// dispatcher turns it into the request's status.
public struct PosixError: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: VFSStatus

    public init(_ status: VFSStatus) {
        self.status = status
    }

    /// The status for a Linux errno (`VFSStatus(errno:)`, which keeps the
    /// values the ABI shares with Linux).
    public init(errno: Int32) {
        switch errno {
        // Out of file descriptors (EMFILE, ENFILE): a retry may succeed.
        case 23, 24: self.status = .delay
        default: self.status = VFSStatus(errno: errno)
        }
    }

    public var description: String { status.description }

    static let invalid = PosixError(.invalid)
    static let stale = PosixError(.stale)
    static let badHandle = PosixError(.badHandle)
    static let badOpenHandle = PosixError(.badOpenHandle)
    static let notSupported = PosixError(.notSupported)
    static let crossDevice = PosixError(.crossDevice)
    static let range = PosixError(.range)
}
