import CChimera
import ChimeraPluginKit

/// The VFS as the S3 front-end calls it: one method per op, each filling a
/// request from Swift values and answering with an ``S3VFSReply`` on the
/// connection's loop. Pointers a request holds live in an ``S3Arena`` until
/// it completes; data pointers (WRITE sources, READ targets) are the
/// caller's to keep valid.
struct S3VFSClient {
    let vfs: FrontEndVFS
    let thread: UInt32
    let credential: UnsafePointer<chimera_cred>
    /// The plugin's own identity, for the staging directories every key shares.
    let server: UnsafePointer<chimera_cred>
    let work: S3WorkCounter

    /// The same client acting as `credential` (per request: a connection
    /// carries requests signed by different keys).
    func acting(as credential: UnsafePointer<chimera_cred>) -> S3VFSClient {
        S3VFSClient(vfs: vfs, thread: thread, credential: credential, server: server, work: work)
    }

    /// The same client acting as the plugin itself.
    var asServer: S3VFSClient { acting(as: server) }

    static let statMask = VFSAttributeMask.stat.union([.change, .btime]).rawValue

    /// Allocate, fill, submit; `done` gets the reply after `extract` copied
    /// what it needs.
    private func run(
        _ op: Int32,
        on handle: S3Handle?,
        hidden: Bool,
        fill: (UnsafeMutablePointer<chimera_vfs_request>, S3Arena) -> Void,
        extract: @escaping (UnsafeMutablePointer<chimera_vfs_request>, inout S3VFSReply) -> Void = { _, _ in },
        done: @escaping (S3VFSReply) -> Void
    ) {
        guard let request = vfs.allocate(thread: thread) else {
            done(S3VFSReply(status: .delay))
            return
        }
        let arena = S3Arena()
        request.pointee.op = UInt32(op)
        request.pointee.cred = credential
        if let handle {
            request.pointee.fh = arena.copy(handle.bytes)
            request.pointee.fh_len = UInt32(handle.bytes.count)
        }
        request.pointee.flags = hidden ? UInt32(CHIMERA_VFS_REQ_SHOW_HIDDEN) : 0
        request.pointee.r_attrs.req_mask = Self.statMask
        fill(request, arena)
        work.begin()
        let vfs = self.vfs
        let work = self.work
        vfs.submit(request) { request in
            var reply = S3VFSReply(status: VFSStatus(rawValue: request.pointee.status))
            if reply.ok {
                reply.handle = S3Handle(resultOf: request)
                reply.attrs = request.pointee.r_attrs
            }
            extract(request, &reply)
            withExtendedLifetime(arena) {}
            vfs.free(request)
            done(reply)
            work.end()
        }
    }

    // MARK: Names

    /// Resolve `path` ("a/b") from `start` (the namespace root when nil).
    func lookupPath(_ path: String, from start: S3Handle?, done: @escaping (S3VFSReply) -> Void) {
        run(
            CHIMERA_VFS_OP_LOOKUP_PATH,
            on: start,
            hidden: false,
            fill: { request, arena in
                let (pointer, length) = arena.chars(path)
                request.pointee.lookup_path.path = pointer
                request.pointee.lookup_path.path_len = length
            },
            done: done
        )
    }

    func lookup(_ name: String, in directory: S3Handle, hidden: Bool = false, done: @escaping (S3VFSReply) -> Void) {
        run(
            CHIMERA_VFS_OP_LOOKUP,
            on: directory,
            hidden: hidden,
            fill: { request, arena in
                let (pointer, length) = arena.chars(name)
                request.pointee.lookup.name = pointer
                request.pointee.lookup.name_len = length
            },
            done: done
        )
    }

    func getattr(_ handle: S3Handle, hidden: Bool = false, done: @escaping (S3VFSReply) -> Void) {
        run(CHIMERA_VFS_OP_GETATTR, on: handle, hidden: hidden, fill: { _, _ in }, done: done)
    }

    func mkdir(
        _ name: String,
        in directory: S3Handle,
        hidden: Bool = false,
        mode: UInt32 = 0o755,
        done: @escaping (S3VFSReply) -> Void
    ) {
        run(
            CHIMERA_VFS_OP_MKDIR,
            on: directory,
            hidden: hidden,
            fill: { request, arena in
                let (pointer, length) = arena.chars(name)
                request.pointee.mkdir.name = pointer
                request.pointee.mkdir.name_len = length
                request.pointee.mkdir.attrs.valid_mask = VFSAttributeMask.mode.rawValue
                request.pointee.mkdir.attrs.mode = UInt32(CHIMERA_S_IFDIR) | mode
            },
            done: done
        )
    }

