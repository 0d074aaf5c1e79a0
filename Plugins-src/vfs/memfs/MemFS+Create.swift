import CChimera
import ChimeraPluginKit
import Synchronization

extension MemFS {
    /// Permission bits of a new object whose attributes do not set them.
    static func defaultPermissions(_ type: VFSFileType) -> UInt32 {
        switch type {
        case .directory: 0o755
        case .symlink: 0o777
        default: 0o644
        }
    }

    /// Build the state of a new object from the request's credential and
    /// initial attributes.
    func newState(
        _ request: VFSRequest,
        type: VFSFileType,
        attrs: chimera_attrs,
        now: chimera_timespec
    ) throws(MemFSFailure) -> InodeState {
        let (uid, gid) = owner(request, attrs)
        var state = InodeState(
            type: type,
            permissions: Self.defaultPermissions(type),
            uid: uid,
            gid: gid,
            now: now
        )
        var initial = attrs
        if type != .regular { initial.valid_mask &= ~CHIMERA_ATTR_SIZE }
        try apply(initial, to: &state, now: now)
        state.change = 1
        return state
    }

    /// Insert a new object named `name` into the locked directory `dir`.
    /// Fills the result handle, the child's attributes and the directory's
    /// post-op attributes.
    func insertNew(
        _ request: VFSRequest,
        _ state: consuming InodeState,
        named name: EntryName,
        into dir: inout InodeState,
        directory: Inode,
        now: chimera_timespec
    ) throws(MemFSFailure) -> Inode {
        guard usage.reserveInode() else { throw MemFSFailure(.noSpace) }
        let number = allocateNumber()
        let isDirectory = state.isDirectory
        if isDirectory { state.parent = directory.number }
        fillAttributes(request, state, number)
        let inode = Inode(number: number, state: state)
        table.insert(inode)
        dir.entries.insert(name, inode)
        if isDirectory { dir.nlink += 1 }
        dir.touchContents(now)
        fillDirectoryPost(request, dir, directory.number)
        setResultHandle(request, number)
        return inode
    }

    /// MKDIR, MKNOD and SYMLINK: create `name`, or EXIST.
    func createEntry(
        _ request: VFSRequest,
        name bytes: UnsafeRawBufferPointer,
        type: VFSFileType,
        attrs: chimera_attrs,
        configure: (inout InodeState) -> Void = { _ in }
    ) throws(MemFSFailure) {
        let directory = try resolveDirectory(request.handle)
        let name = try name(bytes)
        let now = MemFSClock.now()
        var state = try newState(request, type: type, attrs: attrs, now: now)
        configure(&state)
        try directory.state.withLock { dir throws(MemFSFailure) in
            guard dir.alive, dir.nlink > 0 else { throw MemFSFailure(.noEntry) }
            guard dir.entries.find(name) == nil else { throw MemFSFailure(.exists) }
            fillDirectoryPre(request, dir, directory.number)
            _ = try insertNew(request, state, named: name, into: &dir, directory: directory, now: now)
        }
    }

    func mkdir(_ request: VFSRequest) throws(MemFSFailure) {
        let args = request.raw.pointee.mkdir
        try createEntry(request, name: VFSRequest.bytes(args.name, args.name_len), type: .directory, attrs: args.attrs)
    }

    func mknod(_ request: VFSRequest) throws(MemFSFailure) {
        let args = request.raw.pointee.mknod
        let type = VFSFileType(rawValue: args.attrs.mode)
        switch type {
        case .characterDevice, .blockDevice, .fifo, .socket, .regular: break
        default: throw MemFSFailure(.invalid)
        }
        let rdev = args.attrs.rdev
        try createEntry(request, name: VFSRequest.bytes(args.name, args.name_len), type: type, attrs: args.attrs) {
            if type == .characterDevice || type == .blockDevice { $0.rdev = rdev }
        }
    }

    func symlink(_ request: VFSRequest) throws(MemFSFailure) {
        let args = request.raw.pointee.symlink
        guard args.target_len <= UInt32(CHIMERA_PATH_MAX) else { throw MemFSFailure(.nameTooLong) }
        let target = Array(UnsafeRawBufferPointer(start: args.target, count: Int(args.target_len)))
        guard !target.isEmpty else { throw MemFSFailure(.invalid) }
        try createEntry(request, name: VFSRequest.bytes(args.name, args.name_len), type: .symlink, attrs: args.attrs) {
            $0.target = target
            $0.size = UInt64(target.count)
        }
    }

