import CChimera
import ChimeraPluginKit
import Synchronization

extension MemFS {
    /// REMOVE: unlink a name (REMOVE_NOT_DIR), remove an empty directory
    /// (REMOVE_DIR), or either.
    func remove(_ request: VFSRequest) throws(MemFSFailure) {
        let directory = try resolveDirectory(request.handle)
        let args = request.raw.pointee.remove
        let name = try name(args.name, args.name_len)
        let now = MemFSClock.now()
        let removed = try directory.state.withLock { dir throws(MemFSFailure) -> UInt64 in
            guard dir.alive else { throw MemFSFailure(.stale) }
            guard let entry = dir.entries.find(name) else { throw MemFSFailure(.noEntry) }
            let child = entry.inode
            if args.flags & UInt32(CHIMERA_VFS_REMOVE_DIR) != 0 && !child.isDirectory {
                throw MemFSFailure(.notDirectory)
            }
            if args.flags & UInt32(CHIMERA_VFS_REMOVE_NOT_DIR) != 0 && child.isDirectory {
                throw MemFSFailure(.isDirectory)
            }
            fillDirectoryPre(request, dir, directory.number)
            try child.state.withLock { state throws(MemFSFailure) in
                if state.isDirectory {
                    guard state.entries.isEmpty else { throw MemFSFailure(.notEmpty) }
                    state.nlink = 0
                    dir.nlink -= 1
                } else if state.nlink > 0 {
                    state.nlink -= 1
                }
                state.touchMetadata(now)
                reapIfUnused(&state, child.number)
            }
            dir.entries.remove(name)
            dir.touchContents(now)
            fillDirectoryPost(request, dir, directory.number)
            return child.number
        }
        setResultHandle(request, removed)
    }

    /// LINK: another name for a non-directory.
    func link(_ request: VFSRequest) throws(MemFSFailure) {
        let file = try resolve(request.handle)
        guard !file.isDirectory else { throw MemFSFailure(.permission) }
        let args = request.raw.pointee.link
        let directory = try resolve(args.dir_fh, args.dir_fh_len)
        guard directory.isDirectory else { throw MemFSFailure(.notDirectory) }
        let name = try name(args.name, args.name_len)
        let now = MemFSClock.now()
        try directory.state.withLock { dir throws(MemFSFailure) in
            guard dir.alive, dir.nlink > 0 else { throw MemFSFailure(.noEntry) }
            guard dir.entries.find(name) == nil else { throw MemFSFailure(.exists) }
            fillDirectoryPre(request, dir, directory.number)
            try file.state.withLock { state throws(MemFSFailure) in
                guard state.alive else { throw MemFSFailure(.stale) }
                guard state.nlink > 0 else { throw MemFSFailure(.noEntry) }
                guard state.nlink < Self.maxLinks else { throw MemFSFailure(.tooManyLinks) }
                state.nlink += 1
                state.touchMetadata(now)
                fillAttributes(request, state, file.number)
            }
            dir.entries.insert(name, file)
            dir.touchContents(now)
            fillDirectoryPost(request, dir, directory.number)
        }
    }

    /// Lock `first`, then `second` when there is one, and hand `body` their
    /// states in place (the pointers are valid only inside `body`). The
    /// caller chooses the order; see ``Inode`` for the rule.
    func withLocked<R: Sendable>(
        _ first: Inode,
        then second: Inode?,
        _ body: (UnsafeMutablePointer<InodeState>, UnsafeMutablePointer<InodeState>?) throws(MemFSFailure) -> R
    ) throws(MemFSFailure) -> R {
        try first.state.withLock { s1 throws(MemFSFailure) -> R in
            try withUnsafeMutablePointer(to: &s1) { p1 throws(MemFSFailure) -> R in
                guard let second, second !== first else { return try body(p1, nil) }
                return try second.state.withLock { s2 throws(MemFSFailure) -> R in
                    try withUnsafeMutablePointer(to: &s2) { p2 throws(MemFSFailure) -> R in try body(p1, p2) }
                }
            }
        }
    }

    /// Lock one or two non-directories in number order.
    func withNonDirectories<R: Sendable>(
        _ a: Inode,
        _ b: Inode?,
        _ body: (UnsafeMutablePointer<InodeState>, UnsafeMutablePointer<InodeState>?) throws(MemFSFailure) -> R
    ) throws(MemFSFailure) -> R {
        guard let b, b !== a else { return try withLocked(a, then: nil, body) }
        if a.number < b.number {
            return try withLocked(a, then: b, body)
        }
        return try withLocked(b, then: a) { pb, pa throws(MemFSFailure) -> R in
            try body(pa ?? pb, pb)
        }
    }
}
