import Testing

@testable import S3

/// An in-memory tree walked the way the plugin walks directories, obeying the accumulator's hints.
struct TreeWalker {
    final class Directory {
        var files: [String] = []
        var directories: [String: Directory] = [:]
    }

    let root = Directory()
    private(set) var directoriesRead = 0

    init(keys: [String]) {
        for key in keys {
            let parts = key.split(separator: "/").map(String.init)
            var node = root
            for part in parts.dropLast() {
                if let next = node.directories[part] {
                    node = next
                } else {
                    let next = Directory()
                    node.directories[part] = next
                    node = next
                }
            }
            if let last = parts.last { node.files.append(last) }
        }
    }

    private enum Outcome: Equatable {
        case done
        case leave(String)
        case stop
    }

    mutating func list(_ parameters: S3ListParameters) -> S3ListingResult {
        var accumulator = S3ListingAccumulator(parameters)
        var node: Directory? = root
        var prefix = ""
        for component in accumulator.startDirectory {
            node = node?.directories[component]
            prefix += component + "/"
        }
        if let node {
            // The start directory itself is entered like any other, except the root.
            if prefix.isEmpty || accumulator.enterDirectory(prefix) == .proceed {
                _ = walk(node, prefix: prefix, &accumulator)
            }
        }
        return accumulator.finish()
    }

    private mutating func walk(_ node: Directory, prefix: String, _ accumulator: inout S3ListingAccumulator) -> Outcome {
        directoriesRead += 1
        var entries: [(String, Bool)] = node.files.map { ($0, false) } + node.directories.keys.map { ($0, true) }
        S3ListingOrder.sort(&entries, name: { $0.0 }, isDirectory: { $0.1 })
        for (name, isDirectory) in entries {
            if isDirectory {
                let child = prefix + name + "/"
                switch accumulator.enterDirectory(child) {
                case .skip: continue
                case .stop: return .stop
                case .leave, .proceed:
                    guard let directory = node.directories[name] else { continue }
                    switch walk(directory, prefix: child, &accumulator) {
                    case .stop: return .stop
                    case .leave(let p) where p != child: return .leave(p)
                    default: continue
                    }
                }
            } else {
                let entry = S3ListingEntry(key: prefix + name, size: 1, lastModified: S3Timestamp(seconds: 0), etag: "\"e\"")
                switch accumulator.add(entry) {
                case .stop: return .stop
                case .leave(let p): return .leave(p)
                case .proceed, .skip: continue
                }
            }
        }
        return .done
    }
}

/// The listing rules applied by brute force to every key, for comparison.
func referenceListing(_ keys: [String], _ p: S3ListParameters) -> (keys: [String], prefixes: [String], truncated: Bool) {
    let sorted = keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    let marker = p.effectiveMarker
    var items: [(String, Bool)] = []
    for key in sorted where key.utf8.starts(with: p.prefix.utf8) {
        var item = (key, false)
        if !p.delimiter.isEmpty {
            let rest = String(key.dropFirst(p.prefix.count))
            if let range = rest.firstRange(of: p.delimiter) {
                item = (p.prefix + String(rest[..<range.upperBound]), true)
            }
        }
        guard marker.utf8.lexicographicallyPrecedes(item.0.utf8) else { continue }
        if items.last?.0 == item.0 { continue }
        items.append(item)
    }
    let page = items.prefix(p.maxKeys)
    // AWS answers max-keys=0 with an empty, untruncated page.
    return (page.filter { !$0.1 }.map(\.0), page.filter(\.1).map(\.0), p.maxKeys > 0 && items.count > p.maxKeys)
}

@Suite("listing")
struct ListingTests {
    static let keys = [
        "a", "a-b", "a/x", "a/y/z", "a0", "b/c/d/e", "b/c/f", "b/g", "c.txt", "dir/sub/1", "dir/sub/2", "dir/sub/3",
        "dir/top", "photos/2006/jan/1.jpg", "photos/2006/feb/2.jpg", "photos/2007/1.jpg", "photos/index.html",
        "z", "é/1", "e/1", ".chimera-s3/uploads/x",
    ]

    @Test("directories sort as name + '/': a-b < a/ < a0")
    func order() {
        var entries = [("a0", false), ("a", true), ("a-b", false), ("a", false)]
        S3ListingOrder.sort(&entries, name: { $0.0 }, isDirectory: { $0.1 })
        #expect(entries.map { $0.0 + ($0.1 ? "/" : "") } == ["a", "a-b", "a/", "a0"])
    }

    @Test("single pages match the brute-force rules for many prefix, delimiter, marker and max-keys combinations")
    func matchesReference() {
        let visible = Self.keys.filter { !$0.hasPrefix(".chimera-s3") }
        for prefix in ["", "a", "a/", "b/c", "dir/", "photos/2006/", "photos/", "q", "é"] {
            for delimiter in ["", "/", "-", "o"] {
                for marker in ["", "a", "a/x", "b/", "dir/sub/2", "photos/2006/", "zz"] {
                    for maxKeys in [0, 1, 2, 3, 1000] {
                        var p = S3ListParameters()
                        p.prefix = prefix
                        p.delimiter = delimiter
                        p.marker = marker
                        p.maxKeys = maxKeys
                        var walker = TreeWalker(keys: Self.keys)
                        let page = walker.list(p)
                        let expected = referenceListing(visible, p)
                        let label = "prefix=\(prefix) delimiter=\(delimiter) marker=\(marker) max=\(maxKeys)"
                        #expect(page.entries.map(\.key) == expected.keys, "\(label)")
                        #expect(page.commonPrefixes == expected.prefixes, "\(label)")
                        #expect(page.isTruncated == expected.truncated, "\(label)")
                    }
                }
            }
        }
    }

