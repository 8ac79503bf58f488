import NIOCore

/// A snapshot of one worker.
public struct RPCWorkerStats: Sendable, Hashable {
  /// What a worker is doing.
  public enum State: Sendable, Hashable {
    /// Consuming, with no request being computed.
    case idle
    /// Handling its oldest request (n for a Fibonacci one) for `since`; ``held``
    /// counts every request it holds.
    case busy(n: Int?, correlationID: String, since: Duration)
    /// Being removed (or paused): no new deliveries; it answers and acknowledges the
    /// ``held`` requests it still has, then goes.
    case stopping
    /// Not consuming (its consumer is cancelled) until resumed.
    case paused
    /// Its consumer was cancelled by the broker or lost with its channel (`reason`): the
    /// worker declares the queue again and consumes once more.
    case restoring(reason: String)
    case stopped
  }

  public var id: Int
  public var name: String
  public var state: State
  /// The worker's `basic.qos` prefetch.
  public var prefetch: UInt16
  /// The broker endpoint (`host:port`) of the worker's connection, now or last: on a
  /// cluster, the node it consumes through (see ``RPCServer/start(connections:configuration:handler:)``).
  public var endpoint: String
  /// Whether the worker's connection has a link now: false from its loss to its recovery
  /// (the worker then holds nothing; the broker took its deliveries back).
  public var connected: Bool
  /// Requests delivered to this worker and not yet acknowledged (or rejected): 0…prefetch
  /// (any number with prefetch 0, unlimited).
  public var held: Int
  /// The correlation ids of the requests it holds, oldest delivery first: at most
  /// 32 (``held`` counts them all); in a busy worker the first is usually the one computed.
  public var heldCorrelationIDs: [String] = []
  /// Requests answered with a value.
  public var processed: Int
  /// Requests answered with an error (bad input, too large).
  public var errors: Int
  /// Requests skipped because their deadline had passed.
  public var expired: Int
  /// Requests rejected without a reply (no reply_to).
  public var rejected: Int
  /// Requests not answered because the link that delivered them was lost first (the broker
  /// delivers them again).
  public var interrupted: Int
  /// Requests handled per second over the last 5 s.
  public var rate: Double
  /// Service times of answered requests.
  public var service: LatencySummary
  /// The share of the last 10 s with at least one request being computed, 0...1.
  public var utilisation: Double

  public init(
    id: Int, name: String, state: State, prefetch: UInt16, processed: Int, errors: Int,
    expired: Int, rejected: Int, rate: Double, service: LatencySummary, utilisation: Double,
    held: Int = 0, interrupted: Int = 0, endpoint: String = "", connected: Bool = true
  ) {
    self.id = id
    self.endpoint = endpoint
    self.connected = connected
    self.name = name
    self.state = state
    self.prefetch = prefetch
    self.held = held
    self.processed = processed
    self.errors = errors
    self.expired = expired
    self.rejected = rejected
    self.interrupted = interrupted
    self.rate = rate
    self.service = service
    self.utilisation = utilisation
  }

  /// The worker's counts alone.
  public var totals: RPCWorkerTotals {
    RPCWorkerTotals(
      processed: processed, errors: errors, expired: expired, rejected: rejected,
      interrupted: interrupted)
  }
}
