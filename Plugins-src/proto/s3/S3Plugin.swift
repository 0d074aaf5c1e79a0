import CChimera
import ChimeraPluginKit
import Glibc
import S3

/// The S3 front-end: an S3-compatible HTTP endpoint over the VFS namespace.
/// Buckets are namespace directories (`buckets.<name>.path`); a key is a
/// path under its bucket's directory.
final class S3Plugin: ProtocolPlugin {
    typealias ThreadState = S3Loop
    typealias Connection = S3Connection

    static var descriptor: ProtocolPluginDescriptor {
        ProtocolPluginDescriptor(name: "s3", description: "S3-compatible HTTP endpoint over the namespace")
    }

    let host: PluginHost
    let configuration: S3PluginConfiguration
    let router: S3Router
    /// The credential each request carries, by the key that signed it.
    let credentials: S3CallerCredentials
    /// Reported as every configured bucket's creation date.
    let startTime: S3Timestamp
    let owner: S3XMLResponses.Owner
    /// Directory snapshots for paged listings, in a host cache.
    let snapshots: S3SnapshotCache

    init(host: PluginHost, config: ProtocolPluginConfig) throws(PluginError) {
        self.host = host
        snapshots = S3SnapshotCache(host: host)
        var configuration = try S3PluginConfiguration(config)
        try configuration.resolveUsers(host.idmap)
        self.configuration = configuration
        router = S3Router(virtualHostDomain: configuration.domain)
        credentials = S3CallerCredentials(configuration)
        startTime = S3Clock.now()
        owner = S3XMLResponses.Owner(id: "6368696d657261", displayName: "chimera")
        try host.listen(ListenerRequest(name: "s3", framing: .http1, port: configuration.port))
    }

    func threadStarted(index: UInt32) -> S3Loop {
        S3Loop(plugin: self, index: index)
    }

    func connectionOpened(_ connection: PluginConnection, info: ConnectionInfo, thread: S3Loop) -> S3Connection? {
        guard let vfs = FrontEndVFS(host: host), !thread.draining else { return nil }
        let opened = S3Connection(loop: thread, connection: connection, info: info, vfs: vfs)
        thread.connections[ObjectIdentifier(opened)] = opened
        return opened
    }

    func drain(_ thread: S3Loop) {
        thread.draining = true
        for connection in thread.connections.values { connection.drain() }
    }
}
