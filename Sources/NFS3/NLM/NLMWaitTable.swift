/// Blocked NLM locks waiting in the core (RFC 1813 §6.2: LOCK with `block` answered NLM4_BLOCKED, then
/// GRANTED once the lock is the client's). One entry per (client, owner, file, range), so a client that asks
/// again while its lock still waits (Linux polls every 30 s) gets BLOCKED without a second wait in the core,
/// and CANCEL finds the wait to cancel. Pure bookkeeping: the caller runs the VFS requests and callbacks.
public struct NLMWaitTable<Waiter>: Sendable where Waiter: Sendable {
    public struct Key: Hashable, Sendable {
        public var client: UInt64
        public var owner: NLMLockOwner
        public var handle: [UInt8]
        public var range: NLMLockRange

        public init(client: UInt64, owner: NLMLockOwner, handle: [UInt8], range: NLMLockRange) {
            self.client = client
            self.owner = owner
            self.handle = handle
            self.range = range
        }
    }

    /// What LOCK with `block` should do after the core said the range is locked.
    public enum BlockDecision: Equatable, Sendable {
        /// Reply BLOCKED and start a wait in the core.
        case startWait
        /// Reply BLOCKED; a wait for it already runs.
        case alreadyWaiting
        /// Reply DENIED_NOLOCKS: too many waits.
        case full
    }

    private var waiters: [Key: Waiter] = [:]
    public let limit: Int

    public init(limit: Int) {
        self.limit = limit
    }

    public var count: Int { waiters.count }

    public func contains(_ key: Key) -> Bool {
        waiters[key] != nil
    }

    public func decide(_ key: Key) -> BlockDecision {
        if waiters[key] != nil { return .alreadyWaiting }
        if waiters.count >= limit { return .full }
        return .startWait
    }

    public mutating func insert(_ key: Key, _ waiter: Waiter) {
        waiters[key] = waiter
    }

    /// The wait ended (granted, cancelled, expired): forget it and return what was kept.
    @discardableResult
    public mutating func remove(_ key: Key) -> Waiter? {
        waiters.removeValue(forKey: key)
    }

    /// Every wait of `client` (FREE_ALL, SM_NOTIFY): removed and returned.
    public mutating func removeAll(client: UInt64) -> [Waiter] {
        let keys = waiters.keys.filter { $0.client == client }
        return keys.compactMap { waiters.removeValue(forKey: $0) }
    }
}
