import ChimeraPluginKit
import FoundationEssentials

extension ChimeraIDMap {
    /// `server.idmap` with the host's `/etc/passwd` and `/etc/group`, read
    /// once here at start (plain files, not NSS: a directory service would
    /// block, and nothing later may). An unreadable file contributes no names.
    public static func loadingHostFiles(_ config: ConfigObject?) throws(PluginError) -> ChimeraIDMap {
        let passwd = (try? String(contentsOfFile: "/etc/passwd", encoding: .utf8)) ?? ""
        let group = (try? String(contentsOfFile: "/etc/group", encoding: .utf8)) ?? ""
        return try ChimeraIDMap(config: config, passwd: passwd, group: group)
    }
}