    func readlink(_ request: VFSRequest) throws(MemFSFailure) {
        let inode = try resolve(request.handle)
        let buffer = request.raw.pointee.readlink.buf
        let capacity = Int(request.raw.pointee.readlink.buf_len)
        let length = try inode.state.withLock { state throws(MemFSFailure) -> Int in
            guard state.alive else { throw MemFSFailure(.stale) }
            guard state.type == .symlink else { throw MemFSFailure(.invalid) }
            guard state.target.count <= capacity, let buffer else { throw MemFSFailure(.range) }
            state.target.withUnsafeBytes { bytes in
                if let base = bytes.baseAddress {
                    UnsafeMutableRawPointer(buffer).copyMemory(from: base, byteCount: bytes.count)
                }
            }
            return state.target.count
        }
        request.raw.pointee.readlink.r_length = UInt32(length)
    }

    /// OPEN_AT: open or create a name in one step (NFSv4 OPEN, SMB CREATE,
    /// S3 PUT, NFSv3 CREATE with its three modes, RFC 1813 §3.3.8).
    func openAt(_ request: VFSRequest) throws(MemFSFailure) {
        let directory = try resolveDirectory(request.handle)
        let args = request.raw.pointee.open_at
        let name = try name(args.name, args.name_len)
        let flags = args.flags
        let verifier: UInt64? =
            flags & UInt32(CHIMERA_VFS_OPEN_VERIFIER) != 0
            ? withUnsafeBytes(of: args.verifier) { $0.loadUnaligned(as: UInt64.self) } : nil
        let create = flags & UInt32(CHIMERA_VFS_OPEN_CREATE) != 0 || verifier != nil
        let exclusive = flags & UInt32(CHIMERA_VFS_OPEN_EXCLUSIVE) != 0 || verifier != nil
        let wantsDirectory = flags & UInt32(CHIMERA_VFS_OPEN_DIRECTORY) != 0
        let writing = flags & UInt32(CHIMERA_VFS_OPEN_WRITE | CHIMERA_VFS_OPEN_TRUNCATE) != 0
        let wantsOpen =
            flags & UInt32(CHIMERA_VFS_OPEN_NONE) == 0
            && flags & UInt32(CHIMERA_VFS_OPEN_READ | CHIMERA_VFS_OPEN_WRITE) != 0
        let now = MemFSClock.now()

        let (number, created) = try directory.state.withLock { dir throws(MemFSFailure) -> (UInt64, Bool) in
            guard dir.alive, dir.nlink > 0 else { throw MemFSFailure(.noEntry) }
            fillDirectoryPre(request, dir, directory.number)
            if let entry = dir.entries.find(name) {
                let child = entry.inode
                try child.state.withLock { state throws(MemFSFailure) in
                    guard state.alive else { throw MemFSFailure(.stale) }
                    var retry = false
                    if exclusive {
                        guard let verifier, state.isRegular, state.createVerifier == verifier else {
                            throw MemFSFailure(.exists)
                        }
                        retry = true
                    }
                    if wantsDirectory && !state.isDirectory { throw MemFSFailure(.notDirectory) }
                    if state.isDirectory && writing { throw MemFSFailure(.isDirectory) }
                    if flags & UInt32(CHIMERA_VFS_OPEN_TRUNCATE) != 0 && !retry && state.isRegular && state.size != 0 {
                        resize(&state, to: 0)
                        state.touchContents(now)
                    }
                    if wantsOpen { state.openCount += 1 }
                    fillAttributes(request, state, child.number)
                }
                fillDirectoryPost(request, dir, directory.number)
                setResultHandle(request, child.number)
                return (child.number, false)
            }
            guard create else { throw MemFSFailure(.noEntry) }
            let type: VFSFileType = wantsDirectory ? .directory : .regular
            var state = try newState(request, type: type, attrs: args.attrs, now: now)
            state.createVerifier = verifier
            if wantsOpen { state.openCount = 1 }
            let inode = try insertNew(request, state, named: name, into: &dir, directory: directory, now: now)
            return (inode.number, true)
        }
        request.raw.pointee.open_at.r_created = created ? 1 : 0
        request.raw.pointee.open_at.r_open_handle = wantsOpen ? number : 0
    }

