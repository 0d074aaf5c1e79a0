import CChimera
import ChimeraPluginKit
import S3

/// `server.protocols.s3` and the document's `buckets`, read strictly: an
/// unknown key or a wrong type stops the server with one line naming it.
struct S3PluginConfiguration: Sendable {
    /// How object metadata (ETag, Content-Type, `x-amz-meta-*`) is kept.
    enum MetadataStore: String, Sendable {
        /// Extended attributes where the bucket's module has them, else a sidecar.
        case auto
        /// Always a sidecar file under `<bucket>/.chimera-s3/meta/`.
        case sidecar
    }

    struct Bucket: Sendable {
        var name: String
        /// A namespace path ("/memfs/photos").
        var path: String
        /// GET, HEAD and listings without a signature.
        var anonymousRead: Bool
    }

    static let keys: Set<String> = [
        "port", "region", "credentials", "domain", "bucket_root", "max_object_size", "max_write_bytes_in_flight",
        "metadata", "max_clock_skew_seconds", "anonymous_uid", "anonymous_gid",
    ]

    /// Who an access key acts as: `credentials[].uid/gid/groups`. A key
    /// without uid and gid acts as the owner of the bucket's directory.
    struct Identity: Sendable, Equatable {
        var uid: UInt32
        var gid: UInt32
        /// Supplementary groups, at most CHIMERA_NGROUPS_MAX.
        var groups: [UInt32]
    }

    var port: UInt16 = 9000
    var region = "us-east-1"
    var credentials: [String: String] = [:]
    /// The mapped identity of each access key that has one.
    var identities: [String: Identity] = [:]
    /// Keys mapped by `credentials[].user` to a host ID-map user, resolved
    /// by ``resolveUsers(_:)`` (the host's map is not known while parsing);
    /// the value is the user and the key path for errors.
    var users: [String: (name: String, path: String)] = [:]
    /// Who anonymous reads act as (`anonymous_uid`, `anonymous_gid`).
    var anonymousUID: UInt32 = 65534
    var anonymousGID: UInt32 = 65534
    /// Virtual-hosted style: `<bucket>.<domain>`.
    var domain: String?
    /// Namespace directory whose subdirectories are buckets made by CreateBucket.
    var bucketRoot: String?
    /// Largest object a PUT, a part or a completed upload may make.
    var maxObjectSize: UInt64 = 5 << 40
    /// Upload bytes a connection may have on their way to the VFS before it stops reading.
    var maxWriteBytesInFlight = 8 << 20
    var metadata = MetadataStore.auto
    var maxClockSkewSeconds: Int64 = 900
    /// Configured buckets by name.
    var buckets: [String: Bucket] = [:]

    init() {}

