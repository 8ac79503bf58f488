import DequeModule
import NIOCore

/// Calls ended per second over the last ``RateWindow/seconds``, measured from the snapshots
/// the screen reads: the ended count now against the newest count at least a window old (or
/// the oldest one, while the screen is younger than the window).
struct CompletionRate: Sendable {
  /// (when, calls ended by then), oldest first.
  private var samples: Deque<(at: NIODeadline, ended: Int)> = []

  /// Adds the count of a snapshot taken at `now`.
  mutating func record(ended: Int, at now: NIODeadline) {
    if let last = samples.last, ended < last.ended { samples.removeAll() }  // another client
    samples.append((now, ended))
    let windowStart = now - .seconds(Int64(RateWindow.seconds))
    while samples.count >= 2, samples[1].at <= windowStart { samples.removeFirst() }
  }

  /// Calls per second over the window; 0 before two snapshots.
  var perSecond: Double {
    guard let first = samples.first, let last = samples.last, last.at > first.at else { return 0 }
    return Double(last.ended - first.ended) / (Double((last.at - first.at).nanoseconds) / 1e9)
  }
}
