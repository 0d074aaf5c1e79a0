// libFuzzer entry: NFSv3 call arguments. The first byte picks the procedure (0–21, and beyond: PROC_UNAVAIL),
// the rest is what follows the call header.
import NFS3
import XDR

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let procedure = NFS3Program.V3.Procedure(rawValue: UInt32(data[0] % 24))
    let arguments = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    var reader = XDRReader(arguments)
    guard let decoded = try? NFS3Arguments(procedure: procedure, from: &reader) else { return 0 }
    let consumed = reader.position
    let encoded = UnsafeMutableRawBufferPointer.allocate(byteCount: max(decoded.xdrEncodedSize, 1), alignment: 8)
    defer { encoded.deallocate() }
    var writer = XDRWriter(encoded)
    do {
        try decoded.encode(to: &writer)
    } catch {
        preconditionFailure("decoded arguments failed to encode: \(error)")
    }
    precondition(writer.position == consumed, "encoded size differs from the decoded size")
    var again = XDRReader(UnsafeRawBufferPointer(writer.written()))
    let redecoded = try? NFS3Arguments(procedure: procedure, from: &again)
    precondition(redecoded == decoded, "round trip changed the arguments")
    if case .write(let write) = decoded {
        _ = write.payloadMatchesCount
    }
    return 0
}
