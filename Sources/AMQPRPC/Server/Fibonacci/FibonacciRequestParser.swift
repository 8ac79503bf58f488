import NIOCore

/// Turns a request body into n, or says why it cannot.
package struct FibonacciRequestParser: Sendable {
  /// The largest n served.
  package var maximumN: Int
  /// Bodies longer than this are refused before parsing.
  package var maximumBodyBytes: Int

  /// A parser serving n up to `maximumN`, refusing bodies over `maximumBodyBytes`.
  package init(maximumN: Int, maximumBodyBytes: Int = 64) {
    self.maximumN = maximumN
    self.maximumBodyBytes = maximumBodyBytes
  }

  /// A refused request: its kind and a message for the caller.
  package struct Refusal: Error, Sendable, Hashable {
    package var kind: RPCServerErrorKind
    package var message: String
  }

  /// Parses the decimal text of `body` (surrounding whitespace allowed).
  package func parse(_ body: ByteBuffer) -> Result<Int, Refusal> {
    // The common request, a few plain digits, needs no copy and no string.
    let bytes = body.readableBytesView
    // (A limit below 1 refuses every body: the general path says so.)
    if bytes.count >= 1, bytes.count <= min(18, maximumBodyBytes),
      bytes.allSatisfy({ (48...57).contains($0) })
    {
      let n = bytes.reduce(0) { $0 * 10 + Int($1 - 48) }
      if n <= maximumN { return .success(n) }
    }
    return parse(Array(bytes))
  }

  /// Parses the decimal text of `body` (surrounding whitespace allowed).
  package func parse(_ body: [UInt8]) -> Result<Int, Refusal> {
    guard body.count <= maximumBodyBytes else {
      return .failure(
        Refusal(
          kind: .invalidInput,
          message: "request body of \(body.count) bytes exceeds \(maximumBodyBytes)"))
    }
    let text = String(decoding: body, as: UTF8.self).trimmingWhitespace()
    guard !text.isEmpty else {
      return .failure(Refusal(kind: .invalidInput, message: "empty request: expected a number"))
    }
    let digits = text.hasPrefix("-") || text.hasPrefix("+") ? text.dropFirst() : Substring(text)
    guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
      return .failure(
        Refusal(kind: .invalidInput, message: "\"\(text.prefix(32))\" is not a whole number"))
    }
    if text.hasPrefix("-"), digits.contains(where: { $0 != "0" }) {
      return .failure(Refusal(kind: .negative, message: "n = \(text) is negative"))
    }
    guard let n = Int(digits), n <= maximumN else {
      return .failure(
        Refusal(
          kind: .tooLarge,
          message: "n = \(text.prefix(32)) is above this server's limit of \(maximumN)"))
    }
    return .success(n)
  }
}

extension String {
  /// The text without leading and trailing whitespace (no Foundation needed).
  package func trimmingWhitespace() -> String {
    let scalars = unicodeScalars
    guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
      let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })
    else { return "" }
    return String(scalars[first...last])
  }
}
