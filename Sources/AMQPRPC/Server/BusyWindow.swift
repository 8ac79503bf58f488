import DequeModule
import NIOCore

/// Busy periods over a sliding window, for utilisation. A worker with prefetch above 1 can
/// compute several requests at once: it is busy from the first one's start to the end of the
/// last one running.
struct BusyWindow: Sendable {
  let window: TimeAmount
  private var periods: Deque<(start: NIODeadline, end: NIODeadline)> = []
  private var busySince: NIODeadline?
  /// Requests being computed now.
  private var running = 0

  init(window: TimeAmount = .seconds(10)) {
    self.window = window
  }

  mutating func began(_ now: NIODeadline) {
    if running == 0 { busySince = now }
    running += 1
  }

  mutating func ended(_ now: NIODeadline) {
    guard running > 0 else { return }
    running -= 1
    guard running == 0 else { return }
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
