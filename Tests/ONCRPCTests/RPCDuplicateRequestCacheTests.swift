import ONCRPC
import Testing

/// A clock the test moves by hand.
final class ManualClock: Clock, @unchecked Sendable {
    struct Instant: InstantProtocol {
        var offset: Duration

        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    var now = Instant(offset: .zero)
    var minimumResolution: Duration { .nanoseconds(1) }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        now = max(now, deadline)
    }

    func advance(by duration: Duration) {
        now = now.advanced(by: duration)
    }
}

@Suite("Duplicate request cache")
struct RPCDuplicateRequestCacheTests {
    let client = RPCClientAddress(ipv4: 0x7f00_0001)

    func key(_ xid: UInt32, checksum: UInt64 = 7) -> RPCRequestKey {
        RPCRequestKey(client: client, xid: xid, program: 100_003, version: 3, procedure: 8, checksum: checksum)
    }

    func complete(_ cache: inout RPCDuplicateRequestCache<ManualClock>, _ key: RPCRequestKey, _ reply: [UInt8]) {
        reply.withUnsafeBytes { _ = cache.complete(key, reply: $0) }
    }

    @Test("a retransmission while the first is running is dropped")
    func inProgress() {
        var cache = RPCDuplicateRequestCache(clock: ManualClock())
        #expect(cache.begin(key(1)) == .new)
        #expect(cache.begin(key(1)) == .inProgress)
    }

    @Test("a retransmission after the reply gets the same reply bytes")
    func replay() {
        var cache = RPCDuplicateRequestCache(clock: ManualClock())
        #expect(cache.begin(key(1)) == .new)
        complete(&cache, key(1), [1, 2, 3])
        #expect(cache.begin(key(1)) == .replay([1, 2, 3]))
        #expect(cache.byteCount == 3)
    }

    @Test("the same xid with other arguments, procedure or client is a new call")
    func keyParts() {
        var cache = RPCDuplicateRequestCache(clock: ManualClock())
        #expect(cache.begin(key(1)) == .new)
        #expect(cache.begin(key(1, checksum: 8)) == .new)
        var other = key(1)
        other.client = RPCClientAddress(ipv4: 0x7f00_0002)
        #expect(cache.begin(other) == .new)
        other = key(1)
        other.procedure = 12
        #expect(cache.begin(other) == .new)
    }

    @Test("an abandoned call runs again on retransmission")
    func abandon() {
        var cache = RPCDuplicateRequestCache(clock: ManualClock())
        #expect(cache.begin(key(1)) == .new)
        cache.abandon(key(1))
        #expect(cache.begin(key(1)) == .new)
    }

    @Test("entries expire after the TTL")
    func ttl() {
        let clock = ManualClock()
        var cache = RPCDuplicateRequestCache(maxEntries: 10, maxBytes: 100, timeToLive: .seconds(30), clock: clock)
        #expect(cache.begin(key(1)) == .new)
        complete(&cache, key(1), [9])
        clock.advance(by: .seconds(29))
        #expect(cache.begin(key(1)) == .replay([9]))
        clock.advance(by: .seconds(1))
        #expect(cache.begin(key(2)) == .new)
        #expect(!cache.contains(key(1)), "expired entries are dropped from the old end")
        #expect(cache.begin(key(1)) == .new)
        #expect(cache.byteCount == 0)
    }

    @Test("at most maxEntries, least recently used evicted first")
    func entryBound() {
        var cache = RPCDuplicateRequestCache(maxEntries: 3, maxBytes: 1000, clock: ManualClock())
        for xid: UInt32 in 1...3 {
            #expect(cache.begin(key(xid)) == .new)
            complete(&cache, key(xid), [UInt8(xid)])
        }
        #expect(cache.begin(key(1)) == .replay([1]), "a replay is a use: 1 is now the newest")
        #expect(cache.begin(key(4)) == .new)
        #expect(cache.count == 3)
        #expect(!cache.contains(key(2)))
        #expect(cache.contains(key(1)) && cache.contains(key(3)) && cache.contains(key(4)))
    }

    @Test("at most maxBytes of replies; a reply larger than the budget is not kept")
    func byteBound() {
        var cache = RPCDuplicateRequestCache(maxEntries: 100, maxBytes: 10, clock: ManualClock())
        for xid: UInt32 in 1...3 {
            _ = cache.begin(key(xid))
            complete(&cache, key(xid), [UInt8](repeating: UInt8(xid), count: 4))
        }
        #expect(cache.byteCount == 8)
        #expect(!cache.contains(key(1)))
        _ = cache.begin(key(9))
        let kept = [UInt8](repeating: 0, count: 11).withUnsafeBytes { cache.complete(key(9), reply: $0) }
        #expect(!kept)
        #expect(!cache.contains(key(9)))
        #expect(cache.byteCount == 8)
    }

    @Test("the argument checksum covers the first 256 bytes and the length")
    func checksum() {
        let arguments = [UInt8](repeating: 1, count: 300)
        var changedEarly = arguments
        changedEarly[3] = 2
        var changedLate = arguments
        changedLate[299] = 2
        let base = arguments.withUnsafeBytes(RPCRequestKey.checksum)
        #expect(changedEarly.withUnsafeBytes(RPCRequestKey.checksum) != base)
        #expect(changedLate.withUnsafeBytes(RPCRequestKey.checksum) == base)
        #expect(Array(arguments.prefix(299)).withUnsafeBytes(RPCRequestKey.checksum) != base)
    }

    @Test("client addresses parse IPv4 and IPv6 and ignore the port")
    func addresses() {
        #expect(RPCClientAddress("127.0.0.1") == RPCClientAddress(ipv4: 0x7f00_0001))
        #expect(RPCClientAddress("127.0.0.1")?.description == "127.0.0.1")
        #expect(RPCClientAddress("::1") == RPCClientAddress(high: 0, low: 1))
        #expect(RPCClientAddress("::ffff:127.0.0.1") == RPCClientAddress(ipv4: 0x7f00_0001))
        #expect(RPCClientAddress("not an address") == nil)
    }
}
