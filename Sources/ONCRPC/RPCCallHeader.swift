import XDR

/// The fixed part of an RPC call (RFC 5531 §9, `rpc_msg` with a `call_body`): what routing needs.
///
/// Decoding reads ten words and two views; it copies nothing and allocates nothing. The credential and verifier
/// bodies are views into the record. The procedure's arguments start at ``argumentsOffset``.
public struct RPCCallHeader: Hashable {
    /// The transaction id the reply echoes.
    public var xid: UInt32
    /// The call body: RPC version, program, version, procedure, credential, verifier.
    public var body: RPCCallBody
    /// Where the procedure's arguments start in the record.
    public var argumentsOffset: Int

    @inlinable
    public init(xid: UInt32, body: RPCCallBody, argumentsOffset: Int) {
        self.xid = xid
        self.body = body
        self.argumentsOffset = argumentsOffset
    }

    /// The RPC protocol version the caller speaks; 2 is the only one (RFC 5531 §8).
    @inlinable
    public var rpcVersion: UInt32 { body.rpcvers }

    @inlinable
    public var program: UInt32 { body.prog }

    @inlinable
    public var version: UInt32 { body.vers }

    @inlinable
    public var procedure: UInt32 { body.proc }

    @inlinable
    public var credential: RPCOpaqueAuth { body.cred }

    @inlinable
    public var verifier: RPCOpaqueAuth { body.verf }

    /// Decodes a call header at the reader's position and leaves the reader at the arguments.
    ///
    /// A message that is a REPLY, not a CALL, throws ``XDRError/badDiscriminant(_:)`` (a server drops it); a
    /// record too short for the header throws ``XDRError/truncated``. On failure the reader does not move.
    @inlinable
    public init(from reader: inout XDRReader) throws(XDRError) {
        let start = reader.position
        do throws(XDRError) {
            let xid = try reader.readUInt32()
            let messageType = try reader.readInt32()
            guard messageType == RPCMsgType.call.rawValue else {
                throw XDRError.badDiscriminant(Int64(messageType))
            }
            let body = try RPCCallBody(from: &reader)
            self.init(xid: xid, body: body, argumentsOffset: reader.position)
        } catch {
            try? reader.seek(to: start)
            throw error
        }
    }

    /// Decodes the call header at the start of `record`.
    @inlinable
    public init(record: UnsafeRawBufferPointer) throws(XDRError) {
        var reader = XDRReader(record)
        try self.init(from: &reader)
    }

    /// A reader over the record positioned at the procedure's arguments.
    @inlinable
    public func argumentsReader(record: UnsafeRawBufferPointer) throws(XDRError) -> XDRReader {
        var reader = XDRReader(record)
        try reader.seek(to: argumentsOffset)
        return reader
    }

    /// The whole call as the generated `rpc_msg`, for callers that want the specification's shape.
    public var message: RPCMsg {
        RPCMsg(xid: xid, body: .call(body))
    }
}
