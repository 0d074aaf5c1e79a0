import CChimera
import ChimeraPluginKit

/// The core's open-state clients as this plugin uses them (`chimera_vfs_api.client_create` ... `in_grace`,
/// ABI 1.2, `include/chimera_host.h`). A host older than 1.2, or one whose core has not filled them yet,
/// leaves them out or NULL: every call then answers "not supported", and NLM denies locks cleanly.
struct CoreClients: @unchecked Sendable {
    let host: UnsafePointer<chimera_host>
    let api: UnsafePointer<chimera_vfs_api>

    init(vfs: FrontEndVFS) {
        host = vfs.host
        api = vfs.api
    }

    /// Whether the host's `chimera_vfs_api` reaches the field at `offset` (structs grow by appending).
    private func reaches(_ offset: Int?) -> Bool {
        guard let offset else { return false }
        return Int(api.pointee.struct_size) >= offset + MemoryLayout<UnsafeRawPointer>.size
    }

    var isAvailable: Bool {
        reaches(MemoryLayout<chimera_vfs_api>.offset(of: \chimera_vfs_api.client_create))
            && api.pointee.client_create != nil
    }

    /// A recorded client named `name` (NLM's caller name), its lease breaks on loop `thread`.
    func create(name: [UInt8], thread: UInt32) -> Result<UInt64, CoreClientError> {
        guard isAvailable, let create = api.pointee.client_create else {
            return .failure(CoreClientError(status: .notSupported))
        }
        guard !name.isEmpty, name.count <= Int(CHIMERA_VFS_CLIENT_NAME_MAX) else {
            return .failure(CoreClientError(status: .invalid))
        }
        var id: UInt64 = 0
        let status = name.withUnsafeBufferPointer { bytes -> Int32 in
            var config = chimera_vfs_client_config()
            config.struct_size = UInt32(MemoryLayout<chimera_vfs_client_config>.size)
            config.flags = CHIMERA_VFS_CLIENT_RECORD
            config.name = bytes.baseAddress
            config.name_len = UInt32(bytes.count)
            config.thread_index = thread
            config.client_private = nil
            return create(host, &config, &id)
        }
        guard status == CHIMERA_OK, id != 0 else {
            return .failure(CoreClientError(status: VFSStatus(rawValue: status == CHIMERA_OK ? CHIMERA_IO : status)))
        }
        return .success(id)
    }

    func release(_ client: UInt64) {
        guard reaches(MemoryLayout<chimera_vfs_api>.offset(of: \chimera_vfs_api.client_release)),
            let release = api.pointee.client_release
        else { return }
        release(host, client)
    }

    /// Whether the core's grace period after a restart lasts (false when the host cannot say).
    var inGrace: Bool {
        guard reaches(MemoryLayout<chimera_vfs_api>.offset(of: \chimera_vfs_api.in_grace)),
            let inGrace = api.pointee.in_grace
        else { return false }
        return inGrace(host) != 0
    }

    /// The names of the clients this front-end recorded in the previous run.
    func recorded() -> [[UInt8]] {
        guard reaches(MemoryLayout<chimera_vfs_api>.offset(of: \chimera_vfs_api.clients_recorded)),
            let list = api.pointee.clients_recorded
        else { return [] }
        let box = NameCollector()
        let context = Unmanaged.passUnretained(box).toOpaque()
        list(
            host,
            { arg, name, length in
                guard let arg, let name else { return }
                let collector = Unmanaged<NameCollector>.fromOpaque(arg).takeUnretainedValue()
                collector.names.append(Array(UnsafeBufferPointer(start: name, count: Int(length))))
            },
            context
        )
        return box.names
    }

    private final class NameCollector {
        var names: [[UInt8]] = []
    }
}

/// A core client the host would not make, with the core's status.
struct CoreClientError: Error, CustomStringConvertible {
    var status: VFSStatus
    var description: String { "\(status)" }
}
