/// A Linux errno as FUSE carries it: `fuse_out_header.error` is its negation. Open, as the wire allows any value.
public struct FUSEErrno: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let ok = FUSEErrno(rawValue: 0)
    public static let perm = FUSEErrno(rawValue: 1)
    public static let intr = FUSEErrno(rawValue: 4)
    public static let noent = FUSEErrno(rawValue: 2)
    public static let io = FUSEErrno(rawValue: 5)
    public static let nxio = FUSEErrno(rawValue: 6)
    public static let badf = FUSEErrno(rawValue: 9)
    public static let again = FUSEErrno(rawValue: 11)
    public static let nomem = FUSEErrno(rawValue: 12)
    public static let acces = FUSEErrno(rawValue: 13)
    public static let busy = FUSEErrno(rawValue: 16)
    public static let exist = FUSEErrno(rawValue: 17)
    public static let inval = FUSEErrno(rawValue: 22)
    public static let nfile = FUSEErrno(rawValue: 23)
    public static let range = FUSEErrno(rawValue: 34)
    public static let nosys = FUSEErrno(rawValue: 38)
    public static let proto = FUSEErrno(rawValue: 71)
    public static let opnotsupp = FUSEErrno(rawValue: 95)
    public static let timedout = FUSEErrno(rawValue: 110)
    public static let stale = FUSEErrno(rawValue: 116)
    public static let canceled = FUSEErrno(rawValue: 125)

    /// What `fuse_out_header.error` holds.
    public var wireValue: Int32 { -rawValue }

    public var description: String { "errno \(rawValue)" }
}
