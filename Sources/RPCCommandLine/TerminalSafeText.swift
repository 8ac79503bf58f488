extension String {
  /// The text with control characters (C0, DEL, C1) written as `\u{1B}`-style escapes, for
  /// printing what a peer sent (correlation ids, error messages) to a terminal or a log: an
  /// escape sequence or a newline in a correlation id must not reach the operator's screen.
  package var escapingControlCharacters: String {
    guard unicodeScalars.contains(where: \.isControl) else { return self }
    var escaped = ""
    for scalar in unicodeScalars {
      if scalar.isControl {
        escaped += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
      } else {
        escaped.unicodeScalars.append(scalar)
      }
    }
    return escaped
  }
}

extension Unicode.Scalar {
  fileprivate var isControl: Bool { value < 0x20 || (0x7F...0x9F).contains(value) }
}
