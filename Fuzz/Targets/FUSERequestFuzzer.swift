// libFuzzer entry: one read(2) of /dev/fuse as the FUSE front-end gets it. Decodes the request; what decodes goes
// through a session that has seen INIT, and the entries it asks for are answered, so the node and file tables
// see arbitrary nodeids, fhs and forget counts. Nothing may trap.
import FUSE

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let message = UnsafeRawBufferPointer(start: data, count: size)
    var session = FUSESession(root: FUSEHandle([1]))
    var hello = FUSEWriter()
    FUSEInHeader(length: 104, opcode: .`init`, unique: 1, nodeid: 0).encode(into: &hello)
    hello.u32(7)
    hello.u32(44)
    hello.u32(0)
    hello.u32(0xffff_ffff)
    hello.zeros(48)
    _ = hello.bytes.withUnsafeBytes { raw in
        (try? FUSERequest.decode(raw)).map { session.receive($0.0, $0.1) }
    }
    guard let (header, request) = try? FUSERequest.decode(message) else { return 0 }
    _ = header.opcode.description
    for _ in 0..<2 {
        switch session.receive(header, request) {
        case .call(let call):
            switch call {
            case .lookup, .mkdir, .mknod, .symlink, .link:
                _ = session.entry(FUSEHandle([UInt8(truncatingIfNeeded: header.unique)]), attr: FUSEAttr())
            case .open(_, let nodeid, _):
                _ = session.opened(nodeid: nodeid, vfsOpen: header.unique)
            case .create:
                _ = session.created(FUSEHandle([2]), attr: FUSEAttr(), vfsOpen: 3)
            case .readdir(_, let fh, _, _, _, _):
                session.listed(fh: fh, verifier: header.unique)
                _ = session.entryForListing(FUSEHandle([3]), attr: FUSEAttr())
            default:
                break
            }
        case .reply(let reply), .end(let reply):
            _ = reply.encode(unique: header.unique)
        case .none:
            break
        }
    }
    return 0
}
