import ChimeraPluginKit

/// A received message shared by the WRITEs of its payload: released when
/// the last one completes.
final class S3MessageHold {
    private let message: PluginMessage
    private var references = 1

    init(_ message: PluginMessage) { self.message = message }

    func retain() { references += 1 }

    func release() {
        references -= 1
        if references == 0 { message.release() }
    }

    func bytes(_ range: Range<Int>) -> UnsafeRawBufferPointer {
        guard let all = message.contiguousBytes else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(rebasing: all[range])
    }
}
