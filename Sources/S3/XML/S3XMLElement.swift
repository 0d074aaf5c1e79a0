/// An element of a parsed request document: local name (namespace prefix dropped), its text, its children.
public struct S3XMLElement: Hashable, Sendable {
    public var name: String
    /// The element's own character data, concatenated.
    public var text: String
    public var children: [S3XMLElement]

    public init(name: String, text: String = "", children: [S3XMLElement] = []) {
        self.name = name
        self.text = text
        self.children = children
    }

    /// The first child called `name`.
    public func child(_ name: String) -> S3XMLElement? { children.first { $0.name == name } }

    /// Every child called `name`.
    public func children(_ name: String) -> [S3XMLElement] { children.filter { $0.name == name } }

    /// The text with surrounding XML whitespace removed.
    public var trimmedText: String {
        var view = Substring(text)
        let space: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
        while let first = view.first, space(first) { view = view.dropFirst() }
        while let last = view.last, space(last) { view = view.dropLast() }
        return String(view)
    }
}
