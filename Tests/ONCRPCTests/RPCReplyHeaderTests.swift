import ONCRPC
import Testing
import XDR

@Suite("RPC replies")
struct RPCReplyHeaderTests {
    private func reply(_ rejection: RPCRejection) throws -> [UInt8] {
        let size = RPCReplyHeader.encodedSize(rejection: rejection)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 8)
        defer { buffer.deallocate() }
        var writer = XDRWriter(buffer)
        try RPCReplyHeader.encode(xid: 0xcafe_f00d, rejection: rejection, to: &writer)
        #expect(writer.position == size)
        return Array(writer.written())
    }

    static let acceptedPrefix = hex(
        "cafef00d",  // xid
        "00000001",  // msg_type REPLY
        "00000000",  // reply_stat MSG_ACCEPTED
        "00000000 00000000"  // verf: AUTH_NONE, empty
    )
    static let deniedPrefix = hex(
        "cafef00d",  // xid
        "00000001",  // msg_type REPLY
        "00000001"  // reply_stat MSG_DENIED
    )

    @Test("SUCCESS header: 24 bytes, results follow")
    func success() throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 24, alignment: 8)
        defer { buffer.deallocate() }
        var writer = XDRWriter(buffer)
        try RPCReplyHeader.encodeSuccess(xid: 0xcafe_f00d, to: &writer)
        #expect(Array(writer.written()) == Self.acceptedPrefix + hex("00000000"))
        #expect(RPCReplyHeader.successSize() == 24)
        var short = XDRWriter(UnsafeMutableRawBufferPointer(rebasing: buffer[0..<20]))
        #expect(throws: XDRError.bufferTooSmall(needed: 24, available: 20)) {
            try RPCReplyHeader.encodeSuccess(xid: 1, to: &short)
        }
        #expect(short.position == 0)
    }

    @Test("every accepted rejection, byte for byte")
    func acceptedRejections() throws {
        #expect(try reply(.programUnavailable) == Self.acceptedPrefix + hex("00000001"))
        #expect(try reply(.programMismatch(low: 2, high: 3)) == Self.acceptedPrefix + hex("00000002", "00000002 00000003"))
        #expect(try reply(.procedureUnavailable) == Self.acceptedPrefix + hex("00000003"))
        #expect(try reply(.garbageArguments) == Self.acceptedPrefix + hex("00000004"))
        #expect(try reply(.systemError) == Self.acceptedPrefix + hex("00000005"))
    }

    @Test("every denied reply, byte for byte")
    func deniedReplies() throws {
        #expect(try reply(.rpcMismatch(low: 2, high: 2)) == Self.deniedPrefix + hex("00000000", "00000002 00000002"))
        #expect(try reply(.authError(.authBadcred)) == Self.deniedPrefix + hex("00000001", "00000001"))
        #expect(try reply(.authError(.authTooweak)) == Self.deniedPrefix + hex("00000001", "00000005"))
    }

    @Test("replies decode back through the generated rpc_msg")
    func decodeBack() throws {
        let message = try decode(RPCMsg.self, try reply(.programMismatch(low: 3, high: 4)))
        guard case .reply(.accepted(let accepted)) = message.body, case .progMismatch(let info) = accepted.replyData else {
            Issue.record("not a PROG_MISMATCH reply: \(message)")
            return
        }
        #expect(info == RPCAcceptedReplyMismatchInfo(low: 3, high: 4))
        #expect(accepted.replyData.stat == .progMismatch)
        expectEveryPrefixTruncated(RPCMsg.self, try reply(.authError(.authTooweak)))
    }
}
