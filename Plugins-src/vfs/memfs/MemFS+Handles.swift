import CChimera
import ChimeraPluginKit
import OrderedCollections
import Synchronization

/// Handles: 16 bytes, the inode number then the instance generation, both
/// little-endian. A handle of another length is BADHANDLE; one whose inode
/// is gone, or that an earlier instance gave out, is STALE.
extension MemFS {
    @inline(__always)
    func resolve(_ handle: UnsafeRawBufferPointer) throws(MemFSFailure) -> Inode {
        guard handle.count == Self.handleLength else { throw MemFSFailure(.badHandle) }
        let number = UInt64(littleEndian: handle.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        let generation = UInt64(littleEndian: handle.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        guard generation == identity.generation, let inode = table.get(number) else {
            throw MemFSFailure(.stale)
        }
        return inode
    }

    @inline(__always)
    func resolve(_ pointer: UnsafePointer<UInt8>?, _ length: UInt32) throws(MemFSFailure) -> Inode {
        try resolve(UnsafeRawBufferPointer(start: pointer, count: Int(length)))
    }

    /// Resolve the directory an op on a name acts on.
    @inline(__always)
    func resolveDirectory(_ handle: UnsafeRawBufferPointer) throws(MemFSFailure) -> Inode {
        let inode = try resolve(handle)
        guard inode.isDirectory else { throw MemFSFailure(.notDirectory) }
        return inode
    }

    /// Write `number`'s handle into `r_fh` (no allocation).
    @inline(__always)
    func setResultHandle(_ request: VFSRequest, _ number: UInt64) {
        withUnsafeMutableBytes(of: &request.raw.pointee.r_fh) { fh in
            fh.storeBytes(of: number.littleEndian, toByteOffset: 0, as: UInt64.self)
            fh.storeBytes(of: identity.generation.littleEndian, toByteOffset: 8, as: UInt64.self)
        }
        request.raw.pointee.r_fh_len = UInt32(Self.handleLength)
    }

    /// Call `body` with `number`'s handle bytes.
    @inline(__always)
    func withHandle<R>(_ number: UInt64, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        let words = (number.littleEndian, identity.generation.littleEndian)
        return withUnsafeBytes(of: words) { body($0) }
    }

    /// A validated name argument, as a probe over the request's bytes.
    @inline(__always)
    func name(_ bytes: UnsafeRawBufferPointer) throws(MemFSFailure) -> EntryName {
        if let problem = EntryName.problem(with: bytes) { throw MemFSFailure(problem) }
        return EntryName(borrowing: bytes)
    }

    @inline(__always)
    func name(_ pointer: UnsafePointer<CChar>?, _ length: UInt32) throws(MemFSFailure) -> EntryName {
        try name(UnsafeRawBufferPointer(start: pointer, count: Int(length)))
    }

    /// Fill the object's result attributes when asked for.
    @inline(__always)
    func fillAttributes(_ request: VFSRequest, _ state: borrowing InodeState, _ number: UInt64) {
        if request.raw.pointee.r_attrs.req_mask != 0 {
            state.fill(&request.raw.pointee.r_attrs, number: number, identity: identity)
        }
    }

    @inline(__always)
    func fillPreAttributes(_ request: VFSRequest, _ state: borrowing InodeState, _ number: UInt64) {
        if request.raw.pointee.r_pre_attrs.req_mask != 0 {
            state.fill(&request.raw.pointee.r_pre_attrs, number: number, identity: identity)
        }
    }

    @inline(__always)
    func fillDirectoryPre(_ request: VFSRequest, _ state: borrowing InodeState, _ number: UInt64) {
        if request.raw.pointee.r_dir_pre_attrs.req_mask != 0 {
            state.fill(&request.raw.pointee.r_dir_pre_attrs, number: number, identity: identity)
        }
    }

    @inline(__always)
    func fillDirectoryPost(_ request: VFSRequest, _ state: borrowing InodeState, _ number: UInt64) {
        if request.raw.pointee.r_dir_post_attrs.req_mask != 0 {
            state.fill(&request.raw.pointee.r_dir_post_attrs, number: number, identity: identity)
        }
    }

    /// A fresh inode number (never reused by this instance).
    @inline(__always)
    func allocateNumber() -> UInt64 {
        nextNumber.wrappingAdd(1, ordering: .relaxed).oldValue
    }

    /// Drop an inode that has no names and no opens: free its data and make
    /// its handles stale. Called with the inode's lock held (the table's
    /// locks are leaves).
    func reapIfUnused(_ state: inout InodeState, _ number: UInt64) {
        guard state.alive, state.nlink == 0, state.openCount == 0, number != Self.rootNumber else { return }
        state.alive = false
        usage.releasePages(state.pages.releaseAll())
        if state.xattrBytes > 0 {
            _ = usage.adjustMetadata(-state.xattrBytes)
            state.xattrs = [:]
            state.xattrBytes = 0
        }
        state.target = []
        state.parent = 0
        table.remove(number)
        usage.releaseInode()
    }

    /// The credential's owner for a new object, unless `attrs` set it.
    @inline(__always)
    func owner(_ request: VFSRequest, _ attrs: chimera_attrs) -> (uid: UInt32, gid: UInt32) {
        let cred = request.raw.pointee.cred
        let uid = attrs.valid_mask & CHIMERA_ATTR_UID != 0 ? attrs.uid : (cred?.pointee.uid ?? 0)
        let gid = attrs.valid_mask & CHIMERA_ATTR_GID != 0 ? attrs.gid : (cred?.pointee.gid ?? 0)
        return (uid, gid)
    }
}
