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
    var n: Int
    var correlationID: String
    var since: NIODeadline
  }

  var activity: Activity = .consuming
  /// The requests being computed, by the worker's own request number (delivery tags start
  /// again on a replacement channel).
  var computing: [Int: Computation] = [:]
  private var lastRequestNumber = 0
  var processed = 0
  var errors = 0
  var expired = 0
  var rejected = 0
  var handledRate = RateMeter()
  var service = LatencyRecorder()
  var busy = BusyWindow()

  /// A number for the next delivered request, unique in this worker.
  mutating func nextRequestNumber() -> Int {
    lastRequestNumber += 1
    return lastRequestNumber
  }

  /// Request `number` started computing fib(n).
  mutating func began(_ number: Int, _ computation: Computation) {
    computing[number] = computation
    busy.began(computation.since)
  }

  /// Request `number` is done with (answered, refused or given up); a no-op when it was
  /// never computed.
  mutating func ended(_ number: Int, now: NIODeadline) {
    guard computing.removeValue(forKey: number) != nil else { return }
    busy.ended(now)
  }

  /// Forgets every computation (their requests went back to the queue).
  mutating func abandonComputations(now: NIODeadline) {
    for number in computing.keys { ended(number, now: now) }
  }

  func snapshot(id: Int, name: String, prefetch: UInt16, held: Int, now: NIODeadline)
    -> RPCWorkerStats
  {
    var rate = handledRate
    let state: RPCWorkerStats.State
    switch activity {
    case .consuming:
      if let oldest = computing.values.min(by: { $0.since < $1.since }) {
        // `now` may be read just before the worker started; never show a negative age.
        state = .busy(
          n: oldest.n, correlationID: oldest.correlationID, since: max(.zero, now - oldest.since))
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
      utilisation: busy.utilisation(now: now), held: held)
  }
}
