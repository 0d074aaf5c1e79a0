import ChimeraPluginKit

/// The module's `config` object:
///
/// ```json
/// {"size_limit": 1073741824, "max_files": 1000000}
/// ```
///
/// Both keys are optional. `size_limit` bounds file, xattr and key-value
/// bytes held (writes and creates beyond it get NOSPC; FSSTAT reports it;
/// half the machine's memory when absent);
/// `max_files` bounds the number of objects. Unknown keys and wrong types
/// are refused with one line naming the key.
struct MemFSConfig: Sendable, Equatable {
    var sizeLimit: Int64?
    var maxFiles: Int64?

    static let keys: Set<String> = ["size_limit", "max_files"]

    init(sizeLimit: Int64? = nil, maxFiles: Int64? = nil) {
        self.sizeLimit = sizeLimit
        self.maxFiles = maxFiles
    }

    init(parsing text: String) throws(PluginError) {
        let object = try ConfigObject(parsing: text, path: "config")
        try object.rejectUnknownKeys(Self.keys)
        sizeLimit = try object.integer("size_limit", in: 4096...Int64.max)
        maxFiles = try object.integer("max_files", in: 1...(Int64(1) << 48))
    }
}
