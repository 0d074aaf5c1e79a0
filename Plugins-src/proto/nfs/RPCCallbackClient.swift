import Glibc
import ONCRPC
import XDR

/// Calls this plugin makes to its clients' RPC services (NLM's GRANTED to a client's lock manager, NSM's
/// SM_NOTIFY to a client's status monitor; RFC 1813 §6.2, XNFS ch. 11). The host offers listeners only, so
/// these are plain blocking TCP calls with bounded timeouts, made on the delegation pool (never on a loop):
/// ask the client's portmapper (RFC 1833 v2 GETPORT, over TCP) for the program's port, connect from a
/// reserved port when one is free (as kernel services expect of a peer's lock manager), send one record,
/// read one reply record.
struct RPCCallbackClient: Sendable {
    /// The client's address, as the host spelled the peer ("10.223.0.2", "::1").
    var address: String
    /// Where the client's portmapper listens (111 but for tests).
    var portmapPort: UInt16
    /// Per connect, send and receive.
    var timeoutSeconds: Int = 5

    static let maxReply = 64 * 1024

    enum Failure: Error, Equatable {
        case unreachable(String)
        case notRegistered
        case rejected
        case garbage
    }

    /// The port `program` `version` has on the client over TCP, from its portmapper.
    func port(program: UInt32, version: UInt32) -> Result<UInt16, Failure> {
        var arguments = [UInt8]()
        for word in [program, version, 6, 0] { appendWord(&arguments, word) }
        let reply = call(port: portmapPort, program: 100_000, version: 2, procedure: 3, arguments: arguments)
        switch reply {
        case .failure(let failure):
            return .failure(failure)
        case .success(let bytes):
            guard bytes.count >= 4 else { return .failure(.garbage) }
            let value = UInt32(bytes[0]) << 24 | UInt32(bytes[1]) << 16 | UInt32(bytes[2]) << 8 | UInt32(bytes[3])
            guard value != 0, value <= 65535 else { return .failure(.notRegistered) }
            return .success(UInt16(value))
        }
    }

    /// Call `program` on the client, finding its port first; the result's bytes (after the accepted reply
    /// header).
    func call(program: UInt32, version: UInt32, procedure: UInt32, arguments: [UInt8]) -> Result<[UInt8], Failure> {
        switch port(program: program, version: version) {
        case .failure(let failure): return .failure(failure)
        case .success(let port):
            return call(port: port, program: program, version: version, procedure: procedure, arguments: arguments)
        }
    }

    /// One call on `port`: AUTH_NONE, one record, one reply.
    func call(
        port: UInt16,
        program: UInt32,
        version: UInt32,
        procedure: UInt32,
        arguments: [UInt8]
    )
        -> Result<[UInt8], Failure>
    {
        let xid = UInt32.random(in: 1...UInt32.max)
        var message = [UInt8]()
        for word in [xid, 0, 2, program, version, procedure, 0, 0, 0, 0] { appendWord(&message, word) }
        message.append(contentsOf: arguments)
        var record = [UInt8]()
        appendWord(&record, 0x8000_0000 | UInt32(message.count))
        record.append(contentsOf: message)

        let socket: Int32
        switch connect(port: port) {
        case .failure(let failure): return .failure(failure)
        case .success(let fd): socket = fd
        }
        defer { close(socket) }
        guard sendAll(socket, record) else { return .failure(.unreachable("send to \(address):\(port) failed")) }
        guard let reply = receiveRecord(socket) else {
            return .failure(.unreachable("no reply from \(address):\(port)"))
        }
        return Self.acceptedResult(reply, xid: xid)
    }

    /// The bytes after an accepted SUCCESS reply header for `xid` (RFC 5531 §9).
    static func acceptedResult(_ reply: [UInt8], xid: UInt32) -> Result<[UInt8], Failure> {
        var offset = 0
        func word() -> UInt32? {
            guard offset + 4 <= reply.count else { return nil }
            defer { offset += 4 }
            return UInt32(reply[offset]) << 24 | UInt32(reply[offset + 1]) << 16 | UInt32(reply[offset + 2]) << 8
                | UInt32(reply[offset + 3])
        }
        guard let replyXID = word(), replyXID == xid, let type = word(), type == 1, let replyStat = word() else {
            return .failure(.garbage)
        }
        guard replyStat == 0 else { return .failure(.rejected) }
        guard word() != nil, let verifierLength = word(), verifierLength <= 400 else { return .failure(.garbage) }
        offset += Int((verifierLength + 3) & ~3)
        guard let acceptStat = word() else { return .failure(.garbage) }
        guard acceptStat == 0 else { return .failure(.rejected) }
        guard offset <= reply.count else { return .failure(.garbage) }
        return .success(Array(reply[offset...]))
    }

