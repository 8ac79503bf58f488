import NIOCore

/// An immutable snapshot of a client's counters, for UIs. Invariant:
/// `sent == outcomes.values.sum() + inFlight`.
public struct RPCClientStats: Sendable, Hashable {
  /// Requests published.
  public var sent: Int
  /// Calls ended, by outcome.
  public var outcomes: [RPCOutcome: Int]
  /// Replies thrown away, by kind.
  public var discarded: [RPCDiscardKind: Int]
  /// Calls waiting for a reply.
  public var inFlight: Int
  /// The oldest waiting calls (at most 1,000), oldest first.
  public var oldestInFlight: [RPCInFlightCall]
  /// Round-trip times of successful calls.
  public var latency: LatencySummary
  /// Calls ended per second over the last seconds.
  public var completionsPerSecond: Double

  /// The number of calls ended with `outcome`.
  public func count(_ outcome: RPCOutcome) -> Int { outcomes[outcome] ?? 0 }
  /// The number of replies discarded as `kind`.
  public func count(_ kind: RPCDiscardKind) -> Int { discarded[kind] ?? 0 }
}

/// A call waiting for its reply.
public struct RPCInFlightCall: Sendable, Hashable {
  public var correlationID: String
  public var n: Int?
  /// How long it has waited.
  public var age: TimeAmount
  /// Until its deadline (negative when overdue).
  public var timeLeft: TimeAmount
}
