import CChimera

/// What one request answered: the status and every result the kit reads.
struct ConformanceReply {
    var status: ConformanceStatus
    var handle: [UInt8] = []
    var attrs = chimera_attrs()
    var preAttrs = chimera_attrs()
    var dirPre = chimera_attrs()
    var dirPost = chimera_attrs()
    var newDirPre = chimera_attrs()
    var newDirPost = chimera_attrs()
    var openHandle: UInt64 = 0
    var created = false
    /// Bytes read, written, copied; xattr/kv/readlink lengths.
    var length: UInt64 = 0
    var eof = false
    var stable: UInt32 = 0
    /// READ, READLINK, GETXATTR, LISTXATTR, KV_GET data.
    var data: [UInt8] = []
    var offset: UInt64 = 0
    var fsstat = chimera_fsstat()

    var ok: Bool { status == .ok }
}

/// One READDIR entry as the kit saw it.
struct ConformanceEntry {
    var name: [UInt8]
    var cookie: UInt64
    var handle: [UInt8]
    var attrs: chimera_attrs?

    var text: String { String(decoding: name, as: UTF8.self) }
}

/// One READDIR reply.
struct ConformanceListing {
    var status: ConformanceStatus
    var entries: [ConformanceEntry] = []
    var eof = false
    var verifier: UInt64 = 0
}

/// Collects READDIR entries; the emit callback finds it through
/// `args.readdir.emit_arg`.
final class ConformanceEntryCollector {
    let limit: Int
    var entries: [ConformanceEntry] = []

    init(limit: Int) {
        self.limit = limit
    }
}

/// A typed client over ``ConformanceTarget/perform(on:_:_:)``: one method an
/// op, returning a ``ConformanceReply``. Argument bytes live in an arena
/// until the results were read.
final class ConformanceClient {
    let target: any ConformanceTarget
    /// The credential every request carries.
    var uid: UInt32 = 0
    var gid: UInt32 = 0
    /// Supplementary groups (at most CHIMERA_GROUPS_MAX).
    var groups: [UInt32] = []

    init(target: any ConformanceTarget) {
        self.target = target
    }

    static let allAttributes: UInt64 =
        VFS.attrStat | CHIMERA_ATTR_GENERATION | CHIMERA_ATTR_BTIME | CHIMERA_ATTR_CHANGE | CHIMERA_ATTR_DOS

    /// Submit one op. `prepare` fills the op's arguments; the common fields
    /// (op, credential, handle, every attribute request mask) are set here.
    func call(
        _ op: Int32,
        _ handle: [UInt8],
        thread: Int = 0,
        prepare: (UnsafeMutablePointer<chimera_vfs_request>, ConformanceArena) -> Void = { _, _ in },
        finish: (UnsafeMutablePointer<chimera_vfs_request>, inout ConformanceReply) -> Void = { _, _ in }
    ) async -> ConformanceReply {
        let arena = ConformanceArena()
        defer { arena.release() }
        var credential = chimera_cred()
        credential.struct_size = UInt32(MemoryLayout<chimera_cred>.size)
        credential.uid = uid
        credential.gid = gid
        let groups = self.groups.prefix(Int(CHIMERA_GROUPS_MAX))
        credential.ngroups = UInt32(groups.count)
        withUnsafeMutableBytes(of: &credential.groups) { raw in
            for (index, group) in groups.enumerated() { raw.storeBytes(of: group, toByteOffset: index * 4, as: UInt32.self) }
        }
        let reply = await target.perform(
            on: thread,
            { request in
                request.pointee.op = chimera_vfs_op_t(op)
                request.pointee.cred = UnsafePointer(arena.value(credential))
                request.pointee.fh = UnsafePointer(arena.bytes(handle))
                request.pointee.fh_len = UInt32(handle.count)
                request.pointee.r_attrs.req_mask = Self.allAttributes
                request.pointee.r_pre_attrs.req_mask = Self.allAttributes
                request.pointee.r_dir_pre_attrs.req_mask = Self.allAttributes
                request.pointee.r_dir_post_attrs.req_mask = Self.allAttributes
                prepare(request, arena)
            },
            { request in
                var reply = ConformanceReply(status: ConformanceStatus(rawValue: request.pointee.status))
                let length = min(Int(request.pointee.r_fh_len), Int(CHIMERA_FH_MAX))
                reply.handle = withUnsafeBytes(of: request.pointee.r_fh) { Array($0.prefix(length)) }
                reply.attrs = request.pointee.r_attrs
                reply.preAttrs = request.pointee.r_pre_attrs
                reply.dirPre = request.pointee.r_dir_pre_attrs
                reply.dirPost = request.pointee.r_dir_post_attrs
                finish(request, &reply)
                return reply
            }
        )
        return reply
    }

