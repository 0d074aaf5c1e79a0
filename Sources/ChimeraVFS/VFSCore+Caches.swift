import CChimera
import ChimeraPluginKit

/// How the core keeps its caches true (see also `chimera_rcu.h`).
///
/// Every cached value carries a stamp: the version counter of its key when
/// the module produced it. An op that changes an object or a name bumps
/// the key's counter when it is dispatched (so nothing cached before is
/// served while it runs) and again when it completes — atomically from the
/// value it set, in which case its own results are cached under the new
/// stamp; if anything else touched the key meanwhile, it only bumps.
/// Results about objects the core could not name at dispatch (the child a
/// LOOKUP finds) are cached only if the mount's mutation counter did not
/// move while the op ran.
extension VFSCore {
    /// Record stamps at dispatch (handles are still wire handles).
    func recordVersions(_ request: UnsafeMutablePointer<chimera_vfs_request>, _ mount: Mount) {
        let s = request.scratch
        let handle = request.handleBytes
        var flags = request.flags
        switch OpTraits.of(request.pointee.op).cache {
        case .readsAttributes:
            let key = keyHash(handle)
            s[Scratch.key1] = key
            s[Scratch.stamp1] = versions.load(key)
            flags.insert(.hasKey1)
        case .looksUp, .opensEntry:
            let name = VFSRequest(request).name
            let key = keyHash(handle, name)
            s[Scratch.key2] = key
            flags.insert(.hasKey2)
            let creates =
                request.pointee.op == UInt32(CHIMERA_VFS_OP_OPEN_AT)
                && request.pointee.open_at.flags & (CHIMERA_VFS_OPEN_CREATE | CHIMERA_VFS_OPEN_TRUNCATE) != 0
            if creates {
                s[Scratch.stamp2] = versions.bump(key)
                let directory = keyHash(handle)
                s[Scratch.key1] = directory
                s[Scratch.stamp1] = versions.bump(directory)
                flags.formUnion([.hasKey1, .mutation])
                s[Scratch.mountStamp] = mount.mutationCounter.increment()
                // A truncating open changes the existing file.
                if request.pointee.open_at.flags & CHIMERA_VFS_OPEN_TRUNCATE != 0 {
                    bumpCachedChild(directory: handle, name: name)
                }
            } else {
                s[Scratch.stamp2] = versions.load(key)
                s[Scratch.mountStamp] = mount.mutationCounter.load()
            }
        case .looksUpParent:
            s[Scratch.mountStamp] = mount.mutationCounter.load()
        case .changesObject:
            let key = keyHash(handle)
            s[Scratch.key1] = key
            s[Scratch.stamp1] = versions.bump(key)
            flags.formUnion([.hasKey1, .mutation])
            s[Scratch.mountStamp] = mount.mutationCounter.increment()
        case .changesSecond:
            let key = keyHash(OpTraits.of(request.pointee.op).second.bytes(request))
            s[Scratch.key1] = key
            s[Scratch.stamp1] = versions.bump(key)
            flags.formUnion([.hasKey1, .mutation])
            s[Scratch.mountStamp] = mount.mutationCounter.increment()
        case .addsEntry, .removesEntry:
            let name = VFSRequest(request).name
            let directory = keyHash(handle)
            let entry = keyHash(handle, name)
            s[Scratch.key1] = directory
            s[Scratch.stamp1] = versions.bump(directory)
            s[Scratch.key2] = entry
            s[Scratch.stamp2] = versions.bump(entry)
            flags.formUnion([.hasKey1, .hasKey2, .mutation])
            s[Scratch.mountStamp] = mount.mutationCounter.increment()
            bumpIndirect(request)
        case .links:
            // key1: the linked object (its nlink changes); key2: the new name.
            let isLink = request.pointee.op == UInt32(CHIMERA_VFS_OP_LINK)
            let directory = OpTraits.of(request.pointee.op).second.bytes(request)
            let object = keyHash(handle)
            let entry = keyHash(directory, VFSRequest(request).name)
            s[Scratch.key1] = object
            s[Scratch.stamp1] = versions.bump(object)
            s[Scratch.key2] = entry
            s[Scratch.stamp2] = versions.bump(entry)
            flags.formUnion([.hasKey1, .hasKey2, .mutation])
            s[Scratch.mountStamp] = mount.mutationCounter.increment()
            versions.bump(keyHash(directory))
            if (isLink ? request.pointee.link.flags : request.pointee.link_at.flags) & CHIMERA_VFS_LINK_REPLACE != 0 {
                bumpCachedChild(directory: directory, name: VFSRequest(request).name)
            }
        case .none:
            break
        }
        request.flags = flags
    }

