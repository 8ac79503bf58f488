import NIOCore

/// A snapshot of one worker.
public struct RPCWorkerStats: Sendable, Hashable {
  /// What a worker is doing.
  public enum State: Sendable, Hashable {
    case idle
    /// Working on fib(n) for a request since `since` ago.
    case busy(n: Int, correlationID: String, since: TimeAmount)
    /// Finishing its current message before it goes.
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
  /// Requests answered with a value.
  public var processed: Int
  /// Requests answered with an error (bad input, too large).
  public var errors: Int
  /// Requests skipped because their deadline had passed.
  public var expired: Int
  /// Requests rejected without a reply (no reply_to).
  public var rejected: Int
  /// Requests handled per second over the last seconds.
  public var rate: Double
  /// Service times of answered requests.
  public var service: LatencySummary
  /// The share of the last seconds spent working, 0...1.
  public var utilisation: Double

  public init(
    id: Int, name: String, state: State, prefetch: UInt16, processed: Int, errors: Int,
    expired: Int, rejected: Int, rate: Double, service: LatencySummary, utilisation: Double
  ) {
    self.id = id
    self.name = name
    self.state = state
    self.prefetch = prefetch
    self.processed = processed
    self.errors = errors
    self.expired = expired
    self.rejected = rejected
    self.rate = rate
    self.service = service
    self.utilisation = utilisation
  }
}

/// A snapshot of a server: its workers and their sum.
public struct RPCServerStats: Sendable, Hashable {
  public var workers: [RPCWorkerStats]

  public init(workers: [RPCWorkerStats]) {
    self.workers = workers
  }

  /// Handled requests (processed + errors + expired + rejected) across all workers.
  public var handled: Int {
    workers.reduce(0) { $0 + $1.processed + $1.errors + $1.expired + $1.rejected }
  }
}

/// The mutable counters behind ``RPCWorkerStats``.
struct WorkerRecord: Sendable {
  enum Activity: Sendable {
    case idle
    case busy(n: Int, correlationID: String, since: NIODeadline)
    case stopping
    case paused
    case restoring(reason: String)
    case stopped
  }

  var activity: Activity = .idle
  var processed = 0
  var errors = 0
  var expired = 0
  var rejected = 0
  var handledRate = RateMeter()
  var service = LatencyRecorder()
  var busy = BusyWindow()

  func snapshot(id: Int, name: String, prefetch: UInt16, now: NIODeadline) -> RPCWorkerStats {
    var rate = handledRate
    let state: RPCWorkerStats.State
    switch activity {
    case .idle: state = .idle
    case .busy(let n, let id, let since):
      // `now` may be read just before the worker started; never show a negative age.
      state = .busy(n: n, correlationID: id, since: max(.zero, now - since))
    case .stopping: state = .stopping
    case .paused: state = .paused
    case .restoring(let reason): state = .restoring(reason: reason)
    case .stopped: state = .stopped
    }
    return RPCWorkerStats(
      id: id, name: name, state: state, prefetch: prefetch, processed: processed, errors: errors,
      expired: expired,
      rejected: rejected, rate: rate.rate(now), service: service.summary,
      utilisation: busy.utilisation(now: now))
  }
}
