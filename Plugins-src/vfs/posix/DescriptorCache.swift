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
    private struct State {
        var table: [PosixHandle: PathDescriptor] = [:]
        var ring: [PosixHandle?]
        var next = 0
    }

    private let state: Mutex<State>
    let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        self.state = Mutex(State(ring: Array(repeating: nil, count: max(1, capacity))))
    }

    func lookup(_ handle: PosixHandle) -> PathDescriptor? {
        state.withLock { $0.table[handle] }
    }

    func insert(_ handle: PosixHandle, _ descriptor: PathDescriptor) {
        // The evicted descriptor is released outside the lock (its deinit
        // closes an fd).
        let evicted: PathDescriptor? = state.withLock { s in
            if s.table[handle] != nil {
                s.table[handle] = descriptor
                return nil
            }
            var old: PathDescriptor?
            if let previous = s.ring[s.next] {
                old = s.table.removeValue(forKey: previous)
            }
            s.ring[s.next] = handle
            s.next = (s.next + 1) % s.ring.count
            s.table[handle] = descriptor
            return old
        }
        _ = evicted
    }

    func remove(_ handle: PosixHandle) {
        let removed = state.withLock { $0.table.removeValue(forKey: handle) }
        _ = removed
    }

    func removeAll() {
        let all = state.withLock { s in
            let all = s.table
            s.table = [:]
            s.ring = Array(repeating: nil, count: s.ring.count)
            return all
        }
        _ = all
    }
}
