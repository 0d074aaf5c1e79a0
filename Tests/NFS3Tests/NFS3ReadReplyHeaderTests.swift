import NFS3
import ONCRPC
import Testing
import XDR

@Suite("READ reply header in front of data")
struct NFS3ReadReplyHeaderTests {
    @Test("with attributes the reply starts at 0 when the data sits at maxReplyPrefixSize, and decodes as READ3res")
    func inFront() throws {
        let data = Array("hello".utf8)
        let dataOffset = NFS3ReadReplyHeader.maxReplyPrefixSize
        #expect(dataOffset == 128)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: dataOffset + 8, alignment: 8)
        buffer.initializeMemory(as: UInt8.self, repeating: 0xee)
        // The VFS read lands first.
        UnsafeMutableRawBufferPointer(rebasing: buffer[dataOffset..<(dataOffset + data.count)]).copyBytes(from: data)
        var writer = XDRWriter(buffer)
        let header = NFS3ReadReplyHeader(attributes: NFS3Wire.fattrValue, count: UInt32(data.count), eof: true)
        let start = try header.encodeReplyPrefix(xid: 7, endingAt: dataOffset, in: &writer)
        #expect(start == 0)
        #expect(writer.position == dataOffset)
        try writer.seek(to: dataOffset + data.count)
        try writer.writePadding(forLength: data.count)
        let reply = Array(UnsafeRawBufferPointer(rebasing: buffer[start..<writer.position]))

        var reader = XDRReader(pinned(reply))
        let message = try RPCMsg(from: &reader)
        #expect(message.xid == 7)
        let result = try reader.decodeToEnd(NFS3ReadRes.self)
        #expect(result == .ok(NFS3ReadResok(fileAttributes: NFS3Wire.fattrValue, count: 5, eof: true, data: opaque("hello"))))
    }

    @Test("without attributes the header is 84 bytes shorter and starts later")
    func withoutAttributes() throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256, alignment: 8)
        var writer = XDRWriter(buffer)
        let header = NFS3ReadReplyHeader(attributes: nil, count: 0, eof: true)
        #expect(header.encodedSize == 20)
        let start = try header.encodeReplyPrefix(xid: 1, endingAt: 128, in: &writer)
        #expect(start == 84)
        #expect(
            Array(writer.written(from: start))
                == hex(
                    "00000001 00000001 00000000 00000000 00000000 00000000",  // xid 1, REPLY, accepted, AUTH_NONE, SUCCESS
                    "00000000",  // NFS3_OK
                    "00000000",  // no attributes
                    "00000000",  // count 0
                    "00000001",  // eof
                    "00000000"  // data length 0
                ))
        #expect(throws: XDRError.bufferTooSmall(needed: 44, available: 40)) {
            _ = try header.encodeReplyPrefix(xid: 1, endingAt: 40, in: &writer)
        }
    }
}