    // MARK: Sockets

    private func connect(port: UInt16) -> Result<Int32, Failure> {
        var storage = sockaddr_storage()
        var length: socklen_t
        let family: Int32
        if address.contains(":") {
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = port.bigEndian
            guard inet_pton(AF_INET6, address, &sin6.sin6_addr) == 1 else {
                return .failure(.unreachable("bad address \(address)"))
            }
            withUnsafeBytes(of: sin6) { raw in
                withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: raw) }
            }
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
            family = AF_INET6
        } else {
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = port.bigEndian
            guard inet_pton(AF_INET, address, &sin.sin_addr) == 1 else {
                return .failure(.unreachable("bad address \(address)"))
            }
            withUnsafeBytes(of: sin) { raw in
                withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: raw) }
            }
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
            family = AF_INET
        }
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return .failure(.unreachable("socket: errno \(errno)")) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        bindReservedPort(fd, family: family)
        // SO_SNDTIMEO bounds a blocking connect on Linux too.
        let result = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, length) }
        }
        guard result == 0 else {
            let code = errno
            close(fd)
            return .failure(.unreachable("connect to \(address):\(port): errno \(code)"))
        }
        return .success(fd)
    }

    /// A source port below 1024 when running as root and one is free; otherwise the kernel's pick.
    private func bindReservedPort(_ fd: Int32, family: Int32) {
        guard geteuid() == 0 else { return }
        for port in UInt16(665)...UInt16(1023) {
            let bound: Int32
            if family == AF_INET6 {
                var sin6 = sockaddr_in6()
                sin6.sin6_family = sa_family_t(AF_INET6)
                sin6.sin6_port = port.bigEndian
                bound = withUnsafePointer(to: &sin6) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                    }
                }
            } else {
                var sin = sockaddr_in()
                sin.sin_family = sa_family_t(AF_INET)
                sin.sin_port = port.bigEndian
                bound = withUnsafePointer(to: &sin) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
            }
            if bound == 0 { return }
            if errno != EADDRINUSE { return }
        }
    }

    private func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { raw -> Int in
                guard let base = raw.baseAddress else { return -1 }
                return send(fd, base + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
            }
            if n > 0 {
                sent += n
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                return false
            }
        }
        return true
    }

    private func receiveExactly(_ fd: Int32, _ count: Int) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = buffer.withUnsafeMutableBytes { raw -> Int in
                guard let base = raw.baseAddress else { return -1 }
                return recv(fd, base + got, count - got, 0)
            }
            if n > 0 {
                got += n
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                return nil
            }
        }
        return buffer
    }

    /// One record (RFC 5531 §11), fragments joined, bounded by `maxReply`.
    private func receiveRecord(_ fd: Int32) -> [UInt8]? {
        var record = [UInt8]()
        while true {
            guard let mark = receiveExactly(fd, 4) else { return nil }
            let word = UInt32(mark[0]) << 24 | UInt32(mark[1]) << 16 | UInt32(mark[2]) << 8 | UInt32(mark[3])
            let length = Int(word & 0x7fff_ffff)
            guard record.count + length <= RPCCallbackClient.maxReply else { return nil }
            guard let fragment = receiveExactly(fd, length) else { return nil }
            record.append(contentsOf: fragment)
            if word & 0x8000_0000 != 0 { return record }
        }
    }
}

@inline(__always)
func appendWord(_ bytes: inout [UInt8], _ word: UInt32) {
    bytes.append(UInt8(word >> 24))
    bytes.append(UInt8(truncatingIfNeeded: word >> 16))
    bytes.append(UInt8(truncatingIfNeeded: word >> 8))
    bytes.append(UInt8(truncatingIfNeeded: word))
}

extension XDREncodable {
    /// The value's XDR bytes, for a call this plugin makes.
    func xdrBytes() -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: xdrEncodedSize)
        let ok = bytes.withUnsafeMutableBytes { raw -> Bool in
            var writer = XDRWriter(raw)
            do {
                try encode(to: &writer)
                return writer.position == raw.count
            } catch {
                return false
            }
        }
        return ok ? bytes : nil
    }
}
