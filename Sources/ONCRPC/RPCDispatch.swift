/// A call that passed routing.
public struct RPCDispatch<Handler> {
    public var handler: Handler
    public var credentials: RPCCredentials
    /// Whether the procedure is not idempotent, so its replies belong in the duplicate request cache.
    public var cachesReply: Bool

    @inlinable
    public init(handler: Handler, credentials: RPCCredentials, cachesReply: Bool) {
        self.handler = handler
        self.credentials = credentials
        self.cachesReply = cachesReply
    }
}

extension RPCDispatch: Equatable where Handler: Equatable {}
