import ChimeraPluginKit
import PosixVFS

/// A request in flight on a ring: which SQEs it submitted (steps), what
/// each returned, and what must stay alive until the last CQE.
struct RingSlot {
    enum Step: Int {
        /// statx before the op (WCC pre-op attributes), into stats[2 * slot].
        case preStat = 0
        /// The op itself: readv, writev, fsync, fallocate, close, or GETATTR's statx.
        case main = 1
        /// fsync / fdatasync after a stable WRITE.
        case sync = 2
        /// statx after the op, into stats[2 * slot + 1].
        case postStat = 3
    }

    var request: VFSRequest?
    /// The cached O_PATH descriptor GETATTR's statx uses, held until the CQE.
    var descriptor: PathDescriptor?
    var steps: UInt8 = 0
    var pending = 0
    var results: (Int32, Int32, Int32, Int32) = (0, 0, 0, 0)

    func has(_ step: Step) -> Bool { steps & (1 << UInt8(step.rawValue)) != 0 }

    func result(_ step: Step) -> Int32 {
        switch step {
        case .preStat: results.0
        case .main: results.1
        case .sync: results.2
        case .postStat: results.3
        }
    }

    mutating func set(_ step: Int, _ value: Int32) {
        switch step {
        case 0: results.0 = value
        case 1: results.1 = value
        case 2: results.2 = value
        default: results.3 = value
        }
    }
}
