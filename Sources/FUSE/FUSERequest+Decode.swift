extension FUSERequest {
    /// Longest name accepted in a request (the kernel's own limit is PATH_MAX per component; the VFS answers
    /// ENAMETOOLONG past 255).
    public static let maxName = 4096
    /// Longest symlink target (PATH_MAX).
    public static let maxTarget = 4096
    /// Longest xattr name (XATTR_NAME_MAX).
    public static let maxXattrName = 255

    /// Decode one request: `message` is the whole of one read(2) of the device, header included.
    /// `minor` is the negotiated minor version (structs that grew are read at their negotiated size).
    public static func decode(
        _ message: UnsafeRawBufferPointer, minor: UInt32 = 31
    ) throws(FUSEDecodeError) -> (FUSEInHeader, FUSERequest) {
        let header = try FUSEInHeader.decode(message)
        let body = UnsafeRawBufferPointer(rebasing: message[FUSEInHeader.size...])
        return (header, try decode(opcode: header.opcode, body: body, minor: minor))
    }

    static func decode(
        opcode: FUSEOpcode, body: UnsafeRawBufferPointer, minor: UInt32
    ) throws(FUSEDecodeError) -> FUSERequest {
        var r = FUSEReader(body, opcode: opcode)
        switch opcode {
        case .`init`:
            let major = try r.u32("major")
            let kernelMinor = try r.u32("minor")
            let readahead = try r.u32("max_readahead")
            let flags = try r.u32("flags")
            // flags2 exists from 7.36, when FUSE_INIT_EXT is in flags.
            let flags2 = r.remaining >= 4 ? try r.u32("flags2") : 0
            return .initialize(FUSEInitIn(major: major, minor: kernelMinor, maxReadahead: readahead, flags: flags, flags2: flags2))
        case .destroy: return .destroy
        case .lookup: return .lookup(name: try r.cString("name", max: maxName))
        case .forget: return .forget(nlookup: try r.u64("nlookup"))
        case .batchForget:
            let count = try r.u32("count")
            try r.skip(4)
            // Bound the array by what the message holds before allocating.
            guard Int(count) <= r.remaining / 16 else {
                throw FUSEDecodeError(opcode, "count \(count) but \(r.remaining) bytes remain")
            }
            var forgets: [FUSEForgetOne] = []
            forgets.reserveCapacity(Int(count))
            for _ in 0..<count {
                forgets.append(FUSEForgetOne(nodeid: try r.u64("nodeid"), nlookup: try r.u64("nlookup")))
            }
            return .batchForget(forgets)
        case .getattr:
            let flags = try r.u32("getattr_flags")
            try r.skip(4)
            let fh = try r.u64("fh")
            return .getattr(fh: flags & 1 != 0 ? fh : nil)
        case .setattr:
            var s = FUSESetattrIn()
            s.valid = try r.u32("valid")
            try r.skip(4)
            s.fh = try r.u64("fh")
            s.size = try r.u64("size")
            _ = try r.u64("lock_owner")
            s.atime = try r.u64("atime")
            s.mtime = try r.u64("mtime")
            _ = try r.u64("ctime")
            s.atimensec = try r.u32("atimensec")
            s.mtimensec = try r.u32("mtimensec")
            _ = try r.u32("ctimensec")
            s.mode = try r.u32("mode")
            try r.skip(4)
            s.uid = try r.u32("uid")
            s.gid = try r.u32("gid")
            try r.skip(4)
            return .setattr(s)
        case .readlink: return .readlink
        case .symlink:
            // The new entry's name first, then the target (libfuse's do_symlink).
            let name = try r.cString("name", max: maxName)
            return .symlink(name: name, target: try r.cString("target", max: maxTarget))
        case .mknod:
            let mode = try r.u32("mode")
            let rdev = try r.u32("rdev")
            let umask = try r.u32("umask")
            try r.skip(4)
            return .mknod(mode: mode, rdev: rdev, umask: umask, name: try r.cString("name", max: maxName))
        case .mkdir:
            let mode = try r.u32("mode")
            let umask = try r.u32("umask")
            return .mkdir(mode: mode, umask: umask, name: try r.cString("name", max: maxName))
        case .unlink: return .unlink(name: try r.cString("name", max: maxName))
        case .rmdir: return .rmdir(name: try r.cString("name", max: maxName))
        case .rename, .rename2:
            let newDirectory = try r.u64("newdir")
            var flags: UInt32 = 0
            if opcode == .rename2 {
                flags = try r.u32("flags")
                try r.skip(4)
            }
            let name = try r.cString("oldname", max: maxName)
            let newName = try r.cString("newname", max: maxName)
            return .rename(FUSERenameIn(newDirectory: newDirectory, flags: flags, name: name, newName: newName))
        case .link:
            let old = try r.u64("oldnodeid")
            return .link(oldNodeid: old, name: try r.cString("newname", max: maxName))
        case .open, .opendir:
            let flags = try r.u32("flags")
            try r.skip(4)
            return opcode == .open ? .open(FUSEOpenIn(flags: flags)) : .opendir(FUSEOpenIn(flags: flags))
        case .create:
            let flags = try r.u32("flags")
            let mode = try r.u32("mode")
            let umask = try r.u32("umask")
            try r.skip(4)
            return .create(FUSECreateIn(flags: flags, mode: mode, umask: umask, name: try r.cString("name", max: maxName)))
        case .read, .readdir, .readdirplus:
            let fh = try r.u64("fh")
            let offset = try r.u64("offset")
            let size = try r.u32("size")
            _ = try r.u32("read_flags")
            _ = try r.u64("lock_owner")
            let flags = try r.u32("flags")
            try r.skip(4)
            let read = FUSEReadIn(fh: fh, offset: offset, size: size, flags: flags)
            switch opcode {
            case .read: return .read(read)
            case .readdir: return .readdir(read)
            default: return .readdirplus(read)
            }
        case .write:
            let fh = try r.u64("fh")
            let offset = try r.u64("offset")
            let size = try r.u32("size")
            let writeFlags = try r.u32("write_flags")
            _ = try r.u64("lock_owner")
            _ = try r.u32("flags")
            try r.skip(4)
            let data = try r.bytes(Int(size), "data")
            return .write(FUSEWriteIn(fh: fh, offset: offset, writeFlags: writeFlags, data: data))
        case .statfs: return .statfs
        case .release, .releasedir:
            let fh = try r.u64("fh")
            let flags = try r.u32("flags")
            let releaseFlags = try r.u32("release_flags")
            _ = try r.u64("lock_owner")
            let release = FUSEReleaseIn(fh: fh, flags: flags, releaseFlags: releaseFlags)
            return opcode == .release ? .release(release) : .releasedir(release)
        case .fsync, .fsyncdir:
            let fh = try r.u64("fh")
            let flags = try r.u32("fsync_flags")
            try r.skip(4)
            return opcode == .fsync ? .fsync(fh: fh, dataOnly: flags & 1 != 0) : .fsyncdir(fh: fh)
        case .flush:
            let fh = try r.u64("fh")
            try r.skip(8)
            return .flush(fh: fh, lockOwner: try r.u64("lock_owner"))
        case .setxattr:
            // 8 bytes: FUSE_SETXATTR_EXT (the 16-byte form) is never negotiated.
            let size = try r.u32("size")
            let flags = try r.u32("flags")
            let name = try r.cStringWithNUL("name", max: maxXattrName)
            let value = try r.bytes(Int(size), "value")
            return .setxattr(name: name, value: value, flags: flags)
        case .getxattr:
            let size = try r.u32("size")
            try r.skip(4)
            return .getxattr(name: try r.cStringWithNUL("name", max: maxXattrName), size: size)
        case .listxattr:
            let size = try r.u32("size")
            try r.skip(4)
            return .listxattr(size: size)
        case .removexattr: return .removexattr(name: try r.cStringWithNUL("name", max: maxXattrName))
        case .access:
            let mask = try r.u32("mask")
            try r.skip(4)
            return .access(mask: mask)
        case .interrupt: return .interrupt(unique: try r.u64("unique"))
        case .fallocate:
            let fh = try r.u64("fh")
            let offset = try r.u64("offset")
            let length = try r.u64("length")
            let mode = try r.u32("mode")
            try r.skip(4)
            return .fallocate(fh: fh, offset: offset, length: length, mode: mode)
        case .lseek:
            let fh = try r.u64("fh")
            let offset = try r.u64("offset")
            let whence = try r.u32("whence")
            try r.skip(4)
            return .lseek(fh: fh, offset: offset, whence: whence)
        case .getlk, .setlk, .setlkw:
            let fh = try r.u64("fh")
            let owner = try r.u64("owner")
            let start = try r.u64("lk.start")
            let end = try r.u64("lk.end")
            let type = try r.u32("lk.type")
            let pid = try r.u32("lk.pid")
            let flags = try r.u32("lk_flags")
            try r.skip(4)
            let lock = FUSELockIn(fh: fh, owner: owner, start: start, end: end, type: type, pid: pid, flags: flags)
            return opcode == .getlk ? .getlk(lock) : .setlk(lock, wait: opcode == .setlkw)
        case .copyFileRange:
            let c = FUSECopyFileRangeIn(
                fhIn: try r.u64("fh_in"), offsetIn: try r.u64("off_in"), nodeidOut: try r.u64("nodeid_out"),
                fhOut: try r.u64("fh_out"), offsetOut: try r.u64("off_out"), length: try r.u64("len"))
            _ = try r.u64("flags")
            return .copyFileRange(c)
        default: return .unsupported(opcode)
        }
    }
}
