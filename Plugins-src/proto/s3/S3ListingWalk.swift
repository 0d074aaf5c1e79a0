import CChimera
import ChimeraPluginKit
import S3

/// One page of ListObjects / ListObjectsV2: a depth-first walk of the
/// bucket's directories in S3 key order, fed to `S3ListingAccumulator`,
/// which says what to skip. Each directory's place is found by binary
/// search from the marker and prefix, and a directory that rolls up into a
/// common prefix as a whole is never read.
final class S3ListingWalk {
    struct Frame {
        var prefix: String
        var snapshot: S3DirectorySnapshot
        var index: Int
    }

    struct Page {
        var result: S3ListingResult
        /// The file (or empty directory) behind each listed key.
        var objects: [String: S3DirectoryEntry]
    }

    private let loop: S3Loop
    private let client: S3VFSClient
    private let bucket: S3BucketState
    private var accumulator: S3ListingAccumulator
    private let prefix: String
    private let delimiter: [UInt8]
    private let marker: String
    private var stack: [Frame] = []
    private var objects: [String: S3DirectoryEntry] = [:]
    private let trampoline = VFSTrampoline()
    private var waiting = false
    private var finished = false
    private let done: (Result<Page, S3Error>) -> Void

    init(
        loop: S3Loop,
        client: S3VFSClient,
        bucket: S3BucketState,
        parameters: S3ListParameters,
        done: @escaping (Result<Page, S3Error>) -> Void
    ) {
        self.loop = loop
        self.client = client
        self.bucket = bucket
        accumulator = S3ListingAccumulator(parameters)
        prefix = parameters.prefix
        delimiter = Array(parameters.delimiter.utf8)
        marker = parameters.effectiveMarker
        self.done = done
    }

    func start() {
        guard !accumulator.isComplete else {
            finish()
            return
        }
        let components = accumulator.startDirectory
        // No key has an empty, "." or ".." segment: such a prefix matches
        // nothing (and must not walk out of its directory).
        if components.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) {
            finish()
            return
        }
        if components.isEmpty {
            enter(bucket.handle, prefix: "", attrs: bucket.attrs)
            return
        }
        client.lookupPath(components.joined(separator: "/"), from: bucket.handle) { [self] reply in
            guard reply.ok, reply.isDirectory else {
                finish()
                return
            }
            enter(reply.handle, prefix: components.joined(separator: "/") + "/", attrs: reply.attrs)
        }
    }

    /// Read a directory and continue the walk inside it.
    private func enter(_ directory: S3Handle, prefix: String, attrs: chimera_attrs) {
        waiting = true
        loop.snapshot(of: directory, client: client) { [self] result in
            waiting = false
            switch result {
            case .failure(let error):
                finished = true
                done(.failure(error))
                return
            case .success(let snapshot):
                if snapshot.isEmpty && !prefix.isEmpty {
                    // An empty directory is the "folder" object `prefix`.
                    let entry = S3DirectoryEntry(name: "", handle: directory, attrs: attrs, cookie: 0)
                    if offer(key: prefix, entry: entry) { return }
                } else if !snapshot.isEmpty {
                    stack.append(
                        Frame(
                            prefix: prefix,
                            snapshot: snapshot,
                            index: snapshot.firstIndex(notBelow: lowerBound(prefix))
                        )
                    )
                }
            }
            trampoline.run(advance)
        }
    }

    /// The least sort key in a directory of prefix `directoryPrefix` that can
    /// hold a key after the marker and under the prefix.
    private func lowerBound(_ directoryPrefix: String) -> [UInt8] {
        var bound: [UInt8] = []
        for limit in [marker, prefix] where limit.utf8.starts(with: directoryPrefix.utf8) {
            let component = Array(limit.utf8.dropFirst(directoryPrefix.utf8.count).prefix { $0 != UInt8(ascii: "/") })
            if bound.lexicographicallyPrecedes(component) { bound = component }
        }
        return bound
    }

    /// Whether every key under `directoryPrefix` rolls into one common prefix.
    private func rollsUp(_ directoryPrefix: String) -> Bool {
        guard !delimiter.isEmpty, directoryPrefix.utf8.starts(with: prefix.utf8) else { return false }
        let rest = Array(directoryPrefix.utf8.dropFirst(prefix.utf8.count))
        guard rest.count >= delimiter.count else { return false }
        for start in 0...(rest.count - delimiter.count)
        where rest[start..<(start + delimiter.count)].elementsEqual(delimiter) {
            return true
        }
        return false
    }

    private func advance() {
        guard !waiting, !finished else { return }
        // Bounded: each pass consumes an entry or pops a frame.
        while true {
            guard let top = stack.last else {
                finish()
                return
            }
            guard top.index < top.snapshot.count else {
                stack.removeLast()
                continue
            }
            let entry = top.snapshot.entry(at: top.index)
            stack[stack.count - 1].index += 1
            if entry.isDirectory {
                let directoryPrefix = top.prefix + entry.name + "/"
                if rollsUp(directoryPrefix) {
                    if offer(key: directoryPrefix, entry: entry) { return }
                    continue
                }
                switch accumulator.enterDirectory(directoryPrefix) {
                case .proceed:
                    enter(entry.handle, prefix: directoryPrefix, attrs: entry.attrs)
                    return
                case .skip:
                    continue
                case .leave(let left):
                    leave(left)
                case .stop:
                    finish()
                    return
                }
            } else if offer(key: top.prefix + entry.name, entry: entry) {
                return
            }
        }
    }

    /// Offer one key; true when the page is complete.
    private func offer(key: String, entry: S3DirectoryEntry) -> Bool {
        let listed = S3ListingEntry(
            key: key,
            size: entry.isDirectory ? 0 : entry.attrs.size,
            lastModified: S3Exchange.timestamp(entry.attrs.mtime)
        )
        let step = accumulator.add(listed)
        switch step {
        case .proceed, .skip:
            if key.utf8.starts(with: prefix.utf8) && marker.utf8.lexicographicallyPrecedes(key.utf8) {
                objects[key] = entry
            }
            return false
        case .leave(let left):
            leave(left)
            return false
        case .stop:
            finish()
            return true
        }
    }

    /// Pop the frames of `directoryPrefix` and everything below it.
    private func leave(_ directoryPrefix: String) {
        while let top = stack.last, top.prefix.utf8.count >= directoryPrefix.utf8.count,
            top.prefix.utf8.starts(with: directoryPrefix.utf8)
        {
            stack.removeLast()
        }
    }

    private func finish() {
        guard !finished else { return }
        finished = true
        let result = accumulator.finish()
        var kept: [String: S3DirectoryEntry] = [:]
        for entry in result.entries { kept[entry.key] = objects[entry.key] }
        done(.success(Page(result: result, objects: kept)))
    }
}
