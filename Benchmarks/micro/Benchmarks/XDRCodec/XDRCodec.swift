// What the NFS front-end spends per call before and after the VFS: decode the RPC call header (with its
// AUTH_SYS credential), route it, decode the procedure's arguments; encode the reply. Each benchmark runs
// the codec over bytes laid out as a Linux client sends them, so its time and malloc counts are the
// per-request floor of the end-to-end NFS figures in `make bench`.

import Benchmark
import NFS3
import ONCRPC
import XDR

/// An NFSv3 call record (no record mark) with an AUTH_SYS credential, as the host hands it to the plugin.
struct CallRecord: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer

    init(procedure: UInt32, arguments: [UInt8]) {
        var out: [UInt8] = []
        func word(_ value: UInt32) { out += withUnsafeBytes(of: value.bigEndian) { Array($0) } }
        word(0x0bad_cafe)  // xid
        word(0)  // CALL
        word(2)  // RPC version
        word(100_003)  // NFS
        word(3)
        word(procedure)
        let machine = Array("bench-client".utf8)
        word(1)  // AUTH_SYS
        word(UInt32(4 + 4 + machine.count + 4 + 4 + 4 + 2 * 4))
        word(0x6000_0000)  // stamp
        word(UInt32(machine.count))
        out += machine
        word(0)  // uid
        word(0)  // gid
        word(2)
        word(4)
        word(27)
        word(0)  // verifier AUTH_NONE
        word(0)
        out += arguments
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: out.count, alignment: 16)
        buffer.copyBytes(from: out)
        bytes = UnsafeRawBufferPointer(buffer)
    }
}

func xdrWord(_ value: UInt32) -> [UInt8] { withUnsafeBytes(of: value.bigEndian) { Array($0) } }
func xdrHyper(_ value: UInt64) -> [UInt8] { withUnsafeBytes(of: value.bigEndian) { Array($0) } }

/// A 28-byte handle as Chimera hands out (mount id + module part), length-prefixed.
let handle = xdrWord(28) + (0..<28).map { UInt8(truncatingIfNeeded: $0 &* 37) }

enum Procedure: Equatable {
    case getattr, read, write
}

let router: RPCRouter<Procedure> = {
    var router = RPCRouter<Procedure>()
    router.register(program: 100_003, version: 3, procedure: 1, handler: .getattr)
    router.register(program: 100_003, version: 3, procedure: 6, handler: .read)
    router.register(program: 100_003, version: 3, procedure: 7, handler: .write, cachesReply: true)
    return router
}()

let getattrCall = CallRecord(procedure: 1, arguments: handle)
let readCall = CallRecord(procedure: 6, arguments: handle + xdrHyper(1 << 20) + xdrWord(4096))
let writeCall = CallRecord(
    procedure: 7,
    arguments: handle + xdrHyper(1 << 20) + xdrWord(4096) + xdrWord(0) + xdrWord(4096)
        + [UInt8](repeating: 0x5a, count: 4096))

/// Decodes one call the way the front-end does; returns a value that depends on every decoded field that
/// matters, so nothing is optimized away.
@inline(never)
func decode(_ record: CallRecord) throws -> Int {
    var reader = XDRReader(record.bytes)
    let header = try RPCCallHeader(from: &reader)
    guard case .dispatch(let dispatch) = router.route(header) else { return -1 }
    switch dispatch.handler {
    case .getattr:
        let arguments = try NFS3GetattrArgs(from: &reader)
        return arguments.object.data.count
    case .read:
        let arguments = try NFS3ReadArgs(from: &reader)
        return Int(arguments.count) &+ Int(truncatingIfNeeded: arguments.offset)
    case .write:
        let arguments = try NFS3WriteArgs(from: &reader)
        return arguments.data.count &+ Int(arguments.count)
    }
}

let attributes = NFS3Fattr(
    type: .reg, mode: 0o644, nlink: 1, uid: 1000, gid: 100, size: 1 << 30, used: 1 << 30,
    rdev: NFS3Specdata(specdata1: 0, specdata2: 0), fsid: 7, fileid: 123_456,
    atime: NFS3Nfstime(seconds: 1_700_000_000, nseconds: 1), mtime: NFS3Nfstime(seconds: 1_700_000_000, nseconds: 2),
    ctime: NFS3Nfstime(seconds: 1_700_000_000, nseconds: 3))

struct ReplyBuffer: @unchecked Sendable {
    let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 16)
}

let reply = ReplyBuffer()

@inline(never)
func encodeGetattrReply(xid: UInt32) throws -> Int {
    var writer = XDRWriter(reply.bytes)
    try RPCReplyHeader.encodeSuccess(xid: xid, to: &writer)
    try NFS3GetattrRes.ok(NFS3GetattrResok(objAttributes: attributes)).encode(to: &writer)
    return writer.position
}

@inline(never)
func encodeReadReplyPrefix(xid: UInt32) throws -> Int {
    var writer = XDRWriter(reply.bytes)
    let header = NFS3ReadReplyHeader(attributes: attributes, count: 4096, eof: false)
    return try header.encodeReplyPrefix(xid: xid, endingAt: NFS3ReadReplyHeader.maxReplyPrefixSize, in: &writer)
}

let metrics: [BenchmarkMetric] = [.wallClock, .cpuTotal, .throughput, .mallocCountTotal, .instructions]

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: metrics, scalingFactor: .kilo, maxDuration: .seconds(2), maxIterations: 1_000_000)

    Benchmark("decode GETATTR call (RPC header, AUTH_SYS, route, args)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try decode(getattrCall))
        }
    }
    Benchmark("decode READ call") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try decode(readCall))
        }
    }
    Benchmark("decode WRITE call, 4 KiB payload sliced not copied") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(try decode(writeCall))
        }
    }
    Benchmark("encode GETATTR reply (RPC header + fattr3)") { benchmark in
        var xid: UInt32 = 1
        for _ in benchmark.scaledIterations {
            xid &+= 1
            blackHole(try encodeGetattrReply(xid: xid))
        }
    }
    Benchmark("encode READ reply prefix in front of the data") { benchmark in
        var xid: UInt32 = 1
        for _ in benchmark.scaledIterations {
            xid &+= 1
            blackHole(try encodeReadReplyPrefix(xid: xid))
        }
    }
}
