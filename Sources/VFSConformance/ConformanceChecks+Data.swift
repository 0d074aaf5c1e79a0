import CChimera

extension ConformanceChecks {
    static let data: [ConformanceCheck] = [
        ConformanceCheck("write.read-back") { c in
            let data = ConformanceContext.pattern(10_000, seed: 5)
            let file = try await c.file("f")
            let written = try c.ok(await c.client.write(file, offset: 0, data), "write")
            try c.check(written.length == 10_000, "wrote \(written.length) of 10000")
            try c.check(try await c.read(file, length: 10_000) == data, "read back differs")
            try c.check((try await c.attrs(file)).size == 10_000, "size after write")
        },
        ConformanceCheck("write.stability") { c in
            let file = try await c.file("f")
            let sync = try c.ok(await c.client.write(file, offset: 0, [1], stable: VFS.fileSync), "FILE_SYNC write")
            try c.check(sync.stable == VFS.fileSync, "FILE_SYNC write achieved stable \(sync.stable)")
            let data = try c.ok(await c.client.write(file, offset: 1, [2], stable: VFS.dataSync), "DATA_SYNC write")
            try c.check(data.stable >= VFS.dataSync, "DATA_SYNC write achieved stable \(data.stable)")
            try c.ok(await c.client.write(file, offset: 2, [3], stable: VFS.unstable), "UNSTABLE write")
            try c.ok(await c.client.commit(file), "commit")
            try c.check(try await c.read(file, length: 3) == [1, 2, 3], "data after commit")
        },
        ConformanceCheck("write.scatter-gather") { c in
            let data = ConformanceContext.pattern(9_000, seed: 6)
            let file = try await c.file("f")
            try c.ok(await c.client.write(file, offset: 100, data, pieces: 5), "write from 5 iovecs")
            try c.check(try await c.read(file, offset: 100, length: 9_000) == data, "read back differs")
            try c.check(try await c.read(file, length: 100) == [UInt8](repeating: 0, count: 100), "gap is not zeros")
        },
        ConformanceCheck("write.wcc") { c in
            let file = try await c.file("f", data: [1, 2, 3])
            let reply = try c.ok(await c.client.write(file, offset: 3, [4, 5]), "write")
            if reply.preAttrs.has(CHIMERA_ATTR_SIZE) {
                try c.check(reply.preAttrs.size == 3, "pre-op size \(reply.preAttrs.size), expected 3")
            }
            try c.check(reply.attrs.has(CHIMERA_ATTR_SIZE), "write returned no post-op attributes")
            try c.check(reply.attrs.size == 5, "post-op size \(reply.attrs.size), expected 5")
        },
        ConformanceCheck("read.end-of-file") { c in
            let file = try await c.file("f", data: ConformanceContext.pattern(100, seed: 7))
            let middle = try c.ok(await c.client.read(file, offset: 0, length: 50), "read")
            try c.check(
                middle.length == 50 && !middle.eof,
                "read of the first half: \(middle.length) bytes, eof \(middle.eof)"
            )
            let short = try c.ok(await c.client.read(file, offset: 80, length: 50), "read across the end")
            try c.check(short.length == 20 && short.eof, "read across the end: \(short.length) bytes, eof \(short.eof)")
            let past = try c.ok(await c.client.read(file, offset: 1_000, length: 10), "read past the end")
            try c.check(past.length == 0 && past.eof, "read past the end: \(past.length) bytes, eof \(past.eof)")
        },
        ConformanceCheck("io.sparse") { c in
            let file = try await c.file("f")
            let data = ConformanceContext.pattern(4_096, seed: 8)
            try c.ok(await c.client.write(file, offset: 1 << 20, data), "write at 1 MiB")
            let hole = try await c.read(file, offset: 4_096, length: 65_536)
            try c.check(hole == [UInt8](repeating: 0, count: 65_536), "hole does not read as zeros")
            try c.check(try await c.read(file, offset: 1 << 20, length: 4_096) == data, "data after the hole differs")
            let attrs = try await c.attrs(file)
            try c.check(attrs.size == (1 << 20) + 4_096, "size \(attrs.size)")
            try c.check(attrs.space_used < attrs.size, "space_used \(attrs.space_used) not below size \(attrs.size)")
        },
        ConformanceCheck("io.offset-beyond-4gib") { c in
            let file = try await c.file("f")
            let offset = 4 * VFS.gib + 12_345
            let data = ConformanceContext.pattern(1_000, seed: 9)
            try c.ok(await c.client.write(file, offset: offset, data), "write at 4 GiB + 12345")
            try c.check(try await c.read(file, offset: offset, length: 1_000) == data, "read back at 4 GiB differs")
            try c.check((try await c.attrs(file)).size == offset + 1_000, "size after a write at 4 GiB")
            try c.check(
                try await c.read(file, offset: 4 * VFS.gib - 4_096, length: 4_096)
                    == [UInt8](repeating: 0, count: 4_096),
                "hole before 4 GiB is not zeros"
            )
        },
        ConformanceCheck("io.offset-too-large") { c in
            let file = try await c.file("f")
            try c.expect(
                await c.client.write(file, offset: UInt64.max - 10, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]),
                .fbig,
                .inval,
                what: "write ending past 2^64"
            )
        },
        ConformanceCheck("write.directory") { c in
            let sub = try await c.mkdir("d")
            try c.expect(await c.client.write(sub, offset: 0, [1]), .isdir, what: "write to a directory")
        },
        ConformanceCheck("read.directory") { c in
            let sub = try await c.mkdir("d")
            try c.expect(await c.client.read(sub, offset: 0, length: 10), .isdir, what: "read of a directory")
        },
        ConformanceCheck("truncate.down") { c in
            let data = ConformanceContext.pattern(10_000, seed: 10)
            let file = try await c.file("f", data: data)
            var attrs = chimera_attrs()
            attrs.size = 5_000
            attrs.valid_mask = CHIMERA_ATTR_SIZE
            try c.ok(await c.client.setattr(file, attrs), "truncate to 5000")
            try c.check((try await c.attrs(file)).size == 5_000, "size after truncate")
            let past = try c.ok(await c.client.read(file, offset: 5_000, length: 100), "read past the new end")
            try c.check(past.length == 0, "read past the new end returned \(past.length) bytes")
            attrs.size = 10_000
            try c.ok(await c.client.setattr(file, attrs), "extend to 10000")
            let all = try await c.read(file, length: 10_000)
            try c.check(Array(all.prefix(5_000)) == Array(data.prefix(5_000)), "data before the cut changed")
            try c.check(all.dropFirst(5_000).allSatisfy { $0 == 0 }, "regrown range shows the old data")
        },
        ConformanceCheck("truncate.up") { c in
            let file = try await c.file("f", data: [1, 2])
            var attrs = chimera_attrs()
            attrs.size = 8_192
            attrs.valid_mask = CHIMERA_ATTR_SIZE
            try c.ok(await c.client.setattr(file, attrs), "extend to 8192")
            let all = try await c.read(file, length: 8_192)
            try c.check(all.count == 8_192 && all[0] == 1 && all[1] == 2, "data after extending")
            try c.check(all.dropFirst(2).allSatisfy { $0 == 0 }, "extended range is not zeros")
        },
        ConformanceCheck("truncate.directory") { c in
            let sub = try await c.mkdir("d")
            var attrs = chimera_attrs()
            attrs.size = 0
            attrs.valid_mask = CHIMERA_ATTR_SIZE
            try c.expect(await c.client.setattr(sub, attrs), .isdir, .inval, what: "truncate of a directory")
        },
        ConformanceCheck("allocate.range") { c in
            let file = try await c.file("f")
            let reply = await c.client.allocate(file, offset: 0, length: 65_536)
            try c.skipIfUnsupported(reply, "allocate")
            try c.ok(reply, "allocate 64 KiB")
            let attrs = try await c.attrs(file)
            try c.check(attrs.size == 65_536, "size \(attrs.size) after allocate, expected 65536")
            try c.check(attrs.space_used >= 65_536, "space_used \(attrs.space_used) after allocate")
            try c.check(try await c.read(file, length: 65_536).allSatisfy { $0 == 0 }, "allocated range is not zeros")
            try c.ok(await c.client.allocate(file, offset: 65_536, length: 4_096, flags: VFS.keepSize), "KEEP_SIZE")
            try c.check((try await c.attrs(file)).size == 65_536, "allocate KEEP_SIZE changed the size")
        },
        ConformanceCheck("deallocate.punch-hole") { c in
            let data = ConformanceContext.pattern(3 * 65_536, seed: 11)
            let file = try await c.file("f", data: data)
            let reply = await c.client.deallocate(file, offset: 65_536, length: 65_536)
            try c.skipIfUnsupported(reply, "deallocate")
            try c.ok(reply, "punch the middle 64 KiB")
            let all = try await c.read(file, length: 3 * 65_536)
            try c.check(Array(all[0..<65_536]) == Array(data[0..<65_536]), "data before the hole changed")
            try c.check(all[65_536..<131_072].allSatisfy { $0 == 0 }, "punched range is not zeros")
            try c.check(Array(all[131_072...]) == Array(data[131_072...]), "data after the hole changed")
            try c.check((try await c.attrs(file)).size == 3 * 65_536, "punching a hole changed the size")
        },
        ConformanceCheck("seek.data-and-hole") { c in
            let file = try await c.file("f")
            try c.ok(await c.client.write(file, offset: 1 << 20, ConformanceContext.pattern(65_536, seed: 12)), "write")
            let data = await c.client.seek(file, offset: 0, what: VFS.seekData)
            try c.skipIfUnsupported(data, "seek")
            try c.ok(data, "SEEK_DATA from 0")
            try c.check(data.offset <= 1 << 20, "SEEK_DATA from 0 gave \(data.offset), past the data at 1 MiB")
            let hole = try c.ok(await c.client.seek(file, offset: 1 << 20, what: VFS.seekHole), "SEEK_HOLE")
            try c.check(
                hole.offset == (1 << 20) + 65_536,
                "SEEK_HOLE from 1 MiB gave \(hole.offset), expected the end of the data (the end of file)"
            )
            try c.expect(
                await c.client.seek(file, offset: (1 << 20) + 65_536, what: VFS.seekData),
                .nxio,
                what: "SEEK_DATA at the end of file"
            )
        },
        ConformanceCheck("copy_range.basic") { c in
            let data = ConformanceContext.pattern(20_000, seed: 13)
            let source = try await c.file("src", data: data)
            let destination = try await c.file("dst")
            let reply = await c.client.copy(from: source, at: 5_000, to: destination, at: 100, length: 10_000)
            try c.skipIfUnsupported(reply, "copy_range")
            try c.ok(reply, "copy_range")
            try c.check(reply.length == 10_000, "copied \(reply.length) of 10000")
            let copied = try await c.read(destination, offset: 100, length: 10_000)
            try c.check(copied == Array(data[5_000..<15_000]), "copied data differs")
            try c.check((try await c.attrs(destination)).size == 10_100, "destination size after copy")
        },
        ConformanceCheck("clone_range.basic") { c in
            let data = ConformanceContext.pattern(65_536, seed: 14)
            let source = try await c.file("src", data: data)
            let destination = try await c.file("dst")
            let reply = await c.client.copy(
                CHIMERA_VFS_OP_CLONE_RANGE,
                from: source,
                at: 0,
                to: destination,
                at: 0,
                length: 65_536
            )
            try c.skipIfUnsupported(reply, "clone_range")
            try c.ok(reply, "clone_range")
            try c.check(try await c.read(destination, length: 65_536) == data, "cloned data differs")
        },
        ConformanceCheck("fsstat.basic", readOnlySafe: true, needsDirectory: false) { c in
            let reply = try c.ok(await c.client.fsstat(c.root), "fsstat")
            let stat = reply.fsstat
            try c.check(stat.total_bytes >= stat.free_bytes, "free \(stat.free_bytes) above total \(stat.total_bytes)")
            try c.check(stat.free_bytes >= stat.avail_bytes, "available above free")
            try c.check(stat.max_name > 0, "max_name 0")
            try c.check(stat.max_file_size > 4 * VFS.gib, "max_file_size \(stat.max_file_size) below 4 GiB")
        },
    ]
}
