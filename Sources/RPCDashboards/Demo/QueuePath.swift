import NIOCore
import TerminalUI

/// The request queue's path over time, one sample a second (the newest 300): messages
/// ready in the queue (the queue's `message_count` from a passive declare) and delivered but
/// unacknowledged (the sum of this process's workers' held requests): "queued" against "at
/// a worker".
package struct QueuePath: Sendable {
  package private(set) var ready: [Double] = []
  package private(set) var unacknowledged: [Double] = []
  private var lastSample: NIODeadline?
  static let limit = 300

  /// Takes a sample when a second has passed since the last one (`ready` is `nil` until the
  /// queue was polled: then 0).
  package mutating func sample(ready: UInt32?, unacknowledged: Int, now: NIODeadline) {
    if let lastSample, now - lastSample < .seconds(1) { return }
    lastSample = now
    self.ready.append(Double(ready ?? 0))
    self.unacknowledged.append(Double(max(0, unacknowledged)))
    if self.ready.count > Self.limit { self.ready.removeFirst() }
    if self.unacknowledged.count > Self.limit { self.unacknowledged.removeFirst() }
  }

  /// One row: `queue ready 12 ▁▂▅… · unacked 9 ▁▃…`, each sparkline in half the width.
  func render(
    into buffer: inout ScreenBuffer, in area: Rect, ready current: UInt32?,
    unacknowledged held: Int, asciiOnly: Bool
  ) {
    guard area.height > 0, area.width > 20 else { return }
    let half = area.width / 2
    let readyLabel = "queue ready \(current.map(String.init) ?? "?")"
    let heldLabel = "unacked \(held)"
    for (index, (label, values)) in [(readyLabel, ready), (heldLabel, unacknowledged)]
      .enumerated()
    {
      Sparkline(
        label: label, values: values, asciiOnly: asciiOnly,
        scale: { String(Int($0.rounded())) }
      ).render(
        into: &buffer,
        in: Rect(
          row: area.row, column: area.column + index * half, width: half - 1, height: 1))
    }
  }
}