    /// Keys an op changes besides key1/key2, which get no new value, only
    /// a bump at dispatch and at completion: the removed or moved child,
    /// and for rename the destination directory, name and replaced child.
    func bumpIndirect(_ request: UnsafeMutablePointer<chimera_vfs_request>) {
        let handle = request.handleBytes
        let name = VFSRequest(request).name
        bumpCachedChild(directory: handle, name: name)
        guard request.pointee.op == UInt32(CHIMERA_VFS_OP_RENAME) else { return }
        let destination = UnsafeRawBufferPointer(
            start: request.pointee.rename.new_dir_fh, count: Int(request.pointee.rename.new_dir_fh_len))
        let newName = VFSRequest.bytes(request.pointee.rename.new_name, request.pointee.rename.new_name_len)
        versions.bump(keyHash(destination))
        versions.bump(keyHash(destination, newName))
        bumpCachedChild(directory: destination, name: newName)
    }

    /// Bump the attributes of the object a name was last known to name (a
    /// stale guess only costs a miss) and drop its cached open.
    func bumpCachedChild(directory: UnsafeRawBufferPointer, name: UnsafeRawBufferPointer) {
        NameCache.withKey(directory: directory, name: name) { key in
            let hash = keyHash(directory, name)
            guard let entry = names.cache.get(hash: hash, key: key), entry.negative == 0 else { return }
            var handle = entry.handle
            withUnsafeBytes(of: &handle) { bytes in
                let child = UnsafeRawBufferPointer(rebasing: bytes[0..<Int(entry.handleLength)])
                versions.bump(keyHash(child))
                let closing = openFiles.evict(handle: child)
                if !closing.isEmpty, let thread = executor.currentThread(), thread < executor.loopCount {
                    close(closing, thread: thread)
                }
            }
        }
    }

    /// After the module answered (handles restored, results prefixed).
    func updateCaches(_ request: UnsafeMutablePointer<chimera_vfs_request>, _ mount: Mount, status: VFSStatus) {
        let s = request.scratch
        let flags = request.flags
        let now = monotonicNanoseconds()
        let policy = mount.module.cachePolicy
        let handle = request.handleBytes
        let op = Int32(request.pointee.op)

        if op == CHIMERA_VFS_OP_GETATTR && request.scratch[Scratch.originalOp] == UInt64(CHIMERA_VFS_OP_LOOKUP)
            && status == .ok
        {
            // LOOKUP "." answered by GETATTR: the result is the directory.
            request.resultHandlePointer.copyMemory(from: handle.baseAddress!, byteCount: handle.count)
            request.pointee.r_fh_len = UInt32(handle.count)
        }
        if flags.contains(.mutation) {
            finishMutation(request, mount, status: status, now: now, policy: policy)
            return
        }
        guard policy.attributeTTL > 0 || policy.nameTTL > 0 else { return }
        switch OpTraits.of(request.pointee.op).cache {
        case .readsAttributes:
            if status == .ok {
                attributes.store(
                    handle: handle, hash: s[Scratch.key1], attributes: request.pointee.r_attrs, stamp: s[Scratch.stamp1],
                    expires: now &+ policy.attributeTTL)
            }
        case .looksUp, .opensEntry:
            let name = VFSRequest(request).name
            if status == .ok && request.pointee.r_fh_len > UInt32(MountID.length) {
                names.store(
                    directory: handle, name: name, hash: s[Scratch.key2], child: request.resultHandleBytes,
                    stamp: s[Scratch.stamp2], expires: now &+ policy.nameTTL)
                storeUnkeyed(request, mount, now: now, policy: policy)
            } else if status == .noEntry && op == CHIMERA_VFS_OP_LOOKUP && policy.negativeTTL > 0 {
                names.store(
                    directory: handle, name: name, hash: s[Scratch.key2], child: nil, stamp: s[Scratch.stamp2],
                    expires: now &+ policy.negativeTTL)
            }
        case .looksUpParent:
            if status == .ok { storeUnkeyed(request, mount, now: now, policy: policy) }
        case .changesObject, .changesSecond, .addsEntry, .removesEntry, .links, .none:
            break
        }
    }

    /// Cache a result's object attributes (and the directory's) when no
    /// mutation ran on the mount while the op did.
    func storeUnkeyed(
        _ request: UnsafeMutablePointer<chimera_vfs_request>, _ mount: Mount, now: UInt64, policy: CachePolicy
    ) {
        guard mount.mutationCounter.load() == request.scratch[Scratch.mountStamp], policy.attributeTTL > 0 else {
            return
        }
        let child = request.resultHandleBytes
        if child.count > MountID.length {
            let hash = keyHash(child)
            attributes.store(
                handle: child, hash: hash, attributes: request.pointee.r_attrs, stamp: versions.load(hash),
                expires: now &+ policy.attributeTTL)
        }
        if request.pointee.r_dir_post_attrs.valid_mask != 0 && request.pointee.op != UInt32(CHIMERA_VFS_OP_LOOKUP_PARENT) {
            let directory = request.handleBytes
            let hash = keyHash(directory)
            attributes.store(
                handle: directory, hash: hash, attributes: request.pointee.r_dir_post_attrs, stamp: versions.load(hash),
                expires: now &+ policy.attributeTTL)
        }
    }

