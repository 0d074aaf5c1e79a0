// libFuzzer entry: NFSv3 results, as a client (or a test) decodes them. The first byte picks the result type.
import NFS3
import XDR

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    switch data[0] % 21 {
    case 0: checkRoundTrip(NFS3GetattrRes.self, bytes)
    case 1: checkRoundTrip(NFS3SetattrRes.self, bytes)
    case 2: checkRoundTrip(NFS3LookupRes.self, bytes)
    case 3: checkRoundTrip(NFS3AccessRes.self, bytes)
    case 4: checkRoundTrip(NFS3ReadlinkRes.self, bytes)
    case 5: checkRoundTrip(NFS3ReadRes.self, bytes)
    case 6: checkRoundTrip(NFS3WriteRes.self, bytes)
    case 7: checkRoundTrip(NFS3CreateRes.self, bytes)
    case 8: checkRoundTrip(NFS3MkdirRes.self, bytes)
    case 9: checkRoundTrip(NFS3SymlinkRes.self, bytes)
    case 10: checkRoundTrip(NFS3MknodRes.self, bytes)
    case 11: checkRoundTrip(NFS3RemoveRes.self, bytes)
    case 12: checkRoundTrip(NFS3RmdirRes.self, bytes)
    case 13: checkRoundTrip(NFS3RenameRes.self, bytes)
    case 14: checkRoundTrip(NFS3LinkRes.self, bytes)
    case 15: checkRoundTrip(NFS3ReaddirRes.self, bytes)
    case 16: checkRoundTrip(NFS3ReaddirplusRes.self, bytes)
    case 17: checkRoundTrip(NFS3FsstatRes.self, bytes)
    case 18: checkRoundTrip(NFS3FsinfoRes.self, bytes)
    case 19: checkRoundTrip(NFS3PathconfRes.self, bytes)
    default: checkRoundTrip(NFS3CommitRes.self, bytes)
    }
    return 0
}
