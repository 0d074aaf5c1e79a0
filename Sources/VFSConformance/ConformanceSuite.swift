import CChimera

/// The module conformance kit behind `chimera vfs-test`.
///
/// Runs every check against one ``ConformanceTarget`` and prints one line a
/// check (`ok   lookup.noent`, `FAIL rename.into-own-subtree: expected
/// INVAL, got OK`, `skip xattr.set-get: module lacks XATTRS`) and a closing
/// `N passed, N failed, N skipped` line. A skip is printed only where the
/// module's capabilities say it lacks the feature (or, for ops no
/// capability names, where it answers NOTSUP) and never counts as a
/// failure. Each check runs in a fresh directory under the root and removes
/// it afterwards.
public struct ConformanceSuite {
    let target: any ConformanceTarget
    let output: (String) -> Void
    let filter: [String]

    /// `filter`: run only checks whose name starts with one of these
    /// prefixes (all when empty).
    public init(target: any ConformanceTarget, output: @escaping (String) -> Void, filter: [String] = []) {
        self.target = target
        self.output = output
        self.filter = filter
    }

    /// The name of every check, in the order they run.
    public static var checkNames: [String] { ConformanceChecks.all.map(\.name) }

    /// Run the checks; returns how many passed and failed (skips are in
    /// neither count).
    public func run() async -> (passed: Int, failed: Int) {
        let client = ConformanceClient(target: target)
        let capabilities = target.capabilities
        let readOnly = capabilities & CHIMERA_VFS_CAP_READ_ONLY != 0
        let token = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        var passed = 0
        var failed = 0
        var skipped = 0

        let rootAttrs = await client.getattr(target.rootHandle)
        guard rootAttrs.ok, rootAttrs.attrs.type == UInt32(CHIMERA_S_IFDIR) else {
            output("FAIL setup: getattr of the root: \(rootAttrs.status), type \(rootAttrs.attrs.type)")
            output("0 passed, 1 failed, 0 skipped")
            return (0, 1)
        }
        let timeStep = await Self.timeStep(client)

        for (index, check) in ConformanceChecks.all.enumerated() {
            guard filter.isEmpty || filter.contains(where: { check.name.hasPrefix($0) }) else { continue }
            if check.requires & capabilities != check.requires {
                output("skip \(check.name): module lacks \(Self.capabilityNames(check.requires & ~capabilities))")
                skipped += 1
                continue
            }
            if readOnly && !check.readOnlySafe {
                output("skip \(check.name): module is READ_ONLY")
                skipped += 1
                continue
            }
            let directoryName = Array("conformance-\(token)-\(index)".utf8)
            var directory = target.rootHandle
            if check.needsDirectory {
                let made = await client.mkdir(target.rootHandle, directoryName)
                guard made.ok else {
                    output("FAIL \(check.name): mkdir of the check's directory: \(made.status)")
                    failed += 1
                    continue
                }
                directory = made.handle
            }
            let context = ConformanceContext(
                client: client,
                capabilities: capabilities,
                threadCount: target.threadCount,
                directory: directory,
                timeStep: timeStep
            )
            var outcome: String?
            var skip: String?
            do {
                try await check.body(context)
            } catch let failure as ConformanceFailure {
                outcome = failure.message
            } catch let reason as ConformanceSkip {
                skip = reason.reason
            } catch {
                outcome = "\(error)"
            }
            client.uid = 0
            client.gid = 0
            if check.needsDirectory, let problem = await Self.cleanUp(client, directoryName), outcome == nil,
                skip == nil
            {
                outcome = "cleanup: \(problem)"
            }
            if let outcome {
                output("FAIL \(check.name): \(outcome)")
                failed += 1
            } else if let skip {
                output("skip \(check.name): \(skip)")
                skipped += 1
            } else {
                output("ok   \(check.name)")
                passed += 1
            }
        }
        output("\(passed) passed, \(failed) failed, \(skipped) skipped")
        return (passed, failed)
    }

    /// How long checks sleep for a time to move: the module's time
    /// granularity (FSSTAT time_delta) plus a margin, at least 10 ms, at
    /// most 2 s.
    static func timeStep(_ client: ConformanceClient) async -> UInt64 {
        let stat = await client.fsstat(client.target.rootHandle)
        var step: UInt64 = 10_000_000
        if stat.ok {
            let delta = stat.fsstat.time_delta
            let nanoseconds = UInt64(clamping: max(0, delta.sec)) &* 1_000_000_000 &+ UInt64(delta.nsec)
            step = max(step, min(nanoseconds &+ 5_000_000, 2_000_000_000))
        }
        return step
    }

    /// Remove a check's directory and everything in it. Found again by
    /// name: a check may have restarted the module, and a module without
    /// persistent handles then has a new handle for it (or no directory at
    /// all). Returns what went wrong, or nil.
    static func cleanUp(_ client: ConformanceClient, _ name: [UInt8]) async -> String? {
        let root = client.target.rootHandle
        let found = await client.lookup(root, name)
        if found.status == .noent { return nil }
        guard found.ok else { return "lookup of the check's directory: \(found.status)" }
        if let problem = await removeTree(client, found.handle, depth: 0) { return problem }
        let removed = await client.remove(root, name, flags: UInt32(CHIMERA_VFS_REMOVE_DIR))
        return removed.ok ? nil : "rmdir of the check's directory: \(removed.status)"
    }

    /// Empty a directory, depth first. Returns what went wrong, or nil.
    static func removeTree(_ client: ConformanceClient, _ directory: [UInt8], depth: Int) async -> String? {
        guard depth < 64 else { return "directory tree deeper than 64" }
        for _ in 0..<100 {
            let listing = await client.readdir(directory, limit: 2_000)
            guard listing.status == .ok else { return "readdir: \(listing.status)" }
            if listing.entries.isEmpty { return nil }
            for entry in listing.entries {
                let isDirectory: Bool
                if let attrs = entry.attrs, attrs.has(CHIMERA_ATTR_MODE) {
                    isDirectory = attrs.type == UInt32(CHIMERA_S_IFDIR)
                } else {
                    let looked = await client.lookup(directory, entry.name)
                    isDirectory = looked.ok && looked.attrs.type == UInt32(CHIMERA_S_IFDIR)
                }
                if isDirectory {
                    var handle = entry.handle
                    if handle.isEmpty { handle = await client.lookup(directory, entry.name).handle }
                    if let problem = await removeTree(client, handle, depth: depth + 1) { return problem }
                }
                let removed = await client.remove(directory, entry.name)
                guard removed.ok else { return "remove \(entry.text): \(removed.status)" }
            }
        }
        return "directory did not empty"
    }

    static func capabilityNames(_ bits: UInt64) -> String {
        let names: [(UInt64, String)] = [
            (CHIMERA_VFS_CAP_HARDLINKS, "HARDLINKS"),
            (CHIMERA_VFS_CAP_SYMLINKS, "SYMLINKS"),
            (CHIMERA_VFS_CAP_XATTRS, "XATTRS"),
            (CHIMERA_VFS_CAP_PERSISTENT_HANDLES, "PERSISTENT_HANDLES"),
            (CHIMERA_VFS_CAP_KV, "KV"),
            (CHIMERA_VFS_CAP_PERSISTENT, "PERSISTENT"),
            (CHIMERA_VFS_CAP_READ_ONLY, "READ_ONLY"),
        ]
        return names.filter { bits & $0.0 != 0 }.map(\.1).joined(separator: ", ")
    }
}
