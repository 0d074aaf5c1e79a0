#if canImport(Glibc)
import Glibc
#endif
import ChimeraPluginKit
import ChimeraVFS
import FoundationEssentials

/// The server's JSON config (DESIGN.md "Configuration"), validated key by
/// key. Every problem is one line naming the file and the key.
public struct ServerConfig: Sendable {
    public struct ModuleEntry: Sendable {
        public var name: String
        /// The plugin file, resolved against the config's directory, or nil
        /// for `<plugin_dir>/chimera_vfs_<name>.so`.
        public var path: String?
        /// The module's own config, as JSON text.
        public var config: String
        public var cache: CacheOverrides?
    }

    public struct CacheOverrides: Sendable, Equatable {
        public var attributeMilliseconds: Int64?
        public var nameMilliseconds: Int64?
        public var negativeMilliseconds: Int64?
        public var readdirSnapshots: Bool?
    }

    public struct ProtocolEntry: Sendable {
        public var name: String
        public var path: String?
        /// The protocol's config object without host keys, as JSON text.
        public var config: String
        /// Ports the protocol's config names (validated for overlaps).
        public var ports: [(key: String, port: Int64)]
    }

    public struct MountEntry: Sendable {
        public var name: String
        public var module: String
        public var path: String
    }

    /// An SMB share: a name and the namespace path it serves.
    public struct ShareEntry: Sendable, Equatable {
        public var name: String
        public var path: String
    }

    public var file: String
    public var document: String
    public var threads: Int
    public var delegationThreads: Int
    public var pluginDirectory: String
    public var bindAddress: String
    public var metricsPort: Int?
    public var logLevel: String
    public var requestTimeoutMilliseconds: Int64
    public var modules: [ModuleEntry]
    public var protocols: [ProtocolEntry]
    public var mounts: [MountEntry]
    /// `server.idmap` with the host's passwd and group (ChimeraIDMap.swift).
    public var idmap = ChimeraIDMap()
    /// True when the config has no `server.protocols` and every installed
    /// front-end was started on its standard port, as the original did.
    public var protocolsDefaulted: Bool
    /// `shares`, each checked to lie in a mount; kept for the SMB front-end.
    public var shares: [ShareEntry]
    /// `server.rdma`: serve over RDMA too. There is no RDMA transport yet;
    /// `serve` warns when it is asked for and serves TCP only.
    public var rdma: Bool
    /// `server.smb_multichannel`: interfaces for the SMB front-end to
    /// advertise, validated here and kept until that front-end exists.
    public var smbMultichannel: [SMBChannel]
    /// `server.state`: the core's open state (leases, grace, records).
    public var state = StateConfiguration()

