import ChimeraHost
import Testing

@Suite("Server config")
struct ServerConfigTests {
    func parse(_ text: String) throws(ChimeraError) -> ServerConfig {
        try ServerConfig.parse(text: text, file: "test.json", defaultPluginDirectory: "/plugins")
    }

    func message(_ text: String) -> String? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            return error.message
        }
    }

    @Test("a complete config parses with defaults filled in")
    func complete() throws {
        let config = try parse(
            """
            {"server": {"vfs": {"memfs": {}}, "protocols": {"nfs": {"port": 2049}}},
             "mounts": {"memfs": {"module": "memfs"}}}
            """)
        #expect(config.threads == 2)
        #expect(config.delegationThreads == 4)
        #expect(config.pluginPath(kind: "vfs", name: "memfs", explicit: nil) == "/plugins/chimera_vfs_memfs.so")
        #expect(config.mounts.first?.path == "/")
        #expect(config.protocols.first?.config == #"{"port":2049}"#)
    }

    @Test("invalid JSON names the line and column")
    func invalidJSON() {
        let text = message("{\n  \"server\": {,\n}")
        #expect(text?.hasPrefix("test.json: invalid JSON") == true)
        #expect(text?.contains("line 2") == true)
    }

    @Test("an unknown key is refused with the keys that are known")
    func unknownKey() {
        #expect(message(#"{"server": {"thread": 2}}"#)?.hasPrefix("test.json: server.thread: unknown key") == true)
    }

    @Test("a wrong type names the key and both types")
    func wrongType() {
        #expect(
            message(#"{"server": {"threads": "two"}}"#)
                == "test.json: server.threads: expected an integer from 1 to 256, found a string")
    }

    @Test("a mount of an unknown module is refused")
    func unknownModule() {
        #expect(
            message(#"{"server": {"vfs": {"memfs": {}}}, "mounts": {"a": {"module": "nope"}}}"#)
                == #"test.json: mounts.a.module: no module named "nope" under server.vfs (configured: memfs)"#)
    }

    @Test("two mounts of one module path are refused")
    func duplicateMount() {
        let text = message(
            #"{"server": {"vfs": {"memfs": {}}}, "mounts": {"a": {"module": "memfs"}, "b": {"module": "memfs", "path": "/"}}}"#
        )
        #expect(text == #"test.json: mounts.b.path: module "memfs" path "/" is already mounted as mounts.a"#)
    }

    @Test("two listeners on one port are refused")
    func portClash() {
        let text = message(#"{"server": {"protocols": {"nfs": {"port": 9000}, "s3": {"port": 9000}}}}"#)
        #expect(text == "test.json: server.protocols.s3.port: port 9000 is already used by server.protocols.nfs.port")
    }

    @Test("a missing file says so")
    func missingFile() {
        do {
            _ = try ServerConfig.load(file: "/nonexistent/chimera.json", defaultPluginDirectory: "/")
            Issue.record("loaded a missing file")
        } catch {
            #expect(error.message == "/nonexistent/chimera.json: cannot read the config file: no such file")
            #expect(error.exitCode == 78)
        }
    }

    @Test("relative plugin paths resolve against the config's directory")
    func relativePaths() throws {
        let config = try ServerConfig.parse(
            text: #"{"server": {"plugin_dir": "plugins", "vfs": {"x": {"path": "lib/x.so"}}}}"#,
            file: "/etc/chimera/c.json", defaultPluginDirectory: "/d")
        #expect(config.pluginDirectory == "/etc/chimera/plugins")
        #expect(config.modules.first?.path == "/etc/chimera/lib/x.so")
    }

    @Test("// and /* */ comments are accepted anywhere whitespace is")
    func comments() throws {
        let config = try parse(
            """
            // a leading line comment
            {
              "server": { /* block */ "threads": 3, // trailing
                /* a block comment
                   over two lines */
                "vfs": {"memfs": {"config": {"size_limit": 1024 /* bytes */}}}
              },
              "mounts": {"memfs": {"module": "memfs"}} // last
            }
            /* after the document */
            """)
        #expect(config.threads == 3)
        #expect(config.modules.first?.config == #"{"size_limit":1024}"#)
    }

    @Test("errors after comments still name the right line and column")
    func commentPositions() {
        #expect(
            message("{\n  /* one\n     two */ \"server\": {\n  // x\n    \"threads\": ,\n}}")
                == "test.json: invalid JSON at line 5, column 16: expected a value, found ','")
        #expect(
            message("{\n  \"server\": {} /* never closed\n}")
                == "test.json: invalid JSON at line 2, column 16: unterminated /* comment")
        #expect(
            message("{\"server\": / {}}")
                == "test.json: invalid JSON at line 1, column 12: expected a value or a comment ('//' or '/*'), found '/'")
        #expect(message(#"{"server": {"vfs": {"memfs": {"config": {"s": "a//b/*c*/"}}}}}"#) == nil)
    }
}

@Suite("Server config: overlapping mounts")
struct OverlappingMountTests {
    @Test("one module mounted at a path and inside it is refused")
    func nested() {
        do {
            _ = try ServerConfig.parse(
                text: #"{"server": {"vfs": {"m": {}}}, "mounts": {"a": {"module": "m", "path": "/x"}, "b": {"module": "m", "path": "/x/y"}}}"#,
                file: "t.json", defaultPluginDirectory: "/")
            Issue.record("accepted nested mounts of one module")
        } catch {
            #expect(error.message == #"t.json: mounts.b.path: module "m" path "/x/y" overlaps mounts.a ("/x"); mount one of them only"#)
        }
    }

    @Test("sibling paths of one module, and one path of two modules, are fine")
    func siblings() throws {
        _ = try ServerConfig.parse(
            text: #"{"server": {"vfs": {"m": {}, "n": {}}}, "mounts": {"a": {"module": "m", "path": "/x"}, "b": {"module": "m", "path": "/xy"}, "c": {"module": "n", "path": "/x"}}}"#,
            file: "t.json", defaultPluginDirectory: "/")
    }
}
