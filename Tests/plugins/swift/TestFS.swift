import CChimera
import ChimeraPluginKit
import Synchronization

/// A tiny module for the host's tests: one flat directory in memory.
///
/// - The loader's tests: a strict config (`{"fail": "why"}` makes init fail
///   with that message) and a root holding `greeting`, whose content comes
///   from the config.
/// - The core's fallbacks: it answers NOTSUP to OPEN_AT and to the lock
///   ops, so the core must build OPEN_AT from LOOKUP + MKNOD + SETATTR +
///   OPEN and keep byte-range locks itself.
/// - The watchdog: `{"stall": "readdir"}` makes it never complete that op.
final class TestFS: VFSModule {
    final class ThreadState {}

    static let descriptor = VFSModuleDescriptor(
        name: "swifttest",
        description: "host test module: one flat directory in memory",
        capabilities: 0,
        blockingOps: 0,
        attributesSupported: [.stat, .change]
    )

    struct File {
        var name: [UInt8]
        var data: [UInt8]
        var mode: UInt32
        var change: UInt64 = 1
    }

    static let rootID: UInt64 = 1
    /// Files by id; the root is not in it.
    let files = Mutex<[UInt64: File]>([:])
    let nextID = Atomic<UInt64>(3)
    let stalledOp: VFSOp?
    /// Requests held forever by `stall` (never completed, by design).
    let stalled = Mutex<[VFSRequest]>([])

    init(host: PluginHost, config: String) throws(PluginError) {
        let object = try ConfigObject(parsing: config, path: "config")
        try object.rejectUnknownKeys(["greeting", "fail", "stall"])
        if let reason = try object.string("fail") {
            throw PluginError(reason)
        }
        let greeting = Array((try object.string("greeting") ?? "hello\n").utf8)
        files.withLock { $0[2] = File(name: Array("greeting".utf8), data: greeting, mode: UInt32(CHIMERA_S_IFREG) | 0o444) }
        switch try object.string("stall") {
        case nil: stalledOp = nil
        case "readdir": stalledOp = .readdir
        case "getattr": stalledOp = .getattr
        case let other?: throw PluginError("config.stall: expected \"readdir\" or \"getattr\", found \"\(other)\"")
        }
        host.log(.info, "test module ready")
    }

    func threadStarted(index: UInt32) -> ThreadState { ThreadState() }

    func attributes(of id: UInt64) -> chimera_attrs? {
        var attrs = chimera_attrs()
        attrs.valid_mask = VFSAttributeMask([.stat, .change]).rawValue
        attrs.fileid = id
        if id == Self.rootID {
            attrs.nlink = 2
            attrs.mode = UInt32(CHIMERA_S_IFDIR) | 0o755
            attrs.size = 4096
            attrs.change = 1
            return attrs
        }
        guard let file = files.withLock({ $0[id] }) else { return nil }
        attrs.nlink = 1
        attrs.mode = file.mode
        attrs.size = UInt64(file.data.count)
        attrs.space_used = attrs.size
        attrs.change = file.change
        return attrs
    }

    func id(of handle: UnsafeRawBufferPointer) -> UInt64? {
        guard handle.count == 8 else { return nil }
        return UInt64(littleEndian: handle.loadUnaligned(as: UInt64.self))
    }

    func child(named name: UnsafeRawBufferPointer) -> UInt64? {
        files.withLock { files in files.first { $0.value.name.elementsEqual(name) }?.key }
    }

