import AMQPClient
import AMQPRPC
import NIOCore
import TerminalUI

extension ClientDashboard {
  /// Draws the whole screen for `now` (messages expire, ages tick).
  package mutating func render(into buffer: inout ScreenBuffer, now: NIODeadline) {
    expireMessage(now: now)
    let layout = ScreenLayout.panels(
      of: &buffer, minimum: Self.minimumSize, quitHint: "q quits.")
    tooSmall = layout == nil
    guard let (panels, footerRow) = layout else { return }
    renderHeader(into: &buffer, row: 0, now: now)
    readyPath.sample(ready: queueReady, unacknowledged: 0, now: now)
    // Frozen, the graph shows the moment frozen too (sampling goes on beneath).
    let (ready, path) =
      lists.frozen.map { ($0.queueReady, $0.readyPath) } ?? (queueReady, readyPath)
    let showsReady = panels.height >= Self.readyPathMinimumHeight && ready != nil
    // The detail panel's rows of lines, below its title, where the lists are.
    selection.panelRows = max(
      0, panels.height - (showsReady ? 1 : 0) - topRows(caption: [], width: panels.width) - 1)
    if showsReady {
      // The request queue's depth over time, on the panels' last row.
      let (lists, row) = panels.splitBottom(1)
      renderPanels(into: &buffer, in: lists, now: now)
      path.renderReady(
        into: &buffer, in: Rect(row: row.row, column: 1, width: row.width / 2, height: 1),
        ready: ready, asciiOnly: asciiOnly)
    } else {
      renderPanels(into: &buffer, in: panels, now: now)
    }
    Footer(footerItems).render(
      into: &buffer, in: Rect(row: footerRow, column: 0, width: buffer.width, height: 1))
    if showHelp {
      HelpOverlay(
        title: "rpc-client help",
        intro: rawMode ? rawHelpIntro : helpIntro,
        lines: keymap.helpLines
      ).render(
        into: &buffer, in: Rect(row: 0, column: 0, width: buffer.width, height: buffer.height))
    }
  }

  /// The panels' height from which the queue's depth row shows (120×40 has it, 80×24 not).
  static let readyPathMinimumHeight = 34

  /// The help overlay's introduction for numbers.
  private var helpIntro: [String] {
    [
      "Each request goes to \(queue) with reply_to = \(callbackQueue)",
      "and a unique correlation id; replies are matched by that id.",
      "Late (after the timeout), unknown and duplicate replies are discarded.",
      "\(asciiOnly ? "=" : "✓") beside sent: sent = ok + error + timeout + unroutable",
      "+ lost + cancelled + in flight.",
      "Commands: :timeout SECONDS, :late, :unknown, :quit.",
    ]
  }

  /// Draws everything but the header, footer and help into `area`: the input line, the
  /// message line, the stats, in flight, completed and discarded (also used by rpc-demo).
  package mutating func renderPanels(
    into buffer: inout ScreenBuffer, in area: Rect, now: NIODeadline
  ) {
    expireMessage(now: now)
    renderPanels(into: &buffer, in: area, now: now, caption: [])
  }

  /// As ``renderPanels(into:in:now:)``, with `caption` lines (rpc-demo's tour, already
  /// wrapped) under the message line.
  func renderPanels(
    into buffer: inout ScreenBuffer, in area: Rect, now: NIODeadline, caption: [String]
  ) {
    renderInput(into: &buffer, row: area.row)
    let notes = noteLines(caption: caption, width: area.width - 1)
    for (index, note) in notes.enumerated() {
      buffer.write(
        note.text.clipped(toCells: area.width - 1), row: area.row + 1 + index, column: 1,
        style: note.style, width: area.width - 1)
    }
    let statsRow = area.row + 1 + notes.count
    renderStats(into: &buffer, in: Rect(row: statsRow, column: 1, width: area.width - 2, height: 2))
    let (_, body) = area.splitTop(3 + notes.count)
    renderBody(into: &buffer, in: body, now: now)
  }

  /// Rows above the body for `width` cells: input, notes (see
  /// ``noteLines(caption:width:)``), two stats rows.
  func topRows(caption: [String], width: Int) -> Int {
    3 + noteLines(caption: caption, width: width - 1).count
  }

