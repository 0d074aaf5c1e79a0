import CChimera
import ChimeraPluginKit
import NFS3
import ONCRPC
import XDR

/// Replies built from a finished VFS request: the procedure's result with the weak cache consistency data
/// the core's ops return (RFC 1813 §2.6), or its failure arm with whatever attributes came back.
extension NFS3Service {
    static func complete(_ call: RPCCall, _ r: UnsafeMutablePointer<chimera_vfs_request>) {
        let vfsStatus = VFSStatus(rawValue: r.pointee.status)
        let status = NFS3StatusTable.nfsstat(vfsStatus)
        noteStatus(call, status, vfsStatus)
        let map = NFS3AttributeMapping.self
        switch call.procedure {
        case .getattr:
            guard status == .ok else { return call.replySuccess(NFS3GetattrRes.default(status)) }
            call.replySuccess(NFS3GetattrRes.ok(NFS3GetattrResok(objAttributes: map.fattr(r.pointee.r_attrs))))

        case .setattr:
            let wcc = map.wcc(pre: r.pointee.r_pre_attrs, post: r.pointee.r_attrs)
            guard status == .ok else {
                return call.replySuccess(NFS3SetattrRes.resfail(status, NFS3SetattrResfail(objWcc: wcc)))
            }
            call.replySuccess(NFS3SetattrRes.ok(NFS3SetattrResok(objWcc: wcc)))

        case .lookup:
            var directory = map.postOp(r.pointee.r_dir_post_attrs)
            if directory == nil && call.argument == 1 { directory = map.postOp(r.pointee.r_attrs) }
            guard status == .ok else {
                return call.replySuccess(NFS3LookupRes.resfail(status, NFS3LookupResfail(dirAttributes: directory)))
            }
            withResultHandle(r) { handle in
                call.replySuccess(
                    NFS3LookupRes.ok(
                        NFS3LookupResok(
                            object: NFS3Fh(data: handle),
                            objAttributes: map.postOp(r.pointee.r_attrs),
                            dirAttributes: directory
                        )
                    )
                )
            }

        case .access:
            let attributes = map.postOp(r.pointee.r_attrs)
            guard status == .ok else {
                return call.replySuccess(NFS3AccessRes.resfail(status, NFS3AccessResfail(objAttributes: attributes)))
            }
            let granted = NFS3Access.granted(
                requested: UInt32(truncatingIfNeeded: call.argument),
                posix: r.pointee.access.r_granted,
                attrs: r.pointee.r_attrs,
                readOnly: call.readOnly
            )
            call.replySuccess(NFS3AccessRes.ok(NFS3AccessResok(objAttributes: attributes, access: granted)))

        case .readlink:
            completeReadlink(call, r, status)

        case .read:
            completeRead(call, r, status)

        case .write:
            completeWrite(call, r, status)

        case .create, .mkdir, .symlink, .mknod:
            completeCreateLike(call, r, status)

        case .remove, .rmdir:
            let wcc = map.wcc(pre: r.pointee.r_dir_pre_attrs, post: r.pointee.r_dir_post_attrs)
            // REMOVE3res and RMDIR3res are the same on the wire.
            guard status == .ok else {
                return call.replySuccess(NFS3RemoveRes.resfail(status, NFS3RemoveResfail(dirWcc: wcc)))
            }
            call.replySuccess(NFS3RemoveRes.ok(NFS3RemoveResok(dirWcc: wcc)))

        case .rename:
            let from = map.wcc(pre: r.pointee.r_dir_pre_attrs, post: r.pointee.r_dir_post_attrs)
            let to = map.wcc(pre: r.pointee.rename.r_new_dir_pre_attrs, post: r.pointee.rename.r_new_dir_post_attrs)
            guard status == .ok else {
                return call.replySuccess(
                    NFS3RenameRes.resfail(status, NFS3RenameResfail(fromdirWcc: from, todirWcc: to))
                )
            }
            call.replySuccess(NFS3RenameRes.ok(NFS3RenameResok(fromdirWcc: from, todirWcc: to)))

        case .link:
            let attributes = map.postOp(r.pointee.r_attrs)
            let wcc = map.wcc(pre: r.pointee.r_dir_pre_attrs, post: r.pointee.r_dir_post_attrs)
            guard status == .ok else {
                return call.replySuccess(
                    NFS3LinkRes.resfail(status, NFS3LinkResfail(fileAttributes: attributes, linkdirWcc: wcc))
                )
            }
            call.replySuccess(NFS3LinkRes.ok(NFS3LinkResok(fileAttributes: attributes, linkdirWcc: wcc)))

        case .readdir, .readdirplus:
            completeReaddir(call, r, status)

        case .fsstat, .fsinfo, .pathconf:
            completeFilesystemQuery(call, r, status)

        case .commit:
            completeCommit(call, r, status)

        default:
            call.reject(.systemError)
        }
    }

