import NIOPosix

/// Which host thread the caller is on: event loops `0 ..< loops`, then the
/// delegation pool. Set once on each thread when the host starts it.
enum ThreadIndex {
    final class Box {
        let index: UInt32
        init(_ index: UInt32) { self.index = index }
    }

    nonisolated(unsafe) static let variable = ThreadSpecificVariable<Box>()

    static var current: UInt32? { variable.currentValue?.index }

    static func set(_ index: UInt32) {
        variable.currentValue = Box(index)
    }
}
