import CChimera

/// One op and its arguments, as Swift values: what a client asks of the VFS.
/// ``fill(_:arena:)`` writes them into a zeroed `chimera_vfs_request`
/// (chimera_vfs.h documents each op's union member), copying names and
/// handles into the arena. Data buffers (READ targets, WRITE sources) are
/// borrowed: the caller keeps them valid until the request completed.
public enum VFSArguments {
    case getattr
    case setattr(chimera_attrs, guardCtime: chimera_timespec? = nil)
    /// The granted CHIMERA_VFS_ACCESS_* bits come back in ``VFSReply/length``.
    case access(requested: UInt32)
    case fsstat
    case lookup(name: [UInt8])
    case lookupParent
    /// "a/b" from the request's handle (the namespace root when empty).
    case lookupPath([UInt8])
    /// `emit` receives each entry with `context` in `readdir.emit_arg`.
    case readdir(
        cookie: UInt64, verifier: UInt64, flags: UInt32, emit: chimera_vfs_readdir_emit_fn,
        context: UnsafeMutableRawPointer?)
    case open(flags: UInt32)
    case openAt(name: [UInt8], flags: UInt32, attrs: chimera_attrs, verifier: UInt64 = 0)
    case close(openHandle: UInt64)
    case createUnlinked(attrs: chimera_attrs)
    case linkAt(openHandle: UInt64, directory: [UInt8], name: [UInt8], flags: UInt32)
    case mkdir(name: [UInt8], attrs: chimera_attrs)
    case mknod(name: [UInt8], attrs: chimera_attrs)
    case symlink(name: [UInt8], target: [UInt8], attrs: chimera_attrs)
    /// The target comes back in ``VFSReply/data``.
    case readlink(capacity: Int)
    case link(directory: [UInt8], name: [UInt8])
    case remove(name: [UInt8], flags: UInt32 = 0)
    case rename(name: [UInt8], newDirectory: [UInt8], newName: [UInt8], flags: UInt32 = 0)
    /// Into the caller's buffer; nothing is copied.
    case read(openHandle: UInt64, offset: UInt64, into: UnsafeMutableRawBufferPointer)
    /// From the caller's bytes, as `pieces` iovecs (1: one).
    case write(openHandle: UInt64, offset: UInt64, data: UnsafeRawBufferPointer, stable: UInt32, pieces: Int = 1)
    case commit
    case allocate(offset: UInt64, length: UInt64, flags: UInt32 = 0)
    case deallocate(offset: UInt64, length: UInt64)
    case seek(offset: UInt64, what: UInt32)
    /// COPY_RANGE, or CLONE_RANGE when `clone`.
    case copy(
        destination: [UInt8], openHandle: UInt64 = 0, sourceOffset: UInt64, destinationOffset: UInt64,
        length: UInt64, clone: Bool = false)
    /// The value comes back in ``VFSReply/data`` (at most `capacity` bytes).
    case getxattr(name: [UInt8], capacity: Int)
    case setxattr(name: [UInt8], value: [UInt8], flags: UInt32 = 0)
    case listxattr(capacity: Int)
    case removexattr(name: [UInt8])
    case kvGet(key: [UInt8], capacity: Int)
    case kvPut(key: [UInt8], value: [UInt8])
    case kvDelete(key: [UInt8])
    /// The core's open state (chimera_vfs.h, "Open state"). STATE_OPEN's
    /// results: ``VFSReply/openHandle`` is r_open, ``VFSReply/offset``
    /// r_lease, ``VFSReply/length`` r_lease_level. `owner` is at most
    /// CHIMERA_VFS_LOCK_OWNER_MAX bytes, `leaseKey` CHIMERA_VFS_LEASE_KEY_LEN.
    case stateOpen(
        client: UInt64, owner: [UInt8], access: UInt32, deny: UInt32, leaseLevel: UInt32 = 0, leaseKey: [UInt8] = [],
        flags: UInt32 = 0)
    case stateClose(client: UInt64, open: UInt64, flags: UInt32 = 0)
    case stateDowngrade(client: UInt64, open: UInt64, access: UInt32, deny: UInt32)
    /// Acknowledge a break or return the lease (`level` 0).
    case lease(client: UInt64, lease: UInt64, level: UInt32)
    /// LOCK, UNLOCK, TEST_LOCK or LOCK_CANCEL (`op`). On LOCKED,
    /// ``VFSReply/offset`` and ``VFSReply/length`` are the conflicting lock's
    /// range and ``VFSReply/data`` its owner.
    case lock(
        op: Int32, client: UInt64, owner: [UInt8], write: Bool, offset: UInt64, length: UInt64, open: UInt64 = 0,
        flags: UInt32 = 0)

