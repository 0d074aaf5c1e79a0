/// The entries of one directory: a hash index by name and a cookie-ordered
/// list for READDIR.
///
/// Every entry gets a cookie from a per-directory counter when it is
/// inserted, so cookies only grow and a listing that resumes "after cookie
/// c" neither skips nor repeats entries that existed throughout, whatever
/// was inserted or removed in between (RFC 1813 §3.3.16 leaves cookie
/// stability to the server; clients listing a busy directory depend on it).
/// Cookies never become invalid, so the directory's cookie verifier is
/// constant.
///
/// The ordered list is an array sorted by cookie (appends keep it sorted);
/// removal leaves a tombstone that a later compaction drops, so removal is
/// O(log n) amortised and finding where a listing resumes is a binary search.
struct DirectoryEntries: @unchecked Sendable {
    struct Entry {
        let inode: Inode
        let cookie: UInt64
    }

    struct Slot {
        let cookie: UInt64
        var name: EntryName
        var inode: Inode?
    }

    /// The first cookie handed out; 1 and 2 stay free for "." and ".."
    /// (NFSv4 reserves them, RFC 7530 §16.24.4).
    static let firstCookie: UInt64 = 3

    private var byName: [EntryName: Entry] = [:]
    private var slots: [Slot] = []
    private var tombstones = 0
    private var nextCookie = firstCookie

    var count: Int { byName.count }
    var isEmpty: Bool { byName.isEmpty }

    func find(_ name: EntryName) -> Entry? {
        byName[name]
    }

    /// Insert a name that is not present. Returns its cookie.
    @discardableResult
    mutating func insert(_ name: EntryName, _ inode: Inode) -> UInt64 {
        let cookie = nextCookie
        nextCookie &+= 1
        let owned = name.owned
        byName[owned] = Entry(inode: inode, cookie: cookie)
        slots.append(Slot(cookie: cookie, name: owned, inode: inode))
        return cookie
    }

    /// Remove a name; returns what it named.
    @discardableResult
    mutating func remove(_ name: EntryName) -> Entry? {
        guard let entry = byName.removeValue(forKey: name) else { return nil }
        let index = firstSlot(after: entry.cookie &- 1)
        if index < slots.count && slots[index].cookie == entry.cookie {
            slots[index].inode = nil
            slots[index].name = .empty
            tombstones += 1
            if tombstones > 32 && tombstones * 2 > slots.count {
                compact()
            }
        }
        return entry
    }

    /// Drop every entry (module shutdown), returning the inodes named.
    mutating func removeAll() -> [Inode] {
        let inodes = slots.compactMap(\.inode)
        byName = [:]
        slots = []
        tombstones = 0
        return inodes
    }

    /// Visit up to `limit` live entries whose cookie is greater than
    /// `cookie`, in cookie order. Returns true when the listing reached the
    /// end of the directory.
    func forEach(
        after cookie: UInt64,
        limit: Int,
        _ body: (_ name: EntryName, _ cookie: UInt64, _ inode: Inode) -> Void
    ) -> Bool {
        var index = firstSlot(after: cookie)
        var visited = 0
        while index < slots.count {
            let slot = slots[index]
            index += 1
            guard let inode = slot.inode else { continue }
            if visited == limit { return false }
            body(slot.name, slot.cookie, inode)
            visited += 1
        }
        return true
    }

    /// Index of the first slot whose cookie is greater than `cookie`.
    private func firstSlot(after cookie: UInt64) -> Int {
        var low = 0
        var high = slots.count
        while low < high {
            let mid = (low + high) / 2
            if slots[mid].cookie <= cookie {
                low = mid + 1
            } else {
                high = mid
            }
        }
        return low
    }

    private mutating func compact() {
        slots.removeAll { $0.inode == nil }
        tombstones = 0
    }
}
