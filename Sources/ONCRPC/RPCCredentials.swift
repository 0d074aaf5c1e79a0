import XDR

/// The caller's credentials once the flavor is understood.
public enum RPCCredentials: Hashable {
    /// AUTH_NONE: an anonymous caller.
    case none
    /// AUTH_SYS: uid, gid and groups as the client claims them.
    case sys(RPCAuthSys)

    /// Parses a call's credential: AUTH_NONE with an empty body or a well-formed AUTH_SYS body. Anything else
    /// is the `auth_stat` to reject the call with (RFC 5531 §9).
    @inlinable
    public static func parse(_ credential: RPCOpaqueAuth) -> Result<RPCCredentials, RPCAuthError> {
        switch credential.flavor {
        case .authNone:
            return credential.body.isEmpty ? .success(.none) : .failure(RPCAuthError(.authBadcred))
        case .authSys:
            do {
                return .success(.sys(try RPCAuthSys(body: credential.body)))
            } catch {
                return .failure(RPCAuthError(.authBadcred))
            }
        default:
            return .failure(RPCAuthError(.authBadcred))
        }
    }

    /// The identity to act as after `policy`: AUTH_NONE callers are the anonymous identity.
    @inlinable
    public func identity(squashing policy: RPCSquashPolicy) -> RPCIdentity {
        switch self {
        case .none:
            return policy.anonymous
        case .sys(let credential):
            return policy.apply(to: RPCIdentity(uid: credential.uid, gid: credential.gid, groups: credential.groups))
        }
    }
}
