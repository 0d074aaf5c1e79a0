import CChimera
@testable import ChimeraHost
import ChimeraPluginKit
import Logging
import Testing

@Suite("ID mapping through the C ABI")
struct HostIDMapABITests {
    static func context() throws -> PluginContext {
        let map = try ChimeraIDMap(
            config: try ConfigObject(
                parsing: #"{"domain": "example.com", "domain_sid": "S-1-5-21-1-2-3", "groups": {"eng": 2000},"#
                    + #" "users": {"alice": {"uid": 1000, "gid": 2000, "groups": [5, 6]}}}"#,
                path: "server.idmap"
            )
        )
        let runtime = HostRuntime(
            logger: Logger(label: "test"), executor: nil, loops: 1, delegation: 0, idmap: map)
        return PluginContext(runtime: runtime, name: "test", isFrontEnd: false)
    }

    @Test("a plugin's PluginIDMap round-trips names, SIDs and principals through chimera_host")
    func roundTrips() throws {
        let context = try Self.context()
        let idmap = try #require(PluginHost(UnsafePointer(context.host)).idmap)
        #expect(idmap.userName(uid: 1000) == "alice")
        #expect(idmap.uid(named: "alice") == 1000)
        #expect(idmap.groupName(gid: 2000) == "eng")
        #expect(idmap.gid(named: "eng") == 2000)
        #expect(idmap.userName(uid: 4242) == nil)
        #expect(idmap.sid(.user(1000)) == "S-1-5-21-1-2-3-3000")
        #expect(idmap.identity(sid: "S-1-5-21-1-2-3-3000") == .user(1000))
        #expect(idmap.identity(sid: "S-1-5-21-1-2-3-5001") == .group(2000))
        #expect(idmap.principal(.user(1000)) == "alice@example.com")
        #expect(idmap.principal(.user(4242)) == "4242")
        #expect(idmap.id(principal: "alice@example.com", group: false) == 1000)
        #expect(idmap.id(principal: "eng@example.com", group: true) == 2000)
        let alice = try #require(idmap.user(named: "alice"))
        #expect(alice.uid == 1000 && alice.gid == 2000 && alice.groups == [5, 6])
        #expect(idmap.user(named: "mallory") == nil)
    }

    @Test("a too-small buffer answers RANGE with the length needed and writes nothing")
    func range() throws {
        let context = try Self.context()
        var buffer = [CChar](repeating: 0x7F, count: 4)
        var length: UInt32 = 4
        let status = buffer.withUnsafeMutableBufferPointer { chars in
            context.host.pointee.idmap_id_to_principal(context.host, 1000, 0, chars.baseAddress, &length)
        }
        #expect(status == CHIMERA_RANGE)
        #expect(length == UInt32("alice@example.com".utf8.count))
        #expect(buffer.allSatisfy { $0 == 0x7F })
    }

    @Test("a host struct from before ABI 1.1 offers no ID map")
    func olderHost() throws {
        let context = try Self.context()
        var older = context.host.pointee
        older.struct_size = UInt32(MemoryLayout<chimera_host>.offset(of: \.idmap_uid_to_name) ?? 0)
        older.abi_minor = 0
        #expect(withUnsafePointer(to: &older) { PluginHost($0).idmap } == nil)
    }
}
