import CChimera

extension ConformanceChecks {
    /// Checks that run only on a READ_ONLY module: every change is ROFS.
    static let readOnly: [ConformanceCheck] = [
        ConformanceCheck("readonly.mkdir", requires: VFS.readOnly, readOnlySafe: true, needsDirectory: false) { c in
            try c.expect(await c.client.mkdir(c.root, c.name("conformance-rofs")), .rofs, what: "mkdir")
        },
        ConformanceCheck("readonly.create", requires: VFS.readOnly, readOnlySafe: true, needsDirectory: false) { c in
            try c.expect(
                await c.client.openAt(c.root, c.name("conformance-rofs"), flags: VFS.create | VFS.noOpen),
                .rofs,
                what: "create"
            )
        },
        ConformanceCheck("readonly.setattr", requires: VFS.readOnly, readOnlySafe: true, needsDirectory: false) { c in
            try c.expect(
                await c.client.setattr(c.root, ConformanceClient.mode(0o700)),
                .rofs,
                what: "chmod of the root"
            )
        },
        ConformanceCheck("readonly.remove", requires: VFS.readOnly, readOnlySafe: true, needsDirectory: false) { c in
            try c.expect(
                await c.client.remove(c.root, c.name("conformance-absent")),
                .rofs,
                .noent,
                what: "remove"
            )
        },
        ConformanceCheck("readonly.readdir", requires: VFS.readOnly, readOnlySafe: true, needsDirectory: false) { c in
            _ = try await c.list(c.root)
            try c.expect(
                await c.client.lookup(c.root, c.name("conformance-absent")),
                .noent,
                what: "lookup of an absent name"
            )
        },
    ]

    /// Last: they restart the module.
    static let restart: [ConformanceCheck] = [
        ConformanceCheck("restart.persistent-handles", requires: VFS.persistentHandles) { c in
            let data = ConformanceContext.pattern(5_000, seed: 40)
            let file = try await c.file("f", data: data)
            let directory = c.directory
            let target = c.client.target
            guard try await target.restart() else { throw ConformanceSkip(reason: "the target cannot restart") }
            // New objects first: a module that reuses handle numbers after a
            // restart would now answer old handles with these (aliasing).
            // In the root: a non-persistent module's old directory is gone too.
            let tag = UInt32.random(in: 0...UInt32.max)
            for i in 0..<4 {
                _ = try await c.file("restart-\(tag)-\(i)", in: c.root, data: [UInt8](repeating: 7, count: 100 + i))
            }
            let attrs = try await c.attrs(file, "getattr of a file handle from before the restart")
            try c.check(attrs.size == 5_000, "size \(attrs.size) after restart (an old handle names a new object?)")
            try c.check(try await c.read(file, length: 5_000) == data, "data changed across restart")
            _ = try await c.attrs(directory, "getattr of a directory handle from before the restart")
        },
        ConformanceCheck("restart.stale-handles") { c in
            if c.has(VFS.persistentHandles) {
                throw ConformanceSkip(reason: "module claims PERSISTENT_HANDLES (restart.persistent-handles applies)")
            }
            let file = try await c.file("f", data: [1, 2, 3])
            guard try await c.client.target.restart() else {
                throw ConformanceSkip(reason: "the target cannot restart")
            }
            // New objects first: a module that reuses handle numbers after a
            // restart would now answer the old handle with one of these.
            // In the root: a non-persistent module's old directory is gone too.
            let tag = UInt32.random(in: 0...UInt32.max)
            for i in 0..<4 {
                _ = try await c.file("restart-\(tag)-\(i)", in: c.root, data: [UInt8](repeating: 7, count: 100 + i))
            }
            let reply = await c.client.getattr(file)
            if c.has(CHIMERA_VFS_CAP_PERSISTENT) && reply.ok {
                let attrs = try await c.attrs(file, "getattr of a handle from before the restart")
                try c.check(attrs.size == 3, "an old handle names a new object after restart (size \(attrs.size), not 3)")
                return
            }
            try c.expect(reply, .stale, .badhandle, what: "getattr of a handle from before the restart")
        },
    ]
}
