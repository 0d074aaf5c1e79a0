import ChimeraPluginKit
import CLinuxShims
import Crypto
import Glibc

/// Makes and opens module handles for one root.
///
/// Kernel handles (the normal case): `name_to_handle_at` /
/// `open_by_handle_at` with the root's fd as mount fd, so handles survive
/// restarts of the process and of the machine. `open_by_handle_at` opens
/// *any* inode of the root's file system, not only those beneath the root,
/// and a handle is bytes a client sends: a forged one (say, `/etc/passwd`'s
/// inode on the same file system) would open a file outside the export.
/// Walking `..` after opening cannot confine files (a file has no single
/// parent), so every handle carries a MAC — HMAC-SHA-256 keyed with the
/// root's secret over the handle bytes, truncated to 96 bits — and a handle
/// whose MAC does not verify is refused (BADHANDLE) before the kernel sees
/// it. Only handles this root's modules issued, for objects they reached
/// beneath the root by single-name lookups, ever reach `open_by_handle_at`.
///
/// Inode handles (fallback, when the file system or the kernel refuses
/// handles — EOPNOTSUPP, or EPERM without CAP_DAC_READ_SEARCH): inode number
/// plus birth time, MAC'd the same way, mapped back to a path beneath the
/// root through an in-process table (``InodeTable``). After a restart the
/// table is empty, and a handle's object is found again by searching the
/// tree for its inode (HandleCodec+Search.swift) — slower the first time,
/// but the handle stays valid, so the module's PERSISTENT_HANDLES claim
/// holds in both modes.
final class HandleCodec: Sendable {
    enum Mode: String, Sendable {
        case kernel, inode
    }

    let mode: Mode
    let rootFD: Int32
    let rootPath: String
    let rootDevice: (major: UInt32, minor: UInt32)
    let secret: [UInt8]
    // Immutable after init; HMAC only reads it.
    nonisolated(unsafe) private let key: SymmetricKey
    let inodes = InodeTable()

    init(mode: Mode, rootFD: Int32, rootPath: String, rootStat: statx, secret: [UInt8]) {
        self.mode = mode
        self.rootFD = rootFD
        self.rootPath = rootPath
        self.rootDevice = (rootStat.stx_dev_major, rootStat.stx_dev_minor)
        self.secret = secret
        self.key = SymmetricKey(data: secret)
    }

    /// Whether kernel handles work for this root: the root's own handle fits
    /// and opens again.
    static func kernelHandlesWork(rootFD: Int32) -> Bool {
        var bytes = [UInt8](repeating: 0, count: PosixHandle.kernelHandleMax)
        var length: UInt32 = 0
        var type: Int32 = 0
        var mountID: Int32 = 0
        let rc = clinux_name_to_handle(
            rootFD, "", clinux_AT_EMPTY_PATH, &bytes, UInt32(bytes.count), &length, &type, &mountID)
        guard rc == 0 else { return false }
        let fd = clinux_open_by_handle(rootFD, type, bytes, length, clinux_O_PATH)
        guard fd >= 0 else { return false }
        Glibc.close(fd)
        return true
    }

    // MARK: Issuing