    // MARK: Attributes

    func getattr(_ handle: [UInt8], thread: Int = 0) async -> ConformanceReply {
        await call(CHIMERA_VFS_OP_GETATTR, handle, thread: thread)
    }

    func setattr(
        _ handle: [UInt8],
        _ attrs: chimera_attrs,
        guard ctime: chimera_timespec? = nil
    ) async
        -> ConformanceReply
    {
        await call(CHIMERA_VFS_OP_SETATTR, handle) { request, arena in
            request.pointee.setattr.attrs = attrs
            request.pointee.setattr.attrs.req_mask = 0
            if let ctime { request.pointee.setattr.guard_ctime = UnsafePointer(arena.value(ctime)) }
        }
    }

    /// CHIMERA_VFS_OP_ACCESS: the granted CHIMERA_VFS_ACCESS_* bits in `length`.
    func access(_ handle: [UInt8], _ requested: UInt32) async -> ConformanceReply {
        await call(CHIMERA_VFS_OP_ACCESS, handle) { request, _ in
            request.pointee.access.requested = requested
        } finish: { request, reply in
            reply.length = UInt64(request.pointee.access.r_granted)
        }
    }

    func fsstat(_ handle: [UInt8]) async -> ConformanceReply {
        await call(CHIMERA_VFS_OP_FSSTAT, handle) { _, _ in
        } finish: { request, reply in
            reply.fsstat = request.pointee.fsstat.r_fsstat
        }
    }

    // MARK: Names

    func lookup(_ directory: [UInt8], _ name: [UInt8], thread: Int = 0) async -> ConformanceReply {
        await call(CHIMERA_VFS_OP_LOOKUP, directory, thread: thread) { request, arena in
            request.pointee.lookup.name = arena.chars(name)
            request.pointee.lookup.name_len = UInt32(name.count)
        }
    }

    func lookupParent(_ directory: [UInt8]) async -> ConformanceReply {
        await call(CHIMERA_VFS_OP_LOOKUP_PARENT, directory)
    }

    /// One READDIR call that accepts at most `limit` entries.
    func readdir(
        _ directory: [UInt8],
        cookie: UInt64 = 0,
        verifier: UInt64 = 0,
        flags: UInt32 = UInt32(CHIMERA_VFS_READDIR_ATTRS | CHIMERA_VFS_READDIR_HANDLES),
        limit: Int = Int.max,
        thread: Int = 0
    ) async -> ConformanceListing {
        let collector = ConformanceEntryCollector(limit: limit)
        // The collector outlives the call: it is read below.
        let reply = await call(CHIMERA_VFS_OP_READDIR, directory, thread: thread) { request, _ in
            request.pointee.readdir.cookie = cookie
            withUnsafeMutableBytes(of: &request.pointee.readdir.verifier) {
                $0.storeBytes(of: verifier, as: UInt64.self)
            }
            request.pointee.readdir.flags = flags
            request.pointee.readdir.emit = conformanceEmit
            request.pointee.readdir.emit_arg = Unmanaged.passUnretained(collector).toOpaque()
            request.pointee.r_attrs.req_mask = 0
            request.pointee.r_pre_attrs.req_mask = 0
            request.pointee.r_dir_pre_attrs.req_mask = 0
        } finish: { request, reply in
            reply.eof = request.pointee.readdir.r_eof != 0
            reply.offset = withUnsafeBytes(of: request.pointee.readdir.r_verifier) {
                $0.loadUnaligned(as: UInt64.self)
            }
        }
        return ConformanceListing(
            status: reply.status,
            entries: collector.entries,
            eof: reply.eof,
            verifier: reply.offset
        )
    }