    @Test("paginating with continuation tokens visits every item exactly once")
    func pagination() throws {
        let visible = Self.keys.filter { !$0.hasPrefix(".chimera-s3") }
        for delimiter in ["", "/"] {
            for maxKeys in 1...4 {
                var p = S3ListParameters()
                p.delimiter = delimiter
                p.maxKeys = maxKeys
                var collected: [String] = []
                var pages = 0
                while pages < 100 {
                    pages += 1
                    var walker = TreeWalker(keys: Self.keys)
                    let page = walker.list(p)
                    #expect(page.keyCount <= maxKeys)
                    collected += page.entries.map(\.key) + page.commonPrefixes
                    guard page.isTruncated, let token = page.nextContinuationToken else { break }
                    p.rawContinuationToken = token
                    p.continuationToken = try S3ListingToken.decode(token)
                }
                var all = S3ListParameters()
                all.delimiter = delimiter
                let reference = referenceListing(visible, all)
                let expected = (reference.keys + reference.prefixes).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
                #expect(collected.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) } == expected, "max \(maxKeys) delim \(delimiter)")
                #expect(Set(collected).count == collected.count)
            }
        }
    }

    @Test("a token this server did not make is InvalidArgument")
    func badToken() throws {
        for token in ["", "!!!", S3Base64.encode(Array("x".utf8)), S3Base64.encode([1, 0xFF, 0xFE])] {
            let error = #expect(throws: S3Error.self) { try S3ListingToken.decode(token) }
            #expect(error?.code == .invalidArgument)
        }
        #expect(try S3ListingToken.decode(S3ListingToken.encode(lastKey: "a/b é")) == "a/b é")
    }

    @Test("start-after and common prefixes: photos/ listing rolls years into prefixes, counted once each")
    func startAfterAndPrefixes() {
        var p = S3ListParameters()
        p.prefix = "photos/"
        p.delimiter = "/"
        var walker = TreeWalker(keys: Self.keys)
        let page = walker.list(p)
        #expect(page.entries.map(\.key) == ["photos/index.html"])
        #expect(page.commonPrefixes == ["photos/2006/", "photos/2007/"])
        #expect(page.keyCount == 3)
        p.marker = "photos/2006/"
        var again = TreeWalker(keys: Self.keys)
        #expect(again.list(p).commonPrefixes == ["photos/2007/"])
    }

    @Test("the walk reads only directories that can contribute")
    func subtreeSkips() {
        // A wide tree: 50 directories of 20 files each.
        var keys: [String] = []
        for d in 0..<50 { for f in 0..<20 { keys.append("d\(d / 10)\(d % 10)/f\(f / 10)\(f % 10)") } }
        // Delimiter: each directory is rolled up after one key, so each is entered once and left at once.
        var p = S3ListParameters()
        p.delimiter = "/"
        var walker = TreeWalker(keys: keys)
        let page = walker.list(p)
        #expect(page.commonPrefixes.count == 50)
        #expect(walker.directoriesRead == 51)
        // Prefix: only the matching directory is read (the walk starts in it).
        p = S3ListParameters()
        p.prefix = "d17/"
        walker = TreeWalker(keys: keys)
        #expect(walker.list(p).entries.count == 20)
        #expect(walker.directoriesRead == 1)
        // Marker: directories wholly before it are skipped, and max-keys stops the walk.
        p = S3ListParameters()
        p.marker = "d40/f05"
        p.maxKeys = 3
        walker = TreeWalker(keys: keys)
        let tail = walker.list(p)
        #expect(tail.entries.map(\.key) == ["d40/f06", "d40/f07", "d40/f08"])
        #expect(tail.isTruncated)
        #expect(walker.directoriesRead == 2)
        // A prefix matching nothing past some directory stops instead of reading the rest.
        p = S3ListParameters()
        p.prefix = "d0"
        walker = TreeWalker(keys: keys)
        #expect(walker.list(p).entries.count == 200)
        #expect(walker.directoriesRead == 11)
    }

    @Test("the reserved staging directory never appears in listings")
    func reservedHidden() {
        var walker = TreeWalker(keys: Self.keys)
        let page = walker.list(S3ListParameters())
        #expect(!page.entries.contains { $0.key.hasPrefix(".chimera-s3") })
    }

    @Test("ListMultipartUploads markers: key-marker with upload-id-marker continues within the key")
    func uploadMarkers() {
        var p = S3ListParameters()
        p.marker = "k"
        p.uploadIdMarker = "u2"
        var accumulator = S3ListingAccumulator(p)
        for (key, id) in [("j", "u9"), ("k", "u1"), ("k", "u2"), ("k", "u3"), ("l", "u0")] {
            _ = accumulator.add(S3ListingEntry(key: key, lastModified: S3Timestamp(seconds: 0), uploadId: id))
        }
        let page = accumulator.finish()
        #expect(page.entries.map { "\($0.key)/\($0.uploadId ?? "")" } == ["k/u3", "l/u0"])
    }
}
