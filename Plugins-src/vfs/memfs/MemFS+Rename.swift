import CChimera
import ChimeraPluginKit
import Synchronization

extension MemFS {
    /// Times a rename looks the names up again when they changed between
    /// looking and locking, before it answers DELAY.
    static let renameAttempts = 16
    /// Deepest directory chain walked when checking ancestry.
    static let maxDepth = 1 << 20

    /// RENAME (RFC 1813 §3.3.14, rename(2)): replaces a file, or an empty
    /// directory with a directory, in one step; refuses to move a directory
    /// into its own subtree (INVAL). Renaming a name onto the same object is
    /// a no-op.
    func rename(_ request: VFSRequest) throws(MemFSFailure) {
        let args = request.raw.pointee.rename
        let source = try resolveDirectory(request.handle)
        let destination = try resolve(args.new_dir_fh, args.new_dir_fh_len)
        guard destination.isDirectory else { throw MemFSFailure(.notDirectory) }
        let oldName = try name(args.name, args.name_len)
        let newName = try name(args.new_name, args.new_name_len)
        let noReplace = args.flags & UInt32(CHIMERA_VFS_RENAME_NOREPLACE) != 0
        let move = RenameNames(source: source, destination: destination, oldName: oldName, newName: newName)
        if source === destination {
            try renameRetrying(request, move, noReplace: noReplace)
        } else {
            try renameLock.withLock { _ throws(MemFSFailure) in
                try renameRetrying(request, move, noReplace: noReplace)
            }
        }
    }

    struct RenameNames: @unchecked Sendable {
        let source: Inode
        let destination: Inode
        let oldName: EntryName
        let newName: EntryName
        var sameDirectory: Bool { source === destination }
    }

    private func renameRetrying(_ request: VFSRequest, _ move: RenameNames, noReplace: Bool) throws(MemFSFailure) {
        for _ in 0..<Self.renameAttempts {
            if try renameOnce(request, move, noReplace: noReplace) { return }
        }
        throw MemFSFailure(.delay)
    }

