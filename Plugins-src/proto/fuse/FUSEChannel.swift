import CChimera
import ChimeraPluginKit
import FUSE
import Glibc

/// One FUSE mount on one loop: reads requests from the device, runs them through the session and the VFS, and
/// writes the replies. Confined to its loop (every entry point runs there); no protocol rule lives here.
final class FUSEChannel {
    let mount: FUSEPluginConfig.Mount
    let config: FUSEPluginConfig
    let host: PluginHost
    let loop: UInt32
    private(set) var client: FUSEVFSClient
    private var session: FUSESession?
    private var device: FUSEDevice?
    private var readiness: FUSEReadiness?
    private var watch: PluginFDWatch?
    private var retry: PluginTimer?
    private var attempts = 0

    /// Request buffers: a request holds its buffer until answered (names and WRITE data are read from it in
    /// place; READ data and xattr values are written into its output area).
    let bufferSize: Int
    static let outputOffset = 8192
    private var freeBuffers: [UnsafeMutableRawPointer] = []
    private var buffersAllocated = 0
    private var paused = false
    private var stopped = false
    private(set) var inFlight = 0

    init(mount: FUSEPluginConfig.Mount, config: FUSEPluginConfig, host: PluginHost, vfs: FrontEndVFS, loop: UInt32) {
        self.mount = mount
        self.config = config
        self.host = host
        self.loop = loop
        client = FUSEVFSClient(vfs: vfs, thread: loop)
        bufferSize = Int(config.maxWrite) + Self.outputOffset
    }

    private var ref: FUSEChannelRef { FUSEChannelRef(channel: self) }

    // MARK: Start and stop

    /// Resolve the namespace path, then open the device, watch it and mount. Retries while the path does not
    /// resolve yet (bounded).
    func start() {
        client.resolve(path: mount.path) { [self] status, handle in
            guard !stopped else { return }
            guard let handle else {
                attempts += 1
                if attempts >= 50 {
                    host.log(.error, "fuse mount \(mount.mountPoint): namespace path \(mount.path) does not resolve: \(status)")
                    return
                }
                retry?.cancel()
                let ref = self.ref
                retry = host.startTimer(on: loop, delayNanoseconds: 100_000_000) { ref.channel?.start() }
                return
            }
            open(root: handle)
        }
    }

    private func open(root: FUSEHandle) {
        do {
            var configuration = config.sessionConfiguration()
            if let lockClient = client.createLockClient(name: "fuse:\(mount.mountPoint)") {
                client.lockClient = lockClient
            } else {
                configuration.policy.locks = false
                host.log(.warning, "fuse mount \(mount.mountPoint): no client of the core's open state; POSIX locks stay in the kernel")
            }
            session = FUSESession(root: root, configuration: configuration)
            let device = try FUSEDevice(mountPoint: mount.mountPoint)
            guard let readiness = FUSEReadiness(deviceFD: device.fd) else {
                throw PluginError("fuse mount \(mount.mountPoint): cannot make the readiness pipes")
            }
            self.device = device
            self.readiness = readiness
            let ref = self.ref
            watch = host.watch(fd: readiness.signalFD, on: loop) { ref.channel?.pump() }
            try device.mount(allowOther: mount.allowOther, defaultPermissions: mount.defaultPermissions, maxRead: config.maxWrite)
            // Only after mount(2): before it, the device polls as an error (no connection yet).
            guard readiness.start() else { throw PluginError("fuse mount \(mount.mountPoint): cannot start the poll thread") }
            host.log(.info, "fuse mount \(mount.mountPoint) serves \(mount.path)")
        } catch {
            host.log(.error, "\(error)")
            stop()
        }
    }

    /// Unmount and stop reading (drain). Requests in flight still complete; their replies go nowhere once the
    /// device is closed.
    func stop() {
        guard !stopped else { return }
        stopped = true
        retry?.cancel()
        retry = nil
        device?.unmount()
        readiness?.stop()
        watch?.unwatch()
        watch = nil
    }

