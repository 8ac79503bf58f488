/// Parses what a user types for the client: numbers `35`, lists `30 31 32`, repeats
/// `30x50` (fifty requests of fib(30)) and ranges `1..40`. Shared by the command line, the
/// line mode and the client screen.
public enum NumberList {
  /// The most requests one line may ask for.
  public static let maximumRequests = 100_000

  /// The numbers `text` asks for, in order, or the first token that is wrong and why.
  public static func parse(_ text: String, maximumN: Int = 92) -> Result<[Int], NumberListError> {
    var numbers: [Int] = []
    for word in text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" }) {
      let token = String(word)
      let expanded: [Int]
      if let range = token.firstRange(of: "..") {
        guard let low = number(token[..<range.lowerBound], maximumN),
          let high = number(token[range.upperBound...], maximumN), low <= high
        else { return .failure(NumberListError(token: token, reason: "is not a range like 1..40")) }
        expanded = Array(low...high)
      } else if let times = token.firstIndex(where: { $0 == "x" || $0 == "X" || $0 == "*" }) {
        guard let n = number(token[..<times], maximumN),
          let count = Int(token[token.index(after: times)...]), count >= 1,
          count <= maximumRequests
        else {
          return .failure(NumberListError(token: token, reason: "is not a repeat like 30x50"))
        }
        expanded = Array(repeating: n, count: count)
      } else {
        guard let n = number(Substring(token), maximumN) else {
          return .failure(
            NumberListError(token: token, reason: "is not a whole number from 0 to \(maximumN)"))
        }
        expanded = [n]
      }
      numbers += expanded
      guard numbers.count <= maximumRequests else {
        return .failure(
          NumberListError(token: token, reason: "makes more than \(maximumRequests) requests"))
      }
    }
    return .success(numbers)
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