    init(_ config: ProtocolPluginConfig) throws(PluginError) {
        let object = try ConfigObject(parsing: config.config, path: "server.protocols.s3")
        try object.rejectUnknownKeys(Self.keys)
        if let port = try object.integer("port", in: 0...65535) { self.port = UInt16(port) }
        if let region = try object.string("region") {
            guard !region.isEmpty, region.utf8.count <= 64,
                region.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D })
            else {
                throw PluginError(
                    "\(object.keyPath("region")): expected a region name like \"us-east-1\", found \"\(region)\""
                )
            }
            self.region = region
        }
        if let domain = try object.string("domain") {
            guard !domain.isEmpty, !domain.contains("/"), !domain.contains(":") else {
                throw PluginError("\(object.keyPath("domain")): expected a host name, found \"\(domain)\"")
            }
            self.domain = domain.lowercased()
        }
        if let root = try object.string("bucket_root") {
            guard root.hasPrefix("/") else {
                throw PluginError(
                    "\(object.keyPath("bucket_root")): expected a namespace path starting with '/', found \"\(root)\""
                )
            }
            bucketRoot = root
        }
        if let size = try object.integer("max_object_size", in: 1...(5 << 40)) { maxObjectSize = UInt64(size) }
        if let window = try object.integer("max_write_bytes_in_flight", in: (64 << 10)...(1 << 30)) {
            maxWriteBytesInFlight = Int(window)
        }
        if let skew = try object.integer("max_clock_skew_seconds", in: 1...86_400) { maxClockSkewSeconds = skew }
        if let mode = try object.string("metadata") {
            guard let parsed = MetadataStore(rawValue: mode) else {
                throw PluginError("\(object.keyPath("metadata")): expected \"auto\" or \"sidecar\", found \"\(mode)\"")
            }
            metadata = parsed
        }
        if let uid = try object.integer("anonymous_uid", in: 0...0xFFFF_FFFE) { anonymousUID = UInt32(uid) }
        if let gid = try object.integer("anonymous_gid", in: 0...0xFFFF_FFFE) { anonymousGID = UInt32(gid) }
        (credentials, identities, users) = try Self.credentials(object)

        let document = try ConfigObject(parsing: config.document, path: "")
        for (name, bucket) in try document.objects("buckets") {
            try bucket.rejectUnknownKeys(["path", "anonymous_read"])
            guard S3BucketName.isValid(name) else {
                throw PluginError(
                    "\(bucket.path): not a valid S3 bucket name (3 to 63 lower-case letters, digits, '.' or '-')"
                )
            }
            let path = try bucket.requiredString("path")
            guard path.hasPrefix("/") else {
                throw PluginError(
                    "\(bucket.keyPath("path")): expected a namespace path starting with '/', found \"\(path)\""
                )
            }
            buckets[name] = Bucket(name: name, path: path, anonymousRead: try bucket.bool("anonymous_read") ?? false)
        }
        if credentials.isEmpty {
            if let closed = buckets.keys.sorted().first(where: { buckets[$0]?.anonymousRead == false }) {
                throw PluginError(
                    "\(object.keyPath("credentials")): no credentials, but bucket \"\(closed)\" is not anonymous_read"
                )
            }
            if bucketRoot != nil {
                throw PluginError(
                    "\(object.keyPath("credentials")): no credentials, but bucket_root needs signed requests"
                )
            }
        }
    }

    private static func credentials(
        _ object: ConfigObject
    ) throws(PluginError) -> ([String: String], [String: Identity], [String: (name: String, path: String)]) {
        guard let items = try object.array("credentials") else { return ([:], [:], [:]) }
        var out: [String: String] = [:]
        var identities: [String: Identity] = [:]
        var users: [String: (name: String, path: String)] = [:]
        for (index, item) in items.enumerated() {
            let path = "\(object.keyPath("credentials"))[\(index)]"
            guard case .object(let values) = item else {
                throw PluginError("\(path): expected an object with access_key and secret_key, found \(item.kind)")
            }
            let entry = ConfigObject(path: path, values: values)
            try entry.rejectUnknownKeys(["access_key", "secret_key", "uid", "gid", "groups", "user"])
            let access = try entry.requiredString("access_key")
            let secret = try entry.requiredString("secret_key")
            guard !access.isEmpty, access.utf8.count <= 128, !access.contains("/"), !access.contains(" ") else {
                throw PluginError("\(entry.keyPath("access_key")): expected 1 to 128 characters without '/' or spaces")
            }
            guard !secret.isEmpty else { throw PluginError("\(entry.keyPath("secret_key")): must not be empty") }
            guard out[access] == nil else {
                throw PluginError("\(entry.keyPath("access_key")): \"\(access)\" is listed twice")
            }
            out[access] = secret
            let identity = try identity(entry)
            if let user = try entry.string("user") {
                guard identity == nil, !entry.contains("groups") else {
                    throw PluginError("\(entry.keyPath("user")): expected either user or uid/gid/groups, found both")
                }
                guard !user.isEmpty else { throw PluginError("\(entry.keyPath("user")): must not be empty") }
                users[access] = (user, entry.keyPath("user"))
            }
            if let identity { identities[access] = identity }
        }
        return (out, identities, users)
    }

    /// Give each `user` key the uid, gid and groups the host's ID map has
    /// for that user; an unknown user stops the server with one line.
    mutating func resolveUsers(_ idmap: PluginIDMap?) throws(PluginError) {
        for (access, user) in users.sorted(by: { $0.key < $1.key }) {
            guard let idmap else {
                throw PluginError("\(user.path): the host has no ID map (ABI 1.1) to find user \"\(user.name)\" in")
            }
            guard let found = idmap.user(named: user.name) else {
                throw PluginError(
                    "\(user.path): expected a user of server.idmap.users or the host's passwd, found \"\(user.name)\""
                )
            }
            identities[access] = Identity(uid: found.uid, gid: found.gid, groups: found.groups)
        }
    }

    /// `uid` and `gid` come together or not at all; `groups` needs them.
    private static func identity(_ entry: ConfigObject) throws(PluginError) -> Identity? {
        let uid = try entry.integer("uid", in: 0...0xFFFF_FFFE)
        let gid = try entry.integer("gid", in: 0...0xFFFF_FFFE)
        let groupValues = try entry.array("groups")
        guard let uid, let gid else {
            if uid != nil || gid != nil {
                let missing = uid == nil ? "uid" : "gid"
                throw PluginError("\(entry.keyPath(missing)): expected with \(missing == "uid" ? "gid" : "uid"), missing")
            }
            if groupValues != nil {
                throw PluginError("\(entry.keyPath("groups")): expected only with uid and gid, which are missing")
            }
            return nil
        }
        var groups: [UInt32] = []
        for (index, value) in (groupValues ?? []).enumerated() {
            guard case .integer(let group) = value, (0...0xFFFF_FFFE).contains(group) else {
                throw PluginError(
                    "\(entry.keyPath("groups"))[\(index)]: expected a gid from 0 to 4294967294, found \(value.kind)"
                )
            }
            groups.append(UInt32(group))
        }
        guard groups.count <= Int(CHIMERA_NGROUPS_MAX) else {
            throw PluginError(
                "\(entry.keyPath("groups")): expected at most \(CHIMERA_NGROUPS_MAX) groups, found \(groups.count)"
            )
        }
        return Identity(uid: UInt32(uid), gid: UInt32(gid), groups: groups)
    }
}
