import DequeModule
import NIOCore

/// An immutable snapshot of a client's counters and its newest ended calls and discarded
/// replies, for UIs: all taken in one step under the client's lock, so the lists and the
/// counters always describe the same moment. Invariant:
/// `sent == outcomes.values.sum() + inFlight`.
public struct RPCClientStats: Sendable, Hashable {
  /// How many ended calls and discarded replies a snapshot lists at most.
  public static let recentLimit = 1_000

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
  /// Calls ended per second: those ended in the current second and the four before it,
  /// divided by 5. (The screens measure their own rate from successive snapshots' ``ended``.)
  public var completionsPerSecond: Double
  /// The newest ended calls (at most ``recentLimit``), oldest first; ``ended`` counts them all.
  public var recentlyEnded: Deque<RPCEndedCall>
  /// The newest discarded replies (at most ``recentLimit``), oldest first; ``discardedTotal``
  /// counts them all.
  public var recentlyDiscarded: Deque<RPCDiscardedReply>

  public init(
    sent: Int, outcomes: [RPCOutcome: Int], discarded: [RPCDiscardKind: Int], inFlight: Int,
    oldestInFlight: [RPCInFlightCall], latency: LatencySummary, completionsPerSecond: Double,
    recentlyEnded: Deque<RPCEndedCall> = [], recentlyDiscarded: Deque<RPCDiscardedReply> = []
  ) {
    self.sent = sent
    self.outcomes = outcomes
    self.discarded = discarded
    self.inFlight = inFlight
    self.oldestInFlight = oldestInFlight
    self.latency = latency
    self.completionsPerSecond = completionsPerSecond
    self.recentlyEnded = recentlyEnded
    self.recentlyDiscarded = recentlyDiscarded
  }

  /// The number of calls ended with `outcome`.
  public func count(_ outcome: RPCOutcome) -> Int { outcomes[outcome] ?? 0 }
  /// The number of replies discarded as `kind`.
  public func count(_ kind: RPCDiscardKind) -> Int { discarded[kind] ?? 0 }
  /// Calls ended, whatever their outcome.
  public var ended: Int { outcomes.values.reduce(0, +) }
  /// Replies discarded, whatever their kind.
  public var discardedTotal: Int { discarded.values.reduce(0, +) }
  /// `sent` minus every call accounted for (ended or in flight): 0 when the counters add up.
  public var unaccounted: Int { sent - ended - inFlight }
}

/// A call waiting for its reply.
public struct RPCInFlightCall: Sendable, Hashable {
  public var correlationID: String
  package var n: Int?
  /// What the screens show for the request instead of n: the text of a raw call they made
  /// (cut short); `nil` for other calls.
  package var label: String?
  /// How long it has waited.
  public var age: Duration
  /// Until its deadline (negative when overdue).
  public var timeLeft: Duration
  /// The request as published; `nil` only for a call made up by a test.
  public var request: RPCSentRequest?

  package init(correlationID: String, n: Int?, age: Duration, timeLeft: Duration) {
    self.correlationID = correlationID
    self.n = n
    self.age = age
    self.timeLeft = timeLeft
  }
}

/// A call that ended: its reply, or why it failed.
public struct RPCEndedCall: Sendable, Hashable {
  public var correlationID: String
  package var n: Int?
  /// As ``RPCInFlightCall/label``.
  package var label: String?
  public var result: Result<RPCReply, RPCError>
  /// The request as published; `nil` only for a call made up by a test.
  public var request: RPCSentRequest?
  /// The reply that ended the call (its answer or an error reply), as it came; `nil` when
  /// no reply did (timed out, unroutable, lost, cancelled).
  public var reply: RPCReceivedMessage?
  /// When the call ended (its reply matched, its deadline passed…), in µs since the Unix
  /// epoch: the call's wall-clock start plus the monotonic time it took.
  public var endedAtMicroseconds: Int64?

  package init(correlationID: String, n: Int?, result: Result<RPCReply, RPCError>) {
    self.correlationID = correlationID
    self.n = n
    self.result = result
  }
}

/// A reply the client threw away.
public struct RPCDiscardedReply: Sendable, Hashable {
  public var kind: RPCDiscardKind
  public var correlationID: String
  /// For a late reply: how long after its call ended it came.
  public var lateBy: Duration?
  /// The reply as it came (properties, body, redelivered, when).
  public var message: RPCReceivedMessage?

  public init(
    kind: RPCDiscardKind, correlationID: String, lateBy: Duration?,
    message: RPCReceivedMessage? = nil
  ) {
    self.kind = kind
    self.correlationID = correlationID
    self.lateBy = lateBy
    self.message = message
  }
}
