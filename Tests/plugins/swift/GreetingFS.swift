import CChimera
import ChimeraPluginKit

/// A tiny read-only module for the loader's tests: a root directory holding
/// one file, `greeting`, whose content comes from the config. Its config is
/// strict, so tests can make init fail with a known message.
final class GreetingFS: VFSModule {
    final class ThreadState {}

    static let descriptor = VFSModuleDescriptor(
        name: "swifttest",
        description: "loader test module: one read-only file",
        capabilities: UInt64(CHIMERA_VFS_CAP_READ_ONLY),
        blockingOps: 0,
        attributesSupported: .stat
    )

    let greeting: [UInt8]

    init(host: PluginHost, config: String) throws(PluginError) {
        let object = try ConfigObject(parsing: config, path: "config")
        try object.rejectUnknownKeys(["greeting", "fail"])
        if let reason = try object.string("fail") {
            throw PluginError(reason)
        }
        greeting = Array((try object.string("greeting") ?? "hello\n").utf8)
        host.log(.info, "greeting module ready")
    }

    func threadStarted(index: UInt32) -> ThreadState { ThreadState() }

    static let rootID: UInt64 = 1
    static let fileID: UInt64 = 2

    func attributes(of id: UInt64) -> chimera_attrs {
        var attrs = chimera_attrs()
        attrs.valid_mask = VFSAttributeMask.stat.rawValue
        attrs.fileid = id
        attrs.nlink = id == Self.rootID ? 2 : 1
        attrs.mode = id == Self.rootID ? UInt32(CHIMERA_S_IFDIR) | 0o555 : UInt32(CHIMERA_S_IFREG) | 0o444
        attrs.size = id == Self.rootID ? 4096 : UInt64(greeting.count)
        attrs.space_used = attrs.size
        return attrs
    }

    func id(of request: VFSRequest) -> UInt64? {
        let handle = request.handle
        guard handle.count == 8 else { return nil }
        let id = UInt64(littleEndian: handle.loadUnaligned(as: UInt64.self))
        return id == Self.rootID || id == Self.fileID ? id : nil
    }

    func dispatch(_ request: VFSRequest, thread: ThreadState) {
        let r = request.raw
        if request.op == .mount {
            request.setResultHandle(Self.rootID)
            r.pointee.r_attrs = attributes(of: Self.rootID)
            request.complete(.ok)
            return
        }
        guard let id = id(of: request) else {
            request.complete(.badHandle)
            return
        }
        switch request.op {
        case .getattr:
            r.pointee.r_attrs = attributes(of: id)
            request.complete(.ok)
        case .lookup:
            guard id == Self.rootID else { return request.complete(.notDirectory) }
            guard request.name.elementsEqual("greeting".utf8) else { return request.complete(.noEntry) }
            request.setResultHandle(Self.fileID)
            r.pointee.r_attrs = attributes(of: Self.fileID)
            request.complete(.ok)
        case .lookupParent:
            request.setResultHandle(Self.rootID)
            r.pointee.r_attrs = attributes(of: Self.rootID)
            request.complete(.ok)
        case .open:
            r.pointee.open.r_open_handle = id
            request.complete(.ok)
        case .close:
            request.complete(.ok)
        case .read:
            guard id == Self.fileID else { return request.complete(.isDirectory) }
            let offset = Int(min(r.pointee.read.offset, UInt64(greeting.count)))
            let count = min(Int(r.pointee.read.length), greeting.count - offset)
            var copied = 0
            for iov in request.iovecs where copied < count {
                let n = min(iov.iov_len, count - copied)
                greeting.withUnsafeBytes { bytes in
                    iov.iov_base.copyMemory(from: bytes.baseAddress! + offset + copied, byteCount: n)
                }
                copied += n
            }
            r.pointee.read.r_length = UInt32(copied)
            r.pointee.read.r_eof = offset + copied >= greeting.count ? 1 : 0
            request.complete(.ok)
        case .readdir:
            guard id == Self.rootID else { return request.complete(.notDirectory) }
            if r.pointee.readdir.cookie == 0 {
                var attrs = attributes(of: Self.fileID)
                var handle = Self.fileID.littleEndian
                let taken = withUnsafeBytes(of: &handle) { fh in
                    Array("greeting".utf8).withUnsafeBytes { name in
                        request.emit(name: name, cookie: 1, handle: fh, attributes: &attrs)
                    }
                }
                r.pointee.readdir.r_eof = taken ? 1 : 0
            } else {
                r.pointee.readdir.r_eof = 1
            }
            request.complete(.ok)
        case .setattr, .openAt, .mkdir, .mknod, .symlink, .link, .remove, .rename, .write, .createUnlinked:
            request.complete(.readOnly)
        default:
            request.complete(.notSupported)
        }
    }
}

@_cdecl("chimera_vfs_module_v1")
public func chimera_vfs_module_v1() -> UnsafePointer<chimera_vfs_module> {
    VFSModuleExport.entry(GreetingFS.self)
}
