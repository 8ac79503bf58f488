import AMQPRPC

/// The numbers the client screen prints beside its lists and counters: list titles that say
/// how much of the total is listed, and the check that the counters add up.
extension ClientDashboard {
  /// Whether `sent = ok + error + timed out + unroutable + lost + cancelled + in flight`
  /// holds in the snapshot: `✓` (ASCII `=`) when it does, else the difference
  /// (`✗ 3 unaccounted`, `✗ 2 too many`); `nil` before the first snapshot.
  package var accountingCheck: (text: String, holds: Bool)? {
    guard let stats else { return nil }
    let difference = stats.unaccounted
    let mark = asciiOnly ? "!=" : "✗"
    switch difference {
    case 0: return (asciiOnly ? "=" : "✓", true)
    case 1...: return ("\(mark) \(Format.count(difference)) unaccounted", false)
    default: return ("\(mark) \(Format.count(-difference)) too many", false)
    }
  }

  /// `Completed (12)` when the list holds everything, `Completed (1,000 shown of 2,345)`
  /// when it holds only the newest (or oldest) `shown` of `total`.
  static func listTitle(_ name: String, shown: Int, total: Int) -> String {
    shown >= total
      ? "\(name) (\(Format.count(total)))"
      : "\(name) (\(Format.count(shown)) shown of \(Format.count(total)))"
  }

  /// The title of the in-flight list: `In flight (1,000 shown of 10,000), oldest first`.
  var inFlightTitle: String {
    Self.listTitle(
      "In flight", shown: stats?.oldestInFlight.count ?? 0, total: stats?.inFlight ?? 0)
      + ", oldest first"
  }

  /// The title of the completed list: `Completed 1–17 of 2,345, newest first`.
  var completedTitle: String { completedListTitle(rows: nil, short: false) }

  /// ``discardedTitle`` for narrow screens: `Discarded: late 1 · unknown 0 · duplicate 2`.
  var discardedShorterTitle: String {
    guard let stats else { return "Discarded:" }
    return "Discarded: "
      + RPCDiscardKind.allCases.map { "\($0.rawValue) \(Format.count(stats.count($0)))" }
      .joined(separator: " · ")
  }

  /// The title of the discarded list: `Discarded replies: late 1 · unknown 0 · duplicate 2`,
  /// with `(1,000 shown of 2,345)` when the list holds only the newest.
  var discardedTitle: String {
    guard let stats else { return "Discarded replies:" }
    let counts = RPCDiscardKind.allCases.map { "\($0.rawValue) \(Format.count(stats.count($0)))" }
    let total = stats.discardedTotal
    return "Discarded replies: " + counts.joined(separator: " · ")
      + (discarded.count < total
        ? " (\(Format.count(discarded.count)) shown of \(Format.count(total)))" : "")
  }
}