  /// The message or the latest link note, or both (``noteMessages``), each wrapped to at most
  /// three rows of `width` cells, so that a broker's reason at its end is not cut at 80
  /// columns (`link lost: … · the broker closed the connection: 320 CONNECTION_FORCED - …`
  /// takes more than two); then the caption; the
  /// typing hint when neither.
  private func noteLines(caption: [String], width: Int) -> [(text: String, style: StyleRole)] {
    var notes: [(text: String, style: StyleRole)] = []
    for message in noteMessages {
      notes += TextWrap.lines(message.text, width: width, maximumLines: 3).map {
        ($0, message.style)
      }
    }
    notes += caption.map { ($0, StyleRole.accent) }
    if notes.isEmpty, rawMode {
      notes.append((rawHint, .dim))
    } else if notes.isEmpty {
      let hints = [
        "type numbers: 35 · 30 31 32 · 30x50 · 1..40 — :timeout 2 — F2/F3 demos — ? help",
        "type numbers: 35 · 30 31 32 · 30x50 · 1..40 — F2/F3 demos — ? help",
        "numbers: 35 · 30x50 · 1..40 — ? help",
      ]
      notes.append((hints.first { $0.cellWidth <= width } ?? hints[hints.count - 1], .dim))
    }
    return notes
  }

