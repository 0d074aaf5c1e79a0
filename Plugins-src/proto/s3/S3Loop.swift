import CChimera
import ChimeraPluginKit
import S3

/// What one loop thread keeps: its signature verifier (not thread-safe),
/// resolved buckets and its connections. Only ever
/// touched on its loop.
final class S3Loop {
    unowned let plugin: S3Plugin
    let index: UInt32
    let verifier: S3SigV4Verifier
    var buckets: [String: S3BucketState] = [:]
    var connections: [ObjectIdentifier: S3Connection] = [:]
    var draining = false
    /// This loop's last directory snapshot (S3SnapshotCache.lookup).
    var lastSnapshot: S3DirectorySnapshot?
    /// Buckets whose path did not resolve, logged once each.
    var missingLogged: Set<String> = []
    private var requestCounter: UInt64 = 0

    init(plugin: S3Plugin, index: UInt32) {
        self.plugin = plugin
        self.index = index
        let configuration = plugin.configuration
        verifier = S3SigV4Verifier(
            credentials: S3CredentialStore(configuration.credentials),
            configuration: .init(maxClockSkewSeconds: configuration.maxClockSkewSeconds, region: nil)
        )
    }

    var configuration: S3PluginConfiguration { plugin.configuration }
    var host: PluginHost { plugin.host }
    /// The plugin's, shared by every loop.
    var snapshots: S3SnapshotCache { plugin.snapshots }

    /// `x-amz-request-id`: unique per process run.
    func nextRequestID(connection: UInt64) -> String {
        requestCounter &+= 1
        return hex(UInt64(index) << 56 | (connection & 0xFF_FFFF) << 32 | (requestCounter & 0xFFFF_FFFF))
    }

    private func hex(_ value: UInt64) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 16 - text.count)) + text
    }
}
