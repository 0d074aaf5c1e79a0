import CChimera
import ChimeraPluginKit
import Glibc

@testable import PosixVFS

/// A directory under /tmp, removed with everything in it on deinit.
final class TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array("/tmp/posixvfs-test-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer -> UnsafeMutablePointer<CChar>? in
            guard let base = buffer.baseAddress else { return nil }
            return mkdtemp(base)
        }
        guard let made else {
            throw PosixError(errno: errno)
        }
        path = String(cString: made)
    }

    func write(_ name: String, _ text: String) throws {
        let fd = Glibc.open(path + "/" + name, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw PosixError(errno: errno) }
        defer { Glibc.close(fd) }
        _ = Array(text.utf8).withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
    }

    deinit {
        Self.removeTree(path, depth: 0)
    }

    /// rm -rf, bounded in depth (test trees are shallow); never follows
    /// symlinks (unlink removes the link itself).
    static func removeTree(_ path: String, depth: Int) {
        if Glibc.unlink(path) == 0 || errno == ENOENT { return }
        guard depth < 32, let dir = opendir(path) else { return }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        closedir(dir)
        for name in names { removeTree(path + "/" + name, depth: depth + 1) }
        Glibc.rmdir(path)
    }
}

/// A host that logs nothing: PosixFileSystem only logs.
final class TestHost {
    let raw: UnsafeMutablePointer<chimera_host>

    init() {
        raw = UnsafeMutablePointer<chimera_host>.allocate(capacity: 1)
        raw.initialize(to: chimera_host())
        raw.pointee.abi_major = UInt32(CHIMERA_HOST_ABI_MAJOR)
        raw.pointee.struct_size = UInt32(MemoryLayout<chimera_host>.size)
        raw.pointee.log = { _, _, _, _ in }
        raw.pointee.log_level = { _ in Int32(CHIMERA_LOG_CRITICAL) + 1 }
    }

    var host: PluginHost { PluginHost(UnsafePointer(raw)) }

    deinit { raw.deallocate() }
}

/// A request run synchronously through ``PosixFileSystem/perform(_:)``.
final class TestRequest {
    let raw: UnsafeMutablePointer<chimera_vfs_request>
    private var handle: [UInt8]
    private var strings: [[CChar]] = []

    init(_ op: VFSOp, _ fh: [UInt8] = []) {
        raw = UnsafeMutablePointer<chimera_vfs_request>.allocate(capacity: 1)
        raw.initialize(to: chimera_vfs_request())
        handle = fh
        raw.pointee.struct_size = UInt32(MemoryLayout<chimera_vfs_request>.size)
        raw.pointee.op = op.rawValue
        raw.pointee.complete = { req in req?.pointee.caller_data = UnsafeMutableRawPointer(bitPattern: 1) }
        raw.pointee.r_attrs.req_mask = VFSAttributeMask.stat.rawValue
    }

    deinit { raw.deallocate() }

    /// A C string that lives as long as the request.
    func string(_ text: String) -> (UnsafePointer<CChar>, UInt32) {
        strings.append(Array(text.utf8CString))
        let count = UInt32(strings[strings.count - 1].count - 1)
        return strings[strings.count - 1].withUnsafeBufferPointer { (UnsafePointer($0.baseAddress!), count) }
    }

    @discardableResult
    func run(_ fs: PosixFileSystem) -> VFSStatus {
        handle.withUnsafeBufferPointer { fh in
            raw.pointee.fh = fh.baseAddress
            raw.pointee.fh_len = UInt32(fh.count)
            fs.perform(VFSRequest(raw))
        }
        precondition(raw.pointee.caller_data != nil, "the request was not completed")
        return VFSStatus(rawValue: raw.pointee.status)
    }

    var resultHandle: [UInt8] {
        withUnsafeBytes(of: raw.pointee.r_fh) { Array($0.prefix(Int(raw.pointee.r_fh_len))) }
    }
}
