import NIOCore

/// The mutable state behind ``RPCWorkerStats``: what the worker is doing and its counts.
struct WorkerRecord: Sendable {
  /// Where the worker is in its life; whether it is busy follows from ``computing``.
  enum Activity: Sendable {
    case consuming
    case stopping
    case paused
    case restoring(reason: String)
    case stopped
  }

  /// A request being computed.
  struct Computation: Sendable {
    /// n for a Fibonacci request.
    var n: Int?
    var correlationID: String
    var since: NIODeadline
  }

  var activity: Activity = .consuming
  /// The requests being computed, oldest first.
  var computing: [Computation] = []
  var processed = 0
  var errors = 0
  var expired = 0
  var rejected = 0
  var interrupted = 0
  var handledRate = RateMeter()
  var service = LatencyRecorder()
  var busy = BusyWindow()

  /// A request started computing fib(n).
  mutating func began(_ computation: Computation) {
    computing.append(computation)
    busy.began(computation.since)
  }

  /// The request with this correlation id received at `since` is done with (answered,
  /// refused or given up); a no-op when it was never computed. (The pair tells requests
  /// apart: each delivery reads the clock anew.)
  mutating func ended(correlationID: String, since: NIODeadline, now: NIODeadline = .now()) {
    guard
      let index = computing.firstIndex(where: {
        $0.since == since && $0.correlationID == correlationID
      })
    else { return }
    computing.remove(at: index)
    busy.ended(now)
  }

  /// Forgets every computation (their requests went back to the queue).
  mutating func abandonComputations(now: NIODeadline) {
    for _ in computing { busy.ended(now) }
    computing.removeAll()
  }

  func snapshot(id: Int, name: String, prefetch: UInt16, held: Int, now: NIODeadline)
    -> RPCWorkerStats
  {
    var rate = handledRate
    let state: RPCWorkerStats.State
    switch activity {
    case .consuming:
      if let oldest = computing.min(by: { $0.since < $1.since }) {
        // `now` may be read just before the worker started; never show a negative age.
        state = .busy(
          n: oldest.n, correlationID: oldest.correlationID,
          since: max(.zero, now - oldest.since).duration)
      } else {
        state = .idle
      }
    case .stopping: state = .stopping
    case .paused: state = .paused
    case .restoring(let reason): state = .restoring(reason: reason)
    case .stopped: state = .stopped
    }
    return RPCWorkerStats(
      id: id, name: name, state: state, prefetch: prefetch, processed: processed, errors: errors,
      expired: expired, rejected: rejected, rate: rate.rate(now), service: service.summary,
      utilisation: busy.utilisation(now: now), held: held, interrupted: interrupted)
  }
}
