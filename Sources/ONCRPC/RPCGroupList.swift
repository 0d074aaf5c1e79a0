/// The supplementary groups of an AUTH_SYS credential, at most 16 (RFC 5531 Appendix A), held inline so that
/// decoding a credential on every call allocates nothing.
public struct RPCGroupList: RandomAccessCollection, Hashable, Sendable {
    /// The most groups AUTH_SYS carries.
    public static var capacity: Int { 16 }

    @usableFromInline
    internal var storage: InlineArray<16, UInt32>

    @usableFromInline
    internal var storedCount: Int

    /// The number of groups.
    @inlinable
    public var count: Int { storedCount }

    /// No groups.
    @inlinable
    public init() {
        storage = InlineArray(repeating: 0)
        storedCount = 0
    }

    /// The first 16 of `groups`.
    @inlinable
    public init(_ groups: some Sequence<UInt32>) {
        self.init()
        for group in groups where count < RPCGroupList.capacity {
            storage[storedCount] = group
            storedCount += 1
        }
    }

    @inlinable
    public var startIndex: Int { 0 }

    @inlinable
    public var endIndex: Int { count }

    @inlinable
    public subscript(position: Int) -> UInt32 {
        precondition(position >= 0 && position < count, "group index out of range")
        return storage[position]
    }

    /// Appends `group`; returns false when the list is full.
    @inlinable
    @discardableResult
    public mutating func append(_ group: UInt32) -> Bool {
        guard count < RPCGroupList.capacity else { return false }
        storage[storedCount] = group
        storedCount += 1
        return true
    }

    @inlinable
    public static func == (lhs: RPCGroupList, rhs: RPCGroupList) -> Bool {
        lhs.elementsEqual(rhs)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for group in self {
            hasher.combine(group)
        }
    }
}
