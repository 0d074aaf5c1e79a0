/// Why the generator refused its input, with where in the input when known.
struct GeneratorError: Error, CustomStringConvertible {
    var message: String
    var location: SourceLocation?

    init(_ message: String, at location: SourceLocation? = nil) {
        self.message = message
        self.location = location
    }

    var description: String {
        if let location {
            return "\(location): \(message)"
        }
        return message
    }
}
