import ChimeraPluginKit

/// The host's one ID-mapping service: uid/gid ↔ names (from `server.idmap`
/// and the host's `/etc/passwd` and `/etc/group`, read once at start so no
/// event loop ever waits on NSS), uid/gid ↔ SIDs under the configured domain
/// SID, and `name@domain` principals (NFSv4, RFC 7530 §5.9) with a numeric
/// fallback.
///
/// SIDs follow a reversible RID scheme in the style of Samba's `idmap_rid`:
/// uid `u` is RID `1000 + 2u`, gid `g` is RID `1001 + 2g`, so the parity of a
/// RID tells a user from a group and every id has exactly one SID.
/// Configured names win over the host's files. A value type, immutable after
/// start: safe to read from any thread.
public struct ChimeraIDMap: Sendable, Equatable {
    /// A configured user: `server.idmap.users.<name>`.
    public struct User: Sendable, Equatable {
        public var uid: UInt32
        public var gid: UInt32
        public var groups: [UInt32]

        public init(uid: UInt32, gid: UInt32, groups: [UInt32]) {
            self.uid = uid
            self.gid = gid
            self.groups = groups
        }
    }

    /// What a SID or principal names.
    public enum Identity: Sendable, Equatable {
        case user(UInt32)
        case group(UInt32)
    }

    /// The first RID of the scheme; below it are the well-known RIDs (500 Administrator, 513 Domain Users...).
    public static let ridBase: UInt64 = 1000
    /// Largest id the scheme maps: the RID must fit 32 bits (MS-DTYP 2.4.2).
    public static let maxMappedID: UInt32 = UInt32((UInt64(UInt32.max) - ridBase - 1) / 2)

    /// NFSv4 domain of `name@domain` principals; nil: principals are numeric.
    public private(set) var domain: String?
    /// `S-1-5-21-a-b-c`: the domain SID users' and groups' SIDs extend.
    public private(set) var domainSID: String?
    public private(set) var users: [String: User] = [:]
    private var userNames: [UInt32: String] = [:]
    private var groupIDs: [String: UInt32] = [:]
    private var groupNames: [UInt32: String] = [:]

    /// No names, no domain: numeric principals only.
    public init() {}

    /// `server.idmap` (nil when absent), then `passwd` and `group` in the
    /// format of `/etc/passwd` and `/etc/group` for names config does not set.
    public init(config: ConfigObject?, passwd: String = "", group: String = "") throws(PluginError) {
        if let config {
            try config.rejectUnknownKeys(["domain", "domain_sid", "users", "groups"])
            if let domain = try config.string("domain") {
                guard !domain.isEmpty, !domain.contains("@"), !domain.contains(" ") else {
                    throw PluginError("\(config.keyPath("domain")): expected a DNS domain, found \"\(domain)\"")
                }
                self.domain = domain.lowercased()
            }
            if let sid = try config.string("domain_sid") {
                guard Self.isDomainSID(sid) else {
                    throw PluginError(
                        "\(config.keyPath("domain_sid")): expected \"S-1-5-21-a-b-c\" (three 32-bit numbers), found \"\(sid)\""
                    )
                }
                domainSID = sid.uppercased()
            }
            for (name, user) in try config.objects("users") {
                try Self.checkName(name, key: user.path)
                try user.rejectUnknownKeys(["uid", "gid", "groups"])
                guard let uid = try user.integer("uid", in: 0...0xFFFF_FFFE) else {
                    throw PluginError("\(user.keyPath("uid")): missing (expected an integer)")
                }
                guard let gid = try user.integer("gid", in: 0...0xFFFF_FFFE) else {
                    throw PluginError("\(user.keyPath("gid")): missing (expected an integer)")
                }
                var groups: [UInt32] = []
                for (index, value) in (try user.array("groups") ?? []).enumerated() {
                    guard case .integer(let g) = value, (0...0xFFFF_FFFE).contains(g) else {
                        throw PluginError(
                            "\(user.keyPath("groups"))[\(index)]: expected a gid from 0 to 4294967294, found \(value.kind)"
                        )
                    }
                    groups.append(UInt32(g))
                }
                guard userNames[UInt32(uid)] == nil else {
                    throw PluginError("\(user.keyPath("uid")): \(uid) is already user \"\(userNames[UInt32(uid)] ?? "")\"")
                }
                users[name] = User(uid: UInt32(uid), gid: UInt32(gid), groups: groups)
                userNames[UInt32(uid)] = name
            }
            if let groups = try config.object("groups") {
                for (name, value) in groups.values.sorted(by: { $0.key < $1.key }) {
                    try Self.checkName(name, key: groups.keyPath(name))
                    guard case .integer(let gid) = value, (0...0xFFFF_FFFE).contains(gid) else {
                        throw PluginError("\(groups.keyPath(name)): expected a gid from 0 to 4294967294, found \(value.kind)")
                    }
                    guard groupNames[UInt32(gid)] == nil else {
                        throw PluginError("\(groups.keyPath(name)): \(gid) is already group \"\(groupNames[UInt32(gid)] ?? "")\"")
                    }
                    groupIDs[name] = UInt32(gid)
                    groupNames[UInt32(gid)] = name
                }
            }
        }
        // The host's files fill in what config leaves: first entry of an id wins, as getpwuid does.
        for (name, id) in Self.entries(passwd) where users[name] == nil && userNames[id.0] == nil {
            users[name] = User(uid: id.0, gid: id.1, groups: [])
            userNames[id.0] = name
        }
        for (name, id) in Self.entries(group) where groupIDs[name] == nil && groupNames[id.0] == nil {
            groupIDs[name] = id.0
            groupNames[id.0] = name
        }
    }

