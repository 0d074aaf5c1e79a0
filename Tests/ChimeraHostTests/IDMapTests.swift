import ChimeraHost
import ChimeraPluginKit
import Testing

@Suite("ID mapping")
struct IDMapTests {
    static let passwd = """
        root:x:0:0:root:/root:/bin/bash
        # a comment
        nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
        broken line
        alice:x:1500:1500::/home/alice:/bin/sh
        """
    static let group = """
        root:x:0:
        staff:x:50:alice
        nogroup:x:65534:
        """

    func map(_ json: String) throws(PluginError) -> ChimeraIDMap {
        try ChimeraIDMap(
            config: try ConfigObject(parsing: json, path: "server.idmap"),
            passwd: Self.passwd,
            group: Self.group
        )
    }

    func message(_ json: String) -> String? {
        do {
            _ = try map(json)
            return nil
        } catch {
            return error.message
        }
    }

    static let config = """
        {"domain": "Example.COM", "domain_sid": "S-1-5-21-1-2-3",
         "users": {"alice": {"uid": 1000, "gid": 1000, "groups": [50, 2000]}},
         "groups": {"engineers": 2000}}
        """

    @Test("names round-trip through uids and gids, config winning over the host's files")
    func names() throws {
        let idmap = try map(Self.config)
        #expect(idmap.userName(uid: 1000) == "alice")
        #expect(idmap.user(named: "alice") == ChimeraIDMap.User(uid: 1000, gid: 1000, groups: [50, 2000]))
        #expect(idmap.userName(uid: 1500) == nil)
        #expect(idmap.userName(uid: 65534) == "nobody")
        #expect(idmap.gid(named: "engineers") == 2000)
        #expect(idmap.groupName(gid: 50) == "staff")
        #expect(idmap.gid(named: "staff") == 50)
    }

    @Test("principals are name@domain with a numeric fallback, and parse back")
    func principals() throws {
        let idmap = try map(Self.config)
        #expect(idmap.principal(uid: 1000) == "alice@example.com")
        #expect(idmap.uid(principal: "alice@example.com") == 1000)
        #expect(idmap.uid(principal: "alice@EXAMPLE.com") == 1000)
        #expect(idmap.uid(principal: "alice@other.org") == nil)
        #expect(idmap.principal(uid: 4242) == "4242")
        #expect(idmap.uid(principal: "4242") == 4242)
        #expect(idmap.groupPrincipal(gid: 2000) == "engineers@example.com")
        #expect(idmap.gid(principal: "engineers@example.com") == 2000)
        #expect(ChimeraIDMap().principal(uid: 1000) == "1000")
    }

    @Test("SIDs follow the RID scheme and map back to the same uid or gid")
    func sids() throws {
        let idmap = try map(Self.config)
        #expect(idmap.sid(uid: 0) == "S-1-5-21-1-2-3-1000")
        #expect(idmap.sid(uid: 1000) == "S-1-5-21-1-2-3-3000")
        #expect(idmap.sid(gid: 1000) == "S-1-5-21-1-2-3-3001")
        for id: UInt32 in [0, 1, 1000, 65534, ChimeraIDMap.maxMappedID] {
            #expect(idmap.sid(uid: id).flatMap(idmap.identity(sid:)) == .user(id))
            #expect(idmap.sid(gid: id).flatMap(idmap.identity(sid:)) == .group(id))
        }
        #expect(idmap.sid(uid: ChimeraIDMap.maxMappedID + 1) == nil)
        #expect(idmap.identity(sid: "S-1-5-21-9-9-9-3000") == nil)
        #expect(idmap.identity(sid: "S-1-5-21-1-2-3-513") == nil)
        #expect(ChimeraIDMap().sid(uid: 1) == nil)
    }

    @Test("config mistakes are one line naming the key")
    func mistakes() {
        #expect(message(#"{"realm": "x"}"#)?.hasPrefix("server.idmap.realm: unknown key") == true)
        #expect(message(#"{"domain_sid": "S-1-5-21-1-2"}"#)?.hasPrefix("server.idmap.domain_sid: expected") == true)
        #expect(message(#"{"domain_sid": "S-1-5-21-1-2-99999999999"}"#)?.contains("domain_sid") == true)
        #expect(message(#"{"domain": "a b"}"#)?.hasPrefix("server.idmap.domain: expected a DNS domain") == true)
        #expect(message(#"{"users": {"bob": {"gid": 1}}}"#)?.hasPrefix("server.idmap.users.bob.uid: missing") == true)
        #expect(
            message(#"{"users": {"bob": {"uid": 1, "gid": 1, "groups": ["x"]}}}"#)?
                .hasPrefix("server.idmap.users.bob.groups[0]: expected a gid") == true
        )
        #expect(
            message(#"{"users": {"a": {"uid": 7, "gid": 1}, "b": {"uid": 7, "gid": 1}}}"#)?
                .contains("is already user") == true
        )
        #expect(message(#"{"groups": {"g": -1}}"#)?.hasPrefix("server.idmap.groups.g: expected a gid") == true)
        #expect(message(#"{"groups": {"12": 5}}"#)?.contains("not a number") == true)
    }
}
