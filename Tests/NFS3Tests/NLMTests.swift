import NFS3
import Testing
import XDR

/// NLM v4 and NSM (RFC 1813 Appendix II): the lock arguments on the wire, and how owners, ranges, waits and the
/// state number map onto the core's terms.
@Suite("NLM v4 and NSM")
struct NLMTests {
    /// LOCK: cookie "c1", block, exclusive, lock {"guest", fh 4 bytes, oh "7@guest", svid 7, offset 16,
    /// len 0}, reclaim false, state 3.
    static let lockArguments = hex(
        "00000002 63310000",
        "00000001",
        "00000001",
        "00000005 67756573 74000000",
        "00000004 0a0b0c0d",
        "00000007 37406775 65737400",
        "00000007",
        "00000000 00000010",
        "00000000 00000000",
        "00000000",
        "00000003"
    )

    @Test("LOCK arguments decode field by field and encode back to the same bytes")
    func lockRoundTrip() throws {
        var reader = XDRReader(pinned(NLMTests.lockArguments))
        let arguments = try NLM4Lockargs(from: &reader)
        #expect(reader.isAtEnd)
        #expect(arguments.cookie.elementsEqual("c1"))
        #expect(arguments.block && arguments.exclusive && !arguments.reclaim)
        #expect(arguments.alock.callerName.elementsEqual("guest"))
        #expect(arguments.alock.fh.elementsEqual([10, 11, 12, 13]))
        #expect(arguments.alock.svid == 7 && arguments.alock.lOffset == 16 && arguments.alock.lLen == 0)
        #expect(arguments.state == 3)
        var out = [UInt8](repeating: 0, count: arguments.xdrEncodedSize)
        out.withUnsafeMutableBytes { raw in
            var writer = XDRWriter(raw)
            #expect(throws: Never.self) { try arguments.encode(to: &writer) }
        }
        #expect(out == NLMTests.lockArguments)
    }

    @Test("LOCK arguments cut short anywhere fail to decode")
    func lockTruncated() {
        for length in 0..<NLMTests.lockArguments.count {
            var reader = XDRReader(pinned(Array(NLMTests.lockArguments.prefix(length))))
            #expect(throws: XDRError.self) { _ = try NLM4Lockargs(from: &reader) }
        }
    }

    @Test("an owner is the svid's bytes then oh; a long oh keeps a digest of its whole")
    func owners() {
        let short = NLMLockOwner(svid: 0x0102_0304, oh: Array("7@guest".utf8))
        #expect(short.bytes == [1, 2, 3, 4] + Array("7@guest".utf8))
        #expect(short.bytes.withUnsafeBytes { NLMLockOwner.svid(ofOwner: $0, isNLM: true) } == 0x0102_0304)
        let longA = NLMLockOwner(svid: 1, oh: [UInt8](repeating: 65, count: 100) + [1])
        let longB = NLMLockOwner(svid: 1, oh: [UInt8](repeating: 65, count: 100) + [2])
        #expect(longA.bytes.count == NLMLockOwner.maxLength && longB.bytes.count == NLMLockOwner.maxLength)
        #expect(longA != longB)
        #expect(NLMLockOwner(svid: 1, oh: [1]) != NLMLockOwner(svid: 2, oh: [1]))
    }

    @Test("l_len 0 is to the end of the file; ranges past the largest offset are clipped")
    func ranges() {
        #expect(NLMLockRange(nlmOffset: 10, nlmLength: 0) == NLMLockRange(offset: 10, length: .max))
        #expect(NLMLockRange(nlmOffset: 10, nlmLength: 0).nlmLength == 0)
        #expect(NLMLockRange(nlmOffset: 10, nlmLength: 5).length == 5)
        #expect(NLMLockRange(nlmOffset: .max - 1, nlmLength: 10).length == 1)
    }

    @Test("the state number is odd and moves past the previous run's")
    func stateNumbers() {
        #expect(NSMStateNumber.afterRestart(previous: nil).value == 1)
        #expect(NSMStateNumber.afterRestart(previous: 1).value == 3)
        #expect(NSMStateNumber.afterRestart(previous: 4).value == 5)
        #expect(NSMStateNumber.afterRestart(previous: .max).value == 1)
        #expect(NSMStateNumber.parse(" 7\n") == 7)
        #expect(NSMStateNumber.parse("x") == nil)
    }

    @Test("a blocked lock waits once; a second ask finds it; a full table refuses; a host's waits go together")
    func waits() {
        typealias Table = NLMWaitTable<Int>
        var table = Table(limit: 2)
        let key = Table.Key(
            client: 1,
            owner: NLMLockOwner(svid: 1, oh: [1]),
            handle: [9],
            range: NLMLockRange(offset: 0, length: 1)
        )
        var other = key
        other.client = 2
        var third = key
        third.range.offset = 5
        #expect(table.decide(key) == .startWait)
        table.insert(key, 10)
        #expect(table.decide(key) == .alreadyWaiting)
        table.insert(other, 20)
        #expect(table.decide(third) == .full)
        #expect(table.removeAll(client: 1) == [10])
        #expect(table.remove(key) == nil)
        #expect(table.remove(other) == 20)
        #expect(table.count == 0)
    }
}
