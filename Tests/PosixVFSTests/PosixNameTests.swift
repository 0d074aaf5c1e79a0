import ChimeraPluginKit
import Testing

@testable import PosixVFS

@Suite("Names from requests")
struct PosixNameTests {
    static func status(_ text: [UInt8]) -> VFSStatus {
        text.withUnsafeBytes { PosixFileSystem.nameStatus($0) }
    }

    @Test("one plain component is accepted")
    func plain() {
        #expect(Self.status(Array("file.txt".utf8)) == .ok)
        #expect(Self.status(Array("...".utf8)) == .ok)
        #expect(Self.status(Array(repeating: UInt8(ascii: "x"), count: 255)) == .ok)
    }

    @Test("names that could leave the directory are INVAL")
    func escapes() {
        for name in ["", ".", "..", "a/b", "/", "../etc", "a\u{0}b"] {
            #expect(Self.status(Array(name.utf8)) == .invalid, "\(name)")
        }
    }

    @Test("names longer than 255 bytes are NAMETOOLONG")
    func tooLong() {
        #expect(Self.status(Array(repeating: UInt8(ascii: "x"), count: 256)) == .nameTooLong)
    }

    @Test("a checked name is NUL-terminated for the *at calls")
    func terminated() throws {
        let name = try PosixName.make("abc")
        #expect(name.bytes == [97, 98, 99, 0])
        #expect(name.string == "abc")
    }
}

@Suite("Module config")
struct PosixConfigTests {
    @Test("root is required, absolute, and unknown keys are refused")
    func strict() {
        let cases: [(String, String)] = [
            ("{}", "root: missing"),
            ("{\"root\": 1}", "root: expected a string"),
            ("{\"root\": \"relative\"}", "root: expected an absolute path"),
            ("{\"root\": \"/srv\", \"rooot\": 1}", "rooot: unknown key"),
            ("{\"root\": \"/srv\", \"handles\": \"magic\"}", "handles: expected"),
            ("{\"root\": \"/srv\", \"descriptor_cache\": 0}", "descriptor_cache: expected an integer"),
            ("{\"root\": \"/srv\", \"handle_key_file\": \"key\"}", "handle_key_file: expected an absolute path"),
        ]
        for (text, prefix) in cases {
            do {
                _ = try PosixConfig(parsing: text)
                Issue.record("\(text) was accepted")
            } catch {
                #expect(error.message.hasPrefix(prefix), "\(text): \(error.message)")
            }
        }
    }

    @Test("defaults: automatic handles, 4096 cached descriptors")
    func defaults() throws {
        let config = try PosixConfig(parsing: "{\"root\": \"/srv\"}")
        #expect(config.root == "/srv")
        #expect(config.handles == .auto)
        #expect(config.descriptorCache == 4096)
        #expect(config.handleKeyFile == nil)
    }
}
