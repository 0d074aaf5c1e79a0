import Glibc

/// Where plugins are by default: `<prefix>/lib/chimera` beside
/// `<prefix>/bin/chimera`, so a built or installed tree is relocatable.
enum ConfigPaths {
    static var defaultPluginDirectory: String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return "lib/chimera" }
        let exe = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var parts = exe.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast()  // chimera
        if parts.last == "bin" { parts.removeLast() }
        return parts.joined(separator: "/") + "/lib/chimera"
    }
}
