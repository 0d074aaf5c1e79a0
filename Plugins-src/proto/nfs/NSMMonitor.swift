import ChimeraPluginKit
import Glibc
import NFS3
import Synchronization

/// This server's status monitor (NSM, XNFS ch. 11), kept under `<server.state.directory>/nsm`: `state` holds
/// the state number (odd while up, moved on at every start), `hosts/<hex of caller name>` the address of each
/// NLM host that held locks, so that after a restart each one recorded by the core in the previous run gets
/// SM_NOTIFY and reclaims during the grace period. Without a state directory the state number is 1 and no one
/// is told.
final class NSMMonitor: @unchecked Sendable {
    let directory: String?
    let state: NSMStateNumber
    /// The name SM_NOTIFY carries: the name clients mounted us by (the bind address) or our host name.
    let serverName: String
    let callbackPortmapPort: UInt16
    private let notified = Mutex(false)

    init(stateDirectory: String?, serverName: String, callbackPortmapPort: UInt16, host: PluginHost) {
        self.serverName = serverName
        self.callbackPortmapPort = callbackPortmapPort
        guard let stateDirectory else {
            directory = nil
            state = NSMStateNumber.afterRestart(previous: nil)
            return
        }
        let directory = stateDirectory + "/nsm"
        self.directory = directory
        NSMMonitor.makeDirectory(directory)
        NSMMonitor.makeDirectory(directory + "/hosts")
        let previous = NSMMonitor.read(directory + "/state").flatMap(NSMStateNumber.parse)
        state = NSMStateNumber.afterRestart(previous: previous)
        if !NSMMonitor.write(directory + "/state", "\(state.value)\n") {
            host.log(.warning, "nsm: cannot write \(directory)/state (errno \(errno)); state \(state.value) not kept")
        }
        host.log(.info, "nsm: state \(state.value) (previous \(previous.map(String.init) ?? "none")) in \(directory)")
    }

    static func hexName(_ name: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8]()
        for byte in name.prefix(120) {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 15)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Remember where host `name` is (blocking file I/O: call on the delegation pool).
    func recordHost(_ name: [UInt8], address: String) {
        guard let directory else { return }
        _ = NSMMonitor.write(directory + "/hosts/" + NSMMonitor.hexName(name), address + "\n")
    }

    func forgetHost(_ name: [UInt8]) {
        guard let directory else { return }
        unlink(directory + "/hosts/" + NSMMonitor.hexName(name))
    }

    /// After a restart: SM_NOTIFY (mon_name = us, our new state) to the status monitor of every host the
    /// core recorded in the previous run, once, on the delegation pool.
    func notifyRecordedHosts(clients: CoreClients, host: PluginHost, callbacks: NLMCallbackGate, thread: UInt32) {
        guard let directory else { return }
        guard
            notified.withLock({ done in
                defer { done = true }
                return !done
            })
        else { return }
        let names = clients.recorded()
        guard !names.isEmpty else { return }
        let state = self.state.value
        let serverName = self.serverName
        let portmapPort = callbackPortmapPort
        callbacks.run(
            from: thread,
            work: {
                for name in names {
                    let printable = String(decoding: name, as: UTF8.self)
                    guard
                        let address = NSMMonitor.read(directory + "/hosts/" + NSMMonitor.hexName(name))?
                            .filter({ !$0.isWhitespace }), !address.isEmpty
                    else {
                        host.log(.info, "nsm: no address recorded for \(printable); not notified")
                        continue
                    }
                    let result = NSMMonitor.notify(
                        address: address,
                        portmapPort: portmapPort,
                        serverName: serverName,
                        state: state
                    )
                    switch result {
                    case .success:
                        host.log(.info, "nsm: SM_NOTIFY state \(state) sent to \(printable) at \(address)")
                    case .failure(let failure):
                        host.log(.info, "nsm: SM_NOTIFY to \(printable) at \(address) failed: \(failure)")
                    }
                }
            },
            done: {}
        )
    }

    /// One SM_NOTIFY (procedure 6) to the status monitor at `address`.
    static func notify(
        address: String,
        portmapPort: UInt16,
        serverName: String,
        state: Int32
    )
        -> Result<Void, RPCCallbackClient.Failure>
    {
        var arguments = [UInt8]()
        let name = Array(serverName.utf8.prefix(Int(SMConstants.maxstrlen)))
        appendWord(&arguments, UInt32(name.count))
        arguments.append(contentsOf: name)
        arguments.append(contentsOf: [UInt8](repeating: 0, count: (4 - name.count % 4) % 4))
        appendWord(&arguments, UInt32(bitPattern: state))
        let client = RPCCallbackClient(address: address, portmapPort: portmapPort, timeoutSeconds: 5)
        return client.call(
            program: SMProgram.number,
            version: SMProgram.V1.number,
            procedure: SMProgram.V1.Procedure.notify.rawValue,
            arguments: arguments
        ).map { _ in () }
    }

    // MARK: Files

    static func makeDirectory(_ path: String) {
        _ = mkdir(path, 0o700)
    }

    static func read(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 256)
        let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        guard n >= 0 else { return nil }
        return String(decoding: buffer.prefix(n), as: UTF8.self)
    }

    /// Write through a temporary file and rename, so a crash leaves the old or the new text.
    static func write(_ path: String, _ text: String) -> Bool {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return false }
        let bytes = Array(text.utf8)
        let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard n == bytes.count, synced else { return false }
        return rename(temporary, path) == 0
    }
}
