/// A failure the `chimera` command reports as one line and an exit code.
///
/// Exit codes follow sysexits(3): 78 for a bad config (including a plugin
/// that cannot be loaded or refuses its config), 69 when the server cannot
/// start on this machine (a port in use), 70 for an internal failure.
public struct ChimeraError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Int32, Sendable {
        case config = 78
        case unavailable = 69
        case software = 70
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
    public var exitCode: Int32 { kind.rawValue }

    /// A config error about `key` in `file`.
    public static func config(_ file: String, _ detail: String) -> ChimeraError {
        ChimeraError(.config, "\(file): \(detail)")
    }
}