    static let serverKeys: Set<String> = [
        "threads", "delegation_threads", "plugin_dir", "bind_address", "metrics_port", "log_level", "vfs", "protocols",
        "request_timeout_ms", "rdma", "smb_multichannel", "idmap", "state",
    ]
    static let stateKeys: Set<String> = [
        "directory", "lease_seconds", "grace_seconds", "break_seconds", "lock_wait_seconds", "max_clients",
    ]
    static let topKeys: Set<String> = ["server", "mounts", "shares", "buckets"]
    static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    /// Read and validate `file`. `defaultPluginDirectory` is used when the
    /// config names none (the `lib/chimera` beside the executable).
    public static func load(file: String, defaultPluginDirectory: String) throws(ChimeraError) -> ServerConfig {
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw ChimeraError(.config, "\(file): cannot read the config file: \(Self.reason(error))")
        }
        return try parse(text: text, file: file, defaultPluginDirectory: defaultPluginDirectory)
    }

    static func reason(_ error: any Error) -> String {
        let text = "\(error)"
        if text.contains("NoSuchFile") || text.contains("No such file") || text.contains("fileNoSuchFile") {
            return "no such file"
        }
        if text.contains("Permission") || text.contains("NoPermission") { return "permission denied" }
        return text
    }

    public static func parse(text: String, file: String, defaultPluginDirectory: String) throws(ChimeraError)
        -> ServerConfig
    {
        do {
            return try parseChecked(text: text, file: file, defaultPluginDirectory: defaultPluginDirectory)
        } catch let error as ChimeraError {
            throw error
        } catch let error as PluginError {
            throw ChimeraError.config(file, error.message)
        } catch {
            throw ChimeraError.config(file, "\(error)")
        }
    }

    private static func parseChecked(text: String, file: String, defaultPluginDirectory: String) throws
        -> ServerConfig
    {
        let root = try ConfigObject(parsing: text, path: "")
        try root.rejectUnknownKeys(topKeys)
        guard let server = try root.object("server") else {
            throw PluginError("server: missing (expected an object)")
        }
        try server.rejectUnknownKeys(serverKeys)
        let directory = Self.directory(of: file)

        let threads = Int(try server.integer("threads", in: 1...256) ?? 2)
        let delegation = Int(try server.integer("delegation_threads", in: 1...1024) ?? 4)
        let pluginDirectory = try server.string("plugin_dir").map { resolve($0, against: directory) }
            ?? defaultPluginDirectory
        let bindAddress = try server.string("bind_address") ?? "127.0.0.1"
        let metricsPort = try server.integer("metrics_port", in: 1...65535).map(Int.init)
        let logLevel = try server.string("log_level") ?? "info"
        guard logLevels.contains(logLevel) else {
            throw PluginError("server.log_level: expected one of \(logLevels.joined(separator: ", ")), found \"\(logLevel)\"")
        }
        let timeout = try server.integer("request_timeout_ms", in: 100...86_400_000) ?? 30_000
        let rdma = try server.bool("rdma") ?? false
        var channels: [SMBChannel] = []
        for (i, value) in (try server.array("smb_multichannel") ?? []).enumerated() {
            channels.append(try SMBChannel.parse(value, key: server.keyPath("smb_multichannel") + "[\(i)]"))
        }

        var modules: [ModuleEntry] = []
        for (name, object) in try server.objects("vfs") {
            try checkPluginName(name, key: object.path)
            try object.rejectUnknownKeys(["path", "config", "cache"])
            let path = try object.string("path").map { resolve($0, against: directory) }
            let config = try moduleConfig(object, directory: directory)
            var cache: CacheOverrides?
            if let c = try object.object("cache") {
                try c.rejectUnknownKeys(["attr_ttl_ms", "name_ttl_ms", "negative_ttl_ms", "readdir_snapshots"])
                cache = CacheOverrides(
                    attributeMilliseconds: try c.integer("attr_ttl_ms", in: 0...86_400_000),
                    nameMilliseconds: try c.integer("name_ttl_ms", in: 0...86_400_000),
                    negativeMilliseconds: try c.integer("negative_ttl_ms", in: 0...86_400_000),
                    readdirSnapshots: try c.bool("readdir_snapshots"))
            }
            modules.append(ModuleEntry(name: name, path: path, config: config, cache: cache))
        }
        try checkEntryTypes(server, "vfs")

        var protocols: [ProtocolEntry] = []
        var portOwners: [Int64: String] = [:]
        for (name, object) in try server.objects("protocols") {
            try checkPluginName(name, key: object.path)
            let path = try object.string("path").map { resolve($0, against: directory) }
            var values = object.values
            values.removeValue(forKey: "path")
            // As for a defaulted S3 front-end: keys from the environment when
            // the section names none (the Docker image's config does this, so
            // it carries no well-known key pair).
            if name == "s3", values["credentials"] == nil, let credentials = defaultS3Credentials() {
                values["credentials"] = credentials
            }
            var ports: [(String, Int64)] = []
            for key in values.keys.sorted() where key == "port" || key.hasSuffix("_port") {
                guard let port = try object.integer(key, in: 0...65535) else { continue }
                if port == 0 { continue }
                let keyPath = object.keyPath(key)
                if let other = portOwners[port] {
                    throw PluginError("\(keyPath): port \(port) is already used by \(other)")
                }
                if let metricsPort, port == Int64(metricsPort) {
                    throw PluginError("\(keyPath): port \(port) is already used by server.metrics_port")
                }
                portOwners[port] = keyPath
                ports.append((keyPath, port))
            }
            protocols.append(
                ProtocolEntry(name: name, path: path, config: JSONValue.object(values).text, ports: ports))
        }
        try checkEntryTypes(server, "protocols")
        let protocolsDefaulted = !server.contains("protocols")
        if protocolsDefaulted {
            protocols = installedFrontEnds(in: pluginDirectory).filter { !configuredOnly.contains($0) }.map { name in
                let ports = standardPorts[name] ?? []
                var values = Dictionary(uniqueKeysWithValues: ports.map { ($0.key, JSONValue.integer($0.port)) })
                if name == "s3", let credentials = defaultS3Credentials() { values["credentials"] = credentials }
                let config = JSONValue.object(values)
                return ProtocolEntry(
                    name: name, path: nil, config: config.text,
                    ports: ports.filter { $0.port != 0 }.map { ("server.protocols.\(name).\($0.key)", $0.port) })
            }
        }

        var mounts: [MountEntry] = []
        for (name, object) in try root.objects("mounts") {
            try object.rejectUnknownKeys(["module", "path"])
            guard !name.isEmpty, !name.contains("/"), name != ".", name != "..", name.utf8.count <= 255 else {
                throw PluginError("\(object.path): a mount name must be one path component (1 to 255 bytes, no '/')")
            }
            let module = try object.requiredString("module")
            if !modules.contains(where: { $0.name == module }), let builtIn = builtInModules[module] {
                modules.append(ModuleEntry(name: module, path: nil, config: builtIn, cache: nil))
            }
            guard modules.contains(where: { $0.name == module }) else {
                let known = modules.map(\.name).joined(separator: ", ")
                throw PluginError(
                    "\(object.keyPath("module")): no module named \"\(module)\" under server.vfs (configured: \(known.isEmpty ? "none" : known))"
                )
            }
            let path = try object.string("path") ?? "/"
            guard path.hasPrefix("/") else {
                throw PluginError("\(object.keyPath("path")): expected an absolute path in the module, found \"\(path)\"")
            }
            mounts.append(MountEntry(name: name, module: module, path: path))
        }
        try checkEntryTypes(root, "mounts")
        try checkDuplicateMounts(mounts)
        // Shares and buckets belong to their front-ends; only their shape is
        // the host's business.
        for key in ["shares", "buckets"] {
            for (_, object) in try root.objects(key) {
                if let path = try object.string("path"), !path.hasPrefix("/") {
                    throw PluginError("\(object.keyPath("path")): expected a namespace path starting with '/', found \"\(path)\"")
                }
            }
            try checkEntryTypes(root, key)
        }
        var shares: [ShareEntry] = []
        for (name, object) in try root.objects("shares") {
            let path = try object.string("path") ?? "/\(name)"
            let first = path.split(separator: "/").first.map(String.init)
            guard let first, mounts.contains(where: { $0.name == first }) else {
                let known = mounts.map { "/" + $0.name }.sorted().joined(separator: ", ")
                throw PluginError(
                    "\(object.keyPath("path")): expected a path inside a mount (\(known.isEmpty ? "none" : known)), found \"\(path)\""
                )
            }
            shares.append(ShareEntry(name: name, path: path))
        }

        var config = ServerConfig(
            file: file, document: text, threads: threads, delegationThreads: delegation,
            pluginDirectory: pluginDirectory, bindAddress: bindAddress, metricsPort: metricsPort, logLevel: logLevel,
            requestTimeoutMilliseconds: timeout, modules: modules, protocols: protocols, mounts: mounts,
            protocolsDefaulted: protocolsDefaulted, shares: shares.sorted { $0.name < $1.name }, rdma: rdma, smbMultichannel: channels)
        config.idmap = try ChimeraIDMap.loadingHostFiles(try server.object("idmap"))
        if let state = try server.object("state") {
            try state.rejectUnknownKeys(stateKeys)
            config.state.directory = try state.string("directory").map { resolve($0, against: directory) }
            if let v = try state.integer("lease_seconds", in: 5...3600) { config.state.leaseSeconds = UInt32(v) }
            if let v = try state.integer("grace_seconds", in: 0...3600) { config.state.graceSeconds = UInt32(v) }
            if let v = try state.integer("break_seconds", in: 1...600) { config.state.breakSeconds = UInt32(v) }
            if let v = try state.integer("lock_wait_seconds", in: 1...3600) { config.state.lockWaitSeconds = UInt32(v) }
            if let v = try state.integer("max_clients", in: 1...1_000_000) { config.state.maxClients = Int(v) }
        }
        return config
    }

    /// Standard ports of the front-ends started when a config has no
    /// `server.protocols`: NFS on 2049 with MOUNT on 20048 and no portmapper
    /// (port 111 needs privileges and collides with rpcbind), S3 on 9000.
    /// Front-ends that serve nothing until their config names what to serve
    /// (FUSE's host mount points, virtio-fs's sockets): a config without
    /// `server.protocols` does not start them.
    static let configuredOnly: Set<String> = ["fuse", "virtiofs"]

    static let standardPorts: [String: [(key: String, port: Int64)]] = [
        "nfs": [("port", 2049), ("mount_port", 20048), ("portmap_port", 0)],
        "s3": [("port", 9000)],
    ]

    /// A defaulted S3 front-end has no config to carry keys, and signed
    /// requests need one: it takes CHIMERA_S3_ACCESS_KEY and
    /// CHIMERA_S3_SECRET_KEY from the environment when both are set (never a
    /// built-in key pair, which would be a well-known password). So does an
    /// explicit `protocols.s3` section without `credentials`.
    static func defaultS3Credentials() -> JSONValue? {
        guard let access = getenv("CHIMERA_S3_ACCESS_KEY"), let secret = getenv("CHIMERA_S3_SECRET_KEY") else {
            return nil
        }
        return .array([
            .object(["access_key": .string(String(cString: access)), "secret_key": .string(String(cString: secret))])
        ])
    }

    /// The front-ends installed in `directory` (`chimera_proto_<name>.so`).
    static func installedFrontEnds(in directory: String) -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let file = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard file.hasPrefix("chimera_proto_"), file.hasSuffix(".so") else { continue }
            let name = String(file.dropFirst("chimera_proto_".count).dropLast(".so".count))
            if (try? checkPluginName(name, key: "")) != nil { names.append(name) }
        }
        return names.sorted()
    }

    /// Modules a mount may name without declaring them under `server.vfs`,
    /// as the original Chimera allowed, with the config they then get.
    /// linux and io_uring serve host paths (root "/"), so a mount's `path`
    /// is the host directory; their handle key stays the backend's default
    /// (`/var/lib/chimera/handle-keys/`).
    static let builtInModules: [String: String] = [
        "memfs": "{}", "linux": #"{"root":"/"}"#, "io_uring": #"{"root":"/"}"#,
    ]

    /// A module's `config`: an object, or (as the original allowed) the path
    /// of a JSON file read relative to the config's directory. Errors about
    /// the file name both it and the key.
    static func moduleConfig(_ object: ConfigObject, directory: String) throws -> String {
        guard case .string(let name)? = object.values["config"] else {
            return try object.object("config").map { JSONValue.object($0.values).text } ?? "{}"
        }
        let key = object.keyPath("config")
        let file = resolve(name, against: directory)
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw PluginError("\(key): cannot read \(file): \(Self.reason(error))")
        }
        let value: JSONValue
        do {
            value = try JSONValue.parse(text)
        } catch {
            throw PluginError("\(key): \(file): \(error.message)")
        }
        guard case .object = value else {
            throw PluginError("\(key): \(file): expected an object, found \(value.kind)")
        }
        return value.text
    }

    /// Each member of an object of objects must itself be an object.
    static func checkEntryTypes(_ parent: ConfigObject, _ key: String) throws {
        guard let object = try parent.object(key) else { return }
        for (name, value) in object.values {
            guard case .object = value else {
                throw PluginError("\(object.keyPath(name)): expected an object, found \(value.kind)")
            }
        }
    }

    static func checkPluginName(_ name: String, key: String) throws {
        let allowed = name.utf8.allSatisfy { c in
            (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x5F || c == 0x2D
        }
        guard !name.isEmpty, allowed else {
            throw PluginError("\(key): a plugin name is lower-case letters, digits, '_' or '-'")
        }
    }

    /// Two mounts of one module at the same path, or one inside the other,
    /// would give the same objects two sets of handles whose caches do not
    /// see each other's changes; refuse it.
    static func checkDuplicateMounts(_ mounts: [MountEntry]) throws {
        var seen: [(module: String, path: String, name: String)] = []
        for mount in mounts {
            let path = normalized(mount.path)
            for other in seen where other.module == mount.module {
                if other.path == path {
                    throw PluginError(
                        "mounts.\(mount.name).path: module \"\(mount.module)\" path \"\(mount.path)\" is already mounted as mounts.\(other.name)"
                    )
                }
                if Self.contains(other.path, path) || Self.contains(path, other.path) {
                    throw PluginError(
                        "mounts.\(mount.name).path: module \"\(mount.module)\" path \"\(mount.path)\" overlaps mounts.\(other.name) (\"\(other.path)\"); mount one of them only"
                    )
                }
            }
            seen.append((mount.module, path, mount.name))
        }
    }

    /// Whether normalized path `outer` contains `inner`.
    static func contains(_ outer: String, _ inner: String) -> Bool {
        outer == "/" || inner.hasPrefix(outer + "/")
    }

    static func normalized(_ path: String) -> String {
        "/" + path.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
    }

    static func directory(of file: String) -> String {
        guard let slash = file.lastIndex(of: "/") else { return "." }
        return file[..<slash].isEmpty ? "/" : String(file[..<slash])
    }

    static func resolve(_ path: String, against directory: String) -> String {
        path.hasPrefix("/") ? path : directory + "/" + path
    }

    /// The plugin file for a module or protocol.
    public func pluginPath(kind: String, name: String, explicit: String?) -> String {
        explicit ?? "\(pluginDirectory)/chimera_\(kind)_\(name).so"
    }
}
