import ChimeraPluginKit
import NFS3
import ONCRPC

/// Counters created once at init, labelled by program and procedure only (bounded values).
struct NFSMetrics: Sendable {
    let nfs3Calls: [PluginMetric]
    let nfs3Errors: [PluginMetric]
    let mountCalls: [PluginMetric]
    let portmapCalls: [PluginMetric]
    let nlmCalls: [PluginMetric]
    let nsmCalls: [PluginMetric]
    /// Calls answered without running a procedure: GARBAGE_ARGS, AUTH_ERROR, PROG_UNAVAIL, ...
    let rejected: PluginMetric
    /// NFS calls refused by the export table (ACCES or ROFS before the VFS saw them).
    let exportDenied: PluginMetric

    init(host: PluginHost) {
        func calls(_ program: String, _ names: [String], _ name: String = "nfs_calls_total") -> [PluginMetric] {
            names.map { host.metric(.counter, name, labels: [("program", program), ("procedure", $0)]) }
        }
        let nfs3 = NFS3Program.V3.Procedure.all.map { NFSMetrics.shortName($0.description) }
        nfs3Calls = calls("nfs3", nfs3)
        nfs3Errors = calls("nfs3", nfs3, "nfs_errors_total")
        mountCalls = calls("mount3", MOUNT3Program.V3.Procedure.all.map { NFSMetrics.shortName($0.description) })
        portmapCalls = calls("portmap2", PMAPProgram.V2.Procedure.all.map { NFSMetrics.shortName($0.description) })
        nlmCalls = calls("nlm4", NLM4Program.V4.Procedure.all.map { NFSMetrics.shortName($0.description) })
        nsmCalls = calls("nsm1", SMProgram.V1.Procedure.all.map { NFSMetrics.shortName($0.description) })
        rejected = host.metric(.counter, "nfs_rpc_rejected_total")
        exportDenied = host.metric(.counter, "nfs_export_denied_total")
    }

    /// "NFSPROC3_GETATTR" as "getattr".
    static func shortName(_ specName: String) -> String {
        guard let underscore = specName.firstIndex(of: "_") else { return specName.lowercased() }
        return specName[specName.index(after: underscore)...].lowercased()
    }

    @inline(__always)
    func count(_ service: RPCService) {
        switch service {
        case .nfs3(let p): Self.record(nfs3Calls, Int(p.rawValue))
        case .mount3(let p): Self.record(mountCalls, Int(p.rawValue))
        case .portmap2(let p): Self.record(portmapCalls, Int(p.rawValue))
        case .nlm4(let p):
            if let index = NLM4Program.V4.Procedure.all.firstIndex(of: p) { Self.record(nlmCalls, index) }
        case .nsm1(let p):
            if let index = SMProgram.V1.Procedure.all.firstIndex(of: p) { Self.record(nsmCalls, index) }
        }
    }

    @inline(__always)
    func countError(_ procedure: NFS3Program.V3.Procedure) {
        Self.record(nfs3Errors, Int(procedure.rawValue))
    }

    @inline(__always)
    static func record(_ metrics: [PluginMetric], _ index: Int) {
        if index < metrics.count { metrics[index].record(1) }
    }
}
