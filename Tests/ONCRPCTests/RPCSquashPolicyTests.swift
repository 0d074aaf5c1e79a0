import ONCRPC
import Testing

@Suite("Credential squash policy")
struct RPCSquashPolicyTests {
    let root = RPCIdentity(uid: 0, gid: 0, groups: RPCGroupList([0, 5, 0]))
    let user = RPCIdentity(uid: 1000, gid: 100, groups: RPCGroupList([10]))

    @Test("root_squash maps uid 0, gid 0 and group 0 to the anonymous ids and leaves others alone")
    func rootSquash() {
        let policy = RPCSquashPolicy(mode: .root, anonymousUID: 65534, anonymousGID: 65533)
        #expect(policy.apply(to: root) == RPCIdentity(uid: 65534, gid: 65533, groups: RPCGroupList([65533, 5, 65533])))
        #expect(policy.apply(to: user) == user)
    }

    @Test("all_squash makes everyone anonymous, with no groups")
    func allSquash() {
        let policy = RPCSquashPolicy(mode: .all, anonymousUID: 99, anonymousGID: 98)
        #expect(policy.apply(to: user) == RPCIdentity(uid: 99, gid: 98))
        #expect(policy.apply(to: root) == RPCIdentity(uid: 99, gid: 98))
    }

    @Test("no_root_squash passes identities through; AUTH_NONE is always anonymous")
    func noSquash() {
        let policy = RPCSquashPolicy(mode: .none)
        #expect(policy.apply(to: root) == root)
        #expect(RPCCredentials.none.identity(squashing: policy) == RPCIdentity(uid: 65534, gid: 65534))
    }

    @Test("a group list holds at most 16 groups")
    func groupCapacity() {
        var groups = RPCGroupList(0..<20)
        #expect(groups.count == 16)
        #expect(groups.append(99) == false)
        #expect(Array(groups) == Array(0..<16))
    }
}
