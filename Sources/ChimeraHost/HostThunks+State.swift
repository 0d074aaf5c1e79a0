import CChimera
import ChimeraPluginKit
import ChimeraVFS
import Logging

/// A front-end's clients learn of lease breaks through its
/// `lease_break`, on the client's loop.
final class PluginStateOwner: StateClientOwner, @unchecked Sendable {
    let instance: ProtocolInstance

    init(instance: ProtocolInstance) {
        self.instance = instance
    }

    /// The plugin was built with lease_break (protocol ABI 1.2).
    var canBreak: Bool {
        let plugin = instance.plugin.pointee
        let end = MemoryLayout<chimera_protocol_module>.offset(of: \.lease_break)! + MemoryLayout<UnsafeRawPointer>.size
        return plugin.abi_minor >= 2 && Int(plugin.struct_size) >= end && plugin.lease_break != nil
    }

    func leaseBreak(_ notice: LeaseBreak) {
        guard canBreak, let lease_break = instance.plugin.pointee.lease_break else {
            instance.context.logger.warning(
                "a lease break for a front-end without lease_break: the lease is revoked at the break timeout",
                metadata: ["vfs.lease": "\(notice.lease)"])
            return
        }
        withUnsafeTemporaryAllocation(of: chimera_vfs_lease_break.self, capacity: 1) { buffer in
            let pointer = buffer.baseAddress!
            notice.write(to: pointer)
            lease_break(instance.protocolPrivate, pointer)
        }
    }
}

extension HostThunks {
    /// chimera_vfs_api's open-state calls (chimera_host.h, ABI 1.2).
    static func installState(_ api: inout chimera_vfs_api) {
        api.client_create = { host, config, client in
            guard let context = PluginContext.from(host), let core = context.runtime.core,
                let instance = context.protocolInstance, let config, let client
            else { return CHIMERA_INVAL }
            let c = config.pointee
            guard c.struct_size >= UInt32(MemoryLayout<chimera_vfs_client_config>.size), let name = c.name,
                c.name_len > 0, c.name_len <= UInt32(CHIMERA_VFS_CLIENT_NAME_MAX)
            else { return CHIMERA_INVAL }
            let spec = StateClientSpec(
                scope: context.name, name: Array(UnsafeBufferPointer(start: name, count: Int(c.name_len))),
                thread: c.thread_index, clientPrivate: UInt(bitPattern: c.client_private),
                expires: c.flags & CHIMERA_VFS_CLIENT_EXPIRES != 0, recorded: c.flags & CHIMERA_VFS_CLIENT_RECORD != 0)
            switch core.createClient(spec, owner: PluginStateOwner(instance: instance)) {
            case .success(let id):
                client.pointee = id
                return CHIMERA_OK
            case .failure(let status):
                return status.rawValue
            }
        }
        api.client_renew = { host, client in
            guard let context = PluginContext.from(host), let core = context.runtime.core else { return CHIMERA_INVAL }
            return core.renewClient(client).rawValue
        }
        api.client_release = { host, client in
            guard let context = PluginContext.from(host), let core = context.runtime.core else { return }
            core.releaseClient(client)
        }
        api.client_reclaim_complete = { host, client in
            guard let context = PluginContext.from(host), let core = context.runtime.core else { return CHIMERA_INVAL }
            return core.reclaimComplete(client).rawValue
        }
        api.clients_recorded = { host, fn, arg in
            guard let context = PluginContext.from(host), let core = context.runtime.core, let fn else { return }
            for name in core.recordedClients(scope: context.name) {
                name.withUnsafeBufferPointer { fn(arg, $0.baseAddress, UInt32($0.count)) }
            }
        }
        api.lease_seconds = { host in
            guard let context = PluginContext.from(host), let core = context.runtime.core else { return 0 }
            return core.leaseSeconds
        }
        api.in_grace = { host in
            guard let context = PluginContext.from(host), let core = context.runtime.core else { return 0 }
            return core.inGrace ? 1 : 0
        }
    }

    /// chimera_host.break_leases, for modules.
    static func installStateUpcalls(_ host: inout chimera_host) {
        host.break_leases = { host, fh, length, keep in
            guard let context = PluginContext.from(host), let module = context.module, let core = context.runtime.core,
                let fh, length > 0, length <= UInt32(CHIMERA_MODULE_FH_MAX)
            else { return }
            let handle = Array(UnsafeBufferPointer(start: fh, count: Int(length)))
            core.invalidate(module: module, moduleHandle: UnsafeRawBufferPointer(start: fh, count: Int(length)))
            core.breakLeases(module: module, handle: handle, keeping: keep)
        }
    }
}