  /// The header, least important parts dropped first at narrow widths: the broker's URL
  /// (after its host and port), the product and version, the timeout, the program's name,
  /// the workers. The state and `reply_to` always stay.
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
          style: status.isTrouble ? .warning : .bar, shorter: status.shorterLabels(now: now),
          transient: true),
        .init(text: workers, priority: 5),
        .init(text: "timeout \(Format.duration(timeout.timeAmount))", priority: 2),
        .init(text: brokerURL, priority: 0, shorter: [hostAndPort(of: brokerURL)]),
      ] + (tls.map { [HeaderBar.tlsPart($0)] } ?? []) + [
        .init(text: serverProduct, priority: 1),
        .init(
          text: "reply_to \(callbackQueue)", priority: HeaderBar.essential,
          shorter: [callbackQueue]),
      ]
    ).render(into: &buffer, row: row)
  }

  private func renderInput(into buffer: inout ScreenBuffer, row: Int) {
    let prompt =
      isEditingFilter ? "filter> " : rawMode ? rawPrompt(width: buffer.width) : "fib(n)> "
    let start = buffer.write(prompt, row: row, column: 1, style: .accent)
    let room = buffer.width - start - 1
    // Scroll long input so the cursor stays visible.
    let skip = max(0, input.cursor - room + 1)
    buffer.write(String(input.text.dropFirst(skip)), row: row, column: start, width: room)
    buffer.cursor = showHelp ? nil : (row, start + input.cursor - skip)
  }

  /// Two rows: the count of each outcome, then the round-trip percentiles and a labelled
  /// sparkline of the mean round trip per second. Whole items drop, zeros first.
  private func renderStats(into buffer: inout ScreenBuffer, in area: Rect) {
    guard let stats, area.height >= 2 else { return }
    func count(_ label: String, _ value: Int, _ style: StyleRole, _ priority: Int)
      -> ItemLine.Item
    {
      ItemLine.Item(
        label, "\(value)", style: value > 0 ? style : .normal,
        priority: value > 0 ? priority + 10 : priority)
    }
    // The check (sent = the sum of the outcomes and in flight) stays beside `sent`.
    let check = accountingCheck.map {
      [ItemLine.Item("", $0.text, style: $0.holds ? .ok : .error)]
    }
    let outcomes = [
      ItemLine.Item(
        "in flight", "\(stats.inFlight)", style: stats.inFlight > 0 ? .accent : .normal),
      ItemLine.Item("ok", "\(stats.count(.ok))", style: stats.count(.ok) > 0 ? .ok : .normal),
      count("error", stats.count(.serverError), .error, 6),
      count("timeout", stats.count(.timedOut), .warning, 5),
      count("unroutable", stats.count(.unroutable), .error, 3),
      count("lost", stats.count(.connectionLost), .error, 4),
      count("cancelled", stats.count(.cancelled), .warning, 2),
      ItemLine.Item("rate", RateWindow.text(completionsPerSecond), style: .accent, priority: 7),
    ]
    ItemLine([ItemLine.Item("sent", "\(stats.sent)")] + (check ?? []) + outcomes)
      .render(into: &buffer, in: area)

    let latency = stats.latency
    func percentile(_ label: String, _ value: UInt64, _ priority: Int?) -> ItemLine.Item {
      ItemLine.Item(
        label, latency.count == 0 ? "-" : Format.microseconds(value), priority: priority)
    }
    let percentiles = ItemLine([
      ItemLine.Item("round trip", "", priority: nil),
      percentile("p50", latency.p50, nil), percentile("p90", latency.p90, 2),
      percentile("p99", latency.p99, 3), percentile("max", latency.max, 1),
    ])
    let row = Rect(row: area.row + 1, column: area.column, width: area.width, height: 1)
    percentiles.render(into: &buffer, in: row)
    let used = percentiles.usedWidth(in: area.width) + ItemLine.spacing
    Sparkline(
      label: "mean/s", values: shownLatencyHistory, asciiOnly: asciiOnly,
      scale: { Format.duration(.nanoseconds(Int64($0 * 1e6))) }
    ).render(
      into: &buffer,
      in: Rect(row: row.row, column: row.column + used, width: row.width - used, height: 1))
  }

  /// In flight beside Completed when both fit (In flight as wide as its columns), else one
  /// above the other; Discarded below. Every table shows ids in one width: the longest id
  /// shown, so that no id is ever cut.
  ///
  /// Side by side, the columns go in this order when short of room: Completed's wait /
  /// service / return split first; then In flight's time left (its age and the timeout
  /// tell it), so that Completed keeps its worker column (which server answered: a short
  /// label and the servers named in its title); then the worker.
  private func renderBody(into buffer: inout ScreenBuffer, in body: Rect, now: NIODeadline) {
    guard body.height > 0 else { return }
    if selection.panelOpen {
      // The panel takes the lists' place (rpc-demo draws it over its workers too).
      return renderDetailPanel(into: &buffer, in: body, now: now, workers: nil)
    }
    // An empty Discarded takes two rows (its title and `none yet`).
    let discardedHeight =
      shownDiscarded.isEmpty
      ? min(2, body.height / 2) : min(max(4, body.height / 4), 8, body.height / 2)
    let (top, discardedRect) = body.splitBottom(discardedHeight)
    let idWidth = correlationIDWidth()
    var inFlight = inFlightTable(now: now, idWidth: idWidth, timeLeft: true)
    var inFlightWidth = inFlight.layout(for: top.width).total
    if !completedShowsWorker(idWidth: idWidth, width: top.width - inFlightWidth - 2) {
      let narrower = inFlightTable(now: now, idWidth: idWidth, timeLeft: false)
      let narrowerWidth = narrower.layout(for: top.width).total
      if completedShowsWorker(idWidth: idWidth, width: top.width - narrowerWidth - 2) {
        (inFlight, inFlightWidth) = (narrower, narrowerWidth)
      }
    }
    let besideWidth = top.width - inFlightWidth - 2
    // Raw mode stacks them: the texts take what room there is.
    if !rawMode,
      besideWidth >= completedTable(idWidth: idWidth, fullWorker: false).minimumWidth
    {
      let left = Rect(row: top.row, column: top.column, width: inFlightWidth, height: top.height)
      let right = Rect(
        row: top.row, column: top.column + inFlightWidth + 2, width: besideWidth,
        height: top.height)
      highlighted(inFlight, list: .inFlight, height: left.height).render(into: &buffer, in: left)
      highlighted(
        completedTable(
          idWidth: idWidth, width: right.width, rows: Table.visibleRows(height: right.height)),
        list: .completed, height: right.height
      ).render(into: &buffer, in: right)
    } else {
      let inFlightHeight = Self.stackedInFlightHeight(
        calls: shownInFlight.count, height: top.height)
      let (upper, lower) = top.splitTop(inFlightHeight)
      highlighted(inFlight, list: .inFlight, height: upper.height).render(
        into: &buffer, in: upper)
      highlighted(
        completedTable(
          idWidth: idWidth, width: lower.width, rows: Table.visibleRows(height: lower.height)),
        list: .completed, height: lower.height
      ).render(into: &buffer, in: lower)
    }
    highlighted(discardedTable(idWidth: idWidth), list: .discarded, height: discardedRect.height)
      .render(into: &buffer, in: discardedRect)
  }

  /// In flight's rows when stacked above Completed in `height` rows, by need: an empty
  /// list two (its title and `nothing in flight`), else its calls up to half the rows, so
  /// that Completed keeps rows too.
  static func stackedInFlightHeight(calls: Int, height: Int) -> Int {
    guard calls > 0 else { return min(2, height) }
    return min(calls + 2, max(3, height / 2))
  }

  /// The longest correlation id the lists hold (at least the heading's width).
  private func correlationIDWidth() -> Int {
    let heading = "correlation id".count
    let inFlight = stats?.oldestInFlight.map(\.correlationID.cellWidth).max() ?? 0
    let completed = completed.lazy.map(\.id.cellWidth).max() ?? 0
    // Our own ids (`1328ad56-14`) size the column; a peer's reply in Discarded, whose id can
    // be 255 bytes of anything, is cut to it rather than push our calls' results out.
    let ours = min(max(heading, inFlight, completed), Self.maximumIDWidth)
    let discarded = discarded.lazy.map(\.id.cellWidth).max() ?? 0
    return max(ours, min(discarded, ours))
  }

  /// The widest the correlation id column gets: our ids (8 hex digits, `-`, a counter)
  /// always fit.
  static let maximumIDWidth = 28

  /// The calls in flight, with the time each has left unless `timeLeft` is false.
  private func inFlightTable(now: NIODeadline, idWidth: Int, timeLeft: Bool) -> Table {
    let calls = shownInFlight
    // Eight cells hold every duration up to `-99.9 ms`, `-9.99 s` and `999m59s`, so the
    // table keeps its width as calls come and go.
    let left = timeLeft ? [Table.Column("left", .fixed(8), alignment: .right, dropOrder: 1)] : []
    // Raw mode lists the request's text in the room the other columns leave.
    let request: Table.Column =
      rawMode
      ? .init("request", .flexible(minimum: 8))
      : .init("n", .fixed(Self.inFlightNumberWidth(calls)), alignment: .right)
    let filtered = filterCount(shown: calls.count, of: stats?.oldestInFlight.count ?? 0)
    var table = Table(
      title: filtered.isEmpty ? inFlightTitle : "In flight" + filtered + ", oldest first",
      columns: [
        .init("correlation id", .fixed(idWidth)), request,
        .init("age", .fixed(8), alignment: .right),
      ] + left,
      rows: calls.map { call in
        Table.Row(
          [
            call.correlationID,
            rawMode ? Self.requestText(call.label) : call.n.map(String.init) ?? "-",
            Format.duration(call.age),
          ] + (timeLeft ? [Format.duration(call.timeLeft)] : []),
          style: call.timeLeft < .zero ? .warning : .normal)
      },
      emptyText: "nothing in flight")
    table.shorterTitle =
      filtered.isEmpty
      ? Self.listTitle("In flight", shown: calls.count, total: stats?.inFlight ?? 0)
      : "In flight" + filtered
    return table
  }

  /// In flight's `n` column: two cells (`35`) empty or not, so that the panel keeps its
  /// width, and Completed its columns, as calls come and go; wider only for a wider number.
  static func inFlightNumberWidth(_ calls: [RPCInFlightCall]) -> Int {
    calls.lazy.compactMap { $0.n.map { String($0).count } }.reduce(2, max)
  }

  private func discardedTable(idWidth: Int) -> Table {
    let shown = shownDiscarded
    let filtered = filterCount(shown: shown.count, of: discarded.count)
    var table = Table(
      title: discardedTitle + filtered,
      columns: [
        .init("kind", .fixed(9)), .init("correlation id", .fixed(idWidth)),
        .init("detail", .flexible(minimum: 8)),
      ],
      rows: shown.map { reply in
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
    table.shorterTitle = filtered.isEmpty ? discardedShorterTitle : "Discarded" + filtered
    return table
  }
}
