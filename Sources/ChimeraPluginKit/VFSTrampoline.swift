/// Runs continuation-passing steps without growing the stack when a step's
/// VFS request completes inline (memfs completes inside submit): a step
/// started from within a running step is deferred to the running loop.
/// For callback-style front-ends; one trampoline belongs to one loop.
public final class VFSTrampoline {
    private var driving = false
    private var again = false

    public init() {}

    public func run(_ body: () -> Void) {
        if driving {
            again = true
            return
        }
        driving = true
        repeat {
            again = false
            body()
        } while again
        driving = false
    }

    /// `step(i, next)` for i in 0..<count, one after another; then `done`.
    public static func forEach(
        _ count: Int,
        step: @escaping (Int, @escaping () -> Void) -> Void,
        done: @escaping () -> Void
    ) {
        let trampoline = VFSTrampoline()
        var index = 0
        var waiting = false
        var finished = false
        func body() {
            guard !waiting, !finished else { return }
            guard index < count else {
                finished = true
                done()
                return
            }
            let current = index
            index += 1
            waiting = true
            step(current) {
                waiting = false
                trampoline.run(body)
            }
        }
        trampoline.run(body)
    }
}