    // MARK: Creating

    /// OPEN_AT; `attrs` are the initial attributes of a created file.
    func openAt(
        _ directory: [UInt8],
        _ name: [UInt8],
        flags: UInt32,
        attrs: chimera_attrs = ConformanceClient.mode(0o644),
        verifier: UInt64 = 0,
        thread: Int = 0
    ) async -> ConformanceReply {
        await call(CHIMERA_VFS_OP_OPEN_AT, directory, thread: thread) { request, arena in
            request.pointee.open_at.name = arena.chars(name)
            request.pointee.open_at.name_len = UInt32(name.count)
            request.pointee.open_at.flags = flags
            request.pointee.open_at.attrs = attrs
            withUnsafeMutableBytes(of: &request.pointee.open_at.verifier) {
                $0.storeBytes(of: verifier, as: UInt64.self)
            }
        } finish: { request, reply in
            reply.openHandle = request.pointee.open_at.r_open_handle
            reply.created = request.pointee.open_at.r_created != 0
        }
    }

    func open(_ handle: [UInt8], flags: UInt32) async -> ConformanceReply {
        await call(CHIMERA_VFS_OP_OPEN, handle) { request, _ in
            request.pointee.open.flags = flags
        } finish: { request, reply in
            reply.openHandle = request.pointee.open.r_open_handle
        }
    }

    func close(_ handle: [UInt8], openHandle: UInt64) async -> ConformanceReply {
        await call(CHIMERA_VFS_OP_CLOSE, handle) { request, _ in
            request.pointee.open_handle = openHandle
        }
    }

    func createUnlinked(
        _ directory: [UInt8],
        attrs: chimera_attrs = ConformanceClient.mode(0o644)
    ) async
        -> ConformanceReply
    {
        await call(CHIMERA_VFS_OP_CREATE_UNLINKED, directory) { request, _ in
            request.pointee.create_unlinked.attrs = attrs
        } finish: { request, reply in
            reply.openHandle = request.pointee.create_unlinked.r_open_handle
        }
    }

    func linkAt(
        _ file: [UInt8],
        openHandle: UInt64,
        into directory: [UInt8],
        _ name: [UInt8],
        flags: UInt32 = 0
    )
        async -> ConformanceReply
    {
        await call(CHIMERA_VFS_OP_LINK_AT, file) { request, arena in
            request.pointee.open_handle = openHandle
            request.pointee.link_at.dir_fh = UnsafePointer(arena.bytes(directory))
            request.pointee.link_at.dir_fh_len = UInt32(directory.count)
            request.pointee.link_at.flags = flags
            request.pointee.link_at.name = arena.chars(name)
            request.pointee.link_at.name_len = UInt32(name.count)
        }
    }

    private func create(
        _ op: Int32,
        _ directory: [UInt8],
        _ name: [UInt8],
        attrs: chimera_attrs,
        target: [UInt8] = []
    ) async -> ConformanceReply {
        await call(op, directory) { request, arena in
            // mkdir, mknod and symlink share one argument layout.
            request.pointee.mkdir.name = arena.chars(name)
            request.pointee.mkdir.name_len = UInt32(name.count)
            request.pointee.mkdir.attrs = attrs
            if !target.isEmpty {
                request.pointee.symlink.target = arena.chars(target)
                request.pointee.symlink.target_len = UInt32(target.count)
            }
        }
    }

    func mkdir(_ directory: [UInt8], _ name: [UInt8], mode: UInt32 = 0o755) async -> ConformanceReply {
        await create(CHIMERA_VFS_OP_MKDIR, directory, name, attrs: Self.mode(mode))
    }

    func mknod(_ directory: [UInt8], _ name: [UInt8], mode: UInt32, rdev: UInt64 = 0) async -> ConformanceReply {
        var attrs = Self.mode(mode)
        attrs.rdev = rdev
        attrs.valid_mask |= CHIMERA_ATTR_RDEV
        return await create(CHIMERA_VFS_OP_MKNOD, directory, name, attrs: attrs)
    }

    func symlink(_ directory: [UInt8], _ name: [UInt8], target: [UInt8]) async -> ConformanceReply {
        await create(CHIMERA_VFS_OP_SYMLINK, directory, name, attrs: chimera_attrs(), target: target)
    }

