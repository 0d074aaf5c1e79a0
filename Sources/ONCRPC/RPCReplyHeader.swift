import XDR

/// Encodes the header of RPC replies (RFC 5531 §9): `rpc_msg` with a `reply_body`.
///
/// A successful reply is the header and then the procedure's results, which the caller encodes right behind
/// it (or encoded already, leaving ``successSize(verifier:)`` bytes in front of them). A rejection is the whole
/// reply.
public enum RPCReplyHeader {
    /// The verifier servers send with AUTH_NONE and AUTH_SYS: flavor AUTH_NONE, empty body.
    @inlinable
    public static var noneVerifier: RPCOpaqueAuth { RPCOpaqueAuth(flavor: .authNone, body: .empty) }

    /// The size of an accepted SUCCESS header: xid, REPLY, MSG_ACCEPTED, the verifier, SUCCESS. 24 bytes with
    /// ``noneVerifier``.
    @inlinable
    public static func successSize(verifier: RPCOpaqueAuth = noneVerifier) -> Int {
        16 + verifier.xdrEncodedSize
    }

    /// Writes an accepted SUCCESS header; the procedure's results follow it.
    @inlinable
    public static func encodeSuccess(
        xid: UInt32,
        verifier: RPCOpaqueAuth = noneVerifier,
        to writer: inout XDRWriter
    ) throws(XDRError) {
        try writer.ensureSpace(successSize(verifier: verifier))
        try writer.writeUInt32(xid)
        try writer.writeInt32(RPCMsgType.reply.rawValue)
        try writer.writeInt32(RPCReplyStat.accepted.rawValue)
        try verifier.encode(to: &writer)
        try writer.writeInt32(RPCAcceptStat.success.rawValue)
    }

    /// The generated message for a rejection.
    @inlinable
    public static func message(xid: UInt32, rejection: RPCRejection, verifier: RPCOpaqueAuth = noneVerifier) -> RPCMsg {
        let body: RPCReplyBody
        switch rejection {
        case .programUnavailable:
            body = .accepted(RPCAcceptedReply(verf: verifier, replyData: .default(.progUnavail)))
        case .programMismatch(let low, let high):
            let info = RPCAcceptedReplyMismatchInfo(low: low, high: high)
            body = .accepted(RPCAcceptedReply(verf: verifier, replyData: .progMismatch(info)))
        case .procedureUnavailable:
            body = .accepted(RPCAcceptedReply(verf: verifier, replyData: .default(.procUnavail)))
        case .garbageArguments:
            body = .accepted(RPCAcceptedReply(verf: verifier, replyData: .default(.garbageArgs)))
        case .systemError:
            body = .accepted(RPCAcceptedReply(verf: verifier, replyData: .default(.systemErr)))
        case .rpcMismatch(let low, let high):
            body = .denied(.rpcMismatch(RPCRejectedReplyMismatchInfo(low: low, high: high)))
        case .authError(let status):
            body = .denied(.authError(status))
        }
        return RPCMsg(xid: xid, body: .reply(body))
    }

    /// The size of a rejection reply.
    @inlinable
    public static func encodedSize(rejection: RPCRejection, verifier: RPCOpaqueAuth = noneVerifier) -> Int {
        message(xid: 0, rejection: rejection, verifier: verifier).xdrEncodedSize
    }

    /// Writes a whole rejection reply.
    @inlinable
    public static func encode(
        xid: UInt32,
        rejection: RPCRejection,
        verifier: RPCOpaqueAuth = noneVerifier,
        to writer: inout XDRWriter
    ) throws(XDRError) {
        let reply = message(xid: xid, rejection: rejection, verifier: verifier)
        try writer.ensureSpace(reply.xdrEncodedSize)
        try reply.encode(to: &writer)
    }
}
