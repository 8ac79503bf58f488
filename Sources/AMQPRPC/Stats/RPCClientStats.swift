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

  public init(
    sent: Int, outcomes: [RPCOutcome: Int], discarded: [RPCDiscardKind: Int], inFlight: Int,
    oldestInFlight: [RPCInFlightCall], latency: LatencySummary, completionsPerSecond: Double
  ) {
    self.sent = sent
    self.outcomes = outcomes
    self.discarded = discarded
    self.inFlight = inFlight
    self.oldestInFlight = oldestInFlight
    self.latency = latency
    self.completionsPerSecond = completionsPerSecond
  }

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

  public init(correlationID: String, n: Int?, age: TimeAmount, timeLeft: TimeAmount) {
    self.correlationID = correlationID
    self.n = n
    self.age = age
    self.timeLeft = timeLeft
  }
}
