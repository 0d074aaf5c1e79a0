import CChimera

/// What the core must know of each op, in one table indexed by op, so that
/// routing, handle translation, authorization and the open state agree on
/// it. A new op gets one row here; an op without a row is a plain op on its
/// object that changes nothing the core tracks.
struct OpTraits: Sendable {
    /// Where an op keeps its second wire handle (translated and restored
    /// around the module, authorized, checked for the mount).
    enum SecondHandle: Sendable {
        case none
        /// RENAME's destination directory.
        case renameDirectory
        /// LINK's directory.
        case linkDirectory
        /// LINK_AT's directory.
        case linkAtDirectory
        /// COPY_RANGE's and CLONE_RANGE's destination file.
        case copyDestination
    }

    /// What the op does to objects that may carry open state.
    enum StateRole: Sendable {
        case none
        /// Answered by the core's state table (STATE_OPEN ... LOCK_CANCEL).
        case stateOp
        /// LOCK, UNLOCK, TEST_LOCK: the table, or a CAP_LOCKS module.
        case lockOp
        /// Reads the object's data (breaks W; meets deny READ).
        case readsData
        /// Changes the object's data (breaks R and W; meets deny WRITE).
        case writesData
        /// SETATTR: writes data when it sets the size, else breaks W.
        case setsAttributes
        /// COPY_RANGE / CLONE_RANGE: reads the object, writes the second.
        case copies
        /// Removes the named entry (breaks its H; meets deny DELETE).
        case removesEntry
        /// RENAME: moves the named entry and replaces the destination's.
        case renamesEntries
        /// LINK / LINK_AT: replaces the destination entry with LINK_REPLACE.
        case replacesEntry
        /// OPEN_AT: truncates the named entry with OPEN_TRUNCATE.
        case truncatesEntry
    }

    /// Which of the core's caches the op reads or changes, and how
    /// (VFSCore+Caches: versions recorded at dispatch, results stored or
    /// invalidated at completion).
    enum CacheRole: Sendable {
        case none
        /// GETATTR: fills the attribute cache.
        case readsAttributes
        /// LOOKUP: fills the name cache (negative answers too).
        case looksUp
        /// OPEN_AT: a lookup, or a new entry when it creates or truncates.
        case opensEntry
        /// LOOKUP_PARENT: caches the parent's attributes.
        case looksUpParent
        /// SETATTR, WRITE, ALLOCATE, DEALLOCATE, SETXATTR, REMOVEXATTR.
        case changesObject
        /// COPY_RANGE, CLONE_RANGE: change the second handle's file.
        case changesSecond
        /// MKDIR, MKNOD, SYMLINK: a new entry in the directory.
        case addsEntry
        /// REMOVE, RENAME: entries go (and, for RENAME, come).
        case removesEntry
        /// LINK, LINK_AT: a new name for an existing object.
        case links
    }

    /// Never sent to a module: the core answers it.
    var coreOnly = false
    /// The op carries a directory entry name the core validates first.
    var namesEntry = false
    var second = SecondHandle.none
    var state = StateRole.none
    var cache = CacheRole.none

