import Testing
import XDR

@Suite("XDRReader")
struct XDRReaderTests {
    @Test("reads big-endian integers, bools, floats and doubles")
    func primitives() throws {
        let bytes = hex(
            "fffffffe",  // int -2
            "80000001",  // unsigned int 0x80000001
            "0000000100000002",  // unsigned hyper 0x1_0000_0002
            "ffffffffffffffff",  // hyper -1
            "00000001",  // bool TRUE
            "3fc00000",  // float 1.5
            "4004000000000000"  // double 2.5
        )
        var reader = XDRReader(pinned(bytes))
        #expect(try reader.readInt32() == -2)
        #expect(try reader.readUInt32() == 0x8000_0001)
        #expect(try reader.readUInt64() == 0x1_0000_0002)
        #expect(try reader.readInt64() == -1)
        #expect(try reader.readBool() == true)
        #expect(try reader.readFloat() == 1.5)
        #expect(try reader.readDouble() == 2.5)
        #expect(reader.isAtEnd)
    }

    @Test("a read that does not fit throws .truncated and does not move")
    func truncatedPrimitives() throws {
        var reader = XDRReader(pinned(hex("000000")))
        #expect(throws: XDRError.truncated) { try reader.readUInt32() }
        #expect(throws: XDRError.truncated) { try reader.readUInt64() }
        #expect(throws: XDRError.truncated) { try reader.readBool() }
        #expect(reader.position == 0)
        var empty = XDRReader(UnsafeRawBufferPointer(start: nil, count: 0))
        #expect(throws: XDRError.truncated) { try empty.readInt32() }
    }

    @Test("a bool other than 0 or 1 is rejected")
    func badBoolean() {
        var reader = XDRReader(pinned(hex("00000002")))
        #expect(throws: XDRError.badBoolean(2)) { try reader.readBool() }
        #expect(reader.position == 0)
    }

    @Test("variable-length opaque data is a view into the record, padded to four bytes")
    func opaqueView() throws {
        let record = pinned(hex("00000005", "68656c6c6f", "000000", "00000007"))
        var reader = XDRReader(record)
        let value = try reader.readOpaque(maxLength: 8)
        #expect(value.makeString() == "hello")
        #expect(value.bytes.baseAddress == record.baseAddress.map { $0 + 4 })
        #expect(reader.position == 12)
        #expect(try reader.readUInt32() == 7)
    }

    @Test("an opaque length above the specification's maximum throws before anything else")
    func opaqueTooLong() {
        var reader = XDRReader(pinned(hex("00000041") + [UInt8](repeating: 0, count: 68)))
        #expect(throws: XDRError.lengthTooLong(length: 65, limit: 64)) { try reader.readOpaque(maxLength: 64) }
        #expect(reader.position == 0)
    }

    @Test("a 4 GiB length claim in a 100-byte record throws without touching memory")
    func hostileLength() {
        var bytes = hex("ffffffff")
        bytes += [UInt8](repeating: 0xab, count: 96)
        var reader = XDRReader(pinned(bytes))
        #expect(throws: XDRError.truncated) { try reader.readOpaque() }
        #expect(throws: XDRError.lengthTooLong(length: 0xffff_ffff, limit: 1024)) {
            try reader.readOpaque(maxLength: 1024)
        }
        #expect(throws: XDRError.truncated) { try reader.readCount(minElementSize: 4) }
        #expect(throws: XDRError.truncated) {
            try reader.readArray(minElementSize: 4) { (reader: inout XDRReader) throws(XDRError) in
                try reader.readUInt32()
            }
        }
        #expect(reader.position == 0)
    }

    @Test("an opaque whose padding is missing is truncated")
    func missingPadding() {
        var reader = XDRReader(pinned(hex("00000003", "616263")))
        #expect(throws: XDRError.truncated) { try reader.readOpaque() }
    }

    @Test("an array count is checked against its bound and against the bytes left")
    func arrayCounts() throws {
        var tooMany = XDRReader(pinned(hex("00000011") + [UInt8](repeating: 0, count: 68)))
        #expect(throws: XDRError.lengthTooLong(length: 17, limit: 16)) {
            try tooMany.readCount(maxCount: 16, minElementSize: 4)
        }
        var short = XDRReader(pinned(hex("00000003", "00000001", "00000002")))
        #expect(throws: XDRError.truncated) { try short.readCount(minElementSize: 4) }
        var fine = XDRReader(pinned(hex("00000002", "00000001", "00000002")))
        let values = try fine.readArray(maxCount: 16, minElementSize: 4) { (reader: inout XDRReader) throws(XDRError) in
            try reader.readUInt32()
        }
        #expect(values == [1, 2])
    }

    @Test("fixed-length opaque data is copied inline with its padding skipped")
    func fixedOpaque() throws {
        var reader = XDRReader(pinned(hex("010203040506", "0000", "ff")))
        let value = try reader.readFixedOpaque(XDRFixedOpaque<6>.self)
        #expect(value.makeArray() == [1, 2, 3, 4, 5, 6])
        #expect(reader.position == 8)
        var short = XDRReader(pinned(hex("0102030405")))
        #expect(throws: XDRError.truncated) { try short.readFixedOpaque(XDRFixedOpaque<6>.self) }
    }

    @Test("a linked list ends at a FALSE and a bad link word is rejected")
    func lists() throws {
        var reader = XDRReader(pinned(hex("00000001", "0000000a", "00000001", "0000000b", "00000000")))
        let values = try reader.readList { (reader: inout XDRReader) throws(XDRError) in try reader.readUInt32() }
        #expect(values == [10, 11])
        var bad = XDRReader(pinned(hex("00000001", "0000000a", "00000005")))
        #expect(throws: XDRError.badBoolean(5)) {
            try bad.readList { (reader: inout XDRReader) throws(XDRError) in try reader.readUInt32() }
        }
    }

    @Test("decode restores the position on failure and decodeToEnd refuses trailing bytes")
    func rollback() throws {
        var reader = XDRReader(pinned(hex("00000009", "00000001", "000000")))
        try reader.skip(4)
        #expect(throws: XDRError.truncated) { _ = try reader.decode(SamplePoint.self) }
        #expect(reader.position == 4, "the point's x was read, then the decode failed: back to where it began")
        var trailing = XDRReader(pinned(hex("00000001", "00000002", "00000003")))
        #expect(throws: XDRError.trailingBytes(4)) { _ = try trailing.decodeToEnd(SamplePoint.self) }
        #expect(trailing.position == 0)
    }

    @Test("seek stays inside the record")
    func seek() throws {
        var reader = XDRReader(pinned(hex("00000001", "00000002")))
        try reader.seek(to: 4)
        #expect(try reader.readUInt32() == 2)
        #expect(throws: XDRError.positionOutOfRange(9)) { try reader.seek(to: 9) }
        #expect(throws: XDRError.positionOutOfRange(-1)) { try reader.seek(to: -1) }
    }

    @Test("opaque views compare by content")
    func opaqueEquality() {
        let first = opaque("name")
        let second = opaque("name")
        #expect(first == second)
        #expect(first.bytes.baseAddress != second.bytes.baseAddress)
        #expect(first != opaque("other"))
        #expect(first.elementsEqual("name"))
        #expect(XDROpaque.empty == opaque(""))
        #expect(first.xdrEncodedSize == 8)
    }
}