    /// Close the device (thread shutdown).
    func close() {
        stop()
        client.releaseLockClient()
        client.lockClient = 0
        readiness = nil
        device = nil
    }

    deinit {
        for b in freeBuffers { b.deallocate() }
    }

    // MARK: Reading

    private func takeBuffer() -> UnsafeMutableRawPointer? {
        if let b = freeBuffers.popLast() { return b }
        guard buffersAllocated < config.maxInFlight else { return nil }
        buffersAllocated += 1
        return UnsafeMutableRawPointer.allocate(byteCount: bufferSize, alignment: 4096)
    }

    private func giveBack(_ buffer: UnsafeMutableRawPointer) {
        freeBuffers.append(buffer)
        if paused {
            paused = false
            let ref = self.ref
            host.execute(on: loop) { ref.channel?.pump() }
        }
    }

    /// Read the device until EAGAIN (then let the poll thread watch again), at most 64 requests per turn so
    /// the loop serves others in between.
    func pump() {
        guard !stopped, let device, let readiness else { return }
        var handled = 0
        while handled < 64 {
            guard let buffer = takeBuffer() else {
                paused = true
                return
            }
            let n = device.read(into: buffer, capacity: bufferSize)
            if n < 0 {
                giveBack(buffer)
                let e = Int32(-n)
                if e == EAGAIN {
                    readiness.drained()
                } else if e == ENODEV {
                    host.log(.info, "fuse mount \(mount.mountPoint): the kernel ended the connection")
                    stop()
                } else {
                    host.log(.warning, "fuse mount \(mount.mountPoint): read: \(String(cString: strerror(e)))")
                    readiness.drained()
                }
                return
            }
            process(buffer, length: n)
            handled += 1
        }
        let ref = self.ref
        host.execute(on: loop) { ref.channel?.pump() }
    }