    func dispatch(_ request: VFSRequest, thread: ThreadState) {
        if let stalledOp, request.op == stalledOp {
            stalled.withLock { $0.append(request) }
            return
        }
        let r = request.raw
        if request.op == .mount {
            request.setResultHandle(Self.rootID)
            r.pointee.r_attrs = attributes(of: Self.rootID)!
            return request.complete(.ok)
        }
        guard let id = id(of: request.handle), let attrs = attributes(of: id) else {
            return request.complete(request.handle.count == 8 ? .stale : .badHandle)
        }
        let isRoot = id == Self.rootID
        switch request.op {
        case .getattr:
            r.pointee.r_attrs = attrs
            request.complete(.ok)
        case .lookup:
            guard isRoot else { return request.complete(.notDirectory) }
            guard let found = child(named: request.name), let childAttrs = attributes(of: found) else {
                return request.complete(.noEntry)
            }
            request.setResultHandle(found)
            r.pointee.r_attrs = childAttrs
            request.complete(.ok)
        case .mknod:
            guard isRoot else { return request.complete(.notDirectory) }
            let wanted = r.pointee.mknod.attrs
            guard wanted.mode & UInt32(CHIMERA_S_IFMT) == UInt32(CHIMERA_S_IFREG) else {
                return request.complete(.notSupported)
            }
            let name = Array(request.name)
            let made: UInt64? = files.withLock { files in
                guard !files.values.contains(where: { $0.name == name }) else { return nil }
                let n = nextID.add(1, ordering: .relaxed).newValue
                files[n] = File(name: name, data: [], mode: wanted.mode)
                return n
            }
            guard let made else { return request.complete(.exists) }
            request.setResultHandle(made)
            r.pointee.r_attrs = attributes(of: made)!
            request.complete(.ok)
        case .setattr:
            let set = r.pointee.setattr.attrs
            guard !isRoot, set.valid_mask & ~CHIMERA_ATTR_SIZE == 0 else { return request.complete(.notSupported) }
            files.withLock { files in
                guard var file = files[id] else { return }
                let size = Int(set.size)
                file.data = Array(file.data.prefix(size)) + [UInt8](repeating: 0, count: max(0, size - file.data.count))
                file.change += 1
                files[id] = file
            }
            r.pointee.r_attrs = attributes(of: id)!
            request.complete(.ok)
        case .open:
            guard !isRoot || r.pointee.open.flags & CHIMERA_VFS_OPEN_DIRECTORY != 0 else {
                return request.complete(.isDirectory)
            }
            r.pointee.open.r_open_handle = id
            r.pointee.r_attrs = attrs
            request.complete(.ok)
        case .close:
            request.complete(.ok)
        case .read:
            guard request.openHandle == id, !isRoot else { return request.complete(.badOpenHandle) }
            let data = files.withLock { $0[id]?.data ?? [] }
            let offset = Int(min(r.pointee.read.offset, UInt64(data.count)))
            let count = min(Int(r.pointee.read.length), data.count - offset)
            var copied = 0
            for iov in request.iovecs where copied < count {
                let n = min(iov.iov_len, count - copied)
                data.withUnsafeBytes { bytes in
                    iov.iov_base.copyMemory(from: bytes.baseAddress! + offset + copied, byteCount: n)
                }
                copied += n
            }
            r.pointee.read.r_length = UInt32(copied)
            r.pointee.read.r_eof = offset + copied >= data.count ? 1 : 0
            request.complete(.ok)
        case .write:
            guard request.openHandle == id, !isRoot else { return request.complete(.badOpenHandle) }
            var incoming: [UInt8] = []
            for iov in request.iovecs {
                incoming += UnsafeRawBufferPointer(start: iov.iov_base, count: iov.iov_len)
            }
            incoming = Array(incoming.prefix(Int(r.pointee.write.length)))
            let offset = Int(r.pointee.write.offset)
            files.withLock { files in
                guard var file = files[id] else { return }
                if file.data.count < offset + incoming.count {
                    file.data += [UInt8](repeating: 0, count: offset + incoming.count - file.data.count)
                }
                file.data.replaceSubrange(offset..<(offset + incoming.count), with: incoming)
                file.change += 1
                files[id] = file
            }
            r.pointee.write.r_length = UInt32(incoming.count)
            r.pointee.write.r_stable = CHIMERA_VFS_FILE_SYNC
            r.pointee.r_attrs = attributes(of: id)!
            request.complete(.ok)
        case .remove:
            guard isRoot else { return request.complete(.notDirectory) }
            guard let found = child(named: request.name) else { return request.complete(.noEntry) }
            files.withLock { _ = $0.removeValue(forKey: found) }
            request.complete(.ok)
        case .readdir:
            guard isRoot else { return request.complete(.notDirectory) }
            let entries = files.withLock { $0.sorted { $0.key < $1.key } }
            var eof: UInt32 = 1
            for (fileID, file) in entries where fileID > r.pointee.readdir.cookie {
                var handle = fileID.littleEndian
                var childAttrs = attributes(of: fileID) ?? chimera_attrs()
                let taken = withUnsafeBytes(of: &handle) { fh in
                    file.name.withUnsafeBytes { name in
                        request.emit(name: name, cookie: fileID, handle: fh, attributes: &childAttrs)
                    }
                }
                if !taken {
                    eof = 0
                    break
                }
            }
            r.pointee.readdir.r_eof = eof
            request.complete(.ok)
        default:
            // OPEN_AT and the lock ops among them: the core falls back.
            request.complete(.notSupported)
        }
    }
}

@_cdecl("chimera_vfs_module_v1")
public func chimera_vfs_module_v1() -> UnsafePointer<chimera_vfs_module> {
    VFSModuleExport.entry(TestFS.self)
}
