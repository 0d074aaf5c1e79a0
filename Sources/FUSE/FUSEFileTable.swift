/// An open file or directory as the kernel knows it: `fuse_open_out.fh`.
public struct FUSEOpenFile: Equatable, Sendable {
    public var nodeid: UInt64
    /// The VFS core's open handle (0 for directories, which the engine lists without opening).
    public var vfsOpen: UInt64
    public var directory: Bool
    /// READDIR: the verifier of the listing in progress (the VFS's cookie verifier), 0 before the first page.
    public var verifier: UInt64 = 0

    public init(nodeid: UInt64, vfsOpen: UInt64, directory: Bool) {
        self.nodeid = nodeid
        self.vfsOpen = vfsOpen
        self.directory = directory
    }
}

/// The session's open files by `fh`, bounded (past `capacity`, OPEN answers ENFILE). fh values are never reused.
public struct FUSEFileTable: Sendable {
    private var files: [UInt64: FUSEOpenFile] = [:]
    private var next: UInt64 = 1
    public let capacity: Int

    public init(capacity: Int = 65536) { self.capacity = capacity }

    public var count: Int { files.count }

    public subscript(fh: UInt64) -> FUSEOpenFile? {
        get { files[fh] }
        set { if files[fh] != nil { files[fh] = newValue } }
    }

    public mutating func insert(_ file: FUSEOpenFile) -> UInt64? {
        guard files.count < capacity else { return nil }
        let fh = next
        next += 1
        files[fh] = file
        return fh
    }

    public mutating func remove(_ fh: UInt64) -> FUSEOpenFile? {
        files.removeValue(forKey: fh)
    }

    /// Every open (at unmount, to close them in the VFS).
    public var all: [FUSEOpenFile] { Array(files.values) }
}
