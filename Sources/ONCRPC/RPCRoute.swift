/// What to do with a call: run a handler, or answer with a rejection.
public enum RPCRoute<Handler> {
    /// Decode the arguments at the header's ``RPCCallHeader/argumentsOffset`` and run `handler`.
    case dispatch(RPCDispatch<Handler>)
    /// Reply with this and run nothing.
    case reject(RPCRejection)
}

extension RPCRoute: Equatable where Handler: Equatable {}
