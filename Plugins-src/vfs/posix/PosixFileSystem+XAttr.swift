import CChimera
import ChimeraPluginKit
import CLinuxShims
import Glibc

/// Extended attributes, limited to the `user.` namespace: the server runs
/// as root, and `trusted.`, `security.` (file capabilities, SELinux labels)
/// and `system.` (ACLs) from the network would be privilege, not data.
/// Reached through the object's /proc/self/fd link, so symlinks (which take
/// no user attributes) are refused first and never followed.
extension PosixFileSystem {
    static let xattrValueMax = 65_536

    private func xattrTarget(_ request: VFSRequest) throws(PosixError) -> PosixObject {
        let object = try object(request)
        if PosixAttributes.isSymlink(object.stat) { throw PosixError(.permission) }
        return object
    }

    private static func xattrName(_ request: VFSRequest) throws(PosixError) -> UnsafePointer<CChar> {
        guard let name = request.raw.pointee.xattr.name else { throw .invalid }
        let length = strnlen(name, 256)
        guard length > 0 else { throw .invalid }
        guard length <= 255 else { throw PosixError(.nameTooLong) }
        guard length > 5, strncmp(name, "user.", 5) == 0 else { throw .notSupported }
        return name
    }

    func getxattr(_ request: VFSRequest) throws(PosixError) {
        let object = try xattrTarget(request)
        let name = try Self.xattrName(request)
        let args = request.raw.pointee.xattr
        var path = ProcPath(object.fd)
        let capacity = args.value == nil ? 0 : Int(args.value_len)
        let n = try path.withCString { p throws(PosixError) in
            try PosixCall.shim { clinux_getxattr(p, name, capacity == 0 ? nil : args.value, capacity) }
        }
        request.raw.pointee.xattr.r_length = UInt32(n)
    }

    func setxattr(_ request: VFSRequest) throws(PosixError) {
        let object = try xattrTarget(request)
        let name = try Self.xattrName(request)
        let args = request.raw.pointee.xattr
        guard Int(args.value_len) <= Self.xattrValueMax else { throw PosixError(.range) }
        guard args.value != nil || args.value_len == 0 else { throw .invalid }
        var flags: Int32 = 0
        if args.flags & UInt32(CHIMERA_VFS_XATTR_CREATE) != 0 { flags |= clinux_XATTR_CREATE }
        if args.flags & UInt32(CHIMERA_VFS_XATTR_REPLACE) != 0 { flags |= clinux_XATTR_REPLACE }
        var path = ProcPath(object.fd)
        _ = try path.withCString { p throws(PosixError) in
            try PosixCall.shim { clinux_setxattr(p, name, args.value, Int(args.value_len), flags) }
        }
    }

    func removexattr(_ request: VFSRequest) throws(PosixError) {
        let object = try xattrTarget(request)
        let name = try Self.xattrName(request)
        var path = ProcPath(object.fd)
        _ = try path.withCString { p throws(PosixError) in try PosixCall.shim { clinux_removexattr(p, name) } }
    }

    /// LISTXATTR: the `user.` names, NUL-terminated, back to back; a zero
    /// buffer asks for the size.
    func listxattr(_ request: VFSRequest) throws(PosixError) {
        let object = try xattrTarget(request)
        var path = ProcPath(object.fd)
        var names: [CChar] = []
        // The list may grow between the size query and the read: retry.
        for _ in 0..<8 {
            let size = try path.withCString { p throws(PosixError) in
                try PosixCall.shim { clinux_listxattr(p, nil, 0) }
            }
            names = [CChar](repeating: 0, count: max(size, 1))
            let n = path.withCString { p in clinux_listxattr(p, &names, names.count) }
            if n == -Int(ERANGE) { continue }
            guard n >= 0 else { throw PosixError(errno: Int32(-n)) }
            names.removeLast(names.count - n)
            break
        }
        var filtered: [UInt8] = []
        var start = 0
        for i in 0..<names.count where names[i] == 0 {
            let entry = names[start..<i].map { UInt8(bitPattern: $0) }
            if entry.count > 5 && entry.starts(with: Array("user.".utf8)) {
                filtered.append(contentsOf: entry)
                filtered.append(0)
            }
            start = i + 1
        }
        let args = request.raw.pointee.xattr
        if args.value_len > 0 {
            guard filtered.count <= Int(args.value_len), let out = args.value else { throw .range }
            for (i, b) in filtered.enumerated() { out.storeBytes(of: b, toByteOffset: i, as: UInt8.self) }
        }
        request.raw.pointee.xattr.r_length = UInt32(filtered.count)
    }
}
