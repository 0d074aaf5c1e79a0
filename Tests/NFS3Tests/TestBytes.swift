import Testing
import XDR

/// Bytes from hex, ignoring spaces and newlines: `hex("00000001", "deadbeef")`.
func hex(_ parts: String...) -> [UInt8] {
    let digits = parts.joined().filter { !$0.isWhitespace }
    precondition(digits.count % 2 == 0, "an even number of hex digits")
    var bytes: [UInt8] = []
    var index = digits.startIndex
    while index < digits.endIndex {
        let next = digits.index(index, offsetBy: 2)
        guard let byte = UInt8(digits[index..<next], radix: 16) else { preconditionFailure("bad hex") }
        bytes.append(byte)
        index = next
    }
    return bytes
}

/// A copy of `bytes` that stays valid for the rest of the test run, so views decoded from it stay valid.
func pinned(_ bytes: [UInt8]) -> UnsafeRawBufferPointer {
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 8)
    buffer.copyBytes(from: bytes)
    return UnsafeRawBufferPointer(rebasing: buffer[0..<bytes.count])
}

/// A view of `text`'s UTF-8 that stays valid for the rest of the test run.
func opaque(_ text: String) -> XDROpaque {
    XDROpaque(pinned(Array(text.utf8)))
}

/// A view of `bytes` that stays valid for the rest of the test run.
func opaque(_ bytes: [UInt8]) -> XDROpaque {
    XDROpaque(pinned(bytes))
}

/// Decodes `T` from `bytes`, requiring every byte to be used.
func decode<T: XDRDecodable>(_ type: T.Type, _ bytes: [UInt8]) throws(XDRError) -> T {
    var reader = XDRReader(pinned(bytes))
    return try reader.decodeToEnd(type)
}

/// Encodes `value` into a buffer of exactly `xdrEncodedSize` bytes and checks the size was exact.
func encode<T: XDREncodable>(_ value: T) throws -> [UInt8] {
    let size = value.xdrEncodedSize
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(size, 1), alignment: 8)
    defer { buffer.deallocate() }
    var writer = XDRWriter(UnsafeMutableRawBufferPointer(rebasing: buffer[0..<size]))
    try value.encode(to: &writer)
    #expect(writer.position == size, "xdrEncodedSize \(size) but \(writer.position) bytes written")
    return Array(writer.written())
}

/// Every strict prefix of `bytes` fails to decode as `T` with `.truncated`.
func expectEveryPrefixTruncated<T: XDRDecodable>(
    _ type: T.Type, _ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation
) {
    for length in 0..<bytes.count {
        var reader = XDRReader(pinned(Array(bytes[0..<length])))
        #expect(throws: XDRError.truncated, "prefix of \(length) bytes", sourceLocation: sourceLocation) {
            _ = try reader.decode(type)
        }
        #expect(reader.position == 0, "a failed decode leaves the reader where it was", sourceLocation: sourceLocation)
    }
}

/// `bytes` decode to `value`, `value` encodes to `bytes`, and every prefix is truncated.
func expectWireFormat<T: XDRCodable & Equatable>(
    _ value: T, _ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation
) throws {
    #expect(try encode(value) == bytes, "encoding", sourceLocation: sourceLocation)
    #expect(try decode(T.self, bytes) == value, "decoding", sourceLocation: sourceLocation)
    expectEveryPrefixTruncated(T.self, bytes, sourceLocation: sourceLocation)
}
