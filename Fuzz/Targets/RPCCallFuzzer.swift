// libFuzzer entry: an RPC record as the host hands it to the NFS plugin. Decodes the call header, routes it
// (which parses AUTH_SYS), and decodes any rpc_msg; what decodes must encode back to an equal value.
import ONCRPC
import XDR

let router: RPCRouter<UInt32> = {
    var router = RPCRouter<UInt32>()
    for procedure: UInt32 in 0...21 {
        router.register(program: 100_003, version: 3, procedure: procedure, handler: procedure, cachesReply: procedure == 7)
    }
    for procedure: UInt32 in 0...5 {
        router.register(program: 100_005, version: 3, procedure: procedure, handler: 100 + procedure)
    }
    return router
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let record = UnsafeRawBufferPointer(start: data, count: size)
    var reader = XDRReader(record)
    if let header = try? RPCCallHeader(from: &reader) {
        precondition(header.argumentsOffset <= size)
        _ = router.route(header)
        if case .success(let credentials) = RPCCredentials.parse(header.credential) {
            _ = credentials.identity(squashing: RPCSquashPolicy())
        }
        _ = RPCRequestKey.checksum(UnsafeRawBufferPointer(rebasing: record[header.argumentsOffset...]))
    }
    checkRoundTrip(RPCMsg.self, record)
    return 0
}
