import AMQPRPC
import TerminalUI

/// The Completed list: every ended call with its result, round trip, worker and the split of
/// its time. Short of room the split goes first; the worker stays as long as its short
/// label fits (`w2`, `b:w2`), with the servers named in the title (see ``WorkerLegend``).
extension ClientDashboard {
  /// Whether Completed shows its worker column in `width` cells.
  func completedShowsWorker(idWidth: Int, width: Int) -> Bool {
    let table = completedTable(idWidth: idWidth, fullWorker: false)
    return width >= table.minimumWidth && table.layout(for: width).shows(Self.workerColumn)
  }

  /// Completed calls for `width` cells: the worker's full name when it fits with every
  /// column, else its short label with the servers named in the title when that fits.
  /// `rows`: how many rows show, for the title's position (`Completed 1–17 of 340`).
  func completedTable(idWidth: Int, width: Int, rows: Int? = nil) -> Table {
    let full = completedTable(idWidth: idWidth, fullWorker: true, rows: rows)
    if full.layout(for: width).widths.allSatisfy({ $0 > 0 }) { return full }
    var table = completedTable(idWidth: idWidth, fullWorker: false, rows: rows)
    guard table.layout(for: width).shows(Self.workerColumn) else { return table }
    // The full title when the servers' names fit whole beside it, else the title that
    // leaves them the most room (their names matter more than `newest first`).
    let legend = WorkerLegend(completed.map(\.worker))
    let titled = [table.title, table.shorterTitle ?? table.title].compactMap { title in
      let room = width - title.cellWidth - WorkerLegend.separator.cellWidth
      return legend.text(width: room).map { (title: title, legend: $0) }
    }
    let whole = titled.first { legend.isWhole($0.legend) }
    if let best = whole ?? titled.max(by: { $0.legend.cellWidth < $1.legend.cellWidth }) {
      table.shorterTitle = table.shorterTitle ?? table.title
      table.title = best.title + WorkerLegend.separator + best.legend
    }
    return table
  }

  /// Why a call failed: the outcome, the server's error kind for an error reply, the
  /// message (`server error (invalid-input): "abc" is not a whole number`).
  static func failureText(_ error: RPCError) -> String {
    let kind = error.serverErrorKind.map { " (\($0.rawValue))" } ?? ""
    return "\(error.code.rawValue)\(kind): \(error.message)"
  }

  /// Shorter forms of ``failureText(_:)`` for a narrow column, the message kept longest:
  /// the server's kind without `server error` (`too-large: n = 46 is above …`), then the
  /// message alone, cut when nothing fits (`n = 92 is above this server's …`); any other
  /// failure as its outcome and the start of its message (`connection lost: the broker
  /// closed …`), never a message cut before it says what happened; a timeout as `timed out
  /// after 1.00 ms`, its number whole.
  static func shorterFailureTexts(_ error: RPCError) -> [String] {
    if error.code == .timedOut, error.message.hasPrefix(timeoutPrefix) {
      let amount = error.message.dropFirst(timeoutPrefix.count)
      return ["timed out after \(amount)", "timeout \(amount)"]
    }
    // The last form is the one cut when none fits whole: for an error reply, the server's
    // message (its kind is in the summary's error count and the help).
    if let kind = error.serverErrorKind {
      return ["\(kind.rawValue): \(error.message)", error.message]
    }
    return [error.message, failureText(error)]
  }

  /// How the client words a timeout's reason (`no reply within 1.00 ms`).
  private static let timeoutPrefix = "no reply within "

  /// The worker column's index.
  static let workerColumn = 4

  /// Completed with the worker's full name (`vm-17118/w2`), or its short label.
  func completedTable(idWidth: Int, fullWorker: Bool, rows visibleRows: Int? = nil) -> Table {
    // Raw mode: the request's text (cut short) and the reply's in the room left.
    let request: Table.Column =
      rawMode ? .init("request", .fit) : .init("n", .fit, alignment: .right)
    let columns: [Table.Column] = [
      .init("correlation id", .fixed(idWidth)), request,
      rawMode ? .init("reply", .flexible(minimum: 8)) : .init("result", .fit),
      .init("round trip", .fit, alignment: .right),
      .init("worker", .fit, dropOrder: 2),
      .init("wait / service / return", .fit, dropOrder: 1),
    ]
    let legend = WorkerLegend(fullWorker ? [] : completed.map(\.worker))
    let rows = completed.map { call -> Table.Row in
      let request =
        rawMode
        ? Self.requestText(call.label, cells: Self.completedRequestCells)
        : call.n.map(String.init) ?? "-"
      switch call.result {
      case .success(let reply):
        return Table.Row([
          call.id, request, reply.value, Format.duration(reply.roundTrip),
          fullWorker ? (reply.worker ?? "-") : legend.label(reply.worker),
          reply.timing.map {
            "\(Format.duration($0.queueWait)) / \(Format.duration($0.service)) / \(Format.duration($0.returnTrip))"
          } ?? "-",
        ])
      case .failure(let error):
        return Table.Row(
          [call.id, request, Self.failureText(error)],
          style: error.code == .timedOut || error.code == .cancelled ? .warning : .error,
          spansFrom: 2, shorterSpans: Self.shorterFailureTexts(error))
      }
    }
    // `completed` starts at the scroll position (see ClientDashboard+Lists.swift).
    var table = Table(
      title: completedListTitle(rows: visibleRows, short: false),
      columns: columns, rows: rows, offset: 0,
      emptyText: lists.filter == nil ? "no calls yet" : "no calls match the filter")
    table.shorterTitle = completedListTitle(rows: visibleRows, short: true)
    return table
  }
}

extension CompletedCall {
  /// The worker that answered (`vm-17118/w2`), for a reply.
  var worker: String? {
    if case .success(let reply) = result { return reply.worker }
    return nil
  }
}
