import ONCRPC
import Testing
import XDR

/// An NFSv3 GETATTR call with AUTH_SYS credentials, written out from RFC 5531 §9 and Appendix A.
let getattrCall = hex(
    "12345678",  // xid
    "00000000",  // msg_type CALL
    "00000002",  // rpcvers 2
    "000186a3",  // prog 100003 (NFS)
    "00000003",  // vers 3
    "00000001",  // proc 1 (GETATTR)
    "00000001",  // cred.flavor AUTH_SYS
    "00000020",  // cred.body length: 32 bytes
    "0000002a",  //   stamp 42
    "00000004 686f7374",  //   machinename "host"
    "000003e8",  //   uid 1000
    "00000064",  //   gid 100
    "00000002 0000000a 00000014",  //   gids<16>: 10, 20
    "00000000 00000000",  // verf: AUTH_NONE, empty
    "00000008 01020304 05060708"  // GETATTR3args: nfs_fh3 of 8 bytes
)

@Suite("RPC call header")
struct RPCCallHeaderTests {
    @Test("decodes the call header and leaves the reader at the arguments")
    func decode() throws {
        let record = pinned(getattrCall)
        var reader = XDRReader(record)
        let header = try RPCCallHeader(from: &reader)
        #expect(header.xid == 0x1234_5678)
        #expect(header.rpcVersion == 2)
        #expect(header.program == 100_003)
        #expect(header.version == 3)
        #expect(header.procedure == 1)
        #expect(header.credential.flavor == .authSys)
        #expect(header.credential.body.count == 32)
        #expect(header.verifier == RPCReplyHeader.noneVerifier)
        #expect(header.argumentsOffset == 72)
        #expect(reader.position == 72)
        var arguments = try header.argumentsReader(record: record)
        #expect(try arguments.readOpaque(maxLength: 64).makeArray() == [1, 2, 3, 4, 5, 6, 7, 8])
    }

    @Test("the generated rpc_msg decodes the same bytes")
    func generatedMessage() throws {
        var reader = XDRReader(pinned(getattrCall))
        let message = try RPCMsg(from: &reader)
        let header = try RPCCallHeader(record: pinned(getattrCall))
        #expect(message == header.message)
        #expect(try encode(message) == Array(getattrCall[0..<72]))
    }

    @Test("every prefix of the header is truncated, never a crash")
    func truncation() throws {
        for length in 0..<72 {
            var reader = XDRReader(pinned(Array(getattrCall[0..<length])))
            #expect(throws: XDRError.truncated, "prefix \(length)") { _ = try RPCCallHeader(from: &reader) }
            #expect(reader.position == 0)
        }
    }

    @Test("a REPLY is not a call")
    func notACall() {
        var bytes = getattrCall
        bytes[7] = 1
        #expect(throws: XDRError.badDiscriminant(1)) { _ = try RPCCallHeader(record: pinned(bytes)) }
    }

    @Test("a credential body over 400 bytes is refused")
    func oversizedCredential() {
        var bytes = Array(getattrCall[0..<28])
        bytes += hex("00000191") + [UInt8](repeating: 0, count: 404) + hex("00000000 00000000")
        #expect(throws: XDRError.lengthTooLong(length: 401, limit: 400)) { _ = try RPCCallHeader(record: pinned(bytes)) }
    }
}
