import CChimera
import ChimeraPluginKit
import FUSE

// Every VFS request the FUSE front-end makes is built here, so that this file can move onto ChimeraPluginKit's
// shared Swift VFS client when that lands.

/// What one VFS call gave, before the session turns it into a FUSE reply.
enum FUSEVFSResult {
    case failed(VFSStatus)
    case done
    case object(FUSEHandle, chimera_attrs)
    case attributes(chimera_attrs)
    case opened(UInt64)
    case created(FUSEHandle, chimera_attrs, UInt64)
    /// Bytes written into the caller's output area (READ, READLINK, GETXATTR, LISTXATTR).
    case data(Int)
    /// GETXATTR / LISTXATTR asked with size 0.
    case size(UInt32)
    case written(UInt32)
    case fsstat(chimera_fsstat)
    case listing(FUSEListing)
    case granted(UInt32)
    case sought(offset: UInt64, eof: Bool)
    /// TEST_LOCK: the conflicting lock, or nil.
    case lockTested(conflict: (write: Bool, offset: UInt64, length: UInt64)?)
}

/// READDIR entries collected by the emit callback, which may run on a delegation thread: it only copies, and
/// stops once the entries would not fit the kernel's buffer. The loop encodes them after completion.
final class FUSEListing {
    struct Entry {
        var name: [UInt8]
        var cookie: UInt64
        var handle: FUSEHandle?
        var attrs: chimera_attrs
    }

    let limit: Int
    let plus: Bool
    var used = 0
    var entries: [Entry] = []
    var verifier: UInt64 = 0

    init(limit: Int, plus: Bool) {
        self.limit = limit
        self.plus = plus
    }
}

let fuseReaddirEmit: chimera_vfs_readdir_emit_fn = { request, name, nameLength, cookie, fh, fhLength, attrs in
    guard let request, let arg = request.pointee.readdir.emit_arg else { return 1 }
    let listing = Unmanaged<FUSEListing>.fromOpaque(arg).takeUnretainedValue()
    let size = FUSEDirentWriter.entrySize(nameLength: Int(nameLength), plus: listing.plus)
    guard listing.used + size <= listing.limit else { return 1 }
    listing.used += size
    let nameBytes = VFSRequest.bytes(name, nameLength)
    let handle: FUSEHandle? = fh.map { FUSEHandle(UnsafeRawBufferPointer(start: $0, count: Int(fhLength))) }
    listing.entries.append(
        FUSEListing.Entry(name: Array(nameBytes), cookie: cookie, handle: handle, attrs: attrs?.pointee ?? chimera_attrs()))
    return 0
}

/// Memory one request needs until it completes: the credential and copies of the handles.
final class FUSEScratch {
    let cred: UnsafeMutablePointer<chimera_cred>
    let fh: UnsafeMutablePointer<UInt8>
    let fh2: UnsafeMutablePointer<UInt8>
    var path: [UInt8] = []
    var listing: FUSEListing?

    init(uid: UInt32, gid: UInt32) {
        cred = .allocate(capacity: 1)
        var c = chimera_cred()
        c.uid = uid
        c.gid = gid
        // FUSE tells the caller's uid and gid only: supplementary groups are unknown here, so group access
        // goes by the primary gid alone (never more than the process has).
        c.ngroups = 0
        c.struct_size = UInt32(MemoryLayout<chimera_cred>.size)
        cred.initialize(to: c)
        fh = .allocate(capacity: Int(CHIMERA_FH_MAX))
        fh2 = .allocate(capacity: Int(CHIMERA_FH_MAX))
    }

    func copy(_ handle: FUSEHandle, to p: UnsafeMutablePointer<UInt8>) -> UInt32 {
        let n = min(handle.bytes.count, Int(CHIMERA_FH_MAX))
        handle.bytes.withUnsafeBufferPointer { p.update(from: $0.baseAddress!, count: n) }
        return UInt32(n)
    }

    deinit {
        cred.deallocate()
        fh.deallocate()
        fh2.deallocate()
    }
}

