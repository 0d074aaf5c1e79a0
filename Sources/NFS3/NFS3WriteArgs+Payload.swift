import XDR

extension NFS3WriteArgs {
    /// Whether `count` equals the length of `data`. RFC 1813 §3.3.7 has them equal; a server answers a
    /// mismatch with NFS3ERR_INVAL (or GARBAGE_ARGS) rather than guess which to trust.
    @inlinable
    public var payloadMatchesCount: Bool {
        Int(count) == data.count
    }
}