    func readlink(_ handle: [UInt8], capacity: Int = Int(CHIMERA_PATH_MAX)) async -> ConformanceReply {
        await call(CHIMERA_VFS_OP_READLINK, handle) { request, arena in
            request.pointee.readlink.buf = arena.buffer(capacity).assumingMemoryBound(to: CChar.self)
            request.pointee.readlink.buf_len = UInt32(capacity)
        } finish: { request, reply in
            reply.length = UInt64(request.pointee.readlink.r_length)
            if reply.ok, let buffer = request.pointee.readlink.buf {
                let count = min(Int(request.pointee.readlink.r_length), capacity)
                reply.data = Array(UnsafeRawBufferPointer(start: buffer, count: count))
            }
        }
    }

    func link(_ file: [UInt8], into directory: [UInt8], _ name: [UInt8]) async -> ConformanceReply {
        await call(CHIMERA_VFS_OP_LINK, file) { request, arena in
            request.pointee.link.dir_fh = UnsafePointer(arena.bytes(directory))
            request.pointee.link.dir_fh_len = UInt32(directory.count)
            request.pointee.link.name = arena.chars(name)
            request.pointee.link.name_len = UInt32(name.count)
        }
    }

    func remove(_ directory: [UInt8], _ name: [UInt8], flags: UInt32 = 0) async -> ConformanceReply {
        await call(CHIMERA_VFS_OP_REMOVE, directory) { request, arena in
            request.pointee.remove.name = arena.chars(name)
            request.pointee.remove.name_len = UInt32(name.count)
            request.pointee.remove.flags = flags
            request.pointee.r_attrs.req_mask = 0
        }
    }

    func rename(
        _ directory: [UInt8],
        _ name: [UInt8],
        to newDirectory: [UInt8],
        _ newName: [UInt8],
        flags: UInt32 = 0
    )
        async -> ConformanceReply
    {
        await call(CHIMERA_VFS_OP_RENAME, directory) { request, arena in
            request.pointee.rename.name = arena.chars(name)
            request.pointee.rename.name_len = UInt32(name.count)
            request.pointee.rename.flags = flags
            request.pointee.rename.new_dir_fh = UnsafePointer(arena.bytes(newDirectory))
            request.pointee.rename.new_dir_fh_len = UInt32(newDirectory.count)
            request.pointee.rename.new_name = arena.chars(newName)
            request.pointee.rename.new_name_len = UInt32(newName.count)
            request.pointee.rename.r_new_dir_pre_attrs.req_mask = Self.allAttributes
            request.pointee.rename.r_new_dir_post_attrs.req_mask = Self.allAttributes
            request.pointee.r_attrs.req_mask = 0
        } finish: { request, reply in
            reply.newDirPre = request.pointee.rename.r_new_dir_pre_attrs
            reply.newDirPost = request.pointee.rename.r_new_dir_post_attrs
        }
    }

    // MARK: Data

    func read(
        _ handle: [UInt8],
        offset: UInt64,
        length: Int,
        openHandle: UInt64 = 0,
        thread: Int = 0
    ) async
        -> ConformanceReply
    {
        await call(CHIMERA_VFS_OP_READ, handle, thread: thread) { request, arena in
            let buffer = arena.buffer(length)
            let iov = arena.value(iovec(iov_base: buffer, iov_len: length))
            request.pointee.open_handle = openHandle
            request.pointee.read.offset = offset
            request.pointee.read.length = UInt32(length)
            request.pointee.read.iovcnt = 1
            request.pointee.read.iov = UnsafePointer(iov)
        } finish: { request, reply in
            reply.length = UInt64(request.pointee.read.r_length)
            reply.eof = request.pointee.read.r_eof != 0
            if reply.ok, let iov = request.pointee.read.iov, let base = iov.pointee.iov_base {
                let count = min(Int(request.pointee.read.r_length), length)
                reply.data = Array(UnsafeRawBufferPointer(start: base, count: count))
            }
        }
    }

