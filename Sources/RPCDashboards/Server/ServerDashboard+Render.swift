import AMQPRPC
import NIOCore
import TerminalUI

extension ServerDashboard {
  /// The footer's items: the keymap's, the prefetch item with the keys that change the
  /// prefetch now (`[ ]` for both; `]` alone at 1, `[` alone at unlimited), so that a key
  /// that works is never left out when the footer abbreviates.
  package var footerItems: [Footer.Item] {
    Self.keymap.footer.map { item in
      guard item.keys == ["]"] else { return item }
      let keys =
        switch (Prefetch.lowered(prefetch) != prefetch, Prefetch.raised(prefetch) != prefetch) {
        case (true, true): "[ ]"
        case (true, false): "["
        case (false, _): "]"
        }
      return Footer.Item(keys: [keys], label: item.label)
    }
  }

  /// Draws the whole screen for `now` (messages expire).
  package mutating func render(into buffer: inout ScreenBuffer, now: NIODeadline) {
    expireMessage(now: now)
    let layout = ScreenLayout.panels(
      of: &buffer, minimum: Self.minimumSize, quitHint: "q drains and quits.")
    tooSmall = layout == nil
    guard let (panels, footerRow) = layout else { return }
    renderHeader(into: &buffer, now: now)
    renderPanels(into: &buffer, in: panels, showLog: true)
    Footer(footerItems).render(
      into: &buffer, in: Rect(row: footerRow, column: 0, width: buffer.width, height: 1))
    if showHelp {
      HelpOverlay(
        title: "rpc-server help",
        intro: [
          "Each worker consumes \(queue) on its own channel with prefetch, answers fib(n)",
          "to the request's reply_to with its correlation id, then acknowledges it.",
          "Paused workers cancel their consumer, so the broker sends the load elsewhere.",
        ],
        lines: Self.keymap.helpLines
      ).render(
        into: &buffer, in: Rect(row: 0, column: 0, width: buffer.width, height: buffer.height))
    }
  }

  /// Draws the summary line, the message line, the worker table and (with `showLog`) the
  /// recent requests into `area` (also used by rpc-demo).
  package mutating func renderPanels(into buffer: inout ScreenBuffer, in area: Rect, showLog: Bool)
  {
    renderSummary(
      into: &buffer, in: Rect(row: area.row, column: 1, width: area.width - 2, height: 1))
    let notes = noteLines(width: area.width - 1)
    for (index, note) in notes.enumerated() {
      buffer.write(
        note.text, row: area.row + 1 + index, column: 1, style: note.style,
        width: area.width - 1)
    }
    let (_, body) = area.splitTop(1 + max(1, notes.count))
    let tableHeight = showLog ? min(body.height - 3, stats.workers.count + 3) : body.height
    let (workersRect, logRect) = body.splitTop(max(4, tableHeight))
    workerTable(width: workersRect.width).render(into: &buffer, in: workersRect)
    if showLog { renderLog(into: &buffer, in: logRect) }
  }

  /// Rows the summary, the message and the worker table need at `width` cells.
  package func panelHeight(width: Int) -> Int {
    1 + max(1, noteLines(width: width - 1).count) + 2 + stats.workers.count + 1
  }

  /// The draining line, else the message or the latest notice, wrapped to at most two rows
  /// of `width` cells, so that a broker's reason at its end is not cut at 80 columns.
  func noteLines(width: Int) -> [(text: String, style: StyleRole)] {
    let note: (text: String, style: StyleRole)? =
      draining ? (drainingText, .warning) : visibleMessage ?? latestNotice
    guard let note else { return [] }
    return TextWrap.lines(note.text, width: width, maximumLines: 2).map { ($0, note.style) }
  }

