import CChimera
import ChimeraPluginKit
import Synchronization

extension MemFS {
    /// One READDIR entry, gathered under the directory lock and emitted
    /// after it is released (the caller's emit may be slow; no lock is
    /// held across it).
    struct ReaddirItem: @unchecked Sendable {
        var name: EntryName
        var cookie: UInt64
        var number: UInt64
        var attrs: chimera_attrs
    }

    /// Entries gathered per pass over the directory lock.
    static let readdirBatch = 128
    /// Passes one READDIR makes before it answers "not at the end yet", so
    /// a directory that grows as fast as it is listed cannot hold a thread.
    static let readdirMaxPasses = 4_096

    func lookup(_ request: VFSRequest) throws(MemFSFailure) {
        let directory = try resolveDirectory(request.handle)
        let name = try name(request.raw.pointee.lookup.name, request.raw.pointee.lookup.name_len)
        try directory.state.withLock { dir throws(MemFSFailure) in
            guard dir.alive else { throw MemFSFailure(.stale) }
            fillDirectoryPost(request, dir, directory.number)
            guard let entry = dir.entries.find(name) else { throw MemFSFailure(.noEntry) }
            setResultHandle(request, entry.inode.number)
            if request.raw.pointee.r_attrs.req_mask != 0 {
                // Directory, then child: the lock order allows it.
                entry.inode.state.withLock { child in
                    child.fill(&request.raw.pointee.r_attrs, number: entry.inode.number, identity: identity)
                }
            }
        }
    }

    func lookupParent(_ request: VFSRequest) throws(MemFSFailure) {
        let directory = try resolveDirectory(request.handle)
        let parentNumber = try directory.state.withLock { dir throws(MemFSFailure) in
            guard dir.alive, dir.parent != 0 else { throw MemFSFailure(.stale) }
            return dir.parent
        }
        guard let parent = table.get(parentNumber) else { throw MemFSFailure(.stale) }
        try parent.state.withLock { state throws(MemFSFailure) in
            guard state.alive else { throw MemFSFailure(.stale) }
            fillAttributes(request, state, parent.number)
        }
        setResultHandle(request, parent.number)
    }

    /// MOUNT: "/" is the root; any other path is resolved inside memfs.
    func mount(_ request: VFSRequest) throws(MemFSFailure) {
        let length = Int(request.raw.pointee.mount.path_len)
        guard length <= Int(CHIMERA_PATH_MAX) else { throw MemFSFailure(.nameTooLong) }
        let path = UnsafeRawBufferPointer(start: request.raw.pointee.mount.path, count: length)
        var current = root
        var start = 0
        while start < path.count {
            var end = start
            while end < path.count && path[end] != 0x2F { end += 1 }
            let component = UnsafeRawBufferPointer(rebasing: path[start..<end])
            start = end + 1
            if component.isEmpty || (component.count == 1 && component[0] == 0x2E) { continue }
            guard current.isDirectory else { throw MemFSFailure(.notDirectory) }
            if component.count == 2 && component[0] == 0x2E && component[1] == 0x2E {
                let parent = current.state.withLock { $0.parent }
                guard let up = table.get(parent) else { throw MemFSFailure(.noEntry) }
                current = up
                continue
            }
            let name = try name(component)
            let next = current.state.withLock { $0.entries.find(name)?.inode }
            guard let next else { throw MemFSFailure(.noEntry) }
            current = next
        }
        guard current.isDirectory else { throw MemFSFailure(.notDirectory) }
        try current.state.withLock { state throws(MemFSFailure) in
            guard state.alive else { throw MemFSFailure(.noEntry) }
            fillAttributes(request, state, current.number)
        }
        setResultHandle(request, current.number)
    }

    func umount(_ request: VFSRequest) throws(MemFSFailure) {
        _ = try resolveDirectory(request.handle)
    }

    /// READDIR from a cookie (RFC 1813 §3.3.16). Entries are emitted in
    /// cookie order with their handles, and attributes when asked.
    func readdir(_ request: VFSRequest, thread: MemFSThread) throws(MemFSFailure) {
        let directory = try resolveDirectory(request.handle)
        let verifier = identity.generation
        let given = withUnsafeBytes(of: request.raw.pointee.readdir.verifier) { $0.loadUnaligned(as: UInt64.self) }
        var cookie = request.raw.pointee.readdir.cookie
        if cookie != 0 && given != 0 && given != verifier.littleEndian {
            throw MemFSFailure(.badCookie)
        }
        let wantAttributes = request.raw.pointee.readdir.flags & UInt32(CHIMERA_VFS_READDIR_ATTRS) != 0

        var batch = thread.readdirBatch
        thread.readdirBatch = []
        defer {
            batch.removeAll(keepingCapacity: true)
            thread.readdirBatch = batch
        }
        var eof = false
        var passes = 0
        listing: while passes < Self.readdirMaxPasses {
            passes += 1
            batch.removeAll(keepingCapacity: true)
            let reachedEnd = try directory.state.withLock { dir throws(MemFSFailure) -> Bool in
                guard dir.alive else { throw MemFSFailure(.stale) }
                return dir.entries.forEach(after: cookie, limit: Self.readdirBatch) { name, entryCookie, inode in
                    var item = ReaddirItem(
                        name: name,
                        cookie: entryCookie,
                        number: inode.number,
                        attrs: chimera_attrs()
                    )
                    if wantAttributes {
                        inode.state.withLock { child in
                            child.fill(&item.attrs, number: inode.number, identity: identity)
                        }
                    }
                    batch.append(item)
                }
            }
            for item in batch {
                let accepted = item.name.withBytes { name in
                    withHandle(item.number) { handle in
                        withUnsafePointer(to: item.attrs) { attrs in
                            request.emit(
                                name: name,
                                cookie: item.cookie,
                                handle: handle,
                                attributes: wantAttributes ? attrs : nil
                            )
                        }
                    }
                }
                if !accepted { break listing }
                cookie = item.cookie
            }
            if reachedEnd {
                eof = true
                break
            }
        }
        directory.state.withLock { dir in
            fillDirectoryPost(request, dir, directory.number)
        }
        withUnsafeMutableBytes(of: &request.raw.pointee.readdir.r_verifier) {
            $0.storeBytes(of: verifier.littleEndian, as: UInt64.self)
        }
        request.raw.pointee.readdir.r_eof = eof ? 1 : 0
    }
}
