import Synchronization

/// Inode handles back to paths, for roots whose file system refuses kernel
/// handles (see ``HandleCodec``). In memory only: after a restart, handles
/// are found again by searching the tree (HandleCodec+Search.swift).
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
    /// Keys a search did not find, bounded (see HandleCodec.search).
    private let missing = Mutex<Set<Key>>([])
    static let missingKept = 4096

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

    func isMissing(_ key: Key) -> Bool {
        missing.withLock { $0.contains(key) }
    }

    func markMissing(_ key: Key) {
        missing.withLock { set in
            if set.count >= Self.missingKept { set.removeAll() }
            set.insert(key)
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