    /// WRITE `data` at `offset`, split over `pieces` iovecs.
    func write(
        _ handle: [UInt8],
        offset: UInt64,
        _ data: [UInt8],
        stable: UInt32 = UInt32(CHIMERA_VFS_FILE_SYNC),
        pieces: Int = 1,
        openHandle: UInt64 = 0,
        thread: Int = 0
    ) async -> ConformanceReply {
        await call(CHIMERA_VFS_OP_WRITE, handle, thread: thread) { request, arena in
            let count = max(1, min(pieces, max(data.count, 1)))
            let iovs = arena.buffer(MemoryLayout<iovec>.stride * count).bindMemory(to: iovec.self, capacity: count)
            let source = arena.bytes(data)
            var start = 0
            for i in 0..<count {
                let end = i == count - 1 ? data.count : (data.count * (i + 1)) / count
                iovs[i] = iovec(iov_base: UnsafeMutableRawPointer(source + start), iov_len: end - start)
                start = end
            }
            request.pointee.open_handle = openHandle
            request.pointee.write.offset = offset
            request.pointee.write.length = UInt32(data.count)
            request.pointee.write.iovcnt = UInt32(count)
            request.pointee.write.iov = UnsafePointer(iovs)
            request.pointee.write.stable = stable
        } finish: { request, reply in
            reply.length = UInt64(request.pointee.write.r_length)
            reply.stable = request.pointee.write.r_stable
        }
    }

    func commit(_ handle: [UInt8]) async -> ConformanceReply {
        await call(CHIMERA_VFS_OP_COMMIT, handle)
    }

    func allocate(_ handle: [UInt8], offset: UInt64, length: UInt64, flags: UInt32 = 0) async -> ConformanceReply {
        await call(CHIMERA_VFS_OP_ALLOCATE, handle) { request, _ in
            request.pointee.allocate.offset = offset
            request.pointee.allocate.length = length
            request.pointee.allocate.flags = flags
        }
    }

    func deallocate(_ handle: [UInt8], offset: UInt64, length: UInt64) async -> ConformanceReply {
        await call(CHIMERA_VFS_OP_DEALLOCATE, handle) { request, _ in
            request.pointee.deallocate.offset = offset
            request.pointee.deallocate.length = length
        }
    }

    func seek(_ handle: [UInt8], offset: UInt64, what: UInt32) async -> ConformanceReply {
        await call(CHIMERA_VFS_OP_SEEK, handle) { request, _ in
            request.pointee.seek.offset = offset
            request.pointee.seek.what = what
        } finish: { request, reply in
            reply.offset = request.pointee.seek.r_offset
            reply.eof = request.pointee.seek.r_eof != 0
        }
    }

    func copy(
        _ op: Int32 = CHIMERA_VFS_OP_COPY_RANGE,
        from source: [UInt8],
        at sourceOffset: UInt64,
        to destination: [UInt8],
        at destinationOffset: UInt64,
        length: UInt64
    ) async -> ConformanceReply {
        await call(op, source) { request, arena in
            request.pointee.copy.dst_fh = UnsafePointer(arena.bytes(destination))
            request.pointee.copy.dst_fh_len = UInt32(destination.count)
            request.pointee.copy.src_offset = sourceOffset
            request.pointee.copy.dst_offset = destinationOffset
            request.pointee.copy.length = length
        } finish: { request, reply in
            reply.length = request.pointee.copy.r_length
        }
    }

    // MARK: Extended attributes and key-value

    func getxattr(_ handle: [UInt8], _ name: [UInt8], capacity: Int) async -> ConformanceReply {
        await call(CHIMERA_VFS_OP_GETXATTR, handle) { request, arena in
            request.pointee.xattr.name = arena.chars(name)
            request.pointee.xattr.value = arena.buffer(capacity)
            request.pointee.xattr.value_len = UInt32(capacity)
        } finish: { request, reply in
            reply.length = UInt64(request.pointee.xattr.r_length)
            if reply.ok, capacity > 0, let value = request.pointee.xattr.value {
                let count = min(Int(request.pointee.xattr.r_length), capacity)
                reply.data = Array(UnsafeRawBufferPointer(start: value, count: count))
            }
        }
    }

