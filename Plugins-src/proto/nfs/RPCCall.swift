import CChimera
import ChimeraPluginKit
import Glibc
import NFS3
import ONCRPC
import XDR

/// One call in flight: the received record (held until the reply, so names, handles and WRITE data stay
/// views into it), the VFS request, the reply buffer and what the reply needs from the call. Pooled per loop,
/// with the C memory a VFS request points at (credential, iovec, guard time) allocated once per context.
final class RPCCall {
    /// The loop outlives its calls: it pools them and is never freed before the plugin shuts down.
    unowned(unsafe) let loop: NFSLoop
    let credential: UnsafeMutablePointer<chimera_cred>
    let iovec: UnsafeMutablePointer<iovec>
    let guardTime: UnsafeMutablePointer<chimera_timespec>

    private(set) var connection: RPCConnection?
    private var message: PluginMessage?
    private(set) var record = UnsafeRawBufferPointer(start: nil, count: 0)
    private(set) var xid: UInt32 = 0
    private(set) var argumentsOffset = 0

    var procedure = NFS3Program.V3.Procedure.null
    var identity = RPCIdentity(uid: 0, gid: 0)
    var readOnly = false
    /// Set when the reply goes into the duplicate request cache.
    var cacheKey: RPCRequestKey?
    var request: UnsafeMutablePointer<chimera_vfs_request>?
    /// A reply buffer filled in place by the VFS (READ, READLINK, READDIR).
    var reply: PluginBuffer?
    /// Per procedure: ACCESS's requested bits, WRITE's stable_how, FSINFO's capabilities, READ's count.
    var argument: UInt64 = 0
    /// Where data sits in `reply` (READ, READLINK).
    var dataOffset = 0
    /// READDIR / READDIRPLUS being encoded (written by the module's emit, maybe on a delegation thread).
    var directory: NFS3DirectoryReplyEncoder?
    var isPlus = false

    init(loop: NFSLoop) {
        self.loop = loop
        credential = .allocate(capacity: 1)
        credential.initialize(to: chimera_cred())
        iovec = .allocate(capacity: 1)
        iovec.initialize(to: Glibc.iovec(iov_base: nil, iov_len: 0))
        guardTime = .allocate(capacity: 1)
        guardTime.initialize(to: chimera_timespec())
    }

    deinit {
        credential.deallocate()
        iovec.deallocate()
        guardTime.deallocate()
    }

    @inline(__always)
    var server: NFSServer { loop.server }

    func begin(connection: RPCConnection, message: PluginMessage, record: UnsafeRawBufferPointer, header: RPCCallHeader)
    {
        self.connection = connection
        self.message = message
        self.record = record
        self.xid = header.xid
        self.argumentsOffset = header.argumentsOffset
    }

    /// A reader at the call's arguments.
    @inline(__always)
    func argumentsReader() throws(XDRError) -> XDRReader {
        var reader = XDRReader(record)
        try reader.seek(to: argumentsOffset)
        return reader
    }

    /// The arguments' bytes: everything after the call header.
    @inline(__always)
    var argumentBytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: record[min(argumentsOffset, record.count)...])
    }

    /// Act as `identity` towards the VFS.
    @inline(__always)
    func setIdentity(_ identity: RPCIdentity) {
        self.identity = identity
        credential.pointee.struct_size = UInt32(MemoryLayout<chimera_cred>.size)
        credential.pointee.uid = identity.uid
        credential.pointee.gid = identity.gid
        let count = min(identity.groups.count, Int(CHIMERA_GROUPS_MAX))
        credential.pointee.ngroups = UInt32(count)
        withUnsafeMutableBytes(of: &credential.pointee.groups) { groups in
            for index in 0..<count {
                groups.storeBytes(of: identity.groups[index], toByteOffset: index * 4, as: UInt32.self)
            }
        }
    }

    // MARK: VFS requests

    /// A zeroed VFS request for this loop, acting as the call's identity on `handle`; nil when the VFS has
    /// none to give (the caller answers JUKEBOX).
    @inline(__always)
    func makeRequest(op: Int32, handle: XDROpaque) -> UnsafeMutablePointer<chimera_vfs_request>? {
        guard
            let request = server.vfs.allocate(
                thread: loop.index, op: op, handle: handle.bytes,
                credential: UnsafePointer(credential))
        else { return nil }
        self.request = request
        return request
    }

    /// Submit `request`; `completion` runs on this loop, perhaps before this returns.
    @inline(__always)
    func submit(_ request: UnsafeMutablePointer<chimera_vfs_request>, _ completion: chimera_vfs_complete_fn) {
        server.vfs.submit(request, complete: completion, context: Unmanaged.passRetained(self).toOpaque())
    }

    // MARK: Replies

    /// Reply SUCCESS with `result` behind the RPC header, in one buffer of exactly its size.
    @inline(__always)
    func replySuccess<R: XDREncodable>(_ result: R) {
        let size = RPCReplyHeader.successSize() + result.xdrEncodedSize
        guard let buffer = server.host.allocateBuffer(capacity: size) else {
            finish()
            return
        }
        var writer = XDRWriter(buffer.bytes)
        do {
            try RPCReplyHeader.encodeSuccess(xid: xid, to: &writer)
            try result.encode(to: &writer)
        } catch {
            server.host.release(buffer)
            reject(.systemError)
            return
        }
        buffer.length = writer.position
        sendReply(buffer)
    }

    /// Send a finished reply record, keep it for retransmissions when the procedure is cached, and finish.
    @inline(__always)
    func sendReply(_ buffer: PluginBuffer) {
        if let key = cacheKey {
            loop.replyCache.complete(
                key,
                reply: UnsafeRawBufferPointer(start: buffer.raw.pointee.data, count: buffer.length)
            )
            cacheKey = nil
        }
        if let connection {
            connection.send(buffer)
        } else {
            server.host.release(buffer)
        }
        finish()
    }

    /// Answer with an RPC-level rejection (GARBAGE_ARGS, PROC_UNAVAIL, SYSTEM_ERR) and finish.
    func reject(_ rejection: RPCRejection) {
        server.metrics.rejected.record(1)
        if let key = cacheKey {
            loop.replyCache.abandon(key)
            cacheKey = nil
        }
        connection?.sendRejection(xid: xid, rejection)
        finish()
    }

    /// Send nothing (a retransmission of a call still running) and finish.
    func drop() {
        finish()
    }

    /// Release everything the call holds and return it to the pool.
    func finish() {
        if let request {
            server.vfs.free(request)
            self.request = nil
        }
        if let reply {
            server.host.release(reply)
            self.reply = nil
        }
        if let key = cacheKey {
            loop.replyCache.abandon(key)
            cacheKey = nil
        }
        message?.release()
        message = nil
        record = UnsafeRawBufferPointer(start: nil, count: 0)
        directory = nil
        let connection = self.connection
        self.connection = nil
        loop.recycle(self)
        connection?.callFinished()
    }
}
