import AMQPRPC

/// Where every request a command sent ended, each in exactly one class — ok, error reply,
/// timed out, unroutable, connection lost, cancelled (or still in flight) — and the replies
/// thrown away (late, duplicate, unknown), as the summaries of `rpc-client --no-tui` and
/// `rpc-bench` print it. The classes add up to ``sent``; ``isBalanced`` checks it.
package struct CallAccounting: Sendable, Hashable {
  /// Requests sent (calls made; a call sent again after a lost link counts once).
  package var sent = 0
  /// Calls ended, by outcome.
  package var outcomes: [RPCOutcome: Int] = [:]
  /// Calls not ended yet.
  package var inFlight = 0
  /// Replies thrown away, by kind.
  package var discarded: [RPCDiscardKind: Int] = [:]
  /// Times the link to the broker was lost, and recovered.
  package var linkLosses = 0
  package var recoveries = 0

  package init() {}

  /// The counts of one client's snapshot.
  package init(_ stats: RPCClientStats) {
    add(stats)
  }

  /// Adds another client's counts (rpc-bench has several).
  package mutating func add(_ stats: RPCClientStats) {
    sent += stats.sent
    outcomes.merge(stats.outcomes, uniquingKeysWith: +)
    inFlight += stats.inFlight
    discarded.merge(stats.discarded, uniquingKeysWith: +)
  }

  package func count(_ outcome: RPCOutcome) -> Int { outcomes[outcome] ?? 0 }
  package func count(_ kind: RPCDiscardKind) -> Int { discarded[kind] ?? 0 }

  /// Every class, in flight included.
  package var accountedFor: Int { outcomes.values.reduce(0, +) + inFlight }
  /// Whether the classes add up to ``sent``.
  package var isBalanced: Bool { accountedFor == sent }

  /// `10 sent: 7 ok, 0 errors, 0 timed out, 0 unroutable, 3 connection lost, 0 cancelled;
  /// discarded 0 late, 0 duplicate, 0 unknown`.
  package var text: String {
    var line =
      "\(sent) sent: \(count(.ok)) ok, \(count(.serverError)) errors, "
      + "\(count(.timedOut)) timed out, \(count(.unroutable)) unroutable, "
      + "\(count(.connectionLost)) connection lost, \(count(.cancelled)) cancelled"
    if inFlight > 0 { line += ", \(inFlight) still in flight" }
    if !isBalanced { line += " (\(accountedFor) accounted for!)" }
    line +=
      "; discarded \(count(.late)) late, \(count(.duplicate)) duplicate, "
      + "\(count(.unknown)) unknown"
    if linkLosses > 0 || recoveries > 0 {
      line +=
        "; link lost \(linkLosses) time\(linkLosses == 1 ? "" : "s"), "
        + "recovered \(recoveries)"
    }
    return line
  }

  /// The counts as JSON members (`"sent": 10, "ok": 7, …`), for a summary object.
  package var jsonFields: [(String, String)] {
    [
      ("sent", "\(sent)"), ("ok", "\(count(.ok))"), ("error", "\(count(.serverError))"),
      ("timed_out", "\(count(.timedOut))"), ("unroutable", "\(count(.unroutable))"),
      ("connection_lost", "\(count(.connectionLost))"), ("cancelled", "\(count(.cancelled))"),
      ("in_flight", "\(inFlight)"), ("discarded_late", "\(count(.late))"),
      ("discarded_duplicate", "\(count(.duplicate))"),
      ("discarded_unknown", "\(count(.unknown))"), ("link_lost", "\(linkLosses)"),
      ("recovered", "\(recoveries)"),
    ]
  }

  /// One JSON object of `fields`, whose values are already JSON.
  package static func jsonObject(_ fields: [(String, String)]) -> String {
    "{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
  }
}
