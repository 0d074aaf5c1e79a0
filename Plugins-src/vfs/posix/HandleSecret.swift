import ChimeraPluginKit
import CLinuxShims
import Crypto
import Glibc

/// The per-root secret that authenticates handles (``HandleCodec``).
///
/// Kept in a file outside the served tree, so no client can read it through
/// the share: by default `/var/lib/chimera/handle-keys/<h>.key`, where `<h>`
/// is the first 16 hex digits of SHA-256 of the root's canonical path (one
/// key per root, shared by the linux and io_uring modules, so either reads
/// the other's handles). The config key `handle_key_file` names another
/// file. The file holds 32 random bytes, mode 0600; it is created once,
/// atomically (written to a temporary name, then linked into place), and
/// read on every later start, which is what keeps handles valid across
/// restarts. Deleting it invalidates every handle clients hold.
enum HandleSecret {
    static let length = 32
    static let directory = "/var/lib/chimera/handle-keys"

    static func defaultPath(forRoot root: String) -> String {
        let digest = Array(SHA256.hash(data: Array(root.utf8)))
        let hex = digest.prefix(8).map { b in (b < 16 ? "0" : "") + String(b, radix: 16) }.joined()
        return "\(directory)/\(hex).key"
    }

    /// Read the key at `path`, creating it (and its directory) when absent.
    /// Errors name `key` (the config key) and the path.
    static func load(path: String, key: String) throws(PluginError) -> [UInt8] {
        for _ in 0..<4 {
            if let existing = try read(path: path, key: key) { return existing }
            try makeDirectories(String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]), key: key)
            if let made = try create(path: path, key: key) { return made }
            // Lost a race with another process creating it: read theirs.
        }
        throw PluginError("\(key): could not create or read \(path)")
    }

    private static func read(path: String, key: String) throws(PluginError) -> [UInt8]? {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC | clinux_O_NOFOLLOW)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw PluginError("\(key): cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { Glibc.close(fd) }
        var bytes = [UInt8](repeating: 0, count: length + 1)
        let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        guard n == length else {
            throw PluginError("\(key): \(path) is not a \(length)-byte handle key (remove it to make a new one)")
        }
        return Array(bytes.prefix(length))
    }

    private static func create(path: String, key: String) throws(PluginError) -> [UInt8]? {
        var secret = [UInt8](repeating: 0, count: length)
        let rc = secret.withUnsafeMutableBytes { clinux_random($0.baseAddress, $0.count) }
        guard rc == 0 else { throw PluginError("\(key): no randomness for a new handle key: errno \(-rc)") }

        let temporary = "\(path).\(getpid()).tmp"
        let fd = Glibc.open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw PluginError("\(key): cannot create \(temporary): \(String(cString: strerror(errno)))")
        }
        let written = secret.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd)
        Glibc.close(fd)
        defer { unlink(temporary) }
        guard written == length, synced == 0 else {
            throw PluginError("\(key): cannot write \(temporary): \(String(cString: strerror(errno)))")
        }
        if link(temporary, path) != 0 {
            if errno == EEXIST { return nil }
            throw PluginError("\(key): cannot create \(path): \(String(cString: strerror(errno)))")
        }
        return secret
    }

    private static func makeDirectories(_ path: String, key: String) throws(PluginError) {
        guard !path.isEmpty else { return }
        var prefix = ""
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o700) != 0 && errno != EEXIST {
                throw PluginError("\(key): cannot create directory \(prefix): \(String(cString: strerror(errno)))")
            }
        }
    }
}