    /// The CHIMERA_VFS_OP_* this asks for.
    public var op: Int32 {
        switch self {
        case .getattr: CHIMERA_VFS_OP_GETATTR
        case .setattr: CHIMERA_VFS_OP_SETATTR
        case .access: CHIMERA_VFS_OP_ACCESS
        case .fsstat: CHIMERA_VFS_OP_FSSTAT
        case .lookup: CHIMERA_VFS_OP_LOOKUP
        case .lookupParent: CHIMERA_VFS_OP_LOOKUP_PARENT
        case .lookupPath: CHIMERA_VFS_OP_LOOKUP_PATH
        case .readdir: CHIMERA_VFS_OP_READDIR
        case .open: CHIMERA_VFS_OP_OPEN
        case .openAt: CHIMERA_VFS_OP_OPEN_AT
        case .close: CHIMERA_VFS_OP_CLOSE
        case .createUnlinked: CHIMERA_VFS_OP_CREATE_UNLINKED
        case .linkAt: CHIMERA_VFS_OP_LINK_AT
        case .mkdir: CHIMERA_VFS_OP_MKDIR
        case .mknod: CHIMERA_VFS_OP_MKNOD
        case .symlink: CHIMERA_VFS_OP_SYMLINK
        case .readlink: CHIMERA_VFS_OP_READLINK
        case .link: CHIMERA_VFS_OP_LINK
        case .remove: CHIMERA_VFS_OP_REMOVE
        case .rename: CHIMERA_VFS_OP_RENAME
        case .read: CHIMERA_VFS_OP_READ
        case .write: CHIMERA_VFS_OP_WRITE
        case .commit: CHIMERA_VFS_OP_COMMIT
        case .allocate: CHIMERA_VFS_OP_ALLOCATE
        case .deallocate: CHIMERA_VFS_OP_DEALLOCATE
        case .seek: CHIMERA_VFS_OP_SEEK
        case .copy(_, _, _, _, _, let clone): clone ? CHIMERA_VFS_OP_CLONE_RANGE : CHIMERA_VFS_OP_COPY_RANGE
        case .getxattr: CHIMERA_VFS_OP_GETXATTR
        case .setxattr: CHIMERA_VFS_OP_SETXATTR
        case .listxattr: CHIMERA_VFS_OP_LISTXATTR
        case .removexattr: CHIMERA_VFS_OP_REMOVEXATTR
        case .kvGet: CHIMERA_VFS_OP_KV_GET
        case .kvPut: CHIMERA_VFS_OP_KV_PUT
        case .kvDelete: CHIMERA_VFS_OP_KV_DELETE
        case .stateOpen: CHIMERA_VFS_OP_STATE_OPEN
        case .stateClose: CHIMERA_VFS_OP_STATE_CLOSE
        case .stateDowngrade: CHIMERA_VFS_OP_STATE_DOWNGRADE
        case .lease: CHIMERA_VFS_OP_LEASE
        case .lock(let op, _, _, _, _, _, _, _): op
        }
    }

