import ChimeraPluginKit

/// The module config of the linux and io_uring modules:
///
///     {
///       "root": "/srv/export",              required: the directory served
///       "handle_key_file": "/path/key",     where the handle MAC key lives
///                                           (default: see HandleSecret)
///       "handles": "auto",                  "auto" | "kernel" | "inode"
///       "descriptor_cache": 4096            O_PATH fds kept open by handle
///     }
///
/// Strict: unknown keys and wrong types are refused with one line naming
/// the key.
struct PosixConfig {
    enum Handles: String {
        case auto, kernel, inode
    }

    var root: String
    var handleKeyFile: String?
    var handles: Handles = .auto
    var descriptorCache = 4096

    static let keys: Set<String> = ["root", "handle_key_file", "handles", "descriptor_cache"]

    init(parsing text: String) throws(PluginError) {
        let object = try ConfigObject(parsing: text, path: "")
        try object.rejectUnknownKeys(Self.keys)
        root = try object.requiredString("root")
        guard root.hasPrefix("/") else { throw PluginError("root: expected an absolute path, found \"\(root)\"") }
        if let key = try object.string("handle_key_file") {
            guard key.hasPrefix("/") else {
                throw PluginError("handle_key_file: expected an absolute path, found \"\(key)\"")
            }
            handleKeyFile = key
        }
        if let mode = try object.string("handles") {
            guard let parsed = Handles(rawValue: mode) else {
                throw PluginError("handles: expected \"auto\", \"kernel\" or \"inode\", found \"\(mode)\"")
            }
            handles = parsed
        }
        if let size = try object.integer("descriptor_cache", in: 1...1_000_000) {
            descriptorCache = Int(size)
        }
    }
}
