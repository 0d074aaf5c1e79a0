/// An `auth_stat` as an error, for `Result`.
public struct RPCAuthError: Error, Hashable, Sendable {
    public var status: RPCAuthStat

    @inlinable
    public init(_ status: RPCAuthStat) {
        self.status = status
    }
}