    // MARK: Names

    public func userName(uid: UInt32) -> String? { userNames[uid] }
    public func user(named name: String) -> User? { users[name] }
    public func groupName(gid: UInt32) -> String? { groupNames[gid] }
    public func gid(named name: String) -> UInt32? { groupIDs[name] }

    // MARK: Principals

    /// `name@domain`, or the decimal uid when the uid has no name or there
    /// is no domain (RFC 7530 §5.9 numeric form).
    public func principal(uid: UInt32) -> String {
        guard let domain, let name = userNames[uid] else { return String(uid) }
        return "\(name)@\(domain)"
    }

    /// The group's `name@domain`, or its decimal gid.
    public func groupPrincipal(gid: UInt32) -> String {
        guard let domain, let name = groupNames[gid] else { return String(gid) }
        return "\(name)@\(domain)"
    }

    /// The uid a principal names: `name@domain` of this domain, or a decimal uid. Nil otherwise.
    public func uid(principal: String) -> UInt32? {
        if let numeric = UInt32(principal) { return numeric }
        guard let name = localName(principal) else { return nil }
        return users[name]?.uid
    }

    /// The gid a group principal names.
    public func gid(principal: String) -> UInt32? {
        if let numeric = UInt32(principal) { return numeric }
        guard let name = localName(principal) else { return nil }
        return groupIDs[name]
    }

    private func localName(_ principal: String) -> String? {
        guard let domain, let at = principal.lastIndex(of: "@") else { return nil }
        guard principal[principal.index(after: at)...].lowercased() == domain else { return nil }
        return String(principal[..<at])
    }

    // MARK: SIDs

    /// `<domain_sid>-<1000 + 2·uid>`; nil without a domain SID or past ``maxMappedID``.
    public func sid(uid: UInt32) -> String? {
        guard let domainSID, uid <= Self.maxMappedID else { return nil }
        return "\(domainSID)-\(Self.ridBase + 2 * UInt64(uid))"
    }

    /// `<domain_sid>-<1001 + 2·gid>`.
    public func sid(gid: UInt32) -> String? {
        guard let domainSID, gid <= Self.maxMappedID else { return nil }
        return "\(domainSID)-\(Self.ridBase + 1 + 2 * UInt64(gid))"
    }

    /// The uid or gid a SID of this domain names; nil for other domains and well-known RIDs.
    public func identity(sid: String) -> Identity? {
        guard let domainSID, let dash = sid.lastIndex(of: "-") else { return nil }
        guard sid[..<dash].uppercased() == domainSID, let rid = UInt64(sid[sid.index(after: dash)...]),
            rid >= Self.ridBase, rid <= UInt64(UInt32.max)
        else { return nil }
        let offset = rid - Self.ridBase
        return offset % 2 == 0 ? .user(UInt32(offset / 2)) : .group(UInt32(offset / 2))
    }

    // MARK: Parsing

    /// "S-1-5-21-a-b-c" with three 32-bit sub-authorities.
    static func isDomainSID(_ text: String) -> Bool {
        let parts = text.uppercased().split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 7, parts[0] == "S", parts[1] == "1", parts[2] == "5", parts[3] == "21" else {
            return false
        }
        return parts[4...].allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isASCII) && UInt32($0) != nil }
    }

    private static func checkName(_ name: String, key: String) throws(PluginError) {
        guard !name.isEmpty, name.utf8.count <= 64, !name.contains("@"), !name.contains(":"),
            !name.contains(" "), UInt32(name) == nil
        else {
            throw PluginError("\(key): expected a name of 1 to 64 characters without '@', ':' or spaces, not a number")
        }
    }

    /// `name:x:id:gid:...` lines (passwd and group share the first three
    /// fields; group's fourth is its members, ignored). Malformed lines are skipped, as libc does.
    static func entries(_ text: String) -> [(String, (UInt32, UInt32))] {
        var out: [(String, (UInt32, UInt32))] = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count >= 3, !fields[0].isEmpty, let id = UInt32(fields[2]) else { continue }
            let second = fields.count >= 4 ? UInt32(fields[3]) ?? 0 : 0
            out.append((String(fields[0]), (id, second)))
        }
        return out
    }
}
