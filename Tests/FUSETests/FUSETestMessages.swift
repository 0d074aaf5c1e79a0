import FUSE

/// Builds requests as the kernel writes them, for the decoder and session tests.
struct TestMessage {
    var opcode: FUSEOpcode
    var nodeid: UInt64 = 1
    var unique: UInt64 = 7
    var uid: UInt32 = 1000
    var gid: UInt32 = 1000
    var body = FUSEWriter()

    init(_ opcode: FUSEOpcode, nodeid: UInt64 = 1, unique: UInt64 = 7) {
        self.opcode = opcode
        self.nodeid = nodeid
        self.unique = unique
    }

    mutating func u32(_ v: UInt32) { body.u32(v) }
    mutating func u64(_ v: UInt64) { body.u64(v) }
    mutating func name(_ s: String) {
        s.utf8CString.withUnsafeBytes { body.append($0) }  // includes the NUL
    }
    mutating func raw(_ b: [UInt8]) { b.withUnsafeBytes { body.append($0) } }

    var header: FUSEInHeader {
        FUSEInHeader(length: UInt32(FUSEInHeader.size + body.count), opcode: opcode, unique: unique, nodeid: nodeid,
                     uid: uid, gid: gid, pid: 42)
    }

    var bytes: [UInt8] {
        var w = FUSEWriter()
        header.encode(into: &w)
        body.bytes.withUnsafeBytes { w.append($0) }
        return w.bytes
    }

    /// Decode these bytes (kept alive for the call).
    func decode<R>(_ body: ((FUSEInHeader, FUSERequest)) throws -> R) throws -> R {
        let b = bytes
        return try b.withUnsafeBytes { raw in try body(try FUSERequest.decode(raw)) }
    }

    // Common requests.
    static func lookup(_ name: String, parent: UInt64 = 1) -> TestMessage {
        var m = TestMessage(.lookup, nodeid: parent)
        m.name(name)
        return m
    }

    static func initialize(major: UInt32 = 7, minor: UInt32 = 44, flags: UInt32 = 0xffff_ffff) -> TestMessage {
        var m = TestMessage(.`init`)
        m.u32(major)
        m.u32(minor)
        m.u32(128 * 1024)
        m.u32(flags)
        m.u32(0)
        m.body.zeros(44)
        return m
    }

    static func read(_ op: FUSEOpcode = .read, nodeid: UInt64, fh: UInt64, offset: UInt64, size: UInt32) -> TestMessage {
        var m = TestMessage(op, nodeid: nodeid)
        m.u64(fh)
        m.u64(offset)
        m.u32(size)
        m.u32(0)
        m.u64(0)
        m.u32(0)
        m.u32(0)
        return m
    }
}

extension FUSEBytes {
    var string: String { String(decoding: raw, as: UTF8.self) }
}
