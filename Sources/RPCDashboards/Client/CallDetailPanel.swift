import AMQPProtocol
import AMQPRPC
import NIOCore
import TerminalUI

/// The detail panel of one call (Enter on a selected row): its outcome, a timeline from our
/// timestamps, every request and reply property and header, both bodies as text and hex.
/// Everything a peer sent goes through ``DetailText``: bounded and escaped, so no reply can
/// make the panel trap or grow.
package struct CallDetailPanel: Sendable {
  package var id: String
  /// The list the call is in; `nil` when it has left the kept lists.
  package var list: CallSelection.List?
  package var inFlight: RPCInFlightCall?
  package var ended: RPCEndedCall?
  package var discarded: RPCDiscardedReply?
  /// The workers of this process (rpc-demo), to say where a call in flight is; `nil` when
  /// the screen does not see the servers.
  package var workers: [RPCWorkerStats]?
  var asciiOnly: Bool

  package init(id: String, asciiOnly: Bool = false) {
    self.id = id
    self.asciiOnly = asciiOnly
  }

  /// A line of the panel.
  package struct Line: Sendable, Hashable {
    package var text: String
    package var style: StyleRole
    init(_ text: String, _ style: StyleRole = .normal) {
      self.text = text
      self.style = style
    }
  }

  /// The width of the labels' column.
  static let labelWidth = 19

  private static func field(_ label: String, _ value: String, _ style: StyleRole = .normal)
    -> Line
  {
    let padded =
      label.count >= labelWidth
      ? label + " " : label + String(repeating: " ", count: labelWidth - label.count)
    return Line("  " + padded + value, style)
  }

  /// Every line, from the top (the render shows those from its scroll offset).
  package func lines() -> [Line] {
    var lines = [Line(summary, summaryStyle)]
    lines += resultLines
    lines.append(Line(""))
    lines += timeline
    let request = inFlight?.request ?? ended?.request
    if let request {
      lines.append(Line(""))
      lines.append(
        Line(
          "Request \(asciiOnly ? "->" : "→") \(DetailText.safe(request.routingKey, limit: 60)) · sent \(request.sendCount)×",
          .title))
      lines += Self.properties(request.properties, published: request.publishedAtMicroseconds)
      lines += Self.body(request.body)
    }
    let reply = discarded?.message ?? ended?.reply
    if let reply {
      lines.append(Line(""))
      lines.append(
        Line(
          "Reply\(discarded == nil ? "" : " (discarded)") · redelivered \(reply.redelivered ? "yes" : "no")",
          .title))
      lines += Self.properties(reply.properties, published: request?.publishedAtMicroseconds)
      lines += Self.body(reply.body)
    }
    return lines
  }

  /// `Call 3f9a-17 · completed: ok` and where it is.
  private var summary: String {
    let shownID = DetailText.safe(id, limit: 60)
    if let discarded {
      let late = discarded.lateBy.map { " by \(Format.duration($0))" } ?? ""
      return "Reply \(shownID) · discarded: \(discarded.kind.rawValue)\(late)"
    }
    if let inFlight {
      return "Call \(shownID) · in flight \(Format.duration(inFlight.age)), "
        + "\(Format.duration(inFlight.timeLeft)) left"
    }
    if let ended {
      switch ended.result {
      case .success: return "Call \(shownID) · completed: ok"
      case .failure(let error): return "Call \(shownID) · completed: \(error.code.rawValue)"
      }
    }
    return "Call \(shownID) · no longer in the kept lists"
  }

  private var summaryStyle: StyleRole {
    if discarded != nil { return .warning }
    if case .failure = ended?.result { return .error }
    return .title
  }

  private var resultLines: [Line] {
    if let inFlight {
      let request = inFlight.n.map { "fib(\($0))" } ?? inFlight.label.map { DetailText.safe($0) }
      return (request.map { [Self.field("request", $0)] } ?? []) + [
        Self.field("state", inFlightState, .accent)
      ]
    }
    guard let ended else { return [] }
    let request = ended.n.map { "fib(\($0))" } ?? ended.label.map { DetailText.safe($0) }
    var lines = request.map { [Self.field("request", $0)] } ?? []
    switch ended.result {
    case .success(let reply):
      lines.append(Self.field("result", DetailText.bodyText(reply.body)[0], .ok))
      lines.append(Self.field("round trip", Format.duration(reply.roundTrip)))
      if let worker = reply.worker { lines.append(Self.field("worker", DetailText.safe(worker))) }
    case .failure(let error):
      let kind = error.serverErrorKind.map { " (\($0.rawValue))" } ?? ""
      lines.append(
        Self.field(
          "error", "\(error.code.rawValue)\(kind): \(DetailText.safe(error.message))", .error))
    }
    return lines
  }

  /// Where a call in flight is: computing at a worker, held by one (in line behind what it
  /// computes), or still queued; without the workers, that it waits.
  var inFlightState: String {
    guard let workers else { return "sent, no reply yet (queued or at a worker)" }
    for worker in workers {
      let name = "w\(worker.id)"
      var computing: String?
      if case .busy(_, let busyID, let since) = worker.state {
        if busyID == id { return "computing at \(name) for \(Format.duration(since))" }
        computing = busyID
      }
      if let position = worker.heldCorrelationIDs.firstIndex(of: id) {
        let ahead = worker.heldCorrelationIDs.prefix(position).filter { $0 != computing }.count
        let line = computing == nil ? ahead + 1 : ahead + 2
        return "at worker \(name) (held, \(Self.ordinal(line)) in line)"
      }
    }
    let unlisted = workers.contains { $0.held > $0.heldCorrelationIDs.count }
    return unlisted
      ? "queued, or held beyond the ids a worker lists" : "queued (not yet at a worker)"
  }

  static func ordinal(_ number: Int) -> String {
    let suffix: String
    switch (number % 10, number % 100) {
    case (_, 11...13): suffix = "th"
    case (1, _): suffix = "st"
    case (2, _): suffix = "nd"
    case (3, _): suffix = "rd"
    default: suffix = "th"
    }
    return "\(number)\(suffix)"
  }

  /// published → delivered to worker → replied → matched, with the time between each.
  private var timeline: [Line] {
    var lines = [Line("Timeline (UTC)", .title)]
    let request = inFlight?.request ?? ended?.request
    let reply = discarded?.message ?? ended?.reply
    let headers = reply?.properties.headers
    let delivered = headers?[RPCWire.receivedHeader]?.intValue
    let replied = headers?[RPCWire.repliedHeader]?.intValue
    var previous: Int64?
    // A server's timestamps are a peer's numbers: one more than an hour outside the call
    // (published … received, our own clock) is shown as a number, not placed on the line.
    let earliest = request?.publishedAtMicroseconds
    let latest = reply?.receivedAtMicroseconds ?? ended?.endedAtMicroseconds
    func plausible(_ time: Int64) -> Bool {
      // The bounds are our clock's (µs since 1970: an hour either side cannot overflow).
      let hour: Int64 = 3_600_000_000
      if let earliest, time < earliest - hour { return false }
      if let latest, time > latest + hour { return false }
      return true
    }
    func step(_ label: String, _ time: Int64?, _ what: String, fromPeer: Bool = false) {
      guard let time else { return }
      if fromPeer, !plausible(time) {
        lines.append(
          Self.field(
            label, "\(time) µs: out of range (over an hour outside the call), \(what)", .warning))
        return
      }
      let gap = previous.map { DetailText.offset(from: $0, to: time) + " " + what } ?? what
      lines.append(Self.field(label, DetailText.clock(time) + "  " + gap))
      previous = time
    }
    step("published", request?.publishedAtMicroseconds, "")
    step("delivered", delivered, "queue wait (x-rpc-received-us)", fromPeer: true)
    step("replied", replied, "service (x-rpc-replied-us)", fromPeer: true)
    if let reply {
      step(discarded == nil ? "matched" : "received", reply.receivedAtMicroseconds, "return trip")
    } else if let ended, let end = ended.endedAtMicroseconds {
      let outcome: String
      if case .failure(let error) = ended.result {
        outcome = error.code.rawValue
      } else {
        outcome = "ended"
      }
      step("ended", end, outcome)
    } else if let inFlight {
      lines.append(Self.field("now", "+\(Format.duration(inFlight.age)) \(inFlightState)", .accent))
    }
    if lines.count == 1 { lines.append(Line("  (no timestamps kept for it)", .dim)) }
    return lines
  }

  /// Every property present, then every header (at most ``DetailText/headerLimit``); a
  /// header in µs since the epoch (`x-rpc-*-us`) also as a time and its distance from the
  /// request's publication.
  static func properties(_ properties: AMQPBasicProperties, published: Int64?) -> [Line] {
    var lines: [Line] = []
    func add(_ label: String, _ value: String?) {
      guard let value else { return }
      lines.append(field(label, DetailText.safe(value)))
    }
    add("correlation_id", properties.correlationID)
    add("reply_to", properties.replyTo)
    add("expiration", properties.expiration.map { "\($0) (ms)" })
    add("message_id", properties.messageID)
    add("content_type", properties.contentType)
    add("content_encoding", properties.contentEncoding)
    add("delivery_mode", properties.deliveryMode.map { "\($0)\($0 == 2 ? " (persistent)" : "")" })
    add("priority", properties.priority.map(String.init))
    add("timestamp", properties.timestamp.map { "\($0) (s)" })
    add("type", properties.type)
    add("user_id", properties.userID)
    add("app_id", properties.appID)
    add("cluster_id", properties.clusterID)
    let headers = properties.headers ?? AMQPFieldTable()
    if headers.isEmpty {
      lines.append(field("headers", "(none)", .dim))
    }
    // Ours (`x-rpc-*`) and the trace context first, so a peer's many headers cannot push
    // them past the limit; the rest in the table's order.
    func isKnown(_ key: String) -> Bool {
      key.hasPrefix("x-rpc-") || key == "traceparent" || key == "tracestate"
    }
    let ordered =
      headers.entries.filter { isKnown($0.key) } + headers.entries.filter { !isKnown($0.key) }
    for entry in ordered.prefix(DetailText.headerLimit) {
      var value = DetailText.value(entry.value)
      if entry.key.hasSuffix("-us"), let micros = entry.value.intValue {
        value += " = " + DetailText.clock(micros)
        if let published { value += ", " + DetailText.offset(from: published, to: micros) }
      }
      lines.append(field(DetailText.safe(entry.key, limit: 40), value))
    }
    if headers.count > DetailText.headerLimit {
      lines.append(
        field("", "… \(Format.count(headers.count - DetailText.headerLimit)) more headers", .dim))
    }
    return lines
  }

  /// The body as text, then as hex, bounded.
  static func body(_ body: ByteBuffer) -> [Line] {
    let text = DetailText.bodyText(body)
    let hex = DetailText.bodyHex(body)
    var lines = [field("body", "\(Format.count(body.readableBytes)) bytes")]
    lines += text.enumerated().map { field($0.offset == 0 ? "  text" : "", $0.element) }
    lines += hex.enumerated().map { field($0.offset == 0 ? "  hex" : "", $0.element, .dim) }
    return lines
  }

  /// Draws the panel in `area` from line `scroll`: a title bar with the keys, the lines,
  /// cut at the panel's width.
  package func render(
    into buffer: inout ScreenBuffer, in area: Rect, scroll: Int, now: NIODeadline
  ) {
    guard area.height > 0, area.width > 0 else { return }
    for row in area.row..<(area.row + area.height) {
      buffer.fill(row: row, from: area.column, width: area.width, style: .normal)
    }
    let all = lines()
    let room = max(0, area.height - 1)
    let first = max(0, min(scroll, all.count - room))
    let place = list.map { " · in \($0.name)" } ?? ""
    let position =
      all.count > room ? " · \(first + 1)–\(min(all.count, first + room))/\(all.count)" : ""
    let arrows = asciiOnly ? "Up/Down" : "↑↓"
    let title = "Details\(place)\(position) — Esc closes, \(arrows) PgUp PgDn scroll"
    let shorter = "Details\(position) — Esc closes"
    buffer.fill(row: area.row, from: area.column, width: area.width, style: .bar)
    buffer.write(
      (title.cellWidth <= area.width - 1 ? title : shorter).clipped(toCells: area.width - 1),
      row: area.row, column: area.column + 1, style: .bar, width: area.width - 1)
    for (offset, line) in all.dropFirst(first).prefix(room).enumerated() {
      buffer.write(
        line.text.clipped(toCells: area.width - 1), row: area.row + 1 + offset,
        column: area.column + 1, style: line.style, width: area.width - 1)
    }
  }
}
