import ChimeraPluginKit
import NFS3
import ONCRPC
import Synchronization

/// What every loop of the plugin shares, fixed at init: the config, the export rules by mount, the write
/// verifier, the metrics. The MOUNT list (DUMP) is the only mutable part; it changes on MNT and UMNT, rarely,
/// under a lock.
final class NFSServer: @unchecked Sendable {
    let host: PluginHost
    let vfs: FrontEndVFS
    let config: NFSConfig
    let writeVerifier: NFS3Writeverf
    let metrics: NFSMetrics
    /// NLM hosts, waiting locks and NSM (`config.nlm`).
    let nlm: NLMState
    /// For each mount (by index into `config.mountNames`), then the namespace root: the export rules that
    /// cover it, in config order.
    let rulesByMount: [[Int]]
    /// Clients that mounted (MOUNT DUMP), bounded.
    let mountList = Mutex<[MountListEntry]>([])

    static let maxMountListEntries = 4096

    struct MountListEntry: Hashable, Sendable {
        var client: String
        var path: String
    }

    init(host: PluginHost, vfs: FrontEndVFS, config: NFSConfig) {
        self.host = host
        self.vfs = vfs
        self.config = config
        self.writeVerifier = WriteVerifier.make()
        self.metrics = NFSMetrics(host: host)
        self.nlm = NLMState(vfs: vfs, config: config, host: host)
        var rules: [[Int]] = config.mountNames.map { name in
            config.exports.indices.filter { config.exports[$0].covers(mount: name) }
        }
        rules.append(config.exports.indices.filter { config.exports[$0].mountName == nil })
        self.rulesByMount = rules
    }

    /// The index the namespace root takes in per-mount tables.
    var rootIndex: Int { config.mountNames.count }

    /// What `client` may do on mount `index` (or the root): the first export covering it that admits the
    /// client decides; nil when none does.
    func decision(mount index: Int, client: RPCClientAddress) -> ExportDecision? {
        guard index < rulesByMount.count else { return nil }
        for rule in rulesByMount[index] where config.exports[rule].admits(client) {
            let export = config.exports[rule]
            return ExportDecision(readOnly: export.readOnly, squash: export.squash)
        }
        return nil
    }

    func recordMount(client: String, path: String) {
        mountList.withLock { list in
            let entry = MountListEntry(client: client, path: path)
            guard !list.contains(entry) else { return }
            if list.count >= NFSServer.maxMountListEntries { list.removeFirst() }
            list.append(entry)
        }
    }

    func removeMount(client: String, path: String?) {
        mountList.withLock { list in
            list.removeAll { $0.client == client && (path == nil || $0.path == path) }
        }
    }
}