/// The FUSE front-end's VFS calls on one loop.
struct FUSEVFSClient {
    let vfs: FrontEndVFS
    let thread: UInt32
    /// The mount's client of the core's open state, for POSIX locks (0: none).
    var lockClient: UInt64 = 0

    /// Make the mount's client of the core's open state (locks live there, shared with NFS and SMB).
    func createLockClient(name: String) -> UInt64? {
        let bytes = Array(name.utf8.prefix(Int(CHIMERA_VFS_CLIENT_NAME_MAX)))
        var client: UInt64 = 0
        let rc = bytes.withUnsafeBufferPointer { p in
            var config = chimera_vfs_client_config(
                struct_size: UInt32(MemoryLayout<chimera_vfs_client_config>.size), flags: 0, name: p.baseAddress,
                name_len: UInt32(p.count), thread_index: thread, client_private: nil)
            return vfs.api.pointee.client_create(vfs.host, &config, &client)
        }
        return rc == CHIMERA_OK ? client : nil
    }

    func releaseLockClient() {
        guard lockClient != 0 else { return }
        vfs.api.pointee.client_release(vfs.host, lockClient)
    }

    private func fillLock(_ r: UnsafeMutablePointer<chimera_vfs_request>, owner: UInt64, write: Bool, offset: UInt64, length: UInt64) {
        withUnsafeMutableBytes(of: &r.pointee.lock.owner) { $0.storeBytes(of: owner.littleEndian, as: UInt64.self) }
        r.pointee.lock.owner_len = 8
        r.pointee.lock.type = UInt32(write ? CHIMERA_VFS_LOCK_WRITE : CHIMERA_VFS_LOCK_READ)
        r.pointee.lock.offset = offset
        r.pointee.lock.length = length
        r.pointee.lock.client = lockClient
        r.pointee.r_attrs.req_mask = 0
    }

    static let statMask = VFSAttributeMask.stat.rawValue

    private func cString(_ b: FUSEBytes) -> UnsafePointer<CChar>? {
        b.raw.baseAddress?.assumingMemoryBound(to: CChar.self)
    }

    /// Resolve a namespace path ("/memfs") to its wire handle, as the host (uid 0).
    func resolve(path: String, done: @escaping (VFSStatus, FUSEHandle?) -> Void) {
        guard let request = vfs.allocate(thread: thread) else { return done(.delay, nil) }
        let scratch = FUSEScratch(uid: 0, gid: 0)
        scratch.path = Array(path.utf8)
        request.pointee.op = UInt32(CHIMERA_VFS_OP_LOOKUP_PATH)
        request.pointee.cred = UnsafePointer(scratch.cred)
        request.pointee.fh_len = 0
        request.pointee.r_attrs.req_mask = Self.statMask
        scratch.path.withUnsafeBufferPointer { p in
            request.pointee.lookup_path.path = UnsafeRawPointer(p.baseAddress!).assumingMemoryBound(to: CChar.self)
            request.pointee.lookup_path.path_len = UInt32(p.count)
        }
        vfs.submit(request) { [vfs] request in
            let status = VFSStatus(rawValue: request.pointee.status)
            let handle = status == .ok ? Self.resultHandle(request) : nil
            vfs.free(request)
            withExtendedLifetime(scratch) { done(status, handle) }
        }
    }

    static func resultHandle(_ request: UnsafeMutablePointer<chimera_vfs_request>) -> FUSEHandle {
        withUnsafeBytes(of: &request.pointee.r_fh) { raw in
            FUSEHandle(UnsafeRawBufferPointer(rebasing: raw[0..<Int(min(request.pointee.r_fh_len, UInt32(CHIMERA_FH_MAX)))]))
        }
    }