    /// One try: look, check, lock, confirm nothing moved, change. Returns
    /// false when a name changed between looking and locking.
    private func renameOnce(_ request: VFSRequest, _ move: RenameNames, noReplace: Bool) throws(MemFSFailure) -> Bool {
        let (source, destination) = (move.source, move.destination)
        let child = try source.state.withLock { dir throws(MemFSFailure) -> Inode in
            guard dir.alive else { throw MemFSFailure(.stale) }
            guard let entry = dir.entries.find(move.oldName) else { throw MemFSFailure(.noEntry) }
            return entry.inode
        }
        let target = try destination.state.withLock { dir throws(MemFSFailure) -> Inode? in
            guard dir.alive, dir.nlink > 0 else { throw MemFSFailure(.noEntry) }
            return dir.entries.find(move.newName)?.inode
        }
        if let target {
            if target === child {
                fillRenameAttributes(request, move)
                return true
            }
            if noReplace { throw MemFSFailure(.exists) }
            if child.isDirectory && !target.isDirectory { throw MemFSFailure(.notDirectory) }
            if !child.isDirectory && target.isDirectory { throw MemFSFailure(.isDirectory) }
        }

        // Directories are locked ancestor first; two unrelated ones (only
        // here, under the rename lock) by number.
        var first = source
        var second: Inode? = nil
        if !move.sameDirectory {
            if child.isDirectory, try isAncestor(child, of: destination) { throw MemFSFailure(.invalid) }
            if let target, target.isDirectory, try isAncestor(target, of: source) {
                throw MemFSFailure(.notEmpty)
            }
            if try isAncestor(source, of: destination) {
                second = destination
            } else if try isAncestor(destination, of: source) {
                first = destination
                second = source
            } else if source.number < destination.number {
                second = destination
            } else {
                first = destination
                second = source
            }
        }

        let now = MemFSClock.now()
        let done = try withLocked(first, then: second) { p1, p2 throws(MemFSFailure) -> Bool in
            let src = first === source ? p1 : (p2 ?? p1)
            let dst = first === destination ? p1 : (p2 ?? p1)
            guard src.pointee.entries.find(move.oldName)?.inode === child,
                dst.pointee.entries.find(move.newName)?.inode === target
            else { return false }
            guard dst.pointee.alive, dst.pointee.nlink > 0 else { throw MemFSFailure(.noEntry) }

            fillDirectoryPre(request, src.pointee, source.number)
            if request.raw.pointee.rename.r_new_dir_pre_attrs.req_mask != 0 {
                dst.pointee.fill(
                    &request.raw.pointee.rename.r_new_dir_pre_attrs,
                    number: destination.number,
                    identity: identity
                )
            }
            if let target {
                try target.state.withLock { replaced throws(MemFSFailure) in
                    if replaced.isDirectory {
                        guard replaced.entries.isEmpty else { throw MemFSFailure(.notEmpty) }
                        replaced.nlink = 0
                        dst.pointee.nlink -= 1
                    } else if replaced.nlink > 0 {
                        replaced.nlink -= 1
                    }
                    replaced.touchMetadata(now)
                    reapIfUnused(&replaced, target.number)
                }
                dst.pointee.entries.remove(move.newName)
            }
            src.pointee.entries.remove(move.oldName)
            dst.pointee.entries.insert(move.newName, child)
            if child.isDirectory && !move.sameDirectory {
                src.pointee.nlink -= 1
                dst.pointee.nlink += 1
            }
            src.pointee.touchContents(now)
            if !move.sameDirectory { dst.pointee.touchContents(now) }

            fillDirectoryPost(request, src.pointee, source.number)
            if request.raw.pointee.rename.r_new_dir_post_attrs.req_mask != 0 {
                dst.pointee.fill(
                    &request.raw.pointee.rename.r_new_dir_post_attrs,
                    number: destination.number,
                    identity: identity
                )
            }
            return true
        }
        guard done else { return false }
        // The moved object: its ctime, and a directory's new parent. Only a
        // rename across directories writes the parent, and it still holds
        // the rename lock here: a same-directory rename finishing late must
        // not write back a parent another rename has changed since.
        child.state.withLock { state in
            state.touchMetadata(now)
            if state.isDirectory && !move.sameDirectory { state.parent = destination.number }
        }
        return true
    }

    /// Whether `ancestor` is `inode` or one of its ancestors. Stable only
    /// under the rename lock (directories change parents only there).
    func isAncestor(_ ancestor: Inode, of inode: Inode) throws(MemFSFailure) -> Bool {
        var current = inode
        for _ in 0..<Self.maxDepth {
            if current === ancestor { return true }
            if current.number == Self.rootNumber { return false }
            let parent = current.state.withLock { $0.parent }
            guard parent != 0, let up = table.get(parent) else { return false }
            current = up
        }
        throw MemFSFailure(.loop)
    }

    /// WCC for a rename that changed nothing.
    private func fillRenameAttributes(_ request: VFSRequest, _ move: RenameNames) {
        move.source.state.withLock { dir in
            fillDirectoryPre(request, dir, move.source.number)
            fillDirectoryPost(request, dir, move.source.number)
        }
        move.destination.state.withLock { dir in
            if request.raw.pointee.rename.r_new_dir_pre_attrs.req_mask != 0 {
                dir.fill(
                    &request.raw.pointee.rename.r_new_dir_pre_attrs,
                    number: move.destination.number,
                    identity: identity
                )
            }
            if request.raw.pointee.rename.r_new_dir_post_attrs.req_mask != 0 {
                dir.fill(
                    &request.raw.pointee.rename.r_new_dir_post_attrs,
                    number: move.destination.number,
                    identity: identity
                )
            }
        }
    }
}
