import CChimera
import ChimeraPluginKit
import NFS3
import ONCRPC
import XDR

extension NFS3Service {
    /// Fill and submit the one VFS request that answers the call. Names, handles and data point into the
    /// received record, which the call holds until it has replied.
    static func start(_ call: RPCCall, _ arguments: NFS3Arguments) {
        let stat = NFS3AttributeMapping.statMask
        let wcc = NFS3AttributeMapping.wccMask
        switch arguments {
        case .null:
            call.replySuccess(XDRVoid())

        case .getattr(let a):
            guard let r = call.makeRequest(op: CHIMERA_VFS_OP_GETATTR, handle: a.object.data) else { return busy(call) }
            r.pointee.r_attrs.req_mask = stat
            call.submit(r, nfs3Completion)

        case .setattr(let a):
            guard var attrs = NFS3AttributeMapping.settable(a.newAttributes) else { return fail(call, .inval) }
            guard let r = call.makeRequest(op: CHIMERA_VFS_OP_SETATTR, handle: a.object.data) else { return busy(call) }
            attrs.req_mask = 0
            r.pointee.setattr.attrs = attrs
            if let ctime = a.guard {
                call.guardTime.pointee = chimera_timespec(seconds: Int64(ctime.seconds), nanoseconds: ctime.nseconds)
                r.pointee.setattr.guard_ctime = UnsafePointer(call.guardTime)
            }
            r.pointee.r_pre_attrs.req_mask = wcc
            r.pointee.r_attrs.req_mask = stat
            call.submit(r, nfs3Completion)

        case .lookup(let a):
            guard let r = call.makeRequest(op: CHIMERA_VFS_OP_LOOKUP, handle: a.what.dir.data) else {
                return busy(call)
            }
            r.pointee.lookup.name = name(a.what.name)
            r.pointee.lookup.name_len = UInt32(a.what.name.count)
            // "." is answered as the directory's own GETATTR: its attributes are the directory's too.
            call.argument = a.what.name.count == 1 && a.what.name[0] == UInt8(ascii: ".") ? 1 : 0
            r.pointee.r_attrs.req_mask = stat
            r.pointee.r_dir_post_attrs.req_mask = stat
            call.submit(r, nfs3Completion)

        case .access(let a):
            // The core decides (the same rules every protocol's requests
            // meet); this only maps its r/w/x to NFSv3's six bits.
            guard let r = call.makeRequest(op: CHIMERA_VFS_OP_ACCESS, handle: a.object.data) else { return busy(call) }
            call.argument = UInt64(a.access)
            r.pointee.access.requested = NFS3Access.posixAll
            r.pointee.r_attrs.req_mask = stat
            call.submit(r, nfs3Completion)

        case .readlink(let a):
            startReadlink(call, a)

        case .read(let a):
            startRead(call, a)

        case .write(let a):
            startWrite(call, a)

        case .create(let a):
            startCreate(call, a)

        case .mkdir(let a):
            guard let r = call.makeRequest(op: CHIMERA_VFS_OP_MKDIR, handle: a.where.dir.data) else {
                return busy(call)
            }
            guard let attrs = NFS3AttributeMapping.settable(a.attributes) else { return fail(call, .inval) }
            r.pointee.mkdir.name = name(a.where.name)
            r.pointee.mkdir.name_len = UInt32(a.where.name.count)
            r.pointee.mkdir.attrs = initial(attrs)
            submitCreateLike(call, r)

        case .symlink(let a):
            let target = a.symlink.symlinkData
            guard target.count <= Int(CHIMERA_PATH_MAX) else { return fail(call, .nametoolong) }
            guard let attrs = NFS3AttributeMapping.settable(a.symlink.symlinkAttributes) else {
                return fail(call, .inval)
            }
            guard let r = call.makeRequest(op: CHIMERA_VFS_OP_SYMLINK, handle: a.where.dir.data) else {
                return busy(call)
            }
            r.pointee.symlink.name = name(a.where.name)
            r.pointee.symlink.name_len = UInt32(a.where.name.count)
            r.pointee.symlink.target = name(target)
            r.pointee.symlink.target_len = UInt32(target.count)
            r.pointee.symlink.attrs = initial(attrs)
            submitCreateLike(call, r)

        case .mknod(let a):
            startMknod(call, a)

        case .remove(let a):
            startRemove(call, a.object, flags: UInt32(CHIMERA_VFS_REMOVE_NOT_DIR))

        case .rmdir(let a):
            startRemove(call, a.object, flags: UInt32(CHIMERA_VFS_REMOVE_DIR))

        case .rename(let a):
            guard let r = call.makeRequest(op: CHIMERA_VFS_OP_RENAME, handle: a.from.dir.data) else {
                return busy(call)
            }
            r.pointee.rename.name = name(a.from.name)
            r.pointee.rename.name_len = UInt32(a.from.name.count)
            r.pointee.rename.new_dir_fh = a.to.dir.data.bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
            r.pointee.rename.new_dir_fh_len = UInt32(a.to.dir.data.count)
            r.pointee.rename.new_name = name(a.to.name)
            r.pointee.rename.new_name_len = UInt32(a.to.name.count)
            r.pointee.r_dir_pre_attrs.req_mask = wcc
            r.pointee.r_dir_post_attrs.req_mask = stat
            r.pointee.rename.r_new_dir_pre_attrs.req_mask = wcc
            r.pointee.rename.r_new_dir_post_attrs.req_mask = stat
            call.submit(r, nfs3Completion)

        case .link(let a):
            guard let r = call.makeRequest(op: CHIMERA_VFS_OP_LINK, handle: a.file.data) else { return busy(call) }
            r.pointee.link.dir_fh = a.link.dir.data.bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
            r.pointee.link.dir_fh_len = UInt32(a.link.dir.data.count)
            r.pointee.link.name = name(a.link.name)
            r.pointee.link.name_len = UInt32(a.link.name.count)
            r.pointee.r_attrs.req_mask = stat
            r.pointee.r_dir_pre_attrs.req_mask = wcc
            r.pointee.r_dir_post_attrs.req_mask = stat
            call.submit(r, nfs3Completion)

        case .readdir(let a):
            startReaddir(
                call,
                directory: a.dir.data,
                cookie: a.cookie,
                verifier: a.cookieverf,
                dircount: .max,
                maxcount: a.count,
                plus: false
            )

        case .readdirplus(let a):
            startReaddir(
                call,
                directory: a.dir.data,
                cookie: a.cookie,
                verifier: a.cookieverf,
                dircount: a.dircount,
                maxcount: a.maxcount,
                plus: true
            )

        case .fsstat(let a):
            startFilesystemQuery(call, a.fsroot.data)

        case .fsinfo(let a):
            call.argument = call.server.vfs.capabilities(of: a.fsroot.data.bytes)
            startFilesystemQuery(call, a.fsroot.data)

        case .pathconf(let a):
            startFilesystemQuery(call, a.object.data)

        case .commit(let a):
            guard let r = call.makeRequest(op: CHIMERA_VFS_OP_COMMIT, handle: a.file.data) else { return busy(call) }
            r.pointee.commit.offset = a.offset
            r.pointee.commit.length = UInt64(a.count)
            r.pointee.r_pre_attrs.req_mask = wcc
            r.pointee.r_attrs.req_mask = stat
            call.submit(r, nfs3Completion)
        }
    }

