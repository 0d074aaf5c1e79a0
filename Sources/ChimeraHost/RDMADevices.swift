#if canImport(Glibc)
import Glibc
#endif

/// The RDMA devices the kernel lists, so `server.rdma` can say what it
/// found: the RDMA transport comes later, and until then a config asking for
/// it is served over TCP with one warning naming what is missing.
public enum RDMADevices {
    /// Where the kernel lists RDMA devices (one entry per device).
    public static let directory = "/sys/class/infiniband"

    /// Device names under `directory`; empty when it is empty or absent.
    public static func names(in directory: String = directory) -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// The one warning `serve` logs for `server.rdma: true`.
    public static func warning(devices: [String]) -> String {
        if devices.isEmpty {
            return "server.rdma: no RDMA device (\(directory) is empty or absent); serving TCP only"
        }
        return "server.rdma: RDMA devices \(devices.joined(separator: ", ")) found but this build has no RDMA transport; serving TCP only"
    }
}
