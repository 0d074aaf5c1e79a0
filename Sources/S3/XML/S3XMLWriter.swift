/// Writes XML into a growable byte buffer, escaping text and attribute content.
///
/// Characters XML 1.0 cannot carry literally (`& < > " '` and control characters) are written as
/// references; S3 does the same for keys with control characters (clients that cannot read those ask for
/// `encoding-type=url`).
public struct S3XMLWriter {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 1024) {
        bytes = []
        bytes.reserveCapacity(capacity)
        bytes.append(contentsOf: #"<?xml version="1.0" encoding="UTF-8"?>"#.utf8)
        bytes.append(UInt8(ascii: "\n"))
    }

    public static let s3Namespace = "http://s3.amazonaws.com/doc/2006-03-01/"

    /// `<name xmlns="...">` for a document's root.
    public mutating func openRoot(_ name: String, namespace: String? = S3XMLWriter.s3Namespace) {
        bytes.append(UInt8(ascii: "<"))
        bytes.append(contentsOf: name.utf8)
        if let namespace {
            bytes.append(contentsOf: #" xmlns=""#.utf8)
            appendEscaped(namespace)
            bytes.append(UInt8(ascii: "\""))
        }
        bytes.append(UInt8(ascii: ">"))
    }

    public mutating func open(_ name: String) {
        bytes.append(UInt8(ascii: "<"))
        bytes.append(contentsOf: name.utf8)
        bytes.append(UInt8(ascii: ">"))
    }

    public mutating func close(_ name: String) {
        bytes.append(contentsOf: "</".utf8)
        bytes.append(contentsOf: name.utf8)
        bytes.append(UInt8(ascii: ">"))
    }

    /// `<name>text</name>`.
    public mutating func element(_ name: String, _ text: String) {
        open(name)
        appendEscaped(text)
        close(name)
    }

    public mutating func element(_ name: String, _ value: Int) { element(name, String(value)) }
    public mutating func element(_ name: String, _ value: UInt64) { element(name, String(value)) }
    public mutating func element(_ name: String, _ value: Bool) { element(name, value ? "true" : "false") }

    /// `<name/>`.
    public mutating func empty(_ name: String) {
        bytes.append(UInt8(ascii: "<"))
        bytes.append(contentsOf: name.utf8)
        bytes.append(contentsOf: "/>".utf8)
    }

    public mutating func appendEscaped(_ text: String) {
        for c in text.utf8 {
            switch c {
            case UInt8(ascii: "&"): bytes.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "<"): bytes.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): bytes.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "\""): bytes.append(contentsOf: "&quot;".utf8)
            case UInt8(ascii: "'"): bytes.append(contentsOf: "&apos;".utf8)
            case 0..<0x20:
                bytes.append(contentsOf: "&#x".utf8)
                S3Hex.append([c], to: &bytes)
                bytes.append(UInt8(ascii: ";"))
            default: bytes.append(c)
            }
        }
    }
}
