import CChimera
import Synchronization

/// A whole directory listing the core read once from a module — names,
/// cookies, wire handles and attributes — so later READDIRs are answered
/// from memory instead of asking the module again (for a POSIX module that
/// is a pool hop, a getdents and a stat and a handle per entry).
///
/// Kept true like the other caches: the directory's version counter at the
/// start of the fill must still hold, and each entry's attributes are served
/// only while the child's own counter matches the one seen when the module
/// reported them (or fresh ones are in the attribute cache).
final class DirectorySnapshot: @unchecked Sendable {
    struct Entry {
        var name: Range<Int>
        var cookie: UInt64
        var handle: Range<Int>
        var attributes: chimera_attrs
        var hasAttributes: Bool
        var childHash: UInt64
        var childStamp: UInt64
    }

    let directory: [UInt8]
    /// The directory's wire handle where fill requests can point at it.
    let directoryStorage: UnsafeMutableRawBufferPointer
    let directoryHash: UInt64
    let stamp: UInt64
    let mountIndex: Int
    /// The mount's mutation counter when the fill began: if it moved, a
    /// child's attributes may have been read before a change whose stamp
    /// came after, so they are not trusted (names and handles are: the
    /// directory's own counter guards those).
    var mountStamp: UInt64 = 0
    var verifier: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0)
    var expires: UInt64 = 0
    /// Names and handles back to back; entries point into them.
    var names: [UInt8] = []
    var handles: [UInt8] = []
    var entries: [Entry] = []
    /// Where each cookie's entry is, to resume a listing.
    var positions: [UInt64: Int] = [:]
    /// Set when the module's listing reached its end.
    var complete = false

    init(directory: UnsafeRawBufferPointer, directoryHash: UInt64, stamp: UInt64, mountIndex: Int) {
        self.directory = Array(directory)
        self.directoryStorage = .allocate(byteCount: max(directory.count, 1), alignment: 8)
        directoryStorage.copyMemory(from: directory)
        self.directoryHash = directoryHash
        self.stamp = stamp
        self.mountIndex = mountIndex
    }

    deinit {
        directoryStorage.deallocate()
    }

    /// Rough memory held, for the cache's budget.
    var bytes: Int { names.count + handles.count + entries.count * (MemoryLayout<Entry>.stride + 24) + 256 }

    /// Forget every entry's attributes (READDIRs wanting them then use the
    /// attribute cache, or the module).
    func dropAttributes() {
        for i in entries.indices { entries[i].hasAttributes = false }
    }

    func append(
        name: UnsafeRawBufferPointer, cookie: UInt64, handle: UnsafeRawBufferPointer,
        attributes: UnsafePointer<chimera_attrs>?, versions: VersionTable
    ) {
        let nameStart = names.count
        names.append(contentsOf: name)
        let handleStart = handles.count
        handles.append(contentsOf: handle)
        let childHash = keyHash(handle)
        positions[cookie] = entries.count
        entries.append(
            Entry(
                name: nameStart..<names.count, cookie: cookie, handle: handleStart..<handles.count,
                attributes: attributes?.pointee ?? chimera_attrs(), hasAttributes: attributes != nil,
                childHash: childHash, childStamp: versions.load(childHash)))
    }
}

/// The snapshots, bounded in total entries, least recently used out.
final class DirectorySnapshotCache: Sendable {
    private struct State {
        var snapshots: [UInt64: DirectorySnapshot] = [:]
        var order: [UInt64: UInt64] = [:]  // hash → last use tick
        var tick: UInt64 = 0
        var entries = 0
        var filling: Set<UInt64> = []
    }

    private let state = Mutex(State())
    let maxEntries: Int
    /// A directory longer than this is never snapshotted.
    let maxEntriesPerDirectory: Int

    init(maxEntries: Int, maxEntriesPerDirectory: Int) {
        self.maxEntries = maxEntries
        self.maxEntriesPerDirectory = maxEntriesPerDirectory
    }

    func lookup(_ hash: UInt64, directory: UnsafeRawBufferPointer) -> DirectorySnapshot? {
        state.withLock { state in
            guard let snapshot = state.snapshots[hash], snapshot.directory.elementsEqual(directory) else { return nil }
            state.tick += 1
            state.order[hash] = state.tick
            return snapshot
        }
    }

    /// Claim the right to fill `hash`; false when a fill is under way.
    func beginFill(_ hash: UInt64) -> Bool {
        state.withLock { $0.filling.insert(hash).inserted }
    }

    func endFill(_ hash: UInt64, publishing snapshot: DirectorySnapshot?) {
        state.withLock { state in
            state.filling.remove(hash)
            if let old = state.snapshots.removeValue(forKey: hash) {
                state.entries -= old.entries.count
                state.order.removeValue(forKey: hash)
            }
            guard let snapshot, snapshot.entries.count <= maxEntries else { return }
            while state.entries + snapshot.entries.count > maxEntries,
                let victim = state.order.min(by: { $0.value < $1.value })?.key
            {
                if let old = state.snapshots.removeValue(forKey: victim) { state.entries -= old.entries.count }
                state.order.removeValue(forKey: victim)
            }
            state.tick += 1
            state.snapshots[hash] = snapshot
            state.order[hash] = state.tick
            state.entries += snapshot.entries.count
        }
    }

    func drop(_ hash: UInt64) {
        state.withLock { state in
            if let old = state.snapshots.removeValue(forKey: hash) { state.entries -= old.entries.count }
            state.order.removeValue(forKey: hash)
        }
    }

    var count: Int { state.withLock { $0.snapshots.count } }
}
