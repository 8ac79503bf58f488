import AMQPRPC

/// What `/` (or `:filter TEXT`) keeps in the client screen's lists: words separated by
/// spaces, every one of which must match (AND), case-insensitively.
///
/// - A plain word matches as a substring of the correlation id, n (or a raw call's request
///   text), the result or error text, the outcome (`ok`, `error`, `timed out`, `unroutable`,
///   `connection lost`, `cancelled`; `timeout` for `timed out`) and the worker; for a
///   discarded reply, its kind and detail.
/// - `id:TEXT`: a substring of the correlation id.
/// - `n:30` or `n:30..35`: n, or n within the range (both ends included).
/// - `outcome:WORD` or `o:WORD`: one outcome: `ok`, `error`, `timeout` (`timed-out`),
///   `unroutable`, `lost` (`connection-lost`), `cancelled` (`canceled`).
/// - `worker:NAME` or `w:NAME`: the worker, whole (`w:vm-123/w2`), by its name on its
///   server (`w:w2` matches `w2` and `vm-123/w2`, not `w20`) or by its server
///   (`w:vm-123`).
/// - `kind:WORD`: a discarded reply's kind: `late`, `unknown`, `duplicate`; ended calls and
///   calls in flight have no kind and never match it.
///
/// In flight matches words and `id:`/`n:` (no outcome or worker yet). Parsing fails with
/// the reason for an unknown qualifier, an empty value, a bad number or range, an unknown
/// outcome or kind.
package struct CallFilter: Sendable, Hashable {
  /// One condition.
  package enum Term: Sendable, Hashable {
    case word(String)
    case id(String)
    case n(ClosedRange<Int>)
    case outcome(RPCOutcome)
    case worker(String)
    case kind(RPCDiscardKind)
  }

  /// Why a filter text was refused.
  package struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
    package var description: String
  }

  /// The text as typed.
  package let text: String
  package let terms: [Term]

  /// The filter `text` says; an empty one (only spaces) keeps everything.
  package static func parse(_ text: String) -> Result<CallFilter, ParseError> {
    var terms: [Term] = []
    for word in text.split(whereSeparator: \.isWhitespace) {
      switch term(String(word)) {
      case .success(let term): terms.append(term)
      case .failure(let error): return .failure(error)
      }
    }
    return .success(CallFilter(text: text.trimmingWhitespace(), terms: terms))
  }

  /// Whether it keeps everything.
  package var isEmpty: Bool { terms.isEmpty }

  private static func term(_ word: String) -> Result<Term, ParseError> {
    guard let colon = word.firstIndex(of: ":") else { return .success(.word(word.lowercased())) }
    let qualifier = word[..<colon].lowercased()
    let value = word[word.index(after: colon)...].lowercased()
    func refuse(_ reason: String) -> Result<Term, ParseError> {
      .failure(ParseError(description: reason))
    }
    guard !value.isEmpty else { return refuse("\(qualifier): needs a value, e.g. \(qualifier):…") }
    switch qualifier {
    case "id": return .success(.id(value))
    case "n":
      let bounds = value.split(separator: "..", omittingEmptySubsequences: false)
      let numbers = bounds.compactMap { Int($0) }
      guard bounds.count <= 2, numbers.count == bounds.count, let low = numbers.first,
        let high = numbers.last
      else { return refuse("n:\(value) is not a number or a range like n:30..35") }
      guard low <= high else { return refuse("n:\(value) is an empty range (\(low) > \(high))") }
      return .success(.n(low...high))
    case "outcome", "o":
      guard let outcome = outcomeNames[value] else {
        return refuse(
          "\(qualifier):\(value) — outcomes are ok, error, timeout, unroutable, lost, cancelled")
      }
      return .success(.outcome(outcome))
    case "worker", "w": return .success(.worker(value))
    case "kind":
      guard let kind = RPCDiscardKind(rawValue: value) else {
        return refuse("kind:\(value) — kinds are late, unknown, duplicate")
      }
      return .success(.kind(kind))
    default:
      return refuse("\(qualifier): is not a filter — try id:, n:, o:, w:, kind: or plain words")
    }
  }

  /// The names `outcome:` takes.
  static let outcomeNames: [String: RPCOutcome] = [
    "ok": .ok, "error": .serverError, "err": .serverError, "timeout": .timedOut,
    "timed-out": .timedOut, "timedout": .timedOut, "unroutable": .unroutable,
    "lost": .connectionLost, "connection-lost": .connectionLost, "cancelled": .cancelled,
    "canceled": .cancelled,
  ]

  // MARK: - Matching

  /// Whether `call` matches every term.
  package func matches(_ call: CompletedCall) -> Bool {
    let outcome: RPCOutcome
    let text: String
    switch call.result {
    case .success(let reply):
      outcome = .ok
      // Only the start of a long reply is searched.
      text = String(
        decoding: reply.body.readableBytesView.prefix(Self.searchedBytes), as: UTF8.self)
    case .failure(let error):
      outcome = CallRecord.outcome(error.code)
      text = ClientDashboard.failureText(error)
    }
    let worker = call.worker
    let outcomeText = outcome == .timedOut ? "timed out timeout" : outcome.rawValue
    return terms.allSatisfy { term in
      switch term {
      case .word(let word):
        return [call.id, call.n.map(String.init), call.label, text, outcomeText, worker]
          .contains { $0.map { Self.contains($0, word) } ?? false }
      case .id(let part): return Self.contains(call.id, part)
      case .n(let range): return call.n.map(range.contains) ?? false
      case .outcome(let wanted): return outcome == wanted
      case .worker(let name): return worker.map { Self.worker($0, is: name) } ?? false
      case .kind: return false
      }
    }
  }

  /// Whether `call` (in flight) matches every term.
  package func matches(_ call: RPCInFlightCall) -> Bool {
    terms.allSatisfy { term in
      switch term {
      case .word(let word):
        return [call.correlationID, call.n.map(String.init), call.label]
          .contains { $0.map { Self.contains($0, word) } ?? false }
      case .id(let part): return Self.contains(call.correlationID, part)
      case .n(let range): return call.n.map(range.contains) ?? false
      case .outcome, .worker, .kind: return false
      }
    }
  }

  /// Whether `reply` (discarded) matches every term.
  package func matches(_ reply: DiscardedReply) -> Bool {
    terms.allSatisfy { term in
      switch term {
      case .word(let word):
        return Self.contains(reply.id, word) || Self.contains(reply.kind.rawValue, word)
      case .id(let part): return Self.contains(reply.id, part)
      case .kind(let kind): return reply.kind == kind
      case .n, .outcome, .worker: return false
      }
    }
  }

  /// The most bytes of a reply searched for a word.
  static let searchedBytes = 4_096

  /// Whether `text` holds `part` (already lowercased), ignoring case.
  static func contains(_ text: String, _ part: String) -> Bool {
    text.lowercased().contains(part)
  }

  /// Whether `worker` (`vm-123/w2`) is `name`: whole, its name on its server, or its server.
  static func worker(_ worker: String, is name: String) -> Bool {
    let worker = worker.lowercased()
    return worker == name || worker.hasSuffix("/" + name) || worker.hasPrefix(name + "/")
  }
}