    /// Run one session call as (uid, gid). `output` receives READ / READLINK / xattr data. `done` runs on the
    /// loop, maybe before run returns.
    func run(
        _ call: FUSECall, uid: UInt32, gid: UInt32, output: UnsafeMutableRawBufferPointer,
        done: @escaping (FUSEVFSResult) -> Void
    ) {
        guard let request = vfs.allocate(thread: thread) else { return done(.failed(.delay)) }
        let s = FUSEScratch(uid: uid, gid: gid)
        let r = request
        r.pointee.cred = UnsafePointer(s.cred)
        r.pointee.r_attrs.req_mask = Self.statMask
        func on(_ handle: FUSEHandle) {
            r.pointee.fh = UnsafePointer(s.fh)
            r.pointee.fh_len = s.copy(handle, to: s.fh)
        }
        func second(_ handle: FUSEHandle) -> (UnsafePointer<UInt8>, UInt32) {
            (UnsafePointer(s.fh2), s.copy(handle, to: s.fh2))
        }
        func op(_ value: Int32) { r.pointee.op = UInt32(value) }
        // What to make of a successful completion.
        var extract: (UnsafeMutablePointer<chimera_vfs_request>) -> FUSEVFSResult = { _ in .done }
        let object: (UnsafeMutablePointer<chimera_vfs_request>) -> FUSEVFSResult = { r in
            .object(Self.resultHandle(r), r.pointee.r_attrs)
        }

        switch call {
        case .lookup(let parent, let name):
            op(CHIMERA_VFS_OP_LOOKUP)
            on(parent)
            r.pointee.lookup.name = cString(name)
            r.pointee.lookup.name_len = UInt32(name.count)
            extract = object
        case .getattr(let handle):
            op(CHIMERA_VFS_OP_GETATTR)
            on(handle)
            extract = { .attributes($0.pointee.r_attrs) }
        case .setattr(let handle, let set, let open):
            op(CHIMERA_VFS_OP_SETATTR)
            on(handle)
            r.pointee.open_handle = open
            var a = chimera_attrs()
            if set.valid & FUSESetattrIn.mode != 0 {
                a.valid_mask |= CHIMERA_ATTR_MODE
                a.mode = set.mode & 0o7777
            }
            if set.valid & FUSESetattrIn.uid != 0 {
                a.valid_mask |= CHIMERA_ATTR_UID
                a.uid = set.uid
            }
            if set.valid & FUSESetattrIn.gid != 0 {
                a.valid_mask |= CHIMERA_ATTR_GID
                a.gid = set.gid
            }
            if set.valid & FUSESetattrIn.size != 0 {
                a.valid_mask |= CHIMERA_ATTR_SIZE
                a.size = set.size
            }
            if set.valid & FUSESetattrIn.atimeNow != 0 {
                a.valid_mask |= CHIMERA_ATTR_ATIME_NOW
            } else if set.valid & FUSESetattrIn.atime != 0 {
                a.valid_mask |= CHIMERA_ATTR_ATIME
                a.atime = chimera_timespec(sec: Int64(bitPattern: set.atime), nsec: set.atimensec, reserved: 0)
            }
            if set.valid & FUSESetattrIn.mtimeNow != 0 {
                a.valid_mask |= CHIMERA_ATTR_MTIME_NOW
            } else if set.valid & FUSESetattrIn.mtime != 0 {
                a.valid_mask |= CHIMERA_ATTR_MTIME
                a.mtime = chimera_timespec(sec: Int64(bitPattern: set.mtime), nsec: set.mtimensec, reserved: 0)
            }
            r.pointee.setattr.attrs = a
            r.pointee.setattr.guard_ctime = nil
            extract = { .attributes($0.pointee.r_attrs) }
        case .readlink(let handle):
            op(CHIMERA_VFS_OP_READLINK)
            on(handle)
            r.pointee.readlink.buf = output.baseAddress?.assumingMemoryBound(to: CChar.self)
            r.pointee.readlink.buf_len = UInt32(min(output.count, Int(CHIMERA_PATH_MAX)))
            extract = { .data(Int($0.pointee.readlink.r_length)) }
        case .symlink(let parent, let name, let target):
            op(CHIMERA_VFS_OP_SYMLINK)
            on(parent)
            r.pointee.symlink.name = cString(name)
            r.pointee.symlink.name_len = UInt32(name.count)
            r.pointee.symlink.target = cString(target)
            r.pointee.symlink.target_len = UInt32(target.count)
            extract = object
        case .mknod(let parent, let name, let mode, let rdev):
            if mode & 0o170000 == UInt32(CHIMERA_S_IFREG) {
                // A regular file by mknod(2): an exclusive create that opens nothing.
                op(CHIMERA_VFS_OP_OPEN_AT)
                on(parent)
                r.pointee.open_at.name = cString(name)
                r.pointee.open_at.name_len = UInt32(name.count)
                r.pointee.open_at.flags = UInt32(CHIMERA_VFS_OPEN_CREATE | CHIMERA_VFS_OPEN_EXCLUSIVE | CHIMERA_VFS_OPEN_NONE)
                r.pointee.open_at.attrs.valid_mask = CHIMERA_ATTR_MODE
                r.pointee.open_at.attrs.mode = mode
            } else {
                op(CHIMERA_VFS_OP_MKNOD)
                on(parent)
                r.pointee.mknod.name = cString(name)
                r.pointee.mknod.name_len = UInt32(name.count)
                let dev = FUSEAttr.decodeDevice(rdev)
                r.pointee.mknod.attrs.valid_mask = CHIMERA_ATTR_MODE | CHIMERA_ATTR_RDEV
                r.pointee.mknod.attrs.mode = mode
                r.pointee.mknod.attrs.rdev = UInt64(dev.major) << 32 | UInt64(dev.minor)
            }
            extract = object
        case .mkdir(let parent, let name, let mode):
            op(CHIMERA_VFS_OP_MKDIR)
            on(parent)
            r.pointee.mkdir.name = cString(name)
            r.pointee.mkdir.name_len = UInt32(name.count)
            r.pointee.mkdir.attrs.valid_mask = CHIMERA_ATTR_MODE
            r.pointee.mkdir.attrs.mode = UInt32(CHIMERA_S_IFDIR) | (mode & 0o7777)
            extract = object
        case .remove(let parent, let name, let directory):
            op(CHIMERA_VFS_OP_REMOVE)
            on(parent)
            r.pointee.remove.name = cString(name)
            r.pointee.remove.name_len = UInt32(name.count)
            r.pointee.remove.flags = UInt32(directory ? CHIMERA_VFS_REMOVE_DIR : CHIMERA_VFS_REMOVE_NOT_DIR)
            r.pointee.r_attrs.req_mask = 0
        case .rename(let parent, let name, let newParent, let newName, let noReplace):
            op(CHIMERA_VFS_OP_RENAME)
            on(parent)
            let (dir, dirLength) = second(newParent)
            r.pointee.rename.name = cString(name)
            r.pointee.rename.name_len = UInt32(name.count)
            r.pointee.rename.new_dir_fh = dir
            r.pointee.rename.new_dir_fh_len = dirLength
            r.pointee.rename.new_name = cString(newName)
            r.pointee.rename.new_name_len = UInt32(newName.count)
            r.pointee.rename.flags = noReplace ? UInt32(CHIMERA_VFS_RENAME_NOREPLACE) : 0
            r.pointee.r_attrs.req_mask = 0
        case .link(let handle, let newParent, let name):
            op(CHIMERA_VFS_OP_LINK)
            on(handle)
            let (dir, dirLength) = second(newParent)
            r.pointee.link.dir_fh = dir
            r.pointee.link.dir_fh_len = dirLength
            r.pointee.link.name = cString(name)
            r.pointee.link.name_len = UInt32(name.count)
            extract = { .object(handle, $0.pointee.r_attrs) }
        case .open(let handle, _, let flags):
            op(CHIMERA_VFS_OP_OPEN)
            on(handle)
            r.pointee.open.flags = Self.access(flags)
            extract = { .opened($0.pointee.open.r_open_handle) }
        case .create(let parent, let name, let flags, let mode):
            op(CHIMERA_VFS_OP_OPEN_AT)
            on(parent)
            r.pointee.open_at.name = cString(name)
            r.pointee.open_at.name_len = UInt32(name.count)
            var f = Self.access(flags) | UInt32(CHIMERA_VFS_OPEN_CREATE)
            if flags & UInt32(0o200) != 0 { f |= UInt32(CHIMERA_VFS_OPEN_EXCLUSIVE) }  // O_EXCL
            if flags & UInt32(0o1000) != 0 { f |= UInt32(CHIMERA_VFS_OPEN_TRUNCATE) }  // O_TRUNC
            r.pointee.open_at.flags = f
            r.pointee.open_at.attrs.valid_mask = CHIMERA_ATTR_MODE
            r.pointee.open_at.attrs.mode = UInt32(CHIMERA_S_IFREG) | (mode & 0o7777)
            extract = { .created(Self.resultHandle($0), $0.pointee.r_attrs, $0.pointee.open_at.r_open_handle) }
        case .read(let handle, let open, let offset, let size):
            op(CHIMERA_VFS_OP_READ)
            on(handle)
            r.pointee.open_handle = open
            r.pointee.r_attrs.req_mask = 0
            let length = min(Int(size), output.count)
            let iov = UnsafeMutablePointer<iovec>.allocate(capacity: 1)
            iov.initialize(to: iovec(iov_base: output.baseAddress, iov_len: length))
            r.pointee.read.offset = offset
            r.pointee.read.length = UInt32(length)
            r.pointee.read.iov = UnsafePointer(iov)
            r.pointee.read.iovcnt = 1
            extract = { r in
                iov.deallocate()
                return .data(Int(r.pointee.read.r_length))
            }
            let inner = done
            let base = r
            vfs.submit(base) { [vfs] request in
                let status = VFSStatus(rawValue: request.pointee.status)
                let result: FUSEVFSResult = status == .ok ? extract(request) : .failed(status)
                if status != .ok { iov.deallocate() }
                vfs.free(request)
                withExtendedLifetime(s) { inner(result) }
            }
            return
        case .write(let handle, let open, let offset, let data):
            op(CHIMERA_VFS_OP_WRITE)
            on(handle)
            r.pointee.open_handle = open
            r.pointee.r_attrs.req_mask = 0
            // The data stays in the request buffer: the VFS reads it from there.
            let iov = UnsafeMutablePointer<iovec>.allocate(capacity: 1)
            iov.initialize(to: iovec(iov_base: UnsafeMutableRawPointer(mutating: data.raw.baseAddress), iov_len: data.count))
            r.pointee.write.offset = offset
            r.pointee.write.length = UInt32(data.count)
            r.pointee.write.iov = UnsafePointer(iov)
            r.pointee.write.iovcnt = 1
            r.pointee.write.stable = UInt32(CHIMERA_VFS_UNSTABLE)
            let inner = done
            vfs.submit(r) { [vfs] request in
                let status = VFSStatus(rawValue: request.pointee.status)
                let result: FUSEVFSResult = status == .ok ? .written(request.pointee.write.r_length) : .failed(status)
                iov.deallocate()
                vfs.free(request)
                withExtendedLifetime(s) { inner(result) }
            }
            return
        case .statfs(let handle):
            op(CHIMERA_VFS_OP_FSSTAT)
            on(handle)
            extract = { .fsstat($0.pointee.fsstat.r_fsstat) }
        case .close(let handle, let open):
            op(CHIMERA_VFS_OP_CLOSE)
            on(handle)
            r.pointee.open_handle = open
            r.pointee.r_attrs.req_mask = 0
        case .commit(let handle, let open):
            op(CHIMERA_VFS_OP_COMMIT)
            on(handle)
            r.pointee.open_handle = open
            r.pointee.commit.offset = 0
            r.pointee.commit.length = 0
            r.pointee.r_attrs.req_mask = 0
        case .readdir(let handle, _, let cookie, let verifier, let size, let plus):
            op(CHIMERA_VFS_OP_READDIR)
            on(handle)
            let listing = FUSEListing(limit: Int(size), plus: plus)
            s.listing = listing
            r.pointee.readdir.cookie = cookie
            withUnsafeMutableBytes(of: &r.pointee.readdir.verifier) { $0.storeBytes(of: verifier, as: UInt64.self) }
            r.pointee.readdir.flags = plus ? UInt32(CHIMERA_VFS_READDIR_ATTRS | CHIMERA_VFS_READDIR_HANDLES) : 0
            r.pointee.readdir.emit = fuseReaddirEmit
            r.pointee.readdir.emit_arg = Unmanaged.passUnretained(listing).toOpaque()
            r.pointee.r_attrs.req_mask = plus ? Self.statMask : 0
            extract = { r in
                listing.verifier = withUnsafeBytes(of: &r.pointee.readdir.r_verifier) { $0.loadUnaligned(as: UInt64.self) }
                return .listing(listing)
            }
        case .getxattr(let handle, let name, let size):
            op(CHIMERA_VFS_OP_GETXATTR)
            on(handle)
            r.pointee.xattr.name = cString(name)
            r.pointee.xattr.value = size == 0 ? nil : output.baseAddress
            r.pointee.xattr.value_len = size == 0 ? 0 : UInt32(min(Int(size), output.count))
            r.pointee.r_attrs.req_mask = 0
            extract = { r in size == 0 ? .size(r.pointee.xattr.r_length) : .data(Int(r.pointee.xattr.r_length)) }
        case .listxattr(let handle, let size):
            op(CHIMERA_VFS_OP_LISTXATTR)
            on(handle)
            r.pointee.xattr.name = nil
            r.pointee.xattr.value = size == 0 ? nil : output.baseAddress
            r.pointee.xattr.value_len = size == 0 ? 0 : UInt32(min(Int(size), output.count))
            r.pointee.r_attrs.req_mask = 0
            extract = { r in size == 0 ? .size(r.pointee.xattr.r_length) : .data(Int(r.pointee.xattr.r_length)) }
        case .setxattr(let handle, let name, let value, let flags):
            op(CHIMERA_VFS_OP_SETXATTR)
            on(handle)
            r.pointee.xattr.name = cString(name)
            r.pointee.xattr.value = UnsafeMutableRawPointer(mutating: value.raw.baseAddress)
            r.pointee.xattr.value_len = UInt32(value.count)
            r.pointee.xattr.flags = flags & UInt32(CHIMERA_VFS_XATTR_CREATE | CHIMERA_VFS_XATTR_REPLACE)
            r.pointee.r_attrs.req_mask = 0
        case .removexattr(let handle, let name):
            op(CHIMERA_VFS_OP_REMOVEXATTR)
            on(handle)
            r.pointee.xattr.name = cString(name)
            r.pointee.r_attrs.req_mask = 0
        case .access(let handle, let mask):
            op(CHIMERA_VFS_OP_ACCESS)
            on(handle)
            r.pointee.access.requested = mask
            extract = { .granted($0.pointee.access.r_granted) }
        case .allocate(let handle, let open, let offset, let length, let keepSize):
            op(CHIMERA_VFS_OP_ALLOCATE)
            on(handle)
            r.pointee.open_handle = open
            r.pointee.allocate.offset = offset
            r.pointee.allocate.length = length
            r.pointee.allocate.flags = keepSize ? UInt32(CHIMERA_VFS_ALLOC_KEEP_SIZE) : 0
        case .deallocate(let handle, let open, let offset, let length):
            op(CHIMERA_VFS_OP_DEALLOCATE)
            on(handle)
            r.pointee.open_handle = open
            r.pointee.deallocate.offset = offset
            r.pointee.deallocate.length = length
        case .seek(let handle, let open, let offset, let hole):
            op(CHIMERA_VFS_OP_SEEK)
            on(handle)
            r.pointee.open_handle = open
            r.pointee.seek.offset = offset
            r.pointee.seek.what = UInt32(hole ? CHIMERA_VFS_SEEK_HOLE : CHIMERA_VFS_SEEK_DATA)
            r.pointee.r_attrs.req_mask = 0
            extract = { .sought(offset: $0.pointee.seek.r_offset, eof: $0.pointee.seek.r_eof != 0) }
        case .testLock(let handle, let owner, let write, let offset, let length):
            op(CHIMERA_VFS_OP_TEST_LOCK)
            on(handle)
            fillLock(r, owner: owner, write: write, offset: offset, length: length)
            // LOCKED is the answer here, not a failure.
            let inner = done
            vfs.submit(r) { [vfs] request in
                let status = VFSStatus(rawValue: request.pointee.status)
                let result: FUSEVFSResult
                if status == .ok {
                    result = .lockTested(conflict: nil)
                } else if status.rawValue == CHIMERA_LOCKED {
                    let l = request.pointee.lock
                    result = .lockTested(conflict: (l.r_conflict_type == UInt32(CHIMERA_VFS_LOCK_WRITE), l.r_conflict_offset, l.r_conflict_length))
                } else {
                    result = .failed(status)
                }
                vfs.free(request)
                withExtendedLifetime(s) { inner(result) }
            }
            return
        case .lock(let handle, let owner, let write, let offset, let length, let wait):
            op(CHIMERA_VFS_OP_LOCK)
            on(handle)
            fillLock(r, owner: owner, write: write, offset: offset, length: length)
            r.pointee.lock.flags = wait ? UInt32(CHIMERA_VFS_LOCK_WAIT) : 0
        case .unlock(let handle, let owner, let offset, let length):
            op(CHIMERA_VFS_OP_UNLOCK)
            on(handle)
            fillLock(r, owner: owner, write: true, offset: offset, length: length)
        case .cancelLock(let handle, let owner, let write, let offset, let length):
            op(CHIMERA_VFS_OP_LOCK_CANCEL)
            on(handle)
            fillLock(r, owner: owner, write: write, offset: offset, length: length)
        case .releaseLocks(let handle, let owner):
            op(CHIMERA_VFS_OP_UNLOCK)
            on(handle)
            fillLock(r, owner: owner, write: true, offset: 0, length: UInt64.max)
            let inner = done
            vfs.submit(r) { [vfs] request in
                vfs.free(request)
                withExtendedLifetime(s) { inner(.done) }
            }
            return
        case .copy(let handle, let open, let offset, let to, let toOpen, let toOffset, let length):
            op(CHIMERA_VFS_OP_COPY_RANGE)
            on(handle)
            r.pointee.open_handle = open
            let (dst, dstLength) = second(to)
            r.pointee.copy.dst_fh = dst
            r.pointee.copy.dst_fh_len = dstLength
            r.pointee.copy.dst_open_handle = toOpen
            r.pointee.copy.src_offset = offset
            r.pointee.copy.dst_offset = toOffset
            r.pointee.copy.length = length
            r.pointee.r_attrs.req_mask = 0
            extract = { .written(UInt32(truncatingIfNeeded: min($0.pointee.copy.r_length, UInt64(UInt32.max)))) }
        }
        let finish = extract
        vfs.submit(r) { [vfs] request in
            let status = VFSStatus(rawValue: request.pointee.status)
            let result: FUSEVFSResult = status == .ok ? finish(request) : .failed(status)
            vfs.free(request)
            withExtendedLifetime(s) { done(result) }
        }
    }

    /// open(2)'s O_ACCMODE as VFS open flags.
    static func access(_ flags: UInt32) -> UInt32 {
        switch flags & 3 {
        case 0: UInt32(CHIMERA_VFS_OPEN_READ)
        case 1: UInt32(CHIMERA_VFS_OPEN_WRITE)
        default: UInt32(CHIMERA_VFS_OPEN_READ | CHIMERA_VFS_OPEN_WRITE)
        }
    }
}
