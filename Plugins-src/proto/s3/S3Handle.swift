import CChimera

/// A wire handle (mount id + module handle, at most CHIMERA_FH_MAX bytes).
struct S3Handle: Hashable, Sendable {
    var bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The `r_fh` of a completed request.
    init(resultOf request: UnsafeMutablePointer<chimera_vfs_request>) {
        let count = Int(min(request.pointee.r_fh_len, UInt32(CHIMERA_FH_MAX)))
        bytes = withUnsafeBytes(of: &request.pointee.r_fh) { Array($0.prefix(count)) }
    }

    var isEmpty: Bool { bytes.isEmpty }
}
