import AMQPClient
import AMQPRPC
import NIOCore
import TerminalUI

extension ClientDashboard {
  /// Draws the whole screen for `now` (messages expire, ages tick).
  public mutating func render(into buffer: inout ScreenBuffer, now: NIODeadline) {
    expireMessage(now: now)
    guard
      let (panels, footerRow) = ScreenLayout.panels(
        of: &buffer, minimum: Self.minimumSize, quitHint: "q quits.")
    else { return }
    renderHeader(into: &buffer, row: 0, now: now)
    renderPanels(into: &buffer, in: panels, now: now)
    renderFooter(Self.keymap.footerItems, into: &buffer, row: footerRow)
    if showHelp {
      renderHelpOverlay(
        title: "rpc-client help",
        intro: [
          "Each request goes to \(queue) with reply_to = \(callbackQueue)",
          "and a unique correlation id; replies are matched by that id.",
          "Late (after the timeout), unknown and duplicate replies are discarded.",
          "\(asciiOnly ? "=" : "✓") beside sent: sent = ok + error + timeout + unroutable",
          "+ lost + cancelled + in flight.",
          "Commands: :timeout SECONDS, :late, :unknown, :quit. Any key closes this.",
        ],
        lines: Self.keymap.helpLines, into: &buffer)
    }
  }

  /// Draws everything but the header, footer and help into `area`: the input line, the
  /// message line, the stats, in flight, completed and discarded (also used by rpc-demo).
  public mutating func renderPanels(
    into buffer: inout ScreenBuffer, in area: Rect, now: NIODeadline
  ) {
    expireMessage(now: now)
    renderInput(into: &buffer, row: area.row)
    if let message = visibleMessage ?? linkNote {
      buffer.write(
        message.text, row: area.row + 1, column: 1, style: message.style, width: area.width - 1)
    } else {
      buffer.write(
        "type numbers: 35 · 30 31 32 · 30x50 · 1..40 — :timeout 2 — F2/F3 demos — ? help",
        row: area.row + 1, column: 1, style: .dim, width: area.width - 1)
    }
    renderStats(into: &buffer, row: area.row + 2)
    let (_, body) = area.splitTop(4)
    renderBody(into: &buffer, in: body, now: now)
  }

  /// The header, least important parts dropped first at narrow widths: the product, the
  /// broker's URL (then its host and port), the timeout, the program's name, the workers.
  /// The state and `reply_to` always stay.
  private func renderHeader(into buffer: inout ScreenBuffer, row: Int, now: NIODeadline) {
    let workers: String
    switch workersListening {
    case .none: workers = "workers ?"
    case .some(.none): workers = "no \(queue)!"
    case .some(.some(let count)): workers = "workers \(count)"
    }
    HeaderBar(
      parts: [
        .init(text: "rpc-client", priority: 3),
        .init(
          text: status.label(now: now), priority: HeaderBar.essential,
          style: status.isTrouble ? .warning : .bar),
        .init(text: workers, priority: 5),
        .init(text: "timeout \(Format.duration(timeout.timeAmount))", priority: 2),
        .init(text: brokerURL, priority: 1, shorter: [hostAndPort(of: brokerURL)]),
      ] + (tls.map { [HeaderBar.tlsPart($0)] } ?? []) + [
        .init(text: serverProduct, priority: 0),
        .init(text: "reply_to \(callbackQueue)", priority: HeaderBar.essential),
      ]
    ).render(into: &buffer, row: row)
  }

  private func renderInput(into buffer: inout ScreenBuffer, row: Int) {
    let prompt = "fib(n)> "
    let start = buffer.write(prompt, row: row, column: 1, style: .accent)
    let room = buffer.width - start - 1
    // Scroll long input so the cursor stays visible.
    let skip = max(0, input.cursor - room + 1)
    buffer.write(String(input.text.dropFirst(skip)), row: row, column: start, width: room)
    buffer.cursor = showHelp ? nil : (row, start + input.cursor - skip)
  }

