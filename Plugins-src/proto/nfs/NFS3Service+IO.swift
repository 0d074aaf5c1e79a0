import CChimera
import ChimeraPluginKit
import NFS3
import ONCRPC
import XDR

/// READ, WRITE, COMMIT and READLINK without copying data in user space: READ and READLINK have the VFS
/// write into the reply buffer behind room left for the headers, which are written in front afterwards;
/// WRITE hands the VFS the data where it lies in the received record.
extension NFS3Service {
    /// Where READ data starts in its reply buffer: room for the largest RPC + READ3resok header.
    static let readDataOffset = NFS3ReadReplyHeader.maxReplyPrefixSize

    static func startRead(_ call: RPCCall, _ a: NFS3ReadArgs) {
        let count = Int(min(a.count, maxIOSize))
        guard let buffer = call.server.host.allocateBuffer(capacity: readDataOffset + count + 4) else {
            return busy(call)
        }
        call.reply = buffer
        call.dataOffset = readDataOffset
        call.argument = UInt64(count)
        guard let r = call.makeRequest(op: CHIMERA_VFS_OP_READ, handle: a.file.data) else { return busy(call) }
        call.iovec.pointee = iovec(iov_base: buffer.bytes.baseAddress.map { $0 + readDataOffset }, iov_len: count)
        r.pointee.read.offset = a.offset
        r.pointee.read.length = UInt32(count)
        r.pointee.read.iovcnt = 1
        r.pointee.read.iov = UnsafePointer(call.iovec)
        r.pointee.r_attrs.req_mask = NFS3AttributeMapping.statMask
        call.submit(r, nfs3Completion)
    }

    static func completeRead(_ call: RPCCall, _ r: UnsafeMutablePointer<chimera_vfs_request>, _ status: NFS3Nfsstat) {
        let attributes = NFS3AttributeMapping.postOp(r.pointee.r_attrs)
        guard status == .ok, let buffer = call.reply else {
            return call.replySuccess(NFS3ReadRes.resfail(status, NFS3ReadResfail(fileAttributes: attributes)))
        }
        let count = min(Int(r.pointee.read.r_length), Int(call.argument))
        let header = NFS3ReadReplyHeader(attributes: attributes, count: UInt32(count), eof: r.pointee.read.r_eof != 0)
        var writer = XDRWriter(buffer.bytes)
        do {
            let start = try header.encodeReplyPrefix(xid: call.xid, endingAt: call.dataOffset, in: &writer)
            try writer.seek(to: call.dataOffset + count)
            try writer.writePadding(forLength: count)
            call.reply = nil
            buffer.advance(by: start)
            buffer.length = writer.position - start
            call.sendReply(buffer)
        } catch {
            call.reject(.systemError)
        }
    }

    /// WRITE (RFC 1813 §3.3.7) honours stable_how; the reply carries what the VFS achieved and the
    /// server's write verifier.
    static func startWrite(_ call: RPCCall, _ a: NFS3WriteArgs) {
        guard a.payloadMatchesCount else { return fail(call, .inval) }
        let stable: UInt32
        switch a.stable {
        case .unstable: stable = CHIMERA_VFS_UNSTABLE
        case .dataSync: stable = CHIMERA_VFS_DATA_SYNC
        case .fileSync: stable = CHIMERA_VFS_FILE_SYNC
        default: return fail(call, .inval)
        }
        guard let r = call.makeRequest(op: CHIMERA_VFS_OP_WRITE, handle: a.file.data) else { return busy(call) }
        call.iovec.pointee = iovec(
            iov_base: UnsafeMutableRawPointer(mutating: a.data.bytes.baseAddress),
            iov_len: a.data.count
        )
        call.argument = UInt64(stable)
        r.pointee.write.offset = a.offset
        r.pointee.write.length = a.count
        r.pointee.write.iovcnt = 1
        r.pointee.write.iov = UnsafePointer(call.iovec)
        r.pointee.write.stable = stable
        r.pointee.r_pre_attrs.req_mask = NFS3AttributeMapping.wccMask
        r.pointee.r_attrs.req_mask = NFS3AttributeMapping.statMask
        call.submit(r, nfs3Completion)
    }

