/// Remembers the replies to calls that are not idempotent (CREATE, REMOVE, RENAME, WRITE, ...) so that a
/// retransmitted call is answered again instead of run again (the "duplicate request cache" of Juszczak's
/// 1989 paper, as NFS servers keep it).
///
/// A call goes through ``begin(_:)``: a new one is recorded as in progress and runs; a retransmission of one in
/// progress is dropped (the first reply will answer it); a retransmission of a finished one gets the stored
/// reply bytes again. ``complete(_:reply:)`` stores the reply; ``abandon(_:)`` forgets a call that produced no
/// reply. Bounded by entries and by reply bytes, least recently used first out; entries older than the TTL (by
/// the injected clock) are forgotten. No I/O, no locks: one cache per event loop.
public struct RPCDuplicateRequestCache<C: Clock> where C.Duration == Duration {
    /// What to do with a call.
    public enum Decision: Equatable {
        /// Not seen (or forgotten): run it, then ``complete(_:reply:)`` or ``abandon(_:)``.
        case new
        /// The same call is running: drop this copy.
        case inProgress
        /// Already answered: send these bytes (the reply record) again, and run nothing.
        case replay([UInt8])
    }

    private struct Entry {
        var key: RPCRequestKey
        /// nil while in progress.
        var reply: [UInt8]?
        var stamp: C.Instant
        var newer: Int
        var older: Int
    }

    private static var none: Int { -1 }

    public let maxEntries: Int
    public let maxBytes: Int
    public let timeToLive: Duration
    private let clock: C

    private var slots: [Entry?] = []
    private var freeSlots: [Int] = []
    private var index: [RPCRequestKey: Int] = [:]
    private var newest = none
    private var oldest = none
    public private(set) var count = 0
    /// The reply bytes held.
    public private(set) var byteCount = 0

    /// A cache of at most `maxEntries` calls and `maxBytes` reply bytes, each kept at most `timeToLive`.
    public init(maxEntries: Int = 4096, maxBytes: Int = 16 << 20, timeToLive: Duration = .seconds(120), clock: C) {
        precondition(maxEntries > 0 && maxBytes > 0, "the cache holds something")
        self.maxEntries = maxEntries
        self.maxBytes = maxBytes
        self.timeToLive = timeToLive
        self.clock = clock
    }

    /// Looks up a call and records it as in progress when it is new.
    public mutating func begin(_ key: RPCRequestKey) -> Decision {
        let now = clock.now
        expireOldest(now: now)
        if let slot = index[key], let entry = slots[slot] {
            if entry.stamp.advanced(by: timeToLive) <= now {
                remove(slot)
            } else {
                touch(slot)
                if let reply = entry.reply {
                    return .replay(reply)
                }
                return .inProgress
            }
        }
        while count >= maxEntries, oldest != Self.none {
            remove(oldest)
        }
        insert(Entry(key: key, reply: nil, stamp: now, newer: Self.none, older: Self.none))
        return .new
    }

    /// Stores the reply to a call that ``begin(_:)`` recorded; copies `reply`. A reply larger than the whole
    /// byte budget is not kept (the entry is forgotten). Returns whether the reply is kept.
    @discardableResult
    public mutating func complete(_ key: RPCRequestKey, reply: UnsafeRawBufferPointer) -> Bool {
        guard let slot = index[key], var entry = slots[slot] else { return false }
        guard reply.count <= maxBytes else {
            remove(slot)
            return false
        }
        byteCount -= entry.reply?.count ?? 0
        entry.reply = Array(reply)
        entry.stamp = clock.now
        byteCount += reply.count
        slots[slot] = entry
        touch(slot)
        while byteCount > maxBytes, oldest != Self.none, oldest != slot {
            remove(oldest)
        }
        return true
    }

    /// Forgets a call that will not be answered (its handler dropped it).
    public mutating func abandon(_ key: RPCRequestKey) {
        if let slot = index[key] {
            remove(slot)
        }
    }

    /// Whether the cache holds `key`, in progress or answered; does not count as a use.
    public func contains(_ key: RPCRequestKey) -> Bool {
        index[key] != nil
    }

    // MARK: The LRU list (slots linked by index, newest first)

    private mutating func insert(_ entry: Entry) {
        var entry = entry
        entry.older = newest
        entry.newer = Self.none
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
            slots[slot] = entry
        } else {
            slot = slots.count
            slots.append(entry)
        }
        if newest != Self.none {
            slots[newest]?.newer = slot
        }
        newest = slot
        if oldest == Self.none {
            oldest = slot
        }
        index[entry.key] = slot
        count += 1
    }

    private mutating func unlink(_ slot: Int) {
        guard let entry = slots[slot] else { return }
        if entry.newer != Self.none {
            slots[entry.newer]?.older = entry.older
        } else {
            newest = entry.older
        }
        if entry.older != Self.none {
            slots[entry.older]?.newer = entry.newer
        } else {
            oldest = entry.newer
        }
    }

    private mutating func touch(_ slot: Int) {
        guard slot != newest else { return }
        unlink(slot)
        slots[slot]?.older = newest
        slots[slot]?.newer = Self.none
        if newest != Self.none {
            slots[newest]?.newer = slot
        }
        newest = slot
        if oldest == Self.none {
            oldest = slot
        }
    }

    private mutating func remove(_ slot: Int) {
        guard let entry = slots[slot] else { return }
        unlink(slot)
        slots[slot] = nil
        freeSlots.append(slot)
        index[entry.key] = nil
        byteCount -= entry.reply?.count ?? 0
        count -= 1
    }

    /// Drops expired entries from the old end; bounded by the number of entries.
    private mutating func expireOldest(now: C.Instant) {
        while oldest != Self.none, let entry = slots[oldest], entry.stamp.advanced(by: timeToLive) <= now {
            remove(oldest)
        }
    }
}