    /// A name (or symlink target) as the VFS takes it: a pointer into the record, not NUL-terminated.
    @inline(__always)
    static func name(_ opaque: XDROpaque) -> UnsafePointer<CChar>? {
        opaque.bytes.baseAddress?.assumingMemoryBound(to: CChar.self)
    }

    /// `sattr3` as initial attributes: mode, owner, group and times only (a size at creation means nothing).
    @inline(__always)
    static func initial(_ attrs: chimera_attrs) -> chimera_attrs {
        var initial = attrs
        initial.valid_mask &= ~UInt64(CHIMERA_ATTR_SIZE)
        initial.req_mask = 0
        return initial
    }

    /// The VFS could not take a request now: the client retries (RFC 1813 §2.6, NFS3ERR_JUKEBOX).
    static func busy(_ call: RPCCall) {
        fail(call, .jukebox)
    }

    static func submitCreateLike(_ call: RPCCall, _ r: UnsafeMutablePointer<chimera_vfs_request>) {
        r.pointee.r_attrs.req_mask = NFS3AttributeMapping.statMask
        r.pointee.r_dir_pre_attrs.req_mask = NFS3AttributeMapping.wccMask
        r.pointee.r_dir_post_attrs.req_mask = NFS3AttributeMapping.statMask
        call.submit(r, nfs3Completion)
    }

