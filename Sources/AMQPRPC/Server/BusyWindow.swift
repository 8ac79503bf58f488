import DequeModule
import NIOCore

/// Busy periods over a sliding window, for utilisation.
struct BusyWindow: Sendable {
  let window: TimeAmount
  private var periods: Deque<(start: NIODeadline, end: NIODeadline)> = []
  private var busySince: NIODeadline?

  init(window: TimeAmount = .seconds(10)) {
    self.window = window
  }

  mutating func began(_ now: NIODeadline) {
    busySince = now
  }

  mutating func ended(_ now: NIODeadline) {
    if let start = busySince { periods.append((start, now)) }
    busySince = nil
    while let first = periods.first, now - first.end > window { periods.removeFirst() }
  }

  /// The busy share of the last `window`, counting a period still running.
  func utilisation(now: NIODeadline) -> Double {
    let windowStart = now - window
    var busy: Int64 = 0
    for period in periods where period.end > windowStart {
      busy += (period.end - max(period.start, windowStart)).nanoseconds
    }
    if let start = busySince { busy += (now - max(start, windowStart)).nanoseconds }
    return min(1, Double(busy) / Double(window.nanoseconds))
  }
}
