import NFS3
import ONCRPC

/// What a routed call runs: a procedure of one of the programs this plugin serves. Later NFSv4 and NLM join
/// as further cases on the same router and connection code.
enum RPCService: Hashable, Sendable {
    case nfs3(NFS3Program.V3.Procedure)
    case mount3(MOUNT3Program.V3.Procedure)
    case portmap2(PMAPProgram.V2.Procedure)
    case nlm4(NLM4Program.V4.Procedure)
    case nsm1(SMProgram.V1.Procedure)

    /// NLM v4 procedures served (RFC 1813 §6.2): all but GRANTED and GRANTED_MSG, which a client serves.
    static let nlmProcedures: [NLM4Program.V4.Procedure] = [
        .null, .test, .lock, .cancel, .unlock, .testMsg, .lockMsg, .cancelMsg, .unlockMsg, .testRes, .lockRes,
        .cancelRes, .unlockRes, .grantedRes, .share, .unshare, .nmLock, .freeAll,
    ]

    /// Every program, version and procedure served (RFC 1813, RFC 1833): NFS 100003 v3, MOUNT 100005 v3,
    /// portmap 100000 v2 (SET, UNSET and CALLIT are answered but refused). Any version or program not here
    /// gets PROG_MISMATCH or PROG_UNAVAIL from the router, so an NFSv4 call learns "3 to 3". With `nlm`, NLM
    /// 100021 v4 and NSM 100024 v1 too.
    static func makeRouter(nlm: Bool = true) -> RPCRouter<RPCService> {
        var router = RPCRouter<RPCService>(acceptedFlavors: [.authNone, .authSys])
        for procedure in NFS3Program.V3.Procedure.all {
            router.register(
                program: NFS3Program.number,
                version: NFS3Program.V3.number,
                procedure: procedure.rawValue,
                handler: .nfs3(procedure),
                cachesReply: procedure.cachesReply
            )
        }
        for procedure in MOUNT3Program.V3.Procedure.all {
            router.register(
                program: MOUNT3Program.number,
                version: MOUNT3Program.V3.number,
                procedure: procedure.rawValue,
                handler: .mount3(procedure)
            )
        }
        for procedure in [PMAPProgram.V2.Procedure.null, .set, .unset, .getport, .dump] {
            router.register(
                program: PMAPProgram.number,
                version: PMAPProgram.V2.number,
                procedure: procedure.rawValue,
                handler: .portmap2(procedure)
            )
        }
        guard nlm else { return router }
        for procedure in nlmProcedures {
            router.register(
                program: NLM4Program.number,
                version: NLM4Program.V4.number,
                procedure: procedure.rawValue,
                handler: .nlm4(procedure)
            )
        }
        for procedure in SMProgram.V1.Procedure.all {
            router.register(
                program: SMProgram.number,
                version: SMProgram.V1.number,
                procedure: procedure.rawValue,
                handler: .nsm1(procedure)
            )
        }
        return router
    }
}
