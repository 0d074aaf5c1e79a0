import CChimera
import Glibc

/// The wall clock, with nanoseconds, for object times.
enum MemFSClock {
    @inline(__always)
    static func now() -> chimera_timespec {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return chimera_timespec(sec: Int64(ts.tv_sec), nsec: UInt32(truncatingIfNeeded: ts.tv_nsec), reserved: 0)
    }
}