    /// CREATE (RFC 1813 §3.3.8) as one OPEN_AT with no open handle: UNCHECKED creates or keeps the file
    /// (truncating it when the attributes set size 0), GUARDED fails on an existing name, EXCLUSIVE stores the
    /// client's verifier so that a retransmitted create succeeds and another client's fails.
    static func startCreate(_ call: RPCCall, _ a: NFS3CreateArgs) {
        var flags = UInt32(CHIMERA_VFS_OPEN_CREATE | CHIMERA_VFS_OPEN_NONE)
        var attrs = chimera_attrs()
        var verifier: NFS3Createverf?
        switch a.how {
        case .unchecked(let sattr):
            guard let set = NFS3AttributeMapping.settable(sattr) else { return fail(call, .inval) }
            if set.valid_mask & UInt64(CHIMERA_ATTR_SIZE) != 0 && set.size == 0 {
                // Modules truncate only what is opened for writing; no handle is kept (OPEN_NONE).
                flags |= UInt32(CHIMERA_VFS_OPEN_TRUNCATE | CHIMERA_VFS_OPEN_WRITE)
            }
            attrs = initial(set)
        case .guarded(let sattr):
            guard let set = NFS3AttributeMapping.settable(sattr) else { return fail(call, .inval) }
            flags |= UInt32(CHIMERA_VFS_OPEN_EXCLUSIVE)
            attrs = initial(set)
        case .exclusive(let verf):
            flags |= UInt32(CHIMERA_VFS_OPEN_VERIFIER | CHIMERA_VFS_OPEN_EXCLUSIVE)
            verifier = verf
        }
        guard let r = call.makeRequest(op: CHIMERA_VFS_OP_OPEN_AT, handle: a.where.dir.data) else { return busy(call) }
        r.pointee.open_at.name = name(a.where.name)
        r.pointee.open_at.name_len = UInt32(a.where.name.count)
        r.pointee.open_at.flags = flags
        r.pointee.open_at.attrs = attrs
        if let verifier {
            withUnsafeMutableBytes(of: &r.pointee.open_at.verifier) { bytes in
                for index in 0..<min(bytes.count, 8) { bytes[index] = verifier[index] }
            }
        }
        submitCreateLike(call, r)
    }

    /// MKNOD (RFC 1813 §3.3.11): devices, sockets and FIFOs; anything else is NFS3ERR_BADTYPE.
    static func startMknod(_ call: RPCCall, _ a: NFS3MknodArgs) {
        let type: Int32
        var sattr: NFS3Sattr
        var rdev: UInt64 = 0
        switch a.what {
        case .chr(let device):
            type = CHIMERA_S_IFCHR
            sattr = device.devAttributes
            rdev = UInt64(device.spec.specdata1) << 32 | UInt64(device.spec.specdata2)
        case .blk(let device):
            type = CHIMERA_S_IFBLK
            sattr = device.devAttributes
            rdev = UInt64(device.spec.specdata1) << 32 | UInt64(device.spec.specdata2)
        case .sock(let attributes):
            type = CHIMERA_S_IFSOCK
            sattr = attributes
        case .fifo(let attributes):
            type = CHIMERA_S_IFIFO
            sattr = attributes
        case .default:
            return fail(call, .badtype)
        }
        guard var attrs = NFS3AttributeMapping.settable(sattr) else { return fail(call, .inval) }
        attrs = initial(attrs)
        let permissions = attrs.valid_mask & UInt64(CHIMERA_ATTR_MODE) != 0 ? attrs.mode & 0o7777 : 0o644
        attrs.mode = UInt32(type) | permissions
        attrs.valid_mask |= UInt64(CHIMERA_ATTR_MODE | CHIMERA_ATTR_RDEV)
        attrs.rdev = rdev
        guard let r = call.makeRequest(op: CHIMERA_VFS_OP_MKNOD, handle: a.where.dir.data) else { return busy(call) }
        r.pointee.mknod.name = name(a.where.name)
        r.pointee.mknod.name_len = UInt32(a.where.name.count)
        r.pointee.mknod.attrs = attrs
        submitCreateLike(call, r)
    }

    static func startRemove(_ call: RPCCall, _ what: NFS3Diropargs, flags: UInt32) {
        guard let r = call.makeRequest(op: CHIMERA_VFS_OP_REMOVE, handle: what.dir.data) else { return busy(call) }
        r.pointee.remove.name = name(what.name)
        r.pointee.remove.name_len = UInt32(what.name.count)
        r.pointee.remove.flags = flags
        r.pointee.r_dir_pre_attrs.req_mask = NFS3AttributeMapping.wccMask
        r.pointee.r_dir_post_attrs.req_mask = NFS3AttributeMapping.statMask
        call.submit(r, nfs3Completion)
    }

    /// FSSTAT, FSINFO and PATHCONF all come from the VFS's FSSTAT.
    static func startFilesystemQuery(_ call: RPCCall, _ handle: XDROpaque) {
        guard let r = call.makeRequest(op: CHIMERA_VFS_OP_FSSTAT, handle: handle) else { return busy(call) }
        r.pointee.r_attrs.req_mask = NFS3AttributeMapping.statMask
        call.submit(r, nfs3Completion)
    }
}
