import ChimeraPluginKit
import CLinuxShims
import Testing

@testable import PosixVFS

@Suite("SHA-256 and HMAC for handle MACs")
struct MACTests {
    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { b in (b < 16 ? "0" : "") + String(b, radix: 16) }.joined()
    }

    static func sha256(_ text: String) -> String {
        var out = [UInt8](repeating: 0, count: 32)
        let bytes = Array(text.utf8)
        bytes.withUnsafeBytes { clinux_sha256($0.baseAddress, $0.count, &out) }
        return hex(out)
    }

    static func hmac(key: [UInt8], _ text: String) -> String {
        var out = [UInt8](repeating: 0, count: 32)
        let bytes = Array(text.utf8)
        key.withUnsafeBytes { k in
            bytes.withUnsafeBytes { m in clinux_hmac_sha256(k.baseAddress, k.count, m.baseAddress, m.count, &out) }
        }
        return hex(out)
    }

    @Test("SHA-256 matches the FIPS 180-4 examples")
    func sha256Vectors() {
        #expect(Self.sha256("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            Self.sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(Self.sha256("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test("HMAC-SHA-256 matches RFC 4231 test cases 1 and 6")
    func hmacVectors() {
        #expect(
            Self.hmac(key: Array(repeating: 0x0b, count: 20), "Hi There")
                == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        #expect(
            Self.hmac(key: Array(repeating: 0xaa, count: 131), "Test Using Larger Than Block-Size Key - Hash Key First")
                == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

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
