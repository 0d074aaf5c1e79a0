import CChimera
import ChimeraPluginKit

/// The VFS as the S3 front-end calls it: one method per op in S3's terms
/// over the kit's ``VFSClient`` (which builds, submits and reads every
/// request), answering on the connection's loop. Data pointers (WRITE
/// sources, READ targets) are the caller's to keep valid until `done`.
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
    static let stat = VFSResultMasks(attrs: statMask)

    /// Submit through the kit's client, counted as work in flight (drain
    /// waits for it).
    private func run(
        _ arguments: VFSArguments,
        on handle: S3Handle?,
        hidden: Bool,
        masks: VFSResultMasks = S3VFSClient.stat,
        done: @escaping (S3VFSReply) -> Void
    ) {
        work.begin()
        let work = self.work
        VFSClient(vfs: vfs, thread: thread, credential: credential).perform(
            arguments,
            on: handle?.bytes,
            flags: hidden ? UInt32(CHIMERA_VFS_REQ_SHOW_HIDDEN) : 0,
            masks: masks
        ) { reply in
            done(reply)
            work.end()
        }
    }

    private static func file(_ mode: UInt32) -> chimera_attrs {
        var attrs = chimera_attrs()
        attrs.valid_mask = VFSAttributeMask.mode.rawValue
        attrs.mode = mode
        return attrs
    }

    // MARK: Names

    /// Resolve `path` ("a/b") from `start` (the namespace root when nil).
    func lookupPath(_ path: String, from start: S3Handle?, done: @escaping (S3VFSReply) -> Void) {
        run(.lookupPath(Array(path.utf8)), on: start, hidden: false, done: done)
    }

    func lookup(_ name: String, in directory: S3Handle, hidden: Bool = false, done: @escaping (S3VFSReply) -> Void) {
        run(.lookup(name: Array(name.utf8)), on: directory, hidden: hidden, done: done)
    }

    func getattr(_ handle: S3Handle, hidden: Bool = false, done: @escaping (S3VFSReply) -> Void) {
        run(.getattr, on: handle, hidden: hidden, done: done)
    }

    func mkdir(
        _ name: String,
        in directory: S3Handle,
        hidden: Bool = false,
        mode: UInt32 = 0o755,
        done: @escaping (S3VFSReply) -> Void
    ) {
        run(
            .mkdir(name: Array(name.utf8), attrs: Self.file(UInt32(CHIMERA_S_IFDIR) | mode)),
            on: directory, hidden: hidden, done: done)
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
            .openAt(name: Array(name.utf8), flags: flags, attrs: Self.file(UInt32(CHIMERA_S_IFREG) | 0o644)),
            on: directory, hidden: hidden, done: done)
    }

    func open(_ handle: S3Handle, flags: UInt32, hidden: Bool = false, done: @escaping (S3VFSReply) -> Void) {
        run(.open(flags: flags), on: handle, hidden: hidden, done: done)
    }

    func close(_ handle: S3Handle, openHandle: UInt64, done: @escaping (S3VFSReply) -> Void = { _ in }) {
        run(.close(openHandle: openHandle), on: handle, hidden: true, done: done)
    }

    func remove(
        _ name: String,
        in directory: S3Handle,
        flags: UInt32 = 0,
        hidden: Bool = false,
        done: @escaping (S3VFSReply) -> Void
    ) {
        run(.remove(name: Array(name.utf8), flags: flags), on: directory, hidden: hidden, done: done)
    }

    func rename(
        _ name: String,
        in directory: S3Handle,
        to newName: String,
        in newDirectory: S3Handle,
        done: @escaping (S3VFSReply) -> Void
    ) {
        run(
            .rename(name: Array(name.utf8), newDirectory: newDirectory.bytes, newName: Array(newName.utf8)),
            on: directory, hidden: true, done: done)
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
            .write(openHandle: openHandle, offset: offset, data: data, stable: UInt32(CHIMERA_VFS_UNSTABLE)),
            on: handle, hidden: true, masks: VFSResultMasks(), done: done)
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
            .read(openHandle: openHandle, offset: offset, into: buffer),
            on: handle, hidden: true, masks: VFSResultMasks(), done: done)
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
            .copy(
                destination: destination.bytes, openHandle: openHandle, sourceOffset: offset,
                destinationOffset: destinationOffset, length: length),
            on: source, hidden: true, masks: VFSResultMasks(), done: done)
    }

    // MARK: Extended attributes

    /// The value of xattr `name` (up to `capacity` bytes).
    func getxattr(_ handle: S3Handle, name: String, capacity: Int = 8192, done: @escaping (S3VFSReply) -> Void) {
        run(
            .getxattr(name: Array(name.utf8), capacity: capacity),
            on: handle, hidden: true, masks: VFSResultMasks(), done: done)
    }

    func setxattr(_ handle: S3Handle, name: String, value: [UInt8], done: @escaping (S3VFSReply) -> Void) {
        run(
            .setxattr(name: Array(name.utf8), value: value),
            on: handle, hidden: true, masks: VFSResultMasks(), done: done)
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
            .readdir(
                cookie: cookie, verifier: verifier,
                flags: UInt32(CHIMERA_VFS_READDIR_ATTRS | CHIMERA_VFS_READDIR_HANDLES), emit: s3ReaddirEmit,
                context: Unmanaged.passUnretained(batch).toOpaque()),
            on: directory, hidden: hidden, masks: VFSResultMasks(dirPost: Self.statMask)
        ) { reply in
            batch.verifier = reply.offset
            batch.directoryAttrs = reply.dirPost
            done(reply, batch)
        }
    }
}