    func setxattr(_ handle: [UInt8], _ name: [UInt8], _ value: [UInt8], flags: UInt32 = 0) async -> ConformanceReply {
        await call(CHIMERA_VFS_OP_SETXATTR, handle) { request, arena in
            request.pointee.xattr.name = arena.chars(name)
            request.pointee.xattr.value = UnsafeMutableRawPointer(arena.bytes(value))
            request.pointee.xattr.value_len = UInt32(value.count)
            request.pointee.xattr.flags = flags
        }
    }

    func listxattr(_ handle: [UInt8], capacity: Int) async -> ConformanceReply {
        await call(CHIMERA_VFS_OP_LISTXATTR, handle) { request, arena in
            request.pointee.xattr.value = arena.buffer(capacity)
            request.pointee.xattr.value_len = UInt32(capacity)
        } finish: { request, reply in
            reply.length = UInt64(request.pointee.xattr.r_length)
            if reply.ok, capacity > 0, let value = request.pointee.xattr.value {
                let count = min(Int(request.pointee.xattr.r_length), capacity)
                reply.data = Array(UnsafeRawBufferPointer(start: value, count: count))
            }
        }
    }

    func removexattr(_ handle: [UInt8], _ name: [UInt8]) async -> ConformanceReply {
        await call(CHIMERA_VFS_OP_REMOVEXATTR, handle) { request, arena in
            request.pointee.xattr.name = arena.chars(name)
        }
    }

    /// KV ops carry the mount's root handle so the core can route them; the
    /// module itself sees an empty handle.
    func kvGet(_ key: [UInt8], capacity: Int) async -> ConformanceReply {
        await call(CHIMERA_VFS_OP_KV_GET, target.rootHandle) { request, arena in
            request.pointee.kv.key = UnsafeRawPointer(arena.bytes(key))
            request.pointee.kv.key_len = UInt32(key.count)
            request.pointee.kv.value = arena.buffer(capacity)
            request.pointee.kv.value_len = UInt32(capacity)
        } finish: { request, reply in
            reply.length = UInt64(request.pointee.kv.r_length)
            if reply.ok, capacity > 0, let value = request.pointee.kv.value {
                let count = min(Int(request.pointee.kv.r_length), capacity)
                reply.data = Array(UnsafeRawBufferPointer(start: value, count: count))
            }
        }
    }

    func kvPut(_ key: [UInt8], _ value: [UInt8]) async -> ConformanceReply {
        await call(CHIMERA_VFS_OP_KV_PUT, target.rootHandle) { request, arena in
            request.pointee.kv.key = UnsafeRawPointer(arena.bytes(key))
            request.pointee.kv.key_len = UInt32(key.count)
            request.pointee.kv.value = UnsafeMutableRawPointer(arena.bytes(value))
            request.pointee.kv.value_len = UInt32(value.count)
        }
    }

    func kvDelete(_ key: [UInt8]) async -> ConformanceReply {
        await call(CHIMERA_VFS_OP_KV_DELETE, target.rootHandle) { request, arena in
            request.pointee.kv.key = UnsafeRawPointer(arena.bytes(key))
            request.pointee.kv.key_len = UInt32(key.count)
        }
    }

    // MARK: Helpers

    /// Initial attributes that set only the mode.
    static func mode(_ mode: UInt32) -> chimera_attrs {
        var attrs = chimera_attrs()
        attrs.mode = mode
        attrs.valid_mask = CHIMERA_ATTR_MODE
        return attrs
    }
}

/// The READDIR emit callback: append to the collector until it is full.
private let conformanceEmit: chimera_vfs_readdir_emit_fn = { request, name, nameLength, cookie, fh, fhLength, attrs in
    guard let request, let arg = request.pointee.readdir.emit_arg else { return 1 }
    let collector = Unmanaged<ConformanceEntryCollector>.fromOpaque(arg).takeUnretainedValue()
    guard collector.entries.count < collector.limit else { return 1 }
    let nameBytes = Array(UnsafeRawBufferPointer(start: name, count: Int(nameLength)))
    let handle = Array(UnsafeRawBufferPointer(start: fh, count: Int(fhLength)))
    collector.entries.append(ConformanceEntry(name: nameBytes, cookie: cookie, handle: handle, attrs: attrs?.pointee))
    return 0
}
