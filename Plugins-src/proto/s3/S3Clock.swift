import Glibc
import S3

/// Wall-clock time, for signatures and dates.
enum S3Clock {
    static func now() -> S3Timestamp {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return S3Timestamp(seconds: Int64(spec.tv_sec), nanoseconds: UInt32(spec.tv_nsec))
    }

    static func monotonicNanoseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }
}
