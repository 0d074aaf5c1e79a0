import CChimera
import ChimeraPluginKit
import NFS3
import ONCRPC
import XDR

/// The portmapper, version 2 (RFC 1833 §3): answers GETPORT and DUMP for the programs this plugin serves,
/// so stock clients find NFS and MOUNT without a system rpcbind. It is not a general registry: SET and UNSET
/// are refused (FALSE).
enum PortmapService {
    static func handle(_ call: RPCCall, procedure: PMAPProgram.V2.Procedure) {
        switch procedure {
        case .null:
            call.replySuccess(XDRVoid())
        case .set, .unset:
            call.replySuccess(false)
        case .getport:
            let mapping: PMAPMapping
            do {
                var reader = try call.argumentsReader()
                mapping = try PMAPMapping(from: &reader)
            } catch {
                return call.reject(.garbageArguments)
            }
            let found = mappings(call.server.config).first {
                $0.prog == mapping.prog && $0.vers == mapping.vers && $0.prot == mapping.prot
            }
            call.replySuccess(found?.port ?? 0)
        case .dump:
            call.replySuccess(MappingList(mappings: mappings(call.server.config)))
        default:
            call.reject(.procedureUnavailable)
        }
    }

    /// What this plugin serves, all over TCP (the host offers TCP listeners only: NLM and NSM are on the NFS
    /// port, and a Linux client mounted with `proto=tcp` speaks NLM over TCP too).
    static func mappings(_ config: NFSConfig) -> [PMAPMapping] {
        let tcp = PMAPConstants.ipprotoTcp
        let mountPort = config.mountPort == 0 ? config.port : config.mountPort
        var list = [
            PMAPMapping(prog: NFS3Program.number, vers: NFS3Program.V3.number, prot: tcp, port: UInt32(config.port)),
            PMAPMapping(prog: MOUNT3Program.number, vers: MOUNT3Program.V3.number, prot: tcp, port: UInt32(mountPort)),
        ]
        if config.nlm {
            let port = UInt32(config.port)
            list.append(PMAPMapping(prog: NLM4Program.number, vers: NLM4Program.V4.number, prot: tcp, port: port))
            list.append(PMAPMapping(prog: SMProgram.number, vers: SMProgram.V1.number, prot: tcp, port: port))
        }
        if config.portmapPort != 0 {
            list.append(
                PMAPMapping(
                    prog: PMAPProgram.number,
                    vers: PMAPProgram.V2.number,
                    prot: tcp,
                    port: UInt32(config.portmapPort)
                )
            )
        }
        return list
    }

    /// `pmaplist` (RFC 1833 §3.1): a linked list of mappings.
    struct MappingList: XDREncodable {
        var mappings: [PMAPMapping]

        func encode(to writer: inout XDRWriter) throws(XDRError) {
            for mapping in mappings {
                try writer.writeBool(true)
                try mapping.encode(to: &writer)
            }
            try writer.writeBool(false)
        }

        var xdrEncodedSize: Int { 4 + mappings.count * 20 }
    }
}
