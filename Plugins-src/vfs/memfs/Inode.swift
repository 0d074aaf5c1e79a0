import CChimera
import ChimeraPluginKit
import OrderedCollections
import Synchronization

/// One file system object. Its number and type never change; everything
/// else is in ``InodeState`` behind the inode's own lock.
///
/// Lock order (so that no two threads wait on each other): the module's
/// rename lock, then directories from ancestor to descendant (two unrelated
/// directories only under the rename lock, by number), then non-directories
/// by number. Nobody holding a non-directory waits for a directory, and no
/// lock is held while a request completes.
final class Inode: Sendable {
    let number: UInt64
    let isDirectory: Bool
    let state: Mutex<InodeState>

    init(number: UInt64, state: consuming InodeState) {
        self.number = number
        self.isDirectory = state.type == .directory
        self.state = Mutex(state)
    }

    deinit {
        state.withLock { state in
            _ = state.pages.releaseAll()
        }
    }
}

/// The mutable part of an inode.
struct InodeState: @unchecked Sendable {
    var type: VFSFileType
    /// Type bits and permission bits.
    var mode: UInt32
    var nlink: UInt32
    var uid: UInt32
    var gid: UInt32
    var rdev: UInt64 = 0
    var size: UInt64 = 0
    var atime: chimera_timespec
    var mtime: chimera_timespec
    var ctime: chimera_timespec
    var btime: chimera_timespec
    /// Bumped on every change of data or metadata.
    var change: UInt64 = 1
    var dos: UInt32 = 0
    /// Opens not yet closed; an unlinked inode lives while this is non-zero.
    var openCount: UInt32 = 0
    /// False once the inode left the table: its handles are stale.
    var alive = true

    /// Directories: the parent's number (the root names itself).
    var parent: UInt64 = 0
    var entries = DirectoryEntries()
    /// Regular files.
    var pages = PageMap()
    /// Symbolic links.
    var target: [UInt8] = []
    /// NFSv3 exclusive create (RFC 1813 §3.3.8): the verifier the file was
    /// created with.
    var createVerifier: UInt64?

    var xattrs: OrderedDictionary<[UInt8], [UInt8]> = [:]
    var xattrBytes = 0

    init(type: VFSFileType, permissions: UInt32, uid: UInt32, gid: UInt32, now: chimera_timespec) {
        self.type = type
        self.mode = type.rawValue | (permissions & 0o7777)
        self.nlink = type == .directory ? 2 : 1
        self.uid = uid
        self.gid = gid
        self.atime = now
        self.mtime = now
        self.ctime = now
        self.btime = now
    }

    var isDirectory: Bool { type == .directory }
    var isRegular: Bool { type == .regular }

    /// Bytes the object holds.
    var spaceUsed: UInt64 {
        switch type {
        case .regular: UInt64(pages.count) << PageMap.shift
        case .directory: UInt64(PageMap.size)
        default: 0
        }
    }

    /// Record a change of metadata only.
    @inline(__always)
    mutating func touchMetadata(_ now: chimera_timespec) {
        ctime = now
        change &+= 1
    }

    /// Record a change of the contents (data or entries).
    @inline(__always)
    mutating func touchContents(_ now: chimera_timespec) {
        mtime = now
        ctime = now
        change &+= 1
    }

    /// Fill `attrs` with everything memfs knows, keeping the caller's
    /// request mask.
    @inline(__always)
    func fill(_ attrs: inout chimera_attrs, number: UInt64, identity: MemFSIdentity) {
        attrs.valid_mask = MemFS.attributesSupported.rawValue
        attrs.mode = mode
        attrs.nlink = nlink
        attrs.uid = uid
        attrs.gid = gid
        attrs.rdev = rdev
        attrs.size = type == .directory ? UInt64(PageMap.size) : size
        attrs.space_used = spaceUsed
        attrs.fileid = number
        attrs.generation = identity.generation
        attrs.fsid = identity.fsid
        attrs.change = change
        attrs.atime = atime
        attrs.mtime = mtime
        attrs.ctime = ctime
        attrs.btime = btime
        attrs.dos_attrs = dos
        attrs.reserved = 0
    }
}

/// What every attribute set and handle of one module instance shares.
struct MemFSIdentity: Sendable {
    /// Per instance: handles of an earlier instance are stale (memfs keeps
    /// nothing across a restart). Inode numbers are never reused within an
    /// instance.
    let generation: UInt64
    let fsid: UInt64
}
