/// Parses what a user types for the client: numbers `35`, lists `30 31 32`, repeats
/// `30x50` (fifty requests of fib(30)) and ranges `1..40`. Shared by the command line, the
/// line mode and the client screen.
package enum NumberList {
  /// The most requests one line may ask for.
  package static let maximumRequests = 100_000
  /// The largest n whose fib fits in 64 bits: the bound when the server's is not known.
  package static let largestN = 92

  /// The numbers `text` asks for, in order, or the first token that is wrong and why.
  ///
  /// Every n is a whole number from 0 to `maximumN`. Each token's requests are counted
  /// before its numbers are made, so no input, however large its numbers, can overflow or
  /// make more than ``maximumRequests`` numbers. The reason names what is actually wrong:
  /// `1..1000` with `maximumN` 92 is refused for 1000, not as a malformed range.
  package static func parse(_ text: String, maximumN: Int = largestN) -> Result<
    [Int], NumberListError
  > {
    var numbers: [Int] = []
    for word in text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" }) {
      let token = String(word)
      do {
        numbers += try expand(token, maximumN: maximumN, before: numbers.count)
      } catch {
        return .failure(NumberListError(token: token, reason: error.reason))
      }
    }
    return .success(numbers)
  }

  /// Why one token is refused.
  private struct Refusal: Error {
    var reason: String
    init(_ reason: String) { self.reason = reason }
  }

  /// The numbers one token asks for, refused when they would make the line more than
  /// ``maximumRequests`` with the `before` numbers of the tokens before it.
  private static func expand(_ token: String, maximumN: Int, before: Int) throws(Refusal)
    -> [Int]
  {
    let room = maximumRequests - before
    if let range = token.firstRange(of: "..") {
      let (lowText, highText) = (token[..<range.lowerBound], token[range.upperBound...])
      if lowText.isEmpty || highText.isEmpty {
        throw Refusal("needs a number on both sides, like 1..40")
      }
      let low = try number(lowText, maximumN, example: "1..40")
      let high = try number(highText, maximumN, example: "1..40")
      guard low <= high else {
        throw Refusal("counts down: the smaller number comes first, like \(high)..\(low)")
      }
      // Both are ≥ 0, so the difference cannot overflow (the count, high - low + 1, could).
      guard high - low < room else {
        throw Refusal(tooMany(high - low == Int.max ? nil : high - low + 1, before: before))
      }
      return Array(low...high)
    }
    // A repeat when either side of the x is a number (`box` is just not a number).
    if let times = token.firstIndex(where: { $0 == "x" || $0 == "X" || $0 == "*" }),
      case (let nText, let countText) = (token[..<times], token[token.index(after: times)...]),
      isWhole(nText) || isWhole(nText.dropFirst()) || isWhole(countText)
    {
      if nText.isEmpty { throw Refusal("needs a number before x, like 30x50") }
      let n = try number(nText, maximumN, example: "30x50")
      guard isWhole(countText) else { throw Refusal("needs a whole count after x, like 30x50") }
      // A count too long for Int is more than any room.
      let count = Int(countText) ?? Int.max
      guard count >= 1 else { throw Refusal("repeats 0 times: the count must be 1 or more") }
      guard count <= room else {
        throw Refusal(tooMany(count == Int.max ? nil : count, before: before))
      }
      return Array(repeating: n, count: count)
    }
    let n = try number(Substring(token), maximumN, example: nil)
    guard room >= 1 else { throw Refusal(tooMany(1, before: before)) }
    return [n]
  }

  /// Digits only, at least one.
  private static func isWhole(_ text: Substring) -> Bool {
    !text.isEmpty && text.allSatisfy { $0.isASCII && $0.isNumber }
  }

  /// `text` as n, or why it is not one: not a number, negative, or above `maximumN`.
  /// `example` is the form the token was taken for (`1..40`, `30x50`), if any.
  private static func number(_ text: Substring, _ maximumN: Int, example: String?)
    throws(Refusal) -> Int
  {
    if text.hasPrefix("-"), isWhole(text.dropFirst()) {
      throw Refusal("asks for a negative n: n goes from 0 to \(maximumN)")
    }
    guard isWhole(text) else {
      let what = "\"\(text.prefix(24))\" is not a whole number from 0 to \(maximumN)"
      throw Refusal(
        example.map { "is not like \($0): \(what)" }
          ?? "is not a whole number from 0 to \(maximumN)")
    }
    // Digits too many for Int are above any bound.
    guard let value = Int(text), value <= maximumN else {
      throw Refusal("asks for n = \(text.prefix(24)), above \(maximumN), the largest n accepted")
    }
    return value
  }

  /// `makes 200,000 requests: at most 100,000 per line` (`count` nil: too many to count).
  private static func tooMany(_ count: Int?, before: Int) -> String {
    let made =
      count.map { "makes \(Format.count($0)) request\($0 == 1 ? "" : "s")" }
      ?? "makes too many requests"
    let after = before > 0 ? " after \(Format.count(before)) before it" : ""
    return "\(made)\(after): at most \(Format.count(maximumRequests)) per line"
  }
}

/// Why typed input was refused.
package struct NumberListError: Error, Hashable, CustomStringConvertible {
  package var token: String
  package var reason: String
  package var description: String { "\"\(token.prefix(40))\" \(reason)" }
}
