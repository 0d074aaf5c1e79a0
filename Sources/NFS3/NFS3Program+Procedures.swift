extension NFS3Program.V3.Procedure {
    /// Whether the procedure is not idempotent, so a retransmission must get the first reply from the
    /// duplicate request cache instead of running again (RFC 1813 §4.1 and the servers that follow it:
    /// Linux's nfsd caches these same ten).
    @inlinable
    public var cachesReply: Bool {
        switch self {
        case .setattr, .write, .create, .mkdir, .symlink, .mknod, .remove, .rmdir, .rename, .link:
            return true
        default:
            return false
        }
    }
}
