/// Parses what a user types for the client: numbers `35`, lists `30 31 32`, repeats
/// `30x50` (fifty requests of fib(30)) and ranges `1..40`. Shared by the command line, the
/// line mode and the client screen.
public enum NumberList {
  /// The most requests one line may ask for.
  public static let maximumRequests = 100_000

  /// The numbers `text` asks for, in order, or the first token that is wrong and why.
  ///
  /// Every n is a whole number from 0 to `maximumN`. Each token's requests are counted
  /// before its numbers are made, so no input, however large its numbers, can overflow or
  /// make more than ``maximumRequests`` numbers.
  public static func parse(_ text: String, maximumN: Int = 92) -> Result<[Int], NumberListError> {
    var numbers: [Int] = []
    for word in text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" }) {
      let token = String(word)
      switch expand(token, maximumN: maximumN, room: maximumRequests - numbers.count) {
      case .success(let expanded): numbers += expanded
      case .failure(let error): return .failure(error)
      }
    }
    return .success(numbers)
  }

  /// The numbers one token asks for, refused when they are more than `room`.
  private static func expand(_ token: String, maximumN: Int, room: Int) -> Result<
    [Int], NumberListError
  > {
    let tooMany = NumberListError(
      token: token, reason: "makes more than \(maximumRequests) requests")
    if let range = token.firstRange(of: "..") {
      guard let low = number(token[..<range.lowerBound], maximumN),
        let high = number(token[range.upperBound...], maximumN), low <= high
      else { return .failure(NumberListError(token: token, reason: "is not a range like 1..40")) }
      // Both are ≥ 0, so the difference cannot overflow (the count, high - low + 1, could).
      guard high - low < room else { return .failure(tooMany) }
      return .success(Array(low...high))
    }
    if let times = token.firstIndex(where: { $0 == "x" || $0 == "X" || $0 == "*" }) {
      guard let n = number(token[..<times], maximumN),
        let count = Int(token[token.index(after: times)...]), count >= 1
      else { return .failure(NumberListError(token: token, reason: "is not a repeat like 30x50")) }
      guard count <= room else { return .failure(tooMany) }
      return .success(Array(repeating: n, count: count))
    }
    guard let n = number(Substring(token), maximumN) else {
      return .failure(
        NumberListError(token: token, reason: "is not a whole number from 0 to \(maximumN)"))
    }
    guard room >= 1 else { return .failure(tooMany) }
    return .success([n])
  }

  private static func number(_ text: Substring, _ maximumN: Int) -> Int? {
    guard !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(text),
      value <= maximumN
    else { return nil }
    return value
  }
}

/// Why typed input was refused.
public struct NumberListError: Error, Hashable, CustomStringConvertible {
  public var token: String
  public var reason: String
  public var description: String { "\"\(token.prefix(40))\" \(reason)" }
}