    private static let table: [OpTraits] = {
        var rows = [OpTraits](repeating: OpTraits(), count: Int(CHIMERA_VFS_OP_MAX) + 1)
        func row(_ op: Int32, _ body: (inout OpTraits) -> Void) { body(&rows[Int(op)]) }
        row(CHIMERA_VFS_OP_READ) { $0.state = .readsData }
        row(CHIMERA_VFS_OP_WRITE) { $0.state = .writesData }
        row(CHIMERA_VFS_OP_ALLOCATE) { $0.state = .writesData }
        row(CHIMERA_VFS_OP_DEALLOCATE) { $0.state = .writesData }
        row(CHIMERA_VFS_OP_SETATTR) { $0.state = .setsAttributes }
        row(CHIMERA_VFS_OP_COPY_RANGE) {
            $0.second = .copyDestination
            $0.state = .copies
        }
        row(CHIMERA_VFS_OP_CLONE_RANGE) {
            $0.second = .copyDestination
            $0.state = .copies
        }
        row(CHIMERA_VFS_OP_OPEN_AT) {
            $0.namesEntry = true
            $0.state = .truncatesEntry
        }
        for op in [CHIMERA_VFS_OP_MKDIR, CHIMERA_VFS_OP_MKNOD, CHIMERA_VFS_OP_SYMLINK] {
            row(op) { $0.namesEntry = true }
        }
        row(CHIMERA_VFS_OP_REMOVE) {
            $0.namesEntry = true
            $0.state = .removesEntry
        }
        row(CHIMERA_VFS_OP_RENAME) {
            $0.namesEntry = true
            $0.second = .renameDirectory
            $0.state = .renamesEntries
        }
        row(CHIMERA_VFS_OP_LINK) {
            $0.namesEntry = true
            $0.second = .linkDirectory
            $0.state = .replacesEntry
        }
        row(CHIMERA_VFS_OP_LINK_AT) {
            $0.namesEntry = true
            $0.second = .linkAtDirectory
            $0.state = .replacesEntry
        }
        for op in [CHIMERA_VFS_OP_LOCK, CHIMERA_VFS_OP_UNLOCK, CHIMERA_VFS_OP_TEST_LOCK] {
            row(op) { $0.state = .lockOp }
        }
        for op in [
            CHIMERA_VFS_OP_STATE_OPEN, CHIMERA_VFS_OP_STATE_CLOSE, CHIMERA_VFS_OP_STATE_DOWNGRADE, CHIMERA_VFS_OP_LEASE,
            CHIMERA_VFS_OP_LOCK_CANCEL,
        ] {
            row(op) {
                $0.coreOnly = true
                $0.state = .stateOp
            }
        }
        row(CHIMERA_VFS_OP_LOOKUP_PATH) { $0.coreOnly = true }
        row(CHIMERA_VFS_OP_GETATTR) { $0.cache = .readsAttributes }
        row(CHIMERA_VFS_OP_LOOKUP) { $0.cache = .looksUp }
        row(CHIMERA_VFS_OP_OPEN_AT) { $0.cache = .opensEntry }
        row(CHIMERA_VFS_OP_LOOKUP_PARENT) { $0.cache = .looksUpParent }
        for op in [
            CHIMERA_VFS_OP_SETATTR, CHIMERA_VFS_OP_WRITE, CHIMERA_VFS_OP_ALLOCATE, CHIMERA_VFS_OP_DEALLOCATE,
            CHIMERA_VFS_OP_SETXATTR, CHIMERA_VFS_OP_REMOVEXATTR,
        ] {
            row(op) { $0.cache = .changesObject }
        }
        row(CHIMERA_VFS_OP_COPY_RANGE) { $0.cache = .changesSecond }
        row(CHIMERA_VFS_OP_CLONE_RANGE) { $0.cache = .changesSecond }
        for op in [CHIMERA_VFS_OP_MKDIR, CHIMERA_VFS_OP_MKNOD, CHIMERA_VFS_OP_SYMLINK] {
            row(op) { $0.cache = .addsEntry }
        }
        row(CHIMERA_VFS_OP_REMOVE) { $0.cache = .removesEntry }
        row(CHIMERA_VFS_OP_RENAME) { $0.cache = .removesEntry }
        row(CHIMERA_VFS_OP_LINK) { $0.cache = .links }
        row(CHIMERA_VFS_OP_LINK_AT) { $0.cache = .links }
        return rows
    }()

    @inline(__always)
    static func of(_ op: UInt32) -> OpTraits {
        op < UInt32(table.count) ? table[Int(op)] : OpTraits()
    }
}

extension OpTraits.SecondHandle {
    /// The handle's bytes in the request (empty for `.none`).
    func bytes(_ request: UnsafeMutablePointer<chimera_vfs_request>) -> UnsafeRawBufferPointer {
        let r = request.pointee
        switch self {
        case .none: return UnsafeRawBufferPointer(start: nil, count: 0)
        case .renameDirectory: return UnsafeRawBufferPointer(start: r.rename.new_dir_fh, count: Int(r.rename.new_dir_fh_len))
        case .linkDirectory: return UnsafeRawBufferPointer(start: r.link.dir_fh, count: Int(r.link.dir_fh_len))
        case .linkAtDirectory: return UnsafeRawBufferPointer(start: r.link_at.dir_fh, count: Int(r.link_at.dir_fh_len))
        case .copyDestination: return UnsafeRawBufferPointer(start: r.copy.dst_fh, count: Int(r.copy.dst_fh_len))
        }
    }

    /// Move the handle's start by `delta` bytes (past the mount id and
    /// back), keeping its end.
    func shift(_ request: UnsafeMutablePointer<chimera_vfs_request>, by delta: Int) {
        func adjusted(_ length: UInt32) -> UInt32 { UInt32(Int(length) - delta) }
        switch self {
        case .none:
            break
        case .renameDirectory:
            request.pointee.rename.new_dir_fh = request.pointee.rename.new_dir_fh.map { $0 + delta }
            request.pointee.rename.new_dir_fh_len = adjusted(request.pointee.rename.new_dir_fh_len)
        case .linkDirectory:
            request.pointee.link.dir_fh = request.pointee.link.dir_fh.map { $0 + delta }
            request.pointee.link.dir_fh_len = adjusted(request.pointee.link.dir_fh_len)
        case .linkAtDirectory:
            request.pointee.link_at.dir_fh = request.pointee.link_at.dir_fh.map { $0 + delta }
            request.pointee.link_at.dir_fh_len = adjusted(request.pointee.link_at.dir_fh_len)
        case .copyDestination:
            request.pointee.copy.dst_fh = request.pointee.copy.dst_fh.map { $0 + delta }
            request.pointee.copy.dst_fh_len = adjusted(request.pointee.copy.dst_fh_len)
        }
    }
}
