import CChimera
import ChimeraPluginKit
import Synchronization

/// The in-memory file system module (`chimera_vfs_memfs.so`).
///
/// Non-blocking: every op runs inline on the event loop that asked, and
/// several loops call it at once. Each inode has its own lock (see
/// ``Inode`` for the order), the inode table is sharded, and a request is
/// completed only after every lock is released, because the completion may
/// submit the caller's next op into memfs on the same thread.
final class MemFS: VFSModule, Sendable {
    typealias ThreadState = MemFSThread

    static let attributesSupported: VFSAttributeMask = .all

    static let descriptor = VFSModuleDescriptor(
        name: "memfs",
        description: "in-memory file system (sparse files, hard links, symlinks, xattrs, key-value)",
        capabilities: CHIMERA_VFS_CAP_HARDLINKS | CHIMERA_VFS_CAP_SYMLINKS | CHIMERA_VFS_CAP_XATTRS
            | CHIMERA_VFS_CAP_KV | CHIMERA_VFS_CAP_STATELESS_IO,
        blockingOps: 0,
        attributesSupported: attributesSupported
    )

    /// Largest file size: far past any test, bounded so offsets never wrap.
    static let maxFileSize: UInt64 = 1 << 50
    static let rootNumber: UInt64 = 2
    static let handleLength = 16
    /// Hard links one object may have.
    static let maxLinks: UInt32 = 65_000
    static let maxXattrName = 255
    static let maxXattrValue = 65_536
    static let maxXattrBytesPerInode = 1 << 20
    static let maxKeyLength = 4_096
    static let maxValueLength = 1 << 20

    let host: PluginHost
    let config: MemFSConfig
    let identity: MemFSIdentity
    let table = InodeTable()
    let usage: MemFSUsage
    let root: Inode
    let nextNumber = Atomic<UInt64>(rootNumber + 1)
    /// Serialises renames across directories, so that "is the target inside
    /// the moved directory" stays true while the rename runs (the same rule
    /// as Linux's s_vfs_rename_mutex).
    let renameLock = Mutex<Void>(())
    let keyValues = Mutex<[[UInt8]: [UInt8]]>([:])
    let metrics: MemFSMetrics

    init(host: PluginHost, config text: String) throws(PluginError) {
        self.host = host
        self.config = try MemFSConfig(parsing: text)
        self.identity = MemFSIdentity(generation: UInt64.random(in: 1...UInt64.max), fsid: 0x6d65_6d66_73)
        self.usage = MemFSUsage(
            sizeLimit: config.sizeLimit ?? Self.physicalMemory / 2,
            fileLimit: config.maxFiles ?? Int64.max / 2
        )
        var state = InodeState(type: .directory, permissions: 0o777, uid: 0, gid: 0, now: MemFSClock.now())
        state.parent = Self.rootNumber
        self.root = Inode(number: Self.rootNumber, state: state)
        table.insert(root)
        _ = usage.reserveInode()
        self.metrics = MemFSMetrics(host: host, usage: usage)
        host.log(
            .info,
            "memfs ready: size_limit \(config.sizeLimit.map(String.init) ?? "none"), "
                + "max_files \(config.maxFiles.map(String.init) ?? "none")"
        )
    }

    func threadStarted(index: UInt32) -> MemFSThread {
        if index == 0 { metrics.start(on: index) }
        return MemFSThread(index: index)
    }

    func threadStopped(_ thread: MemFSThread) {
        if thread.index == 0 { metrics.stop() }
    }

    func shutdown() {
        // Break every directory's references first, so that freeing a deep
        // tree does not recurse once per level.
        for inode in table.removeAll() {
            inode.state.withLock { _ = $0.entries.removeAll() }
        }
        metrics.record()
    }

    func dispatch(_ request: VFSRequest, thread: MemFSThread) {
        let status: VFSStatus
        do throws(MemFSFailure) {
            switch request.op {
            case .getattr: try getattr(request)
            case .lookup: try lookup(request)
            case .read: try read(request)
            case .write: try write(request)
            case .openAt: try openAt(request)
            case .open: try open(request)
            case .close: try close(request)
            case .remove: try remove(request)
            case .setattr: try setattr(request)
            case .readdir: try readdir(request, thread: thread)
            case .mkdir: try mkdir(request)
            case .mknod: try mknod(request)
            case .symlink: try symlink(request)
            case .readlink: try readlink(request)
            case .link: try link(request)
            case .rename: try rename(request)
            case .commit: try commit(request)
            case .allocate: try allocate(request)
            case .deallocate: try deallocate(request)
            case .seek: try seek(request)
            case .copyRange: try copyRange(request)
            case .lookupParent: try lookupParent(request)
            case .createUnlinked: try createUnlinked(request)
            case .linkAt: try linkAt(request)
            case .fsstat: try fsstat(request)
            case .mount: try mount(request)
            case .umount: try umount(request)
            case .getxattr: try getxattr(request)
            case .setxattr: try setxattr(request)
            case .listxattr: try listxattr(request)
            case .removexattr: try removexattr(request)
            case .kvGet: try kvGet(request)
            case .kvPut: try kvPut(request)
            case .kvDelete: try kvDelete(request)
            default: throw MemFSFailure(.notSupported)
            }
            status = .ok
        } catch {
            status = error.status
        }
        request.complete(status)
    }
}

/// Per-thread scratch, used without locks by the thread that owns it.
final class MemFSThread {
    let index: UInt32
    /// READDIR entries gathered under the directory lock and emitted after
    /// it is released.
    var readdirBatch: [MemFS.ReaddirItem] = []

    init(index: UInt32) {
        self.index = index
    }
}

/// Why an op failed: carried by typed throws to the one completion point.
struct MemFSFailure: Error {
    let status: VFSStatus

    @inline(__always)
    init(_ status: VFSStatus) {
        self.status = status
    }
}
