import XDR

/// The arguments of a MOUNT version 3 call, by procedure (RFC 1813 Appendix I). Paths are views into the
/// record, checked against MNTPATHLEN.
public enum MOUNT3Arguments: XDREncodable, Hashable {
    case null
    case mnt(MOUNT3Dirpath)
    case dump
    case umnt(MOUNT3Dirpath)
    case umntall
    case export

    /// Decodes the arguments of `procedure`; nil for a procedure MOUNT3 does not define (reply PROC_UNAVAIL).
    @inlinable
    public init?(procedure: MOUNT3Program.V3.Procedure, from reader: inout XDRReader) throws(XDRError) {
        switch procedure {
        case .null: self = .null
        case .mnt: self = .mnt(try MOUNT3DirpathCodec.decode(from: &reader))
        case .dump: self = .dump
        case .umnt: self = .umnt(try MOUNT3DirpathCodec.decode(from: &reader))
        case .umntall: self = .umntall
        case .export: self = .export
        default: return nil
        }
    }

    /// The procedure these arguments belong to.
    @inlinable
    public var procedure: MOUNT3Program.V3.Procedure {
        switch self {
        case .null: return .null
        case .mnt: return .mnt
        case .dump: return .dump
        case .umnt: return .umnt
        case .umntall: return .umntall
        case .export: return .export
        }
    }

    /// Writes the arguments.
    @inlinable
    public func encode(to writer: inout XDRWriter) throws(XDRError) {
        switch self {
        case .mnt(let path), .umnt(let path): try MOUNT3DirpathCodec.encode(path, to: &writer)
        case .null, .dump, .umntall, .export: break
        }
    }

    /// The size of the encoded arguments.
    @inlinable
    public var xdrEncodedSize: Int {
        switch self {
        case .mnt(let path), .umnt(let path): return MOUNT3DirpathCodec.encodedSize(of: path)
        case .null, .dump, .umntall, .export: return 0
        }
    }
}
