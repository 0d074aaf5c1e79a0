/// The kernel's inode numbers ("nodeids") and the VFS handles behind them, with FUSE's lookup counts.
///
/// Every reply that hands the kernel an entry (LOOKUP, MKNOD, MKDIR, SYMLINK, LINK, CREATE, a READDIRPLUS entry)
/// counts one lookup on that nodeid; FORGET and BATCH_FORGET take them back, and at zero the nodeid is gone
/// (linux/fuse.h, "FORGET"). One handle has one nodeid while it is remembered, so hard links share an inode in
/// the kernel. Nodeid 1 is the root and is never forgotten. Nodeids are never reused (64 bits), so
/// `fuse_entry_out.generation` stays 0. Bounded: past `capacity` nodes, new entries are refused (ENFILE).
public struct FUSENodeTable: Sendable {
    public static let rootID: UInt64 = 1

    struct Node: Sendable {
        var handle: FUSEHandle
        var lookups: UInt64
    }

    private var nodes: [UInt64: Node] = [:]
    private var byHandle: [FUSEHandle: UInt64] = [:]
    private var next: UInt64 = 2
    public let capacity: Int

    public init(root: FUSEHandle, capacity: Int = 1 << 20) {
        precondition(capacity >= 1, "a node table holds at least the root")
        self.capacity = capacity
        nodes[Self.rootID] = Node(handle: root, lookups: 1)
        byHandle[root] = Self.rootID
    }

    /// Nodes remembered, the root included.
    public var count: Int { nodes.count }

    public func handle(of nodeid: UInt64) -> FUSEHandle? { nodes[nodeid]?.handle }

    public func lookups(of nodeid: UInt64) -> UInt64? { nodes[nodeid]?.lookups }

    /// Count one lookup of `handle`, giving it a nodeid if it has none; nil when the table is full.
    public mutating func remember(_ handle: FUSEHandle) -> UInt64? {
        if let id = byHandle[handle] {
            if id != Self.rootID { nodes[id]?.lookups += 1 }
            return id
        }
        guard nodes.count < capacity else { return nil }
        let id = next
        next += 1
        nodes[id] = Node(handle: handle, lookups: 1)
        byHandle[handle] = id
        return id
    }

    /// Take back `count` lookups; the node goes at zero. Unknown nodeids and the root are ignored (the kernel
    /// forgets the root at unmount).
    public mutating func forget(_ nodeid: UInt64, count: UInt64) {
        guard nodeid != Self.rootID, let node = nodes[nodeid] else { return }
        if node.lookups <= count {
            nodes[nodeid] = nil
            byHandle[node.handle] = nil
        } else {
            nodes[nodeid]?.lookups = node.lookups - count
        }
    }
}
