/// What to do with a call: run a handler, or answer with a rejection.
public enum RPCRoute<Handler> {
    /// Decode the arguments at the header's ``RPCCallHeader/argumentsOffset`` and run `handler`.
    case dispatch(RPCDispatch<Handler>)
    /// Reply with this and run nothing.
    case reject(RPCRejection)
}

extension RPCRoute: Equatable where Handler: Equatable {}

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
