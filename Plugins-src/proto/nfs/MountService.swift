import CChimera
import ChimeraPluginKit
import NFS3
import ONCRPC
import Synchronization
import XDR

/// MOUNT v3 (RFC 1813 Appendix I): MNT hands out the handle of an exported namespace path to clients the
/// export admits; DUMP, UMNT and UMNTALL keep the advisory list of who mounted what; EXPORT lists the
/// exports with their client lists.
enum MountService {
    static func handle(_ call: RPCCall, procedure: MOUNT3Program.V3.Procedure, credentials: RPCCredentials) {
        let arguments: MOUNT3Arguments
        do {
            var reader = try call.argumentsReader()
            guard let decoded = try MOUNT3Arguments(procedure: procedure, from: &reader) else {
                call.reject(.procedureUnavailable)
                return
            }
            arguments = decoded
        } catch {
            call.reject(.garbageArguments)
            return
        }
        guard let connection = call.connection else { return call.finish() }
        switch arguments {
        case .null:
            call.replySuccess(XDRVoid())
        case .mnt(let path):
            mount(call, connection, path: path.makeString())
        case .dump:
            let entries = call.server.mountList.withLock { $0 }
            call.replySuccess(MountList(entries: entries.map { (Array($0.client.utf8), Array($0.path.utf8)) }))
        case .umnt(let path):
            call.server.removeMount(client: connection.clientText, path: ExportRule.normalize(path.makeString()))
            call.replySuccess(XDRVoid())
        case .umntall:
            call.server.removeMount(client: connection.clientText, path: nil)
            call.replySuccess(XDRVoid())
        case .export:
            call.replySuccess(ExportList(exports: call.server.config.exports))
        }
    }

    /// MNT: the export admitting this client at or above `written` decides; the path is resolved through
    /// the namespace and its handle returned with AUTH_SYS as the flavor to use.
    static func mount(_ call: RPCCall, _ connection: RPCConnection, path written: String) {
        let server = call.server
        guard let path = ExportRule.normalize(written) else { return reply(call, .noent) }
        let candidates = server.config.exports.filter { $0.contains(path: path) }
        guard !candidates.isEmpty else {
            server.host.log(.info, "MNT \(path) from \(connection.clientText): not exported")
            return reply(call, .noent)
        }
        guard candidates.contains(where: { $0.admits(connection.client) }) else {
            server.metrics.exportDenied.record(1)
            server.host.log(.info, "MNT \(path) from \(connection.clientText): client not admitted")
            return reply(call, .acces)
        }
        let loop = call.loop
        PathLookup.start(path: path, loop: loop) { status, handle in
            guard status == .ok else {
                let mapped: MOUNT3Mountstat
                switch status {
                case .noEntry: mapped = .noent
                case .notDirectory: mapped = .notdir
                case .access, .permission: mapped = .acces
                case .nameTooLong: mapped = .nametoolong
                case .invalid: mapped = .inval
                default: mapped = .serverfault
                }
                return reply(call, mapped)
            }
            if let id = MountIDWords(handle: handle), !id.isRoot,
                let name = path.split(separator: "/").first.map(String.init),
                let index = server.config.mountNames.firstIndex(of: name)
            {
                loop.learn(mount: index, id: id)
            }
            server.recordMount(client: connection.clientText, path: path)
            call.replySuccess(
                MOUNT3Mountres.ok(
                    MOUNT3MountresOk(fhandle: XDROpaque(handle), authFlavors: [RPCAuthFlavor.authSys.rawValue])
                )
            )
        }
    }

    static func reply(_ call: RPCCall, _ status: MOUNT3Mountstat) {
        call.replySuccess(MOUNT3Mountres.default(status))
    }

    /// `mountlist` (RFC 1813 Appendix I): a linked list of (hostname, directory).
    struct MountList: XDREncodable {
        var entries: [([UInt8], [UInt8])]

        func encode(to writer: inout XDRWriter) throws(XDRError) {
            for (host, directory) in entries {
                try writer.writeBool(true)
                try writer.writeOpaque(array: host, maxLength: MOUNT3Constants.mntnamlen)
                try writer.writeOpaque(array: directory, maxLength: MOUNT3Constants.mntpathlen)
            }
            try writer.writeBool(false)
        }

        var xdrEncodedSize: Int {
            entries.reduce(4) { $0 + 4 + 8 + XDRWriter.paddedLength($1.0.count) + XDRWriter.paddedLength($1.1.count) }
        }
    }

    /// `exports` (RFC 1813 Appendix I): each export path with its client list as group names.
    struct ExportList: XDREncodable {
        var exports: [ExportRule]

        func encode(to writer: inout XDRWriter) throws(XDRError) {
            for export in exports {
                try writer.writeBool(true)
                try writer.writeOpaque(array: Array(export.path.utf8), maxLength: MOUNT3Constants.mntpathlen)
                for client in export.clients {
                    try writer.writeBool(true)
                    try writer.writeOpaque(array: Array(client.text.utf8), maxLength: MOUNT3Constants.mntnamlen)
                }
                try writer.writeBool(false)
            }
            try writer.writeBool(false)
        }

        var xdrEncodedSize: Int {
            exports.reduce(4) { size, export in
                let clients = export.clients.reduce(4) { $0 + 8 + XDRWriter.paddedLength($1.text.utf8.count) }
                return size + 8 + XDRWriter.paddedLength(export.path.utf8.count) + clients
            }
        }
    }
}
