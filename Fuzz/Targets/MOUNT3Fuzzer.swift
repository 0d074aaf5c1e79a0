// libFuzzer entry: MOUNT3 arguments and results, including the linked lists of DUMP and EXPORT.
import NFS3
import XDR

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    var reader = XDRReader(bytes)
    switch data[0] % 4 {
    case 0:
        if let arguments = try? MOUNT3Arguments(procedure: .mnt, from: &reader), case .mnt(let path) = arguments {
            precondition(path.count <= 1024)
        }
    case 1:
        checkRoundTrip(MOUNT3Mountres.self, bytes)
    case 2:
        if let list = try? MOUNT3MountlistCodec.decode(from: &reader) {
            precondition(MOUNT3MountlistCodec.encodedSize(of: list) == reader.position)
        }
    default:
        if let exports = try? MOUNT3ExportsCodec.decode(from: &reader) {
            precondition(MOUNT3ExportsCodec.encodedSize(of: exports) == reader.position)
        }
    }
    return 0
}
