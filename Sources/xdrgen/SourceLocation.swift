/// A line and column in the input, for error messages.
struct SourceLocation: Equatable, CustomStringConvertible {
    var line: Int
    var column: Int

    var description: String { "\(line):\(column)" }
}
