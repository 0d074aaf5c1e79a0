/// A reply that answers a call without running its procedure (RFC 5531 §9): an accepted reply with an error
/// status, or a denied one.
public enum RPCRejection: Hashable, Sendable {
    /// Accepted, PROG_UNAVAIL: the program is not served here.
    case programUnavailable
    /// Accepted, PROG_MISMATCH: the program is served, in versions `low` through `high` only.
    case programMismatch(low: UInt32, high: UInt32)
    /// Accepted, PROC_UNAVAIL: the version has no such procedure.
    case procedureUnavailable
    /// Accepted, GARBAGE_ARGS: the arguments did not decode.
    case garbageArguments
    /// Accepted, SYSTEM_ERR: the server failed (for example out of memory).
    case systemError
    /// Denied, RPC_MISMATCH: the caller does not speak RPC version 2.
    case rpcMismatch(low: UInt32, high: UInt32)
    /// Denied, AUTH_ERROR with the reason.
    case authError(RPCAuthStat)
}
