import CChimera

extension ConformanceChecks {
    static let unlinked: [ConformanceCheck] = [
        ConformanceCheck("create_unlinked.link_at") { c in
            let made = await c.client.createUnlinked(c.directory)
            try c.skipIfUnsupported(made, "create_unlinked")
            try c.ok(made, "create_unlinked")
            let listed = try await c.list(c.directory)
            try c.check(listed.isEmpty, "an unlinked file appears in its directory: \(listed.map(\.text))")
            let data = ConformanceContext.pattern(3_000, seed: 30)
            try c.ok(await c.client.write(made.handle, offset: 0, data, openHandle: made.openHandle), "write")
            try c.ok(
                await c.client.linkAt(made.handle, openHandle: made.openHandle, into: c.directory, c.name("f")),
                "link_at"
            )
            try c.ok(await c.client.close(made.handle, openHandle: made.openHandle), "close")
            let file = try await c.lookup("f")
            try c.check(try await c.read(file, length: 3_000) == data, "linked file's data differs")
            try c.check((try await c.attrs(file)).nlink == 1, "linked file's nlink")
        },
        ConformanceCheck("create_unlinked.link_at-replace") { c in
            try await c.file("f", data: [1, 1])
            let made = await c.client.createUnlinked(c.directory)
            try c.skipIfUnsupported(made, "create_unlinked")
            try c.ok(made, "create_unlinked")
            try c.ok(await c.client.write(made.handle, offset: 0, [2, 2, 2], openHandle: made.openHandle), "write")
            try c.expect(
                await c.client.linkAt(made.handle, openHandle: made.openHandle, into: c.directory, c.name("f")),
                .exist,
                what: "link_at over an existing name without LINK_REPLACE"
            )
            try c.ok(
                await c.client.linkAt(
                    made.handle,
                    openHandle: made.openHandle,
                    into: c.directory,
                    c.name("f"),
                    flags: VFS.linkReplace
                ),
                "link_at LINK_REPLACE"
            )
            try c.ok(await c.client.close(made.handle, openHandle: made.openHandle), "close")
            try c.check(try await c.read(try await c.lookup("f"), length: 10) == [2, 2, 2], "replaced file's data")
            try c.check(try await c.list(c.directory).count == 1, "directory holds more than the one name")
        },
        ConformanceCheck("create_unlinked.close-discards") { c in
            let made = await c.client.createUnlinked(c.directory)
            try c.skipIfUnsupported(made, "create_unlinked")
            try c.ok(made, "create_unlinked")
            try c.ok(await c.client.close(made.handle, openHandle: made.openHandle), "close")
            try c.expect(
                await c.client.getattr(made.handle),
                .stale,
                what: "getattr of a closed, never linked file"
            )
        },
        ConformanceCheck("io.read-after-unlink-while-open") { c in
            let data = ConformanceContext.pattern(2_000, seed: 31)
            let file = try await c.file("f", data: data)
            let opened = try c.ok(await c.client.open(file, flags: VFS.read), "open")
            try c.ok(await c.client.remove(c.directory, c.name("f")), "remove while open")
            let read = try c.ok(
                await c.client.read(file, offset: 0, length: 2_000, openHandle: opened.openHandle),
                "read of an open, removed file"
            )
            try c.check(read.data == data, "data of an open, removed file differs")
            try c.ok(await c.client.close(file, openHandle: opened.openHandle), "close")
        },
    ]
}
