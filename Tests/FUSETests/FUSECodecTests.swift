import FUSE
import Testing

@Suite("FUSE codec")
struct FUSECodecTests {
    @Test("the in-header round-trips and a length that disagrees with the message is refused")
    func headerRoundTrip() throws {
        let m = TestMessage.lookup("name")
        let bytes = m.bytes
        let header = try bytes.withUnsafeBytes { try FUSEInHeader.decode($0) }
        #expect(header == m.header)
        #expect(header.length == UInt32(40 + 5))
        var short = bytes
        short.removeLast()
        #expect(throws: FUSEDecodeError.self) { try short.withUnsafeBytes { try FUSEInHeader.decode($0) } }
        #expect(throws: FUSEDecodeError.self) { try [UInt8](bytes.prefix(39)).withUnsafeBytes { try FUSEInHeader.decode($0) } }
    }

    @Test("names decode without their NUL; a name without a NUL is malformed")
    func names() throws {
        try TestMessage.lookup("hello").decode { header, request in
            #expect(header.opcode == .lookup)
            guard case .lookup(let name) = request else { Issue.record("not a lookup"); return }
            #expect(name.string == "hello")
        }
        var m = TestMessage(.lookup)
        m.raw(Array("abc".utf8))
        #expect(throws: FUSEDecodeError.self) { try m.decode { _ in () } }
    }

    @Test("SYMLINK carries the new entry's name first, then the target")
    func symlinkOrder() throws {
        var m = TestMessage(.symlink)
        m.name("link")
        m.name("../target")
        try m.decode { _, request in
            guard case .symlink(let name, let target) = request else { Issue.record("not a symlink"); return }
            #expect(name.string == "link")
            #expect(target.string == "../target")
        }
    }

    @Test("RENAME2 reads flags; RENAME has none")
    func rename() throws {
        var m = TestMessage(.rename2)
        m.u64(9)
        m.u32(FUSERenameIn.noReplace)
        m.u32(0)
        m.name("a")
        m.name("b")
        try m.decode { _, request in
            #expect(request == .rename(FUSERenameIn(newDirectory: 9, flags: 1, name: bytes("a"), newName: bytes("b"))))
        }
        var plain = TestMessage(.rename)
        plain.u64(3)
        plain.name("x")
        plain.name("y")
        try plain.decode { _, request in
            guard case .rename(let r) = request else { Issue.record("not a rename"); return }
            #expect(r.flags == 0 && r.newDirectory == 3 && r.name.string == "x" && r.newName.string == "y")
        }
    }

    @Test("WRITE data is a view into the message, not a copy, and its size is checked against the message")
    func writeIsZeroCopy() throws {
        var m = TestMessage(.write, nodeid: 5)
        m.u64(11)
        m.u64(4096)
        m.u32(6)
        m.u32(0)
        m.u64(0)
        m.u32(0)
        m.u32(0)
        m.raw(Array("abcdef".utf8))
        let bytes = m.bytes
        try bytes.withUnsafeBytes { raw in
            let (_, request) = try FUSERequest.decode(raw)
            guard case .write(let w) = request else { Issue.record("not a write"); return }
            #expect(w.fh == 11 && w.offset == 4096)
            #expect(w.data.string == "abcdef")
            #expect(w.data.raw.baseAddress == raw.baseAddress! + 80)
        }
        var lying = m
        lying.body = FUSEWriter()
        lying.u64(11)
        lying.u64(0)
        lying.u32(1000)  // claims more data than follows
        lying.u32(0)
        lying.u64(0)
        lying.u32(0)
        lying.u32(0)
        lying.raw([1, 2, 3])
        #expect(throws: FUSEDecodeError.self) { try lying.decode { _ in () } }
    }

    @Test("BATCH_FORGET's count is bounded by the bytes that follow")
    func batchForget() throws {
        var m = TestMessage(.batchForget)
        m.u32(2)
        m.u32(0)
        m.u64(5)
        m.u64(1)
        m.u64(6)
        m.u64(3)
        try m.decode { _, request in
            #expect(request == .batchForget([FUSEForgetOne(nodeid: 5, nlookup: 1), FUSEForgetOne(nodeid: 6, nlookup: 3)]))
        }
        var lying = TestMessage(.batchForget)
        lying.u32(1_000_000)
        lying.u32(0)
        lying.u64(5)
        lying.u64(1)
        #expect(throws: FUSEDecodeError.self) { try lying.decode { _ in () } }
    }

