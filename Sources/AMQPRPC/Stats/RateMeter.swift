import NIOCore

/// Events per second over a sliding window, kept as one counter per second (constant memory
/// and O(1) per event, whatever the rate).
struct RateMeter: Sendable {
  let windowSeconds: Int
  private var counts: [Int]
  private var newestSecond: Int64 = 0

  init(window: TimeAmount = .seconds(5)) {
    windowSeconds = max(1, Int(window.nanoseconds / 1_000_000_000))
    counts = Array(repeating: 0, count: windowSeconds)
  }

  mutating func record(_ now: NIODeadline) {
    advance(to: Self.second(now))
    counts[Int(newestSecond % Int64(windowSeconds))] += 1
  }

  /// The mean rate over the window's whole seconds before the current one plus the current.
  mutating func rate(_ now: NIODeadline) -> Double {
    advance(to: Self.second(now))
    return Double(counts.reduce(0, +)) / Double(windowSeconds)
  }

  private static func second(_ now: NIODeadline) -> Int64 {
    Int64(now.uptimeNanoseconds / 1_000_000_000)
  }

  private mutating func advance(to second: Int64) {
    guard second > newestSecond else { return }
    let steps = min(Int64(windowSeconds), second - newestSecond)
    for offset in 1...steps {
      counts[Int((newestSecond + offset) % Int64(windowSeconds))] = 0
    }
    newestSecond = second
  }
}
