import CLinuxShims
import Glibc

/// Finding an inode handle's object again after a restart.
///
/// The inode table lives in memory, so after a restart it is empty and an
/// inode handle names only an inode number and birth time. Rather than
/// answer STALE for every handle a client kept (the complaint users have of
/// NFS-Ganesha), the tree beneath the root is searched for that inode —
/// getdents64's d_ino makes this one syscall per directory batch, with a
/// statx only for a matching inode number — and the path found goes back
/// in the table. Bounded by ``searchLimit`` entries; a key not found is
/// remembered (an inode number with that birth time never comes back), so
/// a client repeating a dead handle does not repeat the search.
extension HandleCodec {
    static let searchLimit = 1_000_000

    func search(_ key: InodeTable.Key) -> String? {
        if inodes.isMissing(key) { return nil }
        if let root = try? PosixCall.stat(rootFD), root.stx_ino == key.inode, Self.birth(root) == key.birth {
            inodes.record(key, path: "")
            return ""
        }
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 32 * 1024, alignment: 8)
        defer { buffer.deallocate() }
        var queue: [String] = [""]
        var head = 0
        var visited = 0
        while head < queue.count && visited < Self.searchLimit {
            let directory = queue[head]
            head += 1
            let fd =
                directory.isEmpty
                ? Glibc.openat(rootFD, ".", O_RDONLY | O_CLOEXEC | clinux_O_DIRECTORY)
                : clinux_open_beneath(rootFD, directory, O_RDONLY | clinux_O_DIRECTORY | clinux_O_NOFOLLOW, 0, 1)
            guard fd >= 0 else { continue }
            defer { Glibc.close(fd) }
            for _ in 0..<(1 << 20) {
                let filled = clinux_getdents64(fd, buffer, 32 * 1024)
                guard filled > 0 else { break }
                var offset = 0
                while offset < Int(filled) {
                    var inode: UInt64 = 0
                    var next: Int64 = 0
                    var type: UInt8 = 0
                    var namePointer: UnsafePointer<CChar>?
                    let length = clinux_dirent_at(buffer, Int(filled), offset, &inode, &next, &type, &namePointer)
                    guard length > 0, let name = namePointer else { break }
                    offset += Int(length)
                    let text = String(cString: name)
                    if text == "." || text == ".." { continue }
                    visited += 1
                    let path = directory.isEmpty ? text : directory + "/" + text
                    var isDirectory = type == 4  // DT_DIR
                    if inode == key.inode || type == 0 {  // a match, or DT_UNKNOWN
                        guard let st = try? PosixCall.stat(fd, name) else { continue }
                        if st.stx_ino == key.inode && Self.birth(st) == key.birth {
                            inodes.record(key, path: path)
                            return path
                        }
                        isDirectory = PosixAttributes.isDirectory(st)
                    }
                    if isDirectory { queue.append(path) }
                }
            }
        }
        inodes.markMissing(key)
        return nil
    }
}
