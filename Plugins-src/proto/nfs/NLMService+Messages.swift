import ChimeraPluginKit
import NFS3
import XDR

extension NLMService {
    /// Send a procedure's result: as the call's reply, or, for a _MSG call (RFC 1813 §6.2: "the void response
    /// implies no reply"), as the `message` _RES call to the caller's lock manager, found through its
    /// portmapper, with an empty reply to the _MSG call itself. One attempt: a client that does not hear
    /// sends its _MSG again.
    static func answer<R: XDREncodable>(_ call: RPCCall, _ message: NLM4Program.V4.Procedure?, _ result: R) {
        guard let message else { return call.replySuccess(result) }
        defer { call.replySuccess(XDRVoid()) }
        guard let address = call.connection?.clientText, let arguments = result.xdrBytes() else { return }
        let server = call.server
        let client = RPCCallbackClient(address: address, portmapPort: server.config.nlmCallbackPortmapPort)
        let host = server.host
        server.nlm.callbacks.run(
            from: call.loop.index,
            work: {
                let sent = client.call(
                    program: NLM4Program.number,
                    version: NLM4Program.V4.number,
                    procedure: message.rawValue,
                    arguments: arguments
                )
                if case .failure(let failure) = sent {
                    host.log(.info, "nlm: \(message) to \(address) not delivered: \(failure)")
                }
            },
            done: {}
        )
    }
}
