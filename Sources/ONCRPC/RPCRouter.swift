import XDR

/// Routes calls by (program, version, procedure) to handlers, or to the rejection RFC 5531 §9 prescribes.
///
/// Pure: it holds values the caller registered (a handler can be an enum case or an index) and captures no
/// I/O; the plugin runs the handler itself. The checks, in the order servers make them: RPC version
/// (RPC_MISMATCH), credential and verifier (AUTH_ERROR), program (PROG_UNAVAIL), version (PROG_MISMATCH with
/// the lowest and highest served), procedure (PROC_UNAVAIL). Tables are small arrays indexed by procedure
/// number, so a lookup hashes nothing.
public struct RPCRouter<Handler> {
    @usableFromInline
    internal struct Procedure {
        @usableFromInline var handler: Handler
        @usableFromInline var cachesReply: Bool
    }

    @usableFromInline
    internal struct Version {
        @usableFromInline var number: UInt32
        @usableFromInline var procedures: [Procedure?]
    }

    @usableFromInline
    internal struct Program {
        @usableFromInline var number: UInt32
        @usableFromInline var versions: [Version]
        @usableFromInline var lowestVersion: UInt32
        @usableFromInline var highestVersion: UInt32
    }

    /// The largest procedure number accepted at registration (tables are indexed by it).
    public static var maxProcedureNumber: UInt32 { 1023 }

    @usableFromInline
    internal var programs: [Program] = []

    /// The credential flavors accepted; others get AUTH_ERROR / AUTH_BADCRED. AUTH_NONE and AUTH_SYS by default.
    public var acceptedFlavors: [RPCAuthFlavor]

    @inlinable
    public init(acceptedFlavors: [RPCAuthFlavor] = [.authNone, .authSys]) {
        self.acceptedFlavors = acceptedFlavors
    }

    /// Serves `procedure` of `program` version `version` with `handler`. `cachesReply` marks a procedure that
    /// is not idempotent, whose replies go into the duplicate request cache.
    public mutating func register(
        program: UInt32,
        version: UInt32,
        procedure: UInt32,
        handler: Handler,
        cachesReply: Bool = false
    ) {
        precondition(procedure <= RPCRouter.maxProcedureNumber, "procedure numbers above 1023 are not routed")
        let programIndex: Int
        if let index = programs.firstIndex(where: { $0.number == program }) {
            programIndex = index
        } else {
            programs.append(Program(number: program, versions: [], lowestVersion: version, highestVersion: version))
            programIndex = programs.count - 1
        }
        let versionIndex: Int
        if let index = programs[programIndex].versions.firstIndex(where: { $0.number == version }) {
            versionIndex = index
        } else {
            programs[programIndex].versions.append(Version(number: version, procedures: []))
            programs[programIndex].lowestVersion = min(programs[programIndex].lowestVersion, version)
            programs[programIndex].highestVersion = max(programs[programIndex].highestVersion, version)
            versionIndex = programs[programIndex].versions.count - 1
        }
        let slot = Int(procedure)
        var procedures = programs[programIndex].versions[versionIndex].procedures
        if procedures.count <= slot {
            procedures.append(contentsOf: repeatElement(nil, count: slot + 1 - procedures.count))
        }
        procedures[slot] = Procedure(handler: handler, cachesReply: cachesReply)
        programs[programIndex].versions[versionIndex].procedures = procedures
    }

    /// Decides what to do with a decoded call header.
    @inlinable
    public func route(_ header: RPCCallHeader) -> RPCRoute<Handler> {
        guard header.rpcVersion == 2 else {
            return .reject(.rpcMismatch(low: 2, high: 2))
        }
        guard acceptedFlavors.contains(header.credential.flavor) else {
            return .reject(.authError(.authBadcred))
        }
        let credentials: RPCCredentials
        switch RPCCredentials.parse(header.credential) {
        case .success(let parsed):
            credentials = parsed
        case .failure(let error):
            return .reject(.authError(error.status))
        }
        // AUTH_NONE and AUTH_SYS callers send an AUTH_NONE verifier (RFC 5531 §10, Appendix A).
        guard header.verifier.flavor == .authNone, header.verifier.body.count <= 400 else {
            return .reject(.authError(.authBadverf))
        }
        guard let program = programs.first(where: { $0.number == header.program }) else {
            return .reject(.programUnavailable)
        }
        guard let version = program.versions.first(where: { $0.number == header.version }) else {
            return .reject(.programMismatch(low: program.lowestVersion, high: program.highestVersion))
        }
        let slot = Int(header.procedure)
        guard slot < version.procedures.count, let procedure = version.procedures[slot] else {
            return .reject(.procedureUnavailable)
        }
        return .dispatch(
            RPCDispatch(handler: procedure.handler, credentials: credentials, cachesReply: procedure.cachesReply))
    }
}

extension RPCRouter: Sendable where Handler: Sendable {}
extension RPCRouter.Procedure: Sendable where Handler: Sendable {}
extension RPCRouter.Version: Sendable where Handler: Sendable {}
extension RPCRouter.Program: Sendable where Handler: Sendable {}
