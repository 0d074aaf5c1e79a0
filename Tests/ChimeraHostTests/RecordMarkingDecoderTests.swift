import ChimeraHost
import NIOCore
import NIOEmbedded
import Testing

@Suite("ONC RPC record marking")
struct RecordMarkingDecoderTests {
    func channel(max: Int = 1 << 20) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(RecordMarkingDecoder(maxRecord: max)))
        return channel
    }

    func fragment(_ payload: [UInt8], last: Bool) -> [UInt8] {
        let word = UInt32(payload.count) | (last ? 0x8000_0000 : 0)
        return withUnsafeBytes(of: word.bigEndian, Array.init) + payload
    }

    func records(_ channel: EmbeddedChannel) throws -> [[UInt8]] {
        var out: [[UInt8]] = []
        while var buffer = try channel.readInbound(as: ByteBuffer.self) {
            out.append(buffer.readBytes(length: buffer.readableBytes) ?? [])
        }
        return out
    }

    @Test("a record split into fragments arrives whole")
    func fragments() throws {
        let channel = try channel()
        let bytes = fragment([1, 2, 3], last: false) + fragment([4, 5], last: false) + fragment([6], last: true)
        try channel.writeInbound(ByteBuffer(bytes: bytes))
        #expect(try records(channel) == [[1, 2, 3, 4, 5, 6]])
        _ = try channel.finish()
    }

    @Test("many records in one read arrive separately, in order")
    func many() throws {
        let channel = try channel()
        var bytes: [UInt8] = []
        for i in 0..<100 { bytes += fragment([UInt8(i), UInt8(i)], last: true) }
        try channel.writeInbound(ByteBuffer(bytes: bytes))
        let got = try records(channel)
        #expect(got.count == 100)
        #expect(got.enumerated().allSatisfy { $0.element == [UInt8($0.offset), UInt8($0.offset)] })
        _ = try channel.finish()
    }

    @Test("a record delivered one byte at a time arrives whole")
    func byteAtATime() throws {
        let channel = try channel()
        let bytes = fragment(Array(0..<200).map { UInt8($0) }, last: true)
        for b in bytes { try channel.writeInbound(ByteBuffer(bytes: [b])) }
        #expect(try records(channel) == [Array(0..<200).map { UInt8($0) }])
        _ = try channel.finish()
    }

    @Test("a length claim over the limit fails before anything is buffered")
    func tooLong() throws {
        let channel = try channel(max: 1 << 20)
        // 0x7FFFFFFF bytes claimed (the 2 GiB fragment maximum), 4 sent.
        #expect(throws: RecordMarkingDecoder.RecordTooLong.self) {
            try channel.writeInbound(ByteBuffer(bytes: [0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3, 4]))
        }
        _ = try? channel.finish()
    }

    @Test("fragments whose sum passes the limit fail too")
    func tooLongInSum() throws {
        let channel = try channel(max: 100)
        try channel.writeInbound(ByteBuffer(bytes: fragment(Array(repeating: 0, count: 60), last: false)))
        #expect(throws: RecordMarkingDecoder.RecordTooLong.self) {
            try channel.writeInbound(ByteBuffer(bytes: fragment(Array(repeating: 0, count: 60), last: true)))
        }
        _ = try? channel.finish()
    }

    @Test("a peer that disconnects mid-record delivers nothing more and no error")
    func disconnectMidRecord() throws {
        let channel = try channel()
        try channel.writeInbound(ByteBuffer(bytes: fragment([9], last: true) + [0x80, 0, 0, 10, 1, 2]))
        #expect(try records(channel) == [[9]])
        let state = try channel.finish()
        #expect(state.isClean)
    }
}

@Suite("Length-prefixed framing")
struct LengthPrefixDecoderTests {
    func channel(max: Int = 1 << 16) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LengthPrefixDecoder(maxMessage: max)))
        return channel
    }

    func message(_ payload: [UInt8]) -> [UInt8] {
        withUnsafeBytes(of: UInt32(payload.count).bigEndian, Array.init) + payload
    }

    @Test("messages split anywhere and packed together arrive one by one")
    func framing() throws {
        let channel = try channel()
        let bytes = message([1, 2, 3]) + message([]) + message(Array(repeating: 7, count: 300))
        for chunk in stride(from: 0, to: bytes.count, by: 5) {
            try channel.writeInbound(ByteBuffer(bytes: bytes[chunk..<min(chunk + 5, bytes.count)]))
        }
        var got: [[UInt8]] = []
        while var buffer = try channel.readInbound(as: ByteBuffer.self) {
            got.append(buffer.readBytes(length: buffer.readableBytes) ?? [])
        }
        #expect(got == [[1, 2, 3], [], Array(repeating: 7, count: 300)])
        _ = try channel.finish()
    }

    @Test("a length over the limit fails before anything is buffered")
    func tooLong() throws {
        let channel = try channel(max: 1024)
        #expect(throws: LengthPrefixDecoder.MessageTooLong.self) {
            try channel.writeInbound(ByteBuffer(bytes: [0, 0, 4, 1, 9]))
        }
        _ = try? channel.finish()
    }
}
