import CChimera

/// What a completed request answered, copied out before the request is
/// freed: the common results and the op's own (chimera_vfs.h).
public struct VFSReply {
    public var status: VFSStatus
    /// `r_fh`: the object the op ended on.
    public var handle = VFSHandle([])
    public var attrs = chimera_attrs()
    public var preAttrs = chimera_attrs()
    public var dirPre = chimera_attrs()
    public var dirPost = chimera_attrs()
    /// RENAME's new directory.
    public var newDirPre = chimera_attrs()
    public var newDirPost = chimera_attrs()
    /// OPEN, OPEN_AT, CREATE_UNLINKED.
    public var openHandle: UInt64 = 0
    /// OPEN_AT created the file.
    public var created = false
    /// Bytes read, written, copied; xattr, kv and readlink lengths; ACCESS's granted bits.
    public var length: UInt64 = 0
    /// READ, READDIR, SEEK.
    public var eof = false
    /// WRITE's r_stable.
    public var stable: UInt32 = 0
    /// READLINK, GETXATTR, LISTXATTR, KV_GET: the bytes (at most the capacity asked for).
    public var data: [UInt8] = []
    /// SEEK's offset; READDIR's next verifier.
    public var offset: UInt64 = 0
    public var fsstat = chimera_fsstat()

    public init(status: VFSStatus) { self.status = status }

    public var ok: Bool { status == .ok }
    public var isDirectory: Bool { attrs.valid.contains(.mode) && attrs.fileType == .directory }
    public var isRegular: Bool { attrs.valid.contains(.mode) && attrs.fileType == .regular }

    /// Everything `request` answered, by its op.
    public init(reading request: UnsafeMutablePointer<chimera_vfs_request>) {
        let r = request.pointee
        status = VFSStatus(rawValue: r.status)
        handle = VFSHandle(resultOf: request)
        attrs = r.r_attrs
        preAttrs = r.r_pre_attrs
        dirPre = r.r_dir_pre_attrs
        dirPost = r.r_dir_post_attrs
        switch Int32(bitPattern: r.op) {
        case CHIMERA_VFS_OP_ACCESS:
            length = UInt64(r.access.r_granted)
        case CHIMERA_VFS_OP_FSSTAT:
            fsstat = r.fsstat.r_fsstat
        case CHIMERA_VFS_OP_READDIR:
            eof = r.readdir.r_eof != 0
            offset = withUnsafeBytes(of: r.readdir.r_verifier) { $0.loadUnaligned(as: UInt64.self) }
        case CHIMERA_VFS_OP_OPEN:
            openHandle = r.open.r_open_handle
        case CHIMERA_VFS_OP_OPEN_AT:
            openHandle = r.open_at.r_open_handle
            created = r.open_at.r_created != 0
        case CHIMERA_VFS_OP_CREATE_UNLINKED:
            openHandle = r.create_unlinked.r_open_handle
        case CHIMERA_VFS_OP_READLINK:
            length = UInt64(r.readlink.r_length)
            data = Self.copy(r.readlink.buf.map { UnsafeRawPointer($0) }, r.readlink.r_length, r.readlink.buf_len, ok)
        case CHIMERA_VFS_OP_RENAME:
            newDirPre = r.rename.r_new_dir_pre_attrs
            newDirPost = r.rename.r_new_dir_post_attrs
        case CHIMERA_VFS_OP_READ:
            length = UInt64(r.read.r_length)
            eof = r.read.r_eof != 0
        case CHIMERA_VFS_OP_WRITE:
            length = UInt64(r.write.r_length)
            stable = r.write.r_stable
        case CHIMERA_VFS_OP_SEEK:
            offset = r.seek.r_offset
            eof = r.seek.r_eof != 0
        case CHIMERA_VFS_OP_COPY_RANGE, CHIMERA_VFS_OP_CLONE_RANGE:
            length = r.copy.r_length
        case CHIMERA_VFS_OP_GETXATTR, CHIMERA_VFS_OP_LISTXATTR:
            length = UInt64(r.xattr.r_length)
            data = Self.copy(UnsafeRawPointer(r.xattr.value), r.xattr.r_length, r.xattr.value_len, ok)
        case CHIMERA_VFS_OP_KV_GET:
            length = UInt64(r.kv.r_length)
            data = Self.copy(UnsafeRawPointer(r.kv.value), r.kv.r_length, r.kv.value_len, ok)
        case CHIMERA_VFS_OP_STATE_OPEN:
            openHandle = r.state_open.r_open
            offset = r.state_open.r_lease
            length = UInt64(r.state_open.r_lease_level)
        case CHIMERA_VFS_OP_LOCK, CHIMERA_VFS_OP_TEST_LOCK:
            offset = r.lock.r_conflict_offset
            length = r.lock.r_conflict_length
            data = withUnsafeBytes(of: r.lock.r_conflict_owner) {
                Array($0.prefix(min(Int(r.lock.r_conflict_owner_len), Int(CHIMERA_VFS_LOCK_OWNER_MAX))))
            }
        default:
            break
        }
    }

    /// The first min(length, capacity) bytes of an output buffer, when ok.
    private static func copy(_ buffer: UnsafeRawPointer?, _ length: UInt32, _ capacity: UInt32, _ ok: Bool) -> [UInt8] {
        guard ok, let buffer, capacity > 0 else { return [] }
        return Array(UnsafeRawBufferPointer(start: buffer, count: Int(min(length, capacity))))
    }
}

extension VFSReply {
    /// The handle a completed request ended on (`r_fh`), as a view into the
    /// request, without copying: for the data path, which replies before it
    /// frees the request.
    @inlinable
    public static func withResultHandle<R>(
        of request: UnsafeMutablePointer<chimera_vfs_request>,
        _ body: (UnsafeRawBufferPointer) -> R
    ) -> R {
        let length = min(Int(request.pointee.r_fh_len), Int(CHIMERA_FH_MAX))
        return withUnsafeBytes(of: &request.pointee.r_fh) { bytes in
            body(UnsafeRawBufferPointer(rebasing: bytes.prefix(length)))
        }
    }
}
