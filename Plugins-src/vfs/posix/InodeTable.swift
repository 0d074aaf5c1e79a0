import Synchronization

/// Inode handles back to paths, for roots whose file system refuses kernel
/// handles (see ``HandleCodec``). In memory only: the reason inode handles
/// are not persistent.
///
/// An inode may have several names (hard links): up to ``linksKept`` of
/// them are kept, most recent first, and tried in turn.
final class InodeTable: Sendable {
    struct Key: Hashable, Sendable {
        var inode: UInt64
        var birth: Int64
    }

    static let linksKept = 8

    /// Paths relative to the root ("" is the root).
    private let paths = Mutex<[Key: [String]]>([:])

    func record(_ key: Key, path: String) {
        paths.withLock { table in
            var known = table[key, default: []]
            known.removeAll { $0 == path }
            known.insert(path, at: 0)
            if known.count > Self.linksKept { known.removeLast() }
            table[key] = known
        }
    }

    func paths(of key: Key) -> [String] {
        paths.withLock { $0[key] ?? [] }
    }

    /// A path no longer names the inode.
    func forget(_ key: Key, path: String) {
        paths.withLock { table in
            table[key]?.removeAll { $0 == path }
            if table[key]?.isEmpty == true { table[key] = nil }
        }
    }

    /// Rewrite `from` and every path beneath it to start with `to`.
    func move(from: String, to: String) {
        paths.withLock { table in
            for (key, known) in table {
                table[key] = known.map { path in
                    if path == from { return to }
                    if path.hasPrefix(from + "/") { return to + path.dropFirst(from.count) }
                    return path
                }
            }
        }
    }
}
