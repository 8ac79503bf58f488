#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Wall-clock time in microseconds since the Unix epoch, for timestamps that cross
/// processes (the server's received/replied headers). Durations within a process use
/// monotonic `NIODeadline`s instead.
enum WallClock {
  static func microsecondsSinceEpoch() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1_000
  }
}