    /// Write the op and its arguments into `request` (zeroed, from
    /// request_alloc); the common fields (credential, handle, result masks)
    /// are ``VFSRequestSetup``'s.
    public func fill(_ request: UnsafeMutablePointer<chimera_vfs_request>, arena: VFSArena) {
        request.pointee.op = UInt32(op)
        switch self {
        case .getattr, .fsstat, .lookupParent, .commit:
            break
        case .setattr(let attrs, let guardCtime):
            request.pointee.setattr.attrs = attrs
            request.pointee.setattr.attrs.req_mask = 0
            if let guardCtime { request.pointee.setattr.guard_ctime = UnsafePointer(arena.value(guardCtime)) }
        case .access(let requested):
            request.pointee.access.requested = requested
        case .lookup(let name):
            request.pointee.lookup.name = arena.chars(name)
            request.pointee.lookup.name_len = UInt32(name.count)
        case .lookupPath(let path):
            request.pointee.lookup_path.path = arena.chars(path)
            request.pointee.lookup_path.path_len = UInt32(path.count)
        case .readdir(let cookie, let verifier, let flags, let emit, let context):
            request.pointee.readdir.cookie = cookie
            withUnsafeMutableBytes(of: &request.pointee.readdir.verifier) {
                $0.storeBytes(of: verifier, as: UInt64.self)
            }
            request.pointee.readdir.flags = flags
            request.pointee.readdir.emit = emit
            request.pointee.readdir.emit_arg = context
        case .open(let flags):
            request.pointee.open.flags = flags
        case .openAt(let name, let flags, let attrs, let verifier):
            request.pointee.open_at.name = arena.chars(name)
            request.pointee.open_at.name_len = UInt32(name.count)
            request.pointee.open_at.flags = flags
            request.pointee.open_at.attrs = attrs
            withUnsafeMutableBytes(of: &request.pointee.open_at.verifier) {
                $0.storeBytes(of: verifier, as: UInt64.self)
            }
        case .close(let openHandle):
            request.pointee.open_handle = openHandle
        case .createUnlinked(let attrs):
            request.pointee.create_unlinked.attrs = attrs
        case .linkAt(let openHandle, let directory, let name, let flags):
            request.pointee.open_handle = openHandle
            request.pointee.link_at.dir_fh = UnsafePointer(arena.bytes(directory))
            request.pointee.link_at.dir_fh_len = UInt32(directory.count)
            request.pointee.link_at.flags = flags
            request.pointee.link_at.name = arena.chars(name)
            request.pointee.link_at.name_len = UInt32(name.count)
        case .mkdir(let name, let attrs):
            request.pointee.mkdir.name = arena.chars(name)
            request.pointee.mkdir.name_len = UInt32(name.count)
            request.pointee.mkdir.attrs = attrs
        case .mknod(let name, let attrs):
            request.pointee.mknod.name = arena.chars(name)
            request.pointee.mknod.name_len = UInt32(name.count)
            request.pointee.mknod.attrs = attrs
        case .symlink(let name, let target, let attrs):
            request.pointee.symlink.name = arena.chars(name)
            request.pointee.symlink.name_len = UInt32(name.count)
            request.pointee.symlink.attrs = attrs
            request.pointee.symlink.target = arena.chars(target)
            request.pointee.symlink.target_len = UInt32(target.count)
        case .readlink(let capacity):
            request.pointee.readlink.buf = arena.buffer(capacity).assumingMemoryBound(to: CChar.self)
            request.pointee.readlink.buf_len = UInt32(capacity)
        case .link(let directory, let name):
            request.pointee.link.dir_fh = UnsafePointer(arena.bytes(directory))
            request.pointee.link.dir_fh_len = UInt32(directory.count)
            request.pointee.link.name = arena.chars(name)
            request.pointee.link.name_len = UInt32(name.count)
        case .remove(let name, let flags):
            request.pointee.remove.name = arena.chars(name)
            request.pointee.remove.name_len = UInt32(name.count)
            request.pointee.remove.flags = flags
        case .rename(let name, let newDirectory, let newName, let flags):
            request.pointee.rename.name = arena.chars(name)
            request.pointee.rename.name_len = UInt32(name.count)
            request.pointee.rename.flags = flags
            request.pointee.rename.new_dir_fh = UnsafePointer(arena.bytes(newDirectory))
            request.pointee.rename.new_dir_fh_len = UInt32(newDirectory.count)
            request.pointee.rename.new_name = arena.chars(newName)
            request.pointee.rename.new_name_len = UInt32(newName.count)
        case .read(let openHandle, let offset, let buffer):
            request.pointee.open_handle = openHandle
            request.pointee.read.offset = offset
            request.pointee.read.length = UInt32(buffer.count)
            request.pointee.read.iovcnt = 1
            request.pointee.read.iov = UnsafePointer(arena.value(iovec(iov_base: buffer.baseAddress, iov_len: buffer.count)))
        case .write(let openHandle, let offset, let data, let stable, let pieces):
            let count = max(1, min(pieces, max(data.count, 1)))
            let iovs = arena.buffer(MemoryLayout<iovec>.stride * count).bindMemory(to: iovec.self, capacity: count)
            let base = UnsafeMutableRawPointer(mutating: data.baseAddress)
            var start = 0
            for i in 0..<count {
                let end = i == count - 1 ? data.count : (data.count * (i + 1)) / count
                iovs[i] = iovec(iov_base: base.map { $0 + start }, iov_len: end - start)
                start = end
            }
            request.pointee.open_handle = openHandle
            request.pointee.write.offset = offset
            request.pointee.write.length = UInt32(data.count)
            request.pointee.write.iovcnt = UInt32(count)
            request.pointee.write.iov = UnsafePointer(iovs)
            request.pointee.write.stable = stable
        case .allocate(let offset, let length, let flags):
            request.pointee.allocate.offset = offset
            request.pointee.allocate.length = length
            request.pointee.allocate.flags = flags
        case .deallocate(let offset, let length):
            request.pointee.deallocate.offset = offset
            request.pointee.deallocate.length = length
        case .seek(let offset, let what):
            request.pointee.seek.offset = offset
            request.pointee.seek.what = what
        case .copy(let destination, let openHandle, let sourceOffset, let destinationOffset, let length, _):
            request.pointee.copy.dst_fh = UnsafePointer(arena.bytes(destination))
            request.pointee.copy.dst_fh_len = UInt32(destination.count)
            request.pointee.copy.dst_open_handle = openHandle
            request.pointee.copy.src_offset = sourceOffset
            request.pointee.copy.dst_offset = destinationOffset
            request.pointee.copy.length = length
        case .getxattr(let name, let capacity):
            request.pointee.xattr.name = arena.chars(name)
            request.pointee.xattr.value = arena.buffer(capacity)
            request.pointee.xattr.value_len = UInt32(capacity)
        case .setxattr(let name, let value, let flags):
            request.pointee.xattr.name = arena.chars(name)
            request.pointee.xattr.value = UnsafeMutableRawPointer(arena.bytes(value))
            request.pointee.xattr.value_len = UInt32(value.count)
            request.pointee.xattr.flags = flags
        case .listxattr(let capacity):
            request.pointee.xattr.value = arena.buffer(capacity)
            request.pointee.xattr.value_len = UInt32(capacity)
        case .removexattr(let name):
            request.pointee.xattr.name = arena.chars(name)
        case .kvGet(let key, let capacity):
            request.pointee.kv.key = UnsafeRawPointer(arena.bytes(key))
            request.pointee.kv.key_len = UInt32(key.count)
            request.pointee.kv.value = arena.buffer(capacity)
            request.pointee.kv.value_len = UInt32(capacity)
        case .kvPut(let key, let value):
            request.pointee.kv.key = UnsafeRawPointer(arena.bytes(key))
            request.pointee.kv.key_len = UInt32(key.count)
            request.pointee.kv.value = UnsafeMutableRawPointer(arena.bytes(value))
            request.pointee.kv.value_len = UInt32(value.count)
        case .kvDelete(let key):
            request.pointee.kv.key = UnsafeRawPointer(arena.bytes(key))
            request.pointee.kv.key_len = UInt32(key.count)
        case .stateOpen(let client, let owner, let access, let deny, let leaseLevel, let leaseKey, let flags):
            request.pointee.state_open.client = client
            Self.store(owner, into: &request.pointee.state_open.owner)
            request.pointee.state_open.owner_len = UInt32(min(owner.count, Int(CHIMERA_VFS_LOCK_OWNER_MAX)))
            request.pointee.state_open.access = access
            request.pointee.state_open.deny = deny
            request.pointee.state_open.lease_level = leaseLevel
            request.pointee.state_open.flags = flags
            Self.store(leaseKey, into: &request.pointee.state_open.lease_key)
        case .stateClose(let client, let open, let flags):
            request.pointee.state_close.client = client
            request.pointee.state_close.open = open
            request.pointee.state_close.flags = flags
        case .stateDowngrade(let client, let open, let access, let deny):
            request.pointee.state_open.client = client
            request.pointee.state_open.r_open = open
            request.pointee.state_open.access = access
            request.pointee.state_open.deny = deny
        case .lease(let client, let lease, let level):
            request.pointee.lease.client = client
            request.pointee.lease.lease = lease
            request.pointee.lease.level = level
        case .lock(_, let client, let owner, let write, let offset, let length, let open, let flags):
            request.pointee.lock.client = client
            Self.store(owner, into: &request.pointee.lock.owner)
            request.pointee.lock.owner_len = UInt32(min(owner.count, Int(CHIMERA_VFS_LOCK_OWNER_MAX)))
            request.pointee.lock.type = write ? CHIMERA_VFS_LOCK_WRITE : CHIMERA_VFS_LOCK_READ
            request.pointee.lock.offset = offset
            request.pointee.lock.length = length
            request.pointee.lock.open = open
            request.pointee.lock.flags = flags
        }
    }

    /// Copy bytes into a fixed C array (a tuple), as far as it holds.
    private static func store<T>(_ bytes: [UInt8], into field: inout T) {
        withUnsafeMutableBytes(of: &field) { out in
            bytes.withUnsafeBytes { out.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0.prefix(out.count))) }
        }
    }
}
