/// Malformed input from the kernel (or a fuzzer): a request shorter than its op's struct, a name without its NUL,
/// a length claim past the message.
public struct FUSEDecodeError: Error, Equatable, Sendable, CustomStringConvertible {
    public var opcode: FUSEOpcode
    public var message: String
    public var file: String
    public var line: Int

    public init(_ opcode: FUSEOpcode, _ message: String, file: String = #fileID, line: Int = #line) {
        self.opcode = opcode
        self.message = message
        self.file = file
        self.line = line
    }

    public var description: String { "FUSE \(opcode): \(message) (\(file):\(line))" }

    public static func == (a: Self, b: Self) -> Bool { a.opcode == b.opcode && a.message == b.message }
}
