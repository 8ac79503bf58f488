import AMQPRPC
import NIOCore
import TerminalUI

extension DemoDashboard {
  /// The selected call's detail panel over the client's lists and the workers (the input
  /// line, notes and stats stay), saying where a call in flight is from the workers' ids.
  mutating func renderDetailPanel(
    into buffer: inout ScreenBuffer, clientArea: Rect, panels: Rect, caption: [String],
    now: NIODeadline
  ) {
    guard client.selection.panelOpen else { return }
    let top = client.topRows(caption: caption, width: panels.width)
    let area = Rect(
      row: clientArea.row + top, column: panels.column, width: panels.width,
      height: max(0, panels.row + panels.height - clientArea.row - top))
    client.selection.panelRows = max(0, area.height - 1)
    client.renderDetailPanel(into: &buffer, in: area, now: now, workers: server.stats.workers)
  }
}

extension ServerDashboard {
  /// Whether `worker` computes or holds the highlighted correlation id.
  func holdsHighlighted(_ worker: RPCWorkerStats) -> Bool {
    guard let id = highlightedCorrelationID else { return false }
    if case .busy(_, let busyID, _) = worker.state, busyID == id { return true }
    return worker.heldCorrelationIDs.contains(id)
  }
}

extension ServerDashboard {
  /// Adds the `holds` column before the trend: the correlation ids each worker holds,
  /// oldest delivery first (`3f9a-4 3f9a-5 +2`), the first column dropped when short of room.
  func addHeldIDs(to table: inout Table) {
    let position = table.columns.count - 1
    table.columns.insert(.init("holds", .fit, dropOrder: 0), at: position)
    for index in table.rows.indices {
      let cell: String
      if stats.workers.indices.contains(index) {
        cell = heldIDsText(stats.workers[index])
      } else {
        cell = ""
      }
      table.rows[index].cells.insert(cell, at: min(position, table.rows[index].cells.count))
    }
  }

  /// `▮▮▯▯ 3f9a-4 3f9a-5 +2`: how full its prefetch is (for a prefetch up to 16), the ids a
  /// worker holds (escaped, each cut), and how many more.
  func heldIDsText(_ worker: RPCWorkerStats) -> String {
    let ids = worker.heldCorrelationIDs.prefix(4).map { DetailText.safe($0, limit: 24) }
    let more = worker.held - ids.count
    var parts = ids + (more > 0 ? ["+\(more)"] : [])
    if (1...16).contains(worker.prefetch) {
      let full = min(Int(worker.prefetch), max(0, worker.held))
      let (on, off): (Character, Character) = asciiOnly ? ("#", ".") : ("▮", "▯")
      parts.insert(
        String(repeating: on, count: full)
          + String(repeating: off, count: Int(worker.prefetch) - full), at: 0)
    }
    return parts.joined(separator: " ")
  }
}