    /// Open (and with `CHIMERA_VFS_OPEN_CREATE`, create) `name` in `directory`.
    func openAt(
        _ name: String,
        in directory: S3Handle,
        flags: UInt32,
        hidden: Bool = false,
        done: @escaping (S3VFSReply) -> Void
    ) {
        run(
            CHIMERA_VFS_OP_OPEN_AT,
            on: directory,
            hidden: hidden,
            fill: { request, arena in
                let (pointer, length) = arena.chars(name)
                request.pointee.open_at.name = pointer
                request.pointee.open_at.name_len = length
                request.pointee.open_at.flags = flags
                request.pointee.open_at.attrs.valid_mask = VFSAttributeMask.mode.rawValue
                request.pointee.open_at.attrs.mode = UInt32(CHIMERA_S_IFREG) | 0o644
            },
            extract: { request, reply in reply.openHandle = request.pointee.open_at.r_open_handle },
            done: done
        )
    }

    func open(_ handle: S3Handle, flags: UInt32, hidden: Bool = false, done: @escaping (S3VFSReply) -> Void) {
        run(
            CHIMERA_VFS_OP_OPEN,
            on: handle,
            hidden: hidden,
            fill: { request, _ in
                request.pointee.open.flags = flags
            },
            extract: { request, reply in reply.openHandle = request.pointee.open.r_open_handle },
            done: done
        )
    }

    func close(_ handle: S3Handle, openHandle: UInt64, done: @escaping (S3VFSReply) -> Void = { _ in }) {
        run(
            CHIMERA_VFS_OP_CLOSE,
            on: handle,
            hidden: true,
            fill: { request, _ in
                request.pointee.open_handle = openHandle
            },
            done: done
        )
    }

    func remove(
        _ name: String,
        in directory: S3Handle,
        flags: UInt32 = 0,
        hidden: Bool = false,
        done: @escaping (S3VFSReply) -> Void
    ) {
        run(
            CHIMERA_VFS_OP_REMOVE,
            on: directory,
            hidden: hidden,
            fill: { request, arena in
                let (pointer, length) = arena.chars(name)
                request.pointee.remove.name = pointer
                request.pointee.remove.name_len = length
                request.pointee.remove.flags = flags
            },
            done: done
        )
    }

    func rename(
        _ name: String,
        in directory: S3Handle,
        to newName: String,
        in newDirectory: S3Handle,
        done: @escaping (S3VFSReply) -> Void
    ) {
        run(
            CHIMERA_VFS_OP_RENAME,
            on: directory,
            hidden: true,
            fill: { request, arena in
                let (from, fromLength) = arena.chars(name)
                let (to, toLength) = arena.chars(newName)
                request.pointee.rename.name = from
                request.pointee.rename.name_len = fromLength
                request.pointee.rename.new_name = to
                request.pointee.rename.new_name_len = toLength
                request.pointee.rename.new_dir_fh = arena.copy(newDirectory.bytes)
                request.pointee.rename.new_dir_fh_len = UInt32(newDirectory.bytes.count)
            },
            done: done
        )
    }

    // MARK: Data

    /// Write `data` (the caller keeps it valid until `done`).
    func write(
        _ handle: S3Handle,
        openHandle: UInt64,
        offset: UInt64,
        data: UnsafeRawBufferPointer,
        done: @escaping (S3VFSReply) -> Void
    ) {
        run(
            CHIMERA_VFS_OP_WRITE,
            on: handle,
            hidden: true,
            fill: { request, arena in
                let iov = arena.allocate(MemoryLayout<iovec>.stride).bindMemory(to: iovec.self, capacity: 1)
                iov.initialize(
                    to: iovec(iov_base: UnsafeMutableRawPointer(mutating: data.baseAddress), iov_len: data.count)
                )
                request.pointee.open_handle = openHandle
                request.pointee.write.offset = offset
                request.pointee.write.length = UInt32(data.count)
                request.pointee.write.iovcnt = 1
                request.pointee.write.iov = UnsafePointer(iov)
                request.pointee.write.stable = UInt32(CHIMERA_VFS_UNSTABLE)
                request.pointee.r_attrs.req_mask = 0
            },
            extract: { request, reply in reply.length = UInt64(request.pointee.write.r_length) },
            done: done
        )
    }

    /// Read into `buffer` (the caller keeps it valid until `done`).
    func read(
        _ handle: S3Handle,
        openHandle: UInt64,
        offset: UInt64,
        into buffer: UnsafeMutableRawBufferPointer,
        done: @escaping (S3VFSReply) -> Void
    ) {
        run(
            CHIMERA_VFS_OP_READ,
            on: handle,
            hidden: true,
            fill: { request, arena in
                let iov = arena.allocate(MemoryLayout<iovec>.stride).bindMemory(to: iovec.self, capacity: 1)
                iov.initialize(to: iovec(iov_base: buffer.baseAddress, iov_len: buffer.count))
                request.pointee.open_handle = openHandle
                request.pointee.read.offset = offset
                request.pointee.read.length = UInt32(buffer.count)
                request.pointee.read.iovcnt = 1
                request.pointee.read.iov = UnsafePointer(iov)
                request.pointee.r_attrs.req_mask = 0
            },
            extract: { request, reply in
                reply.length = UInt64(request.pointee.read.r_length)
                reply.eof = request.pointee.read.r_eof != 0
            },
            done: done
        )
    }

