/// Accumulates generated Swift text with four-space indentation.
struct SourceBuilder {
    private(set) var text = ""
    private var level = 0

    mutating func line(_ content: String = "") {
        if content.isEmpty {
            text += "\n"
        } else {
            text += String(repeating: "    ", count: level) + content + "\n"
        }
    }

    /// `header {`, the body one level deeper, `}` (or `footer`).
    mutating func block(_ header: String, footer: String = "}", _ body: (inout SourceBuilder) throws -> Void) rethrows {
        line(header + " {")
        level += 1
        try body(&self)
        level -= 1
        line(footer)
    }

    /// `switch subject {`, the cases at the switch's own level (swift-format's style), `}`.
    mutating func switchBlock(_ subject: String, _ body: (inout SourceBuilder) throws -> Void) rethrows {
        line("switch \(subject) {")
        try body(&self)
        line("}")
    }

    /// A `///` comment, one line per line of `text`.
    mutating func doc(_ text: String) {
        for part in text.split(separator: "\n", omittingEmptySubsequences: false) {
            line(part.isEmpty ? "///" : "/// " + part)
        }
    }
}
