import CChimera
import ChimeraPluginKit
import NFS3
import ONCRPC
import XDR

/// READDIR and READDIRPLUS (RFC 1813 §3.3.16, §3.3.17): one VFS READDIR from the client's cookie, each
/// entry encoded into the reply as the module emits it, stopping at the client's count / dircount /
/// maxcount. The directory's attributes and the cookie verifier come with the completion, so their room is
/// reserved at the front of the reply and filled in last.
extension NFS3Service {
    /// Where the directory attributes start: after the RPC header and the status.
    static let directoryAttributesOffset = 24 + 4
    /// Present post_op_attr: the TRUE word and a fattr3.
    static let presentAttributesSize = 4 + 84

    static func startReaddir(
        _ call: RPCCall,
        directory: XDROpaque,
        cookie: UInt64,
        verifier: NFS3Cookieverf,
        dircount: UInt32,
        maxcount: UInt32,
        plus: Bool
    ) {
        let limit = min(maxcount, maxDirectoryReply)
        guard RPCReplyHeader.successSize() == 24,
            let buffer = call.server.host.allocateBuffer(capacity: 24 + 4 + Int(limit))
        else { return busy(call) }
        call.reply = buffer
        var writer = XDRWriter(buffer.bytes)
        let encoder: NFS3DirectoryReplyEncoder
        do {
            try RPCReplyHeader.encodeSuccess(xid: call.xid, to: &writer)
            // Placeholders of the final sizes: attributes present, verifier zero.
            let placeholder: NFS3PostOpAttr = NFS3AttributeMapping.fattr(chimera_attrs())
            if plus {
                // Always room for one entry of the longest name, however small dircount is.
                let floor = UInt32(NFS3DirectoryReplyEncoder.directorySize(nameLength: Int(CHIMERA_NAME_MAX)))
                encoder = try NFS3DirectoryReplyEncoder(
                    readdirplusInto: writer,
                    dircount: max(dircount, floor),
                    maxcount: limit,
                    directoryAttributes: placeholder,
                    cookieVerifier: NFS3Cookieverf()
                )
            } else {
                encoder = try NFS3DirectoryReplyEncoder(
                    readdirInto: writer,
                    count: limit,
                    directoryAttributes: placeholder,
                    cookieVerifier: NFS3Cookieverf()
                )
            }
        } catch {
            return fail(call, .toosmall)
        }
        call.directory = encoder
        call.isPlus = plus
        guard let r = call.makeRequest(op: CHIMERA_VFS_OP_READDIR, handle: directory) else { return busy(call) }
        r.pointee.readdir.cookie = cookie
        if cookie != 0 {
            withUnsafeMutableBytes(of: &r.pointee.readdir.verifier) { bytes in
                for index in 0..<min(bytes.count, 8) { bytes[index] = verifier[index] }
            }
        }
        r.pointee.readdir.flags = UInt32(
            plus ? CHIMERA_VFS_READDIR_ATTRS | CHIMERA_VFS_READDIR_HANDLES : CHIMERA_VFS_READDIR_ATTRS
        )
        r.pointee.readdir.emit = nfs3ReaddirEmit
        r.pointee.readdir.emit_arg = Unmanaged.passUnretained(call).toOpaque()
        r.pointee.r_dir_post_attrs.req_mask = NFS3AttributeMapping.statMask
        call.submit(r, nfs3Completion)
    }

