import ChimeraPluginKit
import FUSE
import Glibc

/// `server.protocols.fuse`, validated key by key:
///
/// ```json
/// "fuse": {
///   "mounts": {"/mnt/chimera": {"path": "/memfs", "allow_other": true, "default_permissions": false}},
///   "max_write": 1048576, "entry_timeout_ms": 1000, "attr_timeout_ms": 1000, "max_in_flight": 32
/// }
/// ```
///
/// - `mounts`: host directory (absolute, existing) → what to serve there. `path` is a namespace path
///   (default "/"); `allow_other` lets users other than root use the mount (default true); with
///   `default_permissions` the kernel checks mode bits itself before asking (default false: the core decides).
/// - `max_write`: largest WRITE the kernel sends (4 KiB to 1 MiB, default 1 MiB).
/// - `entry_timeout_ms`, `attr_timeout_ms`: how long the kernel caches names and attributes (default 1000).
/// - `max_in_flight`: requests read from the device and not yet answered, per mount (default 32); each holds a
///   buffer of max_write + 4 KiB.
struct FUSEPluginConfig: Sendable {
    struct Mount: Sendable, Equatable {
        var mountPoint: String
        var path: String
        var allowOther: Bool
        var defaultPermissions: Bool
    }

    var mounts: [Mount] = []
    var maxWrite: UInt32 = 1 << 20
    var entryTimeoutMilliseconds: UInt64 = 1000
    var attrTimeoutMilliseconds: UInt64 = 1000
    var maxInFlight = 32

    static let keys: Set<String> = ["mounts", "max_write", "entry_timeout_ms", "attr_timeout_ms", "max_in_flight"]
    static let mountKeys: Set<String> = ["path", "allow_other", "default_permissions"]

    static func parse(_ config: ProtocolPluginConfig) throws(PluginError) -> FUSEPluginConfig {
        let object = try ConfigObject(parsing: config.config, path: "server.protocols.fuse")
        try object.rejectUnknownKeys(keys)
        var parsed = FUSEPluginConfig()
        if let n = try object.integer("max_write", in: 4096...(1 << 20)) { parsed.maxWrite = UInt32(n) }
        if let n = try object.integer("entry_timeout_ms", in: 0...86_400_000) { parsed.entryTimeoutMilliseconds = UInt64(n) }
        if let n = try object.integer("attr_timeout_ms", in: 0...86_400_000) { parsed.attrTimeoutMilliseconds = UInt64(n) }
        if let n = try object.integer("max_in_flight", in: 1...1024) { parsed.maxInFlight = Int(n) }
        if object.contains("mounts"), try object.object("mounts") == nil {
            throw PluginError("\(object.keyPath("mounts")): expected an object of host directory → mount")
        }
        for (mountPoint, mount) in try object.objects("mounts") {
            let key = object.keyPath("mounts") + ".\"\(mountPoint)\""
            guard mountPoint.hasPrefix("/") else {
                throw PluginError("\(key): expected an absolute host directory, found \"\(mountPoint)\"")
            }
            var st = stat()
            if stat(mountPoint, &st) == 0 {
                guard st.st_mode & S_IFMT == S_IFDIR else { throw PluginError("\(key): not a directory") }
            } else if errno != ENOTCONN {
                // ENOTCONN: a FUSE mount whose server died (ours, before a crash); it is detached before mounting.
                throw PluginError("\(key): the host directory does not exist (\(String(cString: strerror(errno))))")
            }
            try mount.rejectUnknownKeys(mountKeys)
            let path = try mount.string("path") ?? "/"
            guard path.hasPrefix("/") else {
                throw PluginError("\(mount.keyPath("path")): expected a namespace path starting with '/', found \"\(path)\"")
            }
            parsed.mounts.append(
                Mount(
                    mountPoint: mountPoint, path: path, allowOther: try mount.bool("allow_other") ?? true,
                    defaultPermissions: try mount.bool("default_permissions") ?? false))
        }
        return parsed
    }

    func sessionConfiguration() -> FUSESession.Configuration {
        var c = FUSESession.Configuration()
        c.policy = FUSEInitPolicy(maxWrite: maxWrite)
        c.entryTimeoutMilliseconds = entryTimeoutMilliseconds
        c.attrTimeoutMilliseconds = attrTimeoutMilliseconds
        return c
    }
}
