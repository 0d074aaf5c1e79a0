// Shared by every fuzz target: what decodes must encode to as many bytes as it consumed, and decode back equal.
import XDR

func checkRoundTrip<T: XDRCodable & Equatable>(_ type: T.Type, _ bytes: UnsafeRawBufferPointer) {
    var reader = XDRReader(bytes)
    guard let value = try? reader.decode(type) else {
        precondition(reader.position == 0, "a failed decode moved the reader")
        return
    }
    let consumed = reader.position
    precondition(value.xdrEncodedSize == consumed, "xdrEncodedSize differs from the decoded size")
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(consumed, 1), alignment: 8)
    defer { buffer.deallocate() }
    var writer = XDRWriter(UnsafeMutableRawBufferPointer(rebasing: buffer[0..<consumed]))
    do {
        try value.encode(to: &writer)
    } catch {
        preconditionFailure("a decoded value failed to encode: \(error)")
    }
    var again = XDRReader(UnsafeRawBufferPointer(writer.written()))
    precondition((try? again.decodeToEnd(type)) == value, "round trip changed the value")
}
