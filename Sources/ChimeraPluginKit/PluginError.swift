/// Why a plugin could not start. The message is one line naming the config
/// key and what was expected; the host prints it with the plugin and file.
public struct PluginError: Error, CustomStringConvertible, Sendable {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

extension PluginError {
    /// Write the message, truncated and NUL-terminated, into a C error buffer.
    func write(to buffer: UnsafeMutablePointer<CChar>?, capacity: Int) {
        guard let buffer, capacity > 0 else { return }
        // Whole characters only, so a cut never leaves half a UTF-8 sequence.
        var utf8: [UInt8] = []
        for scalar in message.unicodeScalars {
            let encoded = Array(String(scalar).utf8)
            if utf8.count + encoded.count > capacity - 1 { break }
            utf8.append(contentsOf: encoded)
        }
        utf8.withUnsafeBufferPointer { bytes in
            for (i, b) in bytes.enumerated() { buffer[i] = CChar(bitPattern: b) }
        }
        buffer[utf8.count] = 0
    }
}
