import ONCRPC
import Testing
import XDR

@Suite("AUTH_SYS credentials")
struct RPCAuthSysTests {
    static func body(machineName: [UInt8] = Array("host".utf8), groups: [UInt32] = [10, 20]) throws -> [UInt8] {
        var bytes = hex("0000002a")
        bytes += try encode(opaque(machineName))
        bytes += hex("000003e8", "00000064")
        bytes += hex(String(format: groups.count))
        for group in groups {
            bytes += hex(String(format: group))
        }
        return bytes
    }

    @Test("decodes uid, gid, groups and machine name without allocating a group array")
    func decode() throws {
        let credential = try RPCAuthSys(body: opaque(Self.body()))
        #expect(credential.stamp == 42)
        #expect(credential.machineName.makeString() == "host")
        #expect(credential.uid == 1000)
        #expect(credential.gid == 100)
        #expect(Array(credential.groups) == [10, 20])
        #expect(try encode(credential.parameters) == Self.body())
    }

    @Test("limits: 16 groups, a 255-byte machine name, no bytes left over")
    func limits() throws {
        #expect(try RPCAuthSys(body: opaque(Self.body(groups: Array(1...16)))).groups.count == 16)
        #expect(throws: XDRError.lengthTooLong(length: 17, limit: 16)) {
            _ = try RPCAuthSys(body: opaque(Self.body(groups: Array(1...17))))
        }
        #expect(try RPCAuthSys(body: opaque(Self.body(machineName: .init(repeating: 0x61, count: 255)))).uid == 1000)
        #expect(throws: XDRError.lengthTooLong(length: 256, limit: 255)) {
            _ = try RPCAuthSys(body: opaque(Self.body(machineName: .init(repeating: 0x61, count: 256))))
        }
        #expect(throws: XDRError.trailingBytes(4)) { _ = try RPCAuthSys(body: opaque(Self.body() + hex("00000000"))) }
        let valid = try Self.body()
        for length in 0..<valid.count {
            #expect(throws: XDRError.truncated) { _ = try RPCAuthSys(body: opaque(Array(valid[0..<length]))) }
        }
    }

    @Test("credentials: AUTH_NONE must be empty, AUTH_SYS must parse, other flavors are refused")
    func parse() throws {
        #expect(RPCCredentials.parse(RPCOpaqueAuth(flavor: .authNone, body: .empty)) == .success(.none))
        #expect(
            RPCCredentials.parse(RPCOpaqueAuth(flavor: .authNone, body: opaque("x")))
                == .failure(RPCAuthError(.authBadcred)))
        #expect(
            RPCCredentials.parse(RPCOpaqueAuth(flavor: .authSys, body: opaque(hex("00000001"))))
                == .failure(RPCAuthError(.authBadcred)))
        #expect(
            RPCCredentials.parse(RPCOpaqueAuth(flavor: .rpcsecGss, body: .empty)) == .failure(RPCAuthError(.authBadcred)))
        guard case .success(.sys(let credential)) = RPCCredentials.parse(
            RPCOpaqueAuth(flavor: .authSys, body: opaque(try Self.body())))
        else {
            Issue.record("AUTH_SYS did not parse")
            return
        }
        #expect(credential.uid == 1000)
    }
}

extension String {
    /// Eight hex digits of `value`.
    init(format value: some BinaryInteger) {
        let digits = String(UInt32(truncatingIfNeeded: value), radix: 16)
        self = String(repeating: "0", count: 8 - digits.count) + digits
    }
}
