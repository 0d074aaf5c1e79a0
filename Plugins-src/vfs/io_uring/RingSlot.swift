import ChimeraPluginKit
import PosixVFS

/// A request in flight on a ring: which SQEs it submitted (steps), what
/// each returned, and what must stay alive until the last CQE.
struct RingSlot {
    /// One SQE of a request. The raw value is the low byte of its
    /// user_data; statx steps name the slot's buffer they fill.
    enum Step: UInt8, CaseIterable {
        /// statx of the object, or of the directory a name op changes (WCC pre).
        case preStat = 0
        /// The op itself: readv, writev, fsync, fallocate, close, unlinkat,
        /// renameat, linkat, or GETATTR's statx.
        case main = 1
        /// fsync / fdatasync after a stable WRITE.
        case sync = 2
        /// statx after the op (object, or directory WCC post).
        case postStat = 3
        /// statx of the entry a REMOVE / RENAME removes or replaces (to
        /// evict its cached descriptor), or of LINK's object after the link.
        case victimStat = 4
        /// WCC of RENAME's destination directory (LINK: the object, before).
        case otherPreStat = 5
        case otherPostStat = 6
        /// REMOVE's second round: rmdir after unlink found a directory.
        case retry = 7

        /// Which of the slot's statx buffers a statx step fills.
        var statIndex: Int {
            switch self {
            case .preStat: 0
            case .postStat, .main: 1
            case .otherPreStat: 2
            case .otherPostStat: 3
            default: 4
            }
        }
    }

    static let statsPerSlot = 5

    var request: VFSRequest?
    /// Cached O_PATH descriptors the SQEs use, held until the last CQE.
    var descriptors: (PathDescriptor?, PathDescriptor?) = (nil, nil)
    var steps: UInt8 = 0
    var pending = 0
    var results: (Int32, Int32, Int32, Int32, Int32, Int32, Int32, Int32) = (0, 0, 0, 0, 0, 0, 0, 0)

    func has(_ step: Step) -> Bool { steps & (1 << step.rawValue) != 0 }

    /// The step's result, if it ran and succeeded or failed (-errno).
    func result(_ step: Step) -> Int32 {
        withUnsafeBytes(of: results) { $0.load(fromByteOffset: Int(step.rawValue) * 4, as: Int32.self) }
    }

    func succeeded(_ step: Step) -> Bool { has(step) && result(step) >= 0 }

    mutating func set(_ step: UInt8, _ value: Int32) {
        guard step < 8 else { return }
        withUnsafeMutableBytes(of: &results) { $0.storeBytes(of: value, toByteOffset: Int(step) * 4, as: Int32.self) }
    }
}