    /// Copy inside a module (COPY_RANGE); NOTSUP or XDEV when it cannot.
    func copyRange(
        from source: S3Handle,
        offset: UInt64,
        length: UInt64,
        to destination: S3Handle,
        openHandle: UInt64,
        at destinationOffset: UInt64,
        done: @escaping (S3VFSReply) -> Void
    ) {
        run(
            CHIMERA_VFS_OP_COPY_RANGE,
            on: source,
            hidden: true,
            fill: { request, arena in
                request.pointee.copy.dst_fh = arena.copy(destination.bytes)
                request.pointee.copy.dst_fh_len = UInt32(destination.bytes.count)
                request.pointee.copy.dst_open_handle = openHandle
                request.pointee.copy.src_offset = offset
                request.pointee.copy.dst_offset = destinationOffset
                request.pointee.copy.length = length
                request.pointee.r_attrs.req_mask = 0
            },
            extract: { request, reply in reply.length = request.pointee.copy.r_length },
            done: done
        )
    }

    // MARK: Extended attributes

    /// The value of xattr `name` (up to `capacity` bytes).
    func getxattr(_ handle: S3Handle, name: String, capacity: Int = 8192, done: @escaping (S3VFSReply) -> Void) {
        var buffer: UnsafeMutableRawPointer?
        run(
            CHIMERA_VFS_OP_GETXATTR,
            on: handle,
            hidden: true,
            fill: { request, arena in
                let (pointer, _) = arena.chars(name)
                buffer = arena.allocate(capacity)
                request.pointee.xattr.name = pointer
                request.pointee.xattr.value = buffer
                request.pointee.xattr.value_len = UInt32(capacity)
                request.pointee.r_attrs.req_mask = 0
            },
            extract: { request, reply in
                let length = Int(min(request.pointee.xattr.r_length, UInt32(capacity)))
                reply.length = UInt64(length)
                if reply.ok, let buffer { reply.data = Array(UnsafeRawBufferPointer(start: buffer, count: length)) }
            },
            done: done
        )
    }

    func setxattr(_ handle: S3Handle, name: String, value: [UInt8], done: @escaping (S3VFSReply) -> Void) {
        run(
            CHIMERA_VFS_OP_SETXATTR,
            on: handle,
            hidden: true,
            fill: { request, arena in
                let (pointer, _) = arena.chars(name)
                request.pointee.xattr.name = pointer
                request.pointee.xattr.value = UnsafeMutableRawPointer(mutating: arena.copy(value))
                request.pointee.xattr.value_len = UInt32(value.count)
                request.pointee.r_attrs.req_mask = 0
            },
            done: done
        )
    }

    // MARK: Directories

    /// One READDIR from `cookie`: at most `limit` entries, with handles and
    /// attributes. `done` gets the entries, the next cookie and verifier, and
    /// whether the directory ended.
    func readdir(
        _ directory: S3Handle,
        cookie: UInt64,
        verifier: UInt64,
        limit: Int,
        hidden: Bool = false,
        done: @escaping (S3VFSReply, S3ReaddirBatch) -> Void
    ) {
        let batch = S3ReaddirBatch(limit: limit)
        run(
            CHIMERA_VFS_OP_READDIR,
            on: directory,
            hidden: hidden,
            fill: { request, _ in
                request.pointee.readdir.cookie = cookie
                withUnsafeMutableBytes(of: &request.pointee.readdir.verifier) {
                    $0.storeBytes(of: verifier, as: UInt64.self)
                }
                request.pointee.readdir.flags = UInt32(CHIMERA_VFS_READDIR_ATTRS | CHIMERA_VFS_READDIR_HANDLES)
                request.pointee.readdir.emit = s3ReaddirEmit
                request.pointee.readdir.emit_arg = Unmanaged.passUnretained(batch).toOpaque()
                request.pointee.r_dir_post_attrs.req_mask = Self.statMask
                request.pointee.r_attrs.req_mask = 0
            },
            extract: { request, reply in
                reply.eof = request.pointee.readdir.r_eof != 0
                batch.verifier = withUnsafeBytes(of: request.pointee.readdir.r_verifier) {
                    $0.loadUnaligned(as: UInt64.self)
                }
                batch.directoryAttrs = request.pointee.r_dir_post_attrs
            },
            done: { reply in done(reply, batch) }
        )
    }
}
