import CChimera
import ChimeraPluginKit
import CLinuxShims
import Glibc
import Synchronization

/// A directory of the host file system served as a Chimera namespace: what
/// the linux and io_uring modules share.
///
/// Every op here is a blocking POSIX call (``perform(_:)`` runs on the
/// host's delegation pool, concurrently); state shared between threads
/// sits behind short `Mutex`es that are never held across a syscall that
/// can wait on disk, nor across `complete`.
///
/// Confinement: the root is opened once; every later path walk is either a
/// single checked name (``PosixName``) under a directory fd with O_NOFOLLOW /
/// AT_SYMLINK_NOFOLLOW, or `openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
/// RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV)` from the root (mount paths,
/// inode handles). Symlinks are stored text, never followed. Handles are
/// authenticated (``HandleCodec``). Only regular files and directories are
/// ever opened for I/O, so a device node made with MKNOD never reaches its
/// driver through the server.
public final class PosixFileSystem: Sendable {
    public static let capabilities: UInt64 =
        CHIMERA_VFS_CAP_HARDLINKS | CHIMERA_VFS_CAP_SYMLINKS | CHIMERA_VFS_CAP_XATTRS | CHIMERA_VFS_CAP_PERSISTENT
        | CHIMERA_VFS_CAP_PERSISTENT_HANDLES
    public static let attributesSupported = PosixAttributes.supported

    let host: PluginHost
    let rootFD: Int32
    let rootPath: String
    let rootInode: UInt64
    let codec: HandleCodec
    let cache: DescriptorCache
    let openFiles = OpenFileTable()
    /// The process umask, read once: created objects whose requested mode
    /// it would narrow get an explicit chmod.
    let umask: UInt32
    /// Inodes of mounted directories; LOOKUP_PARENT stops there.
    let mountRoots = Mutex<[UInt64: Int]>([:])

    /// Whether handles survive a restart (kernel handles), for the log and
    /// for the modules' descriptors.
    public var persistentHandles: Bool { codec.mode == .kernel }

    public init(host: PluginHost, config: String) throws(PluginError) {
        let settings = try PosixConfig(parsing: config)
        self.host = host

        // A real fd, not O_PATH: open_by_handle_at refuses O_PATH mount fds.
        let fd = Glibc.open(settings.root, O_RDONLY | clinux_O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            switch code {
            case ENOENT: throw PluginError("root: \(settings.root) does not exist")
            case ENOTDIR: throw PluginError("root: \(settings.root) is not a directory")
            default: throw PluginError("root: cannot open \(settings.root): \(String(cString: strerror(code)))")
            }
        }
        var initialised = false
        defer { if !initialised { Glibc.close(fd) } }
        let rootStat: statx
        do {
            rootStat = try PosixCall.stat(fd)
        } catch {
            throw PluginError("root: cannot stat \(settings.root): \(error)")
        }
        guard PosixAttributes.isDirectory(rootStat) else {
            throw PluginError("root: \(settings.root) is not a directory")
        }

        var linkPath = ProcPath(fd)
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = linkPath.withCString { Glibc.readlink($0, &buffer, buffer.count - 1) }
        let canonical = n > 0
            ? String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self) : settings.root

        let mode: HandleCodec.Mode
        switch settings.handles {
        case .kernel:
            guard HandleCodec.kernelHandlesWork(rootFD: fd) else {
                throw PluginError(
                    "handles: the kernel refuses file handles for \(canonical) (needs CAP_DAC_READ_SEARCH and an "
                        + "exportable file system); use \"auto\" or \"inode\"")
            }
            mode = .kernel
        case .inode: mode = .inode
        case .auto: mode = HandleCodec.kernelHandlesWork(rootFD: fd) ? .kernel : .inode
        }
        let keyPath = settings.handleKeyFile ?? HandleSecret.defaultPath(forRoot: canonical)
        let secret = try HandleSecret.load(path: keyPath, key: "handle_key_file")

        self.rootFD = fd
        self.rootPath = canonical
        self.rootInode = rootStat.stx_ino
        self.codec = HandleCodec(mode: mode, rootFD: fd, rootPath: canonical, rootStat: rootStat, secret: secret)
        self.cache = DescriptorCache(capacity: Self.cacheCapacity(settings.descriptorCache, host: host))
        self.umask = Self.readUmask()
        initialised = true
        if mode == .inode {
            host.log(
                .warning,
                "\(canonical): kernel file handles unavailable; using inode handles (found again by a search of "
                    + "the tree after a restart)")
        }
        host.log(.info, "serving \(canonical) (\(mode.rawValue) handles, key \(keyPath))")
    }

    public func shutdown() {
        openFiles.closeAll()
        cache.removeAll()
        PosixCall.close(rootFD)
    }

    /// The descriptor cache may hold a quarter of the process's fd limit,
    /// no more: the rest is for open handles, sockets and the host.
    static func cacheCapacity(_ configured: Int, host: PluginHost) -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return min(configured, 256) }
        let allowed = max(64, Int(clamping: limit.rlim_cur / 4))
        if configured > allowed {
            host.log(
                .notice,
                "descriptor_cache: \(configured) is more than a quarter of the fd limit (\(limit.rlim_cur)); using \(allowed)")
            return allowed
        }
        return configured
    }

    static func readUmask() -> UInt32 {
        guard let file = fopen("/proc/self/status", "r") else { return 0o777 }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 256)
        for _ in 0..<200 {
            guard fgets(&line, Int32(line.count), file) != nil else { break }
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if text.hasPrefix("Umask:") {
                let digits = text.dropFirst(6).trimmingPrefix { $0 == " " || $0 == "\t" }.prefix { $0.isNumber }
                return UInt32(digits, radix: 8) ?? 0o777
            }
        }
        return 0o777
    }

    // MARK: Dispatch

    /// Run `request` to completion on this thread (blocking) and complete it.
    public func perform(_ request: VFSRequest) {
        let status: VFSStatus
        do {
            try run(request)
            status = .ok
        } catch {
            status = error.status
        }
        request.complete(status)
    }

    func run(_ request: VFSRequest) throws(PosixError) {
        switch request.op {
        case .mount: try mount(request)
        case .umount: try umount(request)
        case .getattr: try getattr(request)
        case .setattr: try setattr(request)
        case .lookup: try lookup(request)
        case .lookupParent: try lookupParent(request)
        case .readdir: try readdir(request)
        case .open: try open(request)
        case .openAt: try openAt(request)
        case .createUnlinked: try createUnlinked(request)
        case .linkAt: try linkAt(request)
        case .close: try close(request)
        case .read: try read(request)
        case .write: try write(request)
        case .commit: try commit(request)
        case .allocate: try allocate(request)
        case .deallocate: try deallocate(request)
        case .seek: try seek(request)
        case .mkdir: try mkdir(request)
        case .mknod: try mknod(request)
        case .symlink: try symlink(request)
        case .readlink: try readlink(request)
        case .link: try link(request)
        case .remove: try remove(request)
        case .rename: try rename(request)
        case .copyRange: try copyRange(request)
        case .cloneRange: try cloneRange(request)
        case .fsstat: try fsstat(request)
        case .getxattr: try getxattr(request)
        case .setxattr: try setxattr(request)
        case .listxattr: try listxattr(request)
        case .removexattr: try removexattr(request)
        default:
            // Locks (the core keeps them), the key-value store, and ops
            // newer than this module.
            throw .notSupported
        }
    }
}
