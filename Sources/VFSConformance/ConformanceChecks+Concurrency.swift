import CChimera

/// Hands a value to concurrent child tasks. The target is driven from
/// several host threads at once by design; it must be safe for that.
struct ConformanceShared<Value>: @unchecked Sendable {
    let value: Value
}

extension ConformanceChecks {
    static let concurrency: [ConformanceCheck] = [
        ConformanceCheck("concurrency.writers") { c in
            let threads = max(2, c.threadCount)
            var files: [[UInt8]] = []
            for t in 0..<threads { files.append(try await c.file("writer-\(t)")) }
            let shared = ConformanceShared(value: (c.client, files))
            let blocks = 32
            let blockSize = 16_384
            let problems = await withTaskGroup(of: String?.self) { group in
                for t in 0..<threads {
                    group.addTask {
                        let (client, files) = shared.value
                        for b in 0..<blocks {
                            let data = ConformanceContext.pattern(blockSize, seed: UInt64(t * 1_000 + b))
                            let offset = UInt64(b * blockSize)
                            let written = await client.write(files[t], offset: offset, data, thread: t)
                            guard written.ok else { return "thread \(t) write \(b): \(written.status)" }
                        }
                        for b in 0..<blocks {
                            let expected = ConformanceContext.pattern(blockSize, seed: UInt64(t * 1_000 + b))
                            let read = await client.read(
                                files[t],
                                offset: UInt64(b * blockSize),
                                length: blockSize,
                                thread: t
                            )
                            guard read.ok, read.data == expected else {
                                return "thread \(t) block \(b): read \(read.status), data differs"
                            }
                        }
                        return nil
                    }
                }
                var problems: [String] = []
                for await problem in group { if let problem { problems.append(problem) } }
                return problems
            }
            try c.check(problems.isEmpty, problems.joined(separator: "; "))
        },
        ConformanceCheck("concurrency.creates-in-one-directory") { c in
            let threads = max(2, c.threadCount)
            let perThread = 250
            let shared = ConformanceShared(value: (c.client, c.directory))
            let problems = await withTaskGroup(of: String?.self) { group in
                for t in 0..<threads {
                    group.addTask {
                        let (client, directory) = shared.value
                        for i in 0..<perThread {
                            let reply = await client.openAt(
                                directory,
                                Array("t\(t)-\(i)".utf8),
                                flags: VFS.create | VFS.exclusive | VFS.noOpen,
                                thread: t
                            )
                            guard reply.ok else { return "thread \(t) create \(i): \(reply.status)" }
                        }
                        return nil
                    }
                }
                var problems: [String] = []
                for await problem in group { if let problem { problems.append(problem) } }
                return problems
            }
            try c.check(problems.isEmpty, problems.joined(separator: "; "))
            let entries = try await c.list(c.directory)
            try c.check(
                entries.count == threads * perThread,
                "\(entries.count) entries, expected \(threads * perThread)"
            )
            try c.check(Set(entries.map(\.text)).count == entries.count, "an entry listed twice")
        },
    ]
}