    func open(_ request: VFSRequest) throws(MemFSFailure) {
        let inode = try resolve(request.handle)
        let flags = request.raw.pointee.open.flags
        let now = MemFSClock.now()
        try inode.state.withLock { state throws(MemFSFailure) in
            guard state.alive else { throw MemFSFailure(.stale) }
            if flags & UInt32(CHIMERA_VFS_OPEN_DIRECTORY) != 0 && !state.isDirectory {
                throw MemFSFailure(.notDirectory)
            }
            if state.isDirectory && flags & UInt32(CHIMERA_VFS_OPEN_WRITE | CHIMERA_VFS_OPEN_TRUNCATE) != 0 {
                throw MemFSFailure(.isDirectory)
            }
            if flags & UInt32(CHIMERA_VFS_OPEN_TRUNCATE) != 0 && state.isRegular && state.size != 0 {
                resize(&state, to: 0)
                state.touchContents(now)
            }
            state.openCount += 1
            fillAttributes(request, state, inode.number)
        }
        request.raw.pointee.open.r_open_handle = inode.number
    }

    func close(_ request: VFSRequest) throws(MemFSFailure) {
        let inode: Inode
        if request.raw.pointee.fh_len == 0 {
            guard let found = table.get(request.openHandle) else { throw MemFSFailure(.badOpenHandle) }
            inode = found
        } else {
            inode = try resolve(request.handle)
        }
        try inode.state.withLock { state throws(MemFSFailure) in
            guard state.openCount > 0 else { throw MemFSFailure(.badOpenHandle) }
            state.openCount -= 1
            reapIfUnused(&state, inode.number)
        }
    }

    /// CREATE_UNLINKED (O_TMPFILE): a file with no name, open for writing,
    /// that LINK_AT names atomically or CLOSE drops.
    func createUnlinked(_ request: VFSRequest) throws(MemFSFailure) {
        let directory = try resolveDirectory(request.handle)
        let now = MemFSClock.now()
        var state = try newState(request, type: .regular, attrs: request.raw.pointee.create_unlinked.attrs, now: now)
        state.nlink = 0
        state.openCount = 1
        try directory.state.withLock { dir throws(MemFSFailure) in
            guard dir.alive, dir.nlink > 0 else { throw MemFSFailure(.noEntry) }
        }
        guard usage.reserveInode() else { throw MemFSFailure(.noSpace) }
        let number = allocateNumber()
        fillAttributes(request, state, number)
        table.insert(Inode(number: number, state: state))
        setResultHandle(request, number)
        request.raw.pointee.create_unlinked.r_open_handle = number
    }

    /// LINK_AT: name the anonymous file; with LINK_REPLACE an existing file
    /// of that name is replaced in the same step.
    func linkAt(_ request: VFSRequest) throws(MemFSFailure) {
        let file: Inode
        if request.raw.pointee.fh_len == 0 {
            guard let found = table.get(request.openHandle) else { throw MemFSFailure(.badOpenHandle) }
            file = found
        } else {
            file = try resolve(request.handle)
        }
        guard !file.isDirectory else { throw MemFSFailure(.isDirectory) }
        let args = request.raw.pointee.link_at
        let directory = try resolve(args.dir_fh, args.dir_fh_len)
        guard directory.isDirectory else { throw MemFSFailure(.notDirectory) }
        let name = try name(args.name, args.name_len)
        let replace = args.flags & UInt32(CHIMERA_VFS_LINK_REPLACE) != 0
        let now = MemFSClock.now()
        try directory.state.withLock { dir throws(MemFSFailure) in
            guard dir.alive, dir.nlink > 0 else { throw MemFSFailure(.noEntry) }
            let existing = dir.entries.find(name)?.inode
            if let existing {
                guard replace else { throw MemFSFailure(.exists) }
                if existing === file {
                    file.state.withLock { fillAttributes(request, $0, file.number) }
                    fillDirectoryPre(request, dir, directory.number)
                    fillDirectoryPost(request, dir, directory.number)
                    return
                }
                if existing.isDirectory { throw MemFSFailure(.isDirectory) }
            }
            fillDirectoryPre(request, dir, directory.number)
            try withNonDirectories(file, existing) { f, e throws(MemFSFailure) in
                guard f.pointee.alive else { throw MemFSFailure(.stale) }
                guard f.pointee.nlink < Self.maxLinks else { throw MemFSFailure(.tooManyLinks) }
                if let e, let existing {
                    dir.entries.remove(name)
                    e.pointee.nlink -= 1
                    e.pointee.touchMetadata(now)
                    reapIfUnused(&e.pointee, existing.number)
                }
                dir.entries.insert(name, file)
                f.pointee.nlink += 1
                f.pointee.touchMetadata(now)
                fillAttributes(request, f.pointee, file.number)
            }
            dir.touchContents(now)
            fillDirectoryPost(request, dir, directory.number)
        }
    }
}
