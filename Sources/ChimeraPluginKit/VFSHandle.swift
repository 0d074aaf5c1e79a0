import CChimera

/// A wire handle as a value (mount id + module handle, at most
/// `CHIMERA_FH_MAX` bytes), for front-ends that keep handles past a request.
public struct VFSHandle: Hashable, Sendable {
    public var bytes: [UInt8]

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The `r_fh` of a completed request.
    public init(resultOf request: UnsafeMutablePointer<chimera_vfs_request>) {
        bytes = VFSReply.withResultHandle(of: request) { Array($0) }
    }

    public var isEmpty: Bool { bytes.isEmpty }
}
