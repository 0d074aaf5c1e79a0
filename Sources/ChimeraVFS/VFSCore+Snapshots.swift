import CChimera
import ChimeraPluginKit
import CoreMetrics

/// The emit function of the core's own full-directory READDIRs: append
/// each entry to the snapshot being filled. Runs on the module's thread;
/// only this fill touches the snapshot until it is published.
let snapshotFillEmit: chimera_vfs_readdir_emit_fn = { request, name, nameLength, cookie, handle, handleLength, attrs in
    guard let request, let arg = request.pointee.readdir.emit_arg, let core = VFSCore.owner(of: request) else { return 1 }
    let snapshot = Unmanaged<DirectorySnapshot>.fromOpaque(arg).takeUnretainedValue()
    snapshot.append(
        name: VFSRequest.bytes(name, nameLength), cookie: cookie,
        handle: VFSRequest.bytes(handle, handleLength), attributes: attrs, versions: core.versions)
    return snapshot.entries.count >= core.snapshots.maxEntriesPerDirectory ? 1 : 0
}

extension VFSCore {
    /// Whether `request` is one of the core's own snapshot fills.
    @inline(__always)
    func isSnapshotFill(_ request: UnsafeMutablePointer<chimera_vfs_request>) -> Bool {
        unsafeBitCast(request.pointee.readdir.emit, to: Int.self) == unsafeBitCast(snapshotFillEmit, to: Int.self)
    }

    /// READDIR from a snapshot; true when answered. Starts a fill when a
    /// listing begins and there is no usable snapshot.
    func answerReaddirFromSnapshot(_ request: UnsafeMutablePointer<chimera_vfs_request>, _ mount: Mount) -> Bool {
        // Hidden names are left out of snapshots (fills do not ask for
        // them), so requests that want them go to the module.
        guard request.pointee.flags & CHIMERA_VFS_REQ_SHOW_HIDDEN == 0 else { return false }
        let directory = request.handleBytes
        let hash = keyHash(directory)
        let now = monotonicNanoseconds()
        let cookie = request.pointee.readdir.cookie
        guard let snapshot = snapshots.lookup(hash, directory: directory), snapshot.expires > now,
            versions.load(hash) == snapshot.stamp
        else {
            if cookie == 0 { startSnapshotFill(directory: directory, hash: hash, mount: mount, thread: request.pointee.thread_index) }
            return false
        }
        var index = 0
        if cookie != 0 {
            guard let position = snapshot.positions[cookie] else { return false }
            // A cookie from another listing of this directory: let the
            // module judge it.
            let given = withUnsafeBytes(of: request.pointee.readdir.verifier) { $0.loadUnaligned(as: UInt64.self) }
            let ours = withUnsafeBytes(of: snapshot.verifier) { $0.loadUnaligned(as: UInt64.self) }
            if given != 0 && given != ours { return false }
            index = position + 1
        }
        let flags = request.pointee.readdir.flags
        let wantAttributes = flags & CHIMERA_VFS_READDIR_ATTRS != 0
        let wantHandles = flags & CHIMERA_VFS_READDIR_HANDLES != 0
        guard let emit = request.pointee.readdir.emit else { return false }
        var emitted = 0
        var eof = true
        while index < snapshot.entries.count {
            let entry = snapshot.entries[index]
            var attrs = entry.attributes
            if wantAttributes {
                let fresh = entry.hasAttributes && versions.load(entry.childHash) == entry.childStamp
                if !fresh {
                    // Changed since the fill: fresher attributes, or stop
                    // here and let the module answer from this entry on.
                    let cached = snapshot.handles.withUnsafeBytes { handles in
                        attributes.lookup(
                            handle: UnsafeRawBufferPointer(rebasing: handles[entry.handle]), hash: entry.childHash,
                            mask: VFSAttributeMask.stat.rawValue, now: now)
                    }
                    guard let cached else {
                        if emitted == 0 { return false }
                        eof = false
                        break
                    }
                    attrs = cached
                }
            }
            let accepted = snapshot.names.withUnsafeBytes { names in
                snapshot.handles.withUnsafeBytes { handles in
                    let name = UnsafeRawBufferPointer(rebasing: names[entry.name])
                    let handle = UnsafeRawBufferPointer(rebasing: handles[entry.handle])
                    return withUnsafePointer(to: &attrs) { attrsPointer in
                        emit(
                            request, name.baseAddress?.assumingMemoryBound(to: CChar.self), UInt32(name.count),
                            entry.cookie,
                            wantHandles ? handle.baseAddress?.assumingMemoryBound(to: UInt8.self) : nil,
                            wantHandles ? UInt32(handle.count) : 0, wantAttributes ? attrsPointer : nil) == 0
                    }
                }
            }
            if !accepted {
                eof = false
                break
            }
            emitted += 1
            index += 1
        }
        if emitted == 0 && !eof {
            // Not even one entry fit: let the module give the caller the
            // answer it gives for that.
            return false
        }
        request.pointee.readdir.r_verifier = snapshot.verifier
        request.pointee.readdir.r_eof = eof ? 1 : 0
        if request.pointee.r_dir_post_attrs.req_mask != 0,
            let attrs = attributes.lookup(
                handle: directory, hash: hash, mask: VFSAttributeMask.stat.rawValue, now: now)
        {
            request.pointee.r_dir_post_attrs = attrs
        }
        metrics.snapshotHits.increment()
        metrics.snapshotAnswers.increment()
        complete(request, .ok)
        return true
    }

