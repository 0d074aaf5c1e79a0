import Synchronization

/// A shared 64-bit counter.
final class AtomicCounter: Sendable {
    let value = Atomic<UInt64>(0)

    @inline(__always)
    func load() -> UInt64 { value.load(ordering: .acquiring) }

    @inline(__always)
    @discardableResult
    func increment() -> UInt64 { value.add(1, ordering: .acquiringAndReleasing).newValue }
}
