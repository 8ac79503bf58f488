import DequeModule
import NIOCore

/// The widths the worker table's state column needed over the last ``window``, per form
/// level (``ServerDashboard/stateForms(_:)``): the column keeps the widest, so that the
/// columns right of it do not jump each time a worker goes busy and back to idle, and
/// narrows again once nothing wider was seen for that long.
struct StateColumnWidths: Sendable {
  static let window = TimeAmount.seconds(10)
  /// (when, widths by level), oldest first.
  private var samples: Deque<(time: NIODeadline, widths: [Int])> = []

  /// Takes the widths the current states need at each level.
  mutating func record(_ widths: [Int], now: NIODeadline) {
    samples.append((now, widths))
    while let first = samples.first, now - first.time > Self.window { samples.removeFirst() }
  }

  /// The widest needed at `level` within the window; 0 before any sample.
  func width(level: Int) -> Int {
    samples.map { $0.widths.indices.contains(level) ? $0.widths[level] : 0 }.max() ?? 0
  }
}
