import AMQPRPC

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// One ended call as a record: the line format shared by the screens' export (Ctrl-E,
/// `:export`) and `rpc-client --record FILE`, as JSON Lines (``jsonLine``) and CSV
/// (``csvHeader``, ``csvRow``).
///
/// Fields, in this order (JSON members and CSV columns alike):
/// - `correlation_id`: the call's correlation id.
/// - `n`: the n asked for (a Fibonacci call), else absent (JSON `null`, CSV empty).
/// - `request`: the request's text (a raw call), else absent.
/// - `outcome`: `ok`, `error`, `timed out`, `unroutable`, `connection lost` or `cancelled`
///   (``RPCOutcome``'s raw values).
/// - `result`: the reply body as UTF-8 text (invalid sequences as U+FFFD) for `ok`.
/// - `error`: why the call failed (the client's or the server's message), else absent.
/// - `error_kind`: the server's error kind for `error` (`invalid-input`), else the failure's
///   code (`timed out`, `no responders`…); absent for `ok`.
/// - `round_trip_us`: publish to reply, in microseconds; absent for a failure.
/// - `queue_wait_us`, `service_us`, `return_trip_us`: the round trip split by the server's
///   timestamps (see ``RPCTiming``), in microseconds; absent when the reply has none.
/// - `worker`: the worker that answered (`vm-17118/w2`), when the reply says.
/// - `ended_at`: when the call ended, ISO 8601 UTC with microseconds
///   (`2026-11-30T16:12:42.123456Z`). `rpc-client --record` stamps the moment the call's
///   result reached it; the screens the moment their snapshot listed it (within a frame,
///   0.1 s, of the end).
///
/// Text fields are cut at ``fieldLimit`` Unicode scalars by the initialisers, so that a hostile 1 MiB reply
/// cannot make a 1 MiB line: a cut value ends with ``cutMarker`` followed by the number of
/// UTF-8 bytes the whole value had (`…[cut: 1048576 bytes]`).
///
/// JSON: one object per line, members in the order above, every control character
/// (U+0000–U+001F, U+007F) and U+2028/U+2029 escaped, so a line never breaks inside a value.
/// CSV (RFC 4180): CRLF line ends, a header row, fields holding a comma, a quote, CR or LF
/// quoted with their quotes doubled. Text fields that a spreadsheet would run as a formula
/// (starting with `=`, `+`, `-`, `@`, TAB or CR) get a leading `'` (OWASP's advice against
/// CSV injection): a reply or an error message is peer data, and opening an export must
/// not run it. The JSON Lines keep the value exact (cut only), for programs.
package struct CallRecord: Sendable, Hashable {
  package var correlationID: String
  package var n: Int?
  package var request: String?
  package var outcome: RPCOutcome
  package var result: String?
  package var error: String?
  package var errorKind: String?
  package var roundTripMicroseconds: Int64?
  package var queueWaitMicroseconds: Int64?
  package var serviceMicroseconds: Int64?
  package var returnTripMicroseconds: Int64?
  package var worker: String?
  /// Microseconds since the Unix epoch (UTC).
  package var endedAtMicroseconds: Int64

  /// The most Unicode scalars a text field keeps.
  package static let fieldLimit = 4_096
  /// What ends a cut text field, before the whole value's size in bytes.
  package static let cutMarker = "…[cut: "

  /// The columns, in order: the CSV header's names and the JSON members'.
  package static let fieldNames = [
    "correlation_id", "n", "request", "outcome", "result", "error", "error_kind",
    "round_trip_us", "queue_wait_us", "service_us", "return_trip_us", "worker", "ended_at",
  ]

  package init(
    correlationID: String, n: Int?, request: String?, outcome: RPCOutcome, result: String?,
    error: String?, errorKind: String?, roundTripMicroseconds: Int64?,
    queueWaitMicroseconds: Int64?, serviceMicroseconds: Int64?, returnTripMicroseconds: Int64?,
    worker: String?, endedAtMicroseconds: Int64
  ) {
    self.correlationID = Self.cut(correlationID)
    self.n = n
    self.request = request.map { Self.cut($0) }
    self.outcome = outcome
    self.result = result.map { Self.cut($0) }
    self.error = error.map { Self.cut($0) }
    self.errorKind = errorKind.map { Self.cut($0) }
    self.roundTripMicroseconds = roundTripMicroseconds
    self.queueWaitMicroseconds = queueWaitMicroseconds
    self.serviceMicroseconds = serviceMicroseconds
    self.returnTripMicroseconds = returnTripMicroseconds
    self.worker = worker.map { Self.cut($0) }
    self.endedAtMicroseconds = endedAtMicroseconds
  }

  /// The record of a call that ended with `result` at `endedAtMicroseconds` (since the
  /// epoch); `request` is a raw call's text.
  package init(
    correlationID: String, n: Int?, request: String?, result: Result<RPCReply, RPCError>,
    endedAtMicroseconds: Int64
  ) {
    self.init(
      correlationID: correlationID, n: n, request: request, outcome: .ok, result: nil,
      error: nil, errorKind: nil, roundTripMicroseconds: nil, queueWaitMicroseconds: nil,
      serviceMicroseconds: nil, returnTripMicroseconds: nil, worker: nil,
      endedAtMicroseconds: endedAtMicroseconds)
    switch result {
    case .success(let reply):
      // Only the start of a long body is decoded: the field keeps `fieldLimit` scalars.
      let bytes = reply.body.readableBytesView
      let head = String(decoding: bytes.prefix(Self.fieldLimit * 4), as: UTF8.self)
      self.result = Self.cut(head, totalBytes: bytes.count)
      roundTripMicroseconds = Self.microseconds(reply.roundTrip)
      queueWaitMicroseconds = reply.timing.map { Self.microseconds($0.queueWait) }
      serviceMicroseconds = reply.timing.map { Self.microseconds($0.service) }
      returnTripMicroseconds = reply.timing.map { Self.microseconds($0.returnTrip) }
      worker = reply.worker.map { Self.cut($0) }
    case .failure(let failure):
      outcome = Self.outcome(failure.code)
      error = Self.cut(failure.message)
      errorKind = Self.cut(failure.serverErrorKind?.rawValue ?? failure.code.rawValue)
    }
  }

  /// How a failure with `code` is counted.
  package static func outcome(_ code: RPCError.Code) -> RPCOutcome {
    switch code.base {
    case .serverError: .serverError
    case .timedOut: .timedOut
    case .unroutable, .noResponders: .unroutable
    case .connectionLost: .connectionLost
    case .cancelled: .cancelled
    }
  }

  static func microseconds(_ duration: Duration) -> Int64 {
    let (seconds, attoseconds) = duration.components
    return seconds &* 1_000_000 &+ attoseconds / 1_000_000_000_000
  }

  /// `text` with at most ``fieldLimit`` scalars; a longer one cut, with the marker and the
  /// size of the whole (`totalBytes`, else `text`'s UTF-8 size).
  package static func cut(_ text: String, totalBytes: Int? = nil) -> String {
    let total = totalBytes ?? text.utf8.count
    let scalars = text.unicodeScalars
    // `text` is whole when `total` says no more; then only a long one is cut.
    if total <= text.utf8.count, text.utf8.count <= fieldLimit || scalars.count <= fieldLimit {
      return text
    }
    var kept = String.UnicodeScalarView()
    kept.append(contentsOf: scalars.prefix(fieldLimit))
    return String(kept) + cutMarker + "\(total) bytes]"
  }

  /// The values in ``fieldNames``' order: text fields (cut when made), numbers, or `nil`
  /// when absent.
  private var values: [Value] {
    func text(_ value: String?) -> Value { value.map { .text($0) } ?? .none }
    func number(_ value: Int64?) -> Value { value.map { .number("\($0)") } ?? .none }
    return [
      text(correlationID), n.map { .number("\($0)") } ?? .none, text(request),
      .text(outcome.rawValue), text(result), text(error), text(errorKind),
      number(roundTripMicroseconds), number(queueWaitMicroseconds), number(serviceMicroseconds),
      number(returnTripMicroseconds), text(worker),
      .text(Self.iso8601(microseconds: endedAtMicroseconds)),
    ]
  }

  private enum Value {
    case text(String)
    case number(String)
    case none
  }

  // MARK: - JSON Lines

  /// The record as one line of JSON (no line end).
  package var jsonLine: String {
    var line = "{"
    for (index, (name, value)) in zip(Self.fieldNames, values).enumerated() {
      if index > 0 { line += "," }
      line += "\"\(name)\":"
      switch value {
      case .text(let text): line += Self.jsonString(text)
      case .number(let digits): line += digits
      case .none: line += "null"
      }
    }
    return line + "}"
  }

  /// `text` as a JSON string, quotes included: `"` and `\` escaped, every control character
  /// (U+0000–U+001F, U+007F) and the line and paragraph separators (U+2028, U+2029) as
  /// `\n`, `\r`, `\t` or `\uXXXX`.
  package static func jsonString(_ text: String) -> String {
    var escaped = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": escaped += "\\\""
      case "\\": escaped += "\\\\"
      case "\n": escaped += "\\n"
      case "\r": escaped += "\\r"
      case "\t": escaped += "\\t"
      case "\u{00}"..."\u{1F}", "\u{7F}", "\u{2028}", "\u{2029}":
        let hex = String(scalar.value, radix: 16, uppercase: false)
        escaped += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: escaped.unicodeScalars.append(scalar)
      }
    }
    return escaped + "\""
  }

  // MARK: - CSV

  /// The CSV header row (no line end).
  package static var csvHeader: String { fieldNames.joined(separator: ",") }

  /// The record as one CSV row (no line end; rows end with CRLF).
  package var csvRow: String {
    values.map { value in
      switch value {
      case .text(let text): Self.csvField(text)
      case .number(let digits): digits
      case .none: ""
      }
    }.joined(separator: ",")
  }

  /// A text field for CSV: a leading `'` when a spreadsheet would take it for a formula,
  /// then quoted (quotes doubled) when it holds a comma, a quote, CR or LF.
  package static func csvField(_ text: String) -> String {
    var field = text
    if let first = field.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) {
      field = "'" + field
    }
    guard field.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) else { return field }
    return "\"" + field.replacingAll("\"", with: "\"\"") + "\""
  }

  // MARK: - Time

  /// The wall clock now, in microseconds since the Unix epoch.
  package static func nowMicroseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1_000
  }

  /// `2026-11-30T16:12:42.123456Z` for `microseconds` since the Unix epoch.
  package static func iso8601(microseconds: Int64) -> String {
    let (seconds, fraction) = microseconds.quotientAndRemainder(dividingBy: 1_000_000)
    let (wholeSeconds, micros) =
      fraction < 0 ? (seconds - 1, fraction + 1_000_000) : (seconds, fraction)
    let (days, secondOfDay) = wholeSeconds.quotientAndRemainder(dividingBy: 86_400)
    let (day, second) = secondOfDay < 0 ? (days - 1, secondOfDay + 86_400) : (days, secondOfDay)
    let (year, month, dayOfMonth) = civilDate(daysSinceEpoch: day)
    func pad(_ value: Int64, _ width: Int) -> String {
      let digits = String(value)
      return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
    return "\(pad(year, 4))-\(pad(month, 2))-\(pad(dayOfMonth, 2))T\(pad(second / 3600, 2)):"
      + "\(pad(second % 3600 / 60, 2)):\(pad(second % 60, 2)).\(pad(micros, 6))Z"
  }

  /// The proleptic Gregorian date of a day counted from 1970-01-01 (Howard Hinnant's
  /// `civil_from_days`).
  static func civilDate(daysSinceEpoch: Int64) -> (year: Int64, month: Int64, day: Int64) {
    let z = daysSinceEpoch + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let dayOfEra = z - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let monthIndex = (5 * dayOfYear + 2) / 153
    let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
    let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
    return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
  }
}

extension String {
  /// This text with every `target` replaced by `replacement` (no Foundation).
  fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
    var result = ""
    for character in self {
      if character == target { result += replacement } else { result.append(character) }
    }
    return result
  }
}