    private func process(_ buffer: UnsafeMutableRawPointer, length: Int) {
        guard var session else { return giveBack(buffer) }
        let message = UnsafeRawBufferPointer(start: buffer, count: length)
        let header: FUSEInHeader
        let request: FUSERequest
        do {
            (header, request) = try FUSERequest.decode(message, minor: session.minor ?? FUSEInitPolicy.minor)
        } catch {
            host.log(.warning, "fuse mount \(mount.mountPoint): \(error)")
            if length >= 16 {
                let unique = UInt64(littleEndian: message.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
                send(.error(.io), unique: unique)
            }
            return giveBack(buffer)
        }
        let action = session.receive(header, request)
        self.session = session
        switch action {
        case .none:
            giveBack(buffer)
        case .reply(let reply):
            if case .initialize(let out) = reply {
                host.log(.info, "fuse mount \(mount.mountPoint): protocol 7.\(out.minor), max_write \(out.maxWrite)")
            }
            send(reply, unique: header.unique)
            giveBack(buffer)
        case .end(let reply):
            send(reply, unique: header.unique)
            giveBack(buffer)
        case .call(let call):
            inFlight += 1
            let output = UnsafeMutableRawBufferPointer(
                start: buffer + Self.outputOffset, count: bufferSize - Self.outputOffset)
            client.run(call, uid: header.uid, gid: header.gid, output: output) { [self] result in
                inFlight -= 1
                complete(call, unique: header.unique, result: result, buffer: buffer)
                giveBack(buffer)
            }
        }
    }

    // MARK: Replies

    private func complete(_ call: FUSECall, unique: UInt64, result: FUSEVFSResult, buffer: UnsafeMutableRawPointer) {
        guard var session else { return }
        defer { self.session = session }
        session.completed(unique: unique)
        // The INTERRUPT that cancelled a lock is not answered; the lock's own reply says EINTR.
        if case .cancelLock = call { return }
        let reply: FUSEReply
        switch result {
        case .failed(let status):
            if case .lock = call, status.rawValue == CHIMERA_CANCELED {
                reply = .error(.intr)
            } else {
                reply = .error(FUSEStatusTable.errno(status))
            }
        case .done:
            reply = .empty
        case .object(let handle, let attrs):
            reply = session.entry(handle, attr: FUSEAttributeMapping.attr(attrs))
        case .attributes(let attrs):
            reply = session.attributes(FUSEAttributeMapping.attr(attrs))
        case .opened(let open):
            guard case .open(let handle, let nodeid, _) = call else { return }
            reply = session.opened(nodeid: nodeid, vfsOpen: open)
            if case .error = reply { client.run(.close(handle, open: open), uid: 0, gid: 0, output: .init(start: nil, count: 0)) { _ in } }
        case .created(let handle, let attrs, let open):
            reply = session.created(handle, attr: FUSEAttributeMapping.attr(attrs), vfsOpen: open)
            if case .error = reply { client.run(.close(handle, open: open), uid: 0, gid: 0, output: .init(start: nil, count: 0)) { _ in } }
        case .data(let count):
            // The data is in the buffer's output area already: put the header in front of it.
            let start = buffer + Self.outputOffset - FUSEOutHeader.size
            FUSEOutHeader(length: UInt32(FUSEOutHeader.size + count), error: .ok, unique: unique).store(to: start)
            write(UnsafeRawBufferPointer(start: start, count: FUSEOutHeader.size + count))
            return
        case .size(let size):
            reply = .xattrSize(size)
        case .written(let size):
            reply = .write(size: size)
        case .fsstat(let f):
            var s = FUSEStatfs()
            s.bsize = 4096
            s.frsize = 4096
            s.blocks = f.total_bytes / 4096
            s.bfree = f.free_bytes / 4096
            s.bavail = f.avail_bytes / 4096
            s.files = f.total_files
            s.ffree = f.free_files
            s.namelen = f.max_name == 0 ? 255 : f.max_name
            reply = .statfs(s)
        case .listing(let listing):
            guard case .readdir(_, let fh, _, _, let size, let plus) = call else { return }
            var writer = FUSEDirentWriter(limit: Int(size), plus: plus)
            for entry in listing.entries {
                let attr = FUSEAttributeMapping.attr(entry.attrs)
                var out: FUSEEntryOut?
                if plus, let handle = entry.handle { out = session.entryForListing(handle, attr: attr) }
                let ino = out?.nodeid ?? (attr.ino == 0 ? UInt64.max : attr.ino)
                entry.name.withUnsafeBytes { name in
                    writer.append(ino: ino, offset: entry.cookie, type: FUSEAttributeMapping.direntType(mode: attr.mode),
                                  name: name, entry: out)
                }
            }
            session.listed(fh: fh, verifier: listing.verifier)
            reply = .bytes(writer.bytes)
        case .sought(let offset, _):
            // r_eof says the region found runs to the end of the file (NFSv4.2 SEEK's sr_eof); no data past the
            // offset comes back as the VFS's NXIO status.
            reply = .lseek(offset: offset)
        case .lockTested(let conflict):
            reply = session.lockTested(conflict)
        case .granted(let granted):
            guard case .access(_, let mask) = call else { return }
            reply = granted & mask == mask ? .empty : .error(.acces)
        }
        send(reply, unique: unique)
    }

    private func send(_ reply: FUSEReply, unique: UInt64) {
        let bytes = reply.encode(unique: unique)
        bytes.withUnsafeBytes { write($0) }
    }

    private func write(_ bytes: UnsafeRawBufferPointer) {
        guard let device else { return }
        let e = device.write(bytes)
        // ENOENT: the request was interrupted or the connection aborted meanwhile.
        if e != 0 && e != ENOENT {
            host.log(.debug, "fuse mount \(mount.mountPoint): write: \(String(cString: strerror(e)))")
        }
    }
}

/// A loop-confined channel as the host's callbacks capture it (they run on the channel's loop only).
struct FUSEChannelRef: @unchecked Sendable {
    weak var channel: FUSEChannel?
}
