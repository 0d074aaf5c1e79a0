import ChimeraPluginKit
import ONCRPC

/// `server.protocols.nfs`, validated key by key (`chimera check` runs this through the plugin's init):
///
/// ```json
/// "nfs": {
///   "port": 2049, "mount_port": 20048, "portmap_port": 111,
///   "exports": [{"path": "/memfs", "clients": ["127.0.0.1/32", "::1/128"], "access": "rw",
///                "squash": "root", "anonuid": 65534, "anongid": 65534}]
/// }
/// ```
///
/// - `port`: NFSv3 (default 2049).
/// - `mount_port`: MOUNT v3 (default 20048); 0 serves MOUNT on the NFS port only (calls are routed by program
///   number, so one port can carry both; the host refuses two keys naming the same port).
/// - `portmap_port`: the portmapper, v2 (default 111); 0 turns it off.
/// - `nlm`: serve NLM v4 and NSM v1 (RFC 1813 Appendix II) on the NFS port, registered with the portmapper
///   (default true). Locks live in the core's open state; NSM's state number and the hosts to notify after a
///   restart are kept under `server.state.directory`.
/// - `nlm_callback_portmap_port`: the port of a client's portmapper, asked where its lock manager and status
///   monitor listen for GRANTED and SM_NOTIFY (default 111; tests move it).
/// - `exports`: when absent, every mount is exported read-write to loopback clients without squashing; an
///   empty list exports nothing. In an entry, `clients` defaults to loopback, `access` to "rw", `squash` to
///   "root" (exports(5)'s default), `anonuid`/`anongid` to 65534.
struct NFSConfig: Sendable {
    var port: UInt16 = 2049
    /// 0: MOUNT is served on `port`.
    var mountPort: UInt16 = 20048
    /// 0: no portmapper.
    var portmapPort: UInt16 = 111
    var exports: [ExportRule] = []
    /// The namespace's mounts (`mounts` in the document), in name order.
    var mountNames: [String] = []
    var nlm = true
    var nlmCallbackPortmapPort: UInt16 = 111
    /// `server.state.directory`, where NSM keeps its state number and hosts.
    var stateDirectory: String?
    /// `server.bind_address`: the name SM_NOTIFY gives for this server.
    var bindAddress: String?

    static let keys: Set<String> = ["port", "mount_port", "portmap_port", "exports", "nlm", "nlm_callback_portmap_port"]
    static let exportKeys: Set<String> = ["path", "clients", "access", "squash", "anonuid", "anongid"]

    static func parse(_ config: ProtocolPluginConfig) throws(PluginError) -> NFSConfig {
        let object = try ConfigObject(parsing: config.config, path: "server.protocols.nfs")
        try object.rejectUnknownKeys(keys)
        let document = try ConfigObject(parsing: config.document, path: "")
        var parsed = NFSConfig()
        parsed.mountNames = (try document.object("mounts"))?.values.keys.sorted() ?? []
        if let port = try object.integer("port", in: 1...65535) { parsed.port = UInt16(port) }
        if let port = try object.integer("mount_port", in: 0...65535) { parsed.mountPort = UInt16(port) }
        if let port = try object.integer("portmap_port", in: 0...65535) { parsed.portmapPort = UInt16(port) }
        if parsed.mountPort == parsed.port { parsed.mountPort = 0 }
        if let nlm = try object.bool("nlm") { parsed.nlm = nlm }
        if let port = try object.integer("nlm_callback_portmap_port", in: 1...65535) {
            parsed.nlmCallbackPortmapPort = UInt16(port)
        }
        let server = try document.object("server")
        parsed.bindAddress = try server?.string("bind_address")
        if let directory = try server?.object("state")?.string("directory") {
            // As the host resolves it: relative to the config file's directory.
            let base = config.path.split(separator: "/", omittingEmptySubsequences: false).dropLast()
                .joined(separator: "/")
            parsed.stateDirectory = directory.hasPrefix("/") || base.isEmpty ? directory : base + "/" + directory
        }
        if let entries = try object.array("exports") {
            for (index, entry) in entries.enumerated() {
                let key = object.keyPath("exports") + "[\(index)]"
                guard case .object(let values) = entry else {
                    throw PluginError("\(key): expected an object, found \(entry.kind)")
                }
                parsed.exports.append(
                    try exportRule(ConfigObject(path: key, values: values), mounts: parsed.mountNames)
                )
            }
        } else {
            parsed.exports = parsed.mountNames.map { name in
                ExportRule(
                    path: "/" + name,
                    mountName: name,
                    clients: ClientRange.loopback,
                    readOnly: false,
                    squash: RPCSquashPolicy(mode: .none)
                )
            }
        }
        return parsed
    }

    static func exportRule(_ object: ConfigObject, mounts: [String]) throws(PluginError) -> ExportRule {
        try object.rejectUnknownKeys(exportKeys)
        let written = try object.requiredString("path")
        guard let path = ExportRule.normalize(written) else {
            throw PluginError(
                "\(object.keyPath("path")): expected an absolute namespace path without \".\" or \"..\" "
                    + "components, found \"\(written)\""
            )
        }
        var mountName: String?
        if path != "/" {
            let first = String(path.dropFirst().prefix { $0 != "/" })
            guard mounts.contains(first) else {
                let known = mounts.isEmpty ? "none" : mounts.joined(separator: ", ")
                throw PluginError(
                    "\(object.keyPath("path")): \"\(path)\" is not in a mount (configured mounts: \(known))"
                )
            }
            mountName = first
        }
        var clients = ClientRange.loopback
        if let listed = try object.strings("clients") {
            clients = []
            for (index, text) in listed.enumerated() {
                guard let range = ClientRange(parsing: text) else {
                    throw PluginError(
                        "\(object.keyPath("clients"))[\(index)]: expected an IP address, a CIDR block or \"*\", "
                            + "found \"\(text)\""
                    )
                }
                clients.append(range)
            }
        }
        let access = try object.string("access") ?? "rw"
        guard access == "rw" || access == "ro" else {
            throw PluginError("\(object.keyPath("access")): expected \"rw\" or \"ro\", found \"\(access)\"")
        }
        let squashText = try object.string("squash") ?? "root"
        let mode: RPCSquashPolicy.Mode
        switch squashText {
        case "root": mode = .root
        case "all": mode = .all
        case "none": mode = .none
        default:
            throw PluginError(
                "\(object.keyPath("squash")): expected \"root\", \"all\" or \"none\", found \"\(squashText)\""
            )
        }
        let uid = try object.integer("anonuid", in: 0...4_294_967_295) ?? 65534
        let gid = try object.integer("anongid", in: 0...4_294_967_295) ?? 65534
        return ExportRule(
            path: path,
            mountName: mountName,
            clients: clients,
            readOnly: access == "ro",
            squash: RPCSquashPolicy(mode: mode, anonymousUID: UInt32(uid), anonymousGID: UInt32(gid))
        )
    }
}
