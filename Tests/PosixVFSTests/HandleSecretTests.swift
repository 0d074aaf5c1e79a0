import ChimeraPluginKit
import CLinuxShims
import Testing

@testable import PosixVFS

@Suite("Handle keys")
struct MACTests {
    @Test("a handle key is created once and read back unchanged")
    func keyFile() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/keys/root.key"
        let first = try HandleSecret.load(path: path, key: "handle_key_file")
        let second = try HandleSecret.load(path: path, key: "handle_key_file")
        #expect(first.count == 32)
        #expect(first == second)
        #expect(first != [UInt8](repeating: 0, count: 32))
    }

    @Test("a key file of the wrong length is refused, naming the key")
    func badKeyFile() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/short.key"
        try dir.write("short.key", "too short")
        #expect(throws: (any Error).self) { try HandleSecret.load(path: path, key: "handle_key_file") }
        do {
            _ = try HandleSecret.load(path: path, key: "handle_key_file")
        } catch {
            #expect(error.message.hasPrefix("handle_key_file:"))
        }
    }
}
