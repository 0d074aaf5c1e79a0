import CChimera
import Logging

/// The emit function the core gives modules: puts the mount id in front of
/// each entry's handle and the mount's fsid in its attributes, then calls
/// the front-end's emit. Runs on the module's thread (chimera_vfs.h).
let coreReaddirEmit: chimera_vfs_readdir_emit_fn = { request, name, nameLength, cookie, handle, handleLength, attrs in
    guard let request else { return 1 }
    let s = request.scratch
    guard
        let frontEmit = unsafeBitCast(Int(bitPattern: UInt(s[Scratch.borrowed])), to: chimera_vfs_readdir_emit_fn?.self)
    else { return 1 }
    let core = Unmanaged<VFSCore>.fromOpaque(UnsafeRawPointer(bitPattern: UInt(s[Scratch.core]))!)
        .takeUnretainedValue()
    let mount = core.mounts[Int(s[Scratch.mount]) - 1]
    if request.pointee.flags & CHIMERA_VFS_REQ_SHOW_HIDDEN == 0,
        HiddenNames.isHidden(UnsafeRawBufferPointer(start: name, count: Int(nameLength)))
    {
        // Skipped, and taken: the listing goes on past it.
        return 0
    }
    let length = Int(handleLength)
    guard length <= Int(CHIMERA_MODULE_FH_MAX) else {
        // A module broke the ABI: leave the entry out and go on (stopping
        // here would stall the listing at this cookie forever).
        core.logger.error(
            "module emitted an oversized handle in READDIR",
            metadata: ["vfs.module": "\(mount.module.name)", "vfs.handle_length": "\(length)"])
        return 0
    }
    return withUnsafeTemporaryAllocation(byteCount: Int(CHIMERA_FH_MAX), alignment: 8) { buffer in
        let base = buffer.baseAddress!
        var wireLength: UInt32 = 0
        if length > 0, let handle {
            mount.id.write(to: base)
            (base + MountID.length).copyMemory(from: handle, byteCount: length)
            wireLength = UInt32(MountID.length + length)
        }
        let wire = wireLength > 0 ? base.assumingMemoryBound(to: UInt8.self) : nil
        if let attrs {
            var fixed = attrs.pointee
            fixed.fsid = mount.id.fsid
            return withUnsafePointer(to: &fixed) { frontEmit(request, name, nameLength, cookie, wire, wireLength, $0) }
        }
        return frontEmit(request, name, nameLength, cookie, wire, wireLength, nil)
    }
}

extension VFSCore {
    func wrapReaddirEmit(_ request: UnsafeMutablePointer<chimera_vfs_request>) {
        request.scratch[Scratch.borrowed] = UInt64(UInt(bitPattern: unsafeBitCast(request.pointee.readdir.emit, to: Int.self)))
        request.pointee.readdir.emit = coreReaddirEmit
        request.flags.insert(.wrappedEmit)
    }

    func unwrapReaddirEmit(_ request: UnsafeMutablePointer<chimera_vfs_request>) {
        request.pointee.readdir.emit = unsafeBitCast(
            Int(bitPattern: UInt(request.scratch[Scratch.borrowed])), to: chimera_vfs_readdir_emit_fn?.self)
        request.scratch[Scratch.borrowed] = 0
        request.flags.remove(.wrappedEmit)
    }
}