    /// The handle of the object open at `fd` (any kind of fd), whose
    /// attributes are `stat`.
    func handle(for fd: Int32, stat: statx) throws(PosixError) -> PosixHandle {
        guard stat.stx_dev_major == rootDevice.major, stat.stx_dev_minor == rootDevice.minor else {
            // Another file system mounted beneath the root: its handles would
            // not open through the root's mount fd.
            throw .crossDevice
        }
        var handle = PosixHandle()
        switch mode {
        case .kernel:
            var bytes = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))  // 32 >= kernelHandleMax
            var length: UInt32 = 0
            var type: Int32 = 0
            var mountID: Int32 = 0
            try withUnsafeMutableBytes(of: &bytes) { raw throws(PosixError) in
                _ = try PosixCall.shim {
                    clinux_name_to_handle(
                        fd, "", clinux_AT_EMPTY_PATH, raw.baseAddress?.assumingMemoryBound(to: UInt8.self),
                        UInt32(PosixHandle.kernelHandleMax), &length, &type, &mountID)
                }
            }
            handle.append(PosixHandle.kernelFormat)
            handle.append(UInt8(length))
            handle.append(littleEndian: type)
            withUnsafeBytes(of: &bytes) { handle.append(UnsafeRawBufferPointer(rebasing: $0[0..<Int(length)])) }
        case .inode:
            let birth = Self.birth(stat)
            handle.append(PosixHandle.inodeFormat)
            handle.append(littleEndian: stat.stx_ino)
            handle.append(littleEndian: birth)
            if stat.stx_nlink > 0, let relative = relativePath(of: fd) {
                inodes.record(InodeTable.Key(inode: stat.stx_ino, birth: birth), path: relative)
            }
        }
        let mac = self.mac(handle)
        withUnsafeBytes(of: mac) { handle.append(UnsafeRawBufferPointer(rebasing: $0[0..<PosixHandle.macLength])) }
        return handle
    }

    static func birth(_ stat: statx) -> Int64 {
        guard stat.stx_mask & clinux_STATX_BTIME != 0 else { return 0 }
        return stat.stx_btime.tv_sec &* 1_000_000_000 &+ Int64(stat.stx_btime.tv_nsec)
    }

    // MARK: Opening

    /// An O_PATH fd for the object a client's handle names. Refuses (BADHANDLE)
    /// any handle whose MAC does not verify; STALE when the object is gone.
    func open(_ handle: PosixHandle) throws(PosixError) -> Int32 {
        try verify(handle)
        switch handle.byte(0) {
        case PosixHandle.kernelFormat:
            let length = Int(handle.byte(1))
            let type = handle.load(Int32.self, at: 2)
            return try handle.withUnsafeBytes { raw throws(PosixError) in
                let bytes = raw.baseAddress?.advanced(by: PosixHandle.kernelHeader)
                    .assumingMemoryBound(to: UInt8.self)
                return try PosixCall.shim {
                    clinux_open_by_handle(rootFD, type, bytes, UInt32(length), clinux_O_PATH | clinux_O_NOFOLLOW)
                }
            }
        default:
            let key = InodeTable.Key(inode: handle.load(UInt64.self, at: 1), birth: handle.load(Int64.self, at: 9))
            for path in inodes.paths(of: key) {
                if let fd = openInode(key, at: path) { return fd }
                inodes.forget(key, path: path)
            }
            // Not known (a restart) or moved on the host: look for it.
            if let path = search(key), let fd = openInode(key, at: path) { return fd }
            throw .stale
        }
    }

    /// The inode at `path` beneath the root, if it is still `key`'s.
    private func openInode(_ key: InodeTable.Key, at path: String) -> Int32? {
        let fd: Int32
        if path.isEmpty {
            guard let root = try? PosixCall.openAt(rootFD, ".", clinux_O_PATH | clinux_O_DIRECTORY) else { return nil }
            fd = root
        } else {
            let opened = clinux_open_beneath(rootFD, path, clinux_O_PATH | clinux_O_NOFOLLOW, 0, 1)
            guard opened >= 0 else { return nil }
            fd = opened
        }
        // The path may name another object by now.
        guard let st = try? PosixCall.stat(fd), st.stx_ino == key.inode, Self.birth(st) == key.birth else {
            PosixCall.close(fd)
            return nil
        }
        return fd
    }

    /// Check the handle's shape and MAC.
    func verify(_ handle: PosixHandle) throws(PosixError) {
        let count = handle.count
        guard count > PosixHandle.macLength else { throw .badHandle }
        switch handle.byte(0) {
        case PosixHandle.kernelFormat:
            guard count >= PosixHandle.kernelHeader + PosixHandle.macLength,
                Int(handle.byte(1)) == count - PosixHandle.kernelHeader - PosixHandle.macLength,
                mode == .kernel
            else { throw .badHandle }
        case PosixHandle.inodeFormat:
            guard count == 17 + PosixHandle.macLength, mode == .inode else { throw .badHandle }
        default:
            throw .badHandle
        }
        var body = handle
        body.count = count - PosixHandle.macLength
        let expected = mac(body)
        let ok = handle.withUnsafeBytes { raw in
            withUnsafeBytes(of: expected) { mac in
                // Constant time: the difference of every byte is folded in.
                var diff: UInt8 = 0
                for i in 0..<PosixHandle.macLength { diff |= raw[body.count + i] ^ mac[i] }
                return diff == 0
            }
        }
        guard ok else { throw .badHandle }
    }

    private func mac(_ body: PosixHandle) -> (UInt64, UInt64, UInt64, UInt64) {
        var out = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        let code = body.withBytes { data in HMAC<SHA256>.authenticationCode(for: data, using: key) }
        withUnsafeMutableBytes(of: &out) { digest in
            code.withUnsafeBytes { digest.copyMemory(from: $0) }
        }
        return out
    }

    // MARK: Paths

    /// The path of `fd` relative to the root ("" for the root itself), or
    /// nil when it is not beneath the root or no longer linked. For
    /// directories (always connected to their parents) this is also the
    /// check that a directory is still inside the root.
    func relativePath(of fd: Int32) -> String? {
        var link = ProcPath(fd)
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = link.withCString { path in readlink(path, &buffer, buffer.count - 1) }
        guard n > 0 else { return nil }
        let full = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if full == rootPath { return "" }
        let prefix = rootPath == "/" ? "/" : rootPath + "/"
        guard full.hasPrefix(prefix), !full.hasSuffix(" (deleted)") else { return nil }
        return String(full.dropFirst(prefix.count))
    }

    /// The object at `fd` got another name (LINK, LINK_AT): remember it.
    func linked(_ fd: Int32, stat: statx, into directory: Int32, _ name: String) {
        guard mode == .inode, let parent = relativePath(of: directory) else { return }
        let key = InodeTable.Key(inode: stat.stx_ino, birth: Self.birth(stat))
        inodes.record(key, path: parent.isEmpty ? name : parent + "/" + name)
    }

    /// A directory tree moved: keep the inode table's paths current.
    func renamed(from oldDirectory: Int32, _ oldName: String, to newDirectory: Int32, _ newName: String) {
        guard mode == .inode,
            let oldParent = relativePath(of: oldDirectory),
            let newParent = relativePath(of: newDirectory)
        else { return }
        let from = oldParent.isEmpty ? oldName : oldParent + "/" + oldName
        let to = newParent.isEmpty ? newName : newParent + "/" + newName
        inodes.move(from: from, to: to)
    }
}
