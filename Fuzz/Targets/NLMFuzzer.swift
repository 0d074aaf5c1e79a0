// libFuzzer entry: NLM v4 arguments and results and NSM v1 arguments (RFC 1813 Appendix II), as the NFS
// front-end decodes them from clients and from the callbacks it makes.
import NFS3
import XDR

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    switch data[0] % 10 {
    case 0: checkRoundTrip(NLM4Lockargs.self, bytes)
    case 1: checkRoundTrip(NLM4Testargs.self, bytes)
    case 2: checkRoundTrip(NLM4Cancargs.self, bytes)
    case 3: checkRoundTrip(NLM4Unlockargs.self, bytes)
    case 4: checkRoundTrip(NLM4Testres.self, bytes)
    case 5: checkRoundTrip(NLM4Res.self, bytes)
    case 6: checkRoundTrip(NLM4Notify.self, bytes)
    case 7: checkRoundTrip(NLM4Shareargs.self, bytes)
    case 8: checkRoundTrip(SMMon.self, bytes)
    default: checkRoundTrip(SMStatChge.self, bytes)
    }
    return 0
}