    func finishMutation(
        _ request: UnsafeMutablePointer<chimera_vfs_request>, _ mount: Mount, status: VFSStatus, now: UInt64,
        policy: CachePolicy
    ) {
        let s = request.scratch
        let flags = request.flags
        let handle = request.handleBytes
        let op = Int32(request.pointee.op)
        let quiet = mount.mutationCounter.load() == s[Scratch.mountStamp]
        mount.mutationCounter.increment()

        // Claim each key for our result, or just invalidate it.
        func claim(_ keySlot: Int, _ stampSlot: Int) -> UInt64? {
            let key = s[keySlot]
            let stamp = s[stampSlot]
            if status == .ok && versions.compareExchange(key, expected: stamp, desired: stamp &+ 1) {
                return stamp &+ 1
            }
            versions.bump(key)
            return nil
        }
        let first = flags.contains(.hasKey1) ? claim(Scratch.key1, Scratch.stamp1) : nil
        let second = flags.contains(.hasKey2) ? claim(Scratch.key2, Scratch.stamp2) : nil

        switch OpTraits.of(request.pointee.op).cache {
        case .changesObject:
            if let first, policy.attributeTTL > 0 {
                attributes.store(
                    handle: handle, hash: s[Scratch.key1], attributes: request.pointee.r_attrs, stamp: first,
                    expires: now &+ policy.attributeTTL)
            }
        case .opensEntry, .addsEntry:
            guard status == .ok else { break }
            if let first, policy.attributeTTL > 0 {
                attributes.store(
                    handle: handle, hash: s[Scratch.key1], attributes: request.pointee.r_dir_post_attrs, stamp: first,
                    expires: now &+ policy.attributeTTL)
            }
            let child = request.resultHandleBytes
            if op == CHIMERA_VFS_OP_OPEN_AT && child.count > MountID.length
                && request.pointee.open_at.flags & CHIMERA_VFS_OPEN_TRUNCATE != 0
            {
                // Truncated: what anyone cached about it is old.
                versions.bump(keyHash(child))
            }
            if let second, policy.nameTTL > 0, child.count > MountID.length {
                names.store(
                    directory: handle, name: VFSRequest(request).name, hash: s[Scratch.key2], child: child,
                    stamp: second, expires: now &+ policy.nameTTL)
            }
            if quiet && policy.attributeTTL > 0 && child.count > MountID.length {
                let hash = keyHash(child)
                attributes.store(
                    handle: child, hash: hash, attributes: request.pointee.r_attrs, stamp: versions.load(hash),
                    expires: now &+ policy.attributeTTL)
            }
        case .removesEntry:
            bumpIndirect(request)
            if status == .ok {
                if request.pointee.op == UInt32(CHIMERA_VFS_OP_REMOVE) && request.pointee.r_fh_len > 0 {
                    let child = request.resultHandleBytes
                    versions.bump(keyHash(child))
                    let closing = openFiles.evict(handle: child)
                    if !closing.isEmpty { close(closing, thread: request.pointee.thread_index) }
                }
                if let first, policy.attributeTTL > 0 {
                    attributes.store(
                        handle: handle, hash: s[Scratch.key1], attributes: request.pointee.r_dir_post_attrs,
                        stamp: first, expires: now &+ policy.attributeTTL)
                }
                // After a rename the old name is usually gone, but not when
                // both names were links to one file (POSIX rename does
                // nothing then): cache no answer for it.
                if let second, policy.negativeTTL > 0, op == CHIMERA_VFS_OP_REMOVE {
                    names.store(
                        directory: handle, name: VFSRequest(request).name, hash: s[Scratch.key2], child: nil,
                        stamp: second, expires: now &+ policy.negativeTTL)
                }
            }
        case .links:
            let isLink = request.pointee.op == UInt32(CHIMERA_VFS_OP_LINK)
            let directory = OpTraits.of(request.pointee.op).second.bytes(request)
            versions.bump(keyHash(directory))
            if (isLink ? request.pointee.link.flags : request.pointee.link_at.flags) & CHIMERA_VFS_LINK_REPLACE != 0 {
                bumpCachedChild(directory: directory, name: VFSRequest(request).name)
            }
            if status == .ok, isLink, let first, policy.attributeTTL > 0 {
                attributes.store(
                    handle: handle, hash: s[Scratch.key1], attributes: request.pointee.r_attrs, stamp: first,
                    expires: now &+ policy.attributeTTL)
            }
            if status == .ok, isLink, let second, policy.nameTTL > 0 {
                names.store(
                    directory: directory, name: VFSRequest(request).name, hash: s[Scratch.key2], child: handle,
                    stamp: second, expires: now &+ policy.nameTTL)
            }
        case .changesSecond, .readsAttributes, .looksUp, .looksUpParent, .none:
            break
        }
    }

