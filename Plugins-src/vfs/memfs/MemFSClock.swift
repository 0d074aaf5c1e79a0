import CChimera
import Glibc

/// The wall clock for object times.
///
/// The coarse clock, as Linux file systems stamp times (a tick, a few
/// milliseconds): reading it costs a few nanoseconds instead of the
/// precise clock's tens, on every op that changes something. The change
/// attribute, not the time, is what tells two changes apart.
enum MemFSClock {
    @inline(__always)
    static func now() -> chimera_timespec {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME_COARSE, &ts)
        return chimera_timespec(sec: Int64(ts.tv_sec), nsec: UInt32(truncatingIfNeeded: ts.tv_nsec), reserved: 0)
    }

    /// How far apart two distinct times are (FSSTAT time_delta).
    static let resolution: chimera_timespec = {
        var ts = timespec()
        guard clock_getres(CLOCK_REALTIME_COARSE, &ts) == 0 else {
            return chimera_timespec(sec: 0, nsec: 4_000_000, reserved: 0)
        }
        return chimera_timespec(sec: Int64(ts.tv_sec), nsec: UInt32(truncatingIfNeeded: ts.tv_nsec), reserved: 0)
    }()
}
