import CChimera

/// Loads plugin files and checks them against the ABI this host speaks.
///
/// The rules (chimera_common.h): the entry function must exist, the
/// plugin's ABI major must equal the host's and its minor must not be newer,
/// and the struct it returns must be at least as large as the 1.0 struct.
/// A refusal is one line naming the file and both versions.
public enum PluginLoader {
    public enum Kind: String, Sendable {
        case vfs
        case proto

        var symbol: String {
            switch self {
            case .vfs: CHIMERA_VFS_MODULE_SYMBOL
            case .proto: CHIMERA_PROTOCOL_MODULE_SYMBOL
            }
        }

        var hostMajor: UInt32 {
            switch self {
            case .vfs: UInt32(CHIMERA_VFS_ABI_MAJOR)
            case .proto: UInt32(CHIMERA_PROTOCOL_ABI_MAJOR)
            }
        }

        var hostMinor: UInt32 {
            switch self {
            case .vfs: UInt32(CHIMERA_VFS_ABI_MINOR)
            case .proto: UInt32(CHIMERA_PROTOCOL_ABI_MINOR)
            }
        }

        /// The size of the 1.0 struct, below which fields we call are
        /// missing.
        var minimumStructSize: Int {
            switch self {
            case .vfs: MemoryLayout<chimera_vfs_module>.size
            case .proto: MemoryLayout<chimera_protocol_module>.size
            }
        }

        var noun: String { self == .vfs ? "VFS module" : "protocol plugin" }
    }

    /// The fields every plugin struct starts with.
    struct Header {
        var major: UInt32
        var minor: UInt32
        var size: UInt32
    }

    /// `warn` hears about a plugin that loads but may not behave as its
    /// author meant (today: a struct larger than any minor this host knows).
    static func open(_ path: String, kind: Kind, key: String, warn: (String) -> Void) throws(ChimeraError)
        -> UnsafeRawPointer
    {
        let object: SharedObject
        switch SharedObject.open(path) {
        case .success(let o):
            object = o
        case .failure(.missing):
            throw ChimeraError(.config, "\(key): \(kind.noun) file not found: \(path)")
        case .failure(.unreadable(let reason)):
            throw ChimeraError(.config, "\(key): cannot read \(kind.noun) \(path): \(reason)")
        case .failure(.notLoadable(let reason)):
            throw ChimeraError(.config, "\(key): \(path) is not a loadable shared object: \(reason)")
        }
        guard let entry = object.symbol(kind.symbol) else {
            throw ChimeraError(
                .config, "\(key): \(path) does not export the entry function \(kind.symbol)() (is it a Chimera \(kind.noun)?)")
        }
        typealias Entry = @convention(c) () -> UnsafeRawPointer?
        let function = unsafeBitCast(entry, to: Entry.self)
        guard let structure = function() else {
            throw ChimeraError(.config, "\(key): \(path): \(kind.symbol)() returned NULL")
        }
        let header = Header(
            major: structure.load(fromByteOffset: 0, as: UInt32.self),
            minor: structure.load(fromByteOffset: 4, as: UInt32.self),
            size: structure.load(fromByteOffset: 8, as: UInt32.self))
        let host = "\(kind.hostMajor).\(kind.hostMinor)"
        let plugin = "\(header.major).\(header.minor)"
        guard header.major == kind.hostMajor else {
            throw ChimeraError(
                .config, "\(key): \(path) was built for \(kind.noun) ABI \(plugin); this host speaks ABI \(host) (major versions differ)")
        }
        guard header.minor <= kind.hostMinor else {
            throw ChimeraError(
                .config, "\(key): \(path) needs \(kind.noun) ABI \(plugin); this host speaks ABI \(host) (upgrade the host)")
        }
        guard Int(header.size) >= kind.minimumStructSize else {
            throw ChimeraError(
                .config,
                "\(key): \(path) declares a \(kind.noun) struct of \(header.size) bytes; ABI \(plugin) needs at least \(kind.minimumStructSize)"
            )
        }
        if Int(header.size) > kind.minimumStructSize {
            // Fields past the host's struct belong to a minor it does not
            // know; it never reads them, so whatever they ask for is ignored.
            warn(
                "\(key): \(path) declares a \(kind.noun) struct of \(header.size) bytes, larger than any ABI \(kind.hostMajor).x minor this host knows (\(kind.minimumStructSize) bytes at ABI \(host)); the extra fields are ignored"
            )
        }
        return structure
    }

    /// Load a VFS module and check its required functions.
    public static func loadModule(path: String, key: String, warn: (String) -> Void = { _ in }) throws(ChimeraError)
        -> UnsafePointer<chimera_vfs_module>
    {
        let raw = try open(path, kind: .vfs, key: key, warn: warn)
        let module = raw.assumingMemoryBound(to: chimera_vfs_module.self)
        guard module.pointee.`init` != nil, module.pointee.dispatch != nil else {
            throw ChimeraError(.config, "\(key): \(path): the module has no init or dispatch function")
        }
        return module
    }

    /// Load a protocol plugin and check its required functions.
    public static func loadProtocol(path: String, key: String, warn: (String) -> Void = { _ in }) throws(ChimeraError)
        -> UnsafePointer<chimera_protocol_module>
    {
        let raw = try open(path, kind: .proto, key: key, warn: warn)
        let plugin = raw.assumingMemoryBound(to: chimera_protocol_module.self)
        guard plugin.pointee.`init` != nil, plugin.pointee.connection_opened != nil,
            plugin.pointee.connection_message != nil, plugin.pointee.connection_closed != nil
        else {
            throw ChimeraError(.config, "\(key): \(path): the plugin lacks init or a connection callback")
        }
        return plugin
    }
}