    /// GETATTR from the cache; true when answered.
    func answerGetattrFromCache(_ request: UnsafeMutablePointer<chimera_vfs_request>) -> Bool {
        let handle = request.handleBytes
        let wanted = request.pointee.r_attrs.req_mask & ~(CHIMERA_ATTR_ATIME_NOW | CHIMERA_ATTR_MTIME_NOW)
        guard let attrs = attributes.lookup(
            handle: handle, hash: keyHash(handle), mask: wanted == 0 ? VFSAttributeMask.stat.rawValue : wanted,
            now: monotonicNanoseconds())
        else { return false }
        request.pointee.r_attrs = attrs
        if request.scratch[Scratch.originalOp] == UInt64(CHIMERA_VFS_OP_LOOKUP) {
            request.resultHandlePointer.copyMemory(from: handle.baseAddress!, byteCount: handle.count)
            request.pointee.r_fh_len = UInt32(handle.count)
        }
        complete(request, .ok)
        return true
    }

    /// LOOKUP from the caches; true when answered.
    func answerLookupFromCache(_ request: UnsafeMutablePointer<chimera_vfs_request>, _ mount: Mount) -> Bool {
        let directory = request.handleBytes
        let name = VFSRequest(request).name
        let now = monotonicNanoseconds()
        let wanted = request.pointee.r_attrs.req_mask == 0 ? VFSAttributeMask.stat.rawValue : request.pointee.r_attrs.req_mask
        let answered: Bool? = names.lookup(directory: directory, name: name, hash: keyHash(directory, name), now: now) {
            answer in
            switch answer {
            case .absent:
                complete(request, .noEntry)
                return true
            case .child(let child):
                guard let attrs = attributes.lookup(handle: child, hash: keyHash(child), mask: wanted, now: now) else {
                    return false
                }
                request.resultHandlePointer.copyMemory(from: child.baseAddress!, byteCount: child.count)
                request.pointee.r_fh_len = UInt32(child.count)
                request.pointee.r_attrs = attrs
                if request.pointee.r_dir_post_attrs.req_mask != 0,
                    let dirAttrs = attributes.lookup(
                        handle: directory, hash: keyHash(directory), mask: VFSAttributeMask.stat.rawValue, now: now)
                {
                    request.pointee.r_dir_post_attrs = dirAttrs
                }
                complete(request, .ok)
                return true
            }
        }
        return answered ?? false
    }

    /// An upcall: the module says an object changed underneath.
    public func invalidate(module: VFSModuleInstance, moduleHandle: UnsafeRawBufferPointer) {
        withWireHandles(module: module, moduleHandle: moduleHandle) { wire in
            versions.bump(keyHash(wire))
        }
    }

    /// An upcall: fresh attributes from the module.
    public func attributesChanged(
        module: VFSModuleInstance, moduleHandle: UnsafeRawBufferPointer, attributes attrs: chimera_attrs
    ) {
        withWireHandles(module: module, moduleHandle: moduleHandle) { wire in
            let hash = keyHash(wire)
            let stamp = versions.bump(hash)
            guard let mount = self.mount(for: wire) else { return }
            var fixed = attrs
            fixed.fsid = mount.id.fsid
            attributes.store(
                handle: wire, hash: hash, attributes: fixed, stamp: stamp,
                expires: monotonicNanoseconds() &+ mount.module.cachePolicy.attributeTTL)
        }
    }

    /// The wire handle of a module handle in each mount of the module.
    func withWireHandles(
        module: VFSModuleInstance, moduleHandle: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void
    ) {
        guard moduleHandle.count <= Int(CHIMERA_MODULE_FH_MAX) else { return }
        withUnsafeTemporaryAllocation(byteCount: Int(CHIMERA_FH_MAX), alignment: 8) { buffer in
            for mount in mounts where mount.module === module {
                mount.id.write(to: buffer.baseAddress!)
                if !moduleHandle.isEmpty {
                    (buffer.baseAddress! + MountID.length).copyMemory(
                        from: moduleHandle.baseAddress!, byteCount: moduleHandle.count)
                }
                body(UnsafeRawBufferPointer(rebasing: buffer[0..<(MountID.length + moduleHandle.count)]))
            }
        }
    }
}
