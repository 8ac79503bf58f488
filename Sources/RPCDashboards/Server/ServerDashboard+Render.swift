import AMQPRPC
import NIOCore
import TerminalUI

extension ServerDashboard {
  /// Draws the whole screen for `now` (messages expire).
  public mutating func render(into buffer: inout ScreenBuffer, now: NIODeadline) {
    expireMessage(now: now)
    guard
      let (panels, footerRow) = ScreenLayout.panels(
        of: &buffer, minimum: Self.minimumSize, quitHint: "q drains and quits.")
    else { return }
    renderHeader(into: &buffer, now: now)
    renderPanels(into: &buffer, in: panels, showLog: true)
    renderFooter(Self.keymap.footerItems, into: &buffer, row: footerRow)
    if showHelp {
      renderHelpOverlay(
        title: "rpc-server help",
        intro: [
          "Each worker consumes \(queue) on its own channel with prefetch, answers fib(n)",
          "to the request's reply_to with its correlation id, then acknowledges it.",
          "Paused workers cancel their consumer, so the broker sends the load elsewhere.",
        ],
        lines: Self.keymap.helpLines, into: &buffer)
    }
  }

  /// Draws the summary line, the message line, the worker table and (with `showLog`) the
  /// recent requests into `area` (also used by rpc-demo).
  public mutating func renderPanels(into buffer: inout ScreenBuffer, in area: Rect, showLog: Bool) {
    renderSummary(into: &buffer, row: area.row)
    if draining {
      buffer.write(drainingText, row: area.row + 1, column: 1, style: .warning)
    } else if let message = visibleMessage ?? latestNotice {
      buffer.write(
        message.text, row: area.row + 1, column: 1, style: message.style, width: area.width - 1)
    }
    let (_, body) = area.splitTop(2)
    let tableHeight = showLog ? min(body.height - 3, stats.workers.count + 3) : body.height
    let (workersRect, logRect) = body.splitTop(max(4, tableHeight))
    workerTable(width: workersRect.width).render(into: &buffer, in: workersRect)
    if showLog { renderLog(into: &buffer, in: logRect) }
  }

  /// Rows the summary, message and worker table need for `workers` workers.
  public static func panelHeight(workers: Int) -> Int { 2 + 2 + workers + 1 }

  /// The header; at narrow widths the broker's URL goes first, then the queue's details,
  /// then the program's name. The state always stays.
  private func renderHeader(into buffer: inout ScreenBuffer, now: NIODeadline) {
    let queueText: String
    var shorter: [String] = []
    if let queueStatus {
      queueText =
        "\(queue) (\(queueOrigin)): ready \(queueStatus.ready) · consumers \(queueStatus.consumers) (all servers)"
      shorter = ["\(queue): ready \(queueStatus.ready) · consumers \(queueStatus.consumers)"]
    } else {
      queueText = "\(queue) (\(queueOrigin))"
    }
    // The server's own name (`vm-17118`) outlasts the program's: it maps a worker seen in a
    // client's list to this window.
    let name = serverName.map { [HeaderBar.Part(text: $0, priority: 4)] } ?? []
    HeaderBar(
      parts: [HeaderBar.Part(text: "rpc-server", priority: 3)] + name + [
        .init(
          text: status.label(now: now), priority: HeaderBar.essential,
          style: status.isTrouble ? .warning : .bar),
        .init(text: queueText, priority: 2, shorter: shorter),
        .init(text: brokerURL, priority: 1, shorter: [hostAndPort(of: brokerURL)]),
      ] + (tls.map { [HeaderBar.tlsPart($0)] } ?? [])
    ).render(into: &buffer, row: 0)
  }

  private func renderSummary(into buffer: inout ScreenBuffer, row: Int) {
    var column = 1
    // Counts first; an item is drawn whole or not at all (with those after it), so no number
    // is cut to look like another.
    var full = false
    func item(_ label: String, _ value: String, _ style: StyleRole = .normal) {
      full = full || column + label.count + 1 + value.count > buffer.width
      guard !full else { return }
      column = buffer.write(label + " ", row: row, column: column, style: .dim)
      column = buffer.write(value + "  ", row: row, column: column, style: style)
    }
    item(
      "this process", "\(stats.workers.count) worker\(stats.workers.count == 1 ? "" : "s")", .accent
    )
    item("handled", "\(handledTotal)", .ok)
    item("rate", RateWindow.text(rate), .accent)
    item("prefetch (new)", Prefetch.describe(prefetch))
    item("work", "\(work.rawValue) fib, n ≤ \(maximumN)")
    let room = buffer.width - column - 1
    if room >= 8 {
      buffer.write(
        Sparkline.render(throughputHistory, width: room, asciiOnly: asciiOnly), row: row,
        column: column, style: .accent)
    }
  }

