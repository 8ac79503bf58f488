import DequeModule
import NIOCore

/// Events per second over a sliding window.
struct RateMeter: Sendable {
  let window: TimeAmount
  private var stamps: Deque<NIODeadline> = []

  init(window: TimeAmount = .seconds(5)) {
    self.window = window
  }

  mutating func record(_ now: NIODeadline) {
    stamps.append(now)
    trim(now)
  }

  mutating func rate(_ now: NIODeadline) -> Double {
    trim(now)
    return Double(stamps.count) / (Double(window.nanoseconds) / 1e9)
  }

  private mutating func trim(_ now: NIODeadline) {
    while let first = stamps.first, now - first > window { stamps.removeFirst() }
    // Bound memory at very high rates: keep the newest 100k stamps.
    while stamps.count > 100_000 { stamps.removeFirst() }
  }
}