    /// The handle a request ended on, as a view into the request (valid until the call frees it).
    @inline(__always)
    static func withResultHandle(_ r: UnsafeMutablePointer<chimera_vfs_request>, _ body: (XDROpaque) -> Void) {
        VFSReply.withResultHandle(of: r) { body(XDROpaque($0)) }
    }

    /// CREATE, MKDIR, SYMLINK and MKNOD share one result shape (RFC 1813 §3.3.8–§3.3.11).
    static func completeCreateLike(
        _ call: RPCCall,
        _ r: UnsafeMutablePointer<chimera_vfs_request>,
        _ status: NFS3Nfsstat
    ) {
        let map = NFS3AttributeMapping.self
        let wcc = map.wcc(pre: r.pointee.r_dir_pre_attrs, post: r.pointee.r_dir_post_attrs)
        guard status == .ok else {
            return call.replySuccess(NFS3CreateRes.resfail(status, NFS3CreateResfail(dirWcc: wcc)))
        }
        let attributes = map.postOp(r.pointee.r_attrs)
        guard r.pointee.r_fh_len > 0 else {
            return call.replySuccess(
                NFS3CreateRes.ok(NFS3CreateResok(obj: nil, objAttributes: attributes, dirWcc: wcc))
            )
        }
        withResultHandle(r) { handle in
            call.replySuccess(
                NFS3CreateRes.ok(NFS3CreateResok(obj: NFS3Fh(data: handle), objAttributes: attributes, dirWcc: wcc))
            )
        }
    }

    static func completeFilesystemQuery(
        _ call: RPCCall,
        _ r: UnsafeMutablePointer<chimera_vfs_request>,
        _ status: NFS3Nfsstat
    ) {
        let attributes = NFS3AttributeMapping.postOp(r.pointee.r_attrs)
        let stat = r.pointee.fsstat.r_fsstat
        switch call.procedure {
        case .fsstat:
            guard status == .ok else {
                return call.replySuccess(NFS3FsstatRes.resfail(status, NFS3FsstatResfail(objAttributes: attributes)))
            }
            call.replySuccess(
                NFS3FsstatRes.ok(
                    NFS3FsstatResok(
                        objAttributes: attributes,
                        tbytes: stat.total_bytes,
                        fbytes: stat.free_bytes,
                        abytes: stat.avail_bytes,
                        tfiles: stat.total_files,
                        ffiles: stat.free_files,
                        afiles: stat.avail_files,
                        invarsec: 0
                    )
                )
            )
        case .fsinfo:
            guard status == .ok else {
                return call.replySuccess(NFS3FsinfoRes.resfail(status, NFS3FsinfoResfail(objAttributes: attributes)))
            }
            let capabilities = call.argument
            var properties = NFS3Constants.fsfHomogeneous | NFS3Constants.fsfCansettime
            if capabilities & CHIMERA_VFS_CAP_HARDLINKS != 0 { properties |= NFS3Constants.fsfLink }
            if capabilities & CHIMERA_VFS_CAP_SYMLINKS != 0 { properties |= NFS3Constants.fsfSymlink }
            let delta = stat.time_delta
            let timeDelta =
                delta.sec == 0 && delta.nsec == 0
                ? NFS3Nfstime(seconds: 0, nseconds: 1) : NFS3AttributeMapping.time(delta)
            call.replySuccess(
                NFS3FsinfoRes.ok(
                    NFS3FsinfoResok(
                        objAttributes: attributes,
                        rtmax: maxIOSize,
                        rtpref: maxIOSize,
                        rtmult: 4096,
                        wtmax: maxIOSize,
                        wtpref: maxIOSize,
                        wtmult: 4096,
                        dtpref: 64 << 10,
                        maxfilesize: stat.max_file_size == 0 ? UInt64(Int64.max) : stat.max_file_size,
                        timeDelta: timeDelta,
                        properties: properties
                    )
                )
            )
        default:
            guard status == .ok else {
                return call.replySuccess(
                    NFS3PathconfRes.resfail(status, NFS3PathconfResfail(objAttributes: attributes))
                )
            }
            call.replySuccess(
                NFS3PathconfRes.ok(
                    NFS3PathconfResok(
                        objAttributes: attributes,
                        linkmax: 65000,
                        nameMax: stat.max_name == 0 ? UInt32(CHIMERA_NAME_MAX) : stat.max_name,
                        noTrunc: true,
                        chownRestricted: true,
                        caseInsensitive: false,
                        casePreserving: true
                    )
                )
            )
        }
    }
}
