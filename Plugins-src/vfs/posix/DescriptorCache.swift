import Glibc
import Synchronization

/// An O_PATH descriptor shared by the cache and the ops using it; closed
/// when the last of them lets go, so eviction never closes an fd an op on
/// another thread is still using.
public final class PathDescriptor: Sendable {
    public let fd: Int32

    init(_ fd: Int32) {
        self.fd = fd
    }

    deinit {
        PosixCall.close(fd)
    }
}

/// Handle → O_PATH descriptor, bounded, so a GETATTR does not pay for an
/// `open_by_handle_at` each time. Eviction is first-in first-out through a
/// ring of keys: every insert takes one ring slot and evicts the key that
/// held it, so the table never holds more than `capacity` entries.
final class DescriptorCache: Sendable {
    private struct Entry {
        var descriptor: PathDescriptor
        var inode: UInt64
    }

    private struct State {
        var table: [PosixHandle: Entry] = [:]
        /// Inode → handle, so an op that learns only an inode number (an
        /// io_uring REMOVE's statx) can evict.
        var inodes: [UInt64: PosixHandle] = [:]
        var ring: [PosixHandle?]
        var next = 0

        mutating func drop(_ handle: PosixHandle) -> PathDescriptor? {
            guard let entry = table.removeValue(forKey: handle) else { return nil }
            if inodes[entry.inode] == handle { inodes[entry.inode] = nil }
            return entry.descriptor
        }
    }

    private let state: Mutex<State>
    let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        self.state = Mutex(State(ring: Array(repeating: nil, count: max(1, capacity))))
    }

    func lookup(_ handle: PosixHandle) -> PathDescriptor? {
        state.withLock { $0.table[handle]?.descriptor }
    }

    func insert(_ handle: PosixHandle, _ descriptor: PathDescriptor, inode: UInt64) {
        // The evicted descriptor is released outside the lock (its deinit
        // closes an fd).
        let evicted: PathDescriptor? = state.withLock { s in
            if s.table[handle] != nil {
                s.table[handle] = Entry(descriptor: descriptor, inode: inode)
                s.inodes[inode] = handle
                return nil
            }
            var old: PathDescriptor?
            if let previous = s.ring[s.next] {
                old = s.drop(previous)
            }
            s.ring[s.next] = handle
            s.next = (s.next + 1) % s.ring.count
            s.table[handle] = Entry(descriptor: descriptor, inode: inode)
            s.inodes[inode] = handle
            return old
        }
        _ = evicted
    }

    func remove(_ handle: PosixHandle) {
        let removed = state.withLock { $0.drop(handle) }
        _ = removed
    }

    func remove(inode: UInt64) {
        let removed = state.withLock { s -> PathDescriptor? in
            guard let handle = s.inodes[inode] else { return nil }
            return s.drop(handle)
        }
        _ = removed
    }

    func removeAll() {
        let all = state.withLock { s in
            let all = s.table
            s.table = [:]
            s.inodes = [:]
            s.ring = Array(repeating: nil, count: s.ring.count)
            return all
        }
        _ = all
    }
}
