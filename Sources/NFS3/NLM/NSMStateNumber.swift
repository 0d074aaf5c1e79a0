/// The status monitor's state number (NSM, X/Open XNFS ch. 11): odd while the host is up, even while it is
/// down, and increased at every change, so that peers told of a new odd number know the host restarted and its
/// locks are gone. Kept on stable storage: each start moves past the number the previous run used.
public struct NSMStateNumber: Hashable, Sendable {
    public let value: Int32

    public init(value: Int32) {
        self.value = value
    }

    /// The number for this start after `previous` (nil: none recorded): the next odd number above it.
    public static func afterRestart(previous: Int32?) -> NSMStateNumber {
        guard let previous, previous > 0 else { return NSMStateNumber(value: 1) }
        let next = previous & 1 == 1 ? previous &+ 2 : previous &+ 1
        return NSMStateNumber(value: next > 0 ? next : 1)
    }

    /// Parse the stored text (a decimal number, whitespace around it allowed).
    public static func parse(_ text: String) -> Int32? {
        Int32(String(text.filter { !$0.isWhitespace }))
    }
}
