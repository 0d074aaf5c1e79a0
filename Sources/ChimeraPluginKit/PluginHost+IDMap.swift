import CChimera

extension PluginHost {
    /// The host's ID mapping; nil on a host older than ABI 1.1.
    public var idmap: PluginIDMap? { PluginIDMap(raw) }
}
