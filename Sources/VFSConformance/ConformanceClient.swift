import CChimera
import ChimeraPluginKit

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

    /// The kit's reply, with the kit's status and handle in the kit's own terms.
    init(_ reply: VFSReply) {
        status = ConformanceStatus(rawValue: reply.status.rawValue)
        handle = reply.handle.bytes
        attrs = reply.attrs
        preAttrs = reply.preAttrs
        dirPre = reply.dirPre
        dirPost = reply.dirPost
        newDirPre = reply.newDirPre
        newDirPost = reply.newDirPost
        openHandle = reply.openHandle
        created = reply.created
        length = reply.length
        eof = reply.eof
        stable = reply.stable
        data = reply.data
        offset = reply.offset
        fsstat = reply.fsstat
    }
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
/// op, returning a ``ConformanceReply``. Requests are built and read by the
/// kit's ``VFSArguments`` / ``VFSReply`` (what every front-end uses); only
/// the submission is the target's, straight into the VFS core.
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
    static let everything = VFSResultMasks.all(allAttributes)

    /// Submit one op on `handle`, asking for `masks`; `arena` holds what
    /// the arguments borrow until the results were read (`finish` runs
    /// before it is released).
    func call(
        _ arguments: VFSArguments,
        _ handle: [UInt8],
        thread: Int = 0,
        masks: VFSResultMasks = ConformanceClient.everything,
        arena: VFSArena = VFSArena(),
        flags: UInt32 = 0,
        finish: (inout ConformanceReply) -> Void = { _ in }
    ) async -> ConformanceReply {
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
        let cred = UnsafePointer(arena.value(credential))
        return await target.perform(
            on: thread,
            { request in
                arguments.prepare(request, handle: handle, credential: cred, flags: flags, masks: masks, arena: arena)
            },
            { request in
                var reply = ConformanceReply(VFSReply(reading: request))
                finish(&reply)
                return reply
            }
        )
    }

    // MARK: Attributes

    func getattr(_ handle: [UInt8], thread: Int = 0) async -> ConformanceReply {
        await call(.getattr, handle, thread: thread)
    }

    func setattr(
        _ handle: [UInt8],
        _ attrs: chimera_attrs,
        guard ctime: chimera_timespec? = nil
    ) async
        -> ConformanceReply
    {
        await call(.setattr(attrs, guardCtime: ctime), handle)
    }

    /// CHIMERA_VFS_OP_ACCESS: the granted CHIMERA_VFS_ACCESS_* bits in `length`.
    func access(_ handle: [UInt8], _ requested: UInt32) async -> ConformanceReply {
        await call(.access(requested: requested), handle)
    }

    func fsstat(_ handle: [UInt8]) async -> ConformanceReply {
        await call(.fsstat, handle)
    }

    // MARK: Names

    func lookup(_ directory: [UInt8], _ name: [UInt8], thread: Int = 0) async -> ConformanceReply {
        await call(.lookup(name: name), directory, thread: thread)
    }

    func lookupParent(_ directory: [UInt8]) async -> ConformanceReply {
        await call(.lookupParent, directory)
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
        let reply = await call(
            .readdir(
                cookie: cookie, verifier: verifier, flags: flags, emit: conformanceEmit,
                context: Unmanaged.passUnretained(collector).toOpaque()),
            directory, thread: thread, masks: VFSResultMasks(dirPost: Self.allAttributes))
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
        await call(.openAt(name: name, flags: flags, attrs: attrs, verifier: verifier), directory, thread: thread)
    }

    func open(_ handle: [UInt8], flags: UInt32) async -> ConformanceReply {
        await call(.open(flags: flags), handle)
    }

    func close(_ handle: [UInt8], openHandle: UInt64) async -> ConformanceReply {
        await call(.close(openHandle: openHandle), handle)
    }

    func createUnlinked(
        _ directory: [UInt8],
        attrs: chimera_attrs = ConformanceClient.mode(0o644)
    ) async
        -> ConformanceReply
    {
        await call(.createUnlinked(attrs: attrs), directory)
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
        await call(.linkAt(openHandle: openHandle, directory: directory, name: name, flags: flags), file)
    }

    func mkdir(_ directory: [UInt8], _ name: [UInt8], mode: UInt32 = 0o755) async -> ConformanceReply {
        await call(.mkdir(name: name, attrs: Self.mode(mode)), directory)
    }

    func mknod(_ directory: [UInt8], _ name: [UInt8], mode: UInt32, rdev: UInt64 = 0) async -> ConformanceReply {
        var attrs = Self.mode(mode)
        attrs.rdev = rdev
        attrs.valid_mask |= CHIMERA_ATTR_RDEV
        return await call(.mknod(name: name, attrs: attrs), directory)
    }

    func symlink(_ directory: [UInt8], _ name: [UInt8], target: [UInt8]) async -> ConformanceReply {
        await call(.symlink(name: name, target: target, attrs: chimera_attrs()), directory)
    }

    func readlink(_ handle: [UInt8], capacity: Int = Int(CHIMERA_PATH_MAX)) async -> ConformanceReply {
        await call(.readlink(capacity: capacity), handle)
    }

    func link(_ file: [UInt8], into directory: [UInt8], _ name: [UInt8]) async -> ConformanceReply {
        await call(.link(directory: directory, name: name), file)
    }

    func remove(_ directory: [UInt8], _ name: [UInt8], flags: UInt32 = 0) async -> ConformanceReply {
        var masks = Self.everything
        masks.attrs = 0
        return await call(.remove(name: name, flags: flags), directory, masks: masks)
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
        var masks = Self.everything
        masks.attrs = 0
        return await call(
            .rename(name: name, newDirectory: newDirectory, newName: newName, flags: flags), directory, masks: masks)
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
        let arena = VFSArena()
        let buffer = UnsafeMutableRawBufferPointer(start: arena.buffer(length), count: length)
        return await call(
            .read(openHandle: openHandle, offset: offset, into: buffer), handle, thread: thread, arena: arena
        ) { reply in
            // The data is in the arena's buffer, which goes with the call.
            if reply.ok { reply.data = Array(buffer.prefix(min(Int(reply.length), length))) }
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
        let arena = VFSArena()
        let source = UnsafeRawBufferPointer(start: arena.bytes(data), count: data.count)
        return await call(
            .write(openHandle: openHandle, offset: offset, data: source, stable: stable, pieces: pieces),
            handle, thread: thread, arena: arena)
    }

    func commit(_ handle: [UInt8]) async -> ConformanceReply {
        await call(.commit, handle)
    }

    func allocate(_ handle: [UInt8], offset: UInt64, length: UInt64, flags: UInt32 = 0) async -> ConformanceReply {
        await call(.allocate(offset: offset, length: length, flags: flags), handle)
    }

    func deallocate(_ handle: [UInt8], offset: UInt64, length: UInt64) async -> ConformanceReply {
        await call(.deallocate(offset: offset, length: length), handle)
    }

    func seek(_ handle: [UInt8], offset: UInt64, what: UInt32) async -> ConformanceReply {
        await call(.seek(offset: offset, what: what), handle)
    }

    func copy(
        _ op: Int32 = CHIMERA_VFS_OP_COPY_RANGE,
        from source: [UInt8],
        at sourceOffset: UInt64,
        to destination: [UInt8],
        at destinationOffset: UInt64,
        length: UInt64
    ) async -> ConformanceReply {
        await call(
            .copy(
                destination: destination, sourceOffset: sourceOffset, destinationOffset: destinationOffset,
                length: length, clone: op == CHIMERA_VFS_OP_CLONE_RANGE),
            source)
    }

    // MARK: Extended attributes and key-value

    func getxattr(_ handle: [UInt8], _ name: [UInt8], capacity: Int) async -> ConformanceReply {
        await call(.getxattr(name: name, capacity: capacity), handle)
    }

    func setxattr(_ handle: [UInt8], _ name: [UInt8], _ value: [UInt8], flags: UInt32 = 0) async -> ConformanceReply {
        await call(.setxattr(name: name, value: value, flags: flags), handle)
    }

    func listxattr(_ handle: [UInt8], capacity: Int) async -> ConformanceReply {
        await call(.listxattr(capacity: capacity), handle)
    }

    func removexattr(_ handle: [UInt8], _ name: [UInt8]) async -> ConformanceReply {
        await call(.removexattr(name: name), handle)
    }

    /// KV ops carry the mount's root handle so the core can route them; the
    /// module itself sees an empty handle.
    func kvGet(_ key: [UInt8], capacity: Int) async -> ConformanceReply {
        await call(.kvGet(key: key, capacity: capacity), target.rootHandle)
    }

    func kvPut(_ key: [UInt8], _ value: [UInt8]) async -> ConformanceReply {
        await call(.kvPut(key: key, value: value), target.rootHandle)
    }

    func kvDelete(_ key: [UInt8]) async -> ConformanceReply {
        await call(.kvDelete(key: key), target.rootHandle)
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
