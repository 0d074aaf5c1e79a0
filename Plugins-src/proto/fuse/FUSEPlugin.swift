import CChimera
import ChimeraPluginKit
import FUSE
import Glibc

/// The FUSE front-end: serves namespace paths on host directories through the kernel's FUSE client
/// (`/dev/fuse`), so local processes and containers see what NFS and S3 clients see. Each mount lives on one
/// loop (mount i on loop i mod loops); it takes no listener.
final class FUSEPlugin: ProtocolPlugin {
    typealias ThreadState = FUSELoop
    typealias Connection = FUSENoConnection

    static var descriptor: ProtocolPluginDescriptor {
        ProtocolPluginDescriptor(name: "fuse", description: "FUSE (linux/fuse.h 7.31) on /dev/fuse mounts")
    }

    let host: PluginHost
    let vfs: FrontEndVFS
    let config: FUSEPluginConfig

    init(host: PluginHost, config: ProtocolPluginConfig) throws(PluginError) {
        let parsed = try FUSEPluginConfig.parse(config)
        guard let vfs = FrontEndVFS(host: host) else {
            throw PluginError("server.protocols.fuse: the host offers no VFS API to front-ends")
        }
        if !parsed.mounts.isEmpty {
            let fd = open("/dev/fuse", O_RDWR | O_CLOEXEC)
            guard fd >= 0 else {
                throw PluginError("server.protocols.fuse.mounts: cannot open /dev/fuse: \(String(cString: strerror(errno)))")
            }
            Glibc.close(fd)
        }
        self.host = host
        self.vfs = vfs
        self.config = parsed
        let mounts = parsed.mounts.map { "\($0.mountPoint) ← \($0.path)" }
        host.log(.info, "fuse mounts \(mounts.isEmpty ? "none" : mounts.joined(separator: "; "))")
    }

    func threadStarted(index: UInt32) -> FUSELoop {
        let loops = max(host.loopThreads, 1)
        let state = FUSELoop()
        for (i, mount) in config.mounts.enumerated() where UInt32(i) % loops == index {
            let channel = FUSEChannel(mount: mount, config: config, host: host, vfs: vfs, loop: index)
            state.channels.append(channel)
            channel.start()
        }
        return state
    }

    func threadStopped(_ thread: FUSELoop) {
        for channel in thread.channels { channel.close() }
        thread.channels.removeAll()
    }

    func connectionOpened(_ connection: PluginConnection, info: ConnectionInfo, thread: FUSELoop) -> FUSENoConnection? {
        nil
    }

    func drain(_ thread: FUSELoop) {
        for channel in thread.channels { channel.stop() }
    }
}

/// One loop's mounts.
final class FUSELoop {
    var channels: [FUSEChannel] = []
}

/// FUSE takes no TCP connections; the host never opens one for it (it asks for no listener).
final class FUSENoConnection: ProtocolConnection {
    func received(_ message: PluginMessage) { message.release() }
    func closed() {}
}

/// The plugin's one exported symbol (`include/chimera_protocol.h`).
@c public func chimera_protocol_module_v1() -> UnsafePointer<chimera_protocol_module> {
    ProtocolPluginExport.entry(FUSEPlugin.self)
}