  private func renderStats(into buffer: inout ScreenBuffer, row: Int) {
    guard let stats else { return }
    var column = 1
    func item(_ label: String, _ value: Int, _ style: StyleRole) {
      column = buffer.write(label + " ", row: row, column: column, style: .dim)
      column = buffer.write(
        "\(value)  ", row: row, column: column, style: value > 0 ? style : .normal)
    }
    item("sent", stats.sent, .normal)
    if let check = accountingCheck {
      column = buffer.write(
        check.text + "  ", row: row, column: column, style: check.holds ? .ok : .error)
    }
    item("in flight", stats.inFlight, .accent)
    item("ok", stats.count(.ok), .ok)
    item("error", stats.count(.serverError), .error)
    item("timeout", stats.count(.timedOut), .warning)
    item("unroutable", stats.count(.unroutable), .error)
    item("lost", stats.count(.connectionLost), .error)
    item("cancelled", stats.count(.cancelled), .warning)
    column = buffer.write("rate ", row: row, column: column, style: .dim)
    column = buffer.write(
      RateWindow.text(completionsPerSecond), row: row, column: column, style: .accent)

    let latency = stats.latency
    var second = 1
    second = buffer.write("round trip ", row: row + 1, column: second, style: .dim)
    for (label, value) in [
      ("p50", latency.p50), ("p90", latency.p90), ("p99", latency.p99), ("max", latency.max),
    ] {
      second = buffer.write(label + " ", row: row + 1, column: second, style: .dim)
      second = buffer.write(
        (latency.count == 0 ? "-" : Format.microseconds(value)) + "  ", row: row + 1, column: second
      )
    }
    let sparkWidth = buffer.width - second - 2
    if sparkWidth >= 8 {
      buffer.write(
        Sparkline.render(latencyHistory, width: sparkWidth, asciiOnly: asciiOnly), row: row + 1,
        column: second, style: .accent)
    }
  }

  private func renderBody(into buffer: inout ScreenBuffer, in body: Rect, now: NIODeadline) {
    let discardedHeight = min(max(3, body.height / 4), 8)
    let (top, discardedRect) = body.splitBottom(discardedHeight)
    let inFlight = inFlightTable(now: now)
    if top.width >= 90 {
      let (left, right) = top.splitColumns(0.34)
      inFlight.render(into: &buffer, in: left)
      completedTable(wide: right.width >= 90).render(into: &buffer, in: right)
    } else {
      let completedTable = completedTable(wide: top.width >= 100)
      let rows = stats?.inFlight ?? 0
      let inFlightHeight = min(max(3, rows + 2), top.height / 3)
      let (upper, lower) = top.splitTop(inFlightHeight)
      inFlight.render(into: &buffer, in: upper)
      completedTable.render(into: &buffer, in: lower)
    }
    discardedTable().render(into: &buffer, in: discardedRect)
  }

  private func inFlightTable(now: NIODeadline) -> Table {
    let calls = stats?.oldestInFlight ?? []
    return Table(
      title: inFlightTitle,
      columns: [
        .init("correlation id", width: 14), .init("n", width: 3, alignment: .right),
        .init("age", width: 9, alignment: .right), .init("left", width: 9, alignment: .right),
      ],
      rows: calls.map { call in
        Table.Row(
          [
            call.correlationID, call.n.map(String.init) ?? "-", Format.duration(call.age),
            Format.duration(call.timeLeft),
          ],
          style: call.timeLeft < .zero ? .warning : .normal)
      },
      emptyText: "nothing in flight")
  }

  private func completedTable(wide: Bool) -> Table {
    var columns: [Table.Column] = [
      .init("correlation id", width: 14), .init("n", width: 3, alignment: .right), .init("result"),
      .init("round trip", width: 10, alignment: .right), .init("worker", width: wide ? 16 : 8),
    ]
    if wide { columns.append(.init("wait / service / return", width: 27)) }
    let rows = completed.map { call -> Table.Row in
      switch call.result {
      case .success(let reply):
        var cells = [
          call.id, call.n.map(String.init) ?? "-", reply.value, Format.duration(reply.roundTrip),
          shortWorker(reply.worker, wide: wide),
        ]
        if wide {
          cells.append(
            reply.timing.map {
              "\(Format.duration($0.queueWait)) / \(Format.duration($0.service)) / \(Format.duration($0.returnTrip))"
            } ?? "-")
        }
        return Table.Row(cells)
      case .failure(let error):
        return Table.Row(
          [
            call.id, call.n.map(String.init) ?? "-", "\(error.code.rawValue): \(error.message)", "",
            "",
          ],
          style: error.code == .timedOut || error.code == .cancelled ? .warning : .error)
      }
    }
    return Table(
      title: completedTitle
        + (scrollOffset > 0 ? " — scrolled \(scrollOffset)" : ""),
      columns: columns, rows: rows, offset: scrollOffset, emptyText: "no calls yet")
  }

  private func discardedTable() -> Table {
    return Table(
      title: discardedTitle,
      columns: [.init("kind", width: 9), .init("correlation id", width: 18), .init("detail")],
      rows: discarded.map { reply in
        let detail: String
        switch reply.kind {
        case .late:
          detail = "late by \(reply.lateBy.map(Format.duration) ?? "?"): its call had already ended"
        case .unknown: detail = "correlation id was never ours"
        case .duplicate: detail = "its call was already answered"
        }
        return Table.Row([reply.kind.rawValue, reply.id, detail], style: .warning)
      },
      emptyText: "none yet — F2 injects an unknown reply, F3 provokes a late one")
  }

  private func shortWorker(_ worker: String?, wide: Bool) -> String {
    guard let worker else { return "-" }
    if wide { return worker }
    return worker.split(separator: "/").last.map(String.init) ?? worker
  }
}
