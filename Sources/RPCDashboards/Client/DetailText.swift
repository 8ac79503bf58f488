import AMQPProtocol
import NIOCore

/// Bounded, terminal-safe text for what a peer sent (a reply's properties, headers and
/// body): control characters escaped (`\u{1B}`), strings cut with how much more there was,
/// bodies shown up to a limit, nested values to a depth. Whatever the reply, the text is at
/// most a few hundred characters a line and a fixed number of lines.
enum DetailText {
  /// Characters of a string value shown.
  static let stringLimit = 160
  /// Body bytes shown as text, and as hex (16 a line).
  static let bodyTextLimit = 480
  static let bodyHexLimit = 128
  /// Lines of body text shown.
  static let bodyTextLines = 6
  /// Headers listed; entries of an array or nested table shown; nesting shown.
  static let headerLimit = 40
  static let nestedLimit = 8
  static let depthLimit = 2

  /// `text`, its control characters escaped, cut after `limit` Unicode scalars (not
  /// characters: one character may carry any number of combining marks) with
  /// `… N more bytes` (the rest counted in UTF-8 bytes).
  static func safe(_ text: String, limit: Int = stringLimit) -> String {
    var shown = String.UnicodeScalarView()
    var count = 0
    var bytes = 0
    for scalar in text.unicodeScalars {
      guard count < limit else { break }
      if isControl(scalar) {
        shown.append(
          contentsOf: "\\u{\(String(scalar.value, radix: 16, uppercase: true))}".unicodeScalars)
      } else {
        shown.append(scalar)
      }
      count += 1
      bytes += scalar.utf8.count
    }
    let rest = text.utf8.count - bytes
    return rest > 0 ? String(shown) + "… \(Format.count(rest)) more bytes" : String(shown)
  }

  private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
    scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
  }

  /// A header or nested value, bounded: `"text"`, `42`, `bytes 0a ff… (3 bytes)`,
  /// `[1, 2, … 8 more]`, `{a: 1, …}`; typed where the type is not plain (`int8 3`).
  static func value(_ value: AMQPFieldValue, depth: Int = 0) -> String {
    switch value {
    case .bool(let flag): return flag ? "true" : "false"
    case .int8(let number): return "\(number) (int8)"
    case .uint8(let number): return "\(number) (uint8)"
    case .int16(let number): return "\(number) (int16)"
    case .uint16(let number): return "\(number) (uint16)"
    case .int32(let number): return "\(number) (int32)"
    case .uint32(let number): return "\(number) (uint32)"
    case .int64(let number): return "\(number)"
    case .float(let number): return "\(number) (float)"
    case .double(let number): return "\(number) (double)"
    case .decimal(let scale, let unscaled): return "\(unscaled)e-\(scale) (decimal)"
    case .string(let text): return "\"" + safe(text) + "\""
    case .timestamp(let seconds): return "\(seconds) (timestamp, s)"
    case .void: return "(void)"
    case .bytes(let bytes):
      return "bytes " + hex(bytes.prefix(16)) + (bytes.count > 16 ? " …" : "")
        + " (\(Format.count(bytes.count)) bytes)"
    case .array(let values):
      guard depth < depthLimit else {
        return "[\(Format.count(values.count)) value\(values.count == 1 ? "" : "s")]"
      }
      let shown = values.prefix(nestedLimit).map { Self.value($0, depth: depth + 1) }
      let more =
        values.count > nestedLimit ? ["… \(Format.count(values.count - nestedLimit)) more"] : []
      return "[" + (shown + more).joined(separator: ", ") + "]"
    case .table(let table):
      guard depth < depthLimit else {
        return "{\(Format.count(table.count)) entr\(table.count == 1 ? "y" : "ies")}"
      }
      let shown = table.entries.prefix(nestedLimit).map {
        safe($0.key, limit: 40) + ": " + Self.value($0.value, depth: depth + 1)
      }
      let more =
        table.count > nestedLimit ? ["… \(Format.count(table.count - nestedLimit)) more"] : []
      return "{" + (shown + more).joined(separator: ", ") + "}"
    }
  }

  /// Bytes as hex pairs separated by spaces (`33 35`).
  static func hex(_ bytes: some Sequence<UInt8>) -> String {
    bytes.map { byte in
      let digits = String(byte, radix: 16)
      return digits.count == 1 ? "0" + digits : digits
    }.joined(separator: " ")
  }

  /// A body as text lines (at most ``bodyTextLines``, of what ``bodyTextLimit`` bytes hold,
  /// invalid UTF-8 as U+FFFD, control characters escaped) then `… N more bytes`.
  static func bodyText(_ body: ByteBuffer) -> [String] {
    let bytes = body.readableBytesView
    guard !bytes.isEmpty else { return ["(empty)"] }
    let shownBytes = bytes.prefix(bodyTextLimit)
    let text = String(decoding: shownBytes, as: UTF8.self)
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).prefix(bodyTextLines)
      .map { safe(String($0), limit: stringLimit) }
    let hiddenLines =
      text.split(separator: "\n", omittingEmptySubsequences: false).count
      - lines.count
    let rest = bytes.count - shownBytes.count
    if rest > 0 || hiddenLines > 0 {
      lines.append(
        "… \(Format.count(bytes.count - min(bytes.count, shownBytes.count))) more bytes"
          + (hiddenLines > 0 ? ", \(Format.count(hiddenLines)) more lines" : ""))
    }
    return lines
  }

  /// A body as hex, 16 bytes a line with their offset, up to ``bodyHexLimit`` bytes, then
  /// `… N more bytes`.
  static func bodyHex(_ body: ByteBuffer) -> [String] {
    let bytes = Array(body.readableBytesView.prefix(bodyHexLimit))
    guard !bytes.isEmpty else { return ["(empty)"] }
    var lines: [String] = []
    var offset = 0
    while offset < bytes.count {
      let line = bytes[offset..<min(offset + 16, bytes.count)]
      let label = String(offset, radix: 16)
      lines.append(
        String(repeating: "0", count: max(0, 4 - label.count)) + label + "  " + hex(line))
      offset += 16
    }
    let rest = body.readableBytes - bytes.count
    if rest > 0 { lines.append("… \(Format.count(rest)) more bytes") }
    return lines
  }

  /// A wall-clock time in µs since the epoch as the time of day in UTC
  /// (`12:03:04.123456`): pure arithmetic, any value.
  static func clock(_ microseconds: Int64) -> String {
    let day: Int64 = 86_400_000_000
    let inDay = ((microseconds % day) + day) % day
    let seconds = inDay / 1_000_000
    func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
    let fraction = String(inDay % 1_000_000)
    return "\(two(seconds / 3_600)):\(two(seconds / 60 % 60)):\(two(seconds % 60))."
      + String(repeating: "0", count: 6 - fraction.count) + fraction
  }

  /// `later - earlier` µs with its sign (`+1.20 ms`, `-3.00 s`), saturating for hostile
  /// values.
  static func offset(from earlier: Int64, to later: Int64) -> String {
    let text = span(from: earlier, to: later)
    return text.hasPrefix("-") ? text : "+" + text
  }

  /// `later - earlier` µs as a duration (`1.20 ms`), saturating for hostile values.
  static func span(from earlier: Int64, to later: Int64) -> String {
    let (difference, overflow) = later.subtractingReportingOverflow(earlier)
    let bound = Int64.max / 1_000
    let clamped =
      overflow ? (later > earlier ? bound : -bound) : min(bound, max(-bound, difference))
    return Format.duration(.microseconds(clamped))
  }
}