    static func completeWrite(_ call: RPCCall, _ r: UnsafeMutablePointer<chimera_vfs_request>, _ status: NFS3Nfsstat) {
        let wcc = NFS3AttributeMapping.wcc(pre: r.pointee.r_pre_attrs, post: r.pointee.r_attrs)
        guard status == .ok else {
            return call.replySuccess(NFS3WriteRes.resfail(status, NFS3WriteResfail(fileWcc: wcc)))
        }
        let achieved = min(r.pointee.write.r_stable, CHIMERA_VFS_FILE_SYNC)
        call.replySuccess(
            NFS3WriteRes.ok(
                NFS3WriteResok(
                    fileWcc: wcc,
                    count: r.pointee.write.r_length,
                    committed: NFS3StableHow(rawValue: Int32(achieved)),
                    verf: call.server.writeVerifier
                )
            )
        )
    }

    // MARK: READLINK

    /// READLINK's reply: RPC header (24), status, no attributes, the target's length, then the target,
    /// which the VFS writes in place.
    static let readlinkDataOffset = 24 + 4 + 4 + 4

    static func startReadlink(_ call: RPCCall, _ a: NFS3ReadlinkArgs) {
        let capacity = readlinkDataOffset + Int(CHIMERA_PATH_MAX) + 4
        guard RPCReplyHeader.successSize() == 24,
            let buffer = call.server.host.allocateBuffer(capacity: capacity)
        else { return busy(call) }
        call.reply = buffer
        guard let r = call.makeRequest(op: CHIMERA_VFS_OP_READLINK, handle: a.symlink.data) else { return busy(call) }
        r.pointee.readlink.buf = buffer.bytes.baseAddress.map {
            ($0 + readlinkDataOffset).assumingMemoryBound(to: CChar.self)
        }
        r.pointee.readlink.buf_len = UInt32(CHIMERA_PATH_MAX)
        call.submit(r, nfs3Completion)
    }

    static func completeReadlink(_ call: RPCCall, _ r: UnsafeMutablePointer<chimera_vfs_request>, _ status: NFS3Nfsstat)
    {
        guard status == .ok, let buffer = call.reply else {
            return call.replySuccess(NFS3ReadlinkRes.resfail(status, NFS3ReadlinkResfail(symlinkAttributes: nil)))
        }
        let length = min(Int(r.pointee.readlink.r_length), Int(CHIMERA_PATH_MAX))
        var writer = XDRWriter(buffer.bytes)
        do {
            try RPCReplyHeader.encodeSuccess(xid: call.xid, to: &writer)
            try writer.writeInt32(NFS3Nfsstat.ok.rawValue)
            try writer.writeBool(false)
            try writer.writeUInt32(UInt32(length))
            try writer.seek(to: readlinkDataOffset + length)
            try writer.writePadding(forLength: length)
            call.reply = nil
            buffer.length = writer.position
            call.sendReply(buffer)
        } catch {
            call.reject(.systemError)
        }
    }

    // MARK: COMMIT

    static func completeCommit(_ call: RPCCall, _ r: UnsafeMutablePointer<chimera_vfs_request>, _ status: NFS3Nfsstat) {
        let wcc = NFS3AttributeMapping.wcc(pre: r.pointee.r_pre_attrs, post: r.pointee.r_attrs)
        guard status == .ok else {
            return call.replySuccess(NFS3CommitRes.resfail(status, NFS3CommitResfail(fileWcc: wcc)))
        }
        call.replySuccess(NFS3CommitRes.ok(NFS3CommitResok(fileWcc: wcc, verf: call.server.writeVerifier)))
    }
}
