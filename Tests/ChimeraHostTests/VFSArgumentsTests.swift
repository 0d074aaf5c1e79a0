import CChimera
import ChimeraPluginKit
import Testing

/// The kit's one way of building requests from Swift values and reading
/// them back (what S3, the conformance kit and NFS's control path share).
@Suite("ChimeraPluginKit's VFS request building and reading")
struct VFSArgumentsTests {
    static func withRequest(_ body: (UnsafeMutablePointer<chimera_vfs_request>) -> Void) {
        let request = UnsafeMutablePointer<chimera_vfs_request>.allocate(capacity: 1)
        defer { request.deallocate() }
        UnsafeMutableRawPointer(request).initializeMemory(
            as: UInt8.self, repeating: 0, count: MemoryLayout<chimera_vfs_request>.size)
        body(request)
    }

    @Test("prepare sets the op, the shared fields and the op's arguments, copying names and handles")
    func prepareRename() {
        Self.withRequest { request in
            let arena = VFSArena()
            var cred = chimera_cred()
            cred.uid = 7
            VFSArguments.rename(name: Array("a".utf8), newDirectory: [9, 9], newName: Array("bc".utf8), flags: 1)
                .prepare(
                    request, handle: [1, 2, 3], credential: withUnsafePointer(to: &cred) { $0 }, flags: 4,
                    masks: VFSResultMasks(attrs: 0, dirPre: 5, newDir: 6), arena: arena)
            let r = request.pointee
            #expect(Int32(r.op) == CHIMERA_VFS_OP_RENAME)
            #expect(r.fh_len == 3 && r.fh?[2] == 3)
            #expect(r.flags == 4)
            #expect(r.r_attrs.req_mask == 0 && r.r_dir_pre_attrs.req_mask == 5)
            #expect(r.rename.r_new_dir_pre_attrs.req_mask == 6 && r.rename.r_new_dir_post_attrs.req_mask == 6)
            #expect(r.rename.name_len == 1 && r.rename.name?[0] == CChar(UInt8(ascii: "a")))
            #expect(r.rename.new_name_len == 2 && r.rename.new_dir_fh_len == 2 && r.rename.flags == 1)
        }
    }

    @Test("a write is split into the asked number of iovecs over the caller's bytes, without copying")
    func writePieces() {
        Self.withRequest { request in
            let arena = VFSArena()
            let data: [UInt8] = Array(0..<10)
            data.withUnsafeBytes { bytes in
                VFSArguments.write(openHandle: 3, offset: 100, data: bytes, stable: 2, pieces: 3)
                    .fill(request, arena: arena)
                let w = request.pointee.write
                #expect(w.iovcnt == 3 && w.length == 10 && w.offset == 100 && w.stable == 2)
                #expect(request.pointee.open_handle == 3)
                let iovs = UnsafeBufferPointer(start: w.iov, count: 3)
                #expect(iovs.map(\.iov_len) == [3, 3, 4])
                #expect(UnsafeRawPointer(iovs[0].iov_base) == bytes.baseAddress)
            }
        }
    }

    @Test("a reply reads the common results and the op's own: OPEN_AT, GETXATTR's bytes, READDIR's verifier")
    func replies() {
        Self.withRequest { request in
            let arena = VFSArena()
            VFSArguments.openAt(name: [0x66], flags: 0, attrs: chimera_attrs()).fill(request, arena: arena)
            request.pointee.status = CHIMERA_OK
            request.pointee.r_fh_len = 2
            withUnsafeMutableBytes(of: &request.pointee.r_fh) { $0[0] = 0xAB; $0[1] = 0xCD }
            request.pointee.open_at.r_open_handle = 42
            request.pointee.open_at.r_created = 1
            let reply = VFSReply(reading: request)
            #expect(reply.ok && reply.handle.bytes == [0xAB, 0xCD] && reply.openHandle == 42 && reply.created)
        }
        Self.withRequest { request in
            let arena = VFSArena()
            VFSArguments.getxattr(name: Array("user.x".utf8), capacity: 4).fill(request, arena: arena)
            request.pointee.xattr.value?.copyMemory(from: [UInt8]([1, 2, 3, 4]), byteCount: 4)
            request.pointee.xattr.r_length = 3
            #expect(VFSReply(reading: request).data == [1, 2, 3])
            request.pointee.status = CHIMERA_RANGE
            request.pointee.xattr.r_length = 9
            let range = VFSReply(reading: request)
            #expect(range.status == VFSStatus(rawValue: CHIMERA_RANGE) && range.data.isEmpty && range.length == 9)
        }
        Self.withRequest { request in
            VFSArguments.readdir(cookie: 5, verifier: 77, flags: 0, emit: { _, _, _, _, _, _, _ in 0 }, context: nil)
                .fill(request, arena: VFSArena())
            #expect(withUnsafeBytes(of: request.pointee.readdir.verifier) { $0.load(as: UInt64.self) } == 77)
            withUnsafeMutableBytes(of: &request.pointee.readdir.r_verifier) { $0.storeBytes(of: 78, as: UInt64.self) }
            request.pointee.readdir.r_eof = 1
            let reply = VFSReply(reading: request)
            #expect(reply.offset == 78 && reply.eof)
        }
    }
}
