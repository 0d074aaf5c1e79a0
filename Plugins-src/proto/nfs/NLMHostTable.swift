import ChimeraPluginKit
import NFS3
import Synchronization

/// NLM hosts (RFC 1813 §6.1: a client is named by its `caller_name`), each one client of the core's open
/// state, recorded so that it may reclaim after our restart and be told of it (NSM). Shared by every loop;
/// changes only when a host first locks or goes, under a lock.
final class NLMHostTable: @unchecked Sendable {
    struct Host: Sendable {
        var client: UInt64
        /// The peer address its calls came from: where GRANTED and SM_NOTIFY go.
        var address: String
    }

    private let hosts = Mutex<[[UInt8]: Host]>([:])
    let clients: CoreClients
    static let maxHosts = 4096

    init(clients: CoreClients) {
        self.clients = clients
    }

    /// The core client of host `name`, made on first use. `isNew` tells the caller to record its address.
    func client(named name: [UInt8], address: String, thread: UInt32) -> Result<(Host, isNew: Bool), CoreClientError> {
        if let known = hosts.withLock({ table -> Host? in
            guard var host = table[name] else { return nil }
            if host.address != address {
                host.address = address
                table[name] = host
            }
            return host
        }) {
            return .success((known, false))
        }
        guard hosts.withLock({ $0.count }) < NLMHostTable.maxHosts else {
            return .failure(CoreClientError(status: .noSpace))
        }
        switch clients.create(name: name, thread: thread) {
        case .failure(let status):
            return .failure(status)
        case .success(let id):
            let host = Host(client: id, address: address)
            let raced = hosts.withLock { table -> Host? in
                if let other = table[name] { return other }
                table[name] = host
                return nil
            }
            if let raced {
                clients.release(id)
                return .success((raced, false))
            }
            return .success((host, true))
        }
    }

    /// Host `name` restarted or freed its locks (FREE_ALL, SM_NOTIFY): release its core client, which drops
    /// its locks and ends its waits with EXPIRED. The client id, or nil when it was unknown.
    @discardableResult
    func release(named name: [UInt8]) -> UInt64? {
        guard let host = hosts.withLock({ $0.removeValue(forKey: name) }) else { return nil }
        clients.release(host.client)
        return host.client
    }

    func knows(_ name: [UInt8]) -> Bool {
        hosts.withLock { $0[name] != nil }
    }

    /// Names of the hosts whose calls came from `address`.
    func names(at address: String) -> [[UInt8]] {
        hosts.withLock { table in table.filter { $0.value.address == address }.map(\.key) }
    }
}