    /// One entry from the module (on its thread, before completion): encoded if it fits, else the listing
    /// stops here and resumes from the last cookie taken.
    @inline(__always)
    static func emit(
        _ call: RPCCall,
        name: UnsafeRawBufferPointer,
        cookie: UInt64,
        handle: UnsafeRawBufferPointer?,
        attrs: UnsafePointer<chimera_attrs>?
    ) -> Int32 {
        guard var encoder = call.directory else { return 1 }
        let fileid = attrs?.pointee.fileid ?? 0
        let result: NFS3DirectoryReplyEncoder.AppendResult
        do {
            if call.isPlus {
                let attributes: NFS3PostOpAttr = attrs.flatMap { NFS3AttributeMapping.postOp($0.pointee) }
                let fh: NFS3PostOpFh = handle.map { NFS3Fh(data: XDROpaque($0)) }
                result = try encoder.append(
                    fileid: fileid,
                    name: XDROpaque(name),
                    cookie: cookie,
                    attributes: attributes,
                    handle: fh
                )
            } else {
                result = try encoder.append(fileid: fileid, name: XDROpaque(name), cookie: cookie)
            }
        } catch {
            return 1
        }
        call.directory = encoder
        return result == .appended ? 0 : 1
    }

    static func completeReaddir(_ call: RPCCall, _ r: UnsafeMutablePointer<chimera_vfs_request>, _ status: NFS3Nfsstat)
    {
        let attributes = NFS3AttributeMapping.postOp(r.pointee.r_dir_post_attrs)
        guard status == .ok, let buffer = call.reply, let encoder = call.directory else {
            call.directory = nil
            if call.isPlus {
                return call.replySuccess(
                    NFS3ReaddirplusRes.resfail(status, NFS3ReaddirplusResfail(dirAttributes: attributes))
                )
            }
            return call.replySuccess(NFS3ReaddirRes.resfail(status, NFS3ReaddirResfail(dirAttributes: attributes)))
        }
        let eof = r.pointee.readdir.r_eof != 0
        guard encoder.entryCount > 0 || eof else {
            // Not even one entry fits the client's count.
            call.directory = nil
            noteStatus(call, .toosmall, .range)
            if call.isPlus {
                return call.replySuccess(
                    NFS3ReaddirplusRes.resfail(.toosmall, NFS3ReaddirplusResfail(dirAttributes: attributes))
                )
            }
            return call.replySuccess(NFS3ReaddirRes.resfail(.toosmall, NFS3ReaddirResfail(dirAttributes: attributes)))
        }
        call.directory = nil
        var verifier = NFS3Cookieverf()
        withUnsafeBytes(of: &r.pointee.readdir.r_verifier) { bytes in
            for index in 0..<min(bytes.count, 8) { verifier[index] = bytes[index] }
        }
        do {
            var end = try encoder.finish(eof: eof).position
            var writer = try XDRWriter(buffer.bytes, position: directoryAttributesOffset)
            if let attributes {
                try NFS3PostOpAttr.some(attributes).encode(to: &writer)
                try writer.writeFixedOpaque(verifier)
            } else {
                // No attributes after all: close the gap the placeholder left.
                try writer.writeBool(false)
                try writer.writeFixedOpaque(verifier)
                let entries = directoryAttributesOffset + presentAttributesSize + 8
                let gap = entries - writer.position
                if let base = buffer.bytes.baseAddress {
                    (base + writer.position).copyMemory(from: base + entries, byteCount: end - entries)
                }
                end -= gap
            }
            call.reply = nil
            buffer.length = end
            call.sendReply(buffer)
        } catch {
            call.reject(.systemError)
        }
    }
}

/// The emit function every NFSv3 READDIR hands the VFS; `emit_arg` is the call.
let nfs3ReaddirEmit: chimera_vfs_readdir_emit_fn = { request, name, nameLength, cookie, handle, handleLength, attrs in
    guard let request, let context = request.pointee.readdir.emit_arg else { return 1 }
    let call = Unmanaged<RPCCall>.fromOpaque(context).takeUnretainedValue()
    let handleBytes = handle.map { UnsafeRawBufferPointer(start: $0, count: Int(handleLength)) }
    return NFS3Service.emit(
        call,
        name: UnsafeRawBufferPointer(start: name, count: Int(nameLength)),
        cookie: cookie,
        handle: handleBytes,
        attrs: attrs
    )
}