    @Test("SETXATTR and GETXATTR keep the name's NUL for the VFS; GETATTR's fh only with FUSE_GETATTR_FH")
    func xattrAndGetattr() throws {
        var m = TestMessage(.setxattr)
        m.u32(3)
        m.u32(1)
        m.name("user.a")
        m.raw([7, 8, 9])
        try m.decode { _, request in
            guard case .setxattr(let name, let value, let flags) = request else { Issue.record("not setxattr"); return }
            #expect(Array(name.raw) == Array("user.a".utf8) + [0])
            #expect(Array(value.raw) == [7, 8, 9] && flags == 1)
        }
        var g = TestMessage(.getattr)
        g.u32(0)
        g.u32(0)
        g.u64(99)
        try g.decode { _, request in #expect(request == .getattr(fh: nil)) }
        var h = TestMessage(.getattr)
        h.u32(1)
        h.u32(0)
        h.u64(99)
        try h.decode { _, request in #expect(request == .getattr(fh: 99)) }
    }

    @Test("every truncation of a fixed-size request body throws and never crashes (byte at a time)")
    func truncations() throws {
        var setattr = TestMessage(.setattr)
        setattr.body.zeros(88)
        var create = TestMessage(.create)
        create.body.zeros(16)
        create.name("f")
        let messages: [TestMessage] = [
            .read(nodeid: 2, fh: 1, offset: 0, size: 4096), .read(.readdirplus, nodeid: 2, fh: 1, offset: 0, size: 4096),
            setattr, create, .lookup("abc"),
        ]
        for message in messages {
            let full = message.body.bytes
            for cut in 0..<full.count {
                var m = message
                m.body = FUSEWriter()
                m.raw(Array(full.prefix(cut)))
                #expect(throws: FUSEDecodeError.self, "\(message.opcode) cut at \(cut)") { try m.decode { _ in () } }
            }
            var whole = message
            whole.body = FUSEWriter()
            whole.raw(full)
            _ = try whole.decode { $0 }
        }
    }

    @Test("an unknown opcode decodes as unsupported")
    func unknownOpcode() throws {
        var m = TestMessage(FUSEOpcode(rawValue: 4000))
        m.u64(1)
        try m.decode { _, request in #expect(request == .unsupported(FUSEOpcode(rawValue: 4000))) }
    }

    @Test("replies: header length and negated errno; entry 128 bytes; init 64 bytes from 7.23, 24 before")
    func replies() throws {
        let error = FUSEReply.error(.noent).encode(unique: 9)
        #expect(error.count == 16)
        let h = try error.withUnsafeBytes { try FUSEOutHeader.decode($0) }
        #expect(h == FUSEOutHeader(length: 16, error: .noent, unique: 9))
        #expect(error[4..<8] == [0xfe, 0xff, 0xff, 0xff])
        let t = FUSETimeout(milliseconds: 1500)
        #expect(t.seconds == 1 && t.nanoseconds == 500_000_000)
        let entry = FUSEReply.entry(FUSEEntryOut(nodeid: 2, entryValid: t, attrValid: t, attr: FUSEAttr())).encode(unique: 1)
        #expect(entry.count == 16 + 128)
        #expect(FUSEReply.initialize(FUSEInitOut(major: 7, minor: 31)).encode(unique: 1).count == 16 + 64)
        #expect(FUSEReply.initialize(FUSEInitOut(major: 7, minor: 22)).encode(unique: 1).count == 16 + 24)
        #expect(FUSEReply.attr(FUSEAttr(), valid: t).encode(unique: 1).count == 16 + 104)
        #expect(FUSEReply.statfs(FUSEStatfs()).encode(unique: 1).count == 16 + 80)
        #expect(FUSEReply.create(FUSEEntryOut(nodeid: 2, entryValid: t, attrValid: t, attr: FUSEAttr()), FUSEOpenOut(fh: 1))
            .encode(unique: 1).count == 16 + 128 + 16)
    }

    @Test("fuse_attr round-trips, and device numbers use the kernel's new_encode_dev")
    func attrRoundTrip() throws {
        var a = FUSEAttr()
        a.ino = 5
        a.size = 1 << 40
        a.mode = 0o100644
        a.mtime = 1_700_000_000
        a.mtimensec = 999
        a.rdev = FUSEAttr.encodeDevice(major: 259, minor: 70000)
        var w = FUSEWriter()
        a.encode(into: &w)
        #expect(w.count == FUSEAttr.size)
        let back = try w.bytes.withUnsafeBytes { raw in
            var r = FUSEReader(raw)
            return try FUSEAttr.decode(&r)
        }
        #expect(back == a)
        #expect(FUSEAttr.decodeDevice(a.rdev) == (259, 70000))
        #expect(FUSEAttr.encodeDevice(major: 8, minor: 1) == 0x801)
    }

    @Test("dirents are 8-byte aligned and READDIRPLUS entries carry an entry_out")
    func dirents() {
        var w = FUSEDirentWriter(limit: 4096, plus: false)
        "abc".utf8CString.dropLast().map { UInt8(bitPattern: $0) }.withUnsafeBytes { w.append(ino: 3, offset: 1, type: 8, name: $0, entry: nil) }
        #expect(w.bytes.count == 32)
        #expect(FUSEDirentWriter.entrySize(nameLength: 8, plus: false) == 32)
        #expect(FUSEDirentWriter.entrySize(nameLength: 9, plus: false) == 40)
        #expect(FUSEDirentWriter.entrySize(nameLength: 1, plus: true) == 128 + 32)
        let small = FUSEDirentWriter(limit: 40, plus: false)
        #expect(small.fits(nameLength: 16))
        #expect(!small.fits(nameLength: 17))
    }
}

/// A FUSEBytes over a copy of a string's bytes, never freed (tests only).
func bytes(_ s: String) -> FUSEBytes {
    let b = Array(s.utf8)
    let p = UnsafeMutableRawPointer.allocate(byteCount: max(b.count, 1), alignment: 1)
    b.withUnsafeBytes { p.copyMemory(from: $0.baseAddress!, byteCount: b.count) }
    return FUSEBytes(UnsafeRawBufferPointer(start: p, count: b.count))
}
