import Testing
import XDR

@Suite("XDRWriter")
struct XDRWriterTests {
    private func withBuffer(_ size: Int, _ body: (UnsafeMutableRawBufferPointer) throws -> Void) rethrows {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 8)
        defer { buffer.deallocate() }
        buffer.initializeMemory(as: UInt8.self, repeating: 0xee)
        try body(buffer)
    }

    @Test("writes big-endian integers and zero-padded opaque data")
    func primitives() throws {
        try withBuffer(64) { buffer in
            var writer = XDRWriter(buffer)
            try writer.writeInt32(-2)
            try writer.writeUInt64(0x1_0000_0002)
            try writer.writeBool(true)
            try writer.writeOpaque(opaque("abcde"), maxLength: 8)
            try writer.writeFixedOpaque(XDRFixedOpaque<3>(copying: [9, 8, 7]))
            try writer.writeDouble(2.5)
            #expect(
                Array(writer.written())
                    == hex(
                        "fffffffe", "0000000100000002", "00000001", "00000005", "6162636465000000", "09080700",
                        "4004000000000000"))
        }
    }

    @Test("a write that does not fit throws .bufferTooSmall and writes nothing")
    func bufferTooSmall() throws {
        try withBuffer(10) { buffer in
            var writer = XDRWriter(buffer)
            try writer.writeUInt32(1)
            #expect(throws: XDRError.bufferTooSmall(needed: 8, available: 6)) { try writer.writeUInt64(1) }
            #expect(throws: XDRError.bufferTooSmall(needed: 12, available: 6)) { try writer.writeOpaque(opaque("12345678")) }
            #expect(writer.position == 4)
            #expect(buffer[4] == 0xee)
        }
    }

    @Test("encoding more than a bound throws .lengthTooLong")
    func encodeBounds() throws {
        withBuffer(64) { buffer in
            var writer = XDRWriter(buffer)
            #expect(throws: XDRError.lengthTooLong(length: 5, limit: 4)) {
                try writer.writeOpaque(opaque("12345"), maxLength: 4)
            }
            #expect(throws: XDRError.lengthTooLong(length: 5, limit: 4)) {
                try writer.writeArray([1, 2, 3, 4, 5] as [UInt32], maxCount: 4) {
                    (value: UInt32, writer: inout XDRWriter) throws(XDRError) in try writer.writeUInt32(value)
                }
            }
            #expect(throws: XDRError.lengthTooLong(length: 2, limit: 3)) {
                try writer.writeFixedArray([1, 2] as [UInt32], count: 3) {
                    (value: UInt32, writer: inout XDRWriter) throws(XDRError) in try writer.writeUInt32(value)
                }
            }
            #expect(writer.position == 0)
        }
    }

    @Test("a header can be written after the payload, in the space left in front of it")
    func backFill() throws {
        try withBuffer(32) { buffer in
            var writer = try XDRWriter(buffer, position: 8)
            try writer.writeOpaque(opaque("data"))
            let end = writer.position
            try writer.seek(to: 0)
            try writer.writeUInt32(0xaabb_ccdd)
            try writer.writeUInt32(UInt32(end - 8))
            try writer.seek(to: end)
            #expect(Array(writer.written()) == hex("aabbccdd", "00000008", "00000004", "64617461"))
            #expect(throws: XDRError.positionOutOfRange(33)) { try writer.seek(to: 33) }
        }
    }

    @Test("padding after data placed by someone else is zero")
    func paddingAfterData() throws {
        try withBuffer(16) { buffer in
            var writer = XDRWriter(buffer)
            let start = try writer.skip(5)
            #expect(start == 0)
            try writer.writePadding(forLength: 5)
            #expect(writer.position == 8)
            #expect(Array(buffer[5..<8]) == [0, 0, 0])
        }
    }

    @Test("inline fixed opaque values round-trip and compare by content")
    func fixedOpaqueValues() {
        let verifier = XDRFixedOpaque<8>(bigEndian: 0x0102_0304_0506_0708)
        #expect(verifier.makeArray() == [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(verifier == XDRFixedOpaque<8>(copying: [1, 2, 3, 4, 5, 6, 7, 8]))
        #expect(verifier != XDRFixedOpaque<8>())
    }
}