  /// The header; at narrow widths the broker's URL goes first, then the queue's details,
  /// then the program's name. The state always stays.
  private func renderHeader(into buffer: inout ScreenBuffer, now: NIODeadline) {
    let queueText: String
    var shorter: [String] = []
    // While the link is down the last counts are stale: the queue's name alone.
    if let queueStatus, !status.isDown {
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
          style: status.isTrouble ? .warning : .bar, shorter: status.shorterLabels(now: now),
          transient: true),
        .init(text: queueText, priority: 2, shorter: shorter),
        .init(text: brokerURL, priority: 1, shorter: [hostAndPort(of: brokerURL)]),
      ] + (tls.map { [HeaderBar.tlsPart($0)] } ?? [])
        + (metricsAddress.map { address in
          // Kept before the broker's address: with `--metrics-port 0` only the screen says
          // which port was picked.
          let port = address.split(separator: ":").last.map { ":\($0)" } ?? address
          return [
            HeaderBar.Part(text: "metrics \(address)", priority: 3, shorter: ["metrics \(port)"])
          ]
        } ?? [])
    ).render(into: &buffer, row: 0)
  }

  /// This process's workers, requests handled (removed workers included) and the rate over
  /// ``RateWindow/seconds``, the prefetch for new ones and the work, then a labelled
  /// throughput sparkline; whole items drop when short of room (the handled count never).
  private func renderSummary(into buffer: inout ScreenBuffer, in area: Rect) {
    let summary = ItemLine([
      ItemLine.Item(
        "this process", "\(stats.workers.count) worker\(stats.workers.count == 1 ? "" : "s")",
        style: .accent, priority: 4),
      ItemLine.Item("handled", "\(handledTotal)", style: .ok),
      ItemLine.Item("rate", RateWindow.text(rate), style: .accent, priority: 3),
      ItemLine.Item("prefetch (new)", Prefetch.describe(prefetch), priority: 2),
      ItemLine.Item("work", "\(work.rawValue) fib, n ≤ \(maximumN)", priority: 1),
    ])
    summary.render(into: &buffer, in: area)
    let used = summary.usedWidth(in: area.width) + ItemLine.spacing
    Sparkline(
      label: "handled/s", values: throughputHistory, asciiOnly: asciiOnly,
      scale: { Format.fixed($0, 0) }
    ).render(
      into: &buffer,
      in: Rect(row: area.row, column: area.column + used, width: area.width - used, height: 1))
  }

  /// What a worker is doing, longest first: the shorter forms end at a word, never cut.
  static func stateForms(_ state: RPCWorkerStats.State) -> [String] {
    switch state {
    case .idle: ["idle"]
    case .busy(let n, let id, let since):
      if let n {
        [
          "busy fib(\(n)) \(id) \(Format.duration(since))",
          "busy fib(\(n)) \(Format.duration(since))",
          "busy fib(\(n))", "busy",
        ]
      } else {
        ["busy \(id) \(Format.duration(since))", "busy \(Format.duration(since))", "busy"]
      }
    case .stopping: ["stopping…"]
    case .paused: ["PAUSED"]
    case .restoring(let reason): ["RESTORING: \(reason)", "RESTORING"]
    case .stopped: ["stopped"]
    }
  }

  /// The worker table for `width` cells: the richest state that fits with every column
  /// (`busy fib(35) <correlation id> 31.0 ms`, then without the id), else `busy fib(35)`
  /// with columns dropped, else `busy`.
  ///
  /// Whether the trend shows depends on the width alone (``trendMinimumWidth``), not on the
  /// states of the moment, so that the column does not come and go between frames.
  private func workerTable(width: Int) -> Table {
    let trend = width >= Self.trendMinimumWidth
    for level in 0..<2 {
      // Every column must stay.
      let table = workerTable(stateLevel: level, trend: trend)
      let layout = table.layout(for: width)
      // (The held ids, rpc-demo's extra, are the first to go and keep no state form out.)
      let kept = table.columns.indices.filter { table.columns[$0].heading != "holds" }
      if kept.allSatisfy({ layout.shows($0) }) { return table }
    }
    let table = workerTable(stateLevel: 2, trend: trend)
    return table.layout(for: width).total <= width
      ? table : workerTable(stateLevel: 3, trend: trend)
  }

  /// The narrowest worker table that shows the trend column.
  static let trendMinimumWidth = 100

  private func workerTable(stateLevel: Int, trend: Bool) -> Table {
    var table = Table(
      title: "Workers (\(stats.workers.count)) · req/s over \(RateWindow.seconds) s",
      columns: [
        // As wide as the widest state of the last seconds (see StateColumnWidths).
        .init("id", .fit), .init("state", .fixed(max(5, stateWidths.width(level: stateLevel)))),
        // Requests delivered and not yet acknowledged, of the prefetch (`3/4`).
        .init("held", .fit, alignment: .right),
        .init("done", .fit, alignment: .right),
        .init("errors", .fit, alignment: .right),
        .init("rej/exp", .fit, alignment: .right, dropOrder: 3),
        .init("req/s", .fit, alignment: .right, dropOrder: 4),
        .init("mean", .fit, alignment: .right, dropOrder: 6),
        .init("p99", .fit, alignment: .right, dropOrder: 5),
        .init("utilisation", .fit, dropOrder: 2),
        .init("trend", .fixed(12), dropOrder: 1),
      ],
      rows: [], emptyText: noWorkersText)
    // On a cluster (workers spread over connections to several nodes) each worker's node,
    // kept longest of the droppable columns.
    // Spread workers keep the column when failovers put them all on one node.
    let nodes = Set(stats.workers.map(\.endpoint))
    let showsNode = nodes.count > 1 || spreadOverNodes
    if showsNode { table.columns.insert(.init("node", .fit, dropOrder: 7), at: 1) }
    var rows = stats.workers.enumerated().map { index, worker -> Table.Row in
      var style: StyleRole = index == selected ? .selected : .normal
      switch worker.state {
      case .paused, .restoring: if index != selected { style = .warning }
      case .stopped: if index != selected { style = .error }
      case .idle, .busy: if hasNoLink(worker), index != selected { style = .warning }
      case .stopping: break
      }
      if index != selected, holdsHighlighted(worker) { style = .accent }
      let forms = stateForms(worker)
      return Table.Row(
        ["w\(worker.id)"] + (showsNode ? [nodeNames[worker.endpoint] ?? worker.endpoint] : []) + [
          forms[min(stateLevel, forms.count - 1)], heldText(worker),
          "\(worker.processed)", "\(worker.errors)",
          "\(worker.rejected)/\(worker.expired)", Format.rate(rate(of: worker.id)),
          worker.service.count == 0 ? "-" : Format.microseconds(UInt64(worker.service.mean)),
          worker.service.count == 0 ? "-" : Format.microseconds(worker.service.p99),
          Gauge.render(worker.utilisation, width: 8, asciiOnly: asciiOnly) + " "
            + Format.fixed(worker.utilisation * 100, 0) + "%",
          Sparkline.render(history(of: worker.id), width: 12, asciiOnly: asciiOnly),
        ], style: style)
    }
    // Removed workers' counts stay in the totals; the rate is the summary's.
    let totals = stats.all
    if !stats.workers.isEmpty {
      rows.append(
        Table.Row(
          ["all"] + (showsNode ? ["\(nodes.count) node\(nodes.count == 1 ? "" : "s")"] : []) + [
            "", "\(heldTotal)", "\(totals.processed)", "\(totals.errors)",
            "\(totals.rejected)/\(totals.expired)",
            Format.rate(rate), "", "", "", "",
          ], style: .title))
    }
    table.rows = rows
    if showsHeldIDs { addHeldIDs(to: &table) }
    if !trend {
      table.columns.removeLast()
      for index in table.rows.indices { table.rows[index].cells.removeLast() }
    }
    return table
  }

  /// The most recent requests, newest first: `w4  fib(35) = 9227465  40.2 ms  <id>`. Short
  /// of room, whole fields go from the right (the id, then the time), so that neither a
  /// value nor an id is cut; a refusal's text is cut with `…`.
  private func renderLog(into buffer: inout ScreenBuffer, in rect: Rect) {
    guard rect.height >= 2 else { return }
    buffer.write("Recent requests", row: rect.row, column: rect.column, style: .title)
    for (index, event) in log.prefix(rect.height - 1).enumerated() {
      let row = rect.row + 1 + index
      let worker = event.worker.split(separator: "/").last.map(String.init) ?? event.worker
      let id = event.correlationID.isEmpty ? "-" : event.correlationID
      let fields: [String]
      let style: StyleRole
      switch event.outcome {
      case .answered(let value):
        fields = [
          worker, "\(event.n.map { "fib(\($0))" } ?? "reply") = \(value)",
          Format.duration(event.service), id,
        ]
        style = .normal
      case .refused(let kind, let text):
        fields = [worker, "\(kind.rawValue): \(text)", id]
        style = .error
      case .rejected(let reason):
        fields = [worker, reason]
        style = .warning
      case .interrupted:
        fields = [worker, "link lost: not answered, the broker requeued it", id]
        style = .warning
      }
      var kept = fields
      while kept.count > 2, kept.joined(separator: "  ").cellWidth > rect.width {
        kept.removeLast()
      }
      buffer.write(
        kept.joined(separator: "  ").clipped(toCells: rect.width), row: row, column: rect.column,
        style: style, width: rect.width)
    }
  }
}
