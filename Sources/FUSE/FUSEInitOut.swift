/// `struct fuse_init_out`: 64 bytes from 7.23, 24 before (FUSE_COMPAT_22_INIT_OUT_SIZE).
public struct FUSEInitOut: Equatable, Sendable {
    public var major: UInt32
    public var minor: UInt32
    public var maxReadahead: UInt32 = 0
    public var flags: UInt32 = 0
    public var maxBackground: UInt16 = 0
    public var congestionThreshold: UInt16 = 0
    public var maxWrite: UInt32 = 0
    public var timeGranularity: UInt32 = 1
    public var maxPages: UInt16 = 0

    public init(major: UInt32, minor: UInt32) {
        self.major = major
        self.minor = minor
    }

    public var encodedSize: Int { minor < 23 ? 24 : 64 }

    public func encode(into w: inout FUSEWriter) {
        w.u32(major)
        w.u32(minor)
        w.u32(maxReadahead)
        w.u32(flags)
        w.u16(maxBackground)
        w.u16(congestionThreshold)
        w.u32(maxWrite)
        guard minor >= 23 else { return }
        w.u32(timeGranularity)
        w.u16(maxPages)
        w.u16(0)  // map_alignment
        w.u32(0)  // flags2
        w.zeros(28)
    }
}

/// INIT flags (`fuse_init_in.flags`, linux/fuse.h).
public struct FUSEInitFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let asyncRead = FUSEInitFlags(rawValue: 1 << 0)
    public static let posixLocks = FUSEInitFlags(rawValue: 1 << 1)
    public static let atomicOTrunc = FUSEInitFlags(rawValue: 1 << 3)
    public static let bigWrites = FUSEInitFlags(rawValue: 1 << 5)
    public static let autoInvalData = FUSEInitFlags(rawValue: 1 << 12)
    public static let doReaddirplus = FUSEInitFlags(rawValue: 1 << 13)
    public static let readdirplusAuto = FUSEInitFlags(rawValue: 1 << 14)
    public static let asyncDIO = FUSEInitFlags(rawValue: 1 << 15)
    public static let parallelDirops = FUSEInitFlags(rawValue: 1 << 18)
    public static let abortError = FUSEInitFlags(rawValue: 1 << 21)
    public static let maxPages = FUSEInitFlags(rawValue: 1 << 22)
}

/// What the server offers in INIT, and the result of negotiating it with the kernel.
public struct FUSEInitPolicy: Equatable, Sendable {
    /// The protocol this engine speaks: 7.31.
    public static let major: UInt32 = 7
    public static let minor: UInt32 = 31
    /// The oldest kernel minor accepted: 7.12 (the struct sizes below it differ).
    public static let oldestMinor: UInt32 = 12

    public var maxWrite: UInt32 = 1 << 20
    public var maxBackground: UInt16 = 64
    public var readdirplus = true
    /// POSIX locks through the server (FUSE_POSIX_LOCKS); without, the kernel keeps them per mount.
    public var locks = true
    /// Flags asked for when the kernel offers them.
    public var wanted: FUSEInitFlags {
        var f: FUSEInitFlags = [.asyncRead, .bigWrites, .autoInvalData, .asyncDIO, .parallelDirops, .abortError, .maxPages]
        if readdirplus { f.formUnion([.doReaddirplus, .readdirplusAuto]) }
        if locks { f.insert(.posixLocks) }
        return f
    }

    public init(maxWrite: UInt32 = 1 << 20, readdirplus: Bool = true) {
        self.maxWrite = maxWrite
        self.readdirplus = readdirplus
    }

    /// The outcome of one INIT.
    public enum Outcome: Equatable, Sendable {
        /// Session established at this minor with these flags.
        case accept(FUSEInitOut)
        /// The kernel speaks a newer major: answer with ours only and wait for its next INIT.
        case retry(FUSEInitOut)
        case refuse(FUSEErrno)
    }

    /// Negotiate down with the kernel's INIT (linux/fuse.h: "if the kernel's major is larger, reply with ours;
    /// the minor is the smaller of the two").
    public func negotiate(_ kernel: FUSEInitIn) -> Outcome {
        if kernel.major > Self.major { return .retry(FUSEInitOut(major: Self.major, minor: Self.minor)) }
        guard kernel.major == Self.major, kernel.minor >= Self.oldestMinor else { return .refuse(.proto) }
        var out = FUSEInitOut(major: Self.major, minor: min(kernel.minor, Self.minor))
        let flags = FUSEInitFlags(rawValue: kernel.flags).intersection(wanted)
        out.flags = flags.rawValue
        out.maxReadahead = kernel.maxReadahead
        out.maxBackground = maxBackground
        out.congestionThreshold = maxBackground * 3 / 4
        // Without MAX_PAGES the kernel caps a request at 32 pages.
        let pageLimit: UInt32 = flags.contains(.maxPages) ? 256 : 32
        out.maxWrite = min(maxWrite, pageLimit * 4096)
        out.maxPages = UInt16((out.maxWrite + 4095) / 4096)
        out.timeGranularity = 1
        return .accept(out)
    }
}
