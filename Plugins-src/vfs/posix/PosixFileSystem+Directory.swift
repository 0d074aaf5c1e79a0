import CChimera
import ChimeraPluginKit
import CLinuxShims
import Glibc

extension PosixFileSystem {
    /// READDIR with getdents64. An entry's cookie is the d_off the kernel
    /// gives it — the position just after it, which `lseek` resumes from.
    /// ext4 (hash order), xfs and tmpfs keep those stable while the
    /// directory changes, so the verifier is a constant.
    func readdir(_ request: VFSRequest) throws(PosixError) {
        let dir = try directory(request)
        let args = request.raw.pointee.readdir
        let wantsHandles = args.flags & UInt32(CHIMERA_VFS_READDIR_HANDLES) != 0
        let wantsAttrs = args.flags & UInt32(CHIMERA_VFS_READDIR_ATTRS) != 0
        let fd = try PosixCall.openAt(dir.fd, ".", O_RDONLY | clinux_O_DIRECTORY)
        defer { PosixCall.close(fd) }
        if args.cookie != 0 {
            guard args.cookie <= UInt64(Int64.max) else { throw PosixError(.badCookie) }
            _ = try PosixCall.libc { lseek(fd, off_t(args.cookie), SEEK_SET) }
        }

        let capacity = 32 * 1024
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
        defer { buffer.deallocate() }
        var eof = false
        var full = false
        // Each batch holds at least one entry, so the bound is generous
        // for any directory the caller can page through in one reply.
        batches: for _ in 0..<(1 << 20) {
            let filled = try PosixCall.shim { clinux_getdents64(fd, buffer, capacity) }
            if filled == 0 {
                eof = true
                break
            }
            var offset = 0
            while offset < Int(filled) {
                var inode: UInt64 = 0
                var next: Int64 = 0
                var type: UInt8 = 0
                var namePointer: UnsafePointer<CChar>?
                let length = clinux_dirent_at(buffer, Int(filled), offset, &inode, &next, &type, &namePointer)
                guard length > 0, let name = namePointer else { throw PosixError(.io) }
                offset += Int(length)
                let nameLength = strlen(name)
                if (nameLength == 1 && name[0] == 0x2e) || (nameLength == 2 && name[0] == 0x2e && name[1] == 0x2e) {
                    continue
                }
                var handle = PosixHandle()
                var attrs = chimera_attrs()
                var haveAttrs = false
                if wantsHandles || wantsAttrs {
                    // Gone since getdents listed it: skip it, as a later
                    // getdents would have.
                    guard let st = try? PosixCall.stat(fd, name) else { continue }
                    if wantsAttrs {
                        attrs = PosixAttributes.make(st)
                        attrs.req_mask = attrs.valid_mask
                        haveAttrs = true
                    }
                    if wantsHandles, let child = try? PosixCall.openAt(fd, name, clinux_O_PATH | clinux_O_NOFOLLOW) {
                        defer { PosixCall.close(child) }
                        if let h = try? codec.handle(for: child, stat: st) { handle = h }
                    }
                }
                let accepted = handle.withBytes { h in
                    withUnsafePointer(to: &attrs) { a in
                        request.emit(
                            name: UnsafeRawBufferPointer(start: name, count: nameLength),
                            cookie: UInt64(bitPattern: next), handle: h, attributes: haveAttrs ? a : nil)
                    }
                }
                if !accepted {
                    full = true
                    break batches
                }
            }
        }
        request.raw.pointee.readdir.r_verifier = (0, 0, 0, 0, 0, 0, 0, 0)
        request.raw.pointee.readdir.r_eof = eof && !full ? 1 : 0
        directoryAttributes(request, dir)
    }
}
