import ONCRPC

/// One entry of `server.protocols.nfs.exports`: a namespace path, the clients it admits, read-only or
/// read-write, and how it maps the identities clients claim.
///
/// Exports are enforced per mount, not per subtree: a handle carries its mount's id, not the path it was
/// reached by, so an export of `/linux/projects` admits its clients to every handle of the `linux` mount
/// (as Linux's nfsd with `no_subtree_check`). Clients never reach a mount that no export covering it
/// admits them to.
struct ExportRule: Hashable, Sendable {
    /// Normalized: starts with "/", no empty, "." or ".." components, no trailing "/".
    var path: String
    /// The mount the path lies in (its first component), or nil for "/" (every mount).
    var mountName: String?
    var clients: [ClientRange]
    var readOnly: Bool
    var squash: RPCSquashPolicy

    /// Whether `address` is one of the export's clients.
    func admits(_ address: RPCClientAddress) -> Bool {
        clients.contains { $0.contains(address) }
    }

    /// Whether the export covers mount `name` (the namespace root when nil).
    func covers(mount name: String?) -> Bool {
        mountName == nil || mountName == name
    }

    /// Whether a MOUNT of `requested` (normalized) lies at or below this export's path.
    func contains(path requested: String) -> Bool {
        if path == "/" { return true }
        return requested == path || requested.hasPrefix(path + "/")
    }

    /// `path` cleaned up, or nil when it is not an absolute path of at most 1024 bytes without "." or "..".
    static func normalize(_ path: String) -> String? {
        guard path.hasPrefix("/"), path.utf8.count <= 1024, !path.utf8.contains(0) else { return nil }
        var components: [Substring] = []
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            if component == "." || component == ".." { return nil }
            components.append(component)
        }
        return "/" + components.joined(separator: "/")
    }
}

/// What an export grants one client on one mount.
struct ExportDecision: Hashable, Sendable {
    var readOnly: Bool
    var squash: RPCSquashPolicy
}
