/// Requests handled, by how they ended: one worker's, or a sum over workers.
public struct RPCWorkerTotals: Sendable, Hashable {
  /// Answered with a value.
  public var processed: Int
  /// Answered with an error (bad input, too large).
  public var errors: Int
  /// Skipped because their deadline had passed.
  public var expired: Int
  /// Rejected without a reply (no reply_to).
  public var rejected: Int
  /// Not answered: the link that delivered them was lost before the answer left, so the
  /// broker gives them to a worker again (not in ``handled``).
  public var interrupted: Int

  public init(
    processed: Int = 0, errors: Int = 0, expired: Int = 0, rejected: Int = 0, interrupted: Int = 0
  ) {
    self.processed = processed
    self.errors = errors
    self.expired = expired
    self.rejected = rejected
    self.interrupted = interrupted
  }

  /// Every request handled: processed + errors + expired + rejected.
  public var handled: Int { processed + errors + expired + rejected }

  /// The sum of two counts.
  public static func + (lhs: Self, rhs: Self) -> Self {
    Self(
      processed: lhs.processed + rhs.processed, errors: lhs.errors + rhs.errors,
      expired: lhs.expired + rhs.expired, rejected: lhs.rejected + rhs.rejected,
      interrupted: lhs.interrupted + rhs.interrupted)
  }
}

/// A snapshot of a server: its workers, and what the workers removed so far had handled.
public struct RPCServerStats: Sendable, Hashable {
  /// The workers listed now, by id; a worker being removed stays (stopping) until it has
  /// answered and acknowledged what it held.
  public var workers: [RPCWorkerStats]
  /// The final counts of the workers removed since start.
  public var retired: RPCWorkerTotals

  public init(workers: [RPCWorkerStats], retired: RPCWorkerTotals = RPCWorkerTotals()) {
    self.workers = workers
    self.retired = retired
  }

  /// Every worker's counts since start, removed ones included.
  public var all: RPCWorkerTotals {
    workers.reduce(retired) { $0 + $1.totals }
  }

  /// Handled requests (processed + errors + expired + rejected) since start, removed
  /// workers included.
  public var handled: Int { all.handled }

  /// Requests held (delivered, not yet acknowledged) by the listed workers.
  public var held: Int { workers.reduce(0) { $0 + $1.held } }
}
