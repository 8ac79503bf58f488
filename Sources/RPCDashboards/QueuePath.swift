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
  package mutating func sample(ready: Int?, unacknowledged: Int, now: NIODeadline) {
    if let lastSample, now - lastSample < .seconds(1) { return }
    lastSample = now
    self.ready.append(Double(ready ?? 0))
    self.unacknowledged.append(Double(max(0, unacknowledged)))
    if self.ready.count > Self.limit { self.ready.removeFirst() }
    if self.unacknowledged.count > Self.limit { self.unacknowledged.removeFirst() }
  }

  /// One row: `queue ready 12 ▁▂▅…` alone (rpc-client, which does not see the workers).
  func renderReady(
    into buffer: inout ScreenBuffer, in area: Rect, ready current: Int?, asciiOnly: Bool
  ) {
    Self.render(
      into: &buffer, in: area, label: "queue ready \(current.map(String.init) ?? "?")",
      values: ready, asciiOnly: asciiOnly)
  }

  /// One row: `queue ready 12 0–14 ▁▂▅… · unacked 9 0–9 ▁▃…`, each in half the width.
  func render(
    into buffer: inout ScreenBuffer, in area: Rect, ready current: Int?, unacknowledged held: Int,
    asciiOnly: Bool
  ) {
    let half = area.width / 2
    Self.render(
      into: &buffer, in: Rect(row: area.row, column: area.column, width: half - 1, height: 1),
      label: "queue ready \(current.map(String.init) ?? "?")", values: ready, asciiOnly: asciiOnly)
    Self.render(
      into: &buffer,
      in: Rect(row: area.row, column: area.column + half, width: area.width - half, height: 1),
      label: "unacked \(held)", values: unacknowledged, asciiOnly: asciiOnly)
  }

  /// `label` (the count now, always), then its sparkline with its scale when one was above 0.
  private static func render(
    into buffer: inout ScreenBuffer, in area: Rect, label: String, values: [Double],
    asciiOnly: Bool
  ) {
    guard area.height > 0, area.width > label.cellWidth + 1 else { return }
    let column = buffer.write(label, row: area.row, column: area.column, style: .dim)
    Sparkline(label: "", values: values, asciiOnly: asciiOnly, scale: { String(Int($0.rounded())) })
      .render(
        into: &buffer,
        in: Rect(row: area.row, column: column, width: area.right - column, height: 1))
  }
}
