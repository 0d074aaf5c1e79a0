import Synchronization

/// Inode handles back to paths, for roots whose file system refuses kernel
/// handles (see ``HandleCodec``). In memory only: the reason inode handles
/// are not persistent.
final class InodeTable: Sendable {
    struct Key: Hashable, Sendable {
        var inode: UInt64
        var birth: Int64
    }

    /// Paths relative to the root ("" is the root).
    private let paths = Mutex<[Key: String]>([:])

    func record(_ key: Key, path: String) {
        paths.withLock { $0[key] = path }
    }

    func path(of key: Key) -> String? {
        paths.withLock { $0[key] }
    }

    func forget(_ key: Key) {
        paths.withLock { _ = $0.removeValue(forKey: key) }
    }

    /// Rewrite `from` and every path beneath it to start with `to`.
    func move(from: String, to: String) {
        paths.withLock { table in
            for (key, path) in table {
                if path == from {
                    table[key] = to
                } else if path.hasPrefix(from + "/") {
                    table[key] = to + path.dropFirst(from.count)
                }
            }
        }
    }
}
