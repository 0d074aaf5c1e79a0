// Micro-benchmark of the hot path the NFS plugin runs per call: decode the RPC call header, route it, decode the
// arguments; encode the reply. Prints ns per operation and, under malloc_count.so, allocations per operation.
// Run with xdr/bench/run.sh.

import Glibc
import NFS3
import ONCRPC
import XDR

@inline(never)
func blackHole<T>(_ value: T) {
    withUnsafePointer(to: value) { pointer in
        _ = pointer
    }
}

func nanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}

func mallocCount() -> UInt {
    guard let symbol = dlsym(nil, "chimera_bench_malloc_count") else { return 0 }
    return symbol.assumingMemoryBound(to: UInt.self).pointee
}

func callRecord(procedure: UInt32, arguments: [UInt8]) -> UnsafeRawBufferPointer {
    var bytes: [UInt8] = []
    func word(_ value: UInt32) {
        bytes += [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
    }
    word(0x1234_5678); word(0); word(2); word(100_003); word(3); word(procedure)
    // AUTH_SYS: stamp, "client", uid, gid, 2 groups.
    word(1); word(36); word(1); word(6); bytes += Array("client".utf8) + [0, 0]; word(1000); word(100); word(2); word(10)
    word(20)
    word(0); word(0)
    bytes += arguments
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 8)
    buffer.copyBytes(from: bytes)
    return UnsafeRawBufferPointer(buffer)
}

let handle: [UInt8] = [0, 0, 0, 32] + (0..<32).map { UInt8($0) }
let readCall = callRecord(procedure: 6, arguments: handle + [0, 0, 0, 0, 0, 0, 16, 0, 0, 0, 16, 0])
let getattrCall = callRecord(procedure: 1, arguments: handle)
let writeCall = callRecord(
    procedure: 7, arguments: handle + [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0, 0, 0, 2, 0, 0, 16, 0]
        + [UInt8](repeating: 0x5a, count: 4096))

enum Handler { case getattr, read, write }
let router: RPCRouter<Handler> = {
    var router = RPCRouter<Handler>()
    router.register(program: 100_003, version: 3, procedure: 1, handler: .getattr)
    router.register(program: 100_003, version: 3, procedure: 6, handler: .read)
    router.register(program: 100_003, version: 3, procedure: 7, handler: .write, cachesReply: true)
    return router
}()

@inline(never)
func decodeCall(_ record: UnsafeRawBufferPointer) -> Bool {
    do {
        var reader = XDRReader(record)
        let header = try RPCCallHeader(from: &reader)
        guard case .dispatch(let dispatch) = router.route(header) else { return false }
        switch dispatch.handler {
        case .getattr:
            let arguments = try NFS3GetattrArgs(from: &reader)
            blackHole(arguments.object.data.count)
        case .read:
            let arguments = try NFS3ReadArgs(from: &reader)
            blackHole(arguments.count)
        case .write:
            let arguments = try NFS3WriteArgs(from: &reader)
            blackHole(arguments.data.count)
        }
        blackHole(dispatch.credentials)
        return true
    } catch {
        return false
    }
}

let attributes = NFS3Fattr(
    type: .reg, mode: 0o644, nlink: 1, uid: 1000, gid: 100, size: 4096, used: 4096,
    rdev: NFS3Specdata(specdata1: 0, specdata2: 0), fsid: 1, fileid: 42,
    atime: NFS3Nfstime(seconds: 1, nseconds: 2), mtime: NFS3Nfstime(seconds: 3, nseconds: 4),
    ctime: NFS3Nfstime(seconds: 5, nseconds: 6))
let replyBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 8)

@inline(never)
func encodeGetattrReply(xid: UInt32) -> Int {
    do {
        var writer = XDRWriter(replyBuffer)
        try RPCReplyHeader.encodeSuccess(xid: xid, to: &writer)
        try NFS3GetattrRes.ok(NFS3GetattrResok(objAttributes: attributes)).encode(to: &writer)
        return writer.position
    } catch {
        return 0
    }
}

@inline(never)
func encodeReadReplyHeader(xid: UInt32) -> Int {
    do {
        var writer = XDRWriter(replyBuffer)
        let header = NFS3ReadReplyHeader(attributes: attributes, count: 4096, eof: false)
        return try header.encodeReplyPrefix(xid: xid, endingAt: NFS3ReadReplyHeader.maxReplyPrefixSize, in: &writer)
    } catch {
        return -1
    }
}

let defaultIterations = getenv("XDR_BENCH_ITERATIONS").flatMap { Int(String(cString: $0)) } ?? 5_000_000

func measure(_ name: String, iterations: Int = defaultIterations, _ body: () -> Void) {
    for _ in 0..<min(10_000, iterations) { body() }
    var best = UInt64.max
    var allocations: UInt = 0
    for _ in 0..<3 {
        let mallocsBefore = mallocCount()
        let start = nanoseconds()
        for _ in 0..<iterations { body() }
        best = min(best, nanoseconds() - start)
        allocations = mallocCount() - mallocsBefore
    }
    let perCall = Double(best) / Double(iterations)
    let perCallAllocations = Double(allocations) / Double(iterations)
    let text = String(Int((perCall * 10).rounded())).reversed().dropFirst().reversed()
    let tenth = Int((perCall * 10).rounded()) % 10
    print("\(name): \(String(text).isEmpty ? "0" : String(text)).\(tenth) ns/op, \(perCallAllocations) allocations/op")
}

precondition(decodeCall(readCall) && decodeCall(getattrCall) && decodeCall(writeCall))
measure("decode READ call (header + route + AUTH_SYS + READ3args)") { _ = decodeCall(readCall) }
measure("decode GETATTR call") { _ = decodeCall(getattrCall) }
measure("decode WRITE call (4 KiB payload, sliced)") { _ = decodeCall(writeCall) }
var xid: UInt32 = 0
measure("encode GETATTR reply (RPC header + GETATTR3res)") {
    xid &+= 1
    blackHole(encodeGetattrReply(xid: xid))
}
measure("encode READ reply prefix in front of data") {
    xid &+= 1
    blackHole(encodeReadReplyHeader(xid: xid))
}