    /// Read the whole directory into a new snapshot, in the background.
    func startSnapshotFill(directory: UnsafeRawBufferPointer, hash: UInt64, mount: Mount, thread: UInt32) {
        guard snapshots.beginFill(hash) else { return }
        let snapshot = DirectorySnapshot(
            directory: directory, directoryHash: hash, stamp: versions.load(hash), mountIndex: mount.index)
        snapshot.mountStamp = mount.mutationCounter.load()
        fillSnapshot(snapshot, cookie: 0, mount: mount, thread: thread)
    }

    private func fillSnapshot(_ snapshot: DirectorySnapshot, cookie: UInt64, mount: Mount, thread: UInt32) {
        let before = snapshot.entries.count
        let request = makeInternalRequest(thread: thread) { [self] answer in
            let status = VFSStatus(rawValue: answer.pointee.status)
            guard status == .ok else {
                snapshots.endFill(snapshot.directoryHash, publishing: nil)
                return
            }
            snapshot.verifier = answer.pointee.readdir.r_verifier
            let changed = versions.load(snapshot.directoryHash) != snapshot.stamp
            if answer.pointee.readdir.r_eof != 0 && !changed {
                if mount.mutationCounter.load() != snapshot.mountStamp { snapshot.dropAttributes() }
                snapshot.complete = true
                snapshot.expires = monotonicNanoseconds() &+ mount.module.cachePolicy.nameTTL
                snapshots.endFill(snapshot.directoryHash, publishing: snapshot)
            } else if changed || snapshot.entries.count == before
                || snapshot.entries.count >= snapshots.maxEntriesPerDirectory
            {
                snapshots.endFill(snapshot.directoryHash, publishing: nil)
            } else {
                fillSnapshot(snapshot, cookie: snapshot.entries[snapshot.entries.count - 1].cookie, mount: mount, thread: thread)
            }
        }
        request.pointee.op = UInt32(CHIMERA_VFS_OP_READDIR)
        request.pointee.fh = UnsafePointer(snapshot.directoryStorage.baseAddress!.assumingMemoryBound(to: UInt8.self))
        request.pointee.fh_len = UInt32(snapshot.directory.count)
        request.pointee.readdir.cookie = cookie
        request.pointee.readdir.verifier = snapshot.verifier
        request.pointee.readdir.flags = CHIMERA_VFS_READDIR_ATTRS | CHIMERA_VFS_READDIR_HANDLES
        request.pointee.readdir.emit = snapshotFillEmit
        request.pointee.readdir.emit_arg = Unmanaged.passUnretained(snapshot).toOpaque()
        submit(request)
    }
}
