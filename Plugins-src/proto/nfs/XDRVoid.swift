import XDR

/// The empty result of NULL procedures and of UMNT / UMNTALL.
struct XDRVoid: XDREncodable {
    @inline(__always)
    func encode(to writer: inout XDRWriter) throws(XDRError) {}
    var xdrEncodedSize: Int { 0 }
}
