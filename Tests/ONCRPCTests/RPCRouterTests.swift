import ONCRPC
import Testing
import XDR

@Suite("RPC router")
struct RPCRouterTests {
    enum Handler: Equatable {
        case nfsNull, nfsGetattr, nfsWrite, mountMnt
    }

    var router: RPCRouter<Handler> {
        var router = RPCRouter<Handler>()
        router.register(program: 100_003, version: 3, procedure: 0, handler: .nfsNull)
        router.register(program: 100_003, version: 3, procedure: 1, handler: .nfsGetattr)
        router.register(program: 100_003, version: 3, procedure: 7, handler: .nfsWrite, cachesReply: true)
        router.register(program: 100_003, version: 4, procedure: 0, handler: .nfsNull)
        router.register(program: 100_005, version: 3, procedure: 1, handler: .mountMnt)
        return router
    }

    func header(
        rpcVersion: UInt32 = 2, program: UInt32 = 100_003, version: UInt32 = 3, procedure: UInt32 = 1,
        credential: RPCOpaqueAuth = RPCOpaqueAuth(flavor: .authNone, body: .empty),
        verifier: RPCOpaqueAuth = RPCReplyHeader.noneVerifier
    ) -> RPCCallHeader {
        RPCCallHeader(
            xid: 1,
            body: RPCCallBody(
                rpcvers: rpcVersion, prog: program, vers: version, proc: procedure, cred: credential, verf: verifier),
            argumentsOffset: 40)
    }

    @Test("a served procedure dispatches to its handler with the caller's credentials")
    func dispatch() throws {
        #expect(router.route(header()) == .dispatch(RPCDispatch(handler: .nfsGetattr, credentials: .none, cachesReply: false)))
        #expect(
            router.route(header(procedure: 7))
                == .dispatch(RPCDispatch(handler: .nfsWrite, credentials: .none, cachesReply: true)))
        let route = router.route(header(credential: RPCOpaqueAuth(flavor: .authSys, body: opaque(try RPCAuthSysTests.body()))))
        guard case .dispatch(let dispatch) = route, case .sys(let credential) = dispatch.credentials else {
            Issue.record("AUTH_SYS call not dispatched: \(route)")
            return
        }
        #expect(credential.uid == 1000)
        #expect(dispatch.handler == .mountMnt || dispatch.handler == .nfsGetattr)
    }

    @Test("an unknown program is PROG_UNAVAIL")
    func programUnavailable() {
        #expect(router.route(header(program: 100_021)) == .reject(.programUnavailable))
    }

    @Test("an unserved version is PROG_MISMATCH with the lowest and highest served")
    func programMismatch() {
        #expect(router.route(header(version: 2)) == .reject(.programMismatch(low: 3, high: 4)))
        #expect(router.route(header(program: 100_005, version: 1)) == .reject(.programMismatch(low: 3, high: 3)))
    }

    @Test("an unserved procedure is PROC_UNAVAIL, including past the end of the table")
    func procedureUnavailable() {
        #expect(router.route(header(procedure: 5)) == .reject(.procedureUnavailable))
        #expect(router.route(header(procedure: 22)) == .reject(.procedureUnavailable))
        #expect(router.route(header(procedure: .max)) == .reject(.procedureUnavailable))
    }

    @Test("RPC version and authentication are checked before the program")
    func orderOfChecks() {
        #expect(router.route(header(rpcVersion: 3, program: 1)) == .reject(.rpcMismatch(low: 2, high: 2)))
        #expect(
            router.route(header(program: 1, credential: RPCOpaqueAuth(flavor: .authDh, body: .empty)))
                == .reject(.authError(.authBadcred)))
        #expect(
            router.route(header(credential: RPCOpaqueAuth(flavor: .authSys, body: opaque(hex("00000001")))))
                == .reject(.authError(.authBadcred)))
        #expect(
            router.route(header(verifier: RPCOpaqueAuth(flavor: .authSys, body: .empty)))
                == .reject(.authError(.authBadverf)))
    }

    @Test("a router can refuse AUTH_NONE")
    func flavors() {
        var strict = router
        strict.acceptedFlavors = [.authSys]
        #expect(strict.route(header()) == .reject(.authError(.authBadcred)))
    }
}
