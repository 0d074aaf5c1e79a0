import ChimeraPluginKit
import NFS3
import ONCRPC
import XDR

/// This server's status monitor, NSM v1 (XNFS ch. 11), enough for NLM: STAT and MON answer success with our
/// state number (locks are kept in the core, which needs no callback to learn of our own restarts); UNMON and
/// UNMON_ALL answer the state; NOTIFY from a client's monitor says that client restarted, so its NLM host is
/// released (its locks go, as with FREE_ALL). On our restart, `NSMMonitor` notifies the hosts of the previous
/// run.
enum NSMService {
    static func handle(_ call: RPCCall, procedure: SMProgram.V1.Procedure) {
        let state = call.server.nlm.monitor.state.value
        do {
            var reader = try call.argumentsReader()
            switch procedure {
            case .stat:
                _ = try SMName(from: &reader)
                call.replySuccess(SMStatRes(resStat: .succ, state: state))
            case .mon:
                _ = try SMMon(from: &reader)
                call.replySuccess(SMStatRes(resStat: .succ, state: state))
            case .unmon:
                _ = try SMMonId(from: &reader)
                call.replySuccess(SMStat(state: state))
            case .unmonAll:
                _ = try SMMyId(from: &reader)
                call.replySuccess(SMStat(state: state))
            case .simuCrash:
                call.replySuccess(XDRVoid())
            case .notify:
                let change = try SMStatChge(from: &reader)
                notified(call, name: change.monName.makeArray(), state: change.state)
            default:
                call.reject(.procedureUnavailable)
            }
        } catch {
            call.reject(.garbageArguments)
        }
    }

    /// A client's monitor says host `name` restarted: release it by name, or, when no host has that name
    /// (a monitor may give an address or another spelling), every host whose calls came from the sender.
    static func notified(_ call: RPCCall, name: [UInt8], state: Int32) {
        let server = call.server
        server.host.log(
            .info,
            "nsm: SM_NOTIFY from \(call.connection?.clientText ?? "?"): \(String(decoding: name, as: UTF8.self)) "
                + "is at state \(state)"
        )
        // Our own restart notice coming back (a client host on our address asked our portmapper): not a client.
        guard String(decoding: name, as: UTF8.self) != server.nlm.monitor.serverName else {
            return call.replySuccess(XDRVoid())
        }
        let hosts = server.nlm.hosts
        var names = Set(hosts.names(at: String(decoding: name, as: UTF8.self)))
        if hosts.knows(name) { names.insert(name) }
        if names.isEmpty, let address = call.connection?.clientText {
            names.formUnion(hosts.names(at: address))
        }
        for each in names {
            NLMService.releaseHost(server, name: each, thread: call.loop.index)
        }
        call.replySuccess(XDRVoid())
    }
}
