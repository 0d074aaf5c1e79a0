/// The order a directory walk must visit entries in so that keys come out in S3 order (UTF-8 byte order).
///
/// A directory `a` holds the keys `a/...`, which sort after `a-b` (`-` is 0x2D, `/` is 0x2F) and before
/// `a0` (0x30): so a directory sorts as its name followed by `/`, a file as its name.
public enum S3ListingOrder {
    /// Whether entry `a` is visited before entry `b` of the same directory.
    public static func precedes(_ a: String, isDirectory aIsDirectory: Bool, _ b: String, isDirectory bIsDirectory: Bool) -> Bool {
        var left = a.utf8.makeIterator()
        var right = b.utf8.makeIterator()
        var leftSlash = aIsDirectory
        var rightSlash = bIsDirectory
        // Bounded by the two names' lengths plus one.
        while true {
            var l = left.next()
            if l == nil, leftSlash {
                l = UInt8(ascii: "/")
                leftSlash = false
            }
            var r = right.next()
            if r == nil, rightSlash {
                r = UInt8(ascii: "/")
                rightSlash = false
            }
            switch (l, r) {
            case (nil, nil): return false
            case (nil, _): return true
            case (_, nil): return false
            case (let x?, let y?):
                if x != y { return x < y }
            }
        }
    }

    /// Sorts a directory's entries for the walk.
    public static func sort<Entry>(
        _ entries: inout [Entry], name: (Entry) -> String, isDirectory: (Entry) -> Bool
    ) {
        entries.sort { precedes(name($0), isDirectory: isDirectory($0), name($1), isDirectory: isDirectory($1)) }
    }

    /// UTF-8 byte order of two keys.
    public static func keyPrecedes(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }
}
