import CChimera

/// A VFS request as a module sees it: a view of `struct chimera_vfs_request`.
///
/// The request belongs to whoever is working on it: the module between
/// `dispatch` and ``complete(_:)``. It is `@unchecked Sendable` because a
/// module may finish it on another thread; it must still be completed
/// exactly once and not touched afterwards.
public struct VFSRequest: @unchecked Sendable {
    public let raw: UnsafeMutablePointer<chimera_vfs_request>

    @inlinable
    public init(_ raw: UnsafeMutablePointer<chimera_vfs_request>) {
        self.raw = raw
    }

    @inlinable
    public var op: VFSOp { VFSOp(rawValue: raw.pointee.op) }

    @inlinable
    public var threadIndex: UInt32 { raw.pointee.thread_index }

    /// The caller's credential (uid 0 / gid 0 when none was given).
    @inlinable
    public var credential: chimera_cred {
        raw.pointee.cred?.pointee ?? chimera_cred()
    }

    /// The handle of the object the op acts on (module bytes, at most
    /// `CHIMERA_MODULE_FH_MAX`).
    @inlinable
    public var handle: UnsafeRawBufferPointer {
        Self.bytes(raw.pointee.fh, raw.pointee.fh_len)
    }

    /// The module's open handle from OPEN / OPEN_AT / CREATE_UNLINKED, or 0.
    @inlinable
    public var openHandle: UInt64 { raw.pointee.open_handle }

    /// Finish the request. Exactly once, from any thread; the request must
    /// not be touched afterwards.
    @inlinable
    public func complete(_ status: VFSStatus) {
        raw.pointee.status = status.rawValue
        raw.pointee.complete(raw)
    }

    /// Store the handle of the object the op ends on (`r_fh`).
    @inlinable
    public func setResultHandle(_ bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count <= Int(CHIMERA_MODULE_FH_MAX), "module handle longer than CHIMERA_MODULE_FH_MAX")
        withUnsafeMutableBytes(of: &raw.pointee.r_fh) { dst in
            dst.copyMemory(from: bytes)
        }
        raw.pointee.r_fh_len = UInt32(bytes.count)
    }

    /// Store a one-word handle, little-endian.
    @inlinable
    public func setResultHandle(_ word: UInt64) {
        withUnsafeMutableBytes(of: &raw.pointee.r_fh) { dst in
            dst.storeBytes(of: word.littleEndian, toByteOffset: 0, as: UInt64.self)
        }
        raw.pointee.r_fh_len = 8
    }

    /// Store a two-word handle (the usual inode + generation shape),
    /// little-endian, without allocating.
    @inlinable
    public func setResultHandle(_ first: UInt64, _ second: UInt64) {
        withUnsafeMutableBytes(of: &raw.pointee.r_fh) { dst in
            dst.storeBytes(of: first.littleEndian, toByteOffset: 0, as: UInt64.self)
            dst.storeBytes(of: second.littleEndian, toByteOffset: 8, as: UInt64.self)
        }
        raw.pointee.r_fh_len = 16
    }

    /// Bytes of a name argument (not NUL-terminated).
    @inlinable
    public static func bytes(_ pointer: UnsafePointer<CChar>?, _ count: UInt32) -> UnsafeRawBufferPointer {
        // A NULL pointer with a length (a broken caller) reads as empty.
        guard let pointer else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: pointer, count: Int(count))
    }

    @inlinable
    public static func bytes(_ pointer: UnsafePointer<UInt8>?, _ count: UInt32) -> UnsafeRawBufferPointer {
        guard let pointer else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: pointer, count: Int(count))
    }

    /// The name the op acts on, for every op that has one in the object's
    /// directory (lookup, open_at, mkdir, mknod, symlink, remove, rename's
    /// source, link's and link_at's new name).
    @inlinable
    public var name: UnsafeRawBufferPointer {
        let r = raw.pointee
        switch op {
        case .lookup: return Self.bytes(r.lookup.name, r.lookup.name_len)
        case .openAt: return Self.bytes(r.open_at.name, r.open_at.name_len)
        case .mkdir: return Self.bytes(r.mkdir.name, r.mkdir.name_len)
        case .mknod: return Self.bytes(r.mknod.name, r.mknod.name_len)
        case .symlink: return Self.bytes(r.symlink.name, r.symlink.name_len)
        case .remove: return Self.bytes(r.remove.name, r.remove.name_len)
        case .rename: return Self.bytes(r.rename.name, r.rename.name_len)
        case .link: return Self.bytes(r.link.name, r.link.name_len)
        case .linkAt: return Self.bytes(r.link_at.name, r.link_at.name_len)
        default: return UnsafeRawBufferPointer(start: nil, count: 0)
        }
    }

    /// Whether the caller asked for the object's attributes.
    @inlinable
    public var wantsAttributes: Bool { raw.pointee.r_attrs.req_mask != 0 }

    /// Whether the caller asked for the object's pre-op attributes (WCC).
    @inlinable
    public var wantsPreAttributes: Bool { raw.pointee.r_pre_attrs.req_mask != 0 }

    /// Whether the caller asked for the directory's WCC attributes.
    @inlinable
    public var wantsDirectoryAttributes: Bool {
        raw.pointee.r_dir_pre_attrs.req_mask != 0 || raw.pointee.r_dir_post_attrs.req_mask != 0
    }

    /// READDIR: hand one entry to the caller. Returns false when the caller
    /// is full: stop, and complete with `r_eof` = 0.
    @inlinable
    public func emit(
        name: UnsafeRawBufferPointer,
        cookie: UInt64,
        handle: UnsafeRawBufferPointer,
        attributes: UnsafePointer<chimera_attrs>?
    ) -> Bool {
        guard let emit = raw.pointee.readdir.emit else { return false }
        let rc = emit(
            raw,
            name.baseAddress?.assumingMemoryBound(to: CChar.self),
            UInt32(name.count),
            cookie,
            handle.baseAddress?.assumingMemoryBound(to: UInt8.self),
            UInt32(handle.count),
            attributes
        )
        return rc == 0
    }

    /// The data iovecs of a READ (destination) or WRITE (source).
    @inlinable
    public var iovecs: UnsafeBufferPointer<iovec> {
        let io = op == .write ? raw.pointee.write : raw.pointee.read
        guard let iov = io.iov else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: iov, count: Int(io.iovcnt))
    }
}