  /// The per-worker trend column only fits from 110 columns, the held column from 90 (below,
  /// the held count leads the state).
  private func workerTable(width: Int) -> Table {
    let withTrend = width >= 110
    let withHeld = width >= 90
    var table = Table(
      title: "Workers (\(stats.workers.count)) · req/s over \(RateWindow.seconds) s",
      columns: [
        .init("id", width: 4), .init("state"),
      ] + (withHeld ? [.init("held", width: 6, alignment: .right)] : []) + [
        .init("done", width: 7, alignment: .right),
        .init("errors", width: 6, alignment: .right), .init("rej/exp", width: 7, alignment: .right),
        .init("req/s", width: 7, alignment: .right), .init("mean", width: 9, alignment: .right),
        .init("p99", width: 9, alignment: .right), .init("utilisation", width: 13),
        .init(withTrend ? "trend" : "", width: withTrend ? 12 : 0),
      ],
      rows: [], emptyText: noWorkersText)
    let stateWidth = table.widths(for: width)[1]
    var rows = stats.workers.enumerated().map { index, worker -> Table.Row in
      var state: String
      var style: StyleRole = index == selected ? .selected : .normal
      switch worker.state {
      case .idle: state = "idle"
      case .busy(let n, let id, let since): state = "busy fib(\(n)) \(id) \(Format.duration(since))"
      case .stopping: state = "stopping…"
      case .paused:
        state = "PAUSED"
        if index != selected { style = .warning }
      case .restoring(let reason):
        // The word always, whole; the reason where there is room (the notice line has it too).
        state = stateWidth >= 20 ? "RESTORING: \(reason)" : "RESTORING"
        if index != selected { style = .warning }
      case .stopped:
        state = "stopped"
        if index != selected { style = .error }
      }
      if !withHeld, worker.held > 0 { state = Self.heldText(worker) + " " + state }
      return Table.Row(
        [
          "w\(worker.id)", state,
        ] + (withHeld ? [Self.heldText(worker)] : []) + [
          "\(worker.processed)", "\(worker.errors)",
          "\(worker.rejected)/\(worker.expired)", Format.rate(rate(of: worker.id)),
          worker.service.count == 0 ? "-" : Format.microseconds(UInt64(worker.service.mean)),
          worker.service.count == 0 ? "-" : Format.microseconds(worker.service.p99),
          Gauge.render(worker.utilisation, width: 8, asciiOnly: asciiOnly) + " "
            + Format.fixed(worker.utilisation * 100, 0) + "%",
          withTrend
            ? Sparkline.render(history(of: worker.id), width: 12, asciiOnly: asciiOnly) : "",
        ], style: style)
    }
    // Removed workers' counts stay in the totals; the rate is the summary's.
    let totals = stats.all
    if !stats.workers.isEmpty {
      rows.append(
        Table.Row(
          [
            "all", "",
          ] + (withHeld ? ["\(stats.held)"] : []) + [
            "\(totals.processed)", "\(totals.errors)",
            "\(totals.rejected)/\(totals.expired)",
            Format.rate(rate), "", "", "", "",
          ], style: .title))
    }
    table.rows = rows
    return table
  }

  private func renderLog(into buffer: inout ScreenBuffer, in rect: Rect) {
    guard rect.height >= 2 else { return }
    buffer.write("Recent requests", row: rect.row, column: rect.column, style: .title)
    for (index, event) in log.prefix(rect.height - 1).enumerated() {
      let row = rect.row + 1 + index
      let worker = event.worker.split(separator: "/").last.map(String.init) ?? event.worker
      let id = event.correlationID.isEmpty ? "-" : event.correlationID
      switch event.outcome {
      case .answered(let value):
        buffer.write(
          "\(worker)  fib(\(event.n ?? -1)) = \(value)  \(Format.duration(event.service))  \(id)",
          row: row,
          column: rect.column, width: rect.width)
      case .refused(let kind, let text):
        buffer.write(
          "\(worker)  \(kind.rawValue): \(text)  \(id)", row: row, column: rect.column,
          style: .error,
          width: rect.width)
      case .rejected(let reason):
        buffer.write(
          "\(worker)  \(reason)", row: row, column: rect.column, style: .warning, width: rect.width)
      }
    }
  }
}
