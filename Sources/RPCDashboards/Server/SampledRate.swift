import DequeModule
import NIOCore

/// Events per second over the last ``RateWindow/seconds``, from a growing total sampled
/// once per frame: (total now − total at the window's start) ÷ the window. Every rate on
/// the server screen is this one computation, so they agree.
struct SampledRate: Sendable {
  /// (when, total) samples; the first is the newest taken at or before the window's start,
  /// or the oldest when the window is not yet full.
  private var samples: Deque<(time: NIODeadline, total: Int)> = []

  static var window: TimeAmount { .seconds(Int64(RateWindow.seconds)) }

  /// Whether any total was taken.
  var hasSamples: Bool { !samples.isEmpty }

  /// Takes the total at `now` (times must not go back).
  mutating func record(total: Int, now: NIODeadline) {
    samples.append((now, total))
    let windowStart = now - Self.window
    while samples.count > 1, samples[1].time <= windowStart { samples.removeFirst() }
  }

  /// Events per second: the events since the window's start, divided by the window (by the
  /// time since that sample when it is older, frames being up to a second apart). 0 before
  /// two samples.
  var perSecond: Double {
    guard let first = samples.first, let last = samples.last else { return 0 }
    let span = max(Self.window, last.time - first.time)
    return Double(last.total - first.total) * 1e9 / Double(span.nanoseconds)
  }
}
